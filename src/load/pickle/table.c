/* table.c - finds the domain's fields in the graph: DataFrame blocks, dict of lists, list of dicts.
 */
#include "load/pickle/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/pickle/elem.h"
#include "load/pickle/fail.h"
#include "load/pickle/globals.h"
#include "load/pickle/match.h"
#include "load/pickle/np.h"

/* Items of a tuple or list value (a list may hold float runs: then items is NULL and l is set). */
static int seq(const es_pkl_val *v, const es_pkl_val **items, const es_pkl_list **l, size_t *n) {
  const es_pkl_obj *o = v->tag == ES_PKL_V_OBJ ? v->u.o : NULL;
  *items = NULL;
  *l = NULL;
  if (o && o->kind == ES_PKL_O_TUPLE) {
    *items = ((const es_pkl_tuple *)o)->items;
    *n = ((const es_pkl_tuple *)o)->n;
    return 0;
  }
  if (o && o->kind == ES_PKL_O_LIST) {
    *l = (const es_pkl_list *)o;
    *n = (*l)->n;
    return 0;
  }
  return -1;
}

static es_pkl_val seq_get(const es_pkl_val *items, const es_pkl_list *l, size_t i) {
  return items ? items[i] : es_pkl_list_get(l, i);
}

static const es_pkl_val *dict_get(const es_pkl_val *v, const char *key) {
  const es_pkl_dict *d = (const es_pkl_dict *)es_pkl_val_obj(v, ES_PKL_O_DICT);
  return d ? es_pkl_dict_get(d, key) : NULL;
}

static const es_pkl_array *array_1d(const es_pkl_val *v) {
  const es_pkl_array *a = (const es_pkl_array *)es_pkl_val_obj(v, ES_PKL_O_ARRAY);
  return a && a->built && a->ndim == 1 ? a : NULL;
}

/* ---- pandas indexes ---- */

static int range_len(const es_pkl_val *state, uint64_t *n, es_error *err) {
  const es_pkl_val *s = dict_get(state, "start"), *e = dict_get(state, "stop"),
                   *st = dict_get(state, "step");
  int64_t a, b, step;
  uint64_t span, ustep;
  if (!s || !e || !st || s->tag != ES_PKL_V_INT || e->tag != ES_PKL_V_INT ||
      st->tag != ES_PKL_V_INT || !st->u.i)
    return es_pkl_fail(err, "a RangeIndex without int start, stop and step");
  a = s->u.i;
  b = e->u.i;
  step = st->u.i;
  if (step > 0) {
    span = a < b ? (uint64_t)b - (uint64_t)a : 0;
    ustep = (uint64_t)step;
  } else {
    span = a > b ? (uint64_t)a - (uint64_t)b : 0;
    ustep = (uint64_t)(-(step + 1)) + 1;
  }
  *n = span / ustep + (span % ustep != 0);
  return 0;
}

/* An Index's length; labels (for columns) is its data array, or NULL for a RangeIndex. */
static int index_info(const es_pkl_val *idx, uint64_t *n, const es_pkl_array **labels,
                      const es_pkl_val **name, es_error *err) {
  const es_pkl_inst *in = (const es_pkl_inst *)es_pkl_val_obj(idx, ES_PKL_O_INST);
  const es_pkl_val *data;
  *labels = NULL;
  *name = NULL;
  if (!in || !in->built ||
      (in->cls != ES_PKL_G_INDEX && in->cls != ES_PKL_G_INT64INDEX &&
       in->cls != ES_PKL_G_RANGEINDEX))
    return es_pkl_fail(err, "a DataFrame axis is a %s, not a pandas Index", es_pkl_val_type(idx));
  *name = dict_get(&in->state, "name");
  if (in->cls == ES_PKL_G_RANGEINDEX) return range_len(&in->state, n, err);
  data = dict_get(&in->state, "data");
  if (!data || !(*labels = array_1d(data)))
    return es_pkl_fail(err, "a pandas Index without 1-D data");
  *n = (*labels)->shape[0];
  return 0;
}

/* ---- pandas blocks ---- */

typedef struct colsrc {
  const es_pkl_val *values; /* a block's values: ndarray or extension array instance */
  uint64_t k;
  int block;
} colsrc;

