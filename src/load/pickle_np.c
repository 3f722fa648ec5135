/* pickle_np.c - the allowlisted globals, and what calling or building them makes: inert objects only. */
#include <string.h>

#include "load/pickle_np.h"
#include "load/pickle_vm.h"

typedef struct {
  const char *module, *name;
  int g;
} global_entry;

/* Exactly what pandas 1.5 / NumPy 1.24 DataFrame pickles name (found with pickletools.dis),
   plus the numpy._core spelling NumPy 2 writes for the same functions. */
static const global_entry allowlist[] = {
    {"builtins", "slice", ES_G_SLICE},
    {"__builtin__", "slice", ES_G_SLICE},
    {"builtins", "bytes", ES_G_BYTES},
    {"__builtin__", "bytes", ES_G_BYTES},
    {"_codecs", "encode", ES_G_ENCODE},
    {"numpy.core.multiarray", "_reconstruct", ES_G_RECONSTRUCT},
    {"numpy._core.multiarray", "_reconstruct", ES_G_RECONSTRUCT},
    {"numpy", "ndarray", ES_G_NDARRAY},
    {"numpy", "dtype", ES_G_DTYPE},
    {"numpy.core.numeric", "_frombuffer", ES_G_FROMBUFFER},
    {"numpy._core.numeric", "_frombuffer", ES_G_FROMBUFFER},
    {"numpy.core.multiarray", "scalar", ES_G_SCALAR},
    {"numpy._core.multiarray", "scalar", ES_G_SCALAR},
    {"pandas.core.frame", "DataFrame", ES_G_DATAFRAME},
    {"pandas.core.internals.managers", "BlockManager", ES_G_BLOCKMANAGER},
    {"pandas._libs.internals", "_unpickle_block", ES_G_UNPICKLE_BLOCK},
    {"pandas.core.indexes.base", "_new_Index", ES_G_NEW_INDEX},
    {"pandas.core.indexes.base", "Index", ES_G_INDEX},
    {"pandas.core.indexes.range", "RangeIndex", ES_G_RANGEINDEX},
    {"pandas.core.indexes.numeric", "Int64Index", ES_G_INT64INDEX},
    {"pandas.core.indexes.numeric", "UInt64Index", ES_G_INT64INDEX},
    {"pandas.core.indexes.numeric", "Float64Index", ES_G_INT64INDEX},
    {"pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked", ES_G_NDARRAYBACKED},
    {"pandas.core.arrays.categorical", "Categorical", ES_G_CATEGORICAL},
    {"pandas.core.dtypes.dtypes", "CategoricalDtype", ES_G_CATDTYPE},
    {"pandas.core.arrays.string_", "StringArray", ES_G_STRINGARRAY},
    {"pandas.core.arrays.string_", "StringDtype", ES_G_STRINGDTYPE},
    {"pandas.core.arrays.integer", "IntegerArray", ES_G_INTEGERARRAY},
    {"pandas.core.arrays.integer", "Int8Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "Int16Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "Int32Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "Int64Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt8Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt16Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt32Dtype", ES_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt64Dtype", ES_G_INTDTYPE},
    {"pandas._libs.missing", "NA", ES_G_NA},
};

static const char *const global_names[ES_G_COUNT] = {
    "nothing", "slice", "bytes", "_codecs.encode", "numpy.core.multiarray._reconstruct",
    "numpy.ndarray", "numpy.dtype", "numpy.core.numeric._frombuffer", "numpy.core.multiarray.scalar",
    "pandas.DataFrame", "pandas BlockManager", "pandas block", "pandas.core.indexes.base._new_Index",
    "pandas.Index", "pandas.RangeIndex", "pandas numeric Index", "pandas NDArrayBacked",
    "pandas.Categorical", "pandas.CategoricalDtype", "pandas StringArray", "pandas.StringDtype",
    "pandas IntegerArray", "pandas integer dtype", "pandas.NA"};

int es_pglobal_find(const char *module, size_t mlen, const char *name, size_t nlen) {
  size_t i;
  for (i = 0; i < sizeof(allowlist) / sizeof(allowlist[0]); i++) {
    const global_entry *e = &allowlist[i];
    if (strlen(e->module) == mlen && !memcmp(e->module, module, mlen) && strlen(e->name) == nlen &&
        !memcmp(e->name, name, nlen))
      return e->g;
  }
  return 0;
}

