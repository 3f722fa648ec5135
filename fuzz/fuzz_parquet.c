/* fuzz_parquet.c - libFuzzer target: any bytes through the Parquet reader (footer, schema,
   row groups, pages, codecs, encodings, row filling), once per domain, with and without
   dropping unknown columns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "load/parquet/parquet.h"

/* A private copy of exactly size bytes, so ASan catches any read past the end. */
static void read_as(const uint8_t *data, size_t size, const es_domain *d, int ignore) {
  uint8_t *copy = malloc(size ? size : 1);
  es_loader_opts opts = {ignore};
  es_loader *l = NULL;
  es_error err;
  es_chunk c;
  int n;
  if (!copy) return;
  if (size) memcpy(copy, data, size);
  if (es_parquet_open_mem(copy, size, "fuzz.parquet", d, &opts, &l, &err) == 0) {
    es_chunk_init(&c, d);
    /* Small chunks so that rows cross level batches, pages and row groups between calls. */
    while ((n = l->next(l, &c, 3, &err)) > 0) es_chunk_reset(&c);
    es_chunk_free(&c);
    l->close(l);
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t i;
  for (i = 0; i < es_domain_count; i++) {
    read_as(data, size, es_domains[i], 0);
    read_as(data, size, es_domains[i], 1);
  }
  return 0;
}
