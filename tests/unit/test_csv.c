/* test_csv.c - the CSV loader: RFC 4180 quoting, cells, JSON arrays, errors with positions,
   chunking across buffer refills. */
#include <math.h>

#include "load_testutil.h"
#include "tap.h"

#define ID1 "018f0000-0000-7000-8000-000000000001"
#define ID2 "018f0000-0000-7000-8000-000000000002"
#define ID3 "018f0000-0000-7000-8000-000000000003"
#define HDR "id,company_name,exp_years,english_level,primary_keyword,vector\n"

static es_value *row(es_chunk *c, size_t i) { return es_chunk_row(c, i); }

static void quoting(void) {
  es_chunk c;
  es_error err;
  const char *p = tu_write("q.csv",
                           HDR ID1 ",\"Acme, \"\"Best\"\" Co\",3,B2,Python,\"[0.1, -0.25, 3e-05]\"\r\n"
                           ID2 ",\"line one\nline two\r\nline three\",0,,\"한국어\",\"[1,2]\"\r\n"
                           "\r\n" ID3 ",\"ab\"cd,7,\"\",x\"y,\"[ 1e0 ,\n -0 , -0.0 ]\"");
  long n = tu_load(p, "recruit", &c, 100, &err);
  CHECK_EQ_INT(n, 3);
  if (n == 3) {
    CHECK_STR(row(&c, 0)[0].s, ID1);
    CHECK_STR(row(&c, 0)[1].s, "Acme, \"Best\" Co");
    CHECK_EQ_INT(row(&c, 0)[2].i, 3);
    CHECK_STR(row(&c, 0)[3].s, "B2");
    CHECK_EQ_INT(row(&c, 0)[5].vec.n, 3);
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[0]), tu_bits(0.1f));
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[1]), tu_bits(-0.25f));
    CHECK_EQ_INT(tu_bits(row(&c, 0)[5].vec.v[2]), tu_bits(3e-05f));
    CHECK_STR(row(&c, 1)[1].s, "line one\nline two\r\nline three");
    CHECK_STR(row(&c, 1)[3].s, "");
    CHECK_STR(row(&c, 1)[4].s, "한국어");
    CHECK_EQ_INT(c.lines[0], 2);
    CHECK_EQ_INT(c.lines[1], 3);
    CHECK_EQ_INT(c.lines[2], 7); /* after the 3-line record and a blank line */
    CHECK_STR(row(&c, 2)[1].s, "abcd"); /* text after a closing quote is kept, as Python does */
    CHECK_STR(row(&c, 2)[3].s, "");
    CHECK_STR(row(&c, 2)[4].s, "x\"y"); /* a quote inside an unquoted field is literal */
    CHECK_EQ_INT(row(&c, 2)[5].vec.n, 3);
    CHECK_EQ_INT(tu_bits(row(&c, 2)[5].vec.v[0]), tu_bits(1.0f));
    CHECK_EQ_INT(tu_bits(row(&c, 2)[5].vec.v[1]), 0);          /* "-0" is Python's int 0 */
    CHECK_EQ_INT(tu_bits(row(&c, 2)[5].vec.v[2]), 0x80000000); /* "-0.0" keeps its sign */
  }
  es_chunk_free(&c);
}

static void empty_cells(void) {
  es_chunk c;
  es_error err;
  const char *p = tu_write("e.csv",
                           "\xef\xbb\xbf" "candidate_id,position_category,experience_years,original_resume,skills,vector,extra\n" ID1
                           ",,,,,\"[0.5]\",ignored\n" ID2 ",Data,  12 ,r,\"[\"\"py\\\"\"thon\"\", \"\"\\ud55c\"\"]\",\"[NaN, Infinity, -Infinity]\",\n");
  long n = tu_load(p, "candidate", &c, 100, &err);
  CHECK_EQ_INT(n, 2);
  if (n == 2) {
    CHECK_STR(row(&c, 0)[0].s, ID1); /* the BOM is not part of the first column's name */
    CHECK_STR(row(&c, 0)[1].s, "");
    CHECK_EQ_INT(row(&c, 0)[2].i, 0);
    CHECK_EQ_INT(row(&c, 0)[4].list.n, 0);
    CHECK_EQ_INT(row(&c, 1)[2].i, 12);
    CHECK_EQ_INT(row(&c, 1)[4].list.n, 2);
    if (row(&c, 1)[4].list.n == 2) {
      CHECK_STR(row(&c, 1)[4].list.items[0], "py\"thon");
      CHECK_STR(row(&c, 1)[4].list.items[1], "한");
    }
    CHECK(isnan(row(&c, 1)[5].vec.v[0]));
    CHECK(isinf(row(&c, 1)[5].vec.v[1]) && row(&c, 1)[5].vec.v[1] > 0);
    CHECK(isinf(row(&c, 1)[5].vec.v[2]) && row(&c, 1)[5].vec.v[2] < 0);
  }
  es_chunk_free(&c);
}

