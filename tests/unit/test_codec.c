/* test_codec.c - codec round trips: rows survive pack/unpack bit for bit, sizes are exact. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/domain.h"
#include "rowfix.h"
#include "tap.h"

static void fill_candidate(es_chunk *c, size_t nrows, int dim) {
  static const char *const skills[] = {"python", "sql"}; /* r % 3 of them */
  size_t r;
  int k;
  for (r = 0; r < nrows; r++) {
    char id[37];
    float *v = es_arena_calloc(&c->arena, (size_t)dim, sizeof(float));
    for (k = 0; k < dim; k++) v[k] = (float)((double)k / 7.0 - (double)r) * 1e-3f;
    fx_id(id, r);
    fx_candidate(c, r + 2, id, "백엔드, \"quoted\"\nline", (int32_t)r * 3,
                 r % 2 ? "" : "resume text", skills, r % 3, v, (size_t)dim);
  }
  /* values that must survive bit for bit */
  es_chunk_row(c, 0)[5].vec.v[0] = -0.0f;
  es_chunk_row(c, 0)[5].vec.v[1] = 1.4e-45f;
  es_chunk_row(c, 0)[5].vec.v[2] = NAN;
}

/* Every row of in packed into one request of exactly the size es_codec_chunk_request_size says:
   a malloc'ed buffer of *need bytes, *written of them filled (NULL if it cannot be allocated). */
static uint8_t *pack_all(const es_chunk *in, size_t *need, size_t *written, es_error *err) {
  size_t i, rows_bytes = 0;
  uint8_t *buf;
  for (i = 0; i < in->nrows; i++) rows_bytes += es_codec_row_size(in, i);
  *need = es_codec_chunk_request_size(rows_bytes);
  if (!(buf = malloc(*need))) return NULL;
  CHECK_EQ_INT(es_codec_pack_chunk(in, 0, in->nrows, buf, *need, written, err), 0);
  return buf;
}

static void test_chunk_round_trip(void) {
  const es_domain *d = es_domain_find("candidate");
  es_chunk in, out;
  es_request_info info;
  es_error err;
  size_t i, rows_bytes, need, written = 0, r, f;
  uint8_t *buf;
  es_chunk_init(&in, d);
  es_chunk_init(&out, d);
  fill_candidate(&in, 5, 16);
  if (!(buf = pack_all(&in, &need, &written, &err))) return;
  CHECK_EQ_INT(written, need);
  CHECK_EQ_INT(es_codec_unpack_request(&out, buf, written, &info, &err), 0);
  CHECK_EQ_INT(info.has_meta, 0);
  CHECK_EQ_INT(info.chunk_case, d->chunk_case);
  CHECK_EQ_INT(info.rows, 5);
  CHECK_EQ_INT(info.appended, 1);
  CHECK_EQ_INT(out.nrows, 5);
  for (r = 0; r < in.nrows && r < out.nrows; r++) {
    es_value *a = es_chunk_row(&in, r), *b = es_chunk_row(&out, r);
    for (f = 0; f < d->nfields; f++) {
      switch (d->fields[f].type) {
      case ES_T_TEXT: CHECK_STR(b[f].s, a[f].s); break;
      case ES_T_INT: CHECK_EQ_INT(b[f].i, a[f].i); break;
      case ES_T_STRLIST:
        CHECK_EQ_INT(b[f].list.n, a[f].list.n);
        for (i = 0; i < a[f].list.n && i < b[f].list.n; i++)
          CHECK_STR(b[f].list.items[i], a[f].list.items[i]);
        break;
      case ES_T_VECTOR:
        CHECK_EQ_INT(b[f].vec.n, a[f].vec.n);
        CHECK(b[f].vec.n == a[f].vec.n &&
              !memcmp(b[f].vec.v, a[f].vec.v, a[f].vec.n * sizeof(float)));
        break;
      }
    }
  }
  /* A sub-range packs only its rows. */
  CHECK_EQ_INT(es_codec_pack_chunk(&in, 1, 3, buf, need, &written, &err), 0);
  es_chunk_reset(&out);
  CHECK_EQ_INT(es_codec_unpack_request(&out, buf, written, &info, &err), 0);
  CHECK_EQ_INT(out.nrows, 2);
  CHECK_STR(es_chunk_row(&out, 0)[0].s, es_chunk_row(&in, 1)[0].s);
  /* A buffer one byte short is refused, not overrun. */
  rows_bytes = es_codec_row_size(&in, 0);
  CHECK(es_codec_pack_chunk(&in, 0, 1, buf, es_codec_chunk_request_size(rows_bytes) - 1, &written,
                            &err) != 0);
  free(buf);
  es_chunk_free(&in);
  es_chunk_free(&out);
}

