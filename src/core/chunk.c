/* chunk.c - row storage for a chunk: a value array that grows, plus the arena. */
#include "core/chunk.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static char empty_string[1] = "";

int es_chunk_init(es_chunk *c, const es_domain *d) {
  memset(c, 0, sizeof(*c));
  c->domain = d;
  es_arena_init(&c->arena);
  return 0;
}

int es_chunk_set_domain(es_chunk *c, const es_domain *d) {
  if (c->nrows && c->domain != d) return ES_EINTERNAL;
  if (c->domain && d && c->domain->nfields != d->nfields) {
    /* The value array is sized by rows x fields: start it afresh for another shape. */
    free(c->vals);
    free(c->lines);
    c->vals = NULL;
    c->lines = NULL;
    c->cap = 0;
  }
  c->domain = d;
  return 0;
}

static int grow(es_chunk *c) {
  size_t nf = c->domain->nfields, cap = c->cap ? c->cap * 2 : 256;
  es_value *v;
  uint64_t *l;
  if (cap > SIZE_MAX / sizeof(es_value) / nf) return ES_ENOMEM;
  v = realloc(c->vals, cap * nf * sizeof(es_value));
  if (!v) return ES_ENOMEM;
  c->vals = v;
  l = realloc(c->lines, cap * sizeof(uint64_t));
  if (!l) return ES_ENOMEM;
  c->lines = l;
  c->cap = cap;
  return 0;
}

es_value *es_chunk_add_row(es_chunk *c, uint64_t line) {
  const es_domain *d = c->domain;
  es_value *row;
  size_t i;
  if (!d) return NULL;
  if (c->nrows == c->cap && grow(c)) return NULL;
  row = c->vals + c->nrows * d->nfields;
  memset(row, 0, d->nfields * sizeof(*row));
  for (i = 0; i < d->nfields; i++)
    if (d->fields[i].type == ES_T_TEXT) row[i].s = empty_string;
  c->lines[c->nrows] = line;
  c->nrows++;
  return row;
}

/* One field's value into a's memory. */
static int copy_value(es_arena *a, es_type t, es_value *dst, const es_value *src) {
  size_t k;
  switch (t) {
  case ES_T_TEXT: return (dst->s = es_arena_strndup(a, src->s, strlen(src->s))) ? 0 : ES_ENOMEM;
  case ES_T_INT: dst->i = src->i; return 0;
  case ES_T_STRLIST:
    dst->list.n = src->list.n;
    if (!src->list.n) return 0;
    if (!(dst->list.items = es_arena_calloc(a, src->list.n, sizeof(char *)))) return ES_ENOMEM;
    for (k = 0; k < src->list.n; k++)
      if (!(dst->list.items[k] =
                es_arena_strndup(a, src->list.items[k], strlen(src->list.items[k]))))
        return ES_ENOMEM;
    return 0;
  case ES_T_VECTOR:
    dst->vec.n = src->vec.n;
    if (!src->vec.n) return 0;
    if (!(dst->vec.v = es_arena_calloc(a, src->vec.n, sizeof(float)))) return ES_ENOMEM;
    memcpy(dst->vec.v, src->vec.v, src->vec.n * sizeof(float));
    return 0;
  }
  return ES_EINTERNAL;
}

es_value *es_chunk_copy_row(es_chunk *c, const es_chunk *src, size_t i) {
  const es_domain *d = c->domain;
  const es_value *from = es_chunk_row(src, i);
  es_value *row = es_chunk_add_row(c, src->lines ? src->lines[i] : 0);
  size_t f;
  if (!row) return NULL;
  for (f = 0; f < d->nfields; f++)
    if (copy_value(&c->arena, d->fields[f].type, &row[f], &from[f])) {
      c->nrows--;
      return NULL;
    }
  return row;
}

void es_chunk_reset(es_chunk *c) {
  c->nrows = 0;
  es_arena_reset(&c->arena);
}

void es_chunk_free(es_chunk *c) {
  free(c->vals);
  free(c->lines);
  es_arena_free(&c->arena);
  memset(c, 0, sizeof(*c));
}
