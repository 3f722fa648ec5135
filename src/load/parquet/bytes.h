/* bytes.h - BYTE_ARRAY values (text) in their three encodings: PLAIN (4-byte length, bytes),
   DELTA_LENGTH_BYTE_ARRAY (all lengths, then all bytes) and DELTA_BYTE_ARRAY (prefix shared with
   the previous value, then a suffix), decoded a batch at a time. */
#ifndef ES_PQ_BYTES_H
#define ES_PQ_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/delta.h"

/* Values es_pq_barr_get gives at most per call. */
#define ES_PQ_BYTES_BATCH 256

/* One value: its bytes (in the page, the dictionary or the decoder's buffer) and length. */
typedef struct es_pq_bytes {
  const uint8_t *p;
  uint32_t n;
} es_pq_bytes;

typedef struct es_pq_barr {
  int enc;                /* ES_PQ_PLAIN, ES_PQ_DELTA_LENGTH_BYTE_ARRAY or ES_PQ_DELTA_BYTE_ARRAY */
  const uint8_t *p, *end; /* the next value's (or suffix's) bytes */
  uint64_t off;           /* the page's offset, for messages */
  es_pq_delta lens;       /* lengths (of suffixes, for DELTA_BYTE_ARRAY) */
  es_pq_delta prefix;     /* DELTA_BYTE_ARRAY: prefix lengths */
  const uint64_t *budget; /* DELTA_BYTE_ARRAY: bytes a batch may expand to */
  uint8_t *prev;          /* DELTA_BYTE_ARRAY: the previous value ... */
  size_t prev_len, prev_cap;
  uint8_t *buf; /* ... and this batch's values */
  size_t buf_cap;
} es_pq_barr;

/* Starts decoding the values in [p, end) (each request is checked against what the encoding
   holds: a page header's counts are not to be trusted). budget: what the rows may still expand to
   (checked, not charged). Keeps b's buffers from an earlier page. */
int es_pq_barr_init(es_pq_barr *b, int enc, const uint8_t *p, const uint8_t *end,
                    const uint64_t *budget, uint64_t off, es_error *err);
/* The next n (at most ES_PQ_BYTES_BATCH) values; pointers stay valid until the next call. */
int es_pq_barr_get(es_pq_barr *b, es_pq_bytes *out, size_t n, es_error *err);
/* Checks that n PLAIN values fit [p, end) and points out[i] at them (dictionary pages). */
int es_pq_plain_bytes(const uint8_t *p, const uint8_t *end, es_pq_bytes *out, size_t n,
                      uint64_t off, es_error *err);
void es_pq_barr_free(es_pq_barr *b);

#endif
