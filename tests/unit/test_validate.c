/* test_validate.c - the server's row checks and their messages. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "rowfix.h"
#include "tap.h"

/* A recruit row with empty texts and a vector of dim values 0.5. */
static es_value *recruit_row(es_chunk *c, const char *id, int years, size_t dim) {
  float *v = es_arena_calloc(&c->arena, dim ? dim : 1, sizeof(float));
  size_t k;
  for (k = 0; k < dim; k++) v[k] = 0.5f;
  return fx_recruit(c, 0, id, "", years, "", "", v, dim);
}

/* What a peer's strings must be: UTF-8 without NUL, the offending byte's offset reported. */
static void test_text_check(void) {
  size_t at = 99, i;
  CHECK_EQ_INT(es_text_check("company", 7, &at), ES_TEXT_OK);
  CHECK_EQ_INT(es_text_check("", 0, &at), ES_TEXT_OK);
  CHECK_EQ_INT(es_text_check("Ac\0me", 5, &at), ES_TEXT_NUL);
  CHECK_EQ_INT(at, 2);
  CHECK_EQ_INT(es_text_check("\xff", 1, &at), ES_TEXT_NOT_UTF8);
  CHECK_EQ_INT(at, 0);
  CHECK_EQ_INT(es_text_check("\xed\xa0\x80", 3, NULL), ES_TEXT_NOT_UTF8); /* surrogate */
  CHECK_EQ_INT(es_text_check("백엔드", strlen("백엔드"), &at), ES_TEXT_OK);
  /* a NUL in every lane of the 8-byte fast path, and in the tail */
  for (i = 0; i < 19; i++) {
    char s[19];
    memset(s, 'a', sizeof(s));
    s[i] = '\0';
    CHECK_EQ_INT(es_text_check(s, sizeof(s), &at), ES_TEXT_NUL);
    CHECK_EQ_INT(at, i);
  }
  /* 0x80 bytes next to lane edges are not NULs (the zero-byte test borrows across lanes) */
  CHECK_EQ_INT(es_text_check("\x01\x01\x01\x01\x01\x01\x01\x01", 8, &at), ES_TEXT_OK);
  CHECK_EQ_INT(es_text_check("ab\xc3\xa9"
                             "cdefgh",
                             10, &at),
               ES_TEXT_OK);
  /* es_utf8_valid still takes NULs (loaders check file text their own way) */
  CHECK(es_utf8_valid("a\0b", 3));
  /* cutting quoted text never splits a character */
  CHECK_EQ_INT(es_utf8_cut("abc", 3, 10), 3);
  CHECK_EQ_INT(es_utf8_cut("abc", 3, 2), 2);
  CHECK_EQ_INT(es_utf8_cut("a\xc3\xa9z", 4, 2), 1); /* the é would be cut: left out whole */
  CHECK_EQ_INT(es_utf8_cut("a\xc3\xa9z", 4, 3), 3);
  CHECK_EQ_INT(es_utf8_cut("\xe4\xb8\xad", 3, 2), 0);
}

/* Upper case is folded in place; anything not 8-4-4-4-12 hex digits is refused. */
static void test_uuid(void) {
  static const char *const bad[] = {"0190a8c2abcd-7ef0-8000-00000000000f0",
                                    "0190a8c2-abcd-7ef0-8000-00000000000g",
                                    "0190a8c2-abcd-7ef0-8000-00000000000f-",
                                    "0190a8c2-abcd-7ef0-8000-00000000000", /* 35 */
                                    "0190a8c2-abcd-7ef0-8000-00000000000\xc3",
                                    "0190a8c2-abcd-7ef0-8000+00000000000f",
                                    "0190a8c2-abcd-7ef0-8000-00000000000G",
                                    "-190a8c2-abcd-7ef0-8000-00000000000f",
                                    ""};
  char u[] = "0190A8C2-ABCD-7EF0-8000-00000000000F";
  size_t i;
  CHECK_EQ_INT(es_uuid_normalize(u), 0);
  CHECK_STR(u, "0190a8c2-abcd-7ef0-8000-00000000000f");
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char s[64]; /* es_uuid_normalize writes: a copy of the case */
    snprintf(s, sizeof(s), "%s", bad[i]);
    tap_check(es_uuid_normalize(s) != 0, __FILE__, __LINE__, "es_uuid_normalize(\"%s\") took it",
              bad[i]);
  }
}

