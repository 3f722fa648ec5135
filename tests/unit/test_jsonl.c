/* test_jsonl.c - the JSONL loader: escapes, nulls, unknown members, errors with line:column. */
#include <math.h>

#include "load_testutil.h"
#include "tap.h"

#define ID1 "018f0000-0000-7000-8000-000000000001"
#define ID2 "018f0000-0000-7000-8000-000000000002"

static es_value *row(es_chunk *c, size_t i) { return es_chunk_row(c, i); }

static void values(void) {
  es_chunk c;
  es_error err;
  const char *p = tu_write(
      "v.jsonl",
      "{\"candidate_id\": \"" ID1 "\", \"position_category\": \"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude80\","
      " \"experience_years\": 4, \"original_resume\": \"\\ud55c\\uAD6D\", \"skills\": [\"go\", \"\\u0041\"],"
      " \"vector\": [0.1, -2, 1e-45, -0, -0.0, NaN, -Infinity, 3.4028235677973366e38]}\n"
      "\n   \r\n"
      "{\"vector\":[1],\"unknown\":{\"deep\":[1,{\"x\":null},true,false,\"s\"]},\"candidate_id\":\"" ID2 "\","
      "\"position_category\":null,\"experience_years\":null,\"skills\":null,\"original_resume\":\"\"}\r\n"
      "{\"candidate_id\": \"x\", \"vector\": [], \"experience_years\": 7.0, \"skills\": []}");
  long n = tu_load(p, "candidate", &c, 100, &err);
  CHECK_EQ_INT(n, 3);
  if (n == 3) {
    CHECK_STR(row(&c, 0)[0].s, ID1);
    CHECK_STR(row(&c, 0)[1].s, "a\"b\\c/d\n\té🚀");
    CHECK_EQ_INT(row(&c, 0)[2].i, 4);
    CHECK_STR(row(&c, 0)[3].s, "한국");
    CHECK_EQ_INT(row(&c, 0)[4].list.n, 2);
    CHECK_STR(row(&c, 0)[4].list.items[1], "A");
    CHECK_EQ_INT(row(&c, 0)[5].vec.n, 8);
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[0]), tu_bits(0.1f));
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[1]), tu_bits(-2.0f));
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[2]), 1);
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[3]), 0);
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[4]), 0x80000000);
    CHECK(isnan(row(&c, 0)[5].vec.v[5]));
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[6]), 0xff800000);
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[7]), 0x7f7fffff); /* protobuf's FLT_MAX tie */
    CHECK_EQ_INT(c.lines[0], 1);
    CHECK_EQ_INT(c.lines[1], 4);
    CHECK_EQ_INT(c.lines[2], 5);
    CHECK_STR(row(&c, 1)[1].s, "");
    CHECK_EQ_INT(row(&c, 1)[2].i, 0);
    CHECK_EQ_INT(row(&c, 1)[4].list.n, 0);
    CHECK_EQ_INT(row(&c, 2)[5].vec.n, 0);
    CHECK_EQ_INT(row(&c, 2)[2].i, 7);
    CHECK_STR(row(&c, 2)[3].s, "");
  }
  es_chunk_free(&c);
}

static const char *fails(const char *content) {
  static es_error err;
  es_chunk c;
  long n = tu_load(tu_write("d.jsonl", content), "recruit", &c, 100, &err);
  es_chunk_free(&c);
  CHECK_EQ_INT(n, ES_EINVAL);
  return err.msg;
}

#define OK_ROW "{\"id\": \"" ID1 "\", \"vector\": [1]}\n"

static void errors(void) {
  /* columns are 1-based bytes of the line */
  CHECK_CONTAINS(fails(OK_ROW "{\"id\": \"" ID2 "\" \"vector\": [1]}\n"), "d.jsonl:2:47: expected ',' or '}'");
  CHECK_CONTAINS(fails(OK_ROW OK_ROW "{\"id\": \"x\", \"vector\": [1, x]}\n"),
                 "d.jsonl:3:27: field 'vector': expected an array of numbers (expected a number)");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"vector\": \"abc\"}"), "d.jsonl:1:23: field 'vector': expected an array of numbers (expected '[')");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"vector\": null}"), "d.jsonl:1:23: field 'vector': expected an array of numbers, got null");
  CHECK_CONTAINS(fails("{\"id\": \"x\"}"), "d.jsonl:1:11: field 'vector': missing");
  CHECK_CONTAINS(fails("{\"vector\": [1]}"), "field 'id': missing");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"exp_years\": \"3\", \"vector\": [1]}"), "d.jsonl:1:26: field 'exp_years': expected an integer");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"exp_years\": 2.5, \"vector\": [1]}"), "field 'exp_years': expected an integer");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"exp_years\": -2147483649, \"vector\": [1]}"), "integer out of the int32 range");
  CHECK_CONTAINS(fails("{\"id\": 5, \"vector\": [1]}"), "d.jsonl:1:8: field 'id': expected a string");
  CHECK_CONTAINS(fails("{\"id\": \"\\ud83d x\", \"vector\": [1]}"), "d.jsonl:1:9: field 'id': lone high surrogate");
  CHECK_CONTAINS(fails("{\"id\": \"\\udc00\", \"vector\": [1]}"), "lone low surrogate");
  CHECK_CONTAINS(fails("{\"id\": \"a\\u0000b\", \"vector\": [1]}"), "NUL");
  CHECK_CONTAINS(fails("{\"id\": \"a\\qb\", \"vector\": [1]}"), "d.jsonl:1:10: field 'id': invalid escape");
  CHECK_CONTAINS(fails("{\"id\": \"a\tb\", \"vector\": [1]}"), "control character");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"vector\": [1]} x"), "d.jsonl:1:28: unexpected data after the object");
  CHECK_CONTAINS(fails("[1, 2]"), "d.jsonl:1:1: expected a JSON object");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"vector\": [1" "0000000000000000000000000000000000000000000000000000000000000000000000"
                       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                       "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000]}"),
                 "integer too large to convert to float");
  CHECK_CONTAINS(fails("{\"id\": \"x\", \"vector\": [1], \"u\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                       "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"),
                 "nested too deeply");
  CHECK_CONTAINS(fails("{\"id\": \"x\xc3\", \"vector\": [1]}"), "field 'id': string is not valid UTF-8");
}

static void chunks_and_eof(void) {
  es_chunk c;
  es_error err;
  char *text = malloc(2000 * 64), *p = text;
  int i, ok = 1;
  long n;
  for (i = 0; i < 2000; i++) p += sprintf(p, "{\"skill\": \"s%d\", \"vector\": [%d]}\n", i, i);
  n = tu_load(tu_write_n("c.ndjson", text, (size_t)(p - text)), "skill_embedding_dic", &c, 3, &err);
  CHECK_EQ_INT(n, 2000);
  for (i = 0; n == 2000 && i < 2000; i++) {
    char want[16];
    snprintf(want, sizeof(want), "s%d", i);
    if (strcmp(es_chunk_row(&c, (size_t)i)[0].s, want) || es_chunk_row(&c, (size_t)i)[2].vec.v[0] != (float)i ||
        c.lines[i] != (uint64_t)i + 1)
      ok = 0;
  }
  CHECK(ok);
  es_chunk_free(&c);
  free(text);
}

int main(void) {
  tu_init();
  values();
  errors();
  chunks_and_eof();
  tu_cleanup();
  return tap_done("test_jsonl");
}
