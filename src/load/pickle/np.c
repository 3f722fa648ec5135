/* np.c - what calling or building an allowlisted global makes: inert objects only. */
#include "load/pickle/np.h"

#include <string.h>

#include "load/pickle/elem.h"
#include "load/pickle/fail.h"
#include "load/pickle/globals.h"

/* What bytes() makes: an empty buffer that is still a valid pointer. */
static const uint8_t empty_bytes[1];

static int is_class(int g) {
  switch (g) {
  case ES_PKL_G_DATAFRAME:
  case ES_PKL_G_BLOCKMANAGER:
  case ES_PKL_G_INDEX:
  case ES_PKL_G_RANGEINDEX:
  case ES_PKL_G_INT64INDEX:
  case ES_PKL_G_CATEGORICAL:
  case ES_PKL_G_CATDTYPE:
  case ES_PKL_G_STRINGARRAY:
  case ES_PKL_G_STRINGDTYPE:
  case ES_PKL_G_INTEGERARRAY:
  case ES_PKL_G_INTDTYPE: return 1;
  default: return 0;
  }
}

static const es_pkl_tuple *tuple_n(const es_pkl_val *v, size_t min, size_t max) {
  const es_pkl_tuple *t = (const es_pkl_tuple *)es_pkl_val_obj(v, ES_PKL_O_TUPLE);
  return t && t->n >= min && t->n <= max ? t : NULL;
}

static int truthy(const es_pkl_val *v, int *out) {
  if (v->tag != ES_PKL_V_BOOL && v->tag != ES_PKL_V_INT) return -1;
  *out = v->u.i != 0;
  return 0;
}

/* ---- plain Python ---- */

static int slice_part(const es_pkl_val *v, int64_t *out, uint8_t *has) {
  if (v->tag == ES_PKL_V_NONE) return 0;
  if (v->tag != ES_PKL_V_INT) return -1;
  *out = v->u.i;
  *has = 1;
  return 0;
}

static int make_slice(es_pkl_heap *h, const es_pkl_tuple *a, es_pkl_val *out, es_error *err) {
  es_pkl_slice *s;
  const es_pkl_val *st = NULL, *sp, *stp = NULL;
  if (a->n < 1 || a->n > 3) return es_pkl_fail(err, "slice: needs 1 to 3 arguments");
  s = es_pkl_alloc(h, sizeof(*s));
  if (!s) return es_pkl_over_budget(err);
  memset(s, 0, sizeof(*s));
  s->h.kind = ES_PKL_O_SLICE;
  if (a->n == 1) {
    sp = &a->items[0];
  } else {
    st = &a->items[0];
    sp = &a->items[1];
    if (a->n == 3) stp = &a->items[2];
  }
  if ((st && slice_part(st, &s->start, &s->has_start)) || slice_part(sp, &s->stop, &s->has_stop) ||
      (stp && slice_part(stp, &s->step, &s->has_step)))
    return es_pkl_fail(err, "slice: arguments must be int or None");
  *out = es_pkl_val_of(s);
  return 0;
}

static int make_bytes(es_pkl_heap *h, const uint8_t *p, uint64_t n, es_pkl_val *out,
                      es_error *err) {
  es_pkl_bytes *b = es_pkl_alloc(h, sizeof(*b));
  if (!b) return es_pkl_over_budget(err);
  memset(b, 0, sizeof(*b));
  b->h.kind = ES_PKL_O_BYTES;
  b->p = p;
  b->n = n;
  b->srclen = n;
  *out = es_pkl_val_of(b);
  return 0;
}

/* Length of the ASCII prefix of p[0..n), eight bytes at a time. */
static size_t ascii_prefix(const uint8_t *p, size_t n) {
  size_t i = 0;
  uint64_t w;
  for (; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < n && p[i] < 0x80) i++;
  return i;
}

/* Protocol 2 writes bytes as _codecs.encode(str, 'latin1'). Only the decoded length is counted
   here; the bytes are decoded (and checked) when read, so the file is never written, a large
   block costs no copy, and the work happens chunk by chunk. */
static int latin1(es_pkl_heap *h, const es_pkl_tuple *a, es_pkl_val *out, es_error *err) {
  const es_pkl_val *s, *enc;
  const uint8_t *src;
  size_t n, k, o;
  es_pkl_bytes *b;
  if (a->n != 2) return es_pkl_fail(err, "_codecs.encode: needs 2 arguments");
  s = &a->items[0];
  enc = &a->items[1];
  if (s->tag != ES_PKL_V_STR ||
      !(es_pkl_val_is_str(enc, "latin1") || es_pkl_val_is_str(enc, "latin-1")))
    return es_pkl_fail(err, "_codecs.encode: only encode(str, 'latin1') is supported");
  n = s->len;
  src = (const uint8_t *)s->u.s;
  k = ascii_prefix(src, n);
  if (k == n) return make_bytes(h, src, n, out, err);
  o = es_pkl_latin1_len(src + k, n - k);
  if (make_bytes(h, src, k + o, out, err)) return err->code;
  b = (es_pkl_bytes *)out->u.o;
  b->latin1 = 1;
  b->srclen = n;
  return 0;
}

