/* fill_list.h - list columns into rows: the vector (float32, straight into the chunk's arena)
   and skills (text items), row boundaries read from the repetition levels. */
#ifndef ES_PQ_FILL_LIST_H
#define ES_PQ_FILL_LIST_H

#include <stddef.h>

#include "core/error.h"
#include "load/parquet/column.h"
#include "load/parquet/fill.h"

/* Scratch kept from row to row for lists that span level batches or pages. */
typedef struct es_pq_scratch {
  float *f; /* a vector's values */
  size_t fcap;
  char **items; /* a list's text items, already in the chunk's arena */
  size_t icap;
} es_pq_scratch;

/* Fills field of r's rows from list column c. A null or empty skills list is no skills; a null
   vector or a null item in any list is an error naming the row. */
int es_pq_fill_list(es_pq_col *c, size_t field, const es_pq_rows *r, es_pq_scratch *s,
                    es_error *err);
void es_pq_scratch_free(es_pq_scratch *s);

#endif
