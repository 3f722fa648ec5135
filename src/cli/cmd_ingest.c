/* cmd_ingest.c - `embedstream ingest`: streams one data file to a server and prints the outcome
   as one JSON object, with an exit code a script can act on; several files or a directory go
   to ingest_many.c. */
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
#include "cli/ingest.h"
#include "client/client.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/domain.h"
#include "core/limits.h"
#include "core/log.h"

enum {
  O_DOMAIN,
  O_FILE,
  O_DIM,
  O_IGNORE_UNKNOWN,
  O_PROGRESS,
  O_QUIET,
  O_RECURSIVE,
  O_PARALLEL,
  O_THREADS,
  O_FORMAT,
  O_FAIL_FAST
};

static const es_opt opts[] = {
    {O_DOMAIN, "domain", 'd', "D",
     "recruit, candidate or skill_embedding_dic; auto: each file's\n"
     "from its key column (id, candidate_id, skill)",
     NULL},
    {O_FILE, "file", 'f', "PATH",
     "data file, its extension naming the format (.csv, .jsonl, .pkl,\n.parquet, .csv.gz, .jsonl.zst, ...); "
     "repeat it for several; a directory\nmeans its supported files by name; - reads standard input\n"
     "(with --format; never retried)",
     NULL},
    {O_RECURSIVE, "recursive", 'r', NULL, "also the files of a directory's subdirectories", NULL},
    {O_PARALLEL, "parallel", 0, "N",
     "files streamed at once (default: the cores, at most the files)", NULL},
    {O_THREADS, "threads", 0, "N",
     "threads parsing each CSV/JSONL file (default: the cores, divided\namong --parallel files)",
     NULL},
    {O_FAIL_FAST, "fail-fast", 0, NULL, "start no further file after one failed", NULL},
    ES_OPTS_FORMAT(O_FORMAT),
    {O_DIM, "dim", 0, "N", "vector dimension (default: the domain's, 384 or 768)", NULL},
    ES_OPTS_IGNORE_UNKNOWN(O_IGNORE_UNKNOWN),
    ES_OPTS_PROGRESS(O_PROGRESS),
    ES_OPTS_QUIET(O_QUIET),
    ES_CLI_CLIENT_OPTS,
    ES_CLI_CLIENT_TLS_OPTS,
};

typedef struct ingest_args {
  es_ingest_opts o;
  const char **files; /* --file values as given */
  size_t nfiles, cap;
  int recursive, parallel, threads, fail_fast;
  es_prog_mode progress;
  int quiet;
} ingest_args;

static int add_file(ingest_args *a, const char *v, es_opts_why *why) {
  if (a->nfiles == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8;
    const char **f = realloc(a->files, cap * sizeof(*f));
    if (!f) return es_opts_bad(why, "out of memory");
    a->files = f;
    a->cap = cap;
  }
  a->files[a->nfiles++] = v;
  return 0;
}

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  ingest_args *a = ctx;
  es_ingest_opts *o = &a->o;
  int rc;
  switch (id) {
  case O_DOMAIN:
    if (strcmp(v, ES_DOMAIN_AUTO) && es_opts_domain(v, why)) return -1;
    o->domain = v;
    return 0;
  case O_FILE: return add_file(a, v, why);
  case O_RECURSIVE: a->recursive = 1; return 0;
  case O_PARALLEL: return es_opts_int(v, 1, ES_OPTS_THREADS_MAX, &a->parallel, why);
  case O_THREADS: return es_opts_int(v, 1, ES_OPTS_THREADS_MAX, &a->threads, why);
  case O_FAIL_FAST: a->fail_fast = 1; return 0;
  case O_FORMAT: return es_opts_format(v, &o->loader.format, why);
  case O_DIM: return es_opts_int(v, ES_DIM_MIN, ES_DIM_MAX, &o->dim, why);
  case O_IGNORE_UNKNOWN: o->loader.ignore_unknown_columns = 1; return 0;
  case O_PROGRESS: return es_prog_opt(v, &a->progress, why);
  case O_QUIET: a->quiet = 1; return 0;
  }
  rc = es_cli_client_apply(o, id, v, why);
  return rc > 0 ? es_opts_bad(why, "unhandled option") : rc;
}

static void show_default(int id, char *out, size_t cap) {
  if (id == O_PROGRESS)
    snprintf(out, cap, "auto");
  else
    es_cli_client_default(id, out, cap);
}