static void test_wrong_case_not_appended(void) {
  es_chunk in, out;
  es_request_info info;
  es_error err;
  uint8_t buf[1 << 14];
  size_t written;
  es_chunk_init(&in, es_domain_find("candidate"));
  es_chunk_init(&out, es_domain_find("recruit"));
  fill_candidate(&in, 2, 4);
  CHECK_EQ_INT(es_codec_pack_chunk(&in, 0, 2, buf, sizeof(buf), &written, &err), 0);
  CHECK_EQ_INT(es_codec_unpack_request(&out, buf, written, &info, &err), 0);
  CHECK_EQ_INT(info.chunk_case, es_domain_find("candidate")->chunk_case);
  CHECK_EQ_INT(info.rows, 2);
  CHECK_EQ_INT(info.appended, 0);
  CHECK_EQ_INT(out.nrows, 0);
  es_chunk_free(&in);
  es_chunk_free(&out);
}

static void test_meta_and_response(void) {
  es_meta m = {"skill_embedding_dic", "skills.csv", 768};
  uint8_t buf[256];
  size_t n = es_codec_meta_size(&m);
  es_chunk c;
  es_request_info info;
  es_error err;
  es_response r = {"success", "stored 3 rows", 3, 1}, back;
  es_buf b = ES_BUF_INIT;
  CHECK(n < sizeof(buf));
  CHECK_EQ_INT(es_codec_pack_meta(&m, buf), n);
  es_chunk_init(&c, NULL);
  CHECK_EQ_INT(es_codec_unpack_request(&c, buf, n, &info, &err), 0);
  CHECK_EQ_INT(info.has_meta, 1);
  CHECK_STR(info.meta.domain, "skill_embedding_dic");
  CHECK_STR(info.meta.file_name, "skills.csv");
  CHECK_EQ_INT(info.meta.dim, 768);
  CHECK_EQ_INT(info.chunk_case, 0);
  /* garbage is an error, not a crash */
  buf[0] = 0xff;
  buf[1] = 0xff;
  CHECK(es_codec_unpack_request(&c, buf, 2, &info, &err) == ES_EINVAL);
  es_chunk_free(&c);
  CHECK_EQ_INT(es_codec_pack_response(&r, &b), 0);
  CHECK_EQ_INT(es_codec_unpack_response((uint8_t *)b.ptr, b.len, &back, &err), 0);
  CHECK_STR(back.status, "success");
  CHECK_STR(back.message, "stored 3 rows");
  CHECK_EQ_INT(back.rows, 3);
  CHECK_EQ_INT(back.chunks, 1);
  es_buf_free(&b);
}

static void test_domains(void) {
  CHECK(es_domain_find("recruit") != NULL);
  CHECK(es_domain_find("nope") == NULL);
  CHECK_EQ_INT(es_domain_find("recruit")->default_dim, 384);
  CHECK_EQ_INT(es_domain_find("candidate")->default_dim, 768);
  CHECK_EQ_INT(es_domain_find("skill_embedding_dic")->default_dim, 768);
  CHECK(es_domain_by_case(2) == es_domain_find("recruit"));
  CHECK(es_domain_by_case(4) == es_domain_find("skill_embedding_dic"));
  CHECK_EQ_INT(es_domain_field_index(es_domain_find("candidate"), "skills"), 4);
}

