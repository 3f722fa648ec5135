/* cmd_serve.c - `embedstream serve`: flags into es_server_opts, then runs the gRPC server. */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "server/server.h"

#define GRACE_LIMIT_S 86400

enum {
  O_LISTEN,
  O_STORE,
  O_MAX_STREAMS,
  O_MAX_MESSAGE,
  O_GRACE,
  O_IDLE,
  O_METRICS,
  O_LOG_FORMAT,
  O_TLS_CERT,
  O_TLS_KEY,
  O_TLS_CLIENT_CA,
  O_TOKENS,
  O_INSECURE
};

static const es_opt opts[] = {
    {O_LISTEN, "listen", 'l', "HOST:PORT", "address to listen on; port 0 picks a free one",
     "EMBEDSTREAM_LISTEN"},
    {O_STORE, "store", 0, "URL",
     "sqlite:PATH; postgres://... or postgres:key=value (PostgreSQL,\n"
     "pgvector when available); or null: to validate and count only",
     "EMBEDSTREAM_STORE"},
    {O_MAX_STREAMS, "max-streams", 0, "N", "streams at once; more get RESOURCE_EXHAUSTED", NULL},
    {O_MAX_MESSAGE, "max-message-bytes", 0, "N",
     "largest request message; bigger ones get RESOURCE_EXHAUSTED", NULL},
    {O_GRACE, "grace", 0, "SECONDS",
     "on SIGINT/SIGTERM, time streams in flight get to finish before\n"
     "they are cancelled and rolled back",
     NULL},
    {O_IDLE, "idle-timeout", 0, "SECONDS",
     "a stream with no complete message for this long is ended with\n"
     "DEADLINE_EXCEEDED and rolled back; 0 = never",
     NULL},
    {O_METRICS, "metrics-listen", 0, "HOST:PORT",
     "serve Prometheus metrics at http://HOST:PORT/metrics; port 0\n"
     "picks a free one (default: no metrics endpoint); HTTPS and tokens\n"
     "as for gRPC when --tls-cert and --tokens are given",
     NULL},
    {O_TLS_CERT, "tls-cert", 0, "FILE",
     "PEM server certificate (then its chain): serve TLS 1.2 or later", "EMBEDSTREAM_TLS_CERT"},
    {O_TLS_KEY, "tls-key", 0, "FILE", "PEM private key of --tls-cert", "EMBEDSTREAM_TLS_KEY"},
    {O_TLS_CLIENT_CA, "tls-client-ca", 0, "FILE",
     "also require a client certificate signed by a CA in FILE (mTLS)\n"
     "for every ingest call; health checks need none",
     "EMBEDSTREAM_TLS_CLIENT_CA"},
    {O_TOKENS, "tokens", 0, "FILE",
     "require 'authorization: Bearer TOKEN' on ingest calls: FILE has\n"
     "lines NAME SHA256HEX [DOMAIN,...] (# comments; no domains: all);\n"
     "see 'embedstream token'. SIGHUP reads it again",
     "EMBEDSTREAM_TOKENS"},
    {O_INSECURE, "insecure", 0, NULL,
     "listen on a non-loopback address without TLS and tokens (else\n"
     "refused)",
     NULL},
    ES_OPTS_LOG_FORMAT(O_LOG_FORMAT),
};

