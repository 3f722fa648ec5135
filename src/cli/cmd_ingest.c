/* cmd_ingest.c - `embedstream ingest`: streams one CSV/JSONL file to a server and prints the
   outcome as one JSON object, with an exit code a script can act on. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client/client.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/domain.h"
#include "core/limits.h"
#include "core/log.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: embedstream ingest --domain D --file PATH [options]\n\n"
          "Streams the rows of a CSV, JSONL or pandas .pkl file to an IngestDataStream server:\n"
          "metadata first, then chunks. Prints one JSON object: status, message, rows_sent,\n"
          "chunks_sent, seconds.\n\n"
          "  --domain D               %s\n"
          "  --file PATH              data file; its extension names the format (.csv, .jsonl, .pkl)\n"
          "  --server HOST:PORT       default %s\n"
          "  --dim N                  vector dimension (default: the domain's, 384 or 768)\n"
          "  --chunk-size N|auto      rows per chunk; auto sizes for --bandwidth-mbps (default auto)\n"
          "  --bandwidth-mbps X       for auto chunk sizing (default 1000)\n"
          "  --timeout S              deadline of each attempt in seconds (default 600)\n"
          "  --retries N              attempts in all on UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED,\n"
          "                           DEADLINE_EXCEEDED (default 3)\n"
          "  --max-message-bytes N    no message larger than this (default %u)\n"
          "  --backoff-min S, --backoff-max S\n"
          "                           first wait before a retry, doubling up to max; +-25%% jitter\n"
          "                           (default 2 and 10, the spec's)\n"
          "  -h, --help               this text\n\n"
          "Exit codes: 0 stored, 1 other failure, 2 usage or bad input file, 3 rejected by the\n"
          "server, 4 server unreachable after the retries.\n",
          es_domain_names(), ES_DEFAULT_SERVER, ES_DEFAULT_MAX_MESSAGE);
}

static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out) {
  char *end;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* Applies one option; -1 when its value is bad (msg says why). */
static int apply(es_ingest_opts *o, const char *name, const char *val, char *msg, size_t cap) {
  long l;
  double d;
  if (!strcmp(name, "--domain")) o->domain = val;
  else if (!strcmp(name, "--file")) o->file = val;
  else if (!strcmp(name, "--server")) o->server = val;
  else if (!strcmp(name, "--dim")) {
    if (parse_long(val, ES_DIM_MIN, ES_DIM_MAX, &l)) goto bad;
    o->dim = (int)l;
  } else if (!strcmp(name, "--chunk-size")) {
    if (!strcmp(val, "auto")) o->chunk_rows = 0;
    else if (parse_long(val, 1, 1000000, &l)) goto bad;
    else o->chunk_rows = (size_t)l;
  } else if (!strcmp(name, "--bandwidth-mbps")) {
    if (parse_double(val, 1e-3, 1e9, &o->bandwidth_mbps)) goto bad;
  } else if (!strcmp(name, "--timeout")) {
    if (parse_double(val, 1e-3, 1e8, &o->timeout_s)) goto bad;
  } else if (!strcmp(name, "--retries")) {
    if (parse_long(val, 1, 100, &l)) goto bad;
    o->retries = (int)l;
  } else if (!strcmp(name, "--max-message-bytes")) {
    if (parse_long(val, 1024, 2147483647L, &l)) goto bad;
    o->max_message_bytes = (size_t)l;
  } else if (!strcmp(name, "--backoff-min") || !strcmp(name, "--backoff-max")) {
    if (parse_double(val, 0, 3600, &d)) goto bad;
    *(!strcmp(name, "--backoff-min") ? &o->backoff_min_s : &o->backoff_max_s) = d;
  } else {
    snprintf(msg, cap, "unknown option '%s'", name);
    return -1;
  }
  return 0;
bad:
  snprintf(msg, cap, "bad value for %s: '%s'", name, val);
  return -1;
}

