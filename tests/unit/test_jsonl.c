/* test_jsonl.c - the JSONL loader: escapes, nulls, every field once (issue 9, found 1),
   unknown members, the server's row checks, errors with line:column. */
#include <math.h>

#include "load/json.h"
#include "load_testutil.h"
#include "tap.h"

#define ID1 "018f0000-0000-7000-8000-000000000001"
#define ID2 "018f0000-0000-7000-8000-000000000002"
#define ID3 "018f0000-0000-7000-8000-000000000003"

static es_value *row(es_chunk *c, size_t i) { return es_chunk_row(c, i); }

static void values(void) {
  es_chunk c;
  es_error err;
  long n = tu_load_text(
      "v.jsonl",
      "{\"candidate_id\": \"" ID1
      "\", \"position_category\": \"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude80\","
      " \"experience_years\": 4, \"original_resume\": \"\\ud55c\\uAD6D\", \"skills\": [\"go\", \"\\u0041\"],"
      " \"vector\": [0.1, -2, 1e-45, -0, -0.0, 1, -1, 3.4028235677973366e38]}\n"
      "\n   \r\n"
      "{\"vector\":[1,2,3,4,5,6,7,8],\"candidate_id\":\"" ID2
      "\","
      "\"position_category\":null,\"experience_years\":null,\"skills\":null,\"original_resume\":\"\"}\r\n"
      "{\"candidate_id\": \"" ID3
      "\", \"vector\": [1,2,3,4,5,6,7,8], \"experience_years\": 7.0, \"skills\": [],"
      " \"position_category\": \"\", \"original_resume\": null}",
      "candidate", NULL, &c, &err);
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
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[7]), 0x7f7fffff); /* protobuf's FLT_MAX tie */
    CHECK_EQ_INT(c.lines[0], 1);
    CHECK_EQ_INT(c.lines[1], 4);
    CHECK_EQ_INT(c.lines[2], 5);
    /* null in a text, number or list field is the proto default, as pandas None/NaN is */
    CHECK_STR(row(&c, 1)[1].s, "");
    CHECK_EQ_INT(row(&c, 1)[2].i, 0);
    CHECK_EQ_INT(row(&c, 1)[4].list.n, 0);
    CHECK_EQ_INT(row(&c, 2)[2].i, 7);
    CHECK_STR(row(&c, 2)[3].s, "");
  }
  es_chunk_free(&c);
}

/* NaN and the infinities parse as Python's json.loads reads them (the row check then refuses
   them, so the parser is asked directly). */
static void non_finite_tokens(void) {
  es_fvec v = {NULL, 0, 0};
  es_json j;
  const char *s = "[NaN, Infinity, -Infinity]";
  es_json_init(&j, s, strlen(s));
  CHECK_EQ_INT(es_json_floats(&j, &v), 0);
  CHECK_EQ_INT(v.n, 3);
  if (v.n == 3) {
    CHECK(isnan(v.v[0]));
    CHECK(isinf(v.v[1]) && v.v[1] > 0);
    CHECK(isinf(v.v[2]) && v.v[2] < 0);
  }
  es_fvec_free(&v);
}

static const char *fails_opts(const char *content, const es_loader_opts *opts) {
  static es_error err;
  es_chunk c;
  long n = tu_load_text("d.jsonl", content, "recruit", opts, &c, &err);
  es_chunk_free(&c);
  CHECK_EQ_INT(n, ES_EINVAL);
  return err.msg;
}

static const char *fails(const char *content) { return fails_opts(content, NULL); }

#define REST \
  "\"company_name\": \"c\", \"exp_years\": 1, \"english_level\": \"e\", \"primary_keyword\": \"p\""
#define OK_ROW "{\"id\": \"" ID1 "\", " REST ", \"vector\": [1]}\n"
#define ROW_X(id, vec) "{\"id\": " id ", " REST ", \"vector\": " vec "}"

