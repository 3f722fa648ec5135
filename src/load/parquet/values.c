/* values.c - value decoding for a data page: the encoding chosen once per page, values copied
   or converted in batches (a plain FLOAT page is one memcpy per request). */
#include "load/parquet/values.h"

#include <string.h>

#include "load/numparse.h"
#include "load/parquet/fail.h"
#include "load/parquet/names.h"

#define SUB 512 /* fixed-width values converted per step through a stack buffer */

static int is_dict(int enc) { return enc == ES_PQ_PLAIN_DICTIONARY || enc == ES_PQ_RLE_DICTIONARY; }

static int supported(int enc, int type) {
  int num =
      type == ES_PQ_INT32 || type == ES_PQ_INT64 || type == ES_PQ_FLOAT || type == ES_PQ_DOUBLE;
  switch (enc) {
  case ES_PQ_PLAIN:
  case ES_PQ_PLAIN_DICTIONARY:
  case ES_PQ_RLE_DICTIONARY: return 1;
  case ES_PQ_DELTA_BINARY_PACKED: return type == ES_PQ_INT32 || type == ES_PQ_INT64;
  case ES_PQ_DELTA_LENGTH_BYTE_ARRAY:
  case ES_PQ_DELTA_BYTE_ARRAY: return type == ES_PQ_BYTE_ARRAY;
  case ES_PQ_BYTE_STREAM_SPLIT: return num;
  default: return 0;
  }
}

static int init_dict(es_pq_vals *v, const uint8_t *p, const uint8_t *end, es_error *err) {
  if (!v->dict || !v->dict->present)
    return es_pq_fail(err, v->off, "a dictionary-encoded page without a dictionary page");
  if (!v->n) return 0;
  if (p == end)
    return es_pq_fail(err, v->off, "a dictionary-encoded page without its index bit width");
  if (*p > 32) return es_pq_fail(err, v->off, "dictionary indices of %u bits", *p);
  if (!v->dict->n) return es_pq_fail(err, v->off, "indices into an empty dictionary");
  es_pq_rle_init(&v->idx, p + 1, end, *p, v->dict->n - 1, v->off);
  return 0;
}

int es_pq_vals_init(es_pq_vals *v, int enc, int type, size_t width, const uint8_t *p,
                    const uint8_t *end, uint64_t nvals, const es_pq_dict *dict,
                    const uint64_t *budget, uint64_t off, es_error *err) {
  char b1[48], b2[48];
  int rc;
  v->enc = enc;
  v->type = type;
  v->width = width;
  v->p = p;
  v->end = end;
  v->off = off;
  v->n = nvals;
  v->pos = 0;
  v->dict = dict;
  if (!supported(enc, type))
    return es_pq_fail(err, off, "encoding %s is not supported for a %s column",
                      es_pq_encoding_name(enc, b1, sizeof(b1)),
                      es_pq_type_name(type, b2, sizeof(b2)));
  if (is_dict(enc)) return init_dict(v, p, end, err);
  if (type == ES_PQ_BYTE_ARRAY) return es_pq_barr_init(&v->barr, enc, p, end, budget, off, err);
  if (enc == ES_PQ_DELTA_BINARY_PACKED &&
      (rc = es_pq_delta_init(&v->ints, p, end, type == ES_PQ_INT32, off, err)))
    return rc;
  /* The streams' length gives the value count (a v1 page states only its level count). */
  if (enc == ES_PQ_BYTE_STREAM_SPLIT) {
    v->n = (uint64_t)(end - p) / width;
    if ((uint64_t)(end - p) % width || v->n > nvals)
      return es_pq_fail(err, off,
                        "BYTE_STREAM_SPLIT data of %zu bytes for at most %llu values of %zu bytes",
                        (size_t)(end - p), (unsigned long long)nvals, width);
  }
  return 0;
}

static int gather_dict(es_pq_vals *v, uint8_t *tmp, size_t n, es_error *err) {
  uint32_t idx[SUB];
  size_t i, w = v->width;
  int rc;
  if ((rc = es_pq_rle_u32(&v->idx, idx, n, err))) return rc;
  for (i = 0; i < n; i++) memcpy(tmp + i * w, v->dict->data + (size_t)idx[i] * w, w);
  return 0;
}

static int gather_delta(es_pq_vals *v, uint8_t *tmp, size_t n, es_error *err) {
  int64_t x[SUB];
  size_t i;
  int rc;
  if ((rc = es_pq_delta_get(&v->ints, x, n, err))) return rc;
  for (i = 0; i < n; i++) {
    int32_t y = (int32_t)x[i];
    if (v->width == 4)
      memcpy(tmp + 4 * i, &y, 4);
    else
      memcpy(tmp + 8 * i, &x[i], 8);
  }
  return 0;
}

