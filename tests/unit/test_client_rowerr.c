/* test_client_rowerr.c - a server's "chunk N, row M" in the file's terms: the per-message row
   counts (run-length, overflow-safe), the row's line found by reading the file again (a quoted
   field spanning lines included), our trailers or the details' text, pickle and Parquet row
   indexes, and the cases that must leave the server's message alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "load_testutil.h"
#include "tap.h"

static void test_msgrows_locate(void) {
  es_msgrows m;
  es_error err;
  uint64_t row = 0;
  size_t i;
  memset(&m, 0, sizeof(m));
  /* messages of 3, 3, 2, 2 rows: rows 0-2, 3-5, 6-7, 8-9 */
  CHECK(es_msgrows_add(&m, 3, &err) == 0 && es_msgrows_add(&m, 3, &err) == 0);
  CHECK(es_msgrows_add(&m, 2, &err) == 0 && es_msgrows_add(&m, 2, &err) == 0);
  CHECK_EQ_INT(m.n, 2); /* two runs */
  CHECK_EQ_INT(m.msgs, 4);
  CHECK(es_msgrows_locate(&m, 1, 0, &row) == 0 && row == 0);
  CHECK(es_msgrows_locate(&m, 1, 2, &row) == 0 && row == 2);
  CHECK(es_msgrows_locate(&m, 2, 0, &row) == 0 && row == 3);
  CHECK(es_msgrows_locate(&m, 3, 1, &row) == 0 && row == 7);
  CHECK(es_msgrows_locate(&m, 4, 1, &row) == 0 && row == 9);
  row = 77;
  CHECK(es_msgrows_locate(&m, 0, 0, &row) < 0); /* chunks count from 1 */
  CHECK(es_msgrows_locate(&m, 1, 3, &row) < 0); /* the message had 3 rows */
  CHECK(es_msgrows_locate(&m, 4, 2, &row) < 0);
  CHECK(es_msgrows_locate(&m, 5, 0, &row) < 0); /* never sent */
  CHECK(es_msgrows_locate(&m, UINT64_MAX, UINT64_MAX, &row) < 0);
  CHECK(row == 77);
  /* a million messages of one size stay one run */
  es_msgrows_reset(&m);
  for (i = 0; i < 1000000; i++) es_msgrows_add(&m, 100, &err);
  CHECK_EQ_INT(m.n, 1);
  CHECK(es_msgrows_locate(&m, 700000, 99, &row) == 0 && row == 69999999);
  /* alternating sizes (a message limit splitting chunks) grow the runs, still right */
  es_msgrows_reset(&m);
  for (i = 0; i < 1000; i++) es_msgrows_add(&m, i % 2 ? 7 : 5, &err);
  CHECK_EQ_INT(m.n, 1000);
  CHECK(es_msgrows_locate(&m, 501, 4, &row) == 0 && row == 250 * 12 + 4);
  /* sums past 64 bits are refused, not wrapped */
  es_msgrows_reset(&m);
  for (i = 0; i < 3; i++) es_msgrows_add(&m, (size_t)1 << 63, &err);
  CHECK(es_msgrows_locate(&m, 2, 5, &row) == 0 && row == ((uint64_t)1 << 63) + 5);
  CHECK(es_msgrows_locate(&m, 3, 0, &row) < 0);
  es_msgrows_free(&m);
}

#define HEADER "id,company_name,exp_years,english_level,primary_keyword,vector\n"
#define ROW(k) "0190a8c2-1111-7000-8000-00000000000" #k ",Acme,3,B2,Go,\"[0.5,0.25]\"\n"

/* Ten rows starting on lines 2, 3, 4, 5 (its company name spans 5-6), 7, 8, ... 12. */
static const char *write_csv(void) {
  return tu_write(
      "r.csv",
      HEADER ROW(0) ROW(1) ROW(
          2) "0190a8c2-1111-7000-8000-000000000003,\"two\nlines\",3,B2,Go,\"[0.5,0.25]\"\n" ROW(4)
          ROW(5) ROW(6) ROW(7) ROW(8) ROW(9));
}

typedef struct fixture {
  es_ingest_opts o;
  es_producer p;
  es_attempt a;
  char out[1100], want[1100];
} fixture;

static void fixture_init(fixture *f, const char *path, const char *format) {
  es_error err;
  es_ingest_opts_init(&f->o);
  f->o.domain = "recruit";
  f->o.file = path;
  es_producer_init(&f->p, es_domain_find("recruit"), 3, 1 << 20, &err);
  f->p.format = format;
  es_msgrows_add(&f->p.sent, 3, &err);
  es_msgrows_add(&f->p.sent, 3, &err);
  es_msgrows_add(&f->p.sent, 2, &err);
  es_msgrows_add(&f->p.sent, 2, &err);
  memset(&f->a, 0, sizeof(f->a));
  f->a.grpc_status = 3;
}

