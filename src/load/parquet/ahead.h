/* ahead.h - the next compressed page of a column decompressed on another thread while the rows
   of the current one are read: DuckDB writes vector pages of 100 MiB, whose decompression would
   otherwise stop the rows (and the stream behind them) for tens of milliseconds each time. */
#ifndef ES_PQ_AHEAD_H
#define ES_PQ_AHEAD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/stream.h"

typedef struct es_pq_ahead {
  pthread_t thread;
  int busy; /* a thread runs and must be waited for */
  int codec;
  es_pq_in in; /* the compressed bytes (and what of them went back) */
  uint8_t *dst;
  size_t want;
  uint64_t off;
  int rc;       /* its result ... */
  es_error err; /* ... and message */
} es_pq_ahead;

/* Starts es_pq_decompress(codec, in, dst, want) on a thread of its own (or, when no thread can
   be started, runs it here); in's bytes and dst must not change until es_pq_ahead_wait. */
void es_pq_ahead_start(es_pq_ahead *a, int codec, const es_pq_in *in, uint8_t *dst, size_t want,
                       uint64_t off);
/* Waits for the decompression: 0, or its error (copied into err). Nothing started: 0. */
int es_pq_ahead_wait(es_pq_ahead *a, es_error *err);

#endif