/* Loads content as recruit CSV expecting failure; returns the message. */
static const char *fails(const char *content, const char *domain) {
  static es_error err;
  es_chunk c;
  long n = tu_load(tu_write("data.csv", content), domain, &c, 100, &err);
  es_chunk_free(&c);
  CHECK_EQ_INT(n, ES_EINVAL);
  return err.msg;
}

#define GOOD_VEC ",\"[1]\"\n"

static void errors(void) {
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\n", "recruit"),
                 "data.csv:2:6: field 'vector': expected a JSON array of numbers, got an empty cell");
  CHECK_CONTAINS(fails(HDR ID1 ",a,abc,b,c" GOOD_VEC, "recruit"), "data.csv:2:3: field 'exp_years': expected an integer");
  CHECK_CONTAINS(fails(HDR ID1 ",a,3.5,b,c" GOOD_VEC, "recruit"), "data.csv:2:3: field 'exp_years': expected an integer");
  CHECK_CONTAINS(fails(HDR ID1 ",a,2147483648,b,c" GOOD_VEC, "recruit"), "field 'exp_years': integer out of the int32 range");
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"[0.1, abc]\"\n", "recruit"),
                 "data.csv:2:6: field 'vector': expected a JSON array of numbers (expected a number at character 7 of the cell)");
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"[0.1,]\"\n", "recruit"), "field 'vector': expected a JSON array of numbers");
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"0.1, 0.2\"\n", "recruit"), "field 'vector': expected a JSON array of numbers (expected '['");
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"[1, 2] x\"\n", "recruit"), "unexpected data after the array");
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"[01]\"\n", "recruit"), "field 'vector'");
  CHECK_CONTAINS(fails("id,company_name,exp_years\n" ID1 ",a,1\n", "recruit"),
                 "data.csv:1:1: field 'vector': the header has no such column");
  CHECK_CONTAINS(fails("company_name,vector\na,\"[1]\"\n", "recruit"), "field 'id': the header has no such column");
  CHECK_CONTAINS(fails("id,vector,id\n", "recruit"), "data.csv:1:3: field 'id': duplicate column");
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"[1]\",extra\n", "recruit"), "data.csv:2:7: the row has 7 fields but the header has 6");
  /* The unterminated quote opens on line 4 (the record on line 2 spans two lines). */
  CHECK_CONTAINS(fails(HDR ID1 ",\"a\nb\",1,b,c" GOOD_VEC ID2 ",a,1,b,c,\"[1, 2\n3]\n", "recruit"),
                 "data.csv:4:6: unterminated quoted field starts here");
  /* Error lines are physical lines: after a record with embedded newlines. */
  CHECK_CONTAINS(fails(HDR ID1 ",\"x\n\ny\",1,b,c" GOOD_VEC ID2 ",a,oops,b,c" GOOD_VEC, "recruit"), "data.csv:5:3:");
  /* A JSON cell spanning lines reports the line of the bad value. */
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c,\"[1,\n2,\nx]\"\n", "recruit"), "data.csv:4:6: field 'vector'");
  CHECK_CONTAINS(fails(HDR ID1 ",\"bad \xff utf8\",1,b,c" GOOD_VEC, "recruit"), "data.csv:2:2: field 'company_name': text is not valid UTF-8");
  CHECK_CONTAINS(fails("candidate_id,skills,vector\n" ID1 ",python,\"[1]\"\n", "candidate"),
                 "data.csv:2:2: field 'skills': expected a JSON array of strings");
  CHECK_CONTAINS(fails("candidate_id,skills,vector\n" ID1 ",\"[\"\"\\ud800\"\"]\",\"[1]\"\n", "candidate"), "lone high surrogate");
  CHECK_CONTAINS(fails("candidate_id,skills,vector\n" ID1 ",\"[1]\",\"[1]\"\n", "candidate"), "field 'skills'");
}

static void ints(void) {
  es_chunk c;
  es_error err;
  const char *p = tu_write("i.csv", HDR ID1 ",a,3.0,b,c" GOOD_VEC ID2 ",a,-2147483648,b,c" GOOD_VEC ID3
                                    ",a,+1e3,b,c" GOOD_VEC);
  long n = tu_load(p, "recruit", &c, 100, &err);
  CHECK_EQ_INT(n, 3);
  if (n == 3) {
    CHECK_EQ_INT(row(&c, 0)[2].i, 3);
    CHECK_EQ_INT(row(&c, 1)[2].i, INT32_MIN);
    CHECK_EQ_INT(row(&c, 2)[2].i, 1000);
  }
  es_chunk_free(&c);
}

