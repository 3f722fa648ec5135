/* test_client_producer.c - the client's reader thread: every row of a file comes out once, in
   order, in messages within the limit; a bad row stops it with the loader's error. */
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_int.h"
#include "tap.h"
#include "tmpdir.h"

static char dir[200];

/* A recruit CSV of n rows with dim-long vectors; row `bad` (1-based, 0 for none) has a bad int. */
static void write_csv(const char *path, int n, int dim, int bad) {
  FILE *f = fopen(path, "w");
  int r, k;
  if (!f) {
    perror(path);
    exit(1);
  }
  fprintf(f, "id,company_name,exp_years,english_level,primary_keyword,vector\n");
  for (r = 1; r <= n; r++) {
    fprintf(f, "0190a8c2-1111-7000-8000-%012d,\"Company, %d\",%s,Intermediate,Go,\"[", r, r,
            r == bad ? "many" : "3");
    for (k = 0; k < dim; k++) fprintf(f, "%s%d.5", k ? ", " : "", r);
    fprintf(f, "]\"\n");
  }
  fclose(f);
}

/* Decodes one message and appends its rows' ids (as numbers) to ids. */
static size_t decode(grpc_byte_buffer *bb, int *ids, size_t at, size_t cap) {
  grpc_byte_buffer_reader r;
  grpc_slice all;
  es_chunk c;
  es_request_info info;
  es_error err;
  size_t i;
  es_chunk_init(&c, es_domain_find("recruit"));
  grpc_byte_buffer_reader_init(&r, bb);
  all = grpc_byte_buffer_reader_readall(&r);
  grpc_byte_buffer_reader_destroy(&r);
  CHECK_EQ_INT(
      es_codec_unpack_request(&c, GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), &info, &err),
      0);
  CHECK_EQ_INT(info.chunk_case, 2);
  for (i = 0; i < c.nrows && at + i < cap; i++) {
    const es_value *row = es_chunk_row(&c, i);
    ids[at + i] = atoi(row[0].s + 24);
    CHECK(row[5].vec.n == 8 && row[5].vec.v[7] == (float)ids[at + i] + 0.5f);
  }
  grpc_slice_unref(all);
  es_chunk_free(&c);
  return i;
}

static void test_all_rows_in_order(void) {
  char path[256];
  es_producer p;
  es_error err;
  es_msg m;
  int ids[600], r, rc, over = 0, order_ok = 1;
  size_t got = 0, msgs = 0, limit = 2000;
  snprintf(path, sizeof(path), "%s/r.csv", dir);
  write_csv(path, 500, 8, 0);
  /* chunks of 64 rows, ~100-byte rows, 2000-byte messages: every chunk splits in several */
  CHECK_EQ_INT(es_producer_init(&p, es_domain_find("recruit"), 64, limit, &err), 0);
  CHECK_EQ_INT(es_producer_open(&p, path, &err), 0);
  CHECK(es_producer_first_row(&p) != NULL);
  CHECK_EQ_INT(es_producer_start(&p, &err), 0);
  while ((rc = es_producer_pop(&p, &m, &err)) > 0) {
    if (m.bytes > limit) over++;
    got += decode(m.bb, ids, got, 600);
    CHECK_EQ_INT(grpc_byte_buffer_length(m.bb), m.bytes);
    CHECK(m.bytes_read > 0);
    grpc_byte_buffer_destroy(m.bb);
    msgs++;
  }
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(over, 0);
  CHECK_EQ_INT(got, 500);
  for (r = 0; r < 500 && r < (int)got; r++)
    if (ids[r] != r + 1) order_ok = 0;
  CHECK(order_ok);
  CHECK(msgs >= 500 * 100 / 2000);
  CHECK_EQ_INT(es_producer_bytes_total(&p) > 0, 1);
  /* a second pass over the same file (what a retry does) yields it all again */
  CHECK_EQ_INT(es_producer_open(&p, path, &err), 0);
  CHECK_EQ_INT(es_producer_start(&p, &err), 0);
  got = 0;
  while ((rc = es_producer_pop(&p, &m, &err)) > 0) {
    got += m.rows;
    grpc_byte_buffer_destroy(m.bb);
  }
  CHECK_EQ_INT(got, 500);
  es_producer_free(&p);
  unlink(path);
}

static void test_bad_row_stops(void) {
  char path[256];
  es_producer p;
  es_error err;
  es_msg m;
  int rc;
  size_t got = 0;
  snprintf(path, sizeof(path), "%s/bad.csv", dir);
  write_csv(path, 300, 8, 250);
  CHECK_EQ_INT(es_producer_init(&p, es_domain_find("recruit"), 100, 1 << 20, &err), 0);
  CHECK_EQ_INT(es_producer_open(&p, path, &err), 0);
  CHECK_EQ_INT(es_producer_start(&p, &err), 0);
  es_err_clear(&err);
  while ((rc = es_producer_pop(&p, &m, &err)) > 0) {
    got += m.rows;
    grpc_byte_buffer_destroy(m.bb);
  }
  CHECK_EQ_INT(rc, ES_EINVAL);
  CHECK_EQ_INT(got, 200);                 /* the two good chunks went out, the third never did */
  CHECK_CONTAINS(err.msg, "bad.csv:251"); /* line 251: the header is line 1 */
  CHECK_CONTAINS(err.msg, "exp_years");
  es_producer_free(&p);
  unlink(path);
}

/* Stopping while the reader is blocked on a full queue must not hang or leak. */
static void test_stop_early(void) {
  char path[256];
  es_producer p;
  es_error err;
  es_msg m;
  snprintf(path, sizeof(path), "%s/s.csv", dir);
  write_csv(path, 400, 8, 0);
  CHECK_EQ_INT(es_producer_init(&p, es_domain_find("recruit"), 10, 1 << 20, &err), 0);
  CHECK_EQ_INT(es_producer_open(&p, path, &err), 0);
  CHECK_EQ_INT(es_producer_start(&p, &err), 0);
  CHECK_EQ_INT(es_producer_pop(&p, &m, &err), 1);
  grpc_byte_buffer_destroy(m.bb);
  es_producer_stop(&p);
  es_producer_stop(&p);
  es_producer_free(&p);
  unlink(path);
}

static void test_empty_and_missing(void) {
  char path[256];
  es_producer p;
  es_error err;
  FILE *f;
  snprintf(path, sizeof(path), "%s/empty.csv", dir);
  f = fopen(path, "w");
  fprintf(f, "id,company_name,exp_years,english_level,primary_keyword,vector\n");
  fclose(f);
  CHECK_EQ_INT(es_producer_init(&p, es_domain_find("recruit"), 10, 1 << 20, &err), 0);
  CHECK_EQ_INT(es_producer_open(&p, path, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "no rows");
  snprintf(path, sizeof(path), "%s/nope.csv", dir);
  CHECK(es_producer_open(&p, path, &err) < 0);
  CHECK_CONTAINS(err.msg, "nope.csv");
  es_producer_free(&p);
  snprintf(path, sizeof(path), "%s/empty.csv", dir);
  unlink(path);
}

int main(void) {
  td_make(dir, sizeof(dir), "client");
  grpc_init();
  test_all_rows_in_order();
  test_bad_row_stops();
  test_stop_early();
  test_empty_and_missing();
  grpc_shutdown();
  td_remove(dir);
  return tap_done("test_client_producer");
}
