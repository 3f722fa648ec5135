/* rows.c - cells to field values: text, int32, list of str, float32 vector (CSV's rules for
 * missing). */
#include "load/pickle/rows.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "load/cells.h"
#include "load/pickle/cell.h"
#include "load/pickle/elem.h"
#include "load/pickle/fail.h"
#include "load/pickle/globals.h"

static char empty[1] = "";

/* Where converted values go, and how many more bytes the file may expand to: shared objects
   (one list referenced by every row) must not turn a small file into endless output. */
typedef struct pkl_out {
  es_arena *arena;
  uint64_t *left;
} pkl_out;

static int charge(pkl_out *a, uint64_t n, es_error *err) {
  if (n > *a->left)
    return es_pkl_fail(
        err, "the rows expand to more than 256 x the file size (objects shared by many rows)");
  *a->left -= n;
  return 0;
}

static int is_nan_val(const es_pkl_val *v) {
  double d;
  return (v->tag == ES_PKL_V_FLOAT || v->tag == ES_PKL_V_FLOATP) && !es_pkl_val_number(v, &d) &&
         isnan(d);
}

/* None, NaN and pandas.NA stand for a missing value, like an empty CSV cell. */
static int missing(const es_pkl_cell *c) {
  if (c->kind == ES_PKL_CELL_MISSING) return 1;
  if (c->kind == ES_PKL_CELL_VAL)
    return c->v.tag == ES_PKL_V_NONE || is_nan_val(&c->v) ||
           (c->v.tag == ES_PKL_V_GLOBAL && c->v.g == ES_PKL_G_NA);
  if (c->kind == ES_PKL_CELL_NUM && c->dt->kind == 'f')
    return isnan(es_pkl_elem_double(c->dt, c->p));
  return 0;
}

static const char *cell_type(const es_pkl_cell *c, char *buf, size_t cap) {
  if (c->kind == ES_PKL_CELL_VAL) return es_pkl_val_type(&c->v);
  if (c->kind == ES_PKL_CELL_NUM) {
    snprintf(buf, cap, "numpy %s%u",
             c->dt->kind == 'f'   ? "float"
             : c->dt->kind == 'b' ? "bool"
             : c->dt->kind == 'U' ? "str"
             : c->dt->kind == 'u' ? "uint"
                                  : "int",
             c->dt->kind == 'U' ? 0u : 8 * c->dt->size);
    return buf;
  }
  return "vector columns";
}

static int wrong(const es_pkl_cell *c, const char *want, es_error *err) {
  char buf[32];
  return es_pkl_fail(err, "expected %s, got %s", want, cell_type(c, buf, sizeof(buf)));
}

/* Text follows the other formats' rule: UTF-8 without NUL bytes. */
static int str_copy(pkl_out *a, const es_pkl_val *v, char **out, es_error *err) {
  const char *why = NULL;
  int rc = charge(a, (uint64_t)v->len + 1, err);
  if (rc) return rc;
  rc = es_cell_text(a->arena, v->u.s, v->len, out, &why);
  if (rc) return es_err_set(err, rc, "%s", why ? why : "out of memory");
  return 0;
}

static int ucs4(pkl_out *a, const es_pkl_dtype *dt, const uint8_t *p, char **out, es_error *err) {
  size_t n;
  if (!(*out = es_arena_alloc(a->arena, es_pkl_elem_ucs4_cap(dt)))) return es_pkl_no_memory(err);
  if (es_pkl_elem_ucs4(dt, p, *out, &n))
    return es_pkl_fail(err, "a numpy str that is not valid UCS-4");
  return charge(a, (uint64_t)n + 1, err);
}

static int to_text(pkl_out *a, const es_pkl_cell *c, char **out, es_error *err) {
  if (missing(c)) {
    *out = empty;
    return 0;
  }
  if (c->kind == ES_PKL_CELL_VAL && c->v.tag == ES_PKL_V_STR) return str_copy(a, &c->v, out, err);
  if (c->kind == ES_PKL_CELL_NUM && c->dt->kind == 'U') return ucs4(a, c->dt, c->p, out, err);
  return wrong(c, "text", err);
}

