/* test_parquet_stream.c - issue 13's memory bound for compressed pages: a page decompressed from
   a file mapping hands its consumed input back as it goes (counted, not timed or measured as
   RSS), decodes exactly as before, and leaves memory that is not a file mapping alone. */
#include <brotli/encode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "load/parquet/codec.h"
#include "load/parquet/names.h"
#include "tap.h"

/* Three input steps and a bit, so that input goes back while the decoder still runs. */
#define PLAIN_SIZE (3 * ES_PQ_IN_STEP + 12345)

/* Bytes that barely compress (the compressed page is about as big as the page), with runs. */
static void fill(uint8_t *p, size_t n) {
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    p[i] = (i / 4096) % 8 == 0 ? (uint8_t)(i / 4096) : (uint8_t)x;
  }
}

static size_t compress_with(int codec, const uint8_t *src, size_t n, uint8_t *out, size_t cap) {
  size_t len = cap;
  uLongf zlen;
  switch (codec) {
  case ES_PQ_SNAPPY:
    return snappy_compress((const char *)src, n, (char *)out, &len) == SNAPPY_OK ? len : 0;
  case ES_PQ_ZSTD: return ZSTD_compress(out, cap, src, n, 1);
  case ES_PQ_LZ4_RAW: {
    int k = LZ4_compress_default((const char *)src, (char *)out, (int)n, (int)cap);
    return k > 0 ? (size_t)k : 0;
  }
  case ES_PQ_GZIP: /* the zlib header, which Parquet's GZIP pages may carry too */
    zlen = cap;
    return compress2(out, &zlen, src, n, 1) == Z_OK ? zlen : 0;
  default: return BrotliEncoderCompress(1, 22, BROTLI_MODE_GENERIC, n, src, &len, out) ? len : 0;
  }
}

/* The compressed bytes in a file, mapped read-only as the reader maps a Parquet file. */
static const uint8_t *map_file(const uint8_t *p, size_t n) {
  char path[] = "/tmp/es-pq-stream-XXXXXX";
  int fd = mkstemp(path);
  void *m = MAP_FAILED;
  if (fd < 0) return NULL;
  unlink(path);
  if (write(fd, p, n) == (ssize_t)n) m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  return m == MAP_FAILED ? NULL : m;
}

static void one_codec(int codec, const uint8_t *plain, uint8_t *comp, size_t cap, uint8_t *out) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE),
         n = compress_with(codec, plain, PLAIN_SIZE, comp, cap);
  char buf[48];
  const uint8_t *file;
  es_error err;
  fprintf(stderr, "# %s: %zu bytes compressed\n", es_pq_codec_name(codec, buf, sizeof(buf)), n);
  CHECK(n > 2 * ES_PQ_IN_STEP);
  CHECK((file = map_file(comp, n)) != NULL);
  if (!file) return;
  /* From a file mapping: every whole page of the input is dropped, the output exact. */
  es_pq_in in = {file, n, 1, 0, 0, 0};
  memset(out, 0, PLAIN_SIZE);
  CHECK_EQ_INT(es_pq_decompress(codec, &in, out, PLAIN_SIZE, 0, &err), 0);
  CHECK(memcmp(out, plain, PLAIN_SIZE) == 0);
  CHECK(in.dropped + 2 * page >= n);
  CHECK(in.dropped <= n);
  /* Memory that is no file mapping is never dropped: it would read back as zeros. */
  es_pq_in heap = {comp, n, 0, 0, 0, 0};
  memset(out, 0, PLAIN_SIZE);
  CHECK_EQ_INT(es_pq_decompress(codec, &heap, out, PLAIN_SIZE, 0, &err), 0);
  CHECK(memcmp(out, plain, PLAIN_SIZE) == 0);
  CHECK_EQ_INT(heap.dropped, 0);
  /* Cut short, or asked for one byte less: refused, whatever was dropped on the way. */
  es_pq_in cut = {file, n / 2, 1, 0, 0, 0};
  CHECK(es_pq_decompress(codec, &cut, out, PLAIN_SIZE, 0, &err) != 0);
  es_pq_in less = {file, n, 1, 0, 0, 0};
  CHECK(es_pq_decompress(codec, &less, out, PLAIN_SIZE - 1, 0, &err) != 0);
  munmap((void *)(uintptr_t)file, n);
}

/* An LZ4 block of one literal run (what an incompressible page becomes) goes back step by step
   while the run is copied, not all at once after it; asked for one byte more than the run, the
   decoder fails only at the very end. */
