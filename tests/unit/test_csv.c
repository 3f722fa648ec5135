/* test_csv.c - the CSV loader: RFC 4180 quoting, cells, JSON arrays, the column rules (issue 9,
   found 1), the server's row checks, errors with positions, chunking across buffer refills. */
#include <math.h>

#include "load_testutil.h"
#include "tap.h"

#define ID1 "018f0000-0000-7000-8000-000000000001"
#define ID2 "018f0000-0000-7000-8000-000000000002"
#define ID3 "018f0000-0000-7000-8000-000000000003"
#define HDR "id,company_name,exp_years,english_level,primary_keyword,vector\n"
#define CHDR "candidate_id,position_category,experience_years,original_resume,skills,vector\n"
#define SHDR "skill,position_category,vector"

static es_value *row(es_chunk *c, size_t i) { return es_chunk_row(c, i); }

static long load(const char *name, const char *content, const char *domain, es_chunk *c,
                 es_error *err) {
  return tu_load_text(name, content, domain, NULL, c, err);
}

static void quoting(void) {
  es_chunk c;
  es_error err;
  long n = load("q.csv",
                HDR ID1 ",\"Acme, \"\"Best\"\" Co\",3,B2,Python,\"[0.1, -0.25, 3e-05]\"\r\n" ID2
                        ",\"line one\nline two\r\nline three\",0,,\"한국어\",\"[1,2,3]\"\r\n"
                        "\r\n" ID3 ",\"ab\"cd,7,\"\",x\"y,\"[ 1e0 ,\n -0 , -0.0 ]\"",
                "recruit", &c, &err);
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
    CHECK_EQ_INT(c.lines[2], 7);        /* after the 3-line record and a blank line */
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
  long n = load("e.csv",
                "\xef\xbb\xbf" CHDR ID1 ",,0,,,\"[0.5, 1]\"\n" ID2
                ",Data,  12 ,r,\"[\"\"py\\\"\"thon\"\", \"\"\\ud55c\"\"]\",\"[1e0, -2]\"\n" ID3
                ",\"\",\"0\",\"\",[],\"[0,0]\"\n",
                "candidate", &c, &err);
  CHECK_EQ_INT(n, 3);
  if (n == 3) {
    CHECK_STR(row(&c, 0)[0].s, ID1); /* the BOM is not part of the first column's name */
    CHECK_STR(row(&c, 0)[1].s, "");  /* an empty text cell is "", what the cell holds */
    CHECK_EQ_INT(row(&c, 0)[2].i, 0);
    CHECK_EQ_INT(row(&c, 0)[4].list.n, 0); /* an empty skills cell: no skills */
    CHECK_EQ_INT(row(&c, 1)[2].i, 12);
    CHECK_EQ_INT(row(&c, 1)[4].list.n, 2);
    if (row(&c, 1)[4].list.n == 2) {
      CHECK_STR(row(&c, 1)[4].list.items[0], "py\"thon");
      CHECK_STR(row(&c, 1)[4].list.items[1], "한");
    }
    CHECK_STR(row(&c, 2)[1].s, "");
    CHECK_EQ_INT(row(&c, 2)[4].list.n, 0); /* [] too */
  }
  es_chunk_free(&c);
}

/* Loads content as CSV of domain expecting failure; returns the message. */
static const char *fails_as(const char *content, const char *domain, const es_loader_opts *opts) {
  static es_error err;
  es_chunk c;
  long n = tu_load_text("data.csv", content, domain, opts, &c, &err);
  es_chunk_free(&c);
  CHECK_EQ_INT(n, ES_EINVAL);
  return err.msg;
}

static const char *fails(const char *content, const char *domain) {
  return fails_as(content, domain, NULL);
}

#define GOOD_VEC ",\"[1]\"\n"