/* A base-128 varint from p[0..n): bytes read, 0 when cut short. */
static size_t varint(const uint8_t *p, size_t n, uint64_t *v) {
  size_t i;
  *v = 0;
  for (i = 0; i < n && i < 10; i++) {
    *v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (!(p[i] & 0x80)) return i + 1;
  }
  return 0;
}

/* The row-by-row path: framing read by hand, each row's bytes by protobuf-c, same rows. */
static void test_rows_one_by_one(void) {
  const es_domain *d = es_domain_find("candidate");
  es_chunk in, whole, each;
  es_request_info info;
  es_codec_fault fault;
  es_error err;
  size_t i, need, written = 0, pos, got;
  uint64_t key, len;
  uint8_t *buf;
  es_chunk_init(&in, d);
  es_chunk_init(&whole, d);
  es_chunk_init(&each, d);
  fill_candidate(&in, 4, 8);
  if (!(buf = pack_all(&in, &need, &written, &err))) return;
  CHECK_EQ_INT(es_codec_unpack_request(&whole, buf, written, &info, &err), 0);
  /* the request: one chunk field to the end */
  got = varint(buf, written, &key);
  CHECK(got == 1 && es_codec_chunk_key(key) == d->chunk_case);
  pos = got;
  got = varint(buf + pos, written - pos, &len);
  CHECK(got > 0 && len == written - pos - got);
  pos += got;
  while (pos < written) {
    got = varint(buf + pos, written - pos, &key);
    CHECK(got == 1 && key == ES_CODEC_ROW_KEY);
    pos += got;
    got = varint(buf + pos, written - pos, &len);
    CHECK(got > 0);
    pos += got;
    CHECK_EQ_INT(es_codec_unpack_row(&each, buf + pos, (size_t)len, &fault, &err), 0);
    pos += (size_t)len;
  }
  CHECK_EQ_INT(each.nrows, whole.nrows);
  for (i = 0; i < each.nrows && i < whole.nrows; i++) {
    CHECK_STR(es_chunk_row(&each, i)[0].s, es_chunk_row(&whole, i)[0].s);
    CHECK_EQ_INT(es_chunk_row(&each, i)[4].list.n, es_chunk_row(&whole, i)[4].list.n);
    CHECK(!memcmp(es_chunk_row(&each, i)[5].vec.v, es_chunk_row(&whole, i)[5].vec.v,
                  8 * sizeof(float)));
  }
  /* not a row: refused with the message name */
  CHECK_EQ_INT(es_codec_unpack_row(&each, (const uint8_t *)"\x0a\xff\xff", 3, &fault, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "not a valid CandidateRow");
  CHECK_EQ_INT(fault, ES_CODEC_UNDECODABLE);
  /* keys: only the three chunk fields, length-delimited */
  CHECK_EQ_INT(es_codec_chunk_key(1 << 3 | 2), 0); /* metadata */
  CHECK_EQ_INT(es_codec_chunk_key(2 << 3 | 2), 2);
  CHECK_EQ_INT(es_codec_chunk_key(2 << 3 | 0), 0);
  CHECK_EQ_INT(es_codec_chunk_key(5 << 3 | 2), 0);
  CHECK_EQ_INT(es_codec_chunk_key((uint64_t)1 << 40 | 2), 0);
  free(buf);
  es_chunk_free(&in);
  es_chunk_free(&whole);
  es_chunk_free(&each);
}

int main(void) {
  test_domains();
  test_rows_one_by_one();
  test_chunk_round_trip();
  test_wrong_case_not_appended();
  test_meta_and_response();
  return tap_done("test_codec");
}
