/* pq_build.h - a tiny Thrift compact protocol writer for the Parquet unit tests: footers and page
   headers built by hand, hostile ones included (huge counts, lying lengths, deep nesting). */
#ifndef ES_PQ_BUILD_H
#define ES_PQ_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pqb {
  uint8_t *p;
  size_t n, cap;
  int16_t last[64]; /* last field id of each open struct */
  int depth;
} pqb;

static inline void pqb_bytes(pqb *b, const void *s, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
}
static inline void pqb_byte(pqb *b, uint8_t c) { pqb_bytes(b, &c, 1); }
static inline void pqb_varint(pqb *b, uint64_t v) {
  while (v >= 0x80) {
    pqb_byte(b, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  pqb_byte(b, (uint8_t)v);
}
static inline void pqb_zz(pqb *b, int64_t v) {
  pqb_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
static inline void pqb_le32(pqb *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  pqb_bytes(b, x, 4);
}
/* A field header: short form when the id follows the last one closely. */
static inline void pqb_field(pqb *b, int16_t id, int type) {
  int16_t *last = &b->last[b->depth];
  if (id > *last && id - *last <= 15) {
    pqb_byte(b, (uint8_t)((id - *last) << 4 | type));
  } else {
    pqb_byte(b, (uint8_t)type);
    pqb_zz(b, id);
  }
  *last = id;
}
static inline void pqb_begin(pqb *b) { b->last[++b->depth] = 0; }
static inline void pqb_end(pqb *b) {
  pqb_byte(b, 0);
  b->depth--;
}
static inline void pqb_i32(pqb *b, int16_t id, int64_t v) {
  pqb_field(b, id, 5);
  pqb_zz(b, v);
}
static inline void pqb_i64(pqb *b, int16_t id, int64_t v) {
  pqb_field(b, id, 6);
  pqb_zz(b, v);
}
static inline void pqb_bool(pqb *b, int16_t id, int v) { pqb_field(b, id, v ? 1 : 2); }
static inline void pqb_str(pqb *b, int16_t id, const char *s) {
  pqb_field(b, id, 8);
  pqb_varint(b, strlen(s));
  pqb_bytes(b, s, strlen(s));
}
static inline void pqb_list(pqb *b, int16_t id, int elem, uint64_t n) {
  pqb_field(b, id, 9);
  if (n < 15) {
    pqb_byte(b, (uint8_t)(n << 4 | elem));
  } else {
    pqb_byte(b, (uint8_t)(0xf0 | elem));
    pqb_varint(b, n);
  }
}
static inline void pqb_struct(pqb *b, int16_t id) {
  pqb_field(b, id, 12);
  pqb_begin(b);
}
static inline void pqb_free(pqb *b) {
  free(b->p);
  memset(b, 0, sizeof(*b));
}

/* A schema element; children < 0 leaves num_children out, type < 0 the type, rep < 0 the
   repetition. */
static inline void pqb_selem(pqb *b, const char *name, int type, int rep, int children,
                             int converted) {
  pqb_begin(b);
  if (type >= 0) pqb_i32(b, 1, type);
  if (rep >= 0) pqb_i32(b, 3, rep);
  pqb_str(b, 4, name);
  if (children >= 0) pqb_i32(b, 5, children);
  if (converted >= 0) pqb_i32(b, 6, converted);
  pqb_end(b);
}

/* A whole file around the footer bytes in meta: PAR1, data, meta, its length, PAR1. */
static inline void pqb_file(pqb *out, const uint8_t *data, size_t ndata, const pqb *meta) {
  pqb_bytes(out, "PAR1", 4);
  pqb_bytes(out, data, ndata);
  pqb_bytes(out, meta->p, meta->n);
  pqb_le32(out, (uint32_t)meta->n);
  pqb_bytes(out, "PAR1", 4);
}

#endif