static void errors(void) {
  static const tu_refusal recruit[] = {
      {HDR ID1 ",a,1,b,c,\n",
       "data.csv:2:6: field 'vector': expected a JSON array of numbers, got an empty cell"},
      {HDR ID1 ",a,abc,b,c" GOOD_VEC, "data.csv:2:3: field 'exp_years': expected an integer"},
      {HDR ID1 ",a,3.5,b,c" GOOD_VEC, "data.csv:2:3: field 'exp_years': expected an integer"},
      {HDR ID1 ",a,2147483648,b,c" GOOD_VEC, "field 'exp_years': integer out of the int32 range"},
      {HDR ID1 ",a,1,b,c,\"[0.1, abc]\"\n",
       "data.csv:2:6: field 'vector': expected a JSON array of numbers (expected a number at character 7 of the cell)"},
      {HDR ID1 ",a,1,b,c,\"[0.1,]\"\n", "field 'vector': expected a JSON array of numbers"},
      {HDR ID1 ",a,1,b,c,\"0.1, 0.2\"\n",
       "field 'vector': expected a JSON array of numbers (expected '['"},
      {HDR ID1 ",a,1,b,c,\"[1, 2] x\"\n", "unexpected data after the array"},
      {HDR ID1 ",a,1,b,c,\"[01]\"\n", "field 'vector'"},
      {"id,vector,id\n", "data.csv:1: column 'id' appears twice (columns 1 and 3)"},
      {HDR ID1 ",a,1,b,c,\"[1]\",extra\n",
       "data.csv:2:7: the row has more fields than the header's 6"},
      /* The unterminated quote opens on line 4 (the record on line 2 spans two lines). */
      {HDR ID1 ",\"a\nb\",1,b,c" GOOD_VEC ID2 ",a,1,b,c,\"[1, 2\n3]\n",
       "data.csv:4:6: unterminated quoted field starts here"},
      /* Error lines are physical lines: after a record with embedded newlines. */
      {HDR ID1 ",\"x\n\ny\",1,b,c" GOOD_VEC ID2 ",a,oops,b,c" GOOD_VEC, "data.csv:5:3:"},
      /* A JSON cell spanning lines reports the line of the bad value. */
      {HDR ID1 ",a,1,b,c,\"[1,\n2,\nx]\"\n", "data.csv:4:6: field 'vector'"},
      {HDR ID1 ",\"bad \xff utf8\",1,b,c" GOOD_VEC,
       "data.csv:2:2: field 'company_name': text is not valid UTF-8"},
  };
  static const tu_refusal candidate[] = {
      {CHDR ID1 ",p,1,r,python,\"[1]\"\n",
       "data.csv:2:5: field 'skills': expected a JSON array of strings"},
      {CHDR ID1 ",p,1,r,\"[\"\"\\ud800\"\"]\",\"[1]\"\n", "lone high surrogate"},
      {CHDR ID1 ",p,1,r,\"[1]\",\"[1]\"\n", "field 'skills'"},
  };
  TU_CHECK_REFUSALS("data.csv", "recruit", NULL, recruit);
  TU_CHECK_REFUSALS("data.csv", "candidate", NULL, candidate);
}

/* A NUL cannot be told from the end of a C string: written raw, it is refused, never cut. */
static void nul_byte(void) {
  static const char text[] = SHDR "\ngo,\"a\0b\",\"[1]\"\n";
  es_chunk c;
  es_error err;
  long n =
      tu_load(tu_write_n("nul.csv", text, sizeof(text) - 1), "skill_embedding_dic", &c, 10, &err);
  CHECK_EQ_INT(n, ES_EINVAL);
  CHECK_CONTAINS(err.msg, "nul.csv:2:2: field 'position_category': NUL byte in text");
  es_chunk_free(&c);
}