/* Decodes latin-1 bytes (n of them) into graph memory. */
static const uint8_t *decoded(es_pkl_heap *h, const uint8_t *src, uint64_t srclen, uint64_t n,
                              es_error *err) {
  uint8_t *dst;
  size_t o;
  if (n > SIZE_MAX - 1 || !(dst = es_pkl_alloc(h, (size_t)n + 1))) {
    es_pkl_over_budget(err);
    return NULL;
  }
  if (es_pkl_latin1(src, (size_t)srclen, dst, &o) || o != n) {
    es_pkl_fail(err, "_codecs.encode: str is not latin-1");
    return NULL;
  }
  return dst;
}

int es_pkl_np_decode_array(es_pkl_heap *h, es_pkl_array *a, es_error *err) {
  const uint8_t *d;
  if (!a->latin1) return 0;
  if (!(d = decoded(h, a->data, a->srclen, a->count * a->dt->size, err))) return err->code;
  a->data = d;
  a->latin1 = 0;
  return 0;
}

/* ---- NumPy ---- */

static int parse_dtype_str(const es_pkl_val *v, es_pkl_dtype *dt, es_error *err) {
  char spec[16];
  size_t i;
  uint64_t num = 0;
  if (v->tag != ES_PKL_V_STR || v->len < 1 || v->len > 11)
    return es_pkl_fail(err, "numpy.dtype: bad type string");
  memcpy(spec, v->u.s, v->len);
  spec[v->len] = '\0';
  for (i = 1; i < v->len; i++) {
    if (spec[i] < '0' || spec[i] > '9')
      return es_pkl_fail(err, "numpy dtype '%s' is not supported", spec);
    num = num * 10 + (uint64_t)(spec[i] - '0');
  }
  dt->kind = spec[0];
  switch (spec[0]) {
  case 'f':
    if (num == 4 || num == 8) break;
    goto unsupported;
  case 'i':
  case 'u':
    if (num == 1 || num == 2 || num == 4 || num == 8) break;
    goto unsupported;
  case 'b':
    if (num == 1) break;
    goto unsupported;
  case 'O':
    if (num == 4 || num == 8) break;
    goto unsupported;
  case 'U':
    if (num > UINT32_MAX / 4) goto unsupported;
    num *= 4;
    break;
  default: goto unsupported;
  }
  dt->size = (uint32_t)num;
  dt->order = num <= 1 || dt->kind == 'O' ? '|' : '<';
  return 0;
unsupported:
  return es_pkl_fail(err, "numpy dtype '%s' is not supported", spec);
}

static int make_dtype(es_pkl_heap *h, const es_pkl_tuple *a, es_pkl_val *out, es_error *err) {
  es_pkl_dtype *dt;
  int rc;
  if (a->n < 1 || a->n > 3) return es_pkl_fail(err, "numpy.dtype: needs 1 to 3 arguments");
  dt = es_pkl_alloc(h, sizeof(*dt));
  if (!dt) return es_pkl_over_budget(err);
  memset(dt, 0, sizeof(*dt));
  dt->h.kind = ES_PKL_O_DTYPE;
  if ((rc = parse_dtype_str(&a->items[0], dt, err))) return rc;
  *out = es_pkl_val_of(dt);
  return 0;
}

/* state = (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]) */
static int build_dtype(es_pkl_dtype *dt, const es_pkl_val *state, es_error *err) {
  const es_pkl_tuple *t = tuple_n(state, 8, 9);
  const es_pkl_val *order;
  if (!t) return es_pkl_fail(err, "numpy.dtype: state is not a tuple of 8 or 9");
  order = &t->items[1];
  if (order->tag != ES_PKL_V_STR || order->len != 1 || !strchr("<>|=", order->u.s[0]))
    return es_pkl_fail(err, "numpy.dtype: bad byte order");
  if (t->items[2].tag != ES_PKL_V_NONE || t->items[3].tag != ES_PKL_V_NONE ||
      t->items[4].tag != ES_PKL_V_NONE)
    return es_pkl_fail(err, "numpy.dtype: structured and subarray dtypes are not supported");
  dt->order = order->u.s[0] == '=' ? '<' : order->u.s[0];
  if (dt->kind == 'U') {
    const es_pkl_val *el = &t->items[5];
    if (el->tag != ES_PKL_V_INT || el->u.i < 0 || el->u.i > (int64_t)UINT32_MAX || el->u.i % 4)
      return es_pkl_fail(err, "numpy.dtype: bad element size for a str dtype");
    dt->size = (uint32_t)el->u.i;
  }
  dt->built = 1;
  return 0;
}

