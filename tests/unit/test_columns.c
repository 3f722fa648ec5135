/* test_columns.c - a file's column names against a domain, and the "did you mean" behind it. */
#include <string.h>

#include "core/suggest.h"
#include "load/columns.h"
#include "tap.h"

static size_t split(const char *csv, es_colname *out, size_t cap) {
  size_t n = 0;
  const char *p = csv;
  while (n < cap) {
    const char *c = strchr(p, ',');
    out[n].s = p;
    out[n].n = c ? (size_t)(c - p) : strlen(p);
    n++;
    if (!c) break;
    p = c + 1;
  }
  return n;
}

static int match(const char *header, int ignore, int *map, es_error *err) {
  es_colname cols[16];
  size_t n = split(header, cols, 16);
  es_err_clear(err);
  return es_columns_match(es_domain_find("recruit"), "r.csv", cols, n, ignore, map, err);
}

static void test_suggest(void) {
  static const char *const opts[] = {"exp_years", "english_level", "company_name", NULL, "id"};
  CHECK_STR(es_suggest("exp_year", 8, opts, 5), "exp_years");
  CHECK_STR(es_suggest("EXP_YEARS", 9, opts, 5), "exp_years");        /* case is not a typo */
  CHECK_STR(es_suggest("compnay_name", 12, opts, 5), "company_name"); /* swapped neighbours */
  CHECK_STR(es_suggest("ib", 2, opts, 5), "id");
  CHECK(es_suggest("salary", 6, opts, 5) == NULL);
  CHECK(es_suggest("xy", 2, opts, 5) == NULL); /* 2 edits on a 2-letter word is not a typo */
  CHECK_EQ_INT(es_edit_distance("kitten", 6, "sitting", 7, 10), 3);
  CHECK_EQ_INT(es_edit_distance("kitten", 6, "sitting", 7, 1), 2); /* capped: cap + 1 */
  CHECK_EQ_INT(es_edit_distance("ab", 2, "ba", 2, 5), 1);
}

int main(void) {
  es_error err;
  int map[16];
  test_suggest();
  CHECK_EQ_INT(
      match("vector,id,company_name,exp_years,english_level,primary_keyword", 0, map, &err), 0);
  CHECK_EQ_INT(map[0], 5);
  CHECK_EQ_INT(map[1], 0);
  /* issue 9, found 1: a missing column was filled with zeros and overwrote stored rows */
  CHECK_EQ_INT(match("id,company_name,english_level,primary_keyword,vector", 0, map, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "r.csv: missing column exp_years");
  CHECK_CONTAINS(err.msg, "the recruit domain has the columns id, company_name, exp_years");
  /* ... and a header typo was accepted the same way */
  CHECK_EQ_INT(match("id,company_name,exp_year,english_level,primary_keyword,vector", 0, map, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg,
                 "missing column exp_years; unknown column 'exp_year' (did you mean 'exp_years'?)");
  CHECK_CONTAINS(err.msg, "--ignore-unknown-columns");
  /* --ignore-unknown-columns drops extra columns, never fills missing ones */
  CHECK_EQ_INT(
      match("id,company_name,exp_years,english_level,primary_keyword,vector,salary", 1, map, &err),
      0);
  CHECK_EQ_INT(map[6], -1);
  CHECK_EQ_INT(match("id,company_name,exp_year,english_level,primary_keyword,vector", 1, map, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "missing column exp_years");
  CHECK(!strstr(err.msg, "unknown"));
  CHECK_EQ_INT(match("id,company_name,exp_years,english_level,primary_keyword,vector,salary,bonus",
                     0, map, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "unknown columns 'salary', 'bonus'");
  CHECK_EQ_INT(match("id,company_name,vector", 0, map, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "missing columns exp_years, english_level, primary_keyword");
  CHECK_EQ_INT(
      match("id,id,company_name,exp_years,english_level,primary_keyword,vector", 0, map, &err),
      ES_EINVAL);
  CHECK_CONTAINS(err.msg, "column 'id' appears twice (columns 1 and 2)");
  { /* a NUL or a control byte in a name is shown escaped, never cut */
    es_colname cols[7];
    size_t n = split("id,company_name,exp_years,english_level,primary_keyword,vector,a", cols, 7);
    char weird[] = {'a', '\0', 'b', '\n'};
    cols[6].s = weird;
    cols[6].n = sizeof(weird);
    CHECK_EQ_INT(es_columns_match(es_domain_find("recruit"), "r.csv", cols, n, 0, map, &err),
                 ES_EINVAL);
    CHECK_CONTAINS(err.msg, "unknown column 'a\\x00b\\x0a'");
  }
  { /* thousands of stray cells: ten named, the rest counted */
    es_colname cols[22];
    int map22[22];
    size_t n = split("id,company_name,exp_years,english_level,primary_keyword,vector", cols, 6), i;
    for (i = n; i < 22; i++) cols[i] = (es_colname){"", 0};
    CHECK_EQ_INT(es_columns_match(es_domain_find("recruit"), "r.csv", cols, 22, 0, map22, &err),
                 ES_EINVAL);
    CHECK_CONTAINS(err.msg,
                   "unknown columns '', '', '', '', '', '', '', '', '', '' and 6 more (pass");
  }
  { /* a name that is not UTF-8 has its high bytes escaped: the message goes into JSON */
    es_buf b = ES_BUF_INIT;
    char name[100];
    size_t i;
    es_columns_quote(&b, "a\xff\xc3", 3);
    CHECK_STR(b.ptr, "'a\\xff\\xc3'");
    es_buf_clear(&b);
    es_columns_quote(&b, "\xed\x95\x9c", 3); /* valid UTF-8 stays as it is */
    CHECK_STR(b.ptr, "'\xed\x95\x9c'");
    es_buf_clear(&b);
    for (i = 0; i < 33; i++)
      memcpy(name + 3 * i, "\xed\x95\x9c", 3); /* 99 bytes, cut between characters */
    es_columns_quote(&b, name, 99);
    CHECK_EQ_INT(b.len, 1 + 78 + 4);
    es_buf_free(&b);
  }
  return tap_done("test_columns");
}
