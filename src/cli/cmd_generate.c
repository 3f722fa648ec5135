/* cmd_generate.c - `embedstream generate`: deterministic synthetic CSV/JSONL files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/domain.h"
#include "core/limits.h"
#include "load/generate.h"

typedef struct gen_args {
  const char *domain, *out;
  uint64_t rows, seed;
  long dim; /* 0: the domain's default */
  int have_rows;
} gen_args;

enum { O_DOMAIN, O_ROWS, O_DIM, O_SEED, O_OUT };

static const es_opt opts[] = {
    {O_DOMAIN, "domain", 'd', "D", "recruit, candidate or skill_embedding_dic", NULL},
    {O_ROWS, "rows", 'n', "N", "number of rows (0 writes only the CSV header)", NULL},
    {O_DIM, "dim", 0, "N", "vector dimension (default: recruit 384, others 768)", NULL},
    {O_SEED, "seed", 0, "S", "PRNG seed, an unsigned 64-bit integer", NULL},
    {O_OUT, "out", 'o', "FILE", "output path, ending in .csv, .jsonl or .ndjson", NULL},
};

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

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  gen_args *a = ctx;
  long n;
  switch (id) {
  case O_DOMAIN:
    if (es_opts_domain(v, why)) return -1;
    a->domain = v;
    return 0;
  case O_OUT: a->out = v; return 0;
  case O_ROWS:
    if (parse_u64(v, UINT64_MAX / 2, &a->rows)) return es_opts_bad(why, "expected a count");
    a->have_rows = 1;
    return 0;
  case O_DIM:
    if (es_opts_long(v, ES_DIM_MIN, ES_DIM_MAX, &n, why)) return -1;
    a->dim = n;
    return 0;
  case O_SEED:
    if (parse_u64(v, UINT64_MAX, &a->seed)) return es_opts_bad(why, "expected an unsigned integer");
    return 0;
  }
  return es_opts_bad(why, "unhandled option");
}

static void show_default(int id, char *out, size_t cap) {
  if (id == O_SEED) snprintf(out, cap, "1");
}

static const es_cmd_spec spec = {
    .name = "generate",
    .synopsis = "--domain D --rows N [--dim N] [--seed S] --out FILE",
    .description = "Writes N synthetic rows of a domain, the same bytes for the same arguments. FILE ends in\n"
                   ".csv (a header of the proto's field names, vector/skills as JSON arrays) or .jsonl /\n"
                   ".ndjson (one JSON object per line). Some text holds commas, quotes, line breaks and\n"
                   "non-ASCII, so the files exercise quoting; vectors are float32 values written in their\n"
                   "shortest round-trip form.",
    .opts = opts,
    .nopts = ES_OPTS_COUNT(opts),
    .examples = "embedstream generate -d recruit -n 1000 -o recruit.csv\n"
                "embedstream generate -d candidate -n 200000 --dim 768 --seed 7 -o candidate.jsonl",
    .footer = "Exit codes: 0 ok, 1 the file could not be written, 2 usage error.",
    .apply = apply,
    .show_default = show_default,
};

int es_cmd_generate(int argc, char **argv) {
  gen_args a = {NULL, NULL, 0, 1, 0, 0};
  const es_domain *d;
  es_gen_stats st;
  es_error err;
  int rc;
  if ((rc = es_opts_parse(&spec, &a, argc, argv, NULL, NULL))) return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (!a.domain) return es_opts_usage_error(&spec, "--domain is required");
  if (!a.have_rows) return es_opts_usage_error(&spec, "--rows is required");
  if (!a.out) return es_opts_usage_error(&spec, "--out is required");
  if (!es_generate_format(a.out))
    return es_opts_usage_error(&spec, "--out must end in .csv, .jsonl or .ndjson: '%s'", a.out);
  if (!(d = es_domain_find(a.domain)))
    return es_opts_usage_error(&spec, "unknown domain '%s' (known: %s)", a.domain, es_domain_names());
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
