/* message.h - a received request message as one contiguous byte range. */
#ifndef ES_SERVER_MESSAGE_H
#define ES_SERVER_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "core/error.h"

typedef struct es_msgview {
  const uint8_t *data;
  size_t len;
  grpc_byte_buffer *bb; /* kept while data points into its only slice */
  uint8_t *copy;        /* reused across messages of a stream: joined slices, inflated bytes */
  size_t wire_len;      /* a compressed message's size as received (0: it was not) */
  size_t cap;
} es_msgview;

void es_msgview_init(es_msgview *v);
/* Takes ownership of bb and points data/len at its bytes; a compressed message is inflated,
   refused (ES_EEXHAUSTED) when it would inflate past max bytes. */
int es_msgview_take(es_msgview *v, grpc_byte_buffer *bb, size_t max, es_error *err);
/* Drops the current message (keeps the copy buffer for the next one). */
void es_msgview_release(es_msgview *v);
void es_msgview_free(es_msgview *v);

#endif
