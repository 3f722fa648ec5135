/* codec.c - the codecs behind Parquet's CompressionCodec, each producing exactly the page size
   the header states. */
#include "load/parquet/codec.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "load/parquet/fail.h"
#include "load/parquet/names.h"

int es_pq_codec_check(int codec, uint64_t off, es_error *err) {
  char buf[48];
  switch (codec) {
  case ES_PQ_UNCOMPRESSED:
  case ES_PQ_SNAPPY:
  case ES_PQ_GZIP:
  case ES_PQ_ZSTD:
  case ES_PQ_LZ4_RAW:
  case ES_PQ_BROTLI: return 0;
  case ES_PQ_LZ4:
    return es_pq_fail(err, off, "compression LZ4 (the deprecated Hadoop framing) is not supported; write LZ4_RAW");
  default:
    return es_pq_fail(err, off, "compression %s is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, BROTLI are)",
                      es_pq_codec_name(codec, buf, sizeof(buf)));
  }
}

/* Deflate expands at most 1032:1, LZ4 at most 255:1 (one token byte per 255 bytes of a match). */
static int ratio_ok(size_t n, size_t want, size_t ratio) { return want / ratio <= n; }

int es_pq_codec_check_size(int codec, const uint8_t *src, size_t n, size_t want, uint64_t off, es_error *err) {
  size_t len;
  unsigned long long z;
  switch (codec) {
  case ES_PQ_UNCOMPRESSED:
    if (n == want) return 0;
    break;
  case ES_PQ_SNAPPY:
    if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK)
      return es_pq_fail(err, off, "corrupt SNAPPY data (no valid length header)");
    if (len == want) return 0;
    return es_pq_fail(err, off, "the SNAPPY data holds %zu bytes but the page header says %zu", len, want);
  case ES_PQ_ZSTD: /* the first frame's stated size; the whole of it when it is the only frame */
    z = ZSTD_getFrameContentSize(src, n);
    if (z == ZSTD_CONTENTSIZE_ERROR) return es_pq_fail(err, off, "corrupt ZSTD data (no valid frame)");
    len = ZSTD_findFrameCompressedSize(src, n);
    if (z == ZSTD_CONTENTSIZE_UNKNOWN || z == want || (z < want && (ZSTD_isError(len) || len != n))) return 0;
    return es_pq_fail(err, off, "the ZSTD data holds %llu bytes but the page header says %zu", z, want);
  case ES_PQ_GZIP:
    if (ratio_ok(n, want, 1032)) return 0;
    break;
  case ES_PQ_LZ4_RAW:
    if (ratio_ok(n, want, 255)) return 0;
    break;
  default: return 0; /* brotli: no bound but the page size limit */
  }
  return es_pq_fail(err, off, "%zu compressed bytes cannot hold the %zu bytes the page header claims", n, want);
}

static int gunzip(const uint8_t *src, size_t n, uint8_t *dst, size_t want) {
  z_stream zs;
  int rc;
  memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return -1; /* 15 + 32: gzip or zlib header */
  zs.next_in = (Bytef *)(uintptr_t)src;
  zs.avail_in = (uInt)n;
  zs.next_out = dst;
  zs.avail_out = (uInt)want;
  for (;;) {
    rc = inflate(&zs, Z_FINISH);
    /* Concatenated gzip members are one stream, as gunzip reads them. */
    if (rc == Z_STREAM_END && zs.avail_in && zs.avail_out && inflateReset(&zs) == Z_OK) continue;
    break;
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END && zs.avail_out == 0 && zs.avail_in == 0 ? 0 : -1;
}

int es_pq_decompress(int codec, const uint8_t *src, size_t n, uint8_t *dst, size_t want, uint64_t off,
                     es_error *err) {
  size_t got = want;
  char buf[48];
  int ok;
  switch (codec) {
  case ES_PQ_UNCOMPRESSED:
    ok = n == want;
    if (ok) memcpy(dst, src, n);
    break;
  case ES_PQ_SNAPPY: ok = snappy_uncompress((const char *)src, n, (char *)dst, &got) == SNAPPY_OK && got == want; break;
  case ES_PQ_GZIP: ok = n <= UINT32_MAX && want <= UINT32_MAX && gunzip(src, n, dst, want) == 0; break;
  case ES_PQ_ZSTD:
    got = ZSTD_decompress(dst, want, src, n);
    ok = !ZSTD_isError(got) && got == want;
    break;
  case ES_PQ_LZ4_RAW:
    ok = n <= INT32_MAX && want <= INT32_MAX && LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)want) == (int)want;
    break;
  case ES_PQ_BROTLI:
    ok = BrotliDecoderDecompress(n, src, &got, dst) == BROTLI_DECODER_RESULT_SUCCESS && got == want;
    break;
  default: return es_pq_codec_check(codec, off, err);
  }
  if (ok) return 0;
  return es_pq_fail(err, off, "corrupt %s data (it does not decompress to the %zu bytes the page header says)",
                    es_pq_codec_name(codec, buf, sizeof(buf)), want);
}
