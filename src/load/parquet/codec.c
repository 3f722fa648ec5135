/* codec.c - the codecs behind Parquet's CompressionCodec, each producing exactly the page size
   the header states. */
#include "load/parquet/codec.h"

#include <snappy-c.h>
#include <string.h>
#include <zstd.h>

#include "load/parquet/fail.h"
#include "load/parquet/names.h"
#include "load/parquet/stream.h"

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
    return es_pq_fail(
        err, off,
        "compression LZ4 (the deprecated Hadoop framing) is not supported; write LZ4_RAW");
  default:
    return es_pq_fail(
        err, off,
        "compression %s is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, BROTLI are)",
        es_pq_codec_name(codec, buf, sizeof(buf)));
  }
}

/* Deflate expands at most 1032:1, LZ4 at most 255:1 (one token byte per 255 bytes of a match). */
static int ratio_ok(size_t n, size_t want, size_t ratio) { return want / ratio <= n; }

int es_pq_codec_check_size(int codec, const uint8_t *src, size_t n, size_t want, uint64_t off,
                           es_error *err) {
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
    return es_pq_fail(err, off, "the SNAPPY data holds %zu bytes but the page header says %zu", len,
                      want);
  case ES_PQ_ZSTD: /* the first frame's stated size; the whole of it when it is the only frame */
    z = ZSTD_getFrameContentSize(src, n);
    if (z == ZSTD_CONTENTSIZE_ERROR)
      return es_pq_fail(err, off, "corrupt ZSTD data (no valid frame)");
    if (z == ZSTD_CONTENTSIZE_UNKNOWN || z == want) return 0;
    /* Only now: finding the frame's end reads every block header, faulting in the whole page. */
    len = z < want ? ZSTD_findFrameCompressedSize(src, n) : 0;
    if (z < want && (ZSTD_isError(len) || len != n)) return 0;
    return es_pq_fail(err, off, "the ZSTD data holds %llu bytes but the page header says %zu", z,
                      want);
  case ES_PQ_GZIP:
    if (ratio_ok(n, want, 1032)) return 0;
    break;
  case ES_PQ_LZ4_RAW:
    if (ratio_ok(n, want, 255)) return 0;
    break;
  default: return 0; /* brotli: no bound but the page size limit */
  }
  return es_pq_fail(
      err, off, "%zu compressed bytes cannot hold the %zu bytes the page header claims", n, want);
}

int es_pq_decompress(int codec, es_pq_in *in, uint8_t *dst, size_t want, uint64_t off,
                     es_error *err) {
  size_t n = in->n;
  char buf[48];
  int ok;
  switch (codec) {
  case ES_PQ_UNCOMPRESSED:
    ok = n == want;
    if (ok) memcpy(dst, in->p, n);
    break;
  case ES_PQ_SNAPPY: ok = es_pq_snappy_stream(in, dst, want) == 0; break;
  case ES_PQ_GZIP: ok = es_pq_gzip_stream(in, dst, want) == 0; break;
  case ES_PQ_ZSTD: ok = es_pq_zstd_stream(in, dst, want) == 0; break;
  case ES_PQ_LZ4_RAW: ok = es_pq_lz4_stream(in, dst, want) == 0; break;
  case ES_PQ_BROTLI: ok = es_pq_brotli_stream(in, dst, want) == 0; break;
  default: return es_pq_codec_check(codec, off, err);
  }
  if (ok) return 0;
  return es_pq_fail(
      err, off, "corrupt %s data (it does not decompress to the %zu bytes the page header says)",
      es_pq_codec_name(codec, buf, sizeof(buf)), want);
}
