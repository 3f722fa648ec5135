/* pg_copy.c - rows in PostgreSQL's binary formats: COPY BINARY streams and binary parameters.

   Formats as documented for COPY (sql-copy.html, "Binary Format") and each type's send/recv
   function: every field is an int32 length and the type's binary value, big-endian.
     int2/int4/int8  2/4/8 bytes         uuid  16 bytes
     text, varchar   the UTF-8 bytes     real[], text[]  array_send: ndim, has-nulls, element
                                                         type, (size, lower bound) per dimension,
                                                         then each element as length + value
     vector          pgvector's vector_send: int16 dim, int16 unused (0), float4 values */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/limits.h"
#include "store/pg_int.h"

static const char copy_signature[11] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                        '\n', '\377', '\r', '\n', '\0'};

static inline char *put_u16(char *p, uint16_t v) {
  p[0] = (char)(v >> 8);
  p[1] = (char)v;
  return p + 2;
}

static inline char *put_u32(char *p, uint32_t v) {
  p[0] = (char)(v >> 24);
  p[1] = (char)(v >> 16);
  p[2] = (char)(v >> 8);
  p[3] = (char)v;
  return p + 4;
}

static inline char *put_f32(char *p, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return put_u32(p, u);
}

/* Room for n more bytes; returns where they go (the caller advances b->len). */
static char *reserve(es_buf *b, size_t n) {
  if (es_buf_grow(b, n)) return NULL;
  return b->ptr + b->len;
}

static int commit_bytes(es_buf *b, char *end) {
  b->len = (size_t)(end - b->ptr);
  b->ptr[b->len] = '\0';
  return 0;
}

/* 8-4-4-4-12 hex digits -> 16 bytes (the server validated the text; this re-checks). */
static int uuid_bytes(const char *s, unsigned char out[16]) {
  size_t i = 0, k = 0;
  for (; s[i] && k < 32; i++) {
    int hi;
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return -1;
      continue;
    }
    if ((hi = es_hex_digit((unsigned char)s[i])) < 0) return -1;
    if (k & 1)
      out[k / 2] = (unsigned char)(out[k / 2] | hi);
    else
      out[k / 2] = (unsigned char)(hi << 4);
    k++;
  }
  return k == 32 && i == 36 && !s[i] ? 0 : -1;
}

/* One scalar text-like or uuid value with its length word (used for fields and array elements). */
static int put_scalar_text(es_buf *b, es_pg_kind kind, const char *s, es_error *err) {
  size_t n = strlen(s);
  char *p;
  if (kind == ES_PG_K_UUID) {
    unsigned char u[16];
    if (uuid_bytes(s, u)) return es_err_set(err, ES_EINVAL, "'%.64s' is not a UUID", s);
    if (!(p = reserve(b, 20))) goto oom;
    p = put_u32(p, 16);
    memcpy(p, u, 16);
    return commit_bytes(b, p + 16);
  }
  if (n > INT32_MAX)
    return es_err_set(err, ES_EINVAL, "text of %zu bytes is too long for PostgreSQL", n);
  if (!(p = reserve(b, 4 + n))) goto oom;
  p = put_u32(p, (uint32_t)n);
  memcpy(p, s, n);
  return commit_bytes(b, p + n);
oom:
  return es_err_set(err, ES_ENOMEM, "out of memory");
}

static int put_int(es_buf *b, es_pg_kind kind, int32_t v, const es_field *f, es_error *err) {
  char *p = reserve(b, 12);
  if (!p) return es_err_set(err, ES_ENOMEM, "out of memory");
  if (kind == ES_PG_K_INT2) {
    if (v < SHRT_MIN || v > SHRT_MAX)
      return es_err_set(err, ES_EINVAL, "%s = %d does not fit the smallint column", f->name,
                        (int)v);
    p = put_u16(put_u32(p, 2), (uint16_t)(int16_t)v);
  } else if (kind == ES_PG_K_INT8) {
    int64_t w = v;
    p = put_u32(put_u32(put_u32(p, 8), (uint32_t)((uint64_t)w >> 32)), (uint32_t)(uint64_t)w);
  } else {
    p = put_u32(put_u32(p, 4), (uint32_t)v);
  }
  return commit_bytes(b, p);
}

/* Array header of a one-dimensional array of n elements, or of an empty one (ndim 0). */
static char *array_header(char *p, Oid elem, size_t n) {
  p = put_u32(p, n ? 1 : 0);
  p = put_u32(p, 0); /* no NULL elements */
  p = put_u32(p, elem);
  if (n) p = put_u32(put_u32(p, (uint32_t)n), 1);
  return p;
}