/* What es_client_row_error makes of details (and a trailer position when chunk > 0). */
static const char *rewrite(fixture *f, const char *details, uint64_t chunk, uint64_t row) {
  snprintf(f->a.details, sizeof(f->a.details), "%s", details);
  f->a.has_pos = chunk > 0;
  f->a.pos_chunk = chunk;
  f->a.pos_row = row;
  return es_client_row_error(&f->o, &f->p, &f->a, f->out, sizeof(f->out)) ? f->out
                                                                          : "(not rewritten)";
}

static const char *want(fixture *f, const char *fmt, const char *path) {
  snprintf(f->want, sizeof(f->want), fmt, path);
  return f->want;
}

static void test_csv_lines(void) {
  fixture f;
  const char *path = write_csv();
  fixture_init(&f, path, "csv");
  /* no trailer: the details' own "chunk N, row M: " is read and dropped from the reason */
  CHECK_STR(rewrite(&f, "chunk 3, row 1: field 'id': 'x' is not a UUID", 0, 0),
            want(&f, "%s:10: field 'id': 'x' is not a UUID (server: chunk 3, row 1)", path));
  CHECK_STR(rewrite(&f, "chunk 1, row 0: field 'vector': 1 values, expected 2", 0, 0),
            want(&f, "%s:2: field 'vector': 1 values, expected 2 (server: chunk 1, row 0)", path));
  /* the trailer wins; the row that spans lines is named by its first */
  CHECK_STR(rewrite(&f, "bad things", 2, 0),
            want(&f, "%s:5: bad things (server: chunk 2, row 0)", path));
  CHECK_STR(rewrite(&f, "", 4, 1), want(&f, "%s:12: (no details) (server: chunk 4, row 1)", path));
  CHECK_STR(
      rewrite(&f, "stream rejected at chunk 2, row 2 (field 'id')", 0, 0),
      want(&f, "%s:8: stream rejected at chunk 2, row 2 (field 'id') (server: chunk 2, row 2)",
           path));
  /* not a row we sent, or no position at all: the server's message stays as it is */
  CHECK_STR(rewrite(&f, "chunk 4, row 2: field 'id'", 0, 0), "(not rewritten)");
  CHECK_STR(rewrite(&f, "x", 5, 0), "(not rewritten)");
  CHECK_STR(rewrite(&f, "unknown domain 'x'", 0, 0), "(not rewritten)");
  /* the file is gone by now: its row index, not a wrong line */
  remove(path);
  CHECK_STR(rewrite(&f, "chunk 3, row 1: field 'id'", 0, 0),
            want(&f, "%s: row index 7: field 'id' (server: chunk 3, row 1)", path));
  es_producer_free(&f.p);
}

#define JROW(id)                                                        \
  "{\"id\":\"" id                                                       \
  "\",\"company_name\":\"A\",\"exp_years\":1,\"english_level\":\"B2\"," \
  "\"primary_keyword\":\"Go\",\"vector\":[1,2]}\n"

static void test_jsonl_pickle_parquet(void) {
  fixture f;
  char pq[1024];
  /* rows the loader accepts (it refuses what our server would): the server's refusal is a rule
     the client cannot know */
  const char *path = tu_write("r.jsonl", JROW("0190a8c2-abcd-7ef0-8000-00000000000a") "\n" JROW(
                                             "0190a8c2-abcd-7ef0-8000-00000000000b")
                                             JROW("0190a8c2-abcd-7ef0-8000-00000000000c")
                                                 JROW("0190a8c2-abcd-7ef0-8000-00000000000d"));
  fixture_init(&f, path, "jsonl");
  /* rows 0, 1, 2, 3 on lines 1, 3, 4, 5 (a blank line skipped) */
  CHECK_STR(rewrite(&f, "chunk 2, row 0: field 'id'", 0, 0),
            want(&f, "%s:5: field 'id' (server: chunk 2, row 0)", path));
  es_producer_free(&f.p);
  /* a pickle's rows are a table's: named by index, the file never read again */
  fixture_init(&f, "/nonexistent/t.pkl", "pickle");
  CHECK_STR(rewrite(&f, "chunk 3, row 1: field 'id'", 0, 0),
            "/nonexistent/t.pkl: row index 7: field 'id' (server: chunk 3, row 1)");
  es_producer_free(&f.p);
  /* so are a Parquet file's: its loader's "lines" count rows, and "t.parquet:8" would name a
     line the file does not have (a real file, which the client could read again) */
  snprintf(pq, sizeof(pq), "%s/tests/fixtures/parquet/encodings_recruit.parquet",
           getenv("ES_SOURCE_DIR") ? getenv("ES_SOURCE_DIR") : ".");
  fixture_init(&f, pq, "parquet");
  CHECK_STR(rewrite(&f, "chunk 3, row 1: field 'id'", 0, 0),
            want(&f, "%s: row index 7: field 'id' (server: chunk 3, row 1)", pq));
  es_producer_free(&f.p);
}

int main(void) {
  tu_init();
  test_msgrows_locate();
  test_csv_lines();
  test_jsonl_pickle_parquet();
  tu_cleanup();
  return tap_done("test_client_rowerr");
}
