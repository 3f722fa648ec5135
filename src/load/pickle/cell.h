/* cell.h - one cell of a table (block element, list item, dict value, category) before it is
   converted to its field's type, and the file addresses a row reads. */
#ifndef ES_PKL_CELL_H
#define ES_PKL_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/pickle/table.h"

/* One cell, before it is converted to the field's type. */
typedef enum {
  ES_PKL_CELL_VAL,
  ES_PKL_CELL_NUM,
  ES_PKL_CELL_MISSING,
  ES_PKL_CELL_STRIDED,
  ES_PKL_CELL_GATHER
} es_pkl_cell_kind;

typedef struct es_pkl_cell {
  int kind;
  es_pkl_val v;           /* VAL */
  const es_pkl_dtype *dt; /* NUM: one element at p; STRIDED: n elements every stride bytes */
  const uint8_t *p;
  uint64_t n, stride;
  const es_pkl_col *col; /* GATHER: vector components of row */
  uint64_t row;
} es_pkl_cell;

/* Cell of field f in row r (r < nrows); ES_EINVAL for a cell the shape cannot give. */
int es_pkl_table_cell(const es_pkl_table *t, size_t f, uint64_t r, es_pkl_cell *out, es_error *err);
/* File addresses row r of field f reads (one per vector component for VCOLS); the loader drops
   the pages behind them. Returns how many were written to out (at most max). */
size_t es_pkl_table_addrs(const es_pkl_table *t, size_t f, uint64_t r, const uint8_t **out,
                          size_t max);

#endif
