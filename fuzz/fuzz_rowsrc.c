/* fuzz_rowsrc.c - libFuzzer target, differential: a request read row by row from gRPC slices
   (server/rowsrc.c) must give exactly what protobuf-c gives decoding it whole.

   The first input byte chooses how the rest is cut into slices (so rows and varints straddle
   slice edges); the rest is the request. Whenever the row path takes the message, both paths
   must agree on success, on the row count and on every row's key and vector bits; and when both
   refuse a string that is not text (core/wiretext.c), on the row, the field and the message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/slice.h>

#include "core/codec.h"
#include "core/domain.h"
#include "server/rowsrc.h"

#define MAX_SLICES 64

static grpc_byte_buffer *cut(const uint8_t *data, size_t size, uint8_t how) {
  grpc_slice s[MAX_SLICES];
  grpc_byte_buffer *bb;
  size_t n = 0, off = 0, step = (size_t)(how & 0x3f) + 1, i;
  while (off < size && n < MAX_SLICES - 1) {
    size_t take = step;
    if (how & 0x40) take = 1 + (off * 7 + n * 13) % (step * 3); /* uneven cuts */
    if (take > size - off) take = size - off;
    s[n++] = grpc_slice_from_copied_buffer((const char *)data + off, take);
    off += take;
  }
  if (off < size) s[n++] = grpc_slice_from_copied_buffer((const char *)data + off, size - off);
  bb = grpc_raw_byte_buffer_create(s, n);
  for (i = 0; i < n; i++) grpc_slice_unref(s[i]);
  return bb;
}

static void same_rows(const es_chunk *a, const es_chunk *b) {
  const es_domain *d = a->domain;
  size_t r, f;
  if (a->nrows != b->nrows) abort();
  for (r = 0; r < a->nrows; r++) {
    const es_value *x = es_chunk_row(a, r), *y = es_chunk_row(b, r);
    for (f = 0; f < d->nfields; f++) {
      switch (d->fields[f].type) {
      case ES_T_TEXT:
        if (strcmp(x[f].s, y[f].s)) abort();
        break;
      case ES_T_INT:
        if (x[f].i != y[f].i) abort();
        break;
      case ES_T_STRLIST:
        if (x[f].list.n != y[f].list.n) abort();
        break;
      case ES_T_VECTOR:
        if (x[f].vec.n != y[f].vec.n ||
            (x[f].vec.n && memcmp(x[f].vec.v, y[f].vec.v, x[f].vec.n * 4)))
          abort();
        break;
      }
    }
  }
}

/* Both paths refused the message: a text fault seen by both must be the same one. */
static void same_fault(es_codec_fault each_fault, size_t each_row, const char *each_msg,
                       const es_request_info *info, const char *whole_msg) {
  if (each_fault != ES_CODEC_TEXT_ROW || info->fault != ES_CODEC_TEXT_ROW) return;
  if (each_row != info->fault_row || strcmp(each_msg, whole_msg)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  es_rowsrc rs;
  es_request_info info;
  es_chunk whole, each;
  es_codec_fault fault = ES_CODEC_UNDECODABLE;
  es_error err, each_err;
  grpc_byte_buffer *bb;
  const es_domain *d;
  const uint8_t *row;
  uint8_t *copy;
  size_t n, len;
  int cc, rc, ok_whole, ok_each = 1;
  if (size < 1) return 0;
  bb = cut(data + 1, size - 1, data[0]);
  es_rowsrc_init(&rs);
  if (!es_rowsrc_open(&rs, bb, &cc, &len)) {
    grpc_byte_buffer_destroy(bb);
    return 0;
  }
  d = es_domain_by_case(cc);
  if (!d || len != size - 1) abort();
  es_chunk_init(&whole, d);
  es_chunk_init(&each, d);
  es_err_clear(&each_err);
  while ((rc = es_rowsrc_next(&rs, &row, &n, &each_err)) > 0)
    if (es_codec_unpack_row(&each, row, n, &fault, &each_err)) {
      ok_each = 0;
      break;
    }
  if (rc < 0) ok_each = 0;
  es_rowsrc_free(&rs);
  /* A private copy of exactly the message, so ASan sees any read past it. */
  copy = malloc(size - 1 ? size - 1 : 1);
  if (!copy) abort();
  memcpy(copy, data + 1, size - 1);
  ok_whole = es_codec_unpack_request(&whole, copy, size - 1, &info, &err) == 0 && info.appended;
  free(copy);
  if (ok_whole != ok_each) abort();
  if (ok_whole)
    same_rows(&whole, &each);
  else
    same_fault(fault, each.nrows, each_err.msg, &info, err.msg);
  es_chunk_free(&whole);
  es_chunk_free(&each);
  return 0;
}
