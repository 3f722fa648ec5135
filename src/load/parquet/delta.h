/* delta.h - DELTA_BINARY_PACKED, Parquet's encoding of integers (and of the lengths inside the
   DELTA_*_BYTE_ARRAY encodings): a header, then blocks of bit-packed deltas, decoded a batch at
   a time. */
#ifndef ES_PQ_DELTA_H
#define ES_PQ_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* More miniblocks per block, or more values per block, than any writer uses. */
#define ES_PQ_DELTA_MINIBLOCKS_MAX 256u
#define ES_PQ_DELTA_BLOCK_MAX 65536u

typedef struct es_pq_delta {
  const uint8_t *p, *end; /* the next block (or the current miniblock's data) */
  uint64_t off;           /* the page's offset, for messages */
  int is32;               /* INT32 arithmetic wraps at 32 bits */
  uint32_t block, nmini,
      per_mini;  /* values per block, miniblocks per block, values per miniblock */
  uint64_t left; /* values not produced yet */
  uint64_t last; /* the previous value (two's complement) */
  uint64_t min_delta;
  uint8_t widths[ES_PQ_DELTA_MINIBLOCKS_MAX];
  uint32_t mini;     /* current miniblock in the block (nmini: a new block is due) */
  uint32_t in_mini;  /* values left in it */
  const uint8_t *mp; /* its data */
  uint64_t mbit;     /* the next value's bit offset in it */
  int first;         /* the header's first value is still to be produced */
} es_pq_delta;

/* Reads the header of the stream at [p, end). */
int es_pq_delta_init(es_pq_delta *d, const uint8_t *p, const uint8_t *end, int is32, uint64_t off,
                     es_error *err);
/* The next n values (no more than are left). */
int es_pq_delta_get(es_pq_delta *d, int64_t *out, size_t n, es_error *err);
/* Where the stream ends, found by walking the block headers without decoding (the byte array
   encodings put data after it). d is not changed. */
int es_pq_delta_end(const es_pq_delta *d, const uint8_t **end, es_error *err);

#endif
