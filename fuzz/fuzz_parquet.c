/* fuzz_parquet.c - libFuzzer target: any bytes through the Parquet reader (footer, schema,
   row groups, pages, codecs, encodings, row filling), once per domain, with and without
   dropping unknown columns; every row it hands out held to the server's own checks. The same
   bytes also go straight to our LZ4 block decoder (LZ4_RAW pages), held to liblz4's. */
#include <lz4.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "fuzz_rows.h"
#include "load/parquet/parquet.h"
#include "load/parquet/stream.h"

#define NAME "fuzz.parquet"

/* A refused file is refused in its own terms: "fuzz.parquet: ..." (byte, row group, row,
   column follow), as a bad input (memory never runs out here). */
static void check_refusal(int rc, const es_error *err) {
  size_t n = strlen(NAME);
  if (rc == ES_ENOMEM) return;
  if (rc != ES_EINVAL) fuzz_die("unexpected error code", err->msg);
  if (strncmp(err->msg, NAME, n) || strncmp(err->msg + n, ": ", 2))
    fuzz_die("refusal without the file's name", err->msg);
}

/* A private copy of exactly size bytes, so ASan catches any read past the end. */
static void read_as(const uint8_t *data, size_t size, const es_domain *d, int ignore) {
  uint8_t *copy = malloc(size ? size : 1);
  es_loader_opts opts = {.ignore_unknown_columns = ignore};
  es_loader *l = NULL;
  es_error err;
  int n;
  if (!copy) return;
  if (size) memcpy(copy, data, size);
  /* fuzz_drain's batches of 3 rows cross level batches, pages and row groups between calls. */
  if ((n = es_parquet_open_mem(copy, size, NAME, d, &opts, &l, &err)) == 0) {
    n = fuzz_drain(l, d, &err);
    es_loader_close(l);
  }
  if (n < 0) check_refusal(n, &err);
  free(copy);
}

/* The first two bytes a page size, the rest one LZ4 block (a private copy, exactly sized, as
   is the output): whatever ours decodes, liblz4 decodes to the same bytes. (Not the converse:
   liblz4 decodes offset 0, which the format calls corrupt and we refuse.) */
static void lz4_block(const uint8_t *data, size_t size) {
  size_t want, n;
  uint8_t *in, *ours, *theirs;
  if (size < 2) return;
  want = (size_t)data[0] | (size_t)data[1] << 8;
  n = size - 2;
  in = malloc(n ? n : 1);
  ours = malloc(want ? want : 1);
  theirs = malloc(want ? want : 1);
  if (in && ours && theirs) {
    if (n) memcpy(in, data + 2, n);
    es_pq_in pin = {in, n, 0, 0, 0, 0};
    if (es_pq_lz4_stream(&pin, ours, want) == 0 &&
        (LZ4_decompress_safe((const char *)in, (char *)theirs, (int)n, (int)want) != (int)want ||
         memcmp(ours, theirs, want) != 0))
      fuzz_die("an LZ4 block liblz4 does not decode as we do", "");
  }
  free(in);
  free(ours);
  free(theirs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t i;
  lz4_block(data, size);
  for (i = 0; i < es_domain_count; i++) {
    read_as(data, size, es_domains[i], 0);
    read_as(data, size, es_domains[i], 1);
  }
  return 0;
}
