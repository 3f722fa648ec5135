/* inflate.c - compressed request messages inflated by zlib in two passes: the first only counts
   (into a small window), so a message that would pass --max-message-bytes is refused without
   ever being held inflated; the second inflates into a buffer of exactly the counted size. gRPC's
   own per-message decompression is off on the server (server.c) because gRPC core 1.51 inflates
   a whole message before it compares the result with the limit. */
#include "server/inflate.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define WINDOW 16384

typedef struct pass {
  z_stream z;
  grpc_slice_buffer *sb;
  size_t next;    /* next slice to feed */
  uint8_t *out;   /* NULL: count only */
  size_t out_cap; /* bytes out may take */
  size_t total;   /* inflated so far */
} pass;

static const char *algo_name(grpc_compression_algorithm a) {
  return a == GRPC_COMPRESS_GZIP ? "gzip" : a == GRPC_COMPRESS_DEFLATE ? "deflate" : "unknown";
}

static int start(pass *p, grpc_compression_algorithm a, es_error *err) {
  int bits;
  memset(&p->z, 0, sizeof(p->z));
  if (a == GRPC_COMPRESS_GZIP)
    bits = MAX_WBITS + 16; /* gzip header and trailer */
  else if (a == GRPC_COMPRESS_DEFLATE)
    bits = MAX_WBITS; /* gRPC's deflate is a zlib stream */
  else
    return es_err_set(err, ES_EINVAL, "message compressed with an unsupported algorithm (%d)",
                      (int)a);
  if (inflateInit2(&p->z, bits) != Z_OK)
    return es_err_set(err, ES_ENOMEM, "out of memory starting zlib");
  return 0;
}

/* Gives zlib the next non-empty slice; 0 when there is none left. */
static int feed(pass *p) {
  while (p->next < p->sb->count) {
    /* By address: a small slice holds its bytes inline, in the struct itself. */
    grpc_slice *s = &p->sb->slices[p->next++];
    if (GRPC_SLICE_LENGTH(*s)) {
      p->z.next_in = GRPC_SLICE_START_PTR(*s);
      p->z.avail_in =
          (uInt)GRPC_SLICE_LENGTH(*s); /* messages are < INT_MAX (--max-message-bytes) */
      return 1;
    }
  }
  return 0;
}

/* One step of inflate into the window or the output; returns zlib's result. */
static int step(pass *p, uint8_t *window) {
  uInt room;
  int zr;
  if (p->out) {
    p->z.next_out = p->out + p->total;
    room = (uInt)(p->out_cap - p->total < UINT_MAX ? p->out_cap - p->total : UINT_MAX);
  } else {
    p->z.next_out = window;
    room = WINDOW;
  }
  p->z.avail_out = room;
  zr = inflate(&p->z, Z_NO_FLUSH);
  p->total += room - p->z.avail_out;
  return zr;
}

static int run(pass *p, size_t max, grpc_compression_algorithm a, es_error *err) {
  uint8_t window[WINDOW];
  int zr = Z_OK;
  while (zr != Z_STREAM_END) {
    if (!p->z.avail_in && !feed(p))
      return es_err_set(err, ES_EINVAL, "%s message ends before its compressed stream does",
                        algo_name(a));
    zr = step(p, window);
    if (p->total > max)
      return es_err_set(err, ES_EEXHAUSTED,
                        "%s message inflates past --max-message-bytes (%zu): refused without "
                        "inflating it",
                        algo_name(a), max);
    if (zr == Z_BUF_ERROR && p->out && p->total == p->out_cap)
      return es_err_set(err, ES_EINTERNAL, "message inflated differently the second time");
    if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
      return es_err_set(err, ES_EINVAL, "cannot inflate the %s message: %s", algo_name(a),
                        p->z.msg ? p->z.msg : "invalid data");
  }
  if (p->z.avail_in || feed(p))
    return es_err_set(err, ES_EINVAL, "%s message has bytes after its compressed stream",
                      algo_name(a));
  return 0;
}

/* One pass over bb: counting (out NULL) or inflating into out. */
static int inflate_pass(grpc_byte_buffer *bb, uint8_t *out, size_t out_cap, size_t max,
                        size_t *total, es_error *err) {
  grpc_compression_algorithm a = bb->data.raw.compression;
  pass p;
  int rc;
  memset(&p, 0, sizeof(p));
  p.sb = &bb->data.raw.slice_buffer;
  p.out = out;
  p.out_cap = out_cap;
  if ((rc = start(&p, a, err))) return rc;
  rc = run(&p, max, a, err);
  inflateEnd(&p.z);
  *total = p.total;
  return rc;
}

int es_inflate_message(grpc_byte_buffer *bb, size_t max, uint8_t **buf, size_t *cap, size_t *len,
                       es_error *err) {
  size_t need = 0, got = 0;
  int rc;
  *len = 0;
  if (bb->type != GRPC_BB_RAW) return es_err_set(err, ES_EINTERNAL, "not a raw byte buffer");
  /* gRPC passes an empty compressed message on as an empty message; so do we. */
  if (!bb->data.raw.slice_buffer.length) return 0;
  if ((rc = inflate_pass(bb, NULL, 0, max, &need, err))) return rc;
  if (need > *cap) {
    uint8_t *p = realloc(*buf, need);
    if (!p) return es_err_set(err, ES_ENOMEM, "out of memory for a %zu-byte message", need);
    *buf = p;
    *cap = need;
  }
  if ((rc = inflate_pass(bb, *buf, need, max, &got, err))) return rc;
  if (got != need)
    return es_err_set(err, ES_EINTERNAL, "message inflated differently the second time");
  *len = got;
  return 0;
}
