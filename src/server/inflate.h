/* inflate.h - a compressed request message inflated with zlib, within --max-message-bytes. */
#ifndef ES_SERVER_INFLATE_H
#define ES_SERVER_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "core/error.h"

/* Inflates a message gRPC delivered compressed (gzip or deflate, bb->data.raw.compression) into
   *buf, grown to fit (capacity *cap, kept across calls); *len is the inflated size. A message
   that would inflate past max is refused with ES_EEXHAUSTED after a first pass that counts into
   a small window, so a compression bomb never costs more memory than that window: gRPC core
   1.51 would inflate it whole before its own size check. ES_EINVAL for an unknown algorithm or
   bytes that are not one complete stream of it. bb stays the caller's. */
int es_inflate_message(grpc_byte_buffer *bb, size_t max, uint8_t **buf, size_t *cap, size_t *len,
                       es_error *err);

#endif