static int placement(es_pkl_vm *vm, const es_pkl_val *pl, uint64_t ncols, uint64_t **pos,
                     uint64_t *npos, es_error *err) {
  const es_pkl_slice *s = (const es_pkl_slice *)es_pkl_val_obj(pl, ES_PKL_O_SLICE);
  const es_pkl_array *a = array_1d(pl);
  uint64_t i, n;
  int rc;
  *pos = NULL;
  if (a && (rc = es_pkl_np_decode_array(&vm->heap, (es_pkl_array *)a, err))) return rc;
  if (s) {
    int64_t start = s->has_start ? s->start : 0, step = s->has_step ? s->step : 1;
    if (!s->has_stop || start < 0 || s->stop < start || step < 1)
      return es_pkl_fail(err, "a block placement slice outside the DataFrame's columns");
    n = ((uint64_t)(s->stop - start) + (uint64_t)step - 1) / (uint64_t)step;
    /* pandas may write a stop past the last column (slice(1, 5, 2) over 4 columns is 1 and 3):
       what must lie inside is the last position, start + (n - 1) * step (< stop, no overflow). */
    if (n && (uint64_t)start + (n - 1) * (uint64_t)step >= ncols)
      return es_pkl_fail(err, "a block placement slice outside the DataFrame's columns");
    if (!(*pos = malloc((n ? n : 1) * sizeof(uint64_t)))) return es_pkl_no_memory(err);
    for (i = 0; i < n; i++) (*pos)[i] = (uint64_t)start + i * (uint64_t)step;
  } else if (a && (a->dt->kind == 'i' || a->dt->kind == 'u')) {
    n = a->shape[0];
    if (n > ncols) return es_pkl_fail(err, "a block placement with more entries than columns");
    if (!(*pos = malloc((n ? n : 1) * sizeof(uint64_t)))) return es_pkl_no_memory(err);
    for (i = 0; i < n; i++) {
      int64_t v;
      int nan;
      if (es_pkl_elem_int(a->dt, es_pkl_array_elem(a, i, 0), &v, &nan) || v < 0 ||
          (uint64_t)v >= ncols) {
        free(*pos);
        *pos = NULL;
        return es_pkl_fail(err, "a block placement outside the DataFrame's columns");
      }
      (*pos)[i] = (uint64_t)v;
    }
  } else {
    return es_pkl_fail(err, "a block placement is a %s", es_pkl_val_type(pl));
  }
  *npos = n;
  return 0;
}

/* Rows in an extension array (Categorical, StringArray, IntegerArray), or -1. */
static int ext_len(const es_pkl_inst *in, uint64_t *n) {
  const es_pkl_tuple *t = (const es_pkl_tuple *)es_pkl_val_obj(&in->state, ES_PKL_O_TUPLE);
  const es_pkl_array *a = NULL;
  if (!in->built) return -1;
  if ((in->cls == ES_PKL_G_CATEGORICAL || in->cls == ES_PKL_G_STRINGARRAY) && t && t->n >= 2)
    a = array_1d(&t->items[1]);
  if (in->cls == ES_PKL_G_INTEGERARRAY) {
    const es_pkl_val *d = dict_get(&in->state, "_data");
    a = d ? array_1d(d) : NULL;
  }
  if (!a) return -1;
  *n = a->shape[0];
  return 0;
}

static int check_block(const es_pkl_val *values, uint64_t npos, uint64_t nrows, es_error *err) {
  const es_pkl_array *a = (const es_pkl_array *)es_pkl_val_obj(values, ES_PKL_O_ARRAY);
  const es_pkl_inst *in = (const es_pkl_inst *)es_pkl_val_obj(values, ES_PKL_O_INST);
  uint64_t n;
  if (a && a->built && a->ndim == 2 && a->shape[0] == npos && a->shape[1] == nrows) return 0;
  if (a && a->built && a->ndim == 1 && npos == 1 && a->shape[0] == nrows) return 0;
  if (in && npos == 1 && !ext_len(in, &n) && n == nrows) return 0;
  return es_pkl_fail(err, "a block (%s) does not match its %llu columns x %llu rows",
                     es_pkl_val_type(values), (unsigned long long)npos, (unsigned long long)nrows);
}

