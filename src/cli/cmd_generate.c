/* cmd_generate.c - `embedstream generate`: deterministic synthetic CSV/JSONL files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/progress.h"
#include "core/domain.h"
#include "core/limits.h"
#include "load/generate.h"

typedef struct gen_args {
  const char *domain, *out;
  uint64_t rows, seed;
  long dim; /* 0: the domain's default */
  int have_rows;
  es_prog_mode progress;
  int quiet;
} gen_args;

enum { O_DOMAIN, O_ROWS, O_DIM, O_SEED, O_OUT, O_PROGRESS, O_QUIET };

static const es_opt opts[] = {
    {O_DOMAIN, "domain", 'd', "D", "recruit, candidate or skill_embedding_dic", NULL},
    {O_ROWS, "rows", 'n', "N", "number of rows (0 writes only the CSV header)", NULL},
    {O_DIM, "dim", 0, "N", "vector dimension (default: recruit 384, others 768)", NULL},
    {O_SEED, "seed", 0, "S", "PRNG seed, an unsigned 64-bit integer", NULL},
    {O_OUT, "out", 'o', "FILE", "output path, ending in .csv, .jsonl or .ndjson", NULL},
    ES_OPTS_PROGRESS(O_PROGRESS),
    ES_OPTS_QUIET(O_QUIET),
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

static const es_opt_bind binds[] = {
    ES_BIND(O_DOMAIN, DOMAIN, gen_args, domain),
    ES_BIND(O_OUT, STRING, gen_args, out),
    ES_BIND_RANGE(O_DIM, LONG, gen_args, dim, ES_DIM_MIN, ES_DIM_MAX),
    ES_BIND(O_QUIET, FLAG, gen_args, quiet),
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  gen_args *a = ctx;
  switch (id) {
  case O_ROWS:
    if (parse_u64(v, UINT64_MAX / 2, &a->rows)) return es_opts_bad(why, "expected a count");
    a->have_rows = 1;
    return 0;
  case O_SEED:
    if (parse_u64(v, UINT64_MAX, &a->seed)) return es_opts_bad(why, "expected an unsigned integer");
    return 0;
  case O_PROGRESS: return es_prog_opt(v, &a->progress, why);
  }
  return es_opts_bad(why, "unhandled option");
}

static void show_default(int id, char *out, size_t cap) {
  if (id == O_SEED) snprintf(out, cap, "1");
  if (id == O_PROGRESS) snprintf(out, cap, "auto");
}

static const es_cmd_spec spec = {
    .name = "generate",
    .synopsis = "--domain D --rows N [--dim N] [--seed S] --out FILE",
    .description =
        "Writes N synthetic rows of a domain, the same bytes for the same arguments. FILE ends in\n"
        ".csv (a header of the proto's field names, vector/skills as JSON arrays) or .jsonl /\n"
        ".ndjson (one JSON object per line). Some text holds commas, quotes, line breaks and\n"
        "non-ASCII, so the files exercise quoting; vectors are float32 values written in their\n"
        "shortest round-trip form. On a terminal, stderr shows the rows and MB written, the rate\n"
        "and the time left while it works.",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream generate -d recruit -n 1000 -o recruit.csv\n"
        "embedstream generate -d candidate -n 200000 --dim 768 --seed 7 -o candidate.jsonl",
    .footer = "Exit codes: 0 ok, 1 the file could not be written, 2 usage error.",
    .apply = apply,
    .show_default = show_default,
    ES_CMD_BINDS(binds),
};

static void on_progress(void *ud, uint64_t rows, uint64_t bytes) {
  es_prog_state s = {.rows = rows, .bytes_done = bytes};
  es_prog_update(ud, &s);
}

/* Writes the file, with the progress line on the way (its summary below is the final line). */
static int write_file(const gen_args *a, const es_domain *d, es_gen_stats *st, es_error *err) {
  es_prog *prog = NULL;
  es_prog_file *line;
  const char *slash = strrchr(a->out, '/');
  int rc;
  es_prog_new(stderr, a->quiet ? ES_PROG_NEVER : a->progress, &prog);
  line = es_prog_add(prog, slash ? slash + 1 : a->out, 0, a->rows);
  rc = es_generate_file_cb(d, a->rows, a->dim ? (int)a->dim : d->default_dim, a->seed, a->out,
                           line ? on_progress : NULL, line, st, err);
  es_prog_free(prog);
  return rc;
}

int es_cmd_generate(int argc, char **argv) {
  gen_args a;
  const es_domain *d;
  es_gen_stats st;
  es_error err;
  int rc;
  memset(&a, 0, sizeof(a));
  a.seed = 1;
  if ((rc = es_opts_parse(&spec, &a, argc, argv, NULL, NULL)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (!a.domain) return es_opts_usage_error(&spec, "--domain is required");
  if (!a.have_rows) return es_opts_usage_error(&spec, "--rows is required");
  if (!a.out) return es_opts_usage_error(&spec, "--out is required");
  if (!es_generate_format(a.out))
    return es_opts_usage_error(&spec, "--out must end in .csv, .jsonl or .ndjson: '%s'", a.out);
  if (!(d = es_domain_find(a.domain)))
    return es_opts_usage_error(&spec, "unknown domain '%s' (known: %s)", a.domain,
                               es_domain_names());
  es_err_clear(&err);
  if (write_file(&a, d, &st, &err)) {
    fprintf(stderr, "embedstream generate: %s\n", err.msg);
    return err.code == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  if (!a.quiet)
    fprintf(stderr, "generate: wrote %llu %s rows (dim %d, seed %llu) to %s: %.1f MiB in %.2f s\n",
            (unsigned long long)st.rows, d->name, a.dim ? (int)a.dim : d->default_dim,
            (unsigned long long)a.seed, a.out, (double)st.bytes / (1024.0 * 1024.0), st.seconds);
  return ES_EXIT_OK;
}
