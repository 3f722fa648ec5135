/* values.h - a data page's values in any encoding the reader supports (PLAIN, dictionary,
   DELTA_BINARY_PACKED, the DELTA byte array encodings, BYTE_STREAM_SPLIT), handed out a batch at
   a time in the form a field wants: float32, double, int64 or bytes. */
#ifndef ES_PQ_VALUES_H
#define ES_PQ_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/bytes.h"
#include "load/parquet/delta.h"
#include "load/parquet/dict.h"
#include "load/parquet/rle.h"

typedef struct es_pq_vals {
  int enc, type;
  size_t width;           /* bytes per value of a fixed-width type */
  const uint8_t *p, *end; /* PLAIN: the next value; BYTE_STREAM_SPLIT: the streams */
  uint64_t off;           /* the page's offset, for messages */
  uint64_t n, pos;        /* values in the page, values handed out */
  const es_pq_dict *dict;
  es_pq_rle idx;    /* dictionary indices */
  es_pq_delta ints; /* DELTA_BINARY_PACKED */
  es_pq_barr barr;  /* BYTE_ARRAY; keeps its buffers from page to page */
} es_pq_vals;

/* Starts on the values in [p, end) of a data page encoded enc (nvals: at most that many, from
   the page header; writers fill num_nulls unreliably, so the encodings' own counts decide), of a
   column of the given physical type (width: its fixed size, 0 for BYTE_ARRAY). dict: the chunk's
   dictionary (may be absent). budget: see es_pq_barr_init. An encoding the type cannot have is
   refused by name. */
int es_pq_vals_init(es_pq_vals *v, int enc, int type, size_t width, const uint8_t *p,
                    const uint8_t *end, uint64_t nvals, const es_pq_dict *dict,
                    const uint64_t *budget, uint64_t off, es_error *err);
/* The next n values. FLOAT and DOUBLE columns give float32 (DOUBLE narrowed as the CSV path
   narrows numbers) or double; INT32 and INT64 columns give int64 (is_unsigned: the bits read as
   unsigned, beyond INT64_MAX saturated); BYTE_ARRAY columns give bytes, at most
   ES_PQ_BYTES_BATCH at a time, valid until the next call. */
int es_pq_vals_f32(es_pq_vals *v, float *out, size_t n, es_error *err);
int es_pq_vals_f64(es_pq_vals *v, double *out, size_t n, es_error *err);
int es_pq_vals_i64(es_pq_vals *v, int64_t *out, size_t n, int is_unsigned, es_error *err);
int es_pq_vals_bytes(es_pq_vals *v, es_pq_bytes *out, size_t n, es_error *err);
void es_pq_vals_free(es_pq_vals *v);

#endif