static int place_blocks(es_pkl_vm *vm, const es_pkl_val *blocks, uint64_t ncols, uint64_t nrows,
                        colsrc *srcs, es_error *err) {
  const es_pkl_val *items;
  const es_pkl_list *l;
  size_t nb, b;
  int rc = 0;
  if (seq(blocks, &items, &l, &nb))
    return es_pkl_fail(err, "BlockManager blocks are a %s", es_pkl_val_type(blocks));
  for (b = 0; b < nb && !rc; b++) {
    es_pkl_val bv = seq_get(items, l, b);
    const es_pkl_inst *in = (const es_pkl_inst *)es_pkl_val_obj(&bv, ES_PKL_O_INST);
    const es_pkl_tuple *args =
        in ? (const es_pkl_tuple *)es_pkl_val_obj(&in->args, ES_PKL_O_TUPLE) : NULL;
    uint64_t *pos = NULL, npos = 0, i;
    if (!in || in->cls != ES_PKL_G_UNPICKLE_BLOCK || !args || args->n < 2)
      return es_pkl_fail(err, "a BlockManager block is a %s", es_pkl_val_type(&bv));
    if ((rc = placement(vm, &args->items[1], ncols, &pos, &npos, err))) return rc;
    rc = check_block(&args->items[0], npos, nrows, err);
    for (i = 0; i < npos && !rc; i++) {
      if (srcs[pos[i]].values) {
        rc = es_pkl_fail(err, "two blocks place the same column");
        break;
      }
      srcs[pos[i]].values = &args->items[0];
      srcs[pos[i]].k = i;
      srcs[pos[i]].block = es_pkl_val_obj(&args->items[0], ES_PKL_O_ARRAY) &&
                           ((const es_pkl_array *)args->items[0].u.o)->ndim == 2;
    }
    free(pos);
  }
  return rc;
}

/* ---- one column from a block or an extension array ---- */

static int col_cat(const es_pkl_inst *in, es_pkl_col *c, es_error *err) {
  const es_pkl_tuple *t = (const es_pkl_tuple *)es_pkl_val_obj(&in->state, ES_PKL_O_TUPLE);
  const es_pkl_inst *dt =
      t && t->n >= 2 ? (const es_pkl_inst *)es_pkl_val_obj(&t->items[0], ES_PKL_O_INST) : NULL;
  const es_pkl_val *cats =
      dt && dt->cls == ES_PKL_G_CATDTYPE ? dict_get(&dt->state, "categories") : NULL;
  const es_pkl_array *codes = t && t->n >= 2 ? array_1d(&t->items[1]) : NULL, *labels;
  const es_pkl_val *name;
  uint64_t n;
  int rc;
  if (!codes || !cats || (codes->dt->kind != 'i' && codes->dt->kind != 'u'))
    return es_pkl_fail(err, "a Categorical without integer codes and categories");
  if ((rc = index_info(cats, &n, &labels, &name, err))) return rc;
  if (!labels) return es_pkl_fail(err, "a Categorical whose categories are a RangeIndex");
  c->kind = ES_PKL_C_CAT;
  c->ref.a = codes;
  c->aux.a = labels;
  return 0;
}

static int col_masked(const es_pkl_inst *in, es_pkl_col *c, es_error *err) {
  const es_pkl_val *d = dict_get(&in->state, "_data"), *m = dict_get(&in->state, "_mask");
  const es_pkl_array *data = d ? array_1d(d) : NULL, *mask = m ? array_1d(m) : NULL;
  if (!data || !mask || mask->dt->kind != 'b' || mask->shape[0] != data->shape[0] ||
      data->dt->kind == 'O')
    return es_pkl_fail(err, "an IntegerArray without _data and _mask arrays");
  c->kind = ES_PKL_C_MASKED;
  c->ref.a = data;
  c->aux.a = mask;
  return 0;
}

static int col_from_values(const colsrc *s, es_pkl_col *c, es_error *err) {
  const es_pkl_inst *in = (const es_pkl_inst *)es_pkl_val_obj(s->values, ES_PKL_O_INST);
  memset(c, 0, sizeof(*c));
  if (es_pkl_val_obj(s->values, ES_PKL_O_ARRAY)) {
    c->kind = ES_PKL_C_ARRAY;
    c->ref.a = (const es_pkl_array *)s->values->u.o;
    c->ref.k = s->k;
    c->ref.block = s->block;
    return 0;
  }
  if (in && in->cls == ES_PKL_G_CATEGORICAL) return col_cat(in, c, err);
  if (in && in->cls == ES_PKL_G_INTEGERARRAY) return col_masked(in, c, err);
  if (in && in->cls == ES_PKL_G_STRINGARRAY) {
    const es_pkl_tuple *t = (const es_pkl_tuple *)es_pkl_val_obj(&in->state, ES_PKL_O_TUPLE);
    c->kind = ES_PKL_C_ARRAY;
    c->ref.a = t && t->n >= 2 ? array_1d(&t->items[1]) : NULL;
    if (c->ref.a && c->ref.a->dt->kind == 'O') return 0;
  }
  return es_pkl_fail(err, "a column holds a %s, which is not supported",
                     es_pkl_val_type(s->values));
}