static const es_pkl_dtype *built_dtype(const es_pkl_val *v) {
  const es_pkl_dtype *dt = (const es_pkl_dtype *)es_pkl_val_obj(v, ES_PKL_O_DTYPE);
  return dt && dt->built ? dt : NULL;
}

/* Shape tuple of at most 2 dimensions; count is the product, overflow-checked. */
static int parse_shape(const es_pkl_val *v, es_pkl_array *a, es_error *err) {
  const es_pkl_tuple *t = (const es_pkl_tuple *)es_pkl_val_obj(v, ES_PKL_O_TUPLE);
  size_t i;
  if (!t) return es_pkl_fail(err, "numpy.ndarray: shape is not a tuple");
  if (t->n > 2) return es_pkl_fail(err, "numpy arrays of %zu dimensions are not supported", t->n);
  a->ndim = (uint8_t)t->n;
  a->count = 1;
  for (i = 0; i < t->n; i++) {
    if (t->items[i].tag != ES_PKL_V_INT || t->items[i].u.i < 0)
      return es_pkl_fail(err, "numpy.ndarray: bad shape");
    a->shape[i] = (uint64_t)t->items[i].u.i;
    if (a->shape[i] && a->count > UINT64_MAX / a->shape[i])
      return es_pkl_fail(err, "numpy.ndarray: shape overflows");
    a->count *= a->shape[i];
  }
  return 0;
}

static int check_nbytes(const es_pkl_array *a, uint64_t have, es_error *err) {
  uint64_t sz = a->dt->size;
  if (sz && a->count > UINT64_MAX / sz) return es_pkl_fail(err, "numpy.ndarray: size overflows");
  if (a->count * sz != have)
    return es_pkl_fail(err, "numpy.ndarray: shape and dtype need %llu bytes, the data has %llu",
                       (unsigned long long)(a->count * sz), (unsigned long long)have);
  return 0;
}

/* A numeric array's data: the bytes object's, which must hold exactly shape x dtype. */
static int take_bytes(es_pkl_array *a, const es_pkl_bytes *b, es_error *err) {
  int rc = check_nbytes(a, b->n, err);
  if (rc) return rc;
  a->data = b->p;
  a->latin1 = b->latin1;
  a->srclen = b->srclen;
  return 0;
}

static es_pkl_array *new_array(es_pkl_heap *h) {
  es_pkl_array *a = es_pkl_alloc(h, sizeof(*a));
  if (a) {
    memset(a, 0, sizeof(*a));
    a->h.kind = ES_PKL_O_ARRAY;
  }
  return a;
}

static int reconstruct(es_pkl_heap *h, const es_pkl_tuple *t, es_pkl_val *out, es_error *err) {
  es_pkl_array *a;
  if (t->n != 3 || t->items[0].tag != ES_PKL_V_GLOBAL || t->items[0].g != ES_PKL_G_NDARRAY)
    return es_pkl_fail(
        err,
        "numpy.core.multiarray._reconstruct: only _reconstruct(numpy.ndarray, ...) is supported");
  if (!(a = new_array(h))) return es_pkl_over_budget(err);
  *out = es_pkl_val_of(a);
  return 0;
}

/* ndarray state: (version, shape, dtype, is_fortran, data) or the older 4-tuple without version. */
static int build_array(es_pkl_array *a, const es_pkl_val *state, es_error *err) {
  const es_pkl_tuple *t = tuple_n(state, 4, 5);
  const es_pkl_val *s;
  int fortran, rc;
  if (!t) return es_pkl_fail(err, "numpy.ndarray: state is not a tuple of 4 or 5");
  s = t->items + (t->n - 4);
  if ((rc = parse_shape(&s[0], a, err))) return rc;
  if (!(a->dt = built_dtype(&s[1]))) return es_pkl_fail(err, "numpy.ndarray: state has no dtype");
  if (truthy(&s[2], &fortran)) return es_pkl_fail(err, "numpy.ndarray: bad is_fortran flag");
  a->fortran = (uint8_t)fortran;
  if (a->dt->kind == 'O') {
    es_pkl_list *l = (es_pkl_list *)es_pkl_val_obj(&s[3], ES_PKL_O_LIST);
    if (!l) return es_pkl_fail(err, "numpy.ndarray: object array data is not a list");
    if (l->n != a->count)
      return es_pkl_fail(err, "numpy.ndarray: object array has the wrong number of items");
    a->items = l;
  } else {
    const es_pkl_bytes *b = (const es_pkl_bytes *)es_pkl_val_obj(&s[3], ES_PKL_O_BYTES);
    if (!b) return es_pkl_fail(err, "numpy.ndarray: data is not bytes");
    if ((rc = take_bytes(a, b, err))) return rc;
  }
  a->built = 1;
  return 0;
}

