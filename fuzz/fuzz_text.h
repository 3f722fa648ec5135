/* fuzz_text.h - the driver fuzz_csv and fuzz_jsonl share: any bytes through a text loader, read in
   pieces of every size, and every row it hands out held to the server's own checks. */
#ifndef ES_FUZZ_TEXT_H
#define ES_FUZZ_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "fuzz_rows.h"
#include "load/loader_int.h"

typedef int fuzz_open_fn(const char *path, const es_reader_mem *m, const es_domain *d,
                         const es_loader_opts *opts, es_loader **out, es_error *err);

/* The reader's buffer size and largest read, picked by the input's first byte: tiny buffers and
   short reads make records straddle reads and the buffer grow on inputs of a few bytes. */
static const size_t fuzz_shapes[8][2] = {{4096, 0}, {1, 1},  {2, 1}, {7, 3},
                                         {16, 5},   {64, 0}, {5, 2}, {256, 17}};

/* A refused file is refused in its own terms: "path:LINE..." (memory never runs out here). */
static void fuzz_check_refusal(const char *path, int rc, const es_error *err) {
  size_t n = strlen(path);
  if (rc == ES_ENOMEM) return;
  if (rc != ES_EINVAL) fuzz_die("unexpected error code", err->msg);
  if (strncmp(err->msg, path, n) || err->msg[n] != ':' || err->msg[n + 1] < '1' ||
      err->msg[n + 1] > '9')
    fuzz_die("refusal without a line number", err->msg);
}

static void fuzz_read_as(fuzz_open_fn *open, const char *path, const uint8_t *data, size_t size,
                         const size_t *shape, const es_loader_opts *opts, const es_domain *d) {
  es_reader_mem m = {data, size, shape[0], shape[1]};
  es_loader *l = NULL;
  es_error err;
  int n;
  if ((n = open(path, &m, d, opts, &l, &err))) {
    fuzz_check_refusal(path, n, &err);
    return;
  }
  if ((n = fuzz_drain(l, d, &err)) < 0) fuzz_check_refusal(path, n, &err);
  es_loader_close(l);
}

/* The first byte picks the read shape (bits 0-2) and ignore_unknown_columns (bit 3); the rest is
   the file, copied to exactly its size so ASan catches any read past it. */
static int fuzz_text_run(fuzz_open_fn *open, const char *path, const uint8_t *data, size_t size) {
  es_loader_opts opts;
  uint8_t *copy;
  size_t i;
  if (!size) return 0;
  opts.ignore_unknown_columns = (data[0] >> 3) & 1;
  if (!(copy = malloc(size - 1 ? size - 1 : 1))) return 0;
  memcpy(copy, data + 1, size - 1);
  for (i = 0; i < es_domain_count; i++)
    fuzz_read_as(open, path, copy, size - 1, fuzz_shapes[data[0] & 7], &opts, es_domains[i]);
  free(copy);
  return 0;
}

#endif