/* "<vector>_<j>" (no leading zeros, j below ES_DIM_MAX): j, or -1 for any other label. */
static int64_t vector_label(const es_pkl_val *v, const char *vname) {
  size_t vl = strlen(vname), i;
  int64_t j = 0;
  if (v->tag != ES_PKL_V_STR || v->len < vl + 2 || v->len > vl + 6 || memcmp(v->u.s, vname, vl) ||
      v->u.s[vl] != '_')
    return -1;
  if (v->u.s[vl + 1] == '0' && v->len > vl + 2) return -1;
  for (i = vl + 1; i < v->len; i++) {
    if (v->u.s[i] < '0' || v->u.s[i] > '9') return -1;
    j = j * 10 + (v->u.s[i] - '0');
  }
  return j;
}

static int numeric_src(const colsrc *s) {
  const es_pkl_array *a =
      s->values ? (const es_pkl_array *)es_pkl_val_obj(s->values, ES_PKL_O_ARRAY) : NULL;
  return a && a->dt->kind != 'O' && a->dt->kind != 'U';
}

static int same_dtype(const es_pkl_dtype *a, const es_pkl_dtype *b) {
  return a->kind == b->kind && a->size == b->size && a->order == b->order;
}

/* Where each component's column starts and how far apart its rows are, computed once so a
   row's vector is a strided gather. */
static int component_strides(es_pkl_col *c, es_error *err) {
  size_t j;
  if (!(c->cbase = calloc(c->ncomps, sizeof(*c->cbase))) ||
      !(c->cstride = calloc(c->ncomps, sizeof(*c->cstride))))
    return es_pkl_no_memory(err);
  c->cdt = c->comps[0].a->dt;
  for (j = 0; j < c->ncomps; j++) {
    const es_pkl_ref *r = &c->comps[j];
    uint64_t size = r->a->dt->size;
    if (!r->block) {
      c->cbase[j] = r->a->data;
      c->cstride[j] = size;
    } else if (r->a->fortran) { /* (K, n) in column-major order: row r of column k at r*K + k */
      c->cbase[j] = r->a->data + r->k * size;
      c->cstride[j] = r->a->shape[0] * size;
    } else {
      c->cbase[j] = r->a->data + r->k * r->a->shape[1] * size;
      c->cstride[j] = size;
    }
    if (c->cdt && !same_dtype(c->cdt, r->a->dt)) c->cdt = NULL;
  }
  return 0;
}

/* vector_0 .. vector_{d-1}: the vector spread over numeric columns (one 2-D float block). */
static int vector_cols(const es_pkl_array *labels, uint64_t ncols, const colsrc *srcs,
                       const char *vname, es_pkl_col *c, es_error *err) {
  uint64_t p, d = 0;
  size_t j;
  for (p = 0; p < ncols; p++) {
    es_pkl_val v = es_pkl_list_get(labels->items, (size_t)p);
    if (vector_label(&v, vname) >= 0) d++;
  }
  if (d > ES_DIM_MAX) return es_pkl_fail(err, "more than %d %s_N columns", ES_DIM_MAX, vname);
  memset(c, 0, sizeof(*c));
  if (!(c->comps = calloc(d, sizeof(es_pkl_ref)))) return es_pkl_no_memory(err);
  c->kind = ES_PKL_C_VCOLS;
  c->ncomps = d;
  for (p = 0; p < ncols; p++) {
    es_pkl_val v = es_pkl_list_get(labels->items, (size_t)p);
    int64_t k = vector_label(&v, vname);
    if (k < 0) continue;
    if ((uint64_t)k >= d)
      return es_pkl_fail(err, "column '%s_%lld': there are only %llu %s_N columns", vname,
                         (long long)k, (unsigned long long)d, vname);
    if (c->comps[k].a)
      return es_pkl_fail(err, "column '%s_%lld' appears twice", vname, (long long)k);
    if (!numeric_src(&srcs[p]))
      return es_pkl_fail(err, "column '%s_%lld' is not numeric", vname, (long long)k);
    c->comps[k].a = (const es_pkl_array *)srcs[p].values->u.o;
    c->comps[k].k = srcs[p].k;
    c->comps[k].block = srcs[p].block;
  }
  for (j = 0; j < d; j++)
    if (!c->comps[j].a) return es_pkl_fail(err, "column '%s_%zu' is missing", vname, j);
  return 0;
}

/* ---- the file's columns, as names the domain's fields are matched against ---- */

/* Where a name's cells come from, besides a DataFrame column position. */
#define SRC_VECTOR (-1) /* vector_0 .. vector_N together: the vector field */
#define SRC_INDEX (-2)  /* the row index, named like a field (df.set_index('id')) */

