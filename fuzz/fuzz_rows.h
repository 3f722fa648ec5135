/* fuzz_rows.h - what every loader's fuzz target holds the rows it gets to: the server's own
   checks, and lines that never go back. */
#ifndef ES_FUZZ_ROWS_H
#define ES_FUZZ_ROWS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "core/limits.h"
#include "core/validate.h"

static void fuzz_die(const char *what, const char *msg) {
  fprintf(stderr, "%s: %s\n", what, msg);
  abort();
}

/* Each accepted row passes es_validate_row at the first row's dimension (itself a valid one),
   and lines never go back. */
static void fuzz_check_rows(const es_domain *d, es_chunk *c, int32_t *dim, uint64_t *line) {
  es_error err;
  size_t i;
  for (i = 0; i < c->nrows; i++) {
    es_value *row = es_chunk_row(c, i);
    size_t n = row[d->vector].vec.n;
    if (!*dim) {
      if (n < ES_DIM_MIN || n > ES_DIM_MAX) fuzz_die("first row's dimension out of range", d->name);
      *dim = (int32_t)n;
    }
    if (es_validate_row(d, row, *dim, &err)) fuzz_die("accepted a row the server refuses", err.msg);
    if (!c->lines[i] || c->lines[i] < *line) fuzz_die("line numbers went back", d->name);
    *line = c->lines[i];
  }
}

#endif
