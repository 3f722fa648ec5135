/* thrift.c - Thrift compact protocol, read with bounds: varints of at most 10 bytes, lengths
   and counts within the input, nesting at most ES_PQ_THRIFT_DEPTH deep. */
#include "load/parquet/thrift.h"

#include <stdio.h>
#include <string.h>

#include "load/parquet/fail.h"

static const char *const type_names[] = {"stop", "true", "false",  "byte",   "i16",
                                         "i32",  "i64",  "double", "binary", "list",
                                         "set",  "map",  "struct", "uuid"};

void es_pq_tr_init(es_pq_tr *t, const uint8_t *base, const uint8_t *p, const uint8_t *end,
                   es_error *err) {
  memset(t, 0, sizeof(*t));
  t->base = base;
  t->p = p;
  t->end = end;
  t->err = err;
}

int es_pq_tr_fail(es_pq_tr *t, const char *what) {
  const char *name = t->depth ? t->names[t->depth - 1] : "thrift";
  if (!t->depth || !t->fids[t->depth - 1])
    return es_pq_fail(t->err, (uint64_t)(t->p - t->base), "%s: %s", name, what);
  return es_pq_fail(t->err, (uint64_t)(t->p - t->base), "%s field %d: %s", name,
                    t->fids[t->depth - 1], what);
}

static int varint(es_pq_tr *t, uint64_t *v) {
  uint64_t x = 0;
  unsigned shift = 0;
  const uint8_t *p = t->p;
  *v = 0; /* also on failure: gcc -O3 cannot see that es_pq_tr_fail never returns 0 */
  for (;;) {
    if (p == t->end) return es_pq_tr_fail(t, "a varint runs past the end of the data");
    if (shift == 63 && *p > 1) return es_pq_tr_fail(t, "a varint longer than 64 bits");
    x |= (uint64_t)(*p & 0x7f) << shift;
    if (!(*p++ & 0x80)) break;
    shift += 7;
  }
  t->p = p;
  *v = x;
  return 0;
}

