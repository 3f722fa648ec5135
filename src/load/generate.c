/* generate.c - deterministic rows (a PRNG stream per row) and streamed CSV/JSONL files of them. */
#include "load/generate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "load/gen_text.h"
#include "load/rowfmt.h"

void es_gen_init(es_gen *g, const es_domain *d, int dim, uint64_t seed) {
  g->domain = d;
  g->dim = dim;
  g->seed = seed;
  g->tmp = (es_buf)ES_BUF_INIT;
}

void es_gen_free(es_gen *g) { es_buf_free(&g->tmp); }

/* Embedding-like values: a triangular distribution over (-0.15, 0.15), and now and then a tiny
   one, so files also carry exponent notation ("1.2345678e-07"). */
static float gen_value(uint64_t *s) {
  double u1 = (double)(es_gen_next(s) >> 11) * 0x1p-53,
         u2 = (double)(es_gen_next(s) >> 11) * 0x1p-53;
  double v = (u1 + u2 - 1.0) * 0.15;
  if ((es_gen_next(s) & 511) == 0) v *= 1e-6;
  return (float)v;
}

static int put_text(es_arena *a, const es_buf *b, char **out) {
  return (*out = es_arena_strndup(a, b->ptr ? b->ptr : "", b->len)) ? 0 : ES_ENOMEM;
}

static int gen_list(es_arena *a, uint64_t *s, es_value *v) {
  size_t n = es_gen_below(s, 7), k;
  v->list.n = n;
  v->list.items = NULL;
  if (!n) return 0;
  if (!(v->list.items = es_arena_alloc(a, n * sizeof(char *)))) return ES_ENOMEM;
  for (k = 0; k < n; k++) v->list.items[k] = (char *)es_gen_skill(s);
  return 0;
}

static int gen_vector(es_arena *a, uint64_t *s, int dim, es_value *v) {
  size_t k, n = dim > 0 ? (size_t)dim : 0;
  v->vec.n = n;
  if (!(v->vec.v = es_arena_alloc(a, n * sizeof(float)))) return ES_ENOMEM;
  for (k = 0; k < n; k++) v->vec.v[k] = gen_value(s);
  return 0;
}

static int gen_field(es_gen *g, uint64_t i, uint64_t *s, size_t f, es_value *v, es_arena *a) {
  const es_field *fd = &g->domain->fields[f];
  switch (fd->type) {
  case ES_T_TEXT:
    if (f == g->domain->key && (fd->flags & ES_F_UUID))
      es_gen_uuid7(&g->tmp, s, g->seed, i);
    else if (f == g->domain->key)
      es_gen_skill_name(&g->tmp, i);
    else
      es_gen_text_field(&g->tmp, s, fd->name);
    if (g->tmp.oom) return ES_ENOMEM;
    return put_text(a, &g->tmp, &v->s);
  case ES_T_INT: v->i = (int32_t)es_gen_below(s, 31); return 0;
  case ES_T_STRLIST: return gen_list(a, s, v);
  default: return gen_vector(a, s, g->dim, v);
  }
}

int es_gen_row(es_gen *g, uint64_t i, es_chunk *c, es_error *err) {
  uint64_t s = g->seed * 0x9e3779b97f4a7c15ull, t = (i << 8) ^ (uint64_t)g->domain->chunk_case;
  es_value *row;
  size_t f;
  /* The row's own stream (rows can be made in any order), different for each domain. */
  s ^= es_gen_next(&t);
  if (!(row = es_chunk_add_row(c, 0))) return es_err_set(err, ES_ENOMEM, "out of memory");
  for (f = 0; f < g->domain->nfields; f++)
    if (gen_field(g, i, &s, f, &row[f], &c->arena))
      return es_err_set(err, ES_ENOMEM, "out of memory");
  return 0;
}

int es_generate_format(const char *path) {
  const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash)) return 0;
  if (!strcasecmp(dot, ".csv")) return 1;
  if (!strcasecmp(dot, ".jsonl") || !strcasecmp(dot, ".ndjson")) return 2;
  return 0;
}

static int flush(FILE *f, es_buf *b, const char *path, es_error *err) {
  if (b->len && fwrite(b->ptr, 1, b->len, f) != b->len)
    return es_err_set(err, ES_EIO, "%s: write failed: %s", path, strerror(errno));
  es_buf_clear(b);
  return 0;
}

/* Rows go out a batch at a time: one chunk's arena is reused, so memory stays flat. */
typedef struct gen_out {
  FILE *f;
  const char *path;
  es_gen_progress_fn progress;
  void *ud;
} gen_out;

static int write_rows(es_gen *g, int fmt, uint64_t rows, const gen_out *o, uint64_t *bytes,
                      es_error *err) {
  es_chunk c;
  es_buf out = ES_BUF_INIT, tmp = ES_BUF_INIT;
  uint64_t i = 0;
  size_t k;
  int rc = 0;
  es_chunk_init(&c, g->domain);
  if (fmt == 1 && es_rowfmt_csv_header(&out, g->domain)) goto oom;
  while (i < rows) {
    es_chunk_reset(&c);
    for (; i < rows && c.nrows < 256; i++)
      if ((rc = es_gen_row(g, i, &c, err))) goto done;
    for (k = 0; k < c.nrows; k++) {
      const es_value *row = es_chunk_row(&c, k);
      if (fmt == 1 ? es_rowfmt_csv(&out, g->domain, row, &tmp)
                   : es_rowfmt_jsonl(&out, g->domain, row, ES_ROWFMT_ASCII))
        goto oom;
    }
    *bytes += out.len;
    if ((rc = flush(o->f, &out, o->path, err))) goto done;
    if (o->progress) o->progress(o->ud, i, *bytes);
  }
  *bytes += out.len;
  rc = flush(o->f, &out, o->path, err);
  goto done;
oom:
  rc = es_err_set(err, ES_ENOMEM, "out of memory");
done:
  es_chunk_free(&c);
  es_buf_free(&out);
  es_buf_free(&tmp);
  return rc;
}

int es_generate_file(const es_domain *d, uint64_t rows, int dim, uint64_t seed, const char *path,
                     es_gen_stats *st, es_error *err) {
  return es_generate_file_cb(d, rows, dim, seed, path, NULL, NULL, st, err);
}

int es_generate_file_cb(const es_domain *d, uint64_t rows, int dim, uint64_t seed, const char *path,
                        es_gen_progress_fn progress, void *ud, es_gen_stats *st, es_error *err) {
  double t0;
  int fmt = es_generate_format(path), rc;
  es_gen g;
  gen_out o;
  FILE *f;
  memset(st, 0, sizeof(*st));
  if (!fmt)
    return es_err_set(err, ES_EINVAL, "%s: the output must end in .csv, .jsonl or .ndjson", path);
  if (dim < 1) return es_err_set(err, ES_EINVAL, "dimension must be at least 1");
  if (!(f = fopen(path, "wb"))) return es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
  t0 = es_clock_mono();
  es_gen_init(&g, d, dim, seed);
  o.f = f;
  o.path = path;
  o.progress = progress;
  o.ud = ud;
  rc = write_rows(&g, fmt, rows, &o, &st->bytes, err);
  es_gen_free(&g);
  if (fclose(f) && !rc) rc = es_err_set(err, ES_EIO, "%s: write failed: %s", path, strerror(errno));
  if (rc) {
    unlink(path);
    return rc;
  }
  st->rows = rows;
  st->seconds = es_clock_mono() - t0;
  return 0;
}
