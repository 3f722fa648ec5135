/* column.h - one column chunk read page by page: pages located, decompressed and their levels
   decoded a batch at a time, so memory is a page and a batch whatever the chunk's size. File
   pages behind the reader are handed back to the kernel (madvise) as it moves on. */
#ifndef ES_PQ_COLUMN_H
#define ES_PQ_COLUMN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/dict.h"
#include "load/parquet/rle.h"
#include "load/parquet/rowgroup.h"
#include "load/parquet/schema.h"
#include "load/parquet/values.h"

/* Levels decoded per batch: a few 384-d rows, small next to a page. */
#define ES_PQ_LEVEL_BATCH 65536

typedef struct es_pq_col {
  const es_pq_colspec *spec;
  const uint8_t *file;
  int mapped;              /* file is a mapping whose pages may be released */
  uint64_t pos, end;       /* the next page header; the end of the chunk */
  uint64_t released;       /* file bytes before this were released */
  int codec;
  int64_t levels_left;     /* levels the chunk's metadata announces that no page has given yet */
  int data_seen;           /* a data page was read (a dictionary page must come first) */
  es_pq_dict dict;
  uint8_t *buf;            /* the decompressed page */
  size_t cap;
  uint64_t page_off;       /* the current page's offset, for messages */
  uint32_t page_left;      /* its levels not yet decoded */
  es_pq_rle rep, def;
  es_pq_vals vals;
  uint8_t *reps, *defs;    /* the batch of levels (reps unused when max_rep is 0) */
  size_t nb, ib;           /* levels in the batch, the next one */
  const uint64_t *budget;  /* what the rows may still expand to */
  size_t largest;          /* largest decompressed page, for the debug log */
} es_pq_col;

/* Starts on chunk ch of column spec in file (mapped: release pages behind). Keeps c's buffers
   from an earlier chunk; c must be zeroed before its first use. */
int es_pq_col_open(es_pq_col *c, const es_pq_colspec *spec, const es_pq_chunk *ch, const uint8_t *file, int mapped,
                   const uint64_t *budget, es_error *err);
/* Makes c->ib < c->nb, reading pages as needed: 1, or 0 when the chunk has no more levels. */
int es_pq_col_more(es_pq_col *c, es_error *err);
/* At the end of a row group: checks nothing is left over and releases the chunk's file pages. */
int es_pq_col_finish(es_pq_col *c, es_error *err);
void es_pq_col_free(es_pq_col *c);

#endif