const char *es_pglobal_name(int g) { return g > 0 && g < ES_G_COUNT ? global_names[g] : "global"; }

static int is_class(int g) {
  switch (g) {
  case ES_G_DATAFRAME: case ES_G_BLOCKMANAGER: case ES_G_INDEX: case ES_G_RANGEINDEX:
  case ES_G_INT64INDEX: case ES_G_CATEGORICAL: case ES_G_CATDTYPE: case ES_G_STRINGARRAY:
  case ES_G_STRINGDTYPE: case ES_G_INTEGERARRAY: case ES_G_INTDTYPE:
    return 1;
  default:
    return 0;
  }
}

static int bad(es_error *err, const char *what, const char *detail) {
  return es_err_set(err, ES_EINVAL, "%s: %s", what, detail);
}

static int oom(es_error *err) {
  return es_err_set(err, ES_EINVAL, "the object graph would exceed its memory budget");
}

static es_pval val_obj(void *o) {
  es_pval v = {ES_PV_OBJ, 0, 0, {.o = o}};
  return v;
}

static const es_ptuple *tuple_n(const es_pval *v, size_t min, size_t max) {
  const es_ptuple *t = (const es_ptuple *)es_pval_obj(v, ES_PO_TUPLE);
  return t && t->n >= min && t->n <= max ? t : NULL;
}

static int truthy(const es_pval *v, int *out) {
  if (v->tag != ES_PV_BOOL && v->tag != ES_PV_INT) return -1;
  *out = v->u.i != 0;
  return 0;
}

/* ---- plain Python ---- */

static int slice_part(const es_pval *v, int64_t *out, uint8_t *has) {
  if (v->tag == ES_PV_NONE) return 0;
  if (v->tag != ES_PV_INT) return -1;
  *out = v->u.i;
  *has = 1;
  return 0;
}

static int make_slice(es_pvm *vm, const es_ptuple *a, es_pval *out, es_error *err) {
  es_pslice *s;
  const es_pval *st = NULL, *sp, *stp = NULL;
  if (a->n < 1 || a->n > 3) return bad(err, "slice", "needs 1 to 3 arguments");
  s = es_pvm_alloc(vm, sizeof(*s));
  if (!s) return oom(err);
  memset(s, 0, sizeof(*s));
  s->h.kind = ES_PO_SLICE;
  if (a->n == 1) {
    sp = &a->items[0];
  } else {
    st = &a->items[0];
    sp = &a->items[1];
    if (a->n == 3) stp = &a->items[2];
  }
  if ((st && slice_part(st, &s->start, &s->has_start)) || slice_part(sp, &s->stop, &s->has_stop) ||
      (stp && slice_part(stp, &s->step, &s->has_step)))
    return bad(err, "slice", "arguments must be int or None");
  *out = val_obj(s);
  return 0;
}

