/* cmd_inspect.c - `embedstream inspect`: prints the rows a loader reads from a file, one JSON
   object per line, to debug input files and to test loaders against other tools. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"
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
} inspect_args;

static void usage(FILE *out) {
  fprintf(out,
          "usage: embedstream inspect --domain D --file PATH [--limit N] [--count]\n\n"
          "Reads PATH with the loader `ingest` uses and prints each row as one JSON object per\n"
          "line: fields by proto name in proto order, skills as arrays, vector values with \"%%.9g\"\n"
          "(exact for float32; NaN/Infinity as Python's json writes them).\n\n"
          "  --domain D   %s\n"
          "  --file PATH  a data file in any format ingest reads (.csv, .jsonl, .ndjson, .pkl)\n"
          "  --limit N    stop after N rows (default: all)\n"
          "  --count      print only {\"rows\", \"bytes\", \"seconds\", \"rows_per_second\"}: the\n"
          "               parse rate of the loader alone\n"
          "  -h, --help   this text\n\n"
          "Exit codes: 0 ok, 1 read or write failure, 2 usage error or a bad input file.\n",
          es_domain_names());
}

#define usage_error(...) es_cli_usage_error("inspect", __VA_ARGS__)


static int parse(int argc, char **argv, inspect_args *a) {
  int i, missing = 0;
  const char *v;
  char *end;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return -1;
    } else if ((v = es_cli_opt(argc, argv, &i, "--domain", &missing))) {
      a->domain = v;
    } else if ((v = es_cli_opt(argc, argv, &i, "--file", &missing))) {
      a->file = v;
    } else if ((v = es_cli_opt(argc, argv, &i, "--limit", &missing))) {
      errno = 0;
      a->limit = strtoull(v, &end, 10);
      if (!*v || *v == '-' || *end || errno) return usage_error("--limit wants a count, got '%s'", v);
    } else if (!strcmp(argv[i], "--count")) {
      a->count = 1;
    } else if (missing) {
      return usage_error("missing value for %s", argv[i]);
    } else {
      return usage_error("unknown argument '%s'", argv[i]);
    }
  }
  if (!a->domain) return usage_error("--domain is required");
  if (!a->file) return usage_error("--file is required");
  return 0;
}

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
    size_t want = limit && limit - done < BATCH ? (size_t)(limit - done) : BATCH;
    es_chunk_reset(&c);
    if ((n = es_loader_next(l, &c, want, err)) <= 0) {
      rc = n;
      break;
    }
    done += c.nrows;
    if (count) continue;
    es_buf_clear(&out);
    for (k = 0; k < c.nrows; k++)
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
  inspect_args a = {NULL, NULL, 0, 0};
  const es_domain *d;
  es_loader *l = NULL;
  es_error err;
  uint64_t rows = 0, bytes = 0;
  double secs, t0;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? ES_EXIT_OK : rc;
  if (!(d = es_domain_find(a.domain))) {
    fprintf(stderr, "embedstream inspect: unknown domain '%s' (known: %s)\n", a.domain, es_domain_names());
    return ES_EXIT_USAGE;
  }
  es_err_clear(&err);
  t0 = es_clock_mono();
  if ((rc = es_loader_open(a.file, d, NULL, &l, &err)) == 0) {
    rc = dump(l, a.limit, a.count, &rows, &err);
    bytes = l->bytes_read;
  }
  es_loader_close(l);
  secs = es_clock_mono() - t0;
  if (!rc && a.count)
    printf("{\"rows\": %llu, \"bytes\": %llu, \"seconds\": %.3f, \"rows_per_second\": %.0f}\n",
           (unsigned long long)rows, (unsigned long long)bytes, secs, secs > 0 ? (double)rows / secs : 0.0);
  if (fflush(stdout) && !rc) rc = es_err_set(&err, ES_EIO, "writing stdout: %s", strerror(errno));
  if (rc) {
    fprintf(stderr, "embedstream inspect: %s\n", err.msg);
    return exit_for(rc);
  }
  return ES_EXIT_OK;
}