static void line_endings(void) {
  es_chunk c;
  es_error err;
  /* Lone CRs end records as in Python's csv module; a missing final newline is fine. */
  long n = tu_load(tu_write("cr.csv", "skill,vector\rgo,\"[1]\"\rrust,\"[2]\""), "skill_embedding_dic", &c, 100, &err);
  CHECK_EQ_INT(n, 2);
  if (n == 2) CHECK_STR(row(&c, 1)[0].s, "rust");
  es_chunk_free(&c);
  n = tu_load(tu_write("empty.csv", ""), "skill_embedding_dic", &c, 100, &err);
  CHECK_EQ_INT(n, 0);
  es_chunk_free(&c);
  n = tu_load(tu_write("hdr.csv", "skill,vector\r\n\r\n"), "skill_embedding_dic", &c, 100, &err);
  CHECK_EQ_INT(n, 0);
  es_chunk_free(&c);
}

/* A file several times the 1 MiB read buffer, read 7 rows per call: every row once, in order,
   memory bounded by one chunk. Also one record far larger than the buffer. */
static void chunking(void) {
  const size_t rows = 3000;
  size_t i, total = 0, calls = 0, bad = 0, big = 3u << 20;
  char *text = malloc(rows * 1200 + big + 100), *p = text;
  const es_domain *d = es_domain_find("skill_embedding_dic");
  es_loader *l;
  es_chunk c;
  es_error err;
  int n;
  p += sprintf(p, "skill,position_category,vector\n");
  for (i = 0; i < rows; i++) {
    p += sprintf(p, "s%zu,\"", i);
    memset(p, 'x', 1000 + i % 7);
    p += 1000 + i % 7;
    p += sprintf(p, "\",\"[%zu.5]\"\n", i);
    if (i == rows / 2) {
      p += sprintf(p, "huge,\"");
      memset(p, 'y', big);
      p += big;
      p += sprintf(p, "\",\"[0]\"\n");
    }
  }
  CHECK_EQ_INT(es_loader_open(tu_write_n("big.csv", text, (size_t)(p - text)), d, NULL, &l, &err), 0);
  es_chunk_init(&c, d);
  while ((n = es_loader_next(l, &c, 7, &err)) > 0) {
    size_t k;
    calls++;
    if (n > 7) bad++;
    for (k = 0; k < c.nrows; k++) {
      es_value *r = es_chunk_row(&c, k);
      char want[32];
      if (!strcmp(r[0].s, "huge")) {
        if (strlen(r[1].s) != big) bad++;
        continue;
      }
      snprintf(want, sizeof(want), "s%zu", total);
      if (strcmp(r[0].s, want) || r[2].vec.n != 1 || r[2].vec.v[0] != (float)total + 0.5f) bad++;
      total++;
    }
    es_chunk_reset(&c);
  }
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(total, rows);
  CHECK_EQ_INT(bad, 0);
  CHECK(calls >= rows / 7);
  CHECK_EQ_INT(l->bytes_read, l->bytes_total);
  CHECK_EQ_INT(l->bytes_total, p - text);
  es_chunk_free(&c);
  es_loader_close(l);
  free(text);
}

static void open_errors(void) {
  const es_domain *d = es_domain_find("recruit");
  es_loader *l = NULL;
  es_error err;
  CHECK_EQ_INT(es_loader_open(tu_path("missing.csv"), d, NULL, &l, &err), ES_ENOTFOUND);
  CHECK_CONTAINS(err.msg, "missing.csv");
  CHECK_EQ_INT(es_loader_open(tu_write("x.parquet", "x"), d, NULL, &l, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "'.parquet'");
  CHECK_CONTAINS(err.msg, ".csv, .jsonl, .ndjson");
  CHECK(es_loader_supported("a/b/C.CSV"));
  CHECK(es_loader_supported("x.ndjson"));
  CHECK(!es_loader_supported("x.csv.gz"));
  CHECK(!es_loader_supported("csv"));
}

/* After a failure every later call repeats it, rather than resuming mid-file. */
static void sticky(void) {
  const es_domain *d = es_domain_find("recruit");
  es_loader *l;
  es_chunk c;
  es_error err;
  CHECK_EQ_INT(es_loader_open(tu_write("s.csv", HDR ID1 ",a,1,b,c" GOOD_VEC ID2 ",a,x,b,c" GOOD_VEC ID3 ",a,1,b,c" GOOD_VEC), d, NULL, &l, &err), 0);
  es_chunk_init(&c, d);
  CHECK_EQ_INT(es_loader_next(l, &c, 1, &err), 1);
  es_chunk_reset(&c);
  CHECK_EQ_INT(es_loader_next(l, &c, 5, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "s.csv:3:3:");
  es_err_clear(&err);
  CHECK_EQ_INT(es_loader_next(l, &c, 5, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "s.csv:3:3:");
  es_chunk_free(&c);
  es_loader_close(l);
}

int main(void) {
  tu_init();
  quoting();
  empty_cells();
  errors();
  ints();
  line_endings();
  chunking();
  open_errors();
  sticky();
  tu_cleanup();
  return tap_done("test_csv");
}
