/* fill_list.c - list columns: a row is the levels from one repetition level 0 to the next; a
   row inside one batch of levels goes straight from the page into the arena, a row that spans
   batches or pages is gathered in scratch first. */
#include "load/parquet/fill_list.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "load/parquet/fail.h"

/* 1 when the row at c->ib has items, 0 when it has none (a null or empty list, one level). */
static int row_start(es_pq_col *c, const es_pq_rows *r, size_t i, es_error *err) {
  int rc = es_pq_col_more(c, err);
  uint8_t def;
  if (rc <= 0) return rc ? rc : es_pq_short_column(c, r, i, err);
  if (c->reps[c->ib])
    return es_pq_row_fail(c, r, i, err, "the row starts inside a list (corrupt repetition levels)");
  def = c->defs[c->ib];
  if (def >= c->spec->def_elem) return 1;
  if (def + 1 < c->spec->def_elem && c->spec->ftype == ES_T_VECTOR)
    return es_pq_row_fail(c, r, i, err, "null vector");
  c->ib++;
  return 0;
}

/* Levels of the row from c->ib to its end or the batch's (*ends says which); from = 1 on the
   row's first level, which has repetition level 0 itself. */
static size_t run_len(const es_pq_col *c, size_t from, int *ends) {
  const uint8_t *z = memchr(c->reps + c->ib + from, 0, c->nb - c->ib - from);
  *ends = z != NULL;
  return z ? (size_t)(z - (c->reps + c->ib)) : c->nb - c->ib;
}

static int no_null_items(const es_pq_col *c, const es_pq_rows *r, size_t i, size_t k, size_t before,
                         es_error *err) {
  size_t j = es_pq_first_ne(c->defs + c->ib, k, (uint8_t)c->spec->max_def);
  if (j == k) return 0;
  return es_pq_row_fail(c, r, i, err, "item %zu of the list is null", before + j);
}

/* After a segment that reached the batch's end: 1 when the row goes on in the next batch. */
static int continues(es_pq_col *c, int ends, es_error *err) {
  int rc;
  if (ends) return 0;
  if ((rc = es_pq_col_more(c, err)) <= 0) return rc;
  return c->reps[c->ib] != 0;
}

static int vec_alloc(const es_pq_col *c, const es_pq_rows *r, size_t i, size_t n, es_value *v,
                     es_error *err) {
  int rc;
  if ((rc = es_pq_charge(c, r, i, (uint64_t)n * sizeof(float), err))) return rc;
  if (!(v->vec.v = es_arena_alloc(r->arena, n * sizeof(float)))) return es_pq_oom(err);
  v->vec.n = n;
  return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  void *np;
  size_t c = *cap ? *cap : 64;
  if (need <= *cap) return 0;
  while (c < need) c *= 2;
  if (!(np = realloc(*p, c * size))) return ES_ENOMEM;
  *p = np;
  *cap = c;
  return 0;
}

/* Puts the k items at c->ib of row i (have of its items before them) where the row is
   gathered; whole says they are the whole row. 1: put them in v already (the row is done). */
typedef int (*put_fn)(es_pq_col *c, const es_pq_rows *r, size_t i, size_t k, size_t have, int whole,
                      es_value *v, es_pq_scratch *s, es_error *err);

/* Reads row i run by run through put. 1: its *have items are in scratch for the caller to
   finish v with; 0: nothing left to do (a null or empty list, or put took the whole row). */
static int gather(es_pq_col *c, const es_pq_rows *r, size_t i, es_value *v, es_pq_scratch *s,
                  put_fn put, size_t *have, es_error *err) {
  size_t k, from = 1;
  int rc, ends;
  *have = 0;
  if ((rc = row_start(c, r, i, err)) <= 0) return rc;
  for (;; from = 0) {
    k = run_len(c, from, &ends);
    if ((rc = no_null_items(c, r, i, k, *have, err)) ||
        (rc = put(c, r, i, k, *have, from && ends, v, s, err)) < 0)
      return rc;
    c->ib += k;
    if (rc) return 0;
    *have += k;
    if ((rc = continues(c, ends, err)) <= 0) return rc < 0 ? rc : 1;
  }
}

/* A vector row in one batch goes straight into the arena; one that spans, into scratch. */
static int put_floats(es_pq_col *c, const es_pq_rows *r, size_t i, size_t k, size_t have, int whole,
                      es_value *v, es_pq_scratch *s, es_error *err) {
  int rc;
  if (have + k > ES_DIM_MAX)
    return es_pq_row_fail(c, r, i, err, "a vector of more than %d values", ES_DIM_MAX);
  if (whole) {
    if ((rc = vec_alloc(c, r, i, k, v, err)) || (rc = es_pq_vals_f32(&c->vals, v->vec.v, k, err)))
      return rc;
    return 1;
  }
  if (grow((void **)&s->f, &s->fcap, have + k, sizeof(float))) return es_pq_oom(err);
  return es_pq_vals_f32(&c->vals, s->f + have, k, err);
}

static int vector_row(es_pq_col *c, const es_pq_rows *r, size_t i, es_value *v, es_pq_scratch *s,
                      es_error *err) {
  size_t have;
  int rc = gather(c, r, i, v, s, put_floats, &have, err);
  if (rc <= 0 || (rc = vec_alloc(c, r, i, have, v, err))) return rc;
  memcpy(v->vec.v, s->f, have * sizeof(float));
  return 0;
}

/* Text items always gather in scratch: a list is copied to the arena once its length is known. */
static int put_texts(es_pq_col *c, const es_pq_rows *r, size_t i, size_t k, size_t have, int whole,
                     es_value *v, es_pq_scratch *s, es_error *err) {
  es_pq_bytes b[ES_PQ_BYTES_BATCH];
  size_t at, m, j;
  int rc;
  (void)whole;
  (void)v;
  if ((rc = es_pq_charge(c, r, i, (uint64_t)k * sizeof(char *), err))) return rc;
  if (grow((void **)&s->items, &s->icap, have + k, sizeof(char *))) return es_pq_oom(err);
  for (at = 0; at < k; at += m) {
    m = k - at < ES_PQ_BYTES_BATCH ? k - at : ES_PQ_BYTES_BATCH;
    if ((rc = es_pq_vals_bytes(&c->vals, b, m, err))) return rc;
    for (j = 0; j < m; j++)
      if ((rc = es_pq_text(c, r, i, &b[j], &s->items[have + at + j], err))) return rc;
  }
  return 0;
}

static int skills_row(es_pq_col *c, const es_pq_rows *r, size_t i, es_value *v, es_pq_scratch *s,
                      es_error *err) {
  size_t have;
  int rc = gather(c, r, i, v, s, put_texts, &have, err);
  if (rc <= 0) return rc;
  if (!(v->list.items = es_arena_alloc(r->arena, have * sizeof(char *)))) return es_pq_oom(err);
  memcpy(v->list.items, s->items, have * sizeof(char *));
  v->list.n = have;
  return 0;
}

int es_pq_fill_list(es_pq_col *c, size_t field, const es_pq_rows *r, es_pq_scratch *s,
                    es_error *err) {
  size_t i;
  int rc;
  for (i = 0; i < r->n; i++) {
    es_value *v = &r->v[i * r->nfields + field];
    rc = c->spec->ftype == ES_T_VECTOR ? vector_row(c, r, i, v, s, err)
                                       : skills_row(c, r, i, v, s, err);
    if (rc) return rc;
  }
  return 0;
}

void es_pq_scratch_free(es_pq_scratch *s) {
  free(s->f);
  free(s->items);
  memset(s, 0, sizeof(*s));
}