static int64_t unzigzag(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

static int wrong_type(es_pq_tr *t, int type, const char *want) {
  char msg[96];
  snprintf(msg, sizeof(msg), "wire type %s, expected %s",
           type >= 0 && type <= ES_PQ_T_UUID ? type_names[type] : "unknown", want);
  return es_pq_tr_fail(t, msg);
}

int es_pq_tr_begin(es_pq_tr *t, const char *name) {
  if (t->depth == ES_PQ_THRIFT_DEPTH) return es_pq_tr_fail(t, "structures nested too deep");
  t->names[t->depth] = name;
  t->fids[t->depth] = 0;
  t->depth++;
  return 0;
}

int es_pq_tr_field(es_pq_tr *t, int16_t *id, int *type) {
  uint64_t u;
  int64_t v;
  int16_t *last = &t->fids[t->depth - 1];
  uint8_t b;
  int rc;
  *type = ES_PQ_T_STOP;
  if (t->p == t->end) return es_pq_tr_fail(t, "the structure runs past the end of the data");
  b = *t->p++;
  if (b == 0) {
    *type = ES_PQ_T_STOP;
    t->depth--;
    return 0;
  }
  *type = b & 0x0f;
  if (*type > ES_PQ_T_UUID) {
    t->p--; /* the message points at the bad header byte */
    return wrong_type(t, *type, "a field type");
  }
  if (b >> 4) {
    v = *last + (b >> 4);
  } else {
    if ((rc = varint(t, &u))) return rc;
    v = unzigzag(u);
  }
  if (v < 1 || v > INT16_MAX) return es_pq_tr_fail(t, "a field id out of range");
  *id = *last = (int16_t)v;
  return 0;
}

int es_pq_tr_i64(es_pq_tr *t, int type, int64_t *v) {
  uint64_t u;
  int rc;
  *v = 0;
  if (type == ES_PQ_T_BYTE) {
    if (t->p == t->end) return es_pq_tr_fail(t, "a byte runs past the end of the data");
    *v = (int8_t)*t->p++;
    return 0;
  }
  if (type != ES_PQ_T_I16 && type != ES_PQ_T_I32 && type != ES_PQ_T_I64)
    return wrong_type(t, type, "an integer");
  if ((rc = varint(t, &u))) return rc;
  *v = unzigzag(u);
  if (type == ES_PQ_T_I16 && (*v < INT16_MIN || *v > INT16_MAX))
    return es_pq_tr_fail(t, "an i16 out of range");
  if (type == ES_PQ_T_I32 && (*v < INT32_MIN || *v > INT32_MAX))
    return es_pq_tr_fail(t, "an i32 out of range");
  return 0;
}

int es_pq_tr_i32(es_pq_tr *t, int type, int32_t *v) {
  int64_t w;
  int rc;
  if (type == ES_PQ_T_I64) return wrong_type(t, type, "an i32");
  if ((rc = es_pq_tr_i64(t, type, &w))) return rc;
  *v = (int32_t)w;
  return 0;
}

int es_pq_tr_bool(es_pq_tr *t, int type, int *v) {
  if (type != ES_PQ_T_TRUE && type != ES_PQ_T_FALSE) return wrong_type(t, type, "a bool");
  *v = type == ES_PQ_T_TRUE;
  return 0;
}

int es_pq_tr_binary(es_pq_tr *t, int type, const uint8_t **s, uint32_t *n) {
  uint64_t u;
  int rc;
  if (type != ES_PQ_T_BINARY) return wrong_type(t, type, "binary");
  if ((rc = varint(t, &u))) return rc;
  if (u > (uint64_t)(t->end - t->p)) return es_pq_tr_fail(t, "a string longer than the data left");
  *s = t->p;
  *n = (uint32_t)u;
  t->p += u;
  return 0;
}

int es_pq_tr_list(es_pq_tr *t, int type, int *elem, uint32_t *n) {
  uint64_t u;
  uint8_t b;
  int rc;
  if (type != ES_PQ_T_LIST && type != ES_PQ_T_SET) return wrong_type(t, type, "a list");
  if (t->p == t->end) return es_pq_tr_fail(t, "a list header runs past the end of the data");
  b = *t->p++;
  *elem = b & 0x0f;
  if (*elem == ES_PQ_T_STOP || *elem > ES_PQ_T_UUID)
    return wrong_type(t, *elem, "a list element type");
  u = b >> 4;
  if (u == 15 && (rc = varint(t, &u))) return rc;
  if (u > (uint64_t)(t->end - t->p)) return es_pq_tr_fail(t, "a list longer than the data left");
  *n = (uint32_t)u;
  return 0;
}

/* A container counts against the depth like a struct, since skipping it recurses the same; it
   keeps the enclosing struct's name for messages. */
static int nest(es_pq_tr *t) {
  if (t->depth == ES_PQ_THRIFT_DEPTH) return es_pq_tr_fail(t, "structures nested too deep");
  t->names[t->depth] = t->depth ? t->names[t->depth - 1] : "thrift";
  t->fids[t->depth] = t->depth ? t->fids[t->depth - 1] : 0;
  t->depth++;
  return 0;
}

static int skip_bytes(es_pq_tr *t, uint64_t n) {
  if (n > (uint64_t)(t->end - t->p))
    return es_pq_tr_fail(t, "a value runs past the end of the data");
  t->p += n;
  return 0;
}

static int skip_elems(es_pq_tr *t, int elem, uint64_t n) {
  uint64_t i;
  int rc;
  /* In containers a bool is a byte of its own, unlike a bool field. */
  if (elem == ES_PQ_T_TRUE || elem == ES_PQ_T_FALSE) return skip_bytes(t, n);
  for (i = 0; i < n; i++)
    if ((rc = es_pq_tr_skip(t, elem))) return rc;
  return 0;
}

static int skip_map(es_pq_tr *t) {
  uint64_t n;
  uint8_t kv;
  int rc;
  if ((rc = varint(t, &n))) return rc;
  if (!n) return 0;
  if (n > (uint64_t)(t->end - t->p) / 2) return es_pq_tr_fail(t, "a map longer than the data left");
  if (t->p == t->end) return es_pq_tr_fail(t, "a map header runs past the end of the data");
  kv = *t->p++;
  if ((kv >> 4) == ES_PQ_T_STOP || (kv >> 4) > ES_PQ_T_UUID || (kv & 15) == ES_PQ_T_STOP ||
      (kv & 15) > ES_PQ_T_UUID)
    return es_pq_tr_fail(t, "a map of unknown types");
  while (n--)
    if ((rc = skip_elems(t, kv >> 4, 1)) || (rc = skip_elems(t, kv & 15, 1))) return rc;
  return 0;
}

static int skip_struct(es_pq_tr *t) {
  int16_t id;
  int type, rc;
  if ((rc = es_pq_tr_begin(t, "unknown struct"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) return 0;
    if ((rc = es_pq_tr_skip(t, type))) return rc;
  }
}

int es_pq_tr_skip(es_pq_tr *t, int type) {
  uint64_t u;
  uint32_t n;
  int elem, rc;
  switch (type) {
  case ES_PQ_T_TRUE:
  case ES_PQ_T_FALSE: return 0;
  case ES_PQ_T_BYTE: return skip_bytes(t, 1);
  case ES_PQ_T_I16:
  case ES_PQ_T_I32:
  case ES_PQ_T_I64: return varint(t, &u);
  case ES_PQ_T_DOUBLE: return skip_bytes(t, 8);
  case ES_PQ_T_UUID: return skip_bytes(t, 16);
  case ES_PQ_T_BINARY: return (rc = varint(t, &u)) ? rc : skip_bytes(t, u);
  case ES_PQ_T_LIST:
  case ES_PQ_T_SET:
    if ((rc = es_pq_tr_list(t, type, &elem, &n)) || (rc = nest(t))) return rc;
    rc = skip_elems(t, elem, n);
    t->depth--;
    return rc;
  case ES_PQ_T_MAP:
    if ((rc = nest(t))) return rc;
    rc = skip_map(t);
    t->depth--;
    return rc;
  case ES_PQ_T_STRUCT: return skip_struct(t);
  default: return wrong_type(t, type, "a known type");
  }
}