static int put_text_array(es_buf *b, const es_pg_col *col, const char *const *items, size_t n,
                          int with_len, es_error *err) {
  es_pg_kind ek = col->elem == 2950 ? ES_PG_K_UUID : ES_PG_K_TEXT; /* 2950: uuid */
  size_t start = b->len, i;
  char *p;
  int rc;
  if (n > INT32_MAX / 4) return es_err_set(err, ES_EINVAL, "array of %zu items is too long", n);
  if (!(p = reserve(b, 24))) return es_err_set(err, ES_ENOMEM, "out of memory");
  if (with_len) p = put_u32(p, 0); /* patched below */
  commit_bytes(b, array_header(p, col->elem, n));
  for (i = 0; i < n; i++)
    if ((rc = put_scalar_text(b, ek, items[i], err))) return rc;
  if (with_len) {
    size_t len = b->len - start - 4;
    if (len > INT32_MAX) return es_err_set(err, ES_EINVAL, "array of %zu bytes is too long", len);
    put_u32(b->ptr + start, (uint32_t)len);
  }
  return 0;
}

static int put_vector(es_buf *b, const es_pg_col *col, const es_value *v, es_error *err) {
  size_t n = v->vec.n, i, body;
  char *p;
  /* pgvector's limit, and more than any stream may declare (validate.h) */
  if (n < ES_DIM_MIN || n > ES_DIM_MAX)
    return es_err_set(err, ES_EINVAL, "vector of %zu values cannot be stored", n);
  body = col->kind == ES_PG_K_VECTOR ? 4 + 4 * n : 20 + 8 * n;
  if (!(p = reserve(b, 4 + body))) return es_err_set(err, ES_ENOMEM, "out of memory");
  p = put_u32(p, (uint32_t)body);
  if (col->kind == ES_PG_K_VECTOR) {
    p = put_u16(put_u16(p, (uint16_t)n), 0);
    for (i = 0; i < n; i++) p = put_f32(p, v->vec.v[i]);
  } else {
    p = array_header(p, 700, n); /* 700: float4 */
    for (i = 0; i < n; i++) p = put_f32(put_u32(p, 4), v->vec.v[i]);
  }
  return commit_bytes(b, p);
}

int es_pg_put_field(es_buf *b, const es_pg_col *col, const es_value *v, const es_field *f,
                    es_error *err) {
  switch (col->kind) {
  case ES_PG_K_TEXT:
  case ES_PG_K_UUID: return put_scalar_text(b, col->kind, v->s ? v->s : "", err);
  case ES_PG_K_INT2:
  case ES_PG_K_INT4:
  case ES_PG_K_INT8: return put_int(b, col->kind, v->i, f, err);
  case ES_PG_K_TEXTARR:
    return put_text_array(b, col, (const char *const *)v->list.items, v->list.n, 1, err);
  case ES_PG_K_FLOAT4ARR:
  case ES_PG_K_VECTOR: return put_vector(b, col, v, err);
  }
  return es_err_set(err, ES_EINTERNAL, "postgres: column kind %d of %s unknown", (int)col->kind,
                    f->name);
}

int es_pg_put_key_array(es_buf *b, const es_pg_col *col, const char *const *keys, size_t n,
                        es_error *err) {
  es_pg_col arr = *col;
  arr.elem = col->type; /* an array of the key column's own type */
  return put_text_array(b, &arr, keys, n, 0, err);
}

/* ---------------------------------------------------------------- COPY */

static int encode_row(es_buf *b, const es_pg_table *t, const es_value *row, es_error *err) {
  const es_domain *d = t->d;
  size_t i;
  char *p = reserve(b, 2);
  int rc;
  if (!p) return es_err_set(err, ES_ENOMEM, "out of memory");
  commit_bytes(b, put_u16(p, (uint16_t)d->nfields));
  for (i = 0; i < d->nfields; i++)
    if ((rc = es_pg_put_field(b, &t->cols[i], &row[i], &d->fields[i], err))) return rc;
  return 0;
}

int es_pg_copy_header(es_buf *b) {
  char *p = reserve(b, 19);
  if (!p) return ES_ENOMEM;
  memcpy(p, copy_signature, 11);
  return commit_bytes(b, put_u32(put_u32(p + 11, 0), 0)); /* flags, header extension length */
}

int es_pg_copy_trailer(es_buf *b) {
  char *p = reserve(b, 2);
  if (!p) return ES_ENOMEM;
  return commit_bytes(b, put_u16(p, 0xffff));
}

int es_pg_copy_encode_rows(es_buf *b, const es_pg_table *t, const es_chunk *c, const uint32_t *rows,
                           size_t n, es_pg_sink sink, void *arg, es_error *err) {
  size_t i;
  int rc;
  for (i = 0; i < n; i++) {
    if ((rc = encode_row(b, t, es_chunk_row(c, rows[i]), err))) return rc;
    if (b->len >= ES_PG_COPY_PIECE) {
      if ((rc = sink(arg, b->ptr, b->len, err))) return rc;
      es_buf_clear(b);
    }
  }
  return 0;
}

int es_pg_copy_encode(const es_pg_table *t, const es_chunk *c, const uint32_t *rows, size_t n,
                      es_buf *b, es_pg_sink sink, void *arg, es_error *err) {
  int rc;
  es_buf_clear(b);
  if (es_pg_copy_header(b))
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
  else if (!(rc = es_pg_copy_encode_rows(b, t, c, rows, n, sink, arg, err)))
    rc = es_pg_copy_trailer(b) ? es_err_set(err, ES_ENOMEM, "out of memory")
                               : sink(arg, b->ptr, b->len, err);
  es_buf_clear(b);
  return rc;
}