typedef struct filecols {
  es_colname *names; /* in file order */
  int64_t *src;      /* per name: DataFrame column position, SRC_VECTOR, SRC_INDEX, or dict pair */
  int *field;        /* per name: the domain field, or -1 when dropped (es_columns_match) */
  size_t n;
  /* A DataFrame: */
  es_pkl_val cols, rows;      /* its two axes */
  const es_pkl_array *labels; /* the column labels (NULL: a RangeIndex) */
  uint64_t ncols;
  colsrc *srcs; /* per column: its block */
  /* A dict of lists: the dict. */
  es_pkl_dict *dict;
  /* A list of dicts: the first row, whose keys are the columns. */
  es_pkl_dict *row0;
} filecols;

static int alloc_names(es_pkl_heap *h, filecols *fc, uint64_t cap, es_error *err) {
  if (cap > SIZE_MAX / sizeof(es_colname)) return es_pkl_over_budget(err);
  fc->names = es_pkl_alloc(h, (size_t)cap * sizeof(*fc->names));
  fc->src = es_pkl_alloc(h, (size_t)cap * sizeof(*fc->src));
  fc->field = es_pkl_alloc(h, (size_t)cap * sizeof(*fc->field));
  fc->n = 0;
  return fc->names && fc->src && fc->field ? 0 : es_pkl_over_budget(err);
}

static int has_name(const filecols *fc, const char *s) {
  size_t i, n = strlen(s);
  for (i = 0; i < fc->n; i++)
    if (fc->names[i].n == n && !memcmp(fc->names[i].s, s, n)) return 1;
  return 0;
}

/* Column label p as a name: a str as it is; anything else (numbers, NumPy str, a RangeIndex's
   positions) spelled out in graph memory, so an unknown column can be named in the message. */
static int label_name(es_pkl_heap *h, const filecols *fc, uint64_t p, es_colname *out,
                      es_error *err) {
  const es_pkl_array *a = fc->labels;
  es_pkl_val v = {.tag = ES_PKL_V_INT};
  char *buf;
  size_t n;
  if (a && a->dt->kind == 'O' && (v = es_pkl_list_get(a->items, (size_t)p)).tag == ES_PKL_V_STR) {
    *out = es_pkl_colname(&v, NULL);
    return 0;
  }
  if (!(buf = es_pkl_alloc(
            h, a && a->dt->kind == 'U' ? es_pkl_elem_ucs4_cap(a->dt) : ES_PKL_COLNAME_BUF)))
    return es_pkl_over_budget(err);
  if (a && a->dt->kind == 'U') {
    if (es_pkl_elem_ucs4(a->dt, es_pkl_array_elem(a, p, 0), buf, &n))
      return es_pkl_fail(err, "a column label is not valid UCS-4");
    out->s = buf;
    out->n = n;
    return 0;
  }
  if (a && a->dt->kind != 'O') {
    int nan;
    const uint8_t *e = es_pkl_array_elem(a, p, 0);
    if (a->dt->kind == 'f' || es_pkl_elem_int(a->dt, e, &v.u.i, &nan)) {
      v.tag = ES_PKL_V_FLOAT;
      v.u.f = es_pkl_elem_double(a->dt, e);
    }
  } else if (!a) { /* a RangeIndex: start + p * step, both checked by range_len */
    const es_pkl_inst *in = (const es_pkl_inst *)fc->cols.u.o;
    v.u.i = (int64_t)((uint64_t)dict_get(&in->state, "start")->u.i +
                      p * (uint64_t)dict_get(&in->state, "step")->u.i);
  }
  *out = es_pkl_colname(&v, buf);
  return 0;
}

/* The row index counts as the column of a field no column gives, when it is named so. */
static void add_index(filecols *fc, uint64_t nrows, const es_domain *d) {
  const es_pkl_array *labels;
  const es_pkl_val *iname;
  uint64_t n;
  es_error ignore;
  size_t f;
  if (index_info(&fc->rows, &n, &labels, &iname, &ignore) || !labels || n != nrows || !iname)
    return;
  for (f = 0; f < d->nfields; f++)
    if (es_pkl_val_is_str(iname, d->fields[f].name) && !has_name(fc, d->fields[f].name)) {
      fc->names[fc->n].s = iname->u.s;
      fc->names[fc->n].n = iname->len;
      fc->src[fc->n++] = SRC_INDEX;
      return;
    }
}

