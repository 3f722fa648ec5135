/* generate.h - deterministic synthetic rows and files for demos, tests and benchmarks. */
#ifndef ES_GENERATE_H
#define ES_GENERATE_H

#include <stdint.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/error.h"

typedef struct es_gen {
  const es_domain *domain;
  int dim;
  uint64_t seed;
  es_buf tmp; /* scratch for composing text */
} es_gen;

void es_gen_init(es_gen *g, const es_domain *d, int dim, uint64_t seed);
void es_gen_free(es_gen *g);
/* Appends row number i (0-based) to c, which must have g's domain. A row depends only on the
   seed and i: keys are unique across rows (UUIDv7-shaped for recruit and candidate), some
   text holds commas, quotes, line breaks and non-ASCII, vectors are float32 values. */
int es_gen_row(es_gen *g, uint64_t i, es_chunk *c, es_error *err);

typedef struct es_gen_stats {
  uint64_t rows, bytes;
  double seconds;
} es_gen_stats;

/* Writes rows 0..rows-1 to path as CSV or JSONL (chosen by the extension: .csv, .jsonl,
   .ndjson), streaming. The same arguments always give the same bytes. A failed write removes
   the partial file. */
int es_generate_file(const es_domain *d, uint64_t rows, int dim, uint64_t seed, const char *path,
                     es_gen_stats *st, es_error *err);
/* The same, reporting rows and bytes written so far to progress(ud, ...) after every batch of
   rows (a few hundred), for a progress display. */
typedef void (*es_gen_progress_fn)(void *ud, uint64_t rows_done, uint64_t bytes_done);
int es_generate_file_cb(const es_domain *d, uint64_t rows, int dim, uint64_t seed, const char *path,
                        es_gen_progress_fn progress, void *ud, es_gen_stats *st, es_error *err);
/* 1 for CSV, 2 for JSONL, 0 when the extension is neither. */
int es_generate_format(const char *path);

#endif
