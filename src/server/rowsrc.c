/* rowsrc.c - a chunk request read row by row straight from gRPC's slices: no joined copy of a
   10 MB message, and each slice given back as soon as its rows are decoded. Only the framing of
   the one repeated field is read here, and only in its canonical form; every row is decoded by
   protobuf-c. fuzz/fuzz_rowsrc.c checks that this agrees with protobuf-c decoding whole. */
#include "server/rowsrc.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

void es_rowsrc_init(es_rowsrc *r) { memset(r, 0, sizeof(*r)); }

/* A cursor over a slice buffer; `give` hands slices back once the cursor has left them. */
typedef struct cursor {
  grpc_slice_buffer *sb;
  size_t si, off;
  int give;
} cursor;

static void cur_fix(cursor *c) {
  while (c->si < c->sb->count && c->off == GRPC_SLICE_LENGTH(c->sb->slices[c->si])) {
    if (c->give) {
      grpc_slice_unref(c->sb->slices[c->si]);
      c->sb->slices[c->si] = grpc_empty_slice(); /* the byte buffer's destroy unrefs it again */
    }
    c->si++;
    c->off = 0;
  }
}

/* One byte at the cursor, or -1 at the end. */
static int cur_byte(cursor *c) {
  cur_fix(c);
  if (c->si == c->sb->count) return -1;
  return GRPC_SLICE_START_PTR(c->sb->slices[c->si])[c->off++];
}

/* A length prefix as protobuf-c reads one (at most 5 bytes), across slices: 1 when read. */
static int cur_length(cursor *c, uint64_t *v, uint64_t *used) {
  uint64_t r = 0;
  int i, b;
  for (i = 0; i < 5; i++) {
    if ((b = cur_byte(c)) < 0) return 0;
    r |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *v = r;
      *used = (uint64_t)i + 1;
      return 1;
    }
  }
  return 0;
}

static void cur_skip(cursor *c, uint64_t n) {
  for (;;) {
    size_t avail;
    cur_fix(c);
    if (!n || c->si == c->sb->count) return;
    avail = GRPC_SLICE_LENGTH(c->sb->slices[c->si]) - c->off;
    if (n < avail) {
      c->off += (size_t)n;
      return;
    }
    n -= avail;
    c->off += avail;
  }
}

/* The row path takes only the framing every protobuf encoder writes: the request is one chunk
   field (a one-byte key) running to its end, and the chunk holds nothing but rows (key 0x0A).
   All of it is checked before any row is decoded, so anything else (unknown fields, odd but
   valid encodings, garbage) is left whole to protobuf-c, and both paths agree by construction:
   each row's bytes are what protobuf-c would have decoded as that row. */
int es_rowsrc_open(es_rowsrc *r, grpc_byte_buffer *bb, int *chunk_case, size_t *len) {
  grpc_slice_buffer *sb;
  cursor c;
  uint64_t body, n, used, left;
  int key, cc;
  if (bb->type != GRPC_BB_RAW || bb->data.raw.compression != GRPC_COMPRESS_NONE) return 0;
  sb = &bb->data.raw.slice_buffer;
  c.sb = sb;
  c.si = c.off = 0;
  c.give = 0;
  if ((key = cur_byte(&c)) < 0 || !(cc = es_codec_chunk_key((uint64_t)key)) || key & 0x80) return 0;
  if (!cur_length(&c, &body, &used) || body != sb->length - 1 - used) return 0;
  r->si = c.si;
  r->off = c.off;
  for (left = body; left;) {
    if (cur_byte(&c) != ES_CODEC_ROW_KEY || !cur_length(&c, &n, &used) || 1 + used > left ||
        n > left - 1 - used)
      return 0;
    left -= 1 + used + n;
    cur_skip(&c, n);
  }
  r->bb = bb;
  r->sb = sb;
  r->left = body;
  r->rows = 0;
  *chunk_case = cc;
  *len = sb->length;
  return 1;
}

int es_rowsrc_next(es_rowsrc *r, const uint8_t **row, size_t *len, es_error *err) {
  cursor c = {r->sb, r->si, r->off, 1};
  uint64_t n, used;
  size_t got = 0;
  if (!r->left) return 0;
  /* es_rowsrc_open checked all of this; failing now would mean the buffer changed under us. */
  if (cur_byte(&c) != ES_CODEC_ROW_KEY || !cur_length(&c, &n, &used) || 1 + used + n > r->left)
    return es_err_set(err, ES_EINTERNAL, "row framing changed after it was checked");
  r->left -= 1 + used + n;
  cur_fix(&c);
  if (c.si < r->sb->count && GRPC_SLICE_LENGTH(r->sb->slices[c.si]) - c.off >= n) {
    *row = GRPC_SLICE_START_PTR(r->sb->slices[c.si]) + c.off; /* where it lies */
    c.off += (size_t)n;
  } else {
    if (n > r->scap) {
      uint8_t *p = realloc(r->scratch, (size_t)n);
      if (!p)
        return es_err_set(err, ES_ENOMEM, "out of memory for a %llu-byte row",
                          (unsigned long long)n);
      r->scratch = p;
      r->scap = (size_t)n;
    }
    while (got < n) {
      size_t avail, take;
      cur_fix(&c);
      if (c.si == r->sb->count)
        return es_err_set(err, ES_EINTERNAL, "row framing changed after it was checked");
      avail = GRPC_SLICE_LENGTH(r->sb->slices[c.si]) - c.off;
      take = avail < n - got ? avail : (size_t)(n - got);
      memcpy(r->scratch + got, GRPC_SLICE_START_PTR(r->sb->slices[c.si]) + c.off, take);
      c.off += take;
      got += take;
    }
    *row = r->scratch;
  }
  *len = (size_t)n;
  r->si = c.si;
  r->off = c.off;
  r->rows++;
  return 1;
}

void es_rowsrc_close(es_rowsrc *r) {
  if (r->bb) grpc_byte_buffer_destroy(r->bb);
  r->bb = NULL;
  r->sb = NULL;
  r->si = r->off = 0;
  r->left = 0;
}

void es_rowsrc_free(es_rowsrc *r) {
  es_rowsrc_close(r);
  free(r->scratch);
  r->scratch = NULL;
  r->scap = 0;
}
