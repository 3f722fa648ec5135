/* test_inflate.c - compressed messages inflated within a limit, and refused whole when past it. */
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <zlib.h>

#include "server/inflate.h"
#include "tap.h"

/* data compressed as gzip (wbits 31) or zlib/deflate (15), in *n bytes (malloc'd). */
static uint8_t *squeeze(const uint8_t *data, size_t len, int wbits, size_t *n) {
  z_stream z;
  size_t cap = compressBound((uLong)len) + 64;
  uint8_t *out = malloc(cap);
  memset(&z, 0, sizeof(z));
  deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  deflate(&z, Z_FINISH);
  *n = cap - z.avail_out;
  deflateEnd(&z);
  return out;
}

/* A compressed byte buffer of p[0..n) cut into slices of `step` bytes. */
static grpc_byte_buffer *buffer(const uint8_t *p, size_t n, size_t step,
                                grpc_compression_algorithm a) {
  grpc_slice s[256];
  size_t k = 0, off = 0, i;
  grpc_byte_buffer *bb;
  while (off < n && k < 255) {
    size_t take = n - off < step ? n - off : step;
    s[k++] = grpc_slice_from_copied_buffer((const char *)p + off, take);
    off += take;
  }
  if (off < n) s[k++] = grpc_slice_from_copied_buffer((const char *)p + off, n - off);
  bb = grpc_raw_compressed_byte_buffer_create(s, k, a);
  for (i = 0; i < k; i++) grpc_slice_unref(s[i]);
  return bb;
}

static int run(const uint8_t *p, size_t n, size_t step, grpc_compression_algorithm a, size_t max,
               uint8_t **buf, size_t *cap, size_t *len, es_error *err) {
  grpc_byte_buffer *bb = buffer(p, n, step, a);
  int rc = es_inflate_message(bb, max, buf, cap, len, err);
  grpc_byte_buffer_destroy(bb);
  return rc;
}

int main(void) {
  size_t plain_len = 100000, n, len = 0, cap = 0;
  uint8_t *plain = malloc(plain_len), *gz, *zl, *buf = NULL, *bad;
  es_error err;
  size_t i;
  for (i = 0; i < plain_len; i++) plain[i] = (uint8_t)(i * 7 % 251);
  gz = squeeze(plain, plain_len, 31, &n);
  /* gzip, in slices of several sizes (the stream crosses slice edges anywhere) */
  for (i = 1; i < 5000; i = i * 3 + 1) {
    CHECK_EQ_INT(run(gz, n, i, GRPC_COMPRESS_GZIP, plain_len, &buf, &cap, &len, &err), 0);
    CHECK_EQ_INT(len, plain_len);
    CHECK(buf && !memcmp(buf, plain, plain_len));
  }
  /* one byte over the limit: refused, and nothing of that size was allocated */
  free(buf);
  buf = NULL;
  cap = 0;
  CHECK_EQ_INT(run(gz, n, 4096, GRPC_COMPRESS_GZIP, plain_len - 1, &buf, &cap, &len, &err),
               ES_EEXHAUSTED);
  CHECK_CONTAINS(err.msg, "inflates past --max-message-bytes (99999)");
  CHECK(buf == NULL && cap == 0);
  /* gzip bytes announced as deflate, and a zlib stream as deflate */
  CHECK_EQ_INT(run(gz, n, 4096, GRPC_COMPRESS_DEFLATE, plain_len, &buf, &cap, &len, &err),
               ES_EINVAL);
  zl = squeeze(plain, plain_len, 15, &n);
  CHECK_EQ_INT(run(zl, n, 700, GRPC_COMPRESS_DEFLATE, plain_len, &buf, &cap, &len, &err), 0);
  CHECK(len == plain_len && !memcmp(buf, plain, plain_len));
  /* cut short, trailing bytes, a flipped byte */
  CHECK_EQ_INT(run(zl, n / 2, 700, GRPC_COMPRESS_DEFLATE, plain_len, &buf, &cap, &len, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "ends before its compressed stream does");
  bad = malloc(n + 3);
  memcpy(bad, zl, n);
  memcpy(bad + n, "xyz", 3);
  CHECK_EQ_INT(run(bad, n + 3, 700, GRPC_COMPRESS_DEFLATE, plain_len, &buf, &cap, &len, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "bytes after its compressed stream");
  memcpy(bad, zl, n);
  bad[n / 2] ^= 0x5a;
  CHECK_EQ_INT(run(bad, n, 700, GRPC_COMPRESS_DEFLATE, plain_len, &buf, &cap, &len, &err),
               ES_EINVAL);
  /* nothing at all: an empty message, as gRPC itself passes it on */
  CHECK_EQ_INT(run(zl, 0, 700, GRPC_COMPRESS_DEFLATE, plain_len, &buf, &cap, &len, &err), 0);
  CHECK_EQ_INT(len, 0);
  CHECK_EQ_INT(run(zl, n, 700, GRPC_COMPRESS_ALGORITHMS_COUNT, plain_len, &buf, &cap, &len, &err),
               ES_EINVAL);
  free(bad);
  free(zl);
  free(gz);
  free(buf);
  free(plain);
  return tap_done("test_inflate");
}