/* n (at most SUB) fixed-width values, little-endian: in the page (PLAIN) or gathered into tmp. */
static int raw(es_pq_vals *v, uint8_t *tmp, size_t n, const uint8_t **src, es_error *err) {
  size_t i, j, w = v->width;
  int rc = 0;
  if (n > v->n - v->pos)
    return es_pq_fail(err, v->off, "the page holds fewer values than its levels say");
  if (v->enc == ES_PQ_PLAIN) {
    if (n * w > (size_t)(v->end - v->p))
      return es_pq_fail(err, v->off, "PLAIN values run past the end of the page");
    *src = v->p;
    v->p += n * w;
  } else if (v->enc == ES_PQ_BYTE_STREAM_SPLIT) {
    for (i = 0; i < n; i++)
      for (j = 0; j < w; j++) tmp[i * w + j] = v->p[j * v->n + v->pos + i];
    *src = tmp;
  } else {
    rc = v->enc == ES_PQ_DELTA_BINARY_PACKED ? gather_delta(v, tmp, n, err)
                                             : gather_dict(v, tmp, n, err);
    *src = tmp;
  }
  v->pos += n;
  return rc;
}

enum { TO_F32, TO_F64, TO_I64, TO_U64 };

/* k raw values at src to out[0, k) in the form asked for. */
static inline __attribute__((always_inline)) void convert(const es_pq_vals *v, const uint8_t *src,
                                                          void *out, size_t k, int to) {
  size_t i;
  for (i = 0; i < k; i++) {
    float f;
    double d;
    int32_t a;
    int64_t b;
    switch (to) {
    case TO_F32:
      if (v->type == ES_PQ_FLOAT) {
        memcpy(&((float *)out)[i], src + 4 * i, 4);
      } else {
        memcpy(&d, src + 8 * i, 8);
        ((float *)out)[i] = es_num_narrow(d);
      }
      break;
    case TO_F64:
      if (v->type == ES_PQ_DOUBLE) {
        memcpy(&((double *)out)[i], src + 8 * i, 8);
      } else {
        memcpy(&f, src + 4 * i, 4);
        ((double *)out)[i] = f;
      }
      break;
    default:
      if (v->type == ES_PQ_INT32) {
        memcpy(&a, src + 4 * i, 4);
        ((int64_t *)out)[i] = to == TO_U64 ? (int64_t)(uint32_t)a : a;
      } else {
        memcpy(&b, src + 8 * i, 8);
        ((int64_t *)out)[i] = to == TO_U64 && b < 0 ? INT64_MAX : b;
      }
    }
  }
}

/* The next n values converted, SUB at a time; to is a constant in each caller. */
static inline __attribute__((always_inline)) int get(es_pq_vals *v, void *out, size_t n,
                                                     size_t size, int to, es_error *err) {
  uint8_t tmp[SUB * 8];
  const uint8_t *src;
  size_t k;
  int rc;
  for (; n; n -= k, out = (uint8_t *)out + k * size) {
    k = n < SUB ? n : SUB;
    if ((rc = raw(v, tmp, k, &src, err))) return rc;
    convert(v, src, out, k, to);
  }
  return 0;
}

int es_pq_vals_f32(es_pq_vals *v, float *out, size_t n, es_error *err) {
  if (v->enc == ES_PQ_PLAIN && v->type == ES_PQ_FLOAT && n <= v->n - v->pos &&
      n * 4 <= (size_t)(v->end - v->p)) {
    memcpy(out, v->p, n * 4); /* the hot path: float32 as stored */
    v->p += n * 4;
    v->pos += n;
    return 0;
  }
  return get(v, out, n, sizeof(float), TO_F32, err);
}

int es_pq_vals_f64(es_pq_vals *v, double *out, size_t n, es_error *err) {
  return get(v, out, n, sizeof(double), TO_F64, err);
}

int es_pq_vals_i64(es_pq_vals *v, int64_t *out, size_t n, int is_unsigned, es_error *err) {
  return get(v, out, n, sizeof(int64_t), is_unsigned ? TO_U64 : TO_I64, err);
}

int es_pq_vals_bytes(es_pq_vals *v, es_pq_bytes *out, size_t n, es_error *err) {
  uint32_t idx[ES_PQ_BYTES_BATCH];
  size_t i;
  int rc;
  if (n > ES_PQ_BYTES_BATCH)
    return es_err_set(err, ES_EINTERNAL, "%zu byte arrays asked for at once", n);
  if (n > v->n - v->pos)
    return es_pq_fail(err, v->off, "the page holds fewer values than its levels say");
  v->pos += n;
  if (!is_dict(v->enc)) return es_pq_barr_get(&v->barr, out, n, err);
  if ((rc = es_pq_rle_u32(&v->idx, idx, n, err))) return rc;
  for (i = 0; i < n; i++) out[i] = v->dict->items[idx[i]];
  return 0;
}

void es_pq_vals_free(es_pq_vals *v) { es_pq_barr_free(&v->barr); }