static const es_opt_bind binds[] = {
    ES_BIND(O_LISTEN, HOSTPORT, es_server_opts, listen),
    ES_BIND_RANGE(O_MAX_STREAMS, INT, es_server_opts, max_streams, 1, ES_MAX_STREAMS_LIMIT),
    ES_BIND_RANGE(O_MAX_MESSAGE, SIZE, es_server_opts, max_message_bytes, ES_MIN_MAX_MESSAGE,
                  INT_MAX),
    ES_BIND_RANGE(O_GRACE, INT, es_server_opts, grace_s, 0, GRACE_LIMIT_S),
    ES_BIND_RANGE(O_IDLE, INT, es_server_opts, idle_timeout_s, 0, GRACE_LIMIT_S),
    ES_BIND(O_METRICS, HOSTPORT, es_server_opts, metrics_listen),
    ES_BIND(O_TLS_CERT, STRING, es_server_opts, tls_cert),
    ES_BIND(O_TLS_KEY, STRING, es_server_opts, tls_key),
    ES_BIND(O_TLS_CLIENT_CA, STRING, es_server_opts, tls_client_ca),
    ES_BIND(O_TOKENS, STRING, es_server_opts, tokens),
    ES_BIND(O_INSECURE, FLAG, es_server_opts, insecure),
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  es_server_opts *o = ctx;
  switch (id) {
  case O_STORE:
    if (!*v) return es_opts_bad(why, "expected a store URL");
    o->store_url = v;
    return 0;
  case O_LOG_FORMAT: return es_opts_log_format(v, why);
  }
  return es_opts_bad(why, "unhandled option");
}

static void show_default(int id, char *out, size_t cap) {
  es_server_opts d;
  es_server_opts_init(&d);
  switch (id) {
  case O_LISTEN: snprintf(out, cap, "%s", d.listen); break;
  case O_STORE: snprintf(out, cap, "%s", d.store_url); break;
  case O_MAX_STREAMS:
    snprintf(out, cap, "%d, at most %d", d.max_streams, ES_MAX_STREAMS_LIMIT);
    break;
  case O_MAX_MESSAGE:
    snprintf(out, cap, "%zu, at least %u", d.max_message_bytes, ES_MIN_MAX_MESSAGE);
    break;
  case O_GRACE: snprintf(out, cap, "%d, at most %d", d.grace_s, GRACE_LIMIT_S); break;
  case O_IDLE: snprintf(out, cap, "%d, at most %d", d.idle_timeout_s, GRACE_LIMIT_S); break;
  case O_LOG_FORMAT: snprintf(out, cap, "%s", ES_OPTS_LOG_FORMAT_DEFAULT); break;
  }
}

static const es_cmd_spec spec = {
    .name = "serve",
    .synopsis = "[options]",
    .description =
        "Runs the gRPC ingestion server (embedding.EmbeddingStreamService/IngestDataStream).\n"
        "Each stream is stored atomically: all of its rows, or none.\n"
        "Also serves the standard gRPC health service (grpc.health.v1.Health, Check and\n"
        "Watch): SERVING, then NOT_SERVING from SIGINT/SIGTERM on. Logs `listening on\n"
        "HOST:PORT` on stderr once it accepts calls (then `metrics listening on HOST:PORT`\n"
        "with --metrics-listen).\n"
        "An address other machines can reach needs TLS (--tls-cert, --tls-key) and tokens\n"
        "(--tokens), or --insecure. grpc.health.v1.Health needs neither token nor client\n"
        "certificate.",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream serve\n"
        "embedstream serve -l 0.0.0.0:50052 --tls-cert server.pem --tls-key server.key \\\n"
        "  --tokens /etc/embedstream/tokens --store 'postgresql://ingest@db/vectors'\n"
        "embedstream serve --store null: --metrics-listen 127.0.0.1:9090\n"
        "embedstream serve --log-format json 2>>/var/log/embedstream.jsonl",
    .footer = "Exit codes: 0 clean stop, 1 could not serve (e.g. address in use), 2 usage error.",
    .apply = apply,
    .show_default = show_default,
    ES_CMD_BINDS(binds),
};

int es_cmd_serve(int argc, char **argv) {
  es_server_opts o;
  es_error err;
  int rc;
  es_server_opts_init(&o);
  if ((rc = es_opts_parse(&spec, &o, argc, argv, NULL, NULL)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  es_err_clear(&err);
  /* One malloc arena for all threads: a message's bytes are freed on gRPC's threads and its
     decoded rows allocated on a worker; with per-thread arenas each would keep its own
     high-water mark resident (about 3x the largest message instead of 2x). */
  mallopt(M_ARENA_MAX, 1);
  if (es_server_run(&o, &err)) {
    es_opts_fatal(&spec, err.msg);
    return err.code == ES_EUSAGE ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  return ES_EXIT_OK;
}
