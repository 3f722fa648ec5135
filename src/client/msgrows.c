/* msgrows.c - how many rows each chunk message of an attempt carried, kept as runs of equal
   counts (every message but the last usually carries chunk_rows rows), so a server's "chunk N,
   row M" turns into the row's index in the file for a few bytes per run, never per row. */
#include <stdlib.h>

#include "client/client_int.h"

void es_msgrows_reset(es_msgrows *m) {
  m->n = 0;
  m->msgs = 0;
}

void es_msgrows_free(es_msgrows *m) {
  free(m->runs);
  m->runs = NULL;
  m->n = m->cap = 0;
  m->msgs = 0;
}

int es_msgrows_add(es_msgrows *m, size_t rows, es_error *err) {
  es_msgrows_run *r;
  if (m->n && m->runs[m->n - 1].rows == rows) {
    m->runs[m->n - 1].msgs++;
    m->msgs++;
    return 0;
  }
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof(*r)) return es_err_set(err, ES_ENOMEM, "too many message counts");
    if (!(r = realloc(m->runs, cap * sizeof(*r))))
      return es_err_set(err, ES_ENOMEM, "out of memory counting messages");
    m->runs = r;
    m->cap = cap;
  }
  m->runs[m->n].msgs = 1;
  m->runs[m->n].rows = rows;
  m->n++;
  m->msgs++;
  return 0;
}

int es_msgrows_locate(const es_msgrows *m, uint64_t chunk, uint64_t row, uint64_t *file_row) {
  uint64_t before = 0, left; /* rows in the messages before the run at hand */
  size_t i;
  if (chunk == 0 || chunk > m->msgs) return -1;
  left = chunk - 1; /* whole messages to skip */
  for (i = 0; i < m->n; i++) {
    const es_msgrows_run *r = &m->runs[i];
    uint64_t skip = left < r->msgs ? left : r->msgs, add;
    if (__builtin_mul_overflow(skip, (uint64_t)r->rows, &add) ||
        __builtin_add_overflow(before, add, &before))
      return -1;
    left -= skip;
    if (skip < r->msgs) { /* the message is in this run */
      if (row >= r->rows || __builtin_add_overflow(before, row, file_row)) return -1;
      return 0;
    }
  }
  return -1;
}