static void test_lz4_one_literal_run(const uint8_t *plain) {
  size_t lit = PLAIN_SIZE, n = 0, k, page = (size_t)sysconf(_SC_PAGESIZE);
  uint8_t *blk = malloc(PLAIN_SIZE + PLAIN_SIZE / 255 + 16), *out = malloc(PLAIN_SIZE + 1);
  const uint8_t *file;
  es_error err;
  if (!blk || !out) abort();
  blk[n++] = 0xf0;
  for (k = lit - 15; k >= 255; k -= 255) blk[n++] = 255;
  blk[n++] = (uint8_t)k;
  memcpy(blk + n, plain, lit);
  n += lit;
  CHECK((file = map_file(blk, n)) != NULL);
  if (file) {
    es_pq_in whole = {file, n, 1, 0, 0, 0};
    CHECK_EQ_INT(es_pq_decompress(ES_PQ_LZ4_RAW, &whole, out, lit, 0, &err), 0);
    CHECK(memcmp(out, plain, lit) == 0);
    es_pq_in more = {file, n, 1, 0, 0, 0};
    CHECK(es_pq_decompress(ES_PQ_LZ4_RAW, &more, out, lit + 1, 0, &err) != 0);
    CHECK(more.dropped + ES_PQ_IN_STEP + page >= n);
    CHECK(more.drops >= 3); /* PLAIN_SIZE is three steps and a bit */
    munmap((void *)(uintptr_t)file, n);
  }
  free(blk);
  free(out);
}

/* n bytes as one gzip member (wbits 15 + 16) or zlib stream (15) at out; its size. */
static size_t deflate_as(const uint8_t *src, size_t n, int wbits, uint8_t *out, size_t cap) {
  z_stream zs;
  size_t len;
  memset(&zs, 0, sizeof(zs));
  if (deflateInit2(&zs, 1, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  zs.next_in = (Bytef *)(uintptr_t)src;
  zs.avail_in = (uInt)n;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  len = deflate(&zs, Z_FINISH) == Z_STREAM_END ? zs.total_out : 0;
  deflateEnd(&zs);
  return len;
}

static int gunzip(const uint8_t *comp, size_t n, uint8_t *out, size_t want) {
  es_error err;
  es_pq_in in = {comp, n, 0, 0, 0, 0};
  return es_pq_decompress(ES_PQ_GZIP, &in, out, want, 0, &err);
}

/* A GZIP page of several members (as gunzip reads concatenated files), the first a zlib stream
   even: one page; a damaged checksum, bytes after the last member, a member short: refused. */
static void test_gzip_members(const uint8_t *plain) {
  size_t half = 100000, cap = 2 * half + 4096, a, b;
  uint8_t *comp = malloc(cap + 16), *out = malloc(2 * half + 1);
  if (!comp || !out) abort();
  a = deflate_as(plain, half, 15, comp, cap);
  b = deflate_as(plain + half, half, 15 + 16, comp + a, cap - a);
  CHECK(a && b);
  CHECK_EQ_INT(gunzip(comp, a + b, out, 2 * half), 0);
  CHECK(memcmp(out, plain, 2 * half) == 0);
  CHECK(gunzip(comp, a + b, out, 2 * half + 1) != 0); /* more than the members hold */
  CHECK(gunzip(comp, a + b, out, 2 * half - 1) != 0); /* less */
  CHECK(gunzip(comp, a, out, 2 * half) != 0);         /* the second member missing */
  comp[a + b] = 0;
  CHECK(gunzip(comp, a + b + 1, out, 2 * half) != 0); /* a byte after the last member */
  comp[a + b - 8] ^= 1;                               /* the gzip trailer's CRC-32 */
  CHECK(gunzip(comp, a + b, out, 2 * half) != 0);
  comp[a + b - 8] ^= 1;
  comp[a - 1] ^= 1; /* the zlib trailer's Adler-32 */
  CHECK(gunzip(comp, a + b, out, 2 * half) != 0);
  free(comp);
  free(out);
}

int main(void) {
  static const int codecs[] = {ES_PQ_SNAPPY, ES_PQ_GZIP, ES_PQ_ZSTD, ES_PQ_BROTLI, ES_PQ_LZ4_RAW};
  size_t cap = PLAIN_SIZE + PLAIN_SIZE / 4 + 65536;
  uint8_t *plain = malloc(PLAIN_SIZE), *comp = malloc(cap), *out = malloc(PLAIN_SIZE);
  if (!plain || !comp || !out) return 1;
  fill(plain, PLAIN_SIZE);
  for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
    one_codec(codecs[i], plain, comp, cap, out);
  test_lz4_one_literal_run(plain);
  test_gzip_members(plain);
  free(plain);
  free(comp);
  free(out);
  return tap_done("test_parquet_stream");
}