static const es_cmd_spec spec = {
    .name = "ingest",
    .synopsis = "--domain D|auto --file PATH [--file PATH ...] [options]",
    .description =
        "Streams the rows of CSV, JSONL (also .gz, .zst), pandas .pkl or Parquet files to\n"
        "IngestDataStream servers: metadata first, then chunks; each file is one atomic stream, retried on its\n"
        "own. One file: one JSON object on stdout: status, message, rows_sent, rows_stored (what\n"
        "the server committed: 0 unless it succeeded), chunks_sent, seconds. Several files or a\n"
        "directory: that object plus \"file\" and \"domain\" per file as it ends, then\n"
        "{\"files\",\"succeeded\",\"failed\",\"skipped\",\"rows_sent\",\"rows_stored\",\"seconds\"}.\n"
        "A row the server rejects is named by its file line (pickle, Parquet: row index). --server may\n"
        "list servers (a:50052,b:50052) or be a gRPC target (dns:///ingest.internal:50052):\n"
        "streams go round robin to the servers that are up. On a terminal, stderr shows a\n"
        "line per file in flight, updated in place: rows, MB read of the file's size, rows/s,\n"
        "time elapsed and left, chunks; and a total line for several files.",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream ingest -d recruit -f examples/recruit.csv\n"
        "embedstream ingest -d candidate -f candidate.jsonl -s ingest.internal:50052 --retries 5\n"
        "EMBEDSTREAM_SERVER=10.0.0.7:50052 embedstream ingest -d recruit -f jobs.pkl\n"
        "embedstream ingest -q -d recruit -f r.csv | jq .rows_stored\n"
        "embedstream ingest -d auto -f /data/daily -s a:50052,b:50052 --parallel 4\n"
        "zcat r.csv.gz | embedstream ingest -d recruit -f - --format csv\n"
        "embedstream ingest -d recruit -f r.csv -s ingest.example:50052 --tls-ca ca.pem \\\n"
        "  --token-file ~/.config/embedstream/token",
    .footer =
        "Exit codes: 0 stored, 1 other failure, 2 usage or bad input file, 3 rejected by the\n"
        "server, 4 server unreachable after the retries or busy for --busy-timeout, 5 not\n"
        "allowed: the server refused the credentials (UNAUTHENTICATED, PERMISSION_DENIED),\n"
        "or TLS with it failed (untrusted or expired certificate, wrong name, TLS on one\n"
        "side only), never retried; several files: the most serious of theirs, 5 over 1 over\n"
        "4 over 3 over 2 (a rerun is what 4 asks for, and it will show the other failures again).",
    .apply = apply,
    .show_default = show_default,
};

int es_ingest_print_json(const char *file, const char *domain, const char *status,
                         const char *message, uint64_t rows, uint64_t stored, uint64_t chunks,
                         double seconds) {
  es_buf b = ES_BUF_INIT;
  int rc;
  es_buf_puts(&b, "{");
  if (file) {
    es_buf_puts(&b, "\"file\":");
    es_buf_json_str(&b, file);
    es_buf_puts(&b, ",\"domain\":");
    if (domain)
      es_buf_json_str(&b, domain);
    else
      es_buf_puts(&b, "null");
    es_buf_puts(&b, ",");
  }
  es_buf_puts(&b, "\"status\":");
  es_buf_json_str(&b, status);
  es_buf_puts(&b, ",\"message\":");
  es_buf_json_str(&b, message);
  es_buf_printf(
      &b, ",\"rows_sent\":%llu,\"rows_stored\":%llu,\"chunks_sent\":%llu,\"seconds\":%.3f}",
      (unsigned long long)rows, (unsigned long long)stored, (unsigned long long)chunks, seconds);
  rc = b.oom ? -1 : 0;
  if (!rc) rc = printf("%s\n", b.ptr) < 0 || fflush(stdout) ? -1 : 0;
  es_buf_free(&b);
  return rc;
}

int es_ingest_exit_code(int outcome) {
  switch (outcome) {
  case ES_INGEST_OK: return ES_EXIT_OK;
  case ES_INGEST_INPUT: return ES_EXIT_USAGE;
  case ES_INGEST_REJECTED: return ES_EXIT_REJECTED;
  case ES_INGEST_UNREACHABLE: return ES_EXIT_UNREACHABLE;
  case ES_INGEST_DENIED: return ES_EXIT_DENIED;
  default: return ES_EXIT_FAIL;
  }
}

es_prog_file *es_ingest_show_file(es_prog *prog, const char *path) {
  struct stat st;
  const char *slash = strrchr(path, '/');
  return es_prog_add(prog, slash ? slash + 1 : path,
                     stat(path, &st) == 0 ? (uint64_t)st.st_size : 0, 0);
}

