/* column.h - one column chunk read page by page: pages located, decompressed and their levels
   decoded a batch at a time, so memory is a page and a batch whatever the chunk's size. File
   pages behind the reader are handed back to the kernel (madvise) as it moves on. */
#ifndef ES_PQ_COLUMN_H
#define ES_PQ_COLUMN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/ahead.h"
#include "load/parquet/dict.h"
#include "load/parquet/page.h"
#include "load/parquet/pagebuf.h"
#include "load/parquet/rle.h"
#include "load/parquet/rowgroup.h"
#include "load/parquet/schema.h"
#include "load/parquet/values.h"

/* Levels decoded per batch: a few 384-d rows, small next to a page. */
#define ES_PQ_LEVEL_BATCH 65536
/* A compressed page at least this big is decompressed ahead, on another thread ... */
#define ES_PQ_AHEAD_MIN ((uint32_t)4 << 20)
/* ... and at most this big: ahead, it is a second whole page in memory beside the one being
   read, which for DuckDB's 100 MiB vector pages would double the reader's peak (issue 13's
   bound is 64 MiB plus one page). A bigger one is decompressed in place when its turn comes. */
#define ES_PQ_AHEAD_MAX ((uint32_t)16 << 20)

typedef struct es_pq_col {
  const es_pq_colspec *spec;
  const uint8_t *file;
  int mapped;        /* file is a mapping whose pages may be released */
  uint64_t pos, end; /* the next page header; the end of the chunk */
  uint64_t released; /* file bytes before this were released */
  int codec;
  int64_t levels_left; /* levels the chunk's metadata announces that no page has given yet */
  int data_seen;       /* a data page was read (a dictionary page must come first) */
  es_pq_dict dict;
  es_pq_pagebuf pb[2]; /* decompressed pages: the current one, pb[cur], and the next */
  int cur;
  es_pq_ahead ahead;     /* the next page being decompressed into pb[!cur] ... */
  es_pq_page next;       /* ... whose header this is */
  int ahead_on;          /* (whether there is one) */
  int decoded;           /* the page being started was decompressed ahead */
  const uint8_t *values; /* where the current page's values start */
  uint64_t page_off;     /* the current page's offset, for messages */
  uint32_t page_left;    /* its levels not yet decoded */
  es_pq_rle rep, def;
  es_pq_vals vals;
  uint8_t *reps, *defs;   /* the batch of levels (reps unused when max_rep is 0) */
  size_t nb, ib;          /* levels in the batch, the next one */
  const uint64_t *budget; /* what the rows may still expand to */
  size_t largest;         /* largest decompressed page (the buffers' size) */
  size_t largest_read;    /* largest page read, stored or decompressed (the debug log) */
} es_pq_col;

/* Starts on chunk ch of column spec in file (mapped: release pages behind). Keeps c's buffers
   from an earlier chunk; c must be zeroed before its first use. */
int es_pq_col_open(es_pq_col *c, const es_pq_colspec *spec, const es_pq_chunk *ch,
                   const uint8_t *file, int mapped, const uint64_t *budget, es_error *err);
/* Makes c->ib < c->nb, reading pages as needed: 1, or 0 when the chunk has no more levels. */
int es_pq_col_more(es_pq_col *c, es_error *err);
/* At the end of a row group: checks nothing is left over and releases the chunk's file pages
   (and waits for a decompression ahead, as es_pq_col_open and es_pq_col_free do). */
int es_pq_col_finish(es_pq_col *c, es_error *err);
void es_pq_col_free(es_pq_col *c);

#endif
