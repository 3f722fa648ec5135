/* test_wiretext.c - string fields checked on the wire bytes, and what the codec makes of a refusal.
 */
#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "core/wiretext.h"
#include "embedding_stream.pb-c.h"
#include "tap.h"

/* A message built by hand: protobuf-c would pack a char * only up to its NUL. */
typedef struct msg {
  uint8_t b[4096];
  size_t n;
} msg;

static void put_varint(msg *m, uint64_t v) {
  do {
    m->b[m->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
}

static void put_bytes(msg *m, unsigned field, const void *p, size_t len) {
  put_varint(m, (uint64_t)field << 3 | 2);
  put_varint(m, len);
  memcpy(m->b + m->n, p, len);
  m->n += len;
}

static void put_msg(msg *m, unsigned field, const msg *inner) {
  put_bytes(m, field, inner->b, inner->n);
}

/* A RecruitRow with the given company_name bytes (and a 4-d vector, packed). */
static void recruit_row(msg *r, const char *company, size_t clen) {
  static const float v[4] = {0.5f, 0.5f, 0.5f, 0.5f};
  r->n = 0;
  put_bytes(r, 1, "0190a8c2-abcd-7ef0-8000-00000000000f", 36);
  put_bytes(r, 2, company, clen);
  put_varint(r, 3 << 3 | 0);
  put_varint(r, 7);
  put_bytes(r, 6, v, sizeof(v));
}

static void test_row_strings(void) {
  const ProtobufCMessageDescriptor *md = &embedding__recruit_row__descriptor;
  es_wiretext_bad bad;
  es_error err;
  msg r;
  recruit_row(&r, "Acme", 4);
  CHECK_EQ_INT(es_wiretext_check(md, r.b, r.n, &bad), 0);
  recruit_row(&r, "Ac\0me", 5);
  CHECK_EQ_INT(es_wiretext_check(md, r.b, r.n, &bad), 1);
  CHECK_EQ_INT(bad.depth, 1);
  CHECK_STR(bad.path[0].field->name, "company_name");
  CHECK_EQ_INT(bad.nul, 1);
  CHECK_EQ_INT(bad.at, 2);
  CHECK_EQ_INT(es_wiretext_err(&bad, &err), ES_EINVAL);
  CHECK_STR(err.msg, "field 'company_name': contains a NUL byte (byte 2)");
  recruit_row(&r, "caf\xc3", 4);
  CHECK_EQ_INT(es_wiretext_check(md, r.b, r.n, &bad), 1);
  es_wiretext_err(&bad, &err);
  CHECK_STR(err.msg, "field 'company_name': is not valid UTF-8 (byte 3)");
  /* an unknown length-delimited field is not a string of ours: skipped, whatever it holds */
  recruit_row(&r, "Acme", 4);
  put_bytes(&r, 15, "\0\xff", 2);
  CHECK_EQ_INT(es_wiretext_check(md, r.b, r.n, &bad), 0);
  /* a string field given twice: each occurrence is checked (protobuf-c keeps the last) */
  put_bytes(&r, 4, "B\0", 2);
  put_bytes(&r, 4, "B2", 2);
  CHECK_EQ_INT(es_wiretext_check(md, r.b, r.n, &bad), 1);
  CHECK_STR(bad.path[0].field->name, "english_level");
  /* not a message: left to protobuf-c */
  CHECK_EQ_INT(es_wiretext_check(md,
                                 (const uint8_t *)"\x12\x05"
                                                  "ab",
                                 4, &bad),
               -1);
  CHECK_EQ_INT(es_wiretext_check(md, (const uint8_t *)"\x0b", 1, &bad), -1); /* a group */
  CHECK_EQ_INT(es_wiretext_check(md, (const uint8_t *)"\x18\xff", 2, &bad), -1);
}

static void test_repeated_string_item(void) {
  const ProtobufCMessageDescriptor *md = &embedding__candidate_row__descriptor;
  es_wiretext_bad bad;
  es_error err;
  msg r = {{0}, 0};
  put_bytes(&r, 1, "0190a8c2-abcd-7ef0-8000-00000000000f", 36);
  put_bytes(&r, 5, "go", 2);
  put_bytes(&r, 5, "rust", 4);
  put_bytes(&r, 5, "c\xe2\x82", 3);
  CHECK_EQ_INT(es_wiretext_check(md, r.b, r.n, &bad), 1);
  CHECK_STR(bad.path[0].field->name, "skills");
  CHECK_EQ_INT(bad.path[0].item, 2);
  es_wiretext_err(&bad, &err);
  CHECK_STR(err.msg, "field 'skills': item 2 is not valid UTF-8 (byte 1)");
}

/* Whole requests through the codec: the fault says metadata or which row of the chunk. */
static void test_requests(void) {
  const es_domain *d = es_domain_find("recruit");
  es_request_info info;
  es_error err;
  es_chunk c;
  msg meta = {{0}, 0}, req = {{0}, 0}, chunk = {{0}, 0}, row;
  put_bytes(&meta, 1, "recruit\0x", 9);
  put_bytes(&meta, 2, "a.csv", 5);
  put_msg(&req, 1, &meta);
  es_chunk_init(&c, NULL);
  CHECK_EQ_INT(es_codec_unpack_request(&c, req.b, req.n, &info, &err), ES_EINVAL);
  CHECK_EQ_INT(info.fault, ES_CODEC_TEXT_META);
  CHECK_STR(err.msg, "field 'domain': contains a NUL byte (byte 7)");
  meta.n = req.n = 0;
  put_bytes(&meta, 1, "recruit", 7);
  put_bytes(&meta, 2, "a\0b", 3);
  put_msg(&req, 1, &meta);
  CHECK_EQ_INT(es_codec_unpack_request(&c, req.b, req.n, &info, &err), ES_EINVAL);
  CHECK_EQ_INT(info.fault, ES_CODEC_TEXT_META);
  CHECK_CONTAINS(err.msg, "field 'file_name'");
  es_chunk_free(&c);
  es_chunk_init(&c, d);
  recruit_row(&row, "ok", 2);
  put_msg(&chunk, 1, &row);
  put_msg(&chunk, 1, &row);
  recruit_row(&row, "A\0", 2);
  put_msg(&chunk, 1, &row);
  req.n = 0;
  put_msg(&req, (unsigned)d->chunk_case, &chunk);
  CHECK_EQ_INT(es_codec_unpack_request(&c, req.b, req.n, &info, &err), ES_EINVAL);
  CHECK_EQ_INT(info.fault, ES_CODEC_TEXT_ROW);
  CHECK_EQ_INT(info.fault_row, 2);
  CHECK_STR(err.msg, "field 'company_name': contains a NUL byte (byte 1)");
  /* undecodable stays undecodable */
  CHECK_EQ_INT(es_codec_unpack_request(&c, (const uint8_t *)"\x0a\xff\xff", 3, &info, &err),
               ES_EINVAL);
  CHECK_EQ_INT(info.fault, ES_CODEC_UNDECODABLE);
  es_chunk_free(&c);
}

static void test_row_path(void) {
  es_chunk c;
  es_codec_fault fault;
  es_error err;
  msg r;
  es_chunk_init(&c, es_domain_find("recruit"));
  recruit_row(&r, "Ac\0me", 5);
  CHECK_EQ_INT(es_codec_unpack_row(&c, r.b, r.n, &fault, &err), ES_EINVAL);
  CHECK_EQ_INT(fault, ES_CODEC_TEXT_ROW);
  CHECK_EQ_INT(c.nrows, 0);
  recruit_row(&r, "Acme", 4);
  CHECK_EQ_INT(es_codec_unpack_row(&c, r.b, r.n, &fault, &err), 0);
  CHECK_EQ_INT(c.nrows, 1);
  CHECK_STR(es_chunk_row(&c, 0)[1].s, "Acme");
  es_chunk_free(&c);
}

int main(void) {
  test_row_strings();
  test_repeated_string_item();
  test_requests();
  test_row_path();
  return tap_done("test_wiretext");
}
