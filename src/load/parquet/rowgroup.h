/* rowgroup.h - the footer's row groups decoded one at a time, and of each only the column chunks
   the reader needs: memory stays small however many row groups and columns the file has. */
#ifndef ES_PQ_ROWGROUP_H
#define ES_PQ_ROWGROUP_H

#include <stdint.h>

#include "core/error.h"
#include "load/parquet/footer.h"
#include "load/parquet/thrift.h"

/* One column chunk as the reader needs it (ColumnMetaData). */
typedef struct es_pq_chunk {
  int32_t type;        /* physical type */
  int32_t codec;       /* CompressionCodec */
  int64_t num_values;  /* levels in the chunk (the rows, for a flat column) */
  uint64_t start, end; /* its pages, dictionary first: [start, end) of the file */
} es_pq_chunk;

typedef struct es_pq_rgs {
  es_pq_tr t;     /* at the next row group */
  uint32_t index; /* of the next row group */
} es_pq_rgs;

void es_pq_rgs_start(es_pq_rgs *it, const es_pq_footer *f, es_error *err);
/* The next row group: its row count, and for every leaf column i with slot[i] >= 0 its chunk into
   out[slot[i]]. The row group must have nleaves column chunks, each of the type the schema says
   (leaf_type[i]) and lying inside the file's data. 1 with a row group, 0 after the last. */
int es_pq_rgs_next(es_pq_rgs *it, const es_pq_footer *f, const int *slot, const int32_t *leaf_type,
                   uint32_t nleaves, es_pq_chunk *out, int64_t *nrows);

#endif
