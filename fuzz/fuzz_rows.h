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
#include "load/loader.h"

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

/* Reads an open loader to its end in small batches (so batch loops and sticky errors run many
   times), every row held to fuzz_check_rows; a failed loader must repeat its error. Returns the
   last es_loader_next result: 0 at the end, < 0 a refusal in err. */
static inline int fuzz_drain(es_loader *l, const es_domain *d, es_error *err) {
  es_chunk c;
  int32_t dim = 0;
  uint64_t line = 0;
  int n;
  es_chunk_init(&c, d);
  while ((n = es_loader_next(l, &c, 3, err)) > 0) {
    fuzz_check_rows(d, &c, &dim, &line);
    es_chunk_reset(&c);
  }
  if (n < 0 && es_loader_next(l, &c, 3, err) != n)
    fuzz_die("a failed loader did not repeat its error", err->msg);
  es_chunk_free(&c);
  return n;
}

#endif
