/* stream.h - page decompression fed from the file mapping a few MiB at a time, the consumed
   input handed back to the kernel as it goes: DuckDB writes 100 MiB vector pages, and a
   whole-buffer decompress keeps the compressed page resident beside the decompressed one. */
#ifndef ES_PQ_STREAM_H
#define ES_PQ_STREAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Input fed to a decoder per call: big enough that the per-call cost is nothing, small next to
   the 64 MiB the reader may use beside a page. */
#define ES_PQ_IN_STEP ((size_t)4 << 20)

/* A page's compressed bytes and what of them went back to the kernel. */
typedef struct es_pq_in {
  const uint8_t *p;
  size_t n;
  int mapped;     /* p lies in a read-only file mapping: pages read are dropped (and would only
                     fault in again from the file if touched) */
  size_t gone;    /* p's bytes before this were dropped ... */
  size_t dropped; /* ... this many of them in all (whole pages; the tests count them) */
  size_t drops;   /* how many times some went back (the tests count them too) */
} es_pq_in;

/* The first used bytes were consumed: the whole pages among them not dropped yet go. */
void es_pq_in_drop(es_pq_in *in, size_t used);
/* Each decodes in->p[0, n) into exactly want bytes at dst, dropping input as it goes: 0 or -1. */
int es_pq_zstd_stream(es_pq_in *in, uint8_t *dst, size_t want);
int es_pq_gzip_stream(es_pq_in *in, uint8_t *dst, size_t want);
int es_pq_brotli_stream(es_pq_in *in, uint8_t *dst, size_t want);
/* snappy_stream.cc: libsnappy's only incremental-input interface is C++ (snappy::Source). */
int es_pq_snappy_stream(es_pq_in *in, uint8_t *dst, size_t want);
/* lz4raw.c: one LZ4 block (LZ4_RAW), which liblz4 decodes only whole. */
int es_pq_lz4_stream(es_pq_in *in, uint8_t *dst, size_t want);

#ifdef __cplusplus
}
#endif

#endif