static int int32_of(int64_t v, int32_t *out, es_error *err) {
  if (v < INT32_MIN || v > INT32_MAX)
    return es_pkl_fail(err, "%lld does not fit a 32-bit integer", (long long)v);
  *out = (int32_t)v;
  return 0;
}

static int to_int(const es_pkl_cell *c, int32_t *out, es_error *err) {
  int64_t v;
  int nan;
  double d;
  if (missing(c)) {
    *out = 0;
    return 0;
  }
  if (c->kind == ES_PKL_CELL_VAL && c->v.tag == ES_PKL_V_INT) return int32_of(c->v.u.i, out, err);
  if (c->kind == ES_PKL_CELL_VAL && !es_pkl_val_number(&c->v, &d)) {
    if (d != floor(d) || d < INT32_MIN || d > INT32_MAX)
      return es_pkl_fail(err, "%.17g is not a 32-bit integer", d);
    *out = (int32_t)d;
    return 0;
  }
  if (c->kind == ES_PKL_CELL_NUM &&
      (c->dt->kind == 'i' || c->dt->kind == 'u' || c->dt->kind == 'f')) {
    if (es_pkl_elem_int(c->dt, c->p, &v, &nan))
      return es_pkl_fail(err, "%.17g is not a 32-bit integer", es_pkl_elem_double(c->dt, c->p));
    return int32_of(v, out, err);
  }
  return wrong(c, "an integer", err);
}

/* ---- skills ---- */

static int str_items(pkl_out *a, const es_pkl_val *items, const es_pkl_list *l, size_t n,
                     es_value *out, es_error *err) {
  size_t i;
  int rc = charge(a, (uint64_t)n * sizeof(char *), err);
  if (rc) return rc;
  if (n && !(out->list.items = es_arena_calloc(a->arena, n, sizeof(char *))))
    return es_pkl_no_memory(err);
  for (i = 0; i < n; i++) {
    es_pkl_val v = items ? items[i] : es_pkl_list_get(l, i);
    if (v.tag != ES_PKL_V_STR)
      return es_pkl_fail(err, "item %zu is a %s, not a str", i, es_pkl_val_type(&v));
    if ((rc = str_copy(a, &v, &out->list.items[i], err))) return rc;
  }
  out->list.n = n;
  return 0;
}

/* A protocol 2 array that is a whole cell (a row's vector or skills) is decoded into the chunk. */
static const es_pkl_array *cell_array(pkl_out *a, const es_pkl_array *arr, es_pkl_array *tmp,
                                      es_error *err) {
  uint64_t n = arr->count * arr->dt->size;
  size_t o;
  uint8_t *d;
  if (!arr->latin1) return arr;
  if (charge(a, n, err)) return NULL;
  if (n > SIZE_MAX - 1 ||
      !(d = es_arena_alloc(a->arena, (size_t)n + 1))) { /* + 1: see es_pkl_latin1 */
    es_pkl_no_memory(err);
    return NULL;
  }
  if (es_pkl_latin1(arr->data, (size_t)arr->srclen, d, &o) || o != n) {
    es_pkl_fail(err, "array data is not latin-1");
    return NULL;
  }
  *tmp = *arr;
  tmp->data = d;
  tmp->latin1 = 0;
  return tmp;
}

static int ucs4_items(pkl_out *a, const es_pkl_array *arr, es_value *out, es_error *err) {
  size_t i, n = (size_t)arr->shape[0];
  int rc = charge(a, (uint64_t)n * sizeof(char *), err);
  if (rc) return rc;
  if (n && !(out->list.items = es_arena_calloc(a->arena, n, sizeof(char *))))
    return es_pkl_no_memory(err);
  for (i = 0; i < n; i++)
    if ((rc = ucs4(a, arr->dt, es_pkl_array_elem(arr, i, 0), &out->list.items[i], err))) return rc;
  out->list.n = n;
  return 0;
}