static void ints(void) {
  es_chunk c;
  es_error err;
  long n = load("i.csv",
                HDR ID1 ",a,3.0,b,c" GOOD_VEC ID2 ",a,2147483647,b,c" GOOD_VEC ID3
                        ",a,+1e3,b,c" GOOD_VEC,
                "recruit", &c, &err);
  CHECK_EQ_INT(n, 3);
  if (n == 3) {
    CHECK_EQ_INT(row(&c, 0)[2].i, 3);
    CHECK_EQ_INT(row(&c, 1)[2].i, INT32_MAX);
    CHECK_EQ_INT(row(&c, 2)[2].i, 1000);
  }
  es_chunk_free(&c);
}

static void line_endings(void) {
  es_chunk c;
  es_error err;
  /* Lone CRs end records as in Python's csv module; a missing final newline is fine. */
  long n = load("cr.csv", SHDR "\rgo,a,\"[1]\"\rrust,b,\"[2]\"", "skill_embedding_dic", &c, &err);
  CHECK_EQ_INT(n, 2);
  if (n == 2) {
    CHECK_STR(row(&c, 1)[0].s, "rust");
    CHECK_EQ_INT(c.lines[1], 3);
  }
  es_chunk_free(&c);
  n = load("empty.csv", "", "skill_embedding_dic", &c, &err);
  CHECK_EQ_INT(n, 0);
  es_chunk_free(&c);
  n = load("hdr.csv", SHDR "\r\n\r\n", "skill_embedding_dic", &c, &err);
  CHECK_EQ_INT(n, 0);
  es_chunk_free(&c);
}

/* Lines end at a lone CR, as records do (and as Python's csv counts them): an old-Mac file
   reported every error on line 1. "a\r\rb" is three lines, "\r\n" one. */
static void test_lone_cr_ends_a_line(void) {
  CHECK_CONTAINS(fails(SHDR "\rgo,a,\"[1]\"\r\r\nrust,b,x\r", "skill_embedding_dic"),
                 "data.csv:4:3: field 'vector'");
  CHECK_CONTAINS(fails(SHDR "\r\ngo,a,\"[1]\"\r\rrust,b,x\r", "skill_embedding_dic"),
                 "data.csv:4:3: field 'vector'");
  CHECK_CONTAINS(fails(SHDR "\ngo,\"a\rb\",\"[1]\"\nrust,b,x\n", "skill_embedding_dic"),
                 "data.csv:4:3: field 'vector'");
}

