/* cmd_inspect.c - `embedstream inspect`: prints the rows a loader reads from a file, one JSON
   object per line, to debug input files and to test loaders against other tools. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/buf.h"
#include "core/chunk.h"
#include "core/clock.h"
#include "load/loader.h"
#include "load/rowfmt.h"

#define BATCH 1024

typedef struct inspect_args {
  const char *domain, *file;
  uint64_t limit; /* 0: every row */
  int count;      /* only count rows and time the parse */
  es_loader_opts loader;
} inspect_args;

enum { O_DOMAIN, O_FILE, O_LIMIT, O_COUNT, O_IGNORE_UNKNOWN, O_FORMAT, O_THREADS };

static const es_opt opts[] = {
    {O_DOMAIN, "domain", 'd', "D", "recruit, candidate or skill_embedding_dic", NULL},
    {O_FILE, "file", 'f', "PATH",
     "a data file in any format ingest reads (.csv, .jsonl, .ndjson, .pkl,\n.parquet, .csv.gz, .jsonl.zst, ...); - for "
     "standard input (with --format)",
     NULL},
    ES_OPTS_FORMAT(O_FORMAT),
    {O_THREADS, "threads", 0, "N", "parse CSV/JSONL on N threads (default 1)", NULL},
    {O_LIMIT, "limit", 'n', "N", "stop after N rows (default: all)", NULL},
    {O_COUNT, "count", 0, NULL,
     "print only {\"rows\", \"bytes\", \"seconds\", \"rows_per_second\"}: the\n"
     "parse rate of the loader alone",
     NULL},
    ES_OPTS_IGNORE_UNKNOWN(O_IGNORE_UNKNOWN),
};

static const es_opt_bind binds[] = {
    ES_BIND(O_DOMAIN, DOMAIN, inspect_args, domain),
    ES_BIND(O_FILE, STRING, inspect_args, file),
    ES_BIND(O_COUNT, FLAG, inspect_args, count),
    ES_BIND(O_IGNORE_UNKNOWN, FLAG, inspect_args, loader.ignore_unknown_columns),
    ES_BIND_RANGE(O_THREADS, INT, inspect_args, loader.threads, 1, ES_OPTS_THREADS_MAX),
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  inspect_args *a = ctx;
  char *end;
  switch (id) {
  case O_LIMIT:
    errno = 0;
    a->limit = strtoull(v, &end, 10);
    if (!*v || *v == '-' || *end || errno) return es_opts_bad(why, "expected a count");
    return 0;
  case O_FORMAT: return es_opts_format(v, &a->loader.format, why);
  }
  return es_opts_bad(why, "unhandled option");
}

static const es_cmd_spec spec = {
    .name = "inspect",
    .synopsis =
        "--domain D --file PATH [--limit N] [--count] [--threads N] [--format F]\n"
        "            [--ignore-unknown-columns]",
    .description =
        "Reads PATH with the loader `ingest` uses and prints each row as one JSON object per\n"
        "line: fields by proto name in proto order, skills as arrays, vector values with \"%.9g\"\n"
        "(exact for float32; NaN/Infinity as Python's json writes them).",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream inspect -d recruit -f examples/recruit.csv -n 2\n"
        "embedstream inspect -d candidate -f candidate.pkl --count",
    .footer = "Exit codes: 0 ok, 1 read or write failure, 2 usage error or a bad input file.",
    .apply = apply,
    ES_CMD_BINDS(binds),
};

static int exit_for(int code) {
  return code == ES_EINVAL || code == ES_ENOTFOUND ? ES_EXIT_USAGE : ES_EXIT_FAIL;
}

/* Prints rows (or with count, only counts them) until the end of the file or the limit. */
static int dump(es_loader *l, uint64_t limit, int count, uint64_t *rows, es_error *err) {
  es_chunk c;
  es_buf out = ES_BUF_INIT;
  uint64_t done = 0;
  size_t k;
  int n, rc = 0;
  es_chunk_init(&c, l->domain);
  while (!limit || done < limit) {
    size_t want = limit && limit - done < BATCH ? (size_t)(limit - done) : BATCH, have;
    es_chunk_reset(&c);
    if ((n = es_loader_take(l, &c, want, err)) <= 0) {
      rc = n;
      break;
    }
    have = c.nrows < want || !limit ? c.nrows : want; /* a parallel loader hands over more */
    done += have;
    if (count) continue;
    es_buf_clear(&out);
    for (k = 0; k < have; k++)
      if (es_rowfmt_jsonl(&out, l->domain, es_chunk_row(&c, k), ES_ROWFMT_G9)) {
        rc = es_err_set(err, ES_ENOMEM, "out of memory");
        goto done;
      }
    if (fwrite(out.ptr, 1, out.len, stdout) != out.len) {
      rc = es_err_set(err, ES_EIO, "writing stdout: %s", strerror(errno));
      goto done;
    }
  }
done:
  *rows = done;
  es_buf_free(&out);
  es_chunk_free(&c);
  return rc;
}

int es_cmd_inspect(int argc, char **argv) {
  inspect_args a = {NULL, NULL, 0, 0, {0}};
  const es_domain *d;
  es_loader *l = NULL;
  es_error err;
  uint64_t rows = 0, bytes = 0;
  double secs, t0;
  int rc;
  if ((rc = es_opts_parse(&spec, &a, argc, argv, NULL, NULL)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (!a.domain) return es_opts_usage_error(&spec, "--domain is required");
  if (!a.file) return es_opts_usage_error(&spec, "--file is required");
  if (!(d = es_domain_find(a.domain)))
    return es_opts_usage_error(&spec, "unknown domain '%s' (known: %s)", a.domain,
                               es_domain_names());
  es_err_clear(&err);
  t0 = es_clock_mono();
  if ((rc = es_loader_open(a.file, d, &a.loader, &l, &err)) == 0) {
    rc = dump(l, a.limit, a.count, &rows, &err);
    bytes = l->bytes_read;
  }
  es_loader_close(l);
  secs = es_clock_mono() - t0;
  if (!rc && a.count)
    printf("{\"rows\": %llu, \"bytes\": %llu, \"seconds\": %.3f, \"rows_per_second\": %.0f}\n",
           (unsigned long long)rows, (unsigned long long)bytes, secs,
           secs > 0 ? (double)rows / secs : 0.0);
  if (fflush(stdout) && !rc) rc = es_err_set(&err, ES_EIO, "writing stdout: %s", strerror(errno));
  if (rc) {
    fprintf(stderr, "embedstream inspect: %s\n", err.msg);
    return exit_for(rc);
  }
  return ES_EXIT_OK;
}