static int to_strlist(pkl_out *a, const es_pkl_cell *c, es_value *out, es_error *err) {
  const es_pkl_obj *o = c->kind == ES_PKL_CELL_VAL && c->v.tag == ES_PKL_V_OBJ ? c->v.u.o : NULL;
  out->list.items = NULL;
  out->list.n = 0;
  if (missing(c)) return 0;
  if (o && o->kind == ES_PKL_O_TUPLE)
    return str_items(a, ((const es_pkl_tuple *)o)->items, NULL, ((const es_pkl_tuple *)o)->n, out,
                     err);
  if (o && o->kind == ES_PKL_O_LIST)
    return str_items(a, NULL, (const es_pkl_list *)o, ((const es_pkl_list *)o)->n, out, err);
  if (o && o->kind == ES_PKL_O_ARRAY && ((const es_pkl_array *)o)->ndim == 1) {
    const es_pkl_array *arr = (const es_pkl_array *)o;
    es_pkl_array tmp;
    if (arr->dt->kind == 'O') return str_items(a, NULL, arr->items, arr->items->n, out, err);
    if (arr->dt->kind == 'U')
      return (arr = cell_array(a, arr, &tmp, err)) ? ucs4_items(a, arr, out, err) : err->code;
  }
  return wrong(c, "a list of str", err);
}

/* ---- vectors: float32(value), bit for bit ---- */

static int number_item(const es_pkl_val *v, size_t i, float *out, es_error *err) {
  if (v->tag == ES_PKL_V_FLOATP)
    *out = (float)es_pkl_floatp(v->u.p);
  else if (v->tag == ES_PKL_V_FLOAT)
    *out = (float)v->u.f;
  else if (v->tag == ES_PKL_V_INT)
    *out = (float)v->u.i;
  else
    return es_pkl_fail(err, "vector item %zu is a %s, not a number", i, es_pkl_val_type(v));
  return 0;
}

static int vec_alloc(pkl_out *a, size_t n, es_value *out, es_error *err) {
  if (n > ES_DIM_MAX) return es_pkl_fail(err, "vector has %zu values, more than %d", n, ES_DIM_MAX);
  if (charge(a, (uint64_t)n * sizeof(float), err)) return err->code;
  if (!(out->vec.v = es_arena_alloc(a->arena, n * sizeof(float)))) return es_pkl_no_memory(err);
  out->vec.n = n;
  return 0;
}

static int vec_items(pkl_out *a, const es_pkl_val *items, const es_pkl_list *l, size_t n,
                     es_value *out, es_error *err) {
  size_t i, r, k;
  int rc = vec_alloc(a, n, out, err);
  if (rc) return rc;
  if (l && !l->items) { /* float runs: big-endian doubles 9 bytes apart */
    for (r = 0, i = 0; r < l->nruns; r++)
      for (k = 0; k < l->runs[r].n; k++)
        out->vec.v[i++] = (float)es_pkl_floatp(l->runs[r].p + 9 * k);
    return 0;
  }
  for (i = 0; i < n; i++)
    if ((rc = number_item(items ? &items[i] : &l->items[i], i, &out->vec.v[i], err))) return rc;
  return 0;
}

static int vec_strided(pkl_out *a, const es_pkl_dtype *dt, const uint8_t *p, uint64_t n,
                       uint64_t stride, es_value *out, es_error *err) {
  uint64_t i;
  int rc;
  if (dt->kind != 'f' && dt->kind != 'i' && dt->kind != 'u')
    return es_pkl_fail(err, "a vector of numpy %c", dt->kind);
  if ((rc = vec_alloc(a, n > SIZE_MAX ? SIZE_MAX : (size_t)n, out, err))) return rc;
  if (dt->kind == 'f' && dt->size == 4 && stride == 4 && !es_pkl_elem_swapped(dt)) {
    memcpy(out->vec.v, p, n * 4); /* float32 as stored */
    return 0;
  }
  for (i = 0; i < n; i++) out->vec.v[i] = es_pkl_elem_float32(dt, p + i * stride);
  return 0;
}

