/* fuzz_pickle.c - libFuzzer target: any bytes through the pickle VM, the shape mapping and row
 * conversion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "load/pickle/pickle.h"

/* A private copy of exactly size bytes, so ASan catches any read past the end. Inputs of odd
   length drop unknown columns, so both column rules run. */
static void read_as(const uint8_t *data, size_t size, const es_domain *d) {
  es_loader_opts opts = {.ignore_unknown_columns = (int)(size & 1)};
  uint8_t *copy = malloc(size ? size : 1);
  es_loader *l = NULL;
  es_error err;
  es_chunk c;
  int n;
  if (!copy) return;
  if (size) memcpy(copy, data, size);
  if (es_pickle_open_mem(copy, size, "fuzz.pkl", d, &opts, &l, &err) == 0) {
    es_chunk_init(&c, d);
    /* Small chunks so the chunk loop and its bookkeeping run many times. */
    while ((n = l->next(l, &c, 3, &err)) > 0) es_chunk_reset(&c);
    es_chunk_free(&c);
    l->close(l);
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t i;
  for (i = 0; i < es_domain_count; i++) read_as(data, size, es_domains[i]);
  return 0;
}
