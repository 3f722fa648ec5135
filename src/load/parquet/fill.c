/* fill.c - flat columns into rows: nulls to defaults (or errors for the key), text checked as
   every loader checks it, integers narrowed to int32 as the other formats narrow them. */
#include "load/parquet/fill.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "load/cells.h"
#include "load/parquet/fail.h"
#include "load/parquet/names.h"

#define INT_BATCH 512

int es_pq_row_fail(const es_pq_col *c, const es_pq_rows *r, size_t i, es_error *err,
                   const char *fmt, ...) {
  char msg[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return es_pq_fail(err, c->page_off, "row index %llu (row %llu in its row group): %s",
                    (unsigned long long)(r->row + i), (unsigned long long)(r->rg_row + i), msg);
}

int es_pq_charge(const es_pq_col *c, const es_pq_rows *r, size_t i, uint64_t n, es_error *err) {
  if (n > *r->budget)
    return es_pq_row_fail(
        c, r, i, err,
        "the rows expand to more than 256 x the file size (values shared by many rows)");
  *r->budget -= n;
  return 0;
}

int es_pq_text(const es_pq_col *c, const es_pq_rows *r, size_t i, const es_pq_bytes *b, char **out,
               es_error *err) {
  const char *why = NULL;
  int rc;
  if ((rc = es_pq_charge(c, r, i, (uint64_t)b->n + 1, err))) return rc;
  if ((rc = es_cell_text(r->arena, (const char *)b->p, b->n, out, &why)) == 0) return 0;
  if (why) return es_pq_row_fail(c, r, i, err, "%s", why);
  return es_pq_oom(err);
}

size_t es_pq_first_ne(const uint8_t *p, size_t n, uint8_t v) {
  uint64_t pat = v * 0x0101010101010101ull, w;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    if (w != pat) break;
  }
  for (; i < n; i++)
    if (p[i] != v) return i;
  return n;
}

size_t es_pq_count_eq(const uint8_t *p, size_t n, uint8_t v) {
  size_t i, k = 0;
  if (es_pq_first_ne(p, n, v) == n) return n;
  for (i = 0; i < n; i++) k += p[i] == v;
  return k;
}

int es_pq_short_column(const es_pq_col *c, const es_pq_rows *r, size_t i, es_error *err) {
  return es_pq_row_fail(c, r, i, err, "the column ends before its row group's rows do");
}

static int text_rows(es_pq_col *c, size_t field, int required, const es_pq_rows *r, es_error *err) {
  es_pq_bytes vals[ES_PQ_BYTES_BATCH];
  uint8_t max = (uint8_t)c->spec->max_def;
  size_t i = 0, k, j, at;
  int rc;
  while (i < r->n) {
    if ((rc = es_pq_col_more(c, err)) <= 0) return rc ? rc : es_pq_short_column(c, r, i, err);
    k = r->n - i < c->nb - c->ib ? r->n - i : c->nb - c->ib;
    if (k > ES_PQ_BYTES_BATCH) k = ES_PQ_BYTES_BATCH;
    if ((rc = es_pq_vals_bytes(&c->vals, vals, es_pq_count_eq(c->defs + c->ib, k, max), err)))
      return rc;
    for (j = 0, at = 0; j < k; j++) {
      es_value *v = &r->v[(i + j) * r->nfields + field];
      if (c->defs[c->ib + j] != max) { /* null: "" as the row starts, unless the field is the key */
        if (required) return es_pq_row_fail(c, r, i + j, err, "null in the key column");
        continue;
      }
      if ((rc = es_pq_text(c, r, i + j, &vals[at++], &v->s, err))) return rc;
    }
    c->ib += k;
    i += k;
  }
  return 0;
}

/* One integer value into an int32 field: the other loaders' rules (integral, in range; NaN, as
   pandas writes a missing integer, is the default 0). */
static int int_value(const es_pq_col *c, const es_pq_rows *r, size_t i, int64_t iv, double dv,
                     int32_t *out, es_error *err) {
  const char *why = NULL;
  int is_float = c->spec->type == ES_PQ_FLOAT || c->spec->type == ES_PQ_DOUBLE;
  if (is_float && isnan(dv)) {
    *out = 0;
    return 0;
  }
  if (es_cell_int_from_double(is_float ? dv : (double)iv, out, &why) == 0) return 0;
  if (is_float) return es_pq_row_fail(c, r, i, err, "%.17g: %s", dv, why);
  return es_pq_row_fail(c, r, i, err, "%lld: %s", (long long)iv, why);
}

static int int_rows(es_pq_col *c, size_t field, const es_pq_rows *r, es_error *err) {
  int64_t iv[INT_BATCH];
  double dv[INT_BATCH];
  uint8_t max = (uint8_t)c->spec->max_def;
  int is_float = c->spec->type == ES_PQ_FLOAT || c->spec->type == ES_PQ_DOUBLE;
  size_t i = 0, k, j, m, at;
  int rc;
  while (i < r->n) {
    if ((rc = es_pq_col_more(c, err)) <= 0) return rc ? rc : es_pq_short_column(c, r, i, err);
    k = r->n - i < c->nb - c->ib ? r->n - i : c->nb - c->ib;
    if (k > INT_BATCH) k = INT_BATCH;
    m = es_pq_count_eq(c->defs + c->ib, k, max);
    rc = is_float ? es_pq_vals_f64(&c->vals, dv, m, err)
                  : es_pq_vals_i64(&c->vals, iv, m, c->spec->is_unsigned, err);
    if (rc) return rc;
    for (j = 0, at = 0; j < k; j++) {
      if (c->defs[c->ib + j] != max) continue; /* null: 0, as the row starts */
      rc = int_value(c, r, i + j, is_float ? 0 : iv[at], is_float ? dv[at] : 0,
                     &r->v[(i + j) * r->nfields + field].i, err);
      if (rc) return rc;
      at++;
    }
    c->ib += k;
    i += k;
  }
  return 0;
}

int es_pq_fill_scalar(es_pq_col *c, size_t field, int required, const es_pq_rows *r,
                      es_error *err) {
  if (c->spec->ftype == ES_T_TEXT) return text_rows(c, field, required, r, err);
  return int_rows(c, field, r, err);
}
