/* pickle_cell.c - fetching one cell of a table (block element, list item, dict value, category). */
#include <stdlib.h>
#include <string.h>

#include "load/pickle_np.h"
#include "load/pickle_table.h"

static es_pval seq_item(const es_pcol *c, uint64_t r) {
  return c->items ? c->items[r] : es_plist_get(c->list, (size_t)r);
}

/* Element r of a column reference: (k, r) of a block or r of a 1-D array. */
static void ref_cell(const es_pref *ref, uint64_t r, es_pcell *out) {
  const es_parray *a = ref->a;
  uint64_t i = ref->block ? ref->k : r, j = ref->block ? r : 0;
  if (a->dt->kind == 'O') {
    out->kind = ES_CELL_VAL;
    out->v = es_pnp_cell2(a, i, j);
  } else {
    out->kind = ES_CELL_NUM;
    out->dt = a->dt;
    out->p = es_pnp_elem2(a, i, j);
  }
}

static int cat_cell(const es_pcol *c, uint64_t r, es_pcell *out, es_error *err) {
  int64_t code;
  int nan;
  ref_cell(&c->ref, r, out);
  if (es_pnp_int(out->dt, out->p, &code, &nan))
    return es_err_set(err, ES_EINVAL, "bad category code");
  if (code < 0) {
    out->kind = ES_CELL_MISSING;
    return 0;
  }
  if ((uint64_t)code >= c->aux.a->shape[0])
    return es_err_set(err, ES_EINVAL, "category code %lld is out of range", (long long)code);
  ref_cell(&c->aux, (uint64_t)code, out);
  return 0;
}

/* Which pair of the dict holds each field (the last of equal keys, as in Python); built once
   per dict object, so a dict shared by many rows is not searched again for each. */
static const int64_t *dict_fields(const es_ptable *t, es_pdict *d, es_error *err) {
  size_t f, i;
  if (d->fmap) return d->fmap;
  if (!(d->fmap = malloc(t->nfields * sizeof(int64_t)))) {
    es_err_set(err, ES_ENOMEM, "out of memory");
    return NULL;
  }
  for (f = 0; f < t->nfields; f++) d->fmap[f] = -1;
  for (i = 0; i < d->n; i++)
    for (f = 0; f < t->nfields; f++)
      if (es_pval_is_str(&d->kv[2 * i], t->names[f])) d->fmap[f] = (int64_t)i;
  return d->fmap;
}

static int dict_cell(const es_ptable *t, size_t f, uint64_t r, es_pcell *out, es_error *err) {
  es_pval row = seq_item(&t->cols[f], r);
  es_pdict *d = (es_pdict *)es_pval_obj(&row, ES_PO_DICT);
  const int64_t *map;
  if (!d) return es_err_set(err, ES_EINVAL, "the row is a %s, not a dict", es_pval_type(&row));
  if (!(map = dict_fields(t, d, err))) return err->code;
  if (map[f] < 0) {
    if (f == t->key || f == t->vector) return es_err_set(err, ES_EINVAL, "missing");
    out->kind = ES_CELL_MISSING;
    return 0;
  }
  out->kind = ES_CELL_VAL;
  out->v = d->kv[2 * map[f] + 1];
  return 0;
}

static void rows2d_cell(const es_pref *ref, uint64_t r, es_pcell *out) {
  const es_parray *a = ref->a;
  uint64_t size = a->dt->size;
  out->kind = ES_CELL_STRIDED;
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

int es_ptable_cell(const es_ptable *t, size_t f, uint64_t r, es_pcell *out, es_error *err) {
  const es_pcol *c = &t->cols[f];
  memset(out, 0, sizeof(*out));
  switch (c->kind) {
  case ES_PC_ARRAY: ref_cell(&c->ref, r, out); return 0;
  case ES_PC_LIST: out->kind = ES_CELL_VAL; out->v = seq_item(c, r); return 0;
  case ES_PC_CAT: return cat_cell(c, r, out, err);
  case ES_PC_MASKED: {
    es_pcell m;
    ref_cell(&c->aux, r, &m);
    if (*m.p) {
      out->kind = ES_CELL_MISSING;
      return 0;
    }
    ref_cell(&c->ref, r, out);
    return 0;
  }
  case ES_PC_VCOLS:
    out->kind = ES_CELL_GATHER;
    out->col = c;
    out->row = r;
    out->n = c->ncomps;
    return 0;
  case ES_PC_ROWS2D: rows2d_cell(&c->ref, r, out); return 0;
  case ES_PC_DICTS: return dict_cell(t, f, r, out, err);
  default: return es_err_set(err, ES_EINTERNAL, "bad column kind");
  }
}

/* The file bytes a value points at, for dropping pages behind it. */
static const uint8_t *val_addr(const es_pval *v) {
  const es_pobj *o;
  if (v->tag == ES_PV_STR) return (const uint8_t *)v->u.s;
  if (v->tag == ES_PV_FLOATP) return v->u.p;
  if (v->tag != ES_PV_OBJ) return NULL;
  o = v->u.o;
  if (o->kind == ES_PO_ARRAY) return ((const es_parray *)o)->data;
  if (o->kind == ES_PO_BYTES) return ((const es_pbytes *)o)->p;
  if (o->kind == ES_PO_LIST && ((const es_plist *)o)->nruns) return ((const es_plist *)o)->runs[0].p;
  return NULL;
}

size_t es_ptable_addrs(const es_ptable *t, size_t f, uint64_t r, const uint8_t **out, size_t max) {
  const es_pcol *c = &t->cols[f];
  es_pcell cell;
  size_t j;
  if (!max || r >= t->nrows) return 0;
  if (c->kind == ES_PC_VCOLS) {
    for (j = 0; j < c->ncomps && j < max; j++) out[j] = c->cbase[j] + r * c->cstride[j];
    return j;
  }
  if (c->kind == ES_PC_ROWS2D) {
    rows2d_cell(&c->ref, r, &cell);
    if (cell.stride == cell.dt->size) {
      out[0] = cell.p;
      return 1;
    }
    for (j = 0; j < cell.n && j < max; j++) out[j] = cell.p + j * cell.stride;
    return j;
  }
  if (c->kind == ES_PC_DICTS) {
    es_pval row = seq_item(c, r);
    es_pdict *d = (es_pdict *)es_pval_obj(&row, ES_PO_DICT);
    if (!d || !d->fmap || d->fmap[f] < 0) return 0;
    out[0] = val_addr(&d->kv[2 * d->fmap[f] + 1]);
    return out[0] != NULL;
  }
  if (c->kind == ES_PC_LIST) {
    es_pval v = seq_item(c, r);
    out[0] = val_addr(&v);
    return out[0] != NULL;
  }
  if (c->kind == ES_PC_MASKED || c->kind == ES_PC_CAT || c->kind == ES_PC_ARRAY) {
    ref_cell(&c->ref, r, &cell);
    out[0] = cell.kind == ES_CELL_NUM ? cell.p : val_addr(&cell.v);
    return out[0] != NULL;
  }
  return 0;
}