static void errors(void) {
  static const tu_refusal cases[] = {
      /* columns are 1-based bytes of the line */
      {OK_ROW "{\"id\": \"" ID2 "\" \"vector\": [1]}\n", "d.jsonl:2:47: expected ',' or '}'"},
      {OK_ROW OK_ROW "{\"vector\": [1, x], \"id\": \"x\"}\n",
       "d.jsonl:3:16: field 'vector': expected an array of numbers (expected a number)"},
      {"{\"vector\": \"abc\"}",
       "d.jsonl:1:12: field 'vector': expected an array of numbers (expected '[')"},
      {"{\"vector\": null}",
       "d.jsonl:1:12: field 'vector': expected an array of numbers, got null"},
      {"{\"id\": null}", "d.jsonl:1:8: field 'id': expected a string, got null (the key)"},
      {"{\"exp_years\": \"3\"}", "d.jsonl:1:15: field 'exp_years': expected an integer"},
      {"{\"exp_years\": 2.5}", "field 'exp_years': expected an integer"},
      {"{\"exp_years\": -2147483649}", "integer out of the int32 range"},
      {"{\"id\": 5}", "d.jsonl:1:8: field 'id': expected a string"},
      {"{\"id\": \"\\ud83d x\"}", "d.jsonl:1:9: field 'id': lone high surrogate"},
      {"{\"id\": \"\\udc00\"}", "lone low surrogate"},
      {"{\"id\": \"a\\u0000b\"}", "NUL"},
      {"{\"id\": \"a\\qb\"}", "d.jsonl:1:10: field 'id': invalid escape"},
      {"{\"id\": \"a\tb\"}", "control character"},
      {ROW_X("\"" ID1 "\"", "[1]") " x", "d.jsonl:1:"},
      {ROW_X("\"" ID1 "\"", "[1]") " x", "unexpected data after the object"},
      {"[1, 2]", "d.jsonl:1:1: expected a JSON object"},
      {"{\"vector\": [1"
       "0000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000]}",
       "integer too large to convert to float"},
      {"{\"id\": \"x\xc3\"}", "field 'id': string is not valid UTF-8"},
  };
  TU_CHECK_REFUSALS("d.jsonl", "recruit", NULL, cases);
  CHECK_CONTAINS(
      fails_opts(
          "{\"u\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
          "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
          &(es_loader_opts){1}),
      "nested too deeply");
}

/* Issue 9, found 1, in JSONL: an object without a field was stored with its default. */
static void test_found1_jsonl_missing_field_refused(void) {
  const char *m = fails(OK_ROW "{\"id\": \"" ID2
                               "\", \"company_name\": \"c\", \"english_level\": \"e\","
                               " \"primary_keyword\": \"p\", \"vector\": [1]}\n");
  CHECK_CONTAINS(
      m,
      "d.jsonl:2:128: missing field exp_years (a recruit object has the fields id, company_name, "
      "exp_years, english_level, primary_keyword, vector)");
  CHECK_CONTAINS(fails("{\"id\": \"" ID1 "\", \"vector\": [1]}"),
                 "d.jsonl:1:"); /* every missing one named */
  CHECK_CONTAINS(fails("{\"id\": \"" ID1 "\", \"vector\": [1]}"),
                 "missing fields company_name, exp_years, english_level, primary_keyword");
  CHECK_CONTAINS(fails("{}"), "d.jsonl:1:2: missing fields id, company_name");
  /* --ignore-unknown-columns never fills a missing field */
  CHECK_CONTAINS(
      fails_opts("{\"id\": \"" ID1 "\", \"vector\": [1], \"x\": 1}", &(es_loader_opts){1}),
      "missing fields company_name");
}