/* A line holding "" is one empty field (as Python's csv reads it), not a blank line. */
static void test_quoted_empty_line_is_a_record(void) {
  CHECK_CONTAINS(fails(SHDR "\ngo,a,\"[1]\"\n\"\"\n", "skill_embedding_dic"),
                 "data.csv:3:2: the row has 1 field but the header has 3");
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
  p += sprintf(p, SHDR "\n");
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
  CHECK_EQ_INT(es_loader_open(tu_write_n("big.csv", text, (size_t)(p - text)), d, NULL, &l, &err),
               0);
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
  CHECK_EQ_INT(es_loader_open(tu_write("x.avro", "x"), d, NULL, &l, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "'.avro'");
  CHECK_CONTAINS(err.msg, ".csv, .jsonl, .ndjson");
  CHECK_CONTAINS(err.msg, ".parquet");
  CHECK(es_loader_supported("a/b/C.CSV"));
  CHECK(es_loader_supported("x.ndjson"));
  CHECK(es_loader_supported("x.csv.gz"));
  CHECK(es_loader_supported("d/x.JSONL.ZST"));
  CHECK(!es_loader_supported("x.pkl.gz")); /* a pickle is mapped, not streamed */
  CHECK(!es_loader_supported("x.gz"));
  CHECK(!es_loader_supported("csv"));
  CHECK(es_loader_supported("x.parquet"));
}

/* After a failure every later call repeats it, rather than resuming mid-file. */
static void sticky(void) {
  const es_domain *d = es_domain_find("recruit");
  es_loader *l;
  es_chunk c;
  es_error err;
  CHECK_EQ_INT(
      es_loader_open(tu_write("s.csv", HDR ID1 ",a,1,b,c" GOOD_VEC ID2 ",a,x,b,c" GOOD_VEC ID3
                                               ",a,1,b,c" GOOD_VEC),
                     d, NULL, &l, &err),
      0);
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

/* The header is held against the domain when the file is opened, before any row is asked
   for: es_loader_open itself fails, so the client never begins a stream. */
static const char *refused_at_open(const char *content, int ignore) {
  static es_error err;
  es_loader_opts o = {ignore};
  es_loader *l = NULL;
  const char *p = tu_write("r.csv", content);
  CHECK(tu_pieces_agree(p, "recruit", &o));
  es_err_clear(&err);
  CHECK_EQ_INT(es_loader_open(p, es_domain_find("recruit"), &o, &l, &err), ES_EINVAL);
  CHECK(l == NULL);
  es_loader_close(l);
  return err.msg;
}

/* Issue 9, found 1: recruit.csv without exp_years was stored with exp_years = 0. */
static void test_found1_missing_column_refused(void) {
  const char *m = refused_at_open(
      "id,company_name,english_level,primary_keyword,vector\n" ID1 ",a,b,c" GOOD_VEC, 0);
  CHECK_CONTAINS(m, "r.csv:1: missing column exp_years");
  CHECK_CONTAINS(
      m,
      "the recruit domain has the columns id, company_name, exp_years, english_level, primary_keyword, vector");
  /* --ignore-unknown-columns never fills a missing column */
  CHECK_CONTAINS(refused_at_open("id,company_name,english_level,primary_keyword,vector,x\n", 1),
                 "missing column exp_years");
}

static void test_found1_missing_company_name_refused(void) {
  CHECK_CONTAINS(
      refused_at_open("id,exp_years,english_level,primary_keyword,vector\n" ID1 ",1,b,c" GOOD_VEC,
                      0),
      "r.csv:1: missing column company_name");
}

static void test_found1_header_typo_suggests(void) {
  const char *m = refused_at_open(
      "\n\n"
      "id,company_name,exp_year,english_level,primary_keyword,vector\n" ID1 ",a,1,b,c" GOOD_VEC,
      0);
  CHECK_CONTAINS(
      m,
      "r.csv:3: missing column exp_years; unknown column 'exp_year' (did you mean 'exp_years'?)");
  CHECK_CONTAINS(
      m, "(pass --ignore-unknown-columns to drop columns the recruit domain does not have)");
  /* an extra column alone is refused too; quoted names are matched decoded */
  CHECK_CONTAINS(
      refused_at_open(
          "\"id\",company_name,exp_years,english_level,primary_keyword,vector,\"sal\"\"ary\"\n", 0),
      "r.csv:1: unknown column 'sal\"ary'");
}

/* Issue 9, found 1: an empty cell in a numeric column read as 0. */
static void test_found1_empty_numeric_cell_refused(void) {
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c" GOOD_VEC ID2 ",a,,b,c" GOOD_VEC, "recruit"),
                 "data.csv:3:3: field 'exp_years': empty cell (an integer is required)");
  CHECK_CONTAINS(fails(HDR ID1 ",a,\"  \",b,c" GOOD_VEC, "recruit"),
                 "data.csv:2:3: field 'exp_years': empty cell");
  CHECK_CONTAINS(fails(CHDR ID1 ",p,\"\",r,[]" GOOD_VEC, "candidate"),
                 "data.csv:2:3: field 'experience_years': empty cell");
}

/* A short record was padded with empty cells, which then read as "" and 0. */
static void test_found1_short_row_refused(void) {
  CHECK_CONTAINS(fails(HDR ID1 ",a,1,b,c" GOOD_VEC ID2 ",a,1\n", "recruit"),
                 "data.csv:3:4: the row has 3 fields but the header has 6");
  /* named where the record ends, on its last line */
  CHECK_CONTAINS(fails(HDR ID1 ",\"a\nb\",1\n", "recruit"), "data.csv:3:4: the row has 3 fields");
}

static void ignore_unknown_columns(void) {
  es_loader_opts o = {1};
  es_chunk c;
  es_error err;
  long n = tu_load_text("u.csv", "extra," HDR "\xff\x01," ID1 ",a,1,b,c" GOOD_VEC, "recruit", &o,
                        &c, &err);
  CHECK_EQ_INT(n, 1);
  if (n == 1) CHECK_STR(row(&c, 0)[1].s, "a");
  es_chunk_free(&c);
  /* the name is shown escaped: the message goes into JSON */
  CHECK_CONTAINS(refused_at_open("\xff\x01," HDR, 0), "unknown column '\\xff\\x01'");
}

/* Every row handed out passes the server's checks at the first row's dimension, reported in
   the file's terms; keys are not rewritten (the server lowercases them itself). */
static void server_checks(void) {
  es_chunk c;
  es_error err;
  long n;
  static const tu_refusal recruit[] = {
      {HDR ID1 ",a,1,b,c,\"[1,2]\"\n" ID2 ",a,1,b,c,\"[1,2,3]\"\n",
       "data.csv:3: field 'vector': 3 values, expected 2 as in the first row (line 2)"},
      {HDR "x,a,1,b,c" GOOD_VEC, "data.csv:2: field 'id': 'x' is not a UUID"},
      {HDR ",a,1,b,c" GOOD_VEC, "data.csv:2: field 'id': must not be empty"},
      {HDR ID1 ",a,-1,b,c" GOOD_VEC, "data.csv:2: field 'exp_years': -1 is negative"},
      {HDR ID1 ",a,1,b,c,\"[1,NaN]\"\n", "data.csv:2: field 'vector': value 1 is not finite"},
      {HDR ID1 ",a,1,b,c,\"[-Infinity]\"\n", "value 0 is not finite"},
      {HDR ID1 ",a,1,b,c,\"[]\"\n",
       "data.csv:2: field 'vector': 0 values (a vector has 1 to 16000)"},
  };
  TU_CHECK_REFUSALS("data.csv", "recruit", NULL, recruit);
  CHECK_CONTAINS(fails(SHDR "\n,a,\"[1]\"\n", "skill_embedding_dic"),
                 "data.csv:2: field 'skill': must not be empty");
  n = load("k.csv", HDR "018F0000-0000-7000-8000-00000000000A,a,1,b,c" GOOD_VEC, "recruit", &c,
           &err);
  CHECK_EQ_INT(n, 1);
  if (n == 1) CHECK_STR(row(&c, 0)[0].s, "018F0000-0000-7000-8000-00000000000A");
  es_chunk_free(&c);
}

/* A BOM read in pieces shorter than itself is still a BOM, not part of the first name. */
static void test_bom_split_across_reads(void) {
  es_chunk c;
  es_error err;
  CHECK_EQ_INT(
      load("bom.csv", "\xef\xbb\xbf" SHDR "\ngo,a,\"[1]\"\n", "skill_embedding_dic", &c, &err), 1);
  es_chunk_free(&c);
  CHECK_EQ_INT(load("bom2.csv", "\xef\xbb", "skill_embedding_dic", &c, &err), ES_EINVAL);
  es_chunk_free(&c);
}

int main(void) {
  tu_init();
  quoting();
  empty_cells();
  errors();
  nul_byte();
  ints();
  line_endings();
  test_lone_cr_ends_a_line();
  test_quoted_empty_line_is_a_record();
  chunking();
  open_errors();
  sticky();
  test_found1_missing_column_refused();
  test_found1_missing_company_name_refused();
  test_found1_header_typo_suggests();
  test_found1_empty_numeric_cell_refused();
  test_found1_short_row_refused();
  ignore_unknown_columns();
  server_checks();
  test_bom_split_across_reads();
  tu_cleanup();
  return tap_done("test_csv");
}