static void test_utf8_valid(void) {
  CHECK(es_utf8_valid("백엔드", strlen("백엔드")));
  CHECK(!es_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
  CHECK(!es_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  CHECK(!es_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
  CHECK(!es_utf8_valid("\xe2\x82", 2));         /* truncated */
  /* the ASCII fast path reads 8 bytes at a time: a bad byte in any lane, and the tail */
  CHECK(es_utf8_valid("0123456789abcdef0123", 20));
  CHECK(
      !es_utf8_valid("01234567\xff"
                     "9abcdef",
                     16));
  CHECK(!es_utf8_valid("0123456789abcde\xc3", 16));
  CHECK(
      es_utf8_valid("0123456\xc3\xa9"
                    "abcdef",
                    15)); /* a 2-byte sequence across two words */
}

/* Inf or NaN anywhere: in a full 64-value block, in the tail, first and last. */
static void test_non_finite(void) {
  static const size_t at[] = {0, 63, 64, 200, 383, 384, 399};
  es_chunk c;
  es_error err;
  size_t i;
  for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
    char want[48];
    es_value *row;
    es_chunk_init(&c, es_domain_find("recruit"));
    row = recruit_row(&c, "0190a8c2-abcd-7ef0-8000-00000000000f", 1, 400);
    row[5].vec.v[at[i]] = i % 2 ? NAN : -INFINITY;
    CHECK_EQ_INT(es_validate_chunk(&c, 400, 3, 1000, &err), ES_EINVAL);
    snprintf(want, sizeof(want), "value %zu is not finite", at[i]);
    CHECK_CONTAINS(err.msg, want);
    CHECK_CONTAINS(err.msg, "chunk 3, row 1000:"); /* rows counted from first_row */
    row[5].vec.v[at[i]] = 3.4e38f;                 /* the largest finite values pass */
    row[5].vec.v[399 - at[i] % 400] = -3.4e38f;
    CHECK_EQ_INT(es_validate_chunk(&c, 400, 3, 0, &err), 0);
    es_chunk_free(&c);
  }
}

static void test_rows(void) {
  es_chunk c;
  es_error err;
  es_value *row;
  es_chunk_init(&c, es_domain_find("recruit"));
  recruit_row(&c, "0190A8C2-ABCD-7EF0-8000-00000000000F", 3, 4);
  CHECK_EQ_INT(es_validate_chunk(&c, 4, 1, 0, &err), 0);
  CHECK_STR(es_chunk_row(&c, 0)[0].s, "0190a8c2-abcd-7ef0-8000-00000000000f");

  recruit_row(&c, "0190a8c2-abcd-7ef0-8000-000000000001", 1, 3);
  CHECK_EQ_INT(es_validate_chunk(&c, 4, 7, 0, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "chunk 7, row 1: field 'vector': 3 values, expected 4");
  es_chunk_reset(&c);

  recruit_row(&c, "not-a-uuid", 1, 4);
  CHECK_EQ_INT(es_validate_chunk(&c, 4, 2, 0, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "chunk 2, row 0: field 'id'");
  CHECK_CONTAINS(err.msg, "not a UUID");
  es_chunk_reset(&c);

  recruit_row(&c, "0190a8c2-abcd-7ef0-8000-000000000001", -1, 4);
  CHECK_EQ_INT(es_validate_chunk(&c, 4, 1, 0, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "field 'exp_years': -1 is negative");
  es_chunk_reset(&c);

  row = recruit_row(&c, "0190a8c2-abcd-7ef0-8000-000000000001", 0, 4);
  row[5].vec.v[2] = INFINITY;
  CHECK_EQ_INT(es_validate_chunk(&c, 4, 1, 0, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "value 2 is not finite");
  es_chunk_reset(&c);

  es_chunk_free(&c);

  es_chunk_init(&c, es_domain_find("skill_embedding_dic"));
  row = es_chunk_add_row(&c, 0);
  row[2].vec.n = 0;
  CHECK_EQ_INT(es_validate_chunk(&c, 0, 1, 0, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "field 'skill': must not be empty");
  es_chunk_free(&c);
}

int main(void) {
  test_uuid();
  test_utf8_valid();
  test_non_finite();
  test_rows();
  test_text_check();
  return tap_done("test_validate");
}
