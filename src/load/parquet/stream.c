/* stream.c - zstd, gzip and brotli pages decoded through each library's streaming interface,
   ES_PQ_IN_STEP bytes of input per call, so that the file pages already consumed can go. gzip
   goes through ISA-L's inflate (libisal), which decodes DuckDB's vector pages in 0.25 s per
   100 MiB where zlib takes 0.39: the page is decompressed while the rows wait (column.c). */
#include "load/parquet/stream.h"

#include <brotli/decode.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
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

/* One gzip member (or zlib stream: its header says which) from in->p + *used into s's output:
   1 when it ended (its checksum checked), 0 when the input ran out first, -1 when corrupt. */
static int gzip_member(struct inflate_state *s, es_pq_in *in, size_t *used) {
  const uint8_t *p = in->p + *used;
  size_t k;
  uint32_t out_before;
  isal_inflate_reset(s);
  s->crc_flag = in->n - *used >= 2 && p[0] == 0x1f && p[1] == 0x8b ? ISAL_GZIP : ISAL_ZLIB;
  while (s->block_state != ISAL_BLOCK_FINISH) {
    if (*used == in->n) return 0;
    k = step(in, *used);
    s->next_in = (uint8_t *)(uintptr_t)(in->p + *used);
    s->avail_in = (uint32_t)k;
    out_before = s->avail_out;
    if (isal_inflate(s) != ISAL_DECOMP_OK) return -1;
    if (s->avail_in == k && s->avail_out == out_before && s->block_state != ISAL_BLOCK_FINISH)
      return -1; /* stuck: more output than the page has room for */
    *used += k - s->avail_in;
    es_pq_in_drop(in, *used);
  }
  return 1;
}

/* Concatenated gzip members are one stream, as gunzip reads them; each may be a zlib stream
   instead, as zlib's inflateInit2(15 + 32) reads them. */
int es_pq_gzip_stream(es_pq_in *in, uint8_t *dst, size_t want) {
  struct inflate_state *s;
  size_t used = 0;
  int rc = 0;
  if (want > UINT32_MAX || !(s = malloc(sizeof(*s)))) return -1;
  isal_inflate_init(s);
  s->next_out = dst;
  s->avail_out = (uint32_t)want;
  while (used < in->n && (rc = gzip_member(s, in, &used)) == 1 && s->avail_out) {}
  if (s->avail_out) rc = -1; /* fewer bytes than the page header says */
  free(s);
  return rc == 1 && used == in->n ? 0 : -1;
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
