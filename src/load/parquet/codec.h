/* codec.h - page decompression through Debian's libraries (snappy, zlib, zstd, lz4, brotli),
   with a page's claimed size checked against what its compressed bytes can hold before the
   reader allocates anything for it. */
#ifndef ES_PQ_CODEC_H
#define ES_PQ_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/parquet/stream.h"

/* Whether the reader decompresses codec; a refusal names it. off: for messages. */
int es_pq_codec_check(int codec, uint64_t off, es_error *err);
/* Whether src[0, n) compressed with codec can expand to want bytes: the size its own header
   states (snappy, zstd) or the format's largest ratio (deflate, lz4) allow it. */
int es_pq_codec_check_size(int codec, const uint8_t *src, size_t n, size_t want, uint64_t off,
                           es_error *err);
/* Decompresses in's bytes into exactly want bytes at dst; anything else (corrupt data, another
   size) is an error at off. Input consumed goes back to the kernel as it is (stream.h), but for
   LZ4_RAW, whose block format has no streaming decoder. */
int es_pq_decompress(int codec, es_pq_in *in, uint8_t *dst, size_t want, uint64_t off,
                     es_error *err);

#endif
