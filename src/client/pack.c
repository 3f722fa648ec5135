/* pack.c - builds one chunk message from several batches of rows: protobuf-c packs each batch
   and the rows' encodings are laid end to end, which is exactly the encoding of the whole
   message (a repeated field is its elements' encodings concatenated); only the message's own
   key and length, known at the end, are written last, into room left in front. */
#include <string.h>

#include "client/client_int.h"

void es_packer_begin(es_packer *pk, es_msgbuf *buf) {
  memset(pk, 0, sizeof(*pk));
  pk->buf = buf;
}

/* How many rows of [from, end) still fit; *add is their encoded size. */
static size_t rows_that_fit(const es_packer *pk, const es_chunk *c, size_t from, size_t end,
                            size_t max_msg, size_t *add) {
  size_t i, sum = 0, base = pk->rows_bytes;
  for (i = from; i < end; i++) {
    size_t rb = es_codec_row_size(c, i);
    /* Each step keeps base + sum + rb from overflowing before it is compared. */
    if (rb > max_msg || sum > max_msg - rb || base > max_msg - rb - sum) break;
    if (es_codec_chunk_request_size(base + sum + rb) > max_msg) break;
    sum += rb;
  }
  *add = sum;
  return i;
}

int es_packer_add(es_packer *pk, const es_chunk *c, size_t from, size_t upto, size_t max_msg,
                  size_t *to, es_error *err) {
  uint8_t saved[ES_PACK_HEAD];
  size_t add, end, head, pos, written = 0, t, b;
  int rc;
  if (upto > c->nrows || from >= upto)
    return es_err_set(err, ES_EINTERNAL, "no rows %zu..%zu to pack", from, upto);
  end = rows_that_fit(pk, c, from, upto, max_msg, &add);
  *to = from;
  if (end == from) {
    if (pk->rows) return 0; /* full: the row starts the next message */
    /* A row no message can hold: es_client_split words that error (with its line). */
    if ((rc = es_client_split(c, from, max_msg, &t, &b, err)) < 0) return rc;
    return es_err_set(err, ES_EINTERNAL, "row %zu fits alone but not in an empty message", from);
  }
  if (pk->rows_bytes + add > SIZE_MAX - ES_PACK_HEAD)
    return es_err_set(err, ES_EINTERNAL, "message size overflows");
  if ((rc = es_msgbuf_reserve(pk->buf, ES_PACK_HEAD + pk->rows_bytes + add, err)) < 0) return rc;
  /* protobuf-c writes this batch's own key and length (head bytes) right before its rows,
     over the end of the rows already packed: those bytes are put back afterwards. */
  head = es_codec_chunk_request_size(add) - add;
  pos = ES_PACK_HEAD + pk->rows_bytes;
  if (head > ES_PACK_HEAD) return es_err_set(err, ES_EINTERNAL, "chunk header of %zu bytes", head);
  memcpy(saved, pk->buf->data + pos - head, head);
  rc = es_codec_pack_chunk(c, from, end, pk->buf->data + pos - head, head + add, &written, err);
  if (rc == 0 && written != head + add)
    rc = es_err_set(err, ES_EINTERNAL, "packed %zu bytes, expected %zu", written, head + add);
  if (rc < 0) return rc;
  if (pk->rows == 0)
    pk->key = pk->buf->data[pos - head];
  else
    memcpy(pk->buf->data + pos - head, saved, head);
  pk->rows += end - from;
  pk->rows_bytes += add;
  *to = end;
  return 0;
}

int es_packer_finish(es_packer *pk, size_t *off, size_t *len, es_error *err) {
  uint8_t head[ES_PACK_HEAD];
  size_t n = 0, v = pk->rows_bytes;
  if (!pk->rows) return es_err_set(err, ES_EINTERNAL, "no rows to finish a message with");
  /* The key protobuf-c wrote for the first batch, then the length as a base-128 varint. */
  head[n++] = pk->key;
  do {
    head[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v && n < ES_PACK_HEAD);
  if (v || n != es_codec_chunk_request_size(pk->rows_bytes) - pk->rows_bytes)
    return es_err_set(err, ES_EINTERNAL, "cannot encode a %zu-byte chunk header", pk->rows_bytes);
  *off = ES_PACK_HEAD - n;
  memcpy(pk->buf->data + *off, head, n);
  *len = n + pk->rows_bytes;
  return 0;
}