static int make_bytes(es_pvm *vm, const uint8_t *p, uint64_t n, es_pval *out, es_error *err) {
  es_pbytes *b = es_pvm_alloc(vm, sizeof(*b));
  if (!b) return oom(err);
  memset(b, 0, sizeof(*b));
  b->h.kind = ES_PO_BYTES;
  b->p = p;
  b->n = n;
  b->srclen = n;
  *out = val_obj(b);
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

/* UTF-8 of code points below 256 to their bytes; dst (decoded length + 1 bytes) may not overlap
   src. -1 for anything else.
   Each byte's role shows in the byte itself (ASCII, lead 0xc2/0xc3, or continuation), so the
   loop has no branch to mispredict on float data's random bytes. */
int es_pnp_latin1(const uint8_t *src, size_t n, uint8_t *dst, size_t *outn) {
  size_t i, o = 0;
  unsigned bad = 0, prev_lead = 0;
  for (i = 0; i < n; i++) {
    unsigned b = src[i], next = i + 1 < n ? src[i + 1] : 0;
    unsigned cont = (b & 0xc0) == 0x80, lead = b >= 0xc0;
    unsigned dec = ((b << 6) | (next & 0x3f)) & 0xff;
    bad |= (cont ^ prev_lead) | (lead & ((b & 0xfe) != 0xc2));
    dst[o] = (uint8_t)(b ^ ((b ^ dec) & (0u - lead)));
    o += 1 - cont;
    prev_lead = lead;
  }
  if (bad | prev_lead) return -1;
  *outn = o;
  return 0;
}

/* Bytes the UTF-8 decodes to: one per byte that is not a continuation byte (a loop the compiler
   vectorizes; validity is checked when the bytes are decoded). */
static size_t latin1_len(const uint8_t *p, size_t n) {
  size_t i, k = 0;
  for (i = 0; i < n; i++) k += (p[i] & 0xc0) != 0x80;
  return k;
}

/* Protocol 2 writes bytes as _codecs.encode(str, 'latin1'). Only the decoded length is counted
   here; the bytes are decoded (and checked) when read, so the file is never written, a large
   block costs no copy, and the work happens chunk by chunk. */
static int latin1(es_pvm *vm, const es_ptuple *a, es_pval *out, es_error *err) {
  const es_pval *s, *enc;
  const uint8_t *src;
  size_t n, k, o;
  es_pbytes *b;
  if (a->n != 2) return bad(err, "_codecs.encode", "needs 2 arguments");
  s = &a->items[0];
  enc = &a->items[1];
  if (s->tag != ES_PV_STR || !(es_pval_is_str(enc, "latin1") || es_pval_is_str(enc, "latin-1")))
    return bad(err, "_codecs.encode", "only encode(str, 'latin1') is supported");
  n = s->len;
  src = (const uint8_t *)s->u.s;
  k = ascii_prefix(src, n);
  if (k == n) return make_bytes(vm, src, n, out, err);
  o = latin1_len(src + k, n - k);
  if (make_bytes(vm, src, k + o, out, err)) return err->code;
  b = (es_pbytes *)out->u.o;
  b->latin1 = 1;
  b->srclen = n;
  return 0;
}

/* Decodes latin-1 bytes (n of them) into graph memory. */
static const uint8_t *decoded(es_pvm *vm, const uint8_t *src, uint64_t srclen, uint64_t n, es_error *err) {
  uint8_t *dst;
  size_t o;
  if (n > SIZE_MAX - 1 || !(dst = es_pvm_alloc(vm, (size_t)n + 1))) {
    oom(err);
    return NULL;
  }
  if (es_pnp_latin1(src, (size_t)srclen, dst, &o) || o != n) {
    bad(err, "_codecs.encode", "str is not latin-1");
    return NULL;
  }
  return dst;
}

int es_pnp_decode_array(es_pvm *vm, es_parray *a, es_error *err) {
  const uint8_t *d;
  if (!a->latin1) return 0;
  if (!(d = decoded(vm, a->data, a->srclen, a->count * a->dt->size, err))) return err->code;
  a->data = d;
  a->latin1 = 0;
  return 0;
}

/* ---- NumPy ---- */

static int parse_dtype_str(const es_pval *v, es_pdtype *dt, es_error *err) {
  char spec[16];
  size_t i;
  uint64_t num = 0;
  if (v->tag != ES_PV_STR || v->len < 1 || v->len > 11) return bad(err, "numpy.dtype", "bad type string");
  memcpy(spec, v->u.s, v->len);
  spec[v->len] = '\0';
  for (i = 1; i < v->len; i++) {
    if (spec[i] < '0' || spec[i] > '9') return es_err_set(err, ES_EINVAL, "numpy dtype '%s' is not supported", spec);
    num = num * 10 + (uint64_t)(spec[i] - '0');
  }
  dt->kind = spec[0];
  switch (spec[0]) {
  case 'f': if (num == 4 || num == 8) break; goto unsupported;
  case 'i': case 'u': if (num == 1 || num == 2 || num == 4 || num == 8) break; goto unsupported;
  case 'b': if (num == 1) break; goto unsupported;
  case 'O': if (num == 4 || num == 8) break; goto unsupported;
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
  return es_err_set(err, ES_EINVAL, "numpy dtype '%s' is not supported", spec);
}

static int make_dtype(es_pvm *vm, const es_ptuple *a, es_pval *out, es_error *err) {
  es_pdtype *dt;
  int rc;
  if (a->n < 1 || a->n > 3) return bad(err, "numpy.dtype", "needs 1 to 3 arguments");
  dt = es_pvm_alloc(vm, sizeof(*dt));
  if (!dt) return oom(err);
  memset(dt, 0, sizeof(*dt));
  dt->h.kind = ES_PO_DTYPE;
  if ((rc = parse_dtype_str(&a->items[0], dt, err))) return rc;
  *out = val_obj(dt);
  return 0;
}

/* state = (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]) */
static int build_dtype(es_pdtype *dt, const es_pval *state, es_error *err) {
  const es_ptuple *t = tuple_n(state, 8, 9);
  const es_pval *order;
  if (!t) return bad(err, "numpy.dtype", "state is not a tuple of 8 or 9");
  order = &t->items[1];
  if (order->tag != ES_PV_STR || order->len != 1 || !strchr("<>|=", order->u.s[0]))
    return bad(err, "numpy.dtype", "bad byte order");
  if (t->items[2].tag != ES_PV_NONE || t->items[3].tag != ES_PV_NONE || t->items[4].tag != ES_PV_NONE)
    return bad(err, "numpy.dtype", "structured and subarray dtypes are not supported");
  dt->order = order->u.s[0] == '=' ? '<' : order->u.s[0];
  if (dt->kind == 'U') {
    const es_pval *el = &t->items[5];
    if (el->tag != ES_PV_INT || el->u.i < 0 || el->u.i > (int64_t)UINT32_MAX || el->u.i % 4)
      return bad(err, "numpy.dtype", "bad element size for a str dtype");
    dt->size = (uint32_t)el->u.i;
  }
  dt->built = 1;
  return 0;
}

static const es_pdtype *built_dtype(const es_pval *v) {
  const es_pdtype *dt = (const es_pdtype *)es_pval_obj(v, ES_PO_DTYPE);
  return dt && dt->built ? dt : NULL;
}

/* Shape tuple of at most 2 dimensions; count is the product, overflow-checked. */
static int parse_shape(const es_pval *v, es_parray *a, es_error *err) {
  const es_ptuple *t = (const es_ptuple *)es_pval_obj(v, ES_PO_TUPLE);
  size_t i;
  if (!t) return bad(err, "numpy.ndarray", "shape is not a tuple");
  if (t->n > 2) return es_err_set(err, ES_EINVAL, "numpy arrays of %zu dimensions are not supported", t->n);
  a->ndim = (uint8_t)t->n;
  a->count = 1;
  for (i = 0; i < t->n; i++) {
    if (t->items[i].tag != ES_PV_INT || t->items[i].u.i < 0) return bad(err, "numpy.ndarray", "bad shape");
    a->shape[i] = (uint64_t)t->items[i].u.i;
    if (a->shape[i] && a->count > UINT64_MAX / a->shape[i]) return bad(err, "numpy.ndarray", "shape overflows");
    a->count *= a->shape[i];
  }
  return 0;
}

static int check_nbytes(const es_parray *a, uint64_t have, es_error *err) {
  uint64_t sz = a->dt->size;
  if (sz && a->count > UINT64_MAX / sz) return bad(err, "numpy.ndarray", "size overflows");
  if (a->count * sz != have)
    return es_err_set(err, ES_EINVAL, "numpy.ndarray: shape and dtype need %llu bytes, the data has %llu",
                      (unsigned long long)(a->count * sz), (unsigned long long)have);
  return 0;
}

static es_parray *new_array(es_pvm *vm) {
  es_parray *a = es_pvm_alloc(vm, sizeof(*a));
  if (a) {
    memset(a, 0, sizeof(*a));
    a->h.kind = ES_PO_ARRAY;
  }
  return a;
}

static int reconstruct(es_pvm *vm, const es_ptuple *t, es_pval *out, es_error *err) {
  es_parray *a;
  if (t->n != 3 || t->items[0].tag != ES_PV_GLOBAL || t->items[0].g != ES_G_NDARRAY)
    return bad(err, "numpy.core.multiarray._reconstruct", "only _reconstruct(numpy.ndarray, ...) is supported");
  if (!(a = new_array(vm))) return oom(err);
  *out = val_obj(a);
  return 0;
}

/* ndarray state: (version, shape, dtype, is_fortran, data) or the older 4-tuple without version. */
static int build_array(es_parray *a, const es_pval *state, es_error *err) {
  const es_ptuple *t = tuple_n(state, 4, 5);
  const es_pval *s;
  int fortran, rc;
  if (!t) return bad(err, "numpy.ndarray", "state is not a tuple of 4 or 5");
  s = t->items + (t->n - 4);
  if ((rc = parse_shape(&s[0], a, err))) return rc;
  if (!(a->dt = built_dtype(&s[1]))) return bad(err, "numpy.ndarray", "state has no dtype");
  if (truthy(&s[2], &fortran)) return bad(err, "numpy.ndarray", "bad is_fortran flag");
  a->fortran = (uint8_t)fortran;
  if (a->dt->kind == 'O') {
    es_plist *l = (es_plist *)es_pval_obj(&s[3], ES_PO_LIST);
    if (!l) return bad(err, "numpy.ndarray", "object array data is not a list");
    if (l->n != a->count) return bad(err, "numpy.ndarray", "object array has the wrong number of items");
    a->items = l;
  } else {
    const es_pbytes *b = (const es_pbytes *)es_pval_obj(&s[3], ES_PO_BYTES);
    if (!b) return bad(err, "numpy.ndarray", "data is not bytes");
    if ((rc = check_nbytes(a, b->n, err))) return rc;
    a->data = b->p;
    a->latin1 = b->latin1;
    a->srclen = b->srclen;
  }
  a->built = 1;
  return 0;
}

static int frombuffer(es_pvm *vm, const es_ptuple *t, es_pval *out, es_error *err) {
  const es_pbytes *b;
  const es_pval *order;
  es_parray *a;
  int rc;
  if (t->n != 4) return bad(err, "numpy.core.numeric._frombuffer", "needs 4 arguments");
  if (!(b = (const es_pbytes *)es_pval_obj(&t->items[0], ES_PO_BYTES)))
    return bad(err, "numpy.core.numeric._frombuffer", "buffer is not bytes");
  if (!(a = new_array(vm))) return oom(err);
  if (!(a->dt = built_dtype(&t->items[1])) || a->dt->kind == 'O')
    return bad(err, "numpy.core.numeric._frombuffer", "needs a numeric dtype");
  if ((rc = parse_shape(&t->items[2], a, err)) || (rc = check_nbytes(a, b->n, err))) return rc;
  order = &t->items[3];
  if (!es_pval_is_str(order, "C") && !es_pval_is_str(order, "F"))
    return bad(err, "numpy.core.numeric._frombuffer", "order is not 'C' or 'F'");
  a->fortran = order->u.s[0] == 'F';
  a->data = b->p;
  a->latin1 = b->latin1;
  a->srclen = b->srclen;
  a->built = 1;
  *out = val_obj(a);
  return 0;
}

/* numpy.core.multiarray.scalar(dtype, bytes): becomes a plain int, float, bool or str. */
static int scalar(es_pvm *vm, const es_ptuple *t, es_pval *out, es_error *err) {
  const es_pdtype *dt;
  const es_pbytes *b;
  const uint8_t *p;
  int64_t i;
  int is_nan;
  if (t->n != 2 || !(dt = built_dtype(&t->items[0])) || !(b = (const es_pbytes *)es_pval_obj(&t->items[1], ES_PO_BYTES)))
    return bad(err, "numpy.core.multiarray.scalar", "needs (dtype, bytes)");
  if (dt->kind == 'O' || b->n != dt->size) return bad(err, "numpy.core.multiarray.scalar", "bad scalar");
  p = b->latin1 ? decoded(vm, b->p, b->srclen, b->n, err) : b->p;
  if (!p) return err->code;
  memset(out, 0, sizeof(*out));
  switch (dt->kind) {
  case 'f':
    out->tag = ES_PV_FLOAT;
    out->u.f = es_pnp_double(dt, p);
    return 0;
  case 'b':
    out->tag = ES_PV_BOOL;
    out->u.i = p[0] != 0;
    return 0;
  case 'U': {
    char *s = es_pvm_alloc(vm, es_pnp_ucs4_cap(dt));
    size_t n;
    if (!s) return oom(err);
    if (es_pnp_ucs4(dt, p, s, &n) || n > ES_PKL_MAX_STR)
      return bad(err, "numpy.str_", "not valid UCS-4 text");
    out->tag = ES_PV_STR;
    out->len = (uint32_t)n;
    out->u.s = s;
    return 0;
  }
  default:
    if (es_pnp_int(dt, p, &i, &is_nan)) return bad(err, "numpy integer", "larger than 64-bit signed");
    out->tag = ES_PV_INT;
    out->u.i = i;
    return 0;
  }
}

/* ---- pandas: instances hold their arguments and state; pickle_table.c reads them ---- */

static int make_inst(es_pvm *vm, int cls, const es_pval *args, const es_pval *state, es_pval *out, es_error *err) {
  es_pinst *in = es_pvm_alloc(vm, sizeof(*in));
  if (!in) return oom(err);
  memset(in, 0, sizeof(*in));
  in->h.kind = ES_PO_INST;
  in->cls = (uint8_t)cls;
  in->args = *args;
  if (state) {
    in->state = *state;
    in->built = 1;
  }
  *out = val_obj(in);
  return 0;
}

static int new_index(es_pvm *vm, const es_ptuple *t, es_pval *out, es_error *err) {
  const es_pval *cls;
  if (t->n != 2) return bad(err, "pandas _new_Index", "needs (class, dict)");
  cls = &t->items[0];
  if (cls->tag != ES_PV_GLOBAL || (cls->g != ES_G_INDEX && cls->g != ES_G_RANGEINDEX && cls->g != ES_G_INT64INDEX))
    return bad(err, "pandas _new_Index", "only Index, RangeIndex and numeric Index classes are supported");
  if (!es_pval_obj(&t->items[1], ES_PO_DICT)) return bad(err, "pandas _new_Index", "needs a dict");
  return make_inst(vm, cls->g, &t->items[1], &t->items[1], out, err);
}

static int ndarray_backed(es_pvm *vm, const es_ptuple *t, es_pval *out, es_error *err) {
  const es_pval *cls;
  if (t->n != 3) return bad(err, "pandas NDArrayBacked", "needs 3 arguments");
  cls = &t->items[0];
  if (cls->tag != ES_PV_GLOBAL || (cls->g != ES_G_CATEGORICAL && cls->g != ES_G_STRINGARRAY))
    return bad(err, "pandas NDArrayBacked", "only Categorical and StringArray are supported");
  return make_inst(vm, cls->g, &t->items[1], t->items[2].tag == ES_PV_NONE ? NULL : &t->items[2], out, err);
}

int es_pnp_reduce(es_pvm *vm, int g, const es_pval *args, es_pval *out, es_error *err) {
  const es_ptuple *t = (const es_ptuple *)args->u.o;
  switch (g) {
  case ES_G_SLICE: return make_slice(vm, t, out, err);
  case ES_G_BYTES:
    if (t->n) return bad(err, "bytes", "only bytes() is supported");
    return make_bytes(vm, vm->buf, 0, out, err);
  case ES_G_ENCODE: return latin1(vm, t, out, err);
  case ES_G_RECONSTRUCT: return reconstruct(vm, t, out, err);
  case ES_G_DTYPE: return make_dtype(vm, t, out, err);
  case ES_G_FROMBUFFER: return frombuffer(vm, t, out, err);
  case ES_G_SCALAR: return scalar(vm, t, out, err);
  case ES_G_UNPICKLE_BLOCK: return make_inst(vm, g, args, NULL, out, err);
  case ES_G_NEW_INDEX: return new_index(vm, t, out, err);
  case ES_G_NDARRAYBACKED: return ndarray_backed(vm, t, out, err);
  default:
    if (is_class(g)) return make_inst(vm, g, args, NULL, out, err);
    return es_err_set(err, ES_EINVAL, "calling %s is not supported", es_pglobal_name(g));
  }
}

int es_pnp_newobj(es_pvm *vm, int g, const es_pval *args, es_pval *out, es_error *err) {
  if (!is_class(g)) return es_err_set(err, ES_EINVAL, "NEWOBJ of %s is not supported", es_pglobal_name(g));
  return make_inst(vm, g, args, NULL, out, err);
}

int es_pnp_build(es_pvm *vm, es_pval *obj, const es_pval *state, es_error *err) {
  es_pobj *o = obj->tag == ES_PV_OBJ ? obj->u.o : NULL;
  (void)vm;
  if (o && o->kind == ES_PO_ARRAY && !((es_parray *)o)->built) return build_array((es_parray *)o, state, err);
  if (o && o->kind == ES_PO_DTYPE && !((es_pdtype *)o)->built) return build_dtype((es_pdtype *)o, state, err);
  if (o && o->kind == ES_PO_INST && !((es_pinst *)o)->built) {
    ((es_pinst *)o)->state = *state;
    ((es_pinst *)o)->built = 1;
    return 0;
  }
  return es_err_set(err, ES_EINVAL, "BUILD on %s %s is not supported",
                    o && o->kind >= ES_PO_DTYPE ? "a built" : "a", es_pval_type(obj));
}
