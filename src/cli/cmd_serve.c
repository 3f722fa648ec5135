/* cmd_serve.c - `embedstream serve`: flags into es_server_opts, then runs the gRPC server. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"

#define GRACE_LIMIT_S 86400

static void usage(FILE *out) {
  es_server_opts d;
  es_server_opts_init(&d);
  fprintf(
      out,
      "usage: embedstream serve [--listen HOST:PORT] [--store URL] [--max-streams N]\n"
      "                         [--max-message-bytes N] [--grace SECONDS]\n"
      "                         [--metrics-listen HOST:PORT]\n\n"
      "Runs the gRPC ingestion server (embedding.EmbeddingStreamService/IngestDataStream).\n"
      "Each stream is stored atomically: all of its rows, or none.\n\n"
      "  --listen HOST:PORT     address to listen on; port 0 picks a free one (default %s)\n"
      "  --store URL            sqlite:PATH; postgres://... or postgres:key=value (PostgreSQL,\n"
      "                         pgvector when available); or null: to validate and count only\n"
      "                         (default %s)\n"
      "  --max-streams N        streams at once, 1..%d; more get RESOURCE_EXHAUSTED (default %d)\n"
      "  --max-message-bytes N  largest request message; bigger ones get RESOURCE_EXHAUSTED\n"
      "                         (default %zu)\n"
      "  --grace SECONDS        on SIGINT/SIGTERM, time streams in flight get to finish before\n"
      "                         they are cancelled and rolled back, 0..%d (default %d)\n"
      "  --metrics-listen HOST:PORT\n"
      "                         serve Prometheus metrics at http://HOST:PORT/metrics; port 0\n"
      "                         picks a free one (default: no metrics endpoint)\n"
      "  -h, --help             this text\n\n"
      "Also serves the standard gRPC health service (grpc.health.v1.Health, Check and Watch):\n"
      "SERVING, then NOT_SERVING from SIGINT/SIGTERM on.\n"
      "Logs `listening on HOST:PORT` on stderr once it accepts calls (then\n"
      "`metrics listening on HOST:PORT` with --metrics-listen).\n"
      "Exit codes: 0 clean stop, 1 could not serve (e.g. address in use), 2 usage error.\n",
      d.listen, d.store_url, ES_MAX_STREAMS_LIMIT, d.max_streams, d.max_message_bytes, GRACE_LIMIT_S,
      d.grace_s);
}

/* Whole-string decimal in [lo, hi]. */
static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static int bad(const char *msg, const char *flag, const char *value) {
  fprintf(stderr, "embedstream serve: %s %s%s%s%s (see 'embedstream serve --help')\n", msg, flag,
          value ? " '" : "", value ? value : "", value ? "'" : "");
  return ES_EXIT_USAGE;
}

/* Sets one option from flag and value; returns 0 or an exit code. */
static int set_opt(es_server_opts *o, const char *flag, const char *v) {
  long n;
  if (!strcmp(flag, "--listen")) {
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || parse_long(colon + 1, 0, 65535, &n))
      return bad("expected HOST:PORT (port 0..65535) for", flag, v);
    o->listen = v;
  } else if (!strcmp(flag, "--store")) {
    if (!*v) return bad("empty value for", flag, NULL);
    o->store_url = v;
  } else if (!strcmp(flag, "--max-streams")) {
    if (parse_long(v, 1, ES_MAX_STREAMS_LIMIT, &n)) return bad("expected 1..4096 for", flag, v);
    o->max_streams = (int)n;
  } else if (!strcmp(flag, "--max-message-bytes")) {
    if (parse_long(v, 1024, INT_MAX, &n)) return bad("expected 1024..2147483647 for", flag, v);
    o->max_message_bytes = (size_t)n;
  } else if (!strcmp(flag, "--metrics-listen")) {
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || parse_long(colon + 1, 0, 65535, &n))
      return bad("expected HOST:PORT (port 0..65535) for", flag, v);
    o->metrics_listen = v;
  } else if (!strcmp(flag, "--grace")) {
    if (parse_long(v, 0, GRACE_LIMIT_S, &n)) return bad("expected 0..86400 seconds for", flag, v);
    o->grace_s = (int)n;
  } else {
    return bad("unknown option", flag, NULL);
  }
  return 0;
}

static int known(const char *flag) {
  static const char *flags[] = {"--listen", "--store", "--max-streams", "--max-message-bytes",
                                "--grace", "--metrics-listen"};
  size_t i;
  for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
    if (!strcmp(flag, flags[i])) return 1;
  return 0;
}

/* Returns -1 after --help, 0 to run, or an exit code. Accepts --flag VALUE and --flag=VALUE. */
static int parse(int argc, char **argv, es_server_opts *o) {
  int i, rc;
  for (i = 1; i < argc; i++) {
    char flag[64];
    const char *a = argv[i], *eq, *v;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return -1;
    }
    if (strncmp(a, "--", 2)) return bad("unexpected argument", a, NULL);
    eq = strchr(a, '=');
    if (eq) {
      if ((size_t)(eq - a) >= sizeof(flag)) return bad("unknown option", a, NULL);
      memcpy(flag, a, (size_t)(eq - a));
      flag[eq - a] = '\0';
      v = eq + 1;
    } else {
      snprintf(flag, sizeof(flag), "%s", a);
      if (!known(flag)) return bad("unknown option", a, NULL);
      if (i + 1 >= argc) return bad("missing value for", a, NULL);
      v = argv[++i];
    }
    if ((rc = set_opt(o, flag, v))) return rc;
  }
  return 0;
}

int es_cmd_serve(int argc, char **argv) {
  es_server_opts o;
  es_error err;
  int rc;
  es_server_opts_init(&o);
  rc = parse(argc, argv, &o);
  if (rc) return rc < 0 ? ES_EXIT_OK : rc;
  es_err_clear(&err);
  /* One malloc arena for all threads: a message's bytes are freed on gRPC's threads and its
     decoded rows allocated on a worker; with per-thread arenas each would keep its own
     high-water mark resident (about 3x the largest message instead of 2x). */
  mallopt(M_ARENA_MAX, 1);
  if (es_server_run(&o, &err)) {
    fprintf(stderr, "embedstream serve: %s\n", err.msg);
    return err.code == ES_EUSAGE ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  return ES_EXIT_OK;
}
