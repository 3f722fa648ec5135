/* client_opts.h - the options of every command that talks to an ingestion server (ingest, api),
   described once: a macro of table entries and the function that applies them. */
#ifndef ES_CLI_CLIENT_OPTS_H
#define ES_CLI_CLIENT_OPTS_H

#include "cli/opts.h"
#include "client/client.h"

enum {
  ES_CO_SERVER = 100, /* above any command's own option ids */
  ES_CO_CHUNK,
  ES_CO_BANDWIDTH,
  ES_CO_TIMEOUT,
  ES_CO_RETRIES,
  ES_CO_MAX_MESSAGE,
  ES_CO_BACKOFF_MIN,
  ES_CO_BACKOFF_MAX,
  ES_CO_BUSY_TIMEOUT,
  ES_CO_TLS,
  ES_CO_TLS_CA,
  ES_CO_TLS_CERT,
  ES_CO_TLS_KEY,
  ES_CO_TLS_SERVER_NAME,
  ES_CO_TOKEN_FILE
};

/* The variable that holds a token itself (read by es_cli_client_env when --token-file is not
   given): a command-line option would show the token to anyone running `ps`. */
#define ES_CLI_TOKEN_ENV "EMBEDSTREAM_TOKEN"

#define ES_CLI_CLIENT_OPTS                                                                           \
  {ES_CO_SERVER,                                                                                     \
   "server",                                                                                         \
   's',                                                                                              \
   "TARGET",                                                                                         \
   "the gRPC ingestion server: HOST:PORT, a list a:50052,b:50052, or a\ngRPC target URI "            \
   "(dns:///name:50052); streams go round robin",                                                    \
   "EMBEDSTREAM_SERVER"},                                                                            \
      {ES_CO_CHUNK,                                                                                  \
       "chunk-size",                                                                                 \
       0,                                                                                            \
       "N|auto",                                                                                     \
       "rows per chunk message; auto sizes for --bandwidth-mbps as the\nspec's formula does",        \
       NULL},                                                                                        \
      {ES_CO_BANDWIDTH, "bandwidth-mbps", 0, "X", "network bandwidth for auto chunk sizing", NULL},  \
      {ES_CO_TIMEOUT, "timeout", 0, "SECONDS", "deadline of each attempt", NULL},                    \
      {ES_CO_RETRIES,                                                                                \
       "retries",                                                                                    \
       0,                                                                                            \
       "N",                                                                                          \
       "attempts in all on UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED,\nDEADLINE_EXCEEDED; "           \
       "a busy server's refusals (RESOURCE_EXHAUSTED with\ngrpc-retry-pushback-ms) do not count",    \
       NULL},                                                                                        \
      {ES_CO_BUSY_TIMEOUT,                                                                           \
       "busy-timeout",                                                                               \
       0,                                                                                            \
       "SECONDS",                                                                                    \
       "how long to keep waiting, as the server's pushback says,\nfor a busy server (0: give up at " \
       "once)",                                                                                      \
       NULL},                                                                                        \
      {ES_CO_MAX_MESSAGE, "max-message-bytes", 0, "N", "no message larger than this", NULL},         \
      {ES_CO_BACKOFF_MIN,                                                                            \
       "backoff-min",                                                                                \
       0,                                                                                            \
       "SECONDS",                                                                                    \
       "first wait before a retry, doubling up to --backoff-max;\n+-25% jitter",                     \
       NULL},                                                                                        \
  {                                                                                                  \
    ES_CO_BACKOFF_MAX, "backoff-max", 0, "SECONDS", "longest wait before a retry", NULL              \
  }

/* How a client reaches the server securely, under names with a prefix: "" for ingest, "server-"
   for api, whose own --tls-cert and --tls-key are its HTTPS server's. */
#define ES_CLI_CLIENT_TLS_OPTS_NAMED(pre, pre_env)                                                         \
  {ES_CO_TLS, pre "tls", 0, NULL, "TLS to the server, verified against the system's CAs", NULL},           \
      {ES_CO_TLS_CA,                                                                                       \
       pre "tls-ca",                                                                                       \
       0,                                                                                                  \
       "FILE",                                                                                             \
       "TLS, verifying the server against the CA certificate(s) in FILE",                                  \
       pre_env "TLS_CA"},                                                                                  \
      {ES_CO_TLS_CERT,                                                                                     \
       pre "tls-cert",                                                                                     \
       0,                                                                                                  \
       "FILE",                                                                                             \
       "client certificate (PEM, then its chain) for servers that ask\nfor one (mTLS); implies TLS",       \
       NULL},                                                                                              \
      {ES_CO_TLS_KEY, pre "tls-key", 0, "FILE", "PEM private key of the client certificate", NULL},        \
      {ES_CO_TLS_SERVER_NAME,                                                                              \
       pre "tls-server-name",                                                                              \
       0,                                                                                                  \
       "NAME",                                                                                             \
       "the name the server's certificate must hold (when it is\nreached by an address it does "           \
       "not name); implies TLS",                                                                           \
       NULL},                                                                                              \
  {                                                                                                        \
    ES_CO_TOKEN_FILE, pre "token-file", 0, "FILE",                                                         \
        "send the bearer token on FILE's first line; without this\noption, the token in " ES_CLI_TOKEN_ENV \
        " (never on the command line)",                                                                    \
        pre_env "TOKEN_FILE"                                                                               \
  }
#define ES_CLI_CLIENT_TLS_OPTS ES_CLI_CLIENT_TLS_OPTS_NAMED("", "EMBEDSTREAM_")
#define ES_CLI_SERVER_TLS_OPTS ES_CLI_CLIENT_TLS_OPTS_NAMED("server-", "EMBEDSTREAM_")

/* Applies a client option: 0, -1 with why filled, or 1 when id is not a client option. */
int es_cli_client_apply(es_ingest_opts *o, int id, const char *v, es_opts_why *why);
/* The default of a client option into out; 1 when id is not one. */
int es_cli_client_default(int id, char *out, size_t cap);
/* After parsing: the token in ES_CLI_TOKEN_ENV when no token file was named. */
void es_cli_client_env(es_ingest_opts *o);

#endif
