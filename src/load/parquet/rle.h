/* rle.h - Parquet's RLE/bit-packed hybrid, the encoding of definition and repetition levels and
   of dictionary indices, decoded a batch at a time (runs can claim any length; only what the
   caller asks for is produced, so a run of 2^31 values costs nothing up front). */
#ifndef ES_PQ_RLE_H
#define ES_PQ_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct es_pq_rle {
  const uint8_t *p, *end;     /* runs not started yet */
  uint64_t off;               /* the page's offset in the file, for messages */
  int bw;                     /* bit width, 0..32 */
  uint32_t max;               /* largest value allowed (levels: the column's maximum level) */
  uint32_t left;              /* values left in the current run */
  int packed;                 /* the current run is bit-packed */
  uint32_t value;             /* an RLE run's value */
  const uint8_t *bp, *bp_end; /* a bit-packed run's bytes */
  uint64_t bit;               /* the next value's bit offset in them */
} es_pq_rle;

/* The hybrid stream [p, end) of bw-bit values, none above max. */
void es_pq_rle_init(es_pq_rle *r, const uint8_t *p, const uint8_t *end, int bw, uint32_t max,
                    uint64_t off);
/* The next n values as bytes (bw <= 8: levels), or as uint32 (dictionary indices). A stream
   that ends early or holds a value above max is an error. */
int es_pq_rle_u8(es_pq_rle *r, uint8_t *out, size_t n, es_error *err);
int es_pq_rle_u32(es_pq_rle *r, uint32_t *out, size_t n, es_error *err);
/* Bits needed for values up to max (the level bit width). */
int es_pq_bit_width(uint32_t max);

#endif
