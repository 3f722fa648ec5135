/* rows.h - one table row converted to a chunk row, by the domain's field types. */
#ifndef ES_PKL_ROWS_H
#define ES_PKL_ROWS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/chunk.h"
#include "load/pickle/table.h"

/* Fills row (nfields values, as es_chunk_add_row left them) from table row r; strings, lists and
   vectors go into a. A null (None, NaN, pandas.NA) is the proto default in any other field (text
   "", int 0, skills []) and an error in the key or the vector. *left is how many more bytes the
   rows may take; the row's are subtracted. ES_EINVAL with err "row index r: field 'x': what". */
int es_pkl_row_fill(const es_pkl_table *t, const es_domain *d, uint64_t r, es_value *row,
                    es_arena *arena, uint64_t *left, es_error *err);

#endif
