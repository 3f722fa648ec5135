/* message.c - turns a received gRPC message into one contiguous byte range for protobuf-c,
   copying only when gRPC delivered it in several slices, inflating it when it came compressed. */
#include "server/message.h"

#include <stdlib.h>
#include <string.h>

#include "server/inflate.h"

static const uint8_t no_bytes[1];

void es_msgview_init(es_msgview *v) { memset(v, 0, sizeof(*v)); }

static int copy_slices(es_msgview *v, const grpc_slice_buffer *sb, es_error *err) {
  size_t i, off = 0;
  if (sb->length > v->cap) {
    uint8_t *p = realloc(v->copy, sb->length);
    if (!p) return es_err_set(err, ES_ENOMEM, "out of memory for a %zu-byte message", sb->length);
    v->copy = p;
    v->cap = sb->length;
  }
  for (i = 0; i < sb->count; i++) {
    size_t n = GRPC_SLICE_LENGTH(sb->slices[i]);
    memcpy(v->copy + off, GRPC_SLICE_START_PTR(sb->slices[i]), n);
    off += n;
  }
  v->data = off ? v->copy : no_bytes;
  v->len = off;
  return 0;
}

int es_msgview_take(es_msgview *v, grpc_byte_buffer *bb, size_t max, es_error *err) {
  int rc = 0;
  es_msgview_release(v);
  if (bb->type == GRPC_BB_RAW && bb->data.raw.compression == GRPC_COMPRESS_NONE) {
    const grpc_slice_buffer *sb = &bb->data.raw.slice_buffer;
    if (sb->count == 1) {
      /* Decode straight from gRPC's slice; the buffer lives until release. */
      v->bb = bb;
      v->data = GRPC_SLICE_START_PTR(sb->slices[0]);
      v->len = GRPC_SLICE_LENGTH(sb->slices[0]);
      return 0;
    }
    /* Copy, then free gRPC's buffer at once: the message is held once, not twice, while the
       decoded rows are built. */
    rc = copy_slices(v, sb, err);
    grpc_byte_buffer_destroy(bb);
    return rc;
  }
  /* Compressed: inflated here, within the limit (gRPC's own decompression is off). */
  v->wire_len = bb->data.raw.slice_buffer.length;
  rc = es_inflate_message(bb, max, &v->copy, &v->cap, &v->len, err);
  grpc_byte_buffer_destroy(bb);
  v->data = v->len ? v->copy : no_bytes;
  return rc;
}

void es_msgview_release(es_msgview *v) {
  if (v->bb) grpc_byte_buffer_destroy(v->bb);
  v->bb = NULL;
  v->data = NULL;
  v->len = 0;
  v->wire_len = 0;
}

void es_msgview_free(es_msgview *v) {
  es_msgview_release(v);
  free(v->copy);
  v->copy = NULL;
  v->cap = 0;
}
