/* cmd_generate.c - `embedstream generate`: deterministic synthetic CSV/JSONL files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/domain.h"
#include "core/limits.h"
#include "load/generate.h"

typedef struct gen_args {
  const char *domain, *out;
  uint64_t rows, seed;
  long dim; /* 0: the domain's default */
  int have_rows;
} gen_args;

static void usage(FILE *out) {
  fprintf(out,
          "usage: embedstream generate --domain D --rows N [--dim N] [--seed S] --out FILE\n\n"
          "Writes N synthetic rows of a domain, the same bytes for the same arguments. FILE ends in\n"
          ".csv (a header of the proto's field names, vector/skills as JSON arrays) or .jsonl /\n"
          ".ndjson (one JSON object per line). Some text holds commas, quotes, line breaks and\n"
          "non-ASCII, so the files exercise quoting; vectors are float32 values written in their\n"
          "shortest round-trip form.\n\n"
          "  --domain D   %s\n"
          "  --rows N     number of rows (0 writes only the CSV header)\n"
          "  --dim N      vector dimension, %d..%d (default: recruit 384, others 768)\n"
          "  --seed S     PRNG seed, an unsigned 64-bit integer (default 1)\n"
          "  --out FILE   output path\n"
          "  -h, --help   this text\n\n"
          "Exit codes: 0 ok, 1 the file could not be written, 2 usage error.\n",
          es_domain_names(), ES_DIM_MIN, ES_DIM_MAX);
}

#define usage_error(...) es_cli_usage_error("generate", __VA_ARGS__)

static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  unsigned long long v;
  if (!*s || *s == '-' || *s == '+') return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}


static int parse(int argc, char **argv, gen_args *a) {
  int i, missing = 0;
  const char *v;
  uint64_t u;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return -1;
    } else if ((v = es_cli_opt(argc, argv, &i, "--domain", &missing))) {
      a->domain = v;
    } else if ((v = es_cli_opt(argc, argv, &i, "--out", &missing))) {
      a->out = v;
    } else if ((v = es_cli_opt(argc, argv, &i, "--rows", &missing))) {
      if (parse_u64(v, UINT64_MAX / 2, &a->rows)) return usage_error("--rows wants a count, got '%s'", v);
      a->have_rows = 1;
    } else if ((v = es_cli_opt(argc, argv, &i, "--dim", &missing))) {
      if (parse_u64(v, ES_DIM_MAX, &u) || u < ES_DIM_MIN)
        return usage_error("--dim wants %d..%d, got '%s'", ES_DIM_MIN, ES_DIM_MAX, v);
      a->dim = (long)u;
    } else if ((v = es_cli_opt(argc, argv, &i, "--seed", &missing))) {
      if (parse_u64(v, UINT64_MAX, &a->seed))
        return usage_error("--seed wants an unsigned integer, got '%s'", v);
    } else {
      if (missing) return usage_error("missing value for %s", argv[i]);
      return usage_error("unknown argument '%s'", argv[i]);
    }
  }
  if (!a->domain) return usage_error("--domain is required");
  if (!a->have_rows) return usage_error("--rows is required");
  if (!a->out) return usage_error("--out is required");
  if (!es_generate_format(a->out))
    return usage_error("--out must end in .csv, .jsonl or .ndjson: '%s'", a->out);
  return 0;
}

int es_cmd_generate(int argc, char **argv) {
  gen_args a = {NULL, NULL, 0, 1, 0, 0};
  const es_domain *d;
  es_gen_stats st;
  es_error err;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? ES_EXIT_OK : rc;
  if (!(d = es_domain_find(a.domain))) {
    fprintf(stderr, "embedstream generate: unknown domain '%s' (known: %s)\n", a.domain, es_domain_names());
    return ES_EXIT_USAGE;
  }
  es_err_clear(&err);
  if (es_generate_file(d, a.rows, a.dim ? (int)a.dim : d->default_dim, a.seed, a.out, &st, &err)) {
    fprintf(stderr, "embedstream generate: %s\n", err.msg);
    return err.code == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  fprintf(stderr, "generate: wrote %llu %s rows (dim %d, seed %llu) to %s: %.1f MiB in %.2f s\n",
          (unsigned long long)st.rows, d->name, a.dim ? (int)a.dim : d->default_dim,
          (unsigned long long)a.seed, a.out, (double)st.bytes / (1024.0 * 1024.0), st.seconds);
  return ES_EXIT_OK;
}