static int frombuffer(es_pkl_heap *h, const es_pkl_tuple *t, es_pkl_val *out, es_error *err) {
  const es_pkl_bytes *b;
  const es_pkl_val *order;
  es_pkl_array *a;
  int rc;
  if (t->n != 4) return es_pkl_fail(err, "numpy.core.numeric._frombuffer: needs 4 arguments");
  if (!(b = (const es_pkl_bytes *)es_pkl_val_obj(&t->items[0], ES_PKL_O_BYTES)))
    return es_pkl_fail(err, "numpy.core.numeric._frombuffer: buffer is not bytes");
  if (!(a = new_array(h))) return es_pkl_over_budget(err);
  if (!(a->dt = built_dtype(&t->items[1])) || a->dt->kind == 'O')
    return es_pkl_fail(err, "numpy.core.numeric._frombuffer: needs a numeric dtype");
  if ((rc = parse_shape(&t->items[2], a, err)) || (rc = take_bytes(a, b, err))) return rc;
  order = &t->items[3];
  if (!es_pkl_val_is_str(order, "C") && !es_pkl_val_is_str(order, "F"))
    return es_pkl_fail(err, "numpy.core.numeric._frombuffer: order is not 'C' or 'F'");
  a->fortran = order->u.s[0] == 'F';
  a->built = 1;
  *out = es_pkl_val_of(a);
  return 0;
}

/* numpy.core.multiarray.scalar(dtype, bytes): becomes a plain int, float, bool or str. */
static int scalar(es_pkl_heap *h, const es_pkl_tuple *t, es_pkl_val *out, es_error *err) {
  const es_pkl_dtype *dt;
  const es_pkl_bytes *b;
  const uint8_t *p;
  int64_t i;
  int is_nan;
  if (t->n != 2 || !(dt = built_dtype(&t->items[0])) ||
      !(b = (const es_pkl_bytes *)es_pkl_val_obj(&t->items[1], ES_PKL_O_BYTES)))
    return es_pkl_fail(err, "numpy.core.multiarray.scalar: needs (dtype, bytes)");
  if (dt->kind == 'O' || b->n != dt->size)
    return es_pkl_fail(err, "numpy.core.multiarray.scalar: bad scalar");
  p = b->latin1 ? decoded(h, b->p, b->srclen, b->n, err) : b->p;
  if (!p) return err->code;
  memset(out, 0, sizeof(*out));
  switch (dt->kind) {
  case 'f':
    out->tag = ES_PKL_V_FLOAT;
    out->u.f = es_pkl_elem_double(dt, p);
    return 0;
  case 'b':
    out->tag = ES_PKL_V_BOOL;
    out->u.i = p[0] != 0;
    return 0;
  case 'U': {
    char *s = es_pkl_alloc(h, es_pkl_elem_ucs4_cap(dt));
    size_t n;
    if (!s) return es_pkl_over_budget(err);
    if (es_pkl_elem_ucs4(dt, p, s, &n) || n > ES_PKL_MAX_STR)
      return es_pkl_fail(err, "numpy.str_: not valid UCS-4 text");
    out->tag = ES_PKL_V_STR;
    out->len = (uint32_t)n;
    out->u.s = s;
    return 0;
  }
  default:
    if (es_pkl_elem_int(dt, p, &i, &is_nan))
      return es_pkl_fail(err, "numpy integer: larger than 64-bit signed");
    out->tag = ES_PKL_V_INT;
    out->u.i = i;
    return 0;
  }
}

/* ---- pandas: instances hold their arguments and state; table.c reads them ---- */

static int make_inst(es_pkl_heap *h, int cls, const es_pkl_val *args, const es_pkl_val *state,
                     es_pkl_val *out, es_error *err) {
  es_pkl_inst *in = es_pkl_alloc(h, sizeof(*in));
  if (!in) return es_pkl_over_budget(err);
  memset(in, 0, sizeof(*in));
  in->h.kind = ES_PKL_O_INST;
  in->cls = (uint8_t)cls;
  in->args = *args;
  if (state) {
    in->state = *state;
    in->built = 1;
  }
  *out = es_pkl_val_of(in);
  return 0;
}