/* A DataFrame's column labels as names; vector_0 .. vector_N stand together for the vector. */
static int df_names(es_pkl_heap *h, const es_domain *d, uint64_t nrows, filecols *fc,
                    es_error *err) {
  const char *vname = d->fields[d->vector].name;
  const es_pkl_array *a = fc->labels;
  uint64_t p, nvec = 0;
  int rc;
  if (a && a->dt->kind != 'O' && (rc = es_pkl_np_decode_array(h, (es_pkl_array *)a, err)))
    return rc;
  if (fc->ncols > UINT64_MAX - 2 || (rc = alloc_names(h, fc, fc->ncols + 2, err)))
    return rc ? rc : es_pkl_over_budget(err);
  for (p = 0; p < fc->ncols; p++) {
    if (a && a->dt->kind == 'O') {
      es_pkl_val v = es_pkl_list_get(a->items, (size_t)p);
      if (vector_label(&v, vname) >= 0) {
        nvec++;
        continue;
      }
    }
    if ((rc = label_name(h, fc, p, &fc->names[fc->n], err))) return rc;
    fc->src[fc->n++] = (int64_t)p;
  }
  if (nvec && has_name(fc, vname))
    return es_pkl_fail(err,
                       "a '%s' column and %llu %s_N columns: only one of them may give the vector",
                       vname, (unsigned long long)nvec, vname);
  if (nvec) {
    fc->names[fc->n].s = vname;
    fc->names[fc->n].n = strlen(vname);
    fc->src[fc->n++] = SRC_VECTOR;
  }
  add_index(fc, nrows, d);
  return 0;
}

/* The matched DataFrame columns become the table's fields; the others are never read. */
static int df_fields(const es_domain *d, const filecols *fc, es_pkl_table *t, es_error *err) {
  size_t i;
  int rc = 0;
  for (i = 0; i < fc->n && !rc; i++) {
    int64_t src = fc->src[i];
    es_pkl_col *c;
    if (fc->field[i] < 0) continue;
    c = &t->cols[fc->field[i]];
    if (src == SRC_VECTOR) {
      rc = vector_cols(fc->labels, fc->ncols, fc->srcs, d->fields[d->vector].name, c, err);
    } else if (src == SRC_INDEX) {
      const es_pkl_val *iname;
      uint64_t n;
      memset(c, 0, sizeof(*c));
      c->kind = ES_PKL_C_ARRAY;
      rc = index_info(&fc->rows, &n, &c->ref.a, &iname, err);
    } else if (!fc->srcs[src].values) {
      rc = es_pkl_fail(err, "column '%s' is in no block", d->fields[fc->field[i]].name);
    } else {
      rc = col_from_values(&fc->srcs[src], c, err);
    }
  }
  return rc;
}

static int df_columns(es_pkl_vm *vm, const es_pkl_inst *df, const es_domain *d, es_pkl_table *t,
                      filecols *fc, es_error *err) {
  const es_pkl_val *mgr = dict_get(&df->state, "_mgr"), *axes_items, *labels_name;
  const es_pkl_inst *bm = mgr ? (const es_pkl_inst *)es_pkl_val_obj(mgr, ES_PKL_O_INST) : NULL;
  const es_pkl_tuple *args =
      bm ? (const es_pkl_tuple *)es_pkl_val_obj(&bm->args, ES_PKL_O_TUPLE) : NULL;
  const es_pkl_list *axes_list;
  const es_pkl_array *row_labels;
  size_t naxes;
  int rc;
  if (!bm || bm->cls != ES_PKL_G_BLOCKMANAGER || !args || args->n != 2)
    return es_pkl_fail(err,
                       "a DataFrame without a BlockManager (pickled by pandas other than 1.x?)");
  if (seq(&args->items[1], &axes_items, &axes_list, &naxes) || naxes != 2)
    return es_pkl_fail(err, "a BlockManager without 2 axes");
  fc->cols = seq_get(axes_items, axes_list, 0);
  fc->rows = seq_get(axes_items, axes_list, 1);
  if ((rc = index_info(&fc->rows, &t->nrows, &row_labels, &labels_name, err))) return rc;
  if ((rc = index_info(&fc->cols, &fc->ncols, &fc->labels, &labels_name, err))) return rc;
  if (fc->ncols > SIZE_MAX / sizeof(colsrc) ||
      !(fc->srcs = es_pkl_alloc(&vm->heap, (size_t)(fc->ncols ? fc->ncols : 1) * sizeof(colsrc))))
    return es_pkl_over_budget(err);
  memset(fc->srcs, 0, (size_t)(fc->ncols ? fc->ncols : 1) * sizeof(colsrc));
  if ((rc = place_blocks(vm, &args->items[0], fc->ncols, t->nrows, fc->srcs, err))) return rc;
  /* The graph lives as long as the table, so srcs (in its heap) may be pointed into. */
  return df_names(&vm->heap, d, t->nrows, fc, err);
}

/* ---- plain pickles ---- */