/* 1 after --help, 0 when o is ready, -1 on a usage error (msg says what). */
static int parse(int argc, char **argv, es_ingest_opts *o, char *msg, size_t cap) {
  int i;
  for (i = 1; i < argc; i++) {
    char name[64];
    const char *a = argv[i], *eq, *val;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
    if (strncmp(a, "--", 2)) {
      snprintf(msg, cap, "unexpected argument '%s'", a);
      return -1;
    }
    if ((eq = strchr(a, '=')) && (size_t)(eq - a) < sizeof(name)) {
      snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
      val = eq + 1;
    } else if (i + 1 < argc) {
      snprintf(name, sizeof(name), "%s", a);
      val = argv[++i];
    } else {
      snprintf(msg, cap, "missing value for '%s'", a);
      return -1;
    }
    if (apply(o, name, val, msg, cap)) return -1;
  }
  if (!o->domain || !o->file) {
    snprintf(msg, cap, "--domain and --file are required");
    return -1;
  }
  return 0;
}

typedef struct progress_line {
  double last;
  int shown;
} progress_line;

/* Rewrites one stderr line at most ten times a second. */
static void on_progress(void *ud, const es_progress *p) {
  progress_line *pl = ud;
  double t = es_clock_mono();
  if (t - pl->last < 0.1 && p->bytes_read < p->bytes_total) return; /* the last one always shows */
  pl->last = t;
  pl->shown = 1;
  fprintf(stderr, "\r\033[Kattempt %d: %llu rows in %llu chunks, %.1f%% of %.1f MB", p->attempt,
          (unsigned long long)p->rows_sent, (unsigned long long)p->chunks_sent,
          p->bytes_total ? 100.0 * (double)p->bytes_read / (double)p->bytes_total : 100.0,
          (double)p->bytes_total / 1e6);
  fflush(stderr);
}

static int print_json(const char *status, const char *message, uint64_t rows, uint64_t chunks,
                      double seconds) {
  es_buf b = ES_BUF_INIT;
  int rc;
  es_buf_puts(&b, "{\"status\":");
  es_buf_json_str(&b, status);
  es_buf_puts(&b, ",\"message\":");
  es_buf_json_str(&b, message);
  es_buf_printf(&b, ",\"rows_sent\":%llu,\"chunks_sent\":%llu,\"seconds\":%.3f}",
                (unsigned long long)rows, (unsigned long long)chunks, seconds);
  rc = b.oom ? -1 : 0;
  if (!rc) rc = printf("%s\n", b.ptr) < 0 || fflush(stdout) ? -1 : 0;
  es_buf_free(&b);
  return rc;
}

static int exit_code(int outcome) {
  switch (outcome) {
  case ES_INGEST_OK: return ES_EXIT_OK;
  case ES_INGEST_INPUT: return ES_EXIT_USAGE;
  case ES_INGEST_REJECTED: return ES_EXIT_REJECTED;
  case ES_INGEST_UNREACHABLE: return ES_EXIT_UNREACHABLE;
  default: return ES_EXIT_FAIL;
  }
}

int es_cmd_ingest(int argc, char **argv) {
  es_ingest_opts o;
  es_ingest_result res;
  es_error err;
  progress_line pl = {0, 0};
  char msg[256];
  int rc, code;
  es_ingest_opts_init(&o);
  rc = parse(argc, argv, &o, msg, sizeof(msg));
  if (rc > 0) {
    usage(stdout);
    return ES_EXIT_OK;
  }
  if (rc < 0) {
    fprintf(stderr, "embedstream ingest: %s\n(see embedstream ingest --help)\n", msg);
    print_json("failed", msg, 0, 0, 0);
    return ES_EXIT_USAGE;
  }
  if (isatty(STDERR_FILENO)) {
    o.progress = on_progress;
    o.progress_ud = &pl;
  }
  rc = es_client_ingest(&o, &res, &err);
  if (pl.shown) fputc('\n', stderr);
  code = exit_code(rc == 0 ? ES_INGEST_OK : res.outcome == ES_INGEST_OK ? ES_INGEST_FAILED : res.outcome);
  if (rc == 0) {
    es_info("ingested %llu row%s in %llu chunk%s in %.2f s", (unsigned long long)res.rows_sent,
            es_plural(res.rows_sent), (unsigned long long)res.chunks_sent, es_plural(res.chunks_sent), res.seconds);
    rc = print_json("success", res.response.message, res.rows_sent, res.chunks_sent, res.seconds);
  } else {
    es_error_log("ingest failed: %s", err.msg);
    rc = print_json("failed", err.msg, res.rows_sent, res.chunks_sent, res.seconds);
  }
  return rc < 0 && code == ES_EXIT_OK ? ES_EXIT_FAIL : code;
}
