/* cmd_ingest.c - `embedstream ingest`: streams one CSV/JSONL file to a server and prints the
   outcome as one JSON object, with an exit code a script can act on. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client_opts.h"
#include "cli/progress.h"
#include "client/client.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/domain.h"
#include "core/limits.h"
#include "core/log.h"

enum { O_DOMAIN, O_FILE, O_DIM, O_IGNORE_UNKNOWN, O_PROGRESS, O_QUIET };

/* What the command itself takes besides the client's options. */
typedef struct ingest_args {
  es_ingest_opts o;
  es_prog_mode progress;
  int quiet;
} ingest_args;

static const es_opt opts[] = {
    {O_DOMAIN, "domain", 'd', "D", "recruit, candidate or skill_embedding_dic", NULL},
    {O_FILE, "file", 'f', "PATH", "data file; its extension names the format (.csv, .jsonl, .pkl, .parquet)",
     NULL},
    {O_DIM, "dim", 0, "N", "vector dimension (default: the domain's, 384 or 768)", NULL},
    ES_OPTS_IGNORE_UNKNOWN(O_IGNORE_UNKNOWN),
    ES_OPTS_PROGRESS(O_PROGRESS),
    ES_OPTS_QUIET(O_QUIET),
    ES_CLI_CLIENT_OPTS,
    ES_CLI_CLIENT_TLS_OPTS,
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  ingest_args *a = ctx;
  es_ingest_opts *o = &a->o;
  int rc;
  switch (id) {
  case O_DOMAIN:
    if (es_opts_domain(v, why)) return -1;
    o->domain = v;
    return 0;
  case O_FILE: o->file = v; return 0;
  case O_DIM:
    return es_opts_int(v, ES_DIM_MIN, ES_DIM_MAX, &o->dim, why);
  case O_IGNORE_UNKNOWN: o->loader.ignore_unknown_columns = 1; return 0;
  case O_PROGRESS: return es_prog_opt(v, &a->progress, why);
  case O_QUIET: a->quiet = 1; return 0;
  }
  rc = es_cli_client_apply(o, id, v, why);
  return rc > 0 ? es_opts_bad(why, "unhandled option") : rc;
}

static void show_default(int id, char *out, size_t cap) {
  if (id == O_PROGRESS) snprintf(out, cap, "auto");
  else es_cli_client_default(id, out, cap);
}

static const es_cmd_spec spec = {
    .name = "ingest",
    .synopsis = "--domain D --file PATH [options]",
    .description = "Streams the rows of a CSV, JSONL, pandas .pkl or Parquet file to an IngestDataStream server:\n"
                   "metadata first, then chunks. Prints one JSON object on stdout: status, message,\n"
                   "rows_sent, rows_stored (what the server committed: 0 unless it succeeded),\n"
                   "chunks_sent, seconds. A row the server rejects is named by its file line\n"
                   "(pickle, Parquet: row index). On a terminal, stderr shows one line updated in\n"
                   "place: rows, MB read of the file's size, rows/s, time elapsed and left, chunks.",
    .opts = opts,
    .nopts = ES_OPTS_COUNT(opts),
    .examples = "embedstream ingest -d recruit -f examples/recruit.csv\n"
                "embedstream ingest -d candidate -f candidate.jsonl -s ingest.internal:50052 --retries 5\n"
                "EMBEDSTREAM_SERVER=10.0.0.7:50052 embedstream ingest -d recruit -f jobs.pkl\n"
                "embedstream ingest -q -d recruit -f r.csv | jq .rows_stored\n"
                "embedstream ingest -d recruit -f r.csv -s ingest.example:50052 --tls-ca ca.pem \\\n"
                "  --token-file ~/.config/embedstream/token",
    .footer = "Exit codes: 0 stored, 1 other failure, 2 usage or bad input file, 3 rejected by the\n"
              "server, 4 server unreachable after the retries or busy for --busy-timeout, 5 not\n"
              "allowed: the server refused the credentials (UNAUTHENTICATED, PERMISSION_DENIED),\n"
              "or TLS with it failed (untrusted or expired certificate, wrong name, TLS on one\n"
              "side only); never retried.",
    .apply = apply,
    .show_default = show_default,
};

static int print_json(const char *status, const char *message, uint64_t rows, uint64_t stored,
                      uint64_t chunks, double seconds) {
  es_buf b = ES_BUF_INIT;
  int rc;
  es_buf_puts(&b, "{\"status\":");
  es_buf_json_str(&b, status);
  es_buf_puts(&b, ",\"message\":");
  es_buf_json_str(&b, message);
  es_buf_printf(&b, ",\"rows_sent\":%llu,\"rows_stored\":%llu,\"chunks_sent\":%llu,\"seconds\":%.3f}",
                (unsigned long long)rows, (unsigned long long)stored, (unsigned long long)chunks,
                seconds);
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
  case ES_INGEST_DENIED: return ES_EXIT_DENIED;
  default: return ES_EXIT_FAIL;
  }
}

/* The display's line for the file, if there is a display; its size when it can be known. */
static es_prog_file *show_file(es_prog *prog, const char *path) {
  struct stat st;
  const char *slash = strrchr(path, '/');
  return es_prog_add(prog, slash ? slash + 1 : path, stat(path, &st) == 0 ? (uint64_t)st.st_size : 0, 0);
}

int es_cmd_ingest(int argc, char **argv) {
  ingest_args a;
  es_ingest_result res;
  es_error err;
  es_prog *prog = NULL;
  es_prog_file *line;
  int rc, code;
  memset(&a, 0, sizeof(a));
  es_ingest_opts_init(&a.o);
  if ((rc = es_opts_parse(&spec, &a, argc, argv, NULL, NULL)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (!a.o.domain || !a.o.file) return es_opts_usage_error(&spec, "--domain and --file are required");
  es_cli_client_env(&a.o);
  if (a.quiet) {
    a.progress = ES_PROG_NEVER;
    if (es_log_level() < ES_LOG_WARN) es_log_set_level(ES_LOG_WARN);
  }
  es_prog_new(stderr, a.progress, &prog);
  if ((line = show_file(prog, a.o.file))) {
    a.o.progress = es_prog_on_client;
    a.o.progress_ud = line;
  }
  rc = es_client_ingest(&a.o, &res, &err);
  es_prog_end(line, rc == 0);
  es_prog_free(prog);
  code = exit_code(rc == 0 ? ES_INGEST_OK : res.outcome == ES_INGEST_OK ? ES_INGEST_FAILED : res.outcome);
  if (rc == 0) {
    es_info("ingested %llu row%s in %llu chunk%s in %.2f s", (unsigned long long)res.rows_sent,
            es_plural(res.rows_sent), (unsigned long long)res.chunks_sent, es_plural(res.chunks_sent), res.seconds);
    rc = print_json("success", res.response.message, res.rows_sent, res.rows_stored, res.chunks_sent,
                    res.seconds);
  } else {
    es_error_log("ingest failed: %s", err.msg);
    rc = print_json("failed", err.msg, res.rows_sent, 0, res.chunks_sent, res.seconds);
  }
  return rc < 0 && code == ES_EXIT_OK ? ES_EXIT_FAIL : code;
}