static int new_index(es_pkl_heap *h, const es_pkl_tuple *t, es_pkl_val *out, es_error *err) {
  const es_pkl_val *cls;
  if (t->n != 2) return es_pkl_fail(err, "pandas _new_Index: needs (class, dict)");
  cls = &t->items[0];
  if (cls->tag != ES_PKL_V_GLOBAL ||
      (cls->g != ES_PKL_G_INDEX && cls->g != ES_PKL_G_RANGEINDEX && cls->g != ES_PKL_G_INT64INDEX))
    return es_pkl_fail(
        err, "pandas _new_Index: only Index, RangeIndex and numeric Index classes are supported");
  if (!es_pkl_val_obj(&t->items[1], ES_PKL_O_DICT))
    return es_pkl_fail(err, "pandas _new_Index: needs a dict");
  return make_inst(h, cls->g, &t->items[1], &t->items[1], out, err);
}

static int ndarray_backed(es_pkl_heap *h, const es_pkl_tuple *t, es_pkl_val *out, es_error *err) {
  const es_pkl_val *cls;
  if (t->n != 3) return es_pkl_fail(err, "pandas NDArrayBacked: needs 3 arguments");
  cls = &t->items[0];
  if (cls->tag != ES_PKL_V_GLOBAL ||
      (cls->g != ES_PKL_G_CATEGORICAL && cls->g != ES_PKL_G_STRINGARRAY))
    return es_pkl_fail(err, "pandas NDArrayBacked: only Categorical and StringArray are supported");
  return make_inst(h, cls->g, &t->items[1], t->items[2].tag == ES_PKL_V_NONE ? NULL : &t->items[2],
                   out, err);
}

int es_pkl_np_reduce(es_pkl_heap *h, int g, const es_pkl_val *args, es_pkl_val *out,
                     es_error *err) {
  const es_pkl_tuple *t = (const es_pkl_tuple *)args->u.o;
  switch (g) {
  case ES_PKL_G_SLICE: return make_slice(h, t, out, err);
  case ES_PKL_G_BYTES:
    if (t->n) return es_pkl_fail(err, "bytes: only bytes() is supported");
    return make_bytes(h, empty_bytes, 0, out, err);
  case ES_PKL_G_ENCODE: return latin1(h, t, out, err);
  case ES_PKL_G_RECONSTRUCT: return reconstruct(h, t, out, err);
  case ES_PKL_G_DTYPE: return make_dtype(h, t, out, err);
  case ES_PKL_G_FROMBUFFER: return frombuffer(h, t, out, err);
  case ES_PKL_G_SCALAR: return scalar(h, t, out, err);
  case ES_PKL_G_UNPICKLE_BLOCK: return make_inst(h, g, args, NULL, out, err);
  case ES_PKL_G_NEW_INDEX: return new_index(h, t, out, err);
  case ES_PKL_G_NDARRAYBACKED: return ndarray_backed(h, t, out, err);
  default:
    if (is_class(g)) return make_inst(h, g, args, NULL, out, err);
    return es_pkl_fail(err, "calling %s is not supported", es_pkl_global_name(g));
  }
}

int es_pkl_np_newobj(es_pkl_heap *h, int g, const es_pkl_val *args, es_pkl_val *out,
                     es_error *err) {
  if (!is_class(g)) return es_pkl_fail(err, "NEWOBJ of %s is not supported", es_pkl_global_name(g));
  return make_inst(h, g, args, NULL, out, err);
}

int es_pkl_np_build(es_pkl_heap *h, es_pkl_val *obj, const es_pkl_val *state, es_error *err) {
  es_pkl_obj *o = obj->tag == ES_PKL_V_OBJ ? obj->u.o : NULL;
  (void)h;
  if (o && o->kind == ES_PKL_O_ARRAY && !((es_pkl_array *)o)->built)
    return build_array((es_pkl_array *)o, state, err);
  if (o && o->kind == ES_PKL_O_DTYPE && !((es_pkl_dtype *)o)->built)
    return build_dtype((es_pkl_dtype *)o, state, err);
  if (o && o->kind == ES_PKL_O_INST && !((es_pkl_inst *)o)->built) {
    ((es_pkl_inst *)o)->state = *state;
    ((es_pkl_inst *)o)->built = 1;
    return 0;
  }
  return es_pkl_fail(err, "BUILD on %s %s is not supported",
                     o && o->kind >= ES_PKL_O_DTYPE ? "a built" : "a", es_pkl_val_type(obj));
}
