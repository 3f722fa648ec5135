/* cell.c - fetching one cell of a table (block element, list item, dict value, category). */
#include "load/pickle/cell.h"

#include <stdlib.h>
#include <string.h>

#include "load/pickle/elem.h"
#include "load/pickle/fail.h"

static es_pkl_val seq_item(const es_pkl_col *c, uint64_t r) {
  return c->items ? c->items[r] : es_pkl_list_get(c->list, (size_t)r);
}

/* Element r of a column reference: (k, r) of a block or r of a 1-D array. */
static void ref_cell(const es_pkl_ref *ref, uint64_t r, es_pkl_cell *out) {
  const es_pkl_array *a = ref->a;
  uint64_t i = ref->block ? ref->k : r, j = ref->block ? r : 0;
  if (a->dt->kind == 'O') {
    out->kind = ES_PKL_CELL_VAL;
    out->v = es_pkl_array_cell(a, i, j);
  } else {
    out->kind = ES_PKL_CELL_NUM;
    out->dt = a->dt;
    out->p = es_pkl_array_elem(a, i, j);
  }
}

static int cat_cell(const es_pkl_col *c, uint64_t r, es_pkl_cell *out, es_error *err) {
  int64_t code;
  int nan;
  ref_cell(&c->ref, r, out);
  if (es_pkl_elem_int(out->dt, out->p, &code, &nan)) return es_pkl_fail(err, "bad category code");
  if (code < 0) {
    out->kind = ES_PKL_CELL_MISSING;
    return 0;
  }
  if ((uint64_t)code >= c->aux.a->shape[0])
    return es_pkl_fail(err, "category code %lld is out of range", (long long)code);
  ref_cell(&c->aux, (uint64_t)code, out);
  return 0;
}

static int dict_cell(const es_pkl_table *t, size_t f, uint64_t r, es_pkl_cell *out, es_error *err) {
  es_pkl_val row = seq_item(&t->cols[f], r);
  const es_pkl_dict *d = (const es_pkl_dict *)es_pkl_val_obj(&row, ES_PKL_O_DICT);
  /* es_pkl_table_build matched every row's dict to the fields. */
  if (!d || !d->fmap)
    return es_err_set(err, ES_EINTERNAL, "row index %llu was not matched", (unsigned long long)r);
  out->kind = ES_PKL_CELL_VAL;
  out->v = d->kv[2 * d->fmap[f] + 1];
  return 0;
}

static void rows2d_cell(const es_pkl_ref *ref, uint64_t r, es_pkl_cell *out) {
  const es_pkl_array *a = ref->a;
  uint64_t size = a->dt->size;
  out->kind = ES_PKL_CELL_STRIDED;
  out->dt = a->dt;
  out->n = a->shape[1];
  if (a->fortran) {
    out->p = a->data + r * size;
    out->stride = a->shape[0] * size;
  } else {
    out->p = a->data + r * a->shape[1] * size;
    out->stride = size;
  }
}

int es_pkl_table_cell(const es_pkl_table *t, size_t f, uint64_t r, es_pkl_cell *out,
                      es_error *err) {
  const es_pkl_col *c = &t->cols[f];
  memset(out, 0, sizeof(*out));
  switch (c->kind) {
  case ES_PKL_C_ARRAY: ref_cell(&c->ref, r, out); return 0;
  case ES_PKL_C_LIST:
    out->kind = ES_PKL_CELL_VAL;
    out->v = seq_item(c, r);
    return 0;
  case ES_PKL_C_CAT: return cat_cell(c, r, out, err);
  case ES_PKL_C_MASKED: {
    es_pkl_cell m;
    memset(&m, 0, sizeof(m));
    ref_cell(&c->aux, r, &m);
    /* The mask is a bool array (es_pkl_table_build checked): a number cell, never an object. */
    if (m.kind == ES_PKL_CELL_NUM && *m.p) {
      out->kind = ES_PKL_CELL_MISSING;
      return 0;
    }
    ref_cell(&c->ref, r, out);
    return 0;
  }
  case ES_PKL_C_VCOLS:
    out->kind = ES_PKL_CELL_GATHER;
    out->col = c;
    out->row = r;
    out->n = c->ncomps;
    return 0;
  case ES_PKL_C_ROWS2D: rows2d_cell(&c->ref, r, out); return 0;
  case ES_PKL_C_DICTS: return dict_cell(t, f, r, out, err);
  default: return es_err_set(err, ES_EINTERNAL, "bad column kind");
  }
}

/* The file bytes a value points at, for dropping pages behind it. */
static const uint8_t *val_addr(const es_pkl_val *v) {
  const es_pkl_obj *o;
  if (v->tag == ES_PKL_V_STR) return (const uint8_t *)v->u.s;
  if (v->tag == ES_PKL_V_FLOATP) return v->u.p;
  if (v->tag != ES_PKL_V_OBJ) return NULL;
  o = v->u.o;
  if (o->kind == ES_PKL_O_ARRAY) return ((const es_pkl_array *)o)->data;
  if (o->kind == ES_PKL_O_BYTES) return ((const es_pkl_bytes *)o)->p;
  if (o->kind == ES_PKL_O_LIST && ((const es_pkl_list *)o)->nruns)
    return ((const es_pkl_list *)o)->runs[0].p;
  return NULL;
}

size_t es_pkl_table_addrs(const es_pkl_table *t, size_t f, uint64_t r, const uint8_t **out,
                          size_t max) {
  const es_pkl_col *c = &t->cols[f];
  es_pkl_cell cell;
  size_t j;
  if (!max || r >= t->nrows) return 0;
  if (c->kind == ES_PKL_C_VCOLS) {
    for (j = 0; j < c->ncomps && j < max; j++) out[j] = c->cbase[j] + r * c->cstride[j];
    return j;
  }
  if (c->kind == ES_PKL_C_ROWS2D) {
    rows2d_cell(&c->ref, r, &cell);
    if (cell.stride == cell.dt->size) {
      out[0] = cell.p;
      return 1;
    }
    for (j = 0; j < cell.n && j < max; j++) out[j] = cell.p + j * cell.stride;
    return j;
  }
  if (c->kind == ES_PKL_C_DICTS) {
    es_pkl_val row = seq_item(c, r);
    es_pkl_dict *d = (es_pkl_dict *)es_pkl_val_obj(&row, ES_PKL_O_DICT);
    if (!d || !d->fmap || d->fmap[f] < 0) return 0;
    out[0] = val_addr(&d->kv[2 * d->fmap[f] + 1]);
    return out[0] != NULL;
  }
  if (c->kind == ES_PKL_C_LIST) {
    es_pkl_val v = seq_item(c, r);
    out[0] = val_addr(&v);
    return out[0] != NULL;
  }
  if (c->kind == ES_PKL_C_MASKED || c->kind == ES_PKL_C_CAT || c->kind == ES_PKL_C_ARRAY) {
    ref_cell(&c->ref, r, &cell);
    out[0] = cell.kind == ES_PKL_CELL_NUM ? cell.p : val_addr(&cell.v);
    return out[0] != NULL;
  }
  return 0;
}
