/* thrift.h - a bounded reader of the Thrift compact protocol, the encoding of Parquet's footer
   and page headers: every length, count and nesting depth is checked against the bytes that
   are really there before anything is believed or allocated. */
#ifndef ES_PQ_THRIFT_H
#define ES_PQ_THRIFT_H

#include <stdint.h>

#include "core/error.h"

/* Wire types of the compact protocol (a field header's low nibble, a list's element type). */
enum {
  ES_PQ_T_STOP = 0,
  ES_PQ_T_TRUE = 1,
  ES_PQ_T_FALSE = 2,
  ES_PQ_T_BYTE = 3,
  ES_PQ_T_I16 = 4,
  ES_PQ_T_I32 = 5,
  ES_PQ_T_I64 = 6,
  ES_PQ_T_DOUBLE = 7,
  ES_PQ_T_BINARY = 8,
  ES_PQ_T_LIST = 9,
  ES_PQ_T_SET = 10,
  ES_PQ_T_MAP = 11,
  ES_PQ_T_STRUCT = 12,
  ES_PQ_T_UUID = 13
};

/* Parquet's structs nest 6 deep at most; more is a hostile file walking the stack. */
#define ES_PQ_THRIFT_DEPTH 32

typedef struct es_pq_tr {
  const uint8_t *base;                   /* byte 0 of the file: messages give offsets from it */
  const uint8_t *p, *end;                /* what is left to read */
  unsigned depth;                        /* structs open around p */
  const char *names[ES_PQ_THRIFT_DEPTH]; /* their names, for messages */
  int16_t fids[ES_PQ_THRIFT_DEPTH];      /* the field being read in each */
  es_error *err;
} es_pq_tr;

void es_pq_tr_init(es_pq_tr *t, const uint8_t *base, const uint8_t *p, const uint8_t *end,
                   es_error *err);
/* Fails with "byte N: <struct>.<field>: <what>"; returns ES_EINVAL. */
int es_pq_tr_fail(es_pq_tr *t, const char *what);

/* Enters a struct (name for messages); then es_pq_tr_field until it reports ES_PQ_T_STOP, which
   leaves the struct again. */
int es_pq_tr_begin(es_pq_tr *t, const char *name);
int es_pq_tr_field(es_pq_tr *t, int16_t *id, int *type);

/* A value of the field (or list element) whose wire type is type; a wrong type is an error.
   Integers accept the narrower integer types, as Thrift widens them. */
int es_pq_tr_i32(es_pq_tr *t, int type, int32_t *v);
int es_pq_tr_i64(es_pq_tr *t, int type, int64_t *v);
int es_pq_tr_bool(es_pq_tr *t, int type, int *v);
/* Bytes of a binary/string value, pointing into the input. */
int es_pq_tr_binary(es_pq_tr *t, int type, const uint8_t **s, uint32_t *n);
/* A list (or set) header: its element type and count, the count no larger than the bytes left
   (every element takes at least one). The elements follow. */
int es_pq_tr_list(es_pq_tr *t, int type, int *elem, uint32_t *n);
/* Skips a value of the given wire type (fields a reader does not need, unknown fields). */
int es_pq_tr_skip(es_pq_tr *t, int type);

#endif