static int list_column(const es_pkl_val *v, const es_field *f, es_pkl_col *c, uint64_t *n,
                       es_error *err) {
  const es_pkl_array *a = (const es_pkl_array *)es_pkl_val_obj(v, ES_PKL_O_ARRAY);
  const es_pkl_inst *in = (const es_pkl_inst *)es_pkl_val_obj(v, ES_PKL_O_INST);
  size_t len;
  memset(c, 0, sizeof(*c));
  if (!seq(v, &c->items, &c->list, &len)) {
    c->kind = ES_PKL_C_LIST;
    *n = len;
    return 0;
  }
  if (a && a->built && a->ndim == 1) {
    c->kind = ES_PKL_C_ARRAY;
    c->ref.a = a;
    *n = a->shape[0];
    return 0;
  }
  if (a && a->built && a->ndim == 2 && f->type == ES_T_VECTOR && a->dt->kind != 'O' &&
      a->dt->kind != 'U') {
    c->kind = ES_PKL_C_ROWS2D;
    c->ref.a = a;
    *n = a->shape[0];
    return 0;
  }
  if (in) {
    colsrc s = {v, 0, 0};
    int rc = col_from_values(&s, c, err);
    if (!rc && ext_len(in, n))
      rc = es_pkl_fail(err, "column '%s' is an incomplete pandas array", f->name);
    return rc;
  }
  return es_pkl_fail(err, "column '%s' is a %s, not a list or array", f->name, es_pkl_val_type(v));
}

/* A dict of lists: its keys are the columns (src: the key's pair). */
static int dict_names(es_pkl_heap *h, es_pkl_dict *dict, filecols *fc, es_error *err) {
  size_t i;
  int rc;
  fc->dict = dict;
  if ((rc = alloc_names(h, fc, dict->n, err))) return rc;
  for (i = 0; i < dict->n; i++) {
    char *buf = dict->kv[2 * i].tag == ES_PKL_V_STR ? NULL : es_pkl_alloc(h, ES_PKL_COLNAME_BUF);
    if (dict->kv[2 * i].tag != ES_PKL_V_STR && !buf) return es_pkl_over_budget(err);
    fc->names[i] = es_pkl_colname(&dict->kv[2 * i], buf);
    fc->src[i] = (int64_t)i;
  }
  fc->n = dict->n;
  return 0;
}

static int dict_fields(const es_domain *d, const filecols *fc, es_pkl_table *t, es_error *err) {
  uint64_t count[ES_MAX_FIELDS] = {0};
  size_t i, f;
  int rc;
  for (i = 0; i < fc->n; i++) {
    if ((f = (size_t)fc->field[i]) >= d->nfields) continue; /* dropped (-1) */
    if ((rc = list_column(&fc->dict->kv[2 * fc->src[i] + 1], &d->fields[f], &t->cols[f], &count[f],
                          err)))
      return rc;
  }
  for (f = 1; f < d->nfields; f++)
    if (count[f] != count[0])
      return es_pkl_fail(err, "column '%s' has %llu values, '%s' has %llu", d->fields[f].name,
                         (unsigned long long)count[f], d->fields[0].name,
                         (unsigned long long)count[0]);
  t->nrows = d->nfields ? count[0] : 0;
  return 0;
}

/* A list (or tuple) of dicts: the first row's keys are the columns; every row's are matched when
   the row is read (es_pkl_match_dict). */
static int rows_names(const es_pkl_val *root, es_pkl_table *t, filecols *fc, es_error *err) {
  const es_pkl_val *items;
  const es_pkl_list *l;
  es_pkl_val row0;
  size_t f, n;
  seq(root, &items, &l, &n);
  for (f = 0; f < t->nfields; f++) {
    t->cols[f].kind = ES_PKL_C_DICTS;
    t->cols[f].items = items;
    t->cols[f].list = l;
  }
  t->nrows = n;
  t->dict_rows = 1;
  if (!n) return 0;
  row0 = seq_get(items, l, 0);
  if (!(fc->row0 = (es_pkl_dict *)es_pkl_val_obj(&row0, ES_PKL_O_DICT)))
    return es_pkl_fail(err, "row index 0 is a %s, not a dict", es_pkl_val_type(&row0));
  return 0;
}

/* Finds what the root is and the names of its columns (nothing is matched yet). */
static int find_columns(es_pkl_vm *vm, const es_domain *d, es_pkl_table *t, filecols *fc,
                        es_error *err) {
  const es_pkl_val *root = &vm->root, *items;
  const es_pkl_inst *in = (const es_pkl_inst *)es_pkl_val_obj(root, ES_PKL_O_INST);
  es_pkl_dict *dict = (es_pkl_dict *)es_pkl_val_obj(root, ES_PKL_O_DICT);
  const es_pkl_list *l;
  size_t n;
  if (in && in->cls == ES_PKL_G_DATAFRAME && in->built) return df_columns(vm, in, d, t, fc, err);
  if (dict) return dict_names(&vm->heap, dict, fc, err);
  if (!seq(root, &items, &l, &n)) return rows_names(root, t, fc, err);
  return es_pkl_fail(err,
                     "the pickle holds a %s, not a DataFrame, a dict of lists or a list of dicts",
                     es_pkl_val_type(root));
}