/* The one-file run: the spec's client, one JSON object. */
static int ingest_one(es_ingest_opts *o, es_prog_mode mode) {
  es_ingest_result res;
  es_error err;
  es_prog *prog = NULL;
  es_prog_file *line;
  int rc, code;
  es_prog_new(stderr, mode, &prog);
  if ((line = es_ingest_show_file(prog, o->file))) {
    o->progress = es_prog_on_client;
    o->progress_ud = line;
  }
  rc = es_client_ingest(o, &res, &err);
  es_prog_end(line, rc == 0);
  es_prog_free(prog);
  code = es_ingest_exit_code(rc == 0                       ? ES_INGEST_OK
                             : res.outcome == ES_INGEST_OK ? ES_INGEST_FAILED
                                                           : res.outcome);
  if (rc == 0) {
    es_info("ingested %llu row%s in %llu chunk%s in %.2f s", (unsigned long long)res.rows_sent,
            es_plural(res.rows_sent), (unsigned long long)res.chunks_sent,
            es_plural(res.chunks_sent), res.seconds);
    rc = es_ingest_print_json(NULL, NULL, "success", res.response.message, res.rows_sent,
                              res.rows_stored, res.chunks_sent, res.seconds);
  } else {
    es_error_log("ingest failed: %s", err.msg);
    rc = es_ingest_print_json(NULL, NULL, "failed", err.msg, res.rows_sent, 0, res.chunks_sent,
                              res.seconds);
  }
  return rc < 0 && code == ES_EXIT_OK ? ES_EXIT_FAIL : code;
}

static int cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > ES_OPTS_THREADS_MAX ? ES_OPTS_THREADS_MAX : (int)n;
}

/* The files --file names, directories expanded. */
static int expand(const ingest_args *a, es_file_list *list) {
  es_error err;
  size_t i, stdin_uses = 0;
  for (i = 0; i < a->nfiles; i++) {
    stdin_uses += !strcmp(a->files[i], "-");
    if (es_file_list_add(list, a->files[i], a->recursive, &err))
      return es_opts_usage_error(&spec, "%s", err.msg);
  }
  if (stdin_uses && a->nfiles > 1)
    return es_opts_usage_error(&spec, "--file - (standard input) must be the only file");
  if (!list->n)
    return es_opts_usage_error(&spec,
                               "no data files in %s (supported: .csv, .jsonl, .ndjson, .pkl, "
                               ".pickle, ..., .gz and .zst after the text ones)",
                               a->files[0]);
  return 0;
}

/* One plain file keeps the spec's one-object output; anything else is a run of files. */
static int single(const ingest_args *a) {
  struct stat st;
  return a->nfiles == 1 &&
         (!strcmp(a->files[0], "-") || stat(a->files[0], &st) || !S_ISDIR(st.st_mode));
}

int es_cmd_ingest(int argc, char **argv) {
  ingest_args a;
  es_file_list list = {0};
  int rc, n;
  memset(&a, 0, sizeof(a));
  es_ingest_opts_init(&a.o);
  if ((rc = es_opts_parse(&spec, &a, argc, argv, NULL, NULL))) {
    free(a.files);
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  }
  if (!a.o.domain || !a.nfiles)
    rc = es_opts_usage_error(&spec, "--domain and --file are required");
  else if (!strcmp(a.files[0], "-") && !a.o.loader.format)
    rc = es_opts_usage_error(&spec,
                             "--file - (standard input) needs --format csv or --format jsonl");
  else
    rc = expand(&a, &list);
  if (rc) {
    es_file_list_free(&list);
    free(a.files);
    return ES_EXIT_USAGE;
  }
  es_cli_client_env(&a.o);
  if (a.quiet) {
    a.progress = ES_PROG_NEVER;
    if (es_log_level() < ES_LOG_WARN) es_log_set_level(ES_LOG_WARN);
  }
  n = a.parallel ? a.parallel : cores();
  if ((size_t)n > list.n) n = (int)list.n;
  a.o.loader.threads = a.threads ? a.threads : cores() / n > 1 ? cores() / n : 1;
  if (single(&a)) {
    a.o.file = list.paths[0];
    rc = ingest_one(&a.o, a.progress);
  } else {
    rc = es_ingest_many(&a.o, &list, n, a.fail_fast, a.progress);
  }
  es_file_list_free(&list);
  free(a.files);
  return rc;
}
