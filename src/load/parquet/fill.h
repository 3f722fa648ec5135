/* fill.h - a column's values written into a chunk's rows, one field at a time: flat text and
   integer columns here, and the pieces every fill shares (rows, text, budget, row errors). */
#ifndef ES_PQ_FILL_H
#define ES_PQ_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "core/error.h"
#include "load/parquet/bytes.h"
#include "load/parquet/column.h"

/* The rows a fill writes and what messages name them by. */
typedef struct es_pq_rows {
  es_value *v;      /* the first row's values */
  size_t nfields;   /* values per row */
  size_t n;         /* rows */
  es_arena *arena;  /* owns what values point to */
  uint64_t *budget; /* bytes the rows may still expand to: 256 x the file, as for pickles */
  uint64_t rg_row;  /* the first row's index in it */
  uint64_t row;     /* ... and in the file */
} es_pq_rows;

/* Fills "byte OFF: row index F (row R in its row group): <message>" (the page's offset; the caller
   names the row group and the column) and returns ES_EINVAL. */
int es_pq_row_fail(const es_pq_col *c, const es_pq_rows *r, size_t i, es_error *err,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The error for a column that has no level left for row i. */
int es_pq_short_column(const es_pq_col *c, const es_pq_rows *r, size_t i, es_error *err);
/* Takes n bytes from the budget, or fails naming row i. */
int es_pq_charge(const es_pq_col *c, const es_pq_rows *r, size_t i, uint64_t n, es_error *err);
/* A text value copied into the arena after the checks every format makes (UTF-8, no NUL). */
int es_pq_text(const es_pq_col *c, const es_pq_rows *r, size_t i, const es_pq_bytes *b, char **out,
               es_error *err);
/* How many of the n levels at p equal v, and the index of the first that does not. */
size_t es_pq_count_eq(const uint8_t *p, size_t n, uint8_t v);
size_t es_pq_first_ne(const uint8_t *p, size_t n, uint8_t v);

/* Fills field of r's rows from flat column c; a null is the field's default ("" or 0) unless
   the field is required (the key), which makes it an error. */
int es_pq_fill_scalar(es_pq_col *c, size_t field, int required, const es_pq_rows *r, es_error *err);

#endif