/* Every other row of a list of dicts must have the same fields: checked here, before any row comes
   out, rather than when the last row turns out short. A dict shared by many rows is matched once.
 */
static int match_rows(const es_pkl_table *t, es_error *err) {
  const es_pkl_col *c = &t->cols[0];
  char where[48];
  uint64_t r;
  int rc;
  for (r = 1; r < t->nrows; r++) {
    es_pkl_val row = c->items ? c->items[r] : es_pkl_list_get(c->list, (size_t)r);
    es_pkl_dict *d = (es_pkl_dict *)es_pkl_val_obj(&row, ES_PKL_O_DICT);
    if (!d)
      return es_pkl_fail(err, "row index %llu is a %s, not a dict", (unsigned long long)r,
                         es_pkl_val_type(&row));
    if (d->fmap) continue;
    snprintf(where, sizeof(where), "row index %llu", (unsigned long long)r);
    if ((rc = es_pkl_match_dict(t->domain, t->ignore_unknown, d, where, err))) return rc;
  }
  return 0;
}

/* The columns against the domain (load/columns.h): the message names the file itself. */
static int match_columns(const es_pkl_vm *vm, const es_domain *d, int ignore_unknown, filecols *fc,
                         es_error *err) {
  if (fc->row0) return es_pkl_match_dict(d, ignore_unknown, fc->row0, vm->name, err);
  if (!fc->names) return 0; /* an empty list of dicts: no columns, no rows */
  return es_columns_match(d, vm->name, fc->names, fc->n, ignore_unknown, fc->field, err);
}

/* Protocol 2 arrays whose elements are read by index are decoded once here (arrays that are
   whole cells, like a row's vector, are decoded row by row instead). */
static int decode_columns(es_pkl_vm *vm, es_pkl_table *t, es_error *err) {
  size_t f, j;
  int rc = 0;
  for (f = 0; f < t->nfields && !rc; f++) {
    es_pkl_col *c = &t->cols[f];
    if (c->ref.a) rc = es_pkl_np_decode_array(&vm->heap, (es_pkl_array *)c->ref.a, err);
    if (!rc && c->aux.a) rc = es_pkl_np_decode_array(&vm->heap, (es_pkl_array *)c->aux.a, err);
    for (j = 0; j < c->ncomps && !rc; j++)
      rc = es_pkl_np_decode_array(&vm->heap, (es_pkl_array *)c->comps[j].a, err);
    if (!rc && c->kind == ES_PKL_C_VCOLS) rc = component_strides(c, err);
  }
  return rc;
}

int es_pkl_table_build(es_pkl_vm *vm, const es_domain *d, int ignore_unknown, es_pkl_table *t,
                       es_error *err) {
  filecols fc;
  int rc, named = 0;
  memset(t, 0, sizeof(*t));
  memset(&fc, 0, sizeof(fc));
  if (d->nfields > ES_MAX_FIELDS)
    return es_err_set(err, ES_EINTERNAL, "domain has too many fields");
  t->nfields = d->nfields;
  t->domain = d;
  t->ignore_unknown = ignore_unknown;
  rc = find_columns(vm, d, t, &fc, err);
  if (!rc && (rc = match_columns(vm, d, ignore_unknown, &fc, err))) named = 1;
  if (!rc && t->dict_rows) rc = match_rows(t, err);
  if (!rc && fc.srcs) rc = df_fields(d, &fc, t, err);
  if (!rc && fc.dict) rc = dict_fields(d, &fc, t, err);
  if (!rc) rc = decode_columns(vm, t, err);
  /* Every real row costs the file at least a byte; more rows than bytes means zero-sized
     elements or a lying index, which would otherwise turn a tiny file into endless rows. */
  if (!rc && t->nrows > vm->len)
    rc =
        es_pkl_fail(err, "%llu rows in a file of %zu bytes", (unsigned long long)t->nrows, vm->len);
  if (rc) {
    if (!named) es_err_prefix(err, "%s: ", vm->name);
    es_pkl_table_free(t);
  }
  return rc;
}

void es_pkl_table_free(es_pkl_table *t) {
  size_t f;
  for (f = 0; f < ES_MAX_FIELDS; f++) {
    free(t->cols[f].comps);
    free(t->cols[f].cbase);
    free(t->cols[f].cstride);
    t->cols[f].comps = NULL;
    t->cols[f].cbase = NULL;
    t->cols[f].cstride = NULL;
  }
}