static void test_found1_jsonl_unknown_key_suggests(void) {
  static const tu_refusal cases[] = {
      {OK_ROW "{\"id\": \"" ID2 "\", \"exp_year\": 1}\n",
       "d.jsonl:2:48: unknown field 'exp_year' (did you mean 'exp_years'?) (pass "
       "--ignore-unknown-columns to drop fields the recruit domain does not have)"},
      {"{\"salary\": 1}", "d.jsonl:1:2: unknown field 'salary' (pass"},
      /* an escaped key is matched, and named, decoded; a control character is shown escaped */
      {"{\"exp\\u005fyear\": 1}", "unknown field 'exp_year' (did you mean 'exp_years'?)"},
      {"{\"a\\nb\": 1}", "unknown field 'a\\x0ab'"},
      {OK_ROW "{\"id\": \"" ID2 "\", \"id\": \"" ID3 "\"}\n",
       "d.jsonl:2:48: field 'id': appears twice in the object"},
  };
  TU_CHECK_REFUSALS("d.jsonl", "recruit", NULL, cases);
}

static void ignore_unknown(void) {
  es_loader_opts o = {1};
  es_chunk c;
  es_error err;
  long n =
      tu_load_text("i.jsonl",
                   "{\"extra\": {\"deep\": [1, {\"x\": null}, true, false, \"s\"]}, \"id\": \"" ID1
                   "\", " REST ", \"vector\": [1], \"exp_year\": 4}\n",
                   "recruit", &o, &c, &err);
  CHECK_EQ_INT(n, 1);
  if (n == 1) CHECK_EQ_INT(row(&c, 0)[2].i, 1);
  es_chunk_free(&c);
}

/* Every row handed out passes the server's checks at the first row's dimension. */
static void server_checks(void) {
  static const tu_refusal cases[] = {
      {OK_ROW ROW_X("\"" ID2 "\"", "[1, 2]") "\n",
       "d.jsonl:2: field 'vector': 2 values, expected 1 as in the first row (line 1)"},
      {ROW_X("\"x\"", "[1]"), "d.jsonl:1: field 'id': 'x' is not a UUID"},
      {ROW_X("\"" ID1 "\"", "[NaN]"), "d.jsonl:1: field 'vector': value 0 is not finite"},
      {ROW_X("\"" ID1 "\"", "[]"), "d.jsonl:1: field 'vector': 0 values (a vector has 1 to 16000)"},
      {"{\"id\": \"" ID1
       "\", \"company_name\": \"c\", \"exp_years\": -3, \"english_level\": \"e\", "
       "\"primary_keyword\": \"p\", \"vector\": [1]}",
       "d.jsonl:1: field 'exp_years': -3 is negative"},
  };
  TU_CHECK_REFUSALS("d.jsonl", "recruit", NULL, cases);
}

static void chunks_and_eof(void) {
  es_chunk c;
  es_error err;
  char *text = malloc(2000 * 80), *p = text;
  int i, ok = 1;
  long n;
  for (i = 0; i < 2000; i++)
    p += sprintf(p, "{\"skill\": \"s%d\", \"position_category\": null, \"vector\": [%d]}\n", i, i);
  n = tu_load(tu_write_n("c.ndjson", text, (size_t)(p - text)), "skill_embedding_dic", &c, 3, &err);
  CHECK_EQ_INT(n, 2000);
  for (i = 0; n == 2000 && i < 2000; i++) {
    char want[16];
    snprintf(want, sizeof(want), "s%d", i);
    if (strcmp(es_chunk_row(&c, (size_t)i)[0].s, want) ||
        es_chunk_row(&c, (size_t)i)[2].vec.v[0] != (float)i || c.lines[i] != (uint64_t)i + 1)
      ok = 0;
  }
  CHECK(ok);
  es_chunk_free(&c);
  free(text);
}

int main(void) {
  tu_init();
  values();
  non_finite_tokens();
  errors();
  test_found1_jsonl_missing_field_refused();
  test_found1_jsonl_unknown_key_suggests();
  ignore_unknown();
  server_checks();
  chunks_and_eof();
  tu_cleanup();
  return tap_done("test_jsonl");
}
