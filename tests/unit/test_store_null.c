/* test_store_null.c - store URL dispatch and the null store's counting. */
#include "store/store.h"
#include "store_testutil.h"
#include "tap.h"

static void add_skill_rows(es_chunk *c, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    es_value *r = es_chunk_add_row(c, i + 1);
    r[0].s = es_arena_strndup(&c->arena, "python", 6);
  }
}

static void test_dispatch(void) {
  es_store *st = NULL;
  es_error err;
  es_err_clear(&err);
  /* PostgreSQL URLs reach its backend (an unknown es_ option fails before connecting). */
  CHECK_EQ_INT(es_store_open("postgres://u@h/db?es_nope=1", &st, &err), ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "unknown option 'es_nope'");
  CHECK(st == NULL);
  CHECK_EQ_INT(es_store_open("postgresql://u@h/db?es_nope=1", &st, &err), ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "unknown option 'es_nope'");
  CHECK_EQ_INT(es_store_open("postgres:host=h es_nope=1", &st, &err), ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "unknown option 'es_nope'");
  CHECK_EQ_INT(es_store_open("mysql://x", &st, &err), ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "unknown store");
  CHECK_EQ_INT(es_store_open("", &st, &err), ES_EUSAGE);
  CHECK_EQ_INT(es_store_open("null:extra", &st, &err), ES_EUSAGE);
  CHECK_EQ_INT(es_store_open("null:", &st, &err), 0);
  CHECK_STR(st ? st->name : NULL, "null");
  es_store_close(st);
  es_store_close(NULL);
}

static void test_counts(void) {
  const es_domain *d = es_domain_find("skill_embedding_dic");
  es_stream_info info = {d, "s.csv", 768, 0};
  es_stream_totals tot = {5, 2};
  es_store *st = NULL;
  es_txn *tx = NULL, *tx2 = NULL;
  es_chunk c;
  es_buf out = ES_BUF_INIT;
  es_error err;
  es_chunk_init(&c, d);
  add_skill_rows(&c, 3);
  CHECK_EQ_INT(es_store_open("null:", &st, &err), 0);
  if (!st) return;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  CHECK_EQ_INT(st->begin(st, &info, &tx2, &err), 0);
  CHECK_EQ_INT(tx->stage(tx, &c, &err), 0);
  es_chunk_reset(&c);
  add_skill_rows(&c, 2);
  CHECK_EQ_INT(tx->stage(tx, &c, &err), 0);
  CHECK_EQ_INT(tx2->stage(tx2, &c, &err), 0);
  CHECK_EQ_INT(tx->commit(tx, &tot, NULL, &err), 0);
  tx2->abort(tx2, &tot, ES_INGEST_FAILED, "client went away");
  STU_CHECK_STATS(st, &out, "\"store\":\"null:\"",
                  "\"skill_embedding_dic\":{\"rows\":5,\"chunks\":2,\"streams_committed\":1,"
                  "\"streams_aborted\":1,\"vector_dimension\":768}",
                  "\"recruit\":{\"rows\":0,", "\"candidate\":{\"rows\":0,");
  es_buf_free(&out);
  es_chunk_free(&c);
  es_store_close(st);
}

/* Every store checks begin()'s arguments in one place (es_store_txn_new): the null store too
   refuses a stream without a domain or with a dimension out of ES_DIM_MIN..ES_DIM_MAX. */
static void test_begin_checks(void) {
  es_stream_info info = {es_domain_find("recruit"), "r.csv", 16001, 0};
  es_store *st = NULL;
  es_txn *tx = NULL;
  es_error err;
  CHECK_EQ_INT(es_store_open("null:", &st, &err), 0);
  if (!st) return;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "vector dimension 16001 out of range");
  info.dim = 0;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), ES_EINVAL);
  info.dim = 8;
  info.domain = NULL;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), ES_EINTERNAL);
  CHECK_CONTAINS(err.msg, "null store: stream without a domain");
  CHECK(tx == NULL);
  es_store_close(st);
}

int main(void) {
  test_dispatch();
  test_counts();
  test_begin_checks();
  return tap_done("test_store_null");
}
