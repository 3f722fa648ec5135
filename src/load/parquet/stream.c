/* stream.c - zstd, gzip and brotli pages decoded through each library's streaming interface,
   ES_PQ_IN_STEP bytes of input per call, so that the file pages already consumed can go. */
#include "load/parquet/stream.h"

#include <brotli/decode.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
/* For ZSTD_d_stableOutBuffer (zstd >= 1.4.5, an "experimental" parameter set through the stable
   ZSTD_DCtx_setParameter): without it the streaming decoder keeps its own window buffer, as big
   as the page for the single-segment frames writers make, which would undo the whole point. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

/* ES_PQ_PAGE_MAX (256 MiB): a window no bigger than a page is all a page can need. */
#define ZSTD_WINDOW_LOG_MAX 28

void es_pq_in_drop(es_pq_in *in, size_t used) {
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
  if (!in->mapped || used <= in->gone) return;
  lo = ((uintptr_t)in->p + in->gone + page - 1) & ~(page - 1);
  hi = ((uintptr_t)in->p + used) & ~(page - 1);
  if (hi <= lo) return;
  madvise((void *)lo, hi - lo, MADV_DONTNEED);
  in->dropped += hi - lo;
  in->drops++;
  in->gone = (size_t)(hi - (uintptr_t)in->p);
}

static size_t step(const es_pq_in *in, size_t used) {
  return in->n - used < ES_PQ_IN_STEP ? in->n - used : ES_PQ_IN_STEP;
}

/* Frames one after another (and skippable ones) are one page, as ZSTD_decompress reads them. */
int es_pq_zstd_stream(es_pq_in *in, uint8_t *dst, size_t want) {
  ZSTD_DCtx *z = ZSTD_createDCtx();
  ZSTD_outBuffer out = {dst, want, 0};
  size_t used = 0, hint = 1, before;
  int ok = 0;
  if (!z) return -1;
  if (ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_stableOutBuffer, 1)) ||
      ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX)))
    goto done;
  while (used < in->n) {
    ZSTD_inBuffer src = {in->p + used, step(in, used), 0};
    before = out.pos;
    hint = ZSTD_decompressStream(z, &out, &src);
    if (ZSTD_isError(hint) || (!src.pos && out.pos == before)) goto done; /* corrupt, or stuck */
    used += src.pos;
    es_pq_in_drop(in, used);
  }
  ok = hint == 0 && out.pos == want;
done:
  ZSTD_freeDCtx(z);
  return ok ? 0 : -1;
}

/* Concatenated gzip members are one stream, as gunzip reads them. 15 + 32: gzip or zlib header. */
int es_pq_gzip_stream(es_pq_in *in, uint8_t *dst, size_t want) {
  z_stream zs;
  size_t used = 0, k;
  int rc;
  if (want > UINT32_MAX) return -1;
  memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return -1;
  zs.next_out = dst;
  zs.avail_out = (uInt)want;
  for (;;) {
    k = step(in, used);
    zs.next_in = (Bytef *)(uintptr_t)(in->p + used);
    zs.avail_in = (uInt)k;
    rc = inflate(&zs, Z_NO_FLUSH);
    used += k - zs.avail_in;
    es_pq_in_drop(in, used);
    if (rc == Z_STREAM_END && used < in->n && zs.avail_out && inflateReset(&zs) == Z_OK) continue;
    if (rc != Z_OK) break; /* the end, an error, or Z_BUF_ERROR: no progress possible */
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END && zs.avail_out == 0 && used == in->n ? 0 : -1;
}

/* Bytes after the end of the stream are ignored, as BrotliDecoderDecompress ignores them. */
int es_pq_brotli_stream(es_pq_in *in, uint8_t *dst, size_t want) {
  BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_ERROR;
  size_t used = 0, k, avail_in, avail_out = want;
  uint8_t *next_out = dst;
  const uint8_t *next_in;
  if (!s) return -1;
  do {
    k = step(in, used);
    avail_in = k;
    next_in = in->p + used;
    r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
    used += k - avail_in;
    es_pq_in_drop(in, used);
  } while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && used < in->n);
  BrotliDecoderDestroyInstance(s);
  return r == BROTLI_DECODER_RESULT_SUCCESS && avail_out == 0 ? 0 : -1;
}
