/* rowsrc.c - a chunk request read row by row straight from gRPC's slices: no joined copy of a
   10 MB message, and each slice given back as soon as its rows are decoded. Only the framing of
   the one repeated field is read here (keys and lengths); every row is decoded by protobuf-c. */
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

/* Up to 10 bytes of varint, across slices: 1 when read, 0 when cut short or too long. */
static int cur_varint(cursor *c, uint64_t *v, uint64_t *used) {
  uint8_t tmp[10];
  size_t n = 0, got;
  cur_fix(c);
  if (c->si < c->sb->count) {
    const uint8_t *p = GRPC_SLICE_START_PTR(c->sb->slices[c->si]) + c->off;
    size_t avail = GRPC_SLICE_LENGTH(c->sb->slices[c->si]) - c->off;
    if ((got = es_codec_varint(p, avail, v))) { /* the usual case: within one slice */
      c->off += got;
      *used = got;
      return 1;
    }
  }
  while (n < sizeof(tmp)) {
    cur_fix(c);
    if (c->si == c->sb->count) return 0;
    tmp[n++] = GRPC_SLICE_START_PTR(c->sb->slices[c->si])[c->off++];
    if (!(tmp[n - 1] & 0x80)) break;
  }
  if (!(got = es_codec_varint(tmp, n, v))) return 0;
  *used = got;
  return 1;
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

/* Only the request's first key and length are looked at here: one chunk field running to the
   end of the message. What lies inside is checked row by row as it is read. */
int es_rowsrc_open(es_rowsrc *r, grpc_byte_buffer *bb, int *chunk_case, size_t *len) {
  grpc_slice_buffer *sb;
  cursor c;
  uint64_t key, body, used_key, used_len;
  int cc;
  if (bb->type != GRPC_BB_RAW || bb->data.raw.compression != GRPC_COMPRESS_NONE) return 0;
  sb = &bb->data.raw.slice_buffer;
  c.sb = sb;
  c.si = c.off = 0;
  c.give = 0;
  if (!cur_varint(&c, &key, &used_key) || !(cc = es_codec_chunk_key(key))) return 0;
  if (!cur_varint(&c, &body, &used_len) || body != sb->length - used_key - used_len) return 0;
  r->bb = bb;
  r->sb = sb;
  r->si = c.si;
  r->off = c.off;
  r->left = body;
  r->rows = 0;
  *chunk_case = cc;
  *len = sb->length;
  return 1;
}

/* Bytes of a field of wire type wt after its key (the varint is read for type 0). */
static int field_size(cursor *c, uint64_t wt, uint64_t left, uint64_t *size, uint64_t *skip) {
  uint64_t v, used;
  switch (wt) {
  case 0: if (!cur_varint(c, &v, &used) || used > left) return -1; *size = used; *skip = 0; return 0;
  case 1: *size = *skip = 8; return 8 > left ? -1 : 0;
  case 5: *size = *skip = 4; return 4 > left ? -1 : 0;
  case 2:
    if (!cur_varint(c, &v, &used) || used > left || v > left - used) return -1;
    *size = used + v;
    *skip = v;
    return 0;
  default: return -1; /* groups, as protobuf-c: not accepted */
  }
}

/* Rows are field 1; any other field of the chunk message is skipped, as protobuf-c would. */
int es_rowsrc_next(es_rowsrc *r, const uint8_t **row, size_t *len, es_error *err) {
  cursor c = {r->sb, r->si, r->off, 1};
  uint64_t key, n, used, size, skip;
  size_t got = 0;
  for (;;) {
    if (!r->left) return 0;
    if (!cur_varint(&c, &key, &used) || used > r->left) goto bad;
    r->left -= used;
    if (key >> 3 == 1) break;
    if (!(key >> 3) || field_size(&c, key & 7, r->left, &size, &skip)) goto bad;
    cur_skip(&c, skip);
    r->left -= size;
  }
  if ((key & 7) != 2 || !cur_varint(&c, &n, &used) || used > r->left || n > r->left - used) goto bad;
  r->left -= used + n;
  cur_fix(&c);
  if (c.si < r->sb->count && GRPC_SLICE_LENGTH(r->sb->slices[c.si]) - c.off >= n) {
    *row = GRPC_SLICE_START_PTR(r->sb->slices[c.si]) + c.off; /* where it lies */
    c.off += (size_t)n;
  } else {
    if (n > r->scap) {
      uint8_t *p = realloc(r->scratch, (size_t)n);
      if (!p) return es_err_set(err, ES_ENOMEM, "out of memory for a %llu-byte row", (unsigned long long)n);
      r->scratch = p;
      r->scap = (size_t)n;
    }
    while (got < n) {
      size_t avail, take;
      cur_fix(&c);
      if (c.si == r->sb->count) goto bad;
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
bad:
  return es_err_set(err, ES_EINVAL, "not a valid chunk message after row %zu (bad field framing)", r->rows);
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
