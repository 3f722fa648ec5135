/* dict.h - a column chunk's dictionary page: its values kept (copied out of the page buffer,
   which the next page reuses) for the data pages' indices to refer to. */
#ifndef ES_PQ_DICT_H
#define ES_PQ_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/bytes.h"

typedef struct es_pq_dict {
  int present;        /* a dictionary page was read for this chunk */
  int type;           /* the column's physical type */
  size_t width;       /* bytes per value of a fixed-width type, 0 for BYTE_ARRAY */
  uint32_t n;         /* entries */
  uint8_t *data;      /* the values, PLAIN-encoded as the page held them */
  es_pq_bytes *items; /* BYTE_ARRAY: each entry's bytes in data */
} es_pq_dict;

/* Loads the n PLAIN values of a dictionary page [p, p + len) of a type-typed column (width:
   its fixed width, 0 for BYTE_ARRAY); a second dictionary page is an error. */
int es_pq_dict_load(es_pq_dict *d, int type, size_t width, const uint8_t *p, size_t len, int32_t n,
                    uint64_t off, es_error *err);
void es_pq_dict_free(es_pq_dict *d);

#endif