static int vec_gather(pkl_out *a, const es_pkl_col *col, uint64_t r, es_value *out, es_error *err) {
  const es_pkl_dtype *dt = col->cdt;
  size_t j, n = col->ncomps;
  float *v;
  int rc = vec_alloc(a, n, out, err);
  if (rc) return rc;
  v = out->vec.v;
  if (dt && dt->kind == 'f' && dt->size == 4 && !es_pkl_elem_swapped(dt)) {
    for (j = 0; j < n; j++) memcpy(&v[j], col->cbase[j] + r * col->cstride[j], 4);
  } else if (dt && dt->kind == 'f' && dt->size == 8 && !es_pkl_elem_swapped(dt)) {
    for (j = 0; j < n; j++) {
      double d;
      memcpy(&d, col->cbase[j] + r * col->cstride[j], 8);
      v[j] = (float)d;
    }
  } else {
    for (j = 0; j < n; j++)
      v[j] = es_pkl_elem_float32(col->comps[j].a->dt, col->cbase[j] + r * col->cstride[j]);
  }
  return 0;
}

static int to_vector(pkl_out *a, const es_pkl_cell *c, es_value *out, es_error *err) {
  const es_pkl_obj *o = c->kind == ES_PKL_CELL_VAL && c->v.tag == ES_PKL_V_OBJ ? c->v.u.o : NULL;
  if (c->kind == ES_PKL_CELL_STRIDED) return vec_strided(a, c->dt, c->p, c->n, c->stride, out, err);
  if (c->kind == ES_PKL_CELL_GATHER) return vec_gather(a, c->col, c->row, out, err);
  if (o && o->kind == ES_PKL_O_TUPLE)
    return vec_items(a, ((const es_pkl_tuple *)o)->items, NULL, ((const es_pkl_tuple *)o)->n, out,
                     err);
  if (o && o->kind == ES_PKL_O_LIST)
    return vec_items(a, NULL, (const es_pkl_list *)o, ((const es_pkl_list *)o)->n, out, err);
  if (o && o->kind == ES_PKL_O_ARRAY && ((const es_pkl_array *)o)->ndim == 1) {
    const es_pkl_array *arr = (const es_pkl_array *)o;
    es_pkl_array tmp;
    if (arr->dt->kind == 'O') return vec_items(a, NULL, arr->items, arr->items->n, out, err);
    if (!(arr = cell_array(a, arr, &tmp, err))) return err->code;
    return vec_strided(a, arr->dt, arr->data, arr->shape[0], arr->dt->size, out, err);
  }
  return wrong(c, "a list or array of numbers", err);
}

/* The key and the vector must be there: a null would store an empty key or drop the row's point. */
static int required(const es_domain *d, size_t f, const es_pkl_cell *c, es_error *err) {
  if ((f != d->key && f != d->vector) || !missing(c)) return 0;
  return es_pkl_fail(err, "null (None, NaN or pandas.NA), but the %s must be present",
                     f == d->key ? "key" : "vector");
}

int es_pkl_row_fill(const es_pkl_table *t, const es_domain *d, uint64_t r, es_value *row,
                    es_arena *arena, uint64_t *left, es_error *err) {
  pkl_out o = {arena, left}, *a = &o;
  size_t f;
  es_pkl_cell c;
  int rc;
  for (f = 0; f < d->nfields; f++) {
    rc = es_pkl_table_cell(t, f, r, &c, err);
    if (!rc) rc = required(d, f, &c, err);
    if (!rc) switch (d->fields[f].type) {
      case ES_T_TEXT: rc = to_text(a, &c, &row[f].s, err); break;
      case ES_T_INT: rc = to_int(&c, &row[f].i, err); break;
      case ES_T_STRLIST: rc = to_strlist(a, &c, &row[f], err); break;
      case ES_T_VECTOR: rc = to_vector(a, &c, &row[f], err); break;
      default: rc = es_err_set(err, ES_EINTERNAL, "unknown field type");
      }
    if (rc)
      return es_err_prefix(err, "row index %llu: field '%s': ", (unsigned long long)r,
                           d->fields[f].name);
  }
  return 0;
}
