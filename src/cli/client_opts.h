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
  ES_CO_BUSY_TIMEOUT
};

#define ES_CLI_CLIENT_OPTS                                                                       \
  {ES_CO_SERVER, "server", 's', "TARGET",                                                         \
   "the gRPC ingestion server: HOST:PORT, a list a:50052,b:50052, or a\ngRPC target URI "         \
   "(dns:///name:50052); streams go round robin", "EMBEDSTREAM_SERVER"},                          \
      {ES_CO_CHUNK, "chunk-size", 0, "N|auto",                                                    \
       "rows per chunk message; auto sizes for --bandwidth-mbps as the\nspec's formula does",     \
       NULL},                                                                                     \
      {ES_CO_BANDWIDTH, "bandwidth-mbps", 0, "X", "network bandwidth for auto chunk sizing", NULL}, \
      {ES_CO_TIMEOUT, "timeout", 0, "SECONDS", "deadline of each attempt", NULL},                 \
      {ES_CO_RETRIES, "retries", 0, "N",                                                          \
       "attempts in all on UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED,\nDEADLINE_EXCEEDED; "         \
       "a busy server's refusals (RESOURCE_EXHAUSTED with\ngrpc-retry-pushback-ms) do not count", \
       NULL},                                                                                     \
      {ES_CO_BUSY_TIMEOUT, "busy-timeout", 0, "SECONDS",                                          \
       "how long to keep waiting, as the server's pushback says,\nfor a busy server (0: give up at " \
       "once)",                                                                                   \
       NULL},                                                                                     \
      {ES_CO_MAX_MESSAGE, "max-message-bytes", 0, "N", "no message larger than this", NULL},      \
      {ES_CO_BACKOFF_MIN, "backoff-min", 0, "SECONDS",                                            \
       "first wait before a retry, doubling up to --backoff-max;\n+-25% jitter",                 \
       NULL},                                                                                     \
      {ES_CO_BACKOFF_MAX, "backoff-max", 0, "SECONDS", "longest wait before a retry", NULL}

/* Applies a client option: 0, -1 with why filled, or 1 when id is not a client option. */
int es_cli_client_apply(es_ingest_opts *o, int id, const char *v, es_opts_why *why);
/* The default of a client option into out; 1 when id is not one. */
int es_cli_client_default(int id, char *out, size_t cap);

#endif
