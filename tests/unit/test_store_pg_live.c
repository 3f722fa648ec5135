/* test_store_pg_live.c - the PostgreSQL store against a running database (ES_PG_URL); skips without
   one.

   ctest runs it against a throwaway PostgreSQL 15 (tests/integration/pgserver.py run);
   tests/integration/test_postgres.py runs it there too (COPY, and again with es_copy=off) and
   test_pgvector.py against PGlite with pgvector (es_copy=off). Environment:
     ES_PG_URL         libpq URI of an empty scratch database (tables are dropped and made here)
     ES_PG_STORE_OPTS  our options to add to the store URL, e.g. "es_copy=off"
     ES_PG_EXPECT      "pgvector" or "array": the vector column type tables must get
     ES_PG_SERIAL=1    the server runs one transaction at a time (PGlite): no overlapping streams */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "rowfix.h"
#include "store_testutil.h"
#include "tap.h"

static PGconn *admin;
static char store_url[1024];
static int serial;
static const char *expect;

static const char *U1 = "00000000-0000-4000-8000-000000000001";
static const char *U2 = "00000000-0000-4000-8000-000000000002";
static const char *U3 = "00000000-0000-4000-8000-000000000003";
static const char *U4 = "00000000-0000-4000-8000-000000000004";

/* One value from the admin connection ("" on error, which the checks then catch). */
static const char *scalar(const char *sql) {
  static char out[4096];
  PGresult *r = PQexec(admin, sql);
  out[0] = '\0';
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) && !PQgetisnull(r, 0, 0))
    snprintf(out, sizeof(out), "%s", PQgetvalue(r, 0, 0));
  else if (PQresultStatus(r) != PGRES_TUPLES_OK)
    fprintf(stderr, "query failed: %s: %s", sql, PQerrorMessage(admin));
  PQclear(r);
  return out;
}

static long count(const char *table) {
  char sql[128];
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
  return atol(scalar(sql));
}

static void reset(void) {
  PQclear(
      PQexec(admin, "DROP TABLE IF EXISTS recruit, candidate, skill_embedding_dic, ingest_log"));
}

static es_store *open_store(const char *extra) {
  char url[1200];
  es_store *st = NULL;
  es_error err;
  snprintf(url, sizeof(url), "%s%s%s", store_url, extra ? (strchr(store_url, '?') ? "&" : "?") : "",
           extra ? extra : "");
  if (es_store_open(url, &st, &err)) fprintf(stderr, "open %s: %s\n", url, err.msg);
  CHECK(st != NULL);
  return st;
}

static float special(size_t i, int seed) {
  static const float sp[] = {-0.0f, 1e-39f, 3.4e38f, 1.0f / 3.0f, -2.5f};
  return i < 5 && seed % 2 ? sp[i] : (float)seed + (float)i / 7.0f;
}

static float *vec(es_chunk *c, size_t dim, int seed) {
  float *v = es_arena_alloc(&c->arena, dim * sizeof(float));
  size_t i;
  for (i = 0; i < dim; i++) v[i] = special(i, seed);
  return v;
}

static void add_recruit(es_chunk *c, const char *id, int seed, size_t dim) {
  char name[32];
  snprintf(name, sizeof(name), "company %d", seed);
  fx_recruit(c, 1, id, name, seed, "fluent \"quoted\", comma", "백엔드", vec(c, dim, seed), dim);
}

/* Stored vector equals special(i, seed) bit for bit (text output of float4 is shortest-exact). */
static int vector_is(const char *text, size_t dim, int seed) {
  const char *p = text + 1;
  size_t i;
  for (i = 0; i < dim; i++) {
    char *end;
    float f = strtof(p, &end), want = special(i, seed);
    if (end == p || memcmp(&f, &want, 4)) return 0;
    p = end + 1;
  }
  return *(p - 1) == ']' || *(p - 1) == '}';
}

static void check_recruit(const char *id, int seed, size_t dim) {
  char sql[256];
  snprintf(sql, sizeof(sql),
           "SELECT company_name || '|' || exp_years || '|' || english_level || '|' || "
           "primary_keyword FROM recruit WHERE id::text = '%s'",
           id);
  {
    char want[128];
    snprintf(want, sizeof(want), "company %d|%d|fluent \"quoted\", comma|백엔드", seed, seed);
    CHECK_STR(scalar(sql), want);
  }
  snprintf(sql, sizeof(sql), "SELECT vector::text FROM recruit WHERE id::text = '%s'", id);
  CHECK(vector_is(scalar(sql), dim, seed));
}

static int stream(es_store *st, const char *domain, int32_t dim, const char *file, es_chunk *chunks,
                  size_t n, int commit, es_error *err) {
  es_stream_info info = {es_domain_find(domain), file, dim, 1700000000.5};
  es_stream_totals tot = {0, n};
  es_txn *tx = NULL;
  size_t i;
  int rc = st->begin(st, &info, &tx, err);
  if (rc) return rc;
  for (i = 0; i < n && !rc; i++) {
    tot.rows += chunks[i].nrows;
    rc = tx->stage(tx, &chunks[i], err);
  }
  if (rc || !commit) {
    tx->abort(tx, &tot, ES_INGEST_FAILED, rc ? err->msg : "client went away");
    return rc;
  }
  return tx->commit(tx, &tot, NULL, err);
}

static void test_stream_upsert_and_abort(void) {
  const es_domain *d = es_domain_find("recruit");
  es_chunk ch[2];
  es_store *st;
  es_error err;
  es_txn *tx = NULL;
  es_stream_info info = {d, "a.csv", 4, 0};
  es_stream_totals tot = {5, 2};
  reset();
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&ch[0], d);
  es_chunk_init(&ch[1], d);
  add_recruit(&ch[0], U1, 1, 4);
  add_recruit(&ch[0], U2, 2, 4);
  add_recruit(&ch[0], U1, 3, 4); /* the same key later in the chunk wins */
  add_recruit(&ch[1], U3, 4, 4);
  add_recruit(&ch[1], U2, 5, 4); /* and across chunks */
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  if (!tx) goto done;
  CHECK_EQ_INT(tx->stage(tx, &ch[0], &err), 0);
  if (!serial) CHECK_EQ_INT(count("recruit"), 0); /* not visible before commit */
  CHECK_EQ_INT(tx->stage(tx, &ch[1], &err), 0);
  CHECK_EQ_INT(tx->commit(tx, &tot, NULL, &err), 0);
  CHECK_EQ_INT(count("recruit"), 3);
  check_recruit(U1, 3, 4);
  check_recruit(U2, 5, 4);
  check_recruit(U3, 4, 4);
  CHECK_STR(
      scalar(
          "SELECT domain||'|'||file_name||'|'||vector_dimension||'|'||rows||'|'||chunks||'|'||status "
          "FROM ingest_log ORDER BY id DESC LIMIT 1"),
      "recruit|a.csv|4|5|2|success");
  CHECK_STR(scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                   "WHERE attrelid = 'recruit'::regclass AND attname = 'vector'"),
            !strcmp(expect, "pgvector") ? "vector(4)" : "real[]");
  CHECK_STR(scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                   "WHERE attrelid = 'recruit'::regclass AND attname = 'id'"),
            "uuid");

  /* The same keys again, new values: an upsert, the row count stays. */
  es_chunk_reset(&ch[0]);
  add_recruit(&ch[0], U1, 7, 4);
  add_recruit(&ch[0], U3, 9, 4);
  add_recruit(&ch[0], U4, 8, 4);
  CHECK_EQ_INT(stream(st, "recruit", 4, "b.csv", ch, 1, 1, &err), 0);
  CHECK_EQ_INT(count("recruit"), 4);
  check_recruit(U1, 7, 4);
  check_recruit(U2, 5, 4);
  check_recruit(U3, 9, 4);
  check_recruit(U4, 8, 4);

  /* An aborted stream leaves nothing, and says why in ingest_log. */
  es_chunk_reset(&ch[0]);
  add_recruit(&ch[0], "00000000-0000-4000-8000-0000000000aa", 11, 4);
  add_recruit(&ch[0], U1, 12, 4);
  CHECK_EQ_INT(stream(st, "recruit", 4, "c.csv", ch, 1, 0, &err), 0);
  CHECK_EQ_INT(count("recruit"), 4);
  check_recruit(U1, 7, 4);
  CHECK_STR(
      scalar(
          "SELECT status||'|'||message||'|'||file_name FROM ingest_log ORDER BY id DESC LIMIT 1"),
      "failed|client went away|c.csv");

  /* A cancelled stream says so; a committed one whose response was lost is marked partial. */
  tx = NULL;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  if (tx) tx->abort(tx, &tot, ES_INGEST_CANCELLED, "cancelled by the client");
  CHECK_STR(scalar("SELECT status||'|'||message FROM ingest_log ORDER BY id DESC LIMIT 1"),
            "cancelled|cancelled by the client");
  {
    int64_t id = 0;
    char sql[128];
    tx = NULL;
    CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
    if (tx) CHECK_EQ_INT(tx->commit(tx, &tot, &id, &err), 0);
    CHECK(id > 0);
    snprintf(sql, sizeof(sql), "SELECT status FROM ingest_log WHERE id = %lld", (long long)id);
    CHECK_STR(scalar(sql), "success");
    CHECK_EQ_INT(st->set_log_status(st, id, ES_INGEST_PARTIAL, "; not delivered", &err), 0);
    snprintf(sql, sizeof(sql), "SELECT status||'|'||message FROM ingest_log WHERE id = %lld",
             (long long)id);
    CHECK_STR(scalar(sql), "partial|0 rows: 0 copied in, 0 upserted; not delivered");
  }

  /* Another dimension than the table's: FAILED_PRECONDITION naming both. */
  CHECK_EQ_INT(stream(st, "recruit", 8, "d.csv", ch, 0, 1, &err), ES_EPRECOND);
  CHECK_CONTAINS(err.msg, "4-d");
  CHECK_CONTAINS(err.msg, "declares 8");
done:
  es_chunk_free(&ch[0]);
  es_chunk_free(&ch[1]);
  es_store_close(st);
}

static void add_skill(es_chunk *c, const char *skill, size_t dim, int seed) {
  fx_skill(c, 1, skill, "backend", vec(c, dim, seed), dim);
}

/* An empty table made by the store takes the next stream's dimension; one with rows does not. */
static void test_redeclare_and_stats(void) {
  const es_domain *d = es_domain_find("skill_embedding_dic");
  es_chunk ch;
  es_store *st;
  es_buf out = ES_BUF_INIT;
  es_error err;
  reset();
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&ch, d);
  add_skill(&ch, "python", 4, 1);
  CHECK_EQ_INT(stream(st, "skill_embedding_dic", 4, "s4.csv", &ch, 1, 0, &err), 0);
  CHECK_EQ_INT(count("skill_embedding_dic"), 0);
  es_chunk_reset(&ch);
  add_skill(&ch, "rust", 6, 3);
  add_skill(&ch, "c, \"the\" language\n", 6, 4);
  CHECK_EQ_INT(stream(st, "skill_embedding_dic", 6, "s6.csv", &ch, 1, 1, &err), 0);
  CHECK_EQ_INT(count("skill_embedding_dic"), 2);
  CHECK(
      vector_is(scalar("SELECT vector::text FROM skill_embedding_dic WHERE skill = 'rust'"), 6, 3));
  CHECK_STR(
      scalar(
          "SELECT position_category FROM skill_embedding_dic WHERE skill = E'c, \"the\" language\\n'"),
      "backend");
  CHECK_EQ_INT(stream(st, "skill_embedding_dic", 4, "s4b.csv", &ch, 0, 1, &err), ES_EPRECOND);
  CHECK_CONTAINS(err.msg, "6-d");
  STU_CHECK_STATS(st, &out, "\"skill_embedding_dic\":{\"rows\":2,\"vector_dimension\":6}",
                  "\"recruit\":{\"rows\":0,\"vector_dimension\":null}",
                  "\"last_ingests\":[{\"domain\":\"skill_embedding_dic\",\"file_name\":\"s6.csv\","
                  "\"vector_dimension\":6,\"rows\":2,\"chunks\":1,\"status\":\"success\"",
                  "\"started_at\":\"2023-11-14T22:13:20.500Z\"", "\"status\":\"failed\"");
  CHECK(strstr(out.ptr, "\"store\":\"postgres") == out.ptr + 1);
  es_buf_free(&out);
  es_chunk_free(&ch);
  es_store_close(st);
}

static void add_candidate(es_chunk *c, const char *id, const char *const *skills, size_t nskills,
                          int seed) {
  fx_candidate(c, 1, id, "backend", seed, "line one\nline two\r\n\ttabbed \\ slash", skills,
               nskills, vec(c, 3, seed), 3);
}

static void test_string_lists(void) {
  static const char *const skills[] = {"a,b",  "quote\"d", "{braces}", "back\\slash",
                                       "NULL", "백엔드",   ""};
  const es_domain *d = es_domain_find("candidate");
  es_chunk ch;
  es_store *st;
  es_error err;
  reset();
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&ch, d);
  add_candidate(&ch, U1, skills, 7, 1);
  add_candidate(&ch, U2, skills, 0, 2);
  CHECK_EQ_INT(stream(st, "candidate", 3, "c.jsonl", &ch, 1, 1, &err), 0);
  CHECK_STR(
      scalar("SELECT array_length(skills, 1) FROM candidate WHERE candidate_id::text LIKE '%1'"),
      "7");
  CHECK_STR(
      scalar("SELECT skills[2] || skills[4] || skills[5] || skills[6] || '|' || skills[7] || '|' "
             "FROM candidate WHERE candidate_id::text LIKE '%1'"),
      "quote\"dback\\slashNULL백엔드||");
  CHECK_STR(scalar("SELECT skills[5] IS NULL FROM candidate WHERE candidate_id::text LIKE '%1'"),
            "f");
  CHECK_STR(scalar("SELECT cardinality(skills) FROM candidate WHERE candidate_id::text LIKE '%2'"),
            "0");
  CHECK_STR(scalar("SELECT original_resume FROM candidate WHERE candidate_id::text LIKE '%2'"),
            "line one\nline two\r\n\ttabbed \\ slash");
  es_chunk_free(&ch);
  es_store_close(st);
}

/* Chunks larger than one COPY piece and than one INSERT batch. */
static void test_big_chunks(void) {
  const es_domain *d = es_domain_find("skill_embedding_dic");
  es_chunk ch[2];
  es_store *st;
  es_error err;
  char key[32];
  int i;
  reset();
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&ch[0], d);
  es_chunk_init(&ch[1], d);
  for (i = 0; i < 1203; i++) {
    snprintf(key, sizeof(key), "skill %d", i);
    add_skill(&ch[0], key, 300, i);
  }
  for (i = 1000; i < 1600; i++) { /* 203 keys of chunk 1 again: the upsert path */
    snprintf(key, sizeof(key), "skill %d", i);
    add_skill(&ch[1], key, 300, i + 1);
  }
  CHECK_EQ_INT(stream(st, "skill_embedding_dic", 300, "big.csv", ch, 2, 1, &err), 0);
  CHECK_EQ_INT(count("skill_embedding_dic"), 1600);
  CHECK(vector_is(scalar("SELECT vector::text FROM skill_embedding_dic WHERE skill = 'skill 5'"),
                  300, 5));
  CHECK(vector_is(scalar("SELECT vector::text FROM skill_embedding_dic WHERE skill = 'skill 1100'"),
                  300, 1101));
  es_chunk_free(&ch[0]);
  es_chunk_free(&ch[1]);
  es_store_close(st);
}

/* A table made ahead of time by a DBA, with other compatible types and an extra column: written
   as it is, and its declared dimension is kept even while it is empty. */
static void test_table_made_ahead(void) {
  char sql[600];
  es_chunk ch;
  es_store *st;
  es_error err;
  int vec = !strcmp(expect, "pgvector");
  reset();
  snprintf(
      sql, sizeof(sql),
      "CREATE TABLE recruit(id text PRIMARY KEY, company_name varchar(40) NOT NULL, exp_years bigint NOT NULL, "
      "english_level text NOT NULL, primary_keyword text NOT NULL, vector %s NOT NULL%s, "
      "loaded_at timestamptz NOT NULL DEFAULT now())",
      vec ? "vector(4)" : "real[]", vec ? "" : " CHECK (array_length(vector, 1) = 4)");
  {
    PGresult *r = PQexec(admin, sql);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
      fprintf(stderr, "%s: %s", sql, PQerrorMessage(admin));
    PQclear(r);
  }
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&ch, es_domain_find("recruit"));
  add_recruit(&ch, U1, 1, 6);
  CHECK_EQ_INT(stream(st, "recruit", 6, "six.csv", &ch, 1, 1, &err), ES_EPRECOND);
  CHECK_CONTAINS(err.msg, "4-d");
  es_chunk_reset(&ch);
  add_recruit(&ch, U1, 1, 4);
  add_recruit(&ch, U2, 3, 4);
  CHECK_EQ_INT(stream(st, "recruit", 4, "four.csv", &ch, 1, 1, &err), 0);
  CHECK_EQ_INT(stream(st, "recruit", 4, "four.csv", &ch, 1, 1, &err), 0); /* the upsert path too */
  CHECK_EQ_INT(count("recruit"), 2);
  check_recruit(U1, 1, 4);
  check_recruit(U2, 3, 4);
  CHECK_STR(scalar("SELECT count(*) FROM recruit WHERE loaded_at IS NOT NULL"), "2");
  es_chunk_free(&ch);
  es_store_close(st);
}

/* ingest_log.client: an ingest_log made by an older version (no such column) gains it at the
   first stream, keeps its rows (client NULL), and the stream's client is recorded; stats reads
   it back. */
static void test_client_column(void) {
  es_stream_info info = {es_domain_find("skill_embedding_dic"), "c.csv", 4, 0,
                         "token:ci cert:CN=loader-1"};
  es_stream_totals tot = {0, 0};
  es_buf out = ES_BUF_INIT;
  es_txn *tx = NULL;
  es_store *st;
  es_error err;
  reset();
  PQclear(PQexec(
      admin,
      "CREATE TABLE ingest_log(id bigserial PRIMARY KEY, domain text NOT NULL, file_name text, "
      "vector_dimension integer, \"rows\" bigint NOT NULL, chunks bigint NOT NULL, status text "
      "NOT NULL, message text, started_at timestamptz, finished_at timestamptz);"
      "INSERT INTO ingest_log(domain, file_name, \"rows\", chunks, status) "
      "VALUES ('recruit', 'old.csv', 5, 1, 'success')"));
  CHECK_STR(
      scalar(
          "SELECT count(*) FROM pg_attribute WHERE attrelid = 'ingest_log'::regclass AND attname = 'client'"),
      "0");
  if (!(st = open_store(NULL))) return;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  if (tx) CHECK_EQ_INT(tx->commit(tx, &tot, NULL, &err), 0);
  info.client = NULL;
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  if (tx) tx->abort(tx, &tot, ES_INGEST_FAILED, "refused");
  CHECK_STR(
      scalar(
          "SELECT string_agg(file_name || '=' || coalesce(client, 'NULL'), '|' ORDER BY id) FROM ingest_log"),
      "old.csv=NULL|c.csv=token:ci cert:CN=loader-1|c.csv=NULL");
  STU_CHECK_STATS(st, &out, "\"client\":null}", "\"client\":\"token:ci cert:CN=loader-1\"}");
  es_buf_free(&out);
  es_store_close(st);
}

static void test_pool_cap(void) {
  es_stream_info info = {es_domain_find("recruit"), "p.csv", 4, 0};
  es_txn *a = NULL, *b = NULL;
  es_store *st;
  es_error err;
  reset();
  if (!(st = open_store("es_pool_max=1"))) return;
  CHECK_EQ_INT(st->begin(st, &info, &a, &err), 0);
  CHECK_EQ_INT(st->begin(st, &info, &b, &err), ES_EEXHAUSTED);
  CHECK_CONTAINS(err.msg, "es_pool_max");
  if (a) a->abort(a, NULL, ES_INGEST_FAILED, "test");
  CHECK_EQ_INT(st->begin(st, &info, &b, &err), 0);
  if (b) b->abort(b, NULL, ES_INGEST_FAILED, "test");
  es_store_close(st);
}

/* Two streams in flight at once, on the same table; neither sees the other before commit. */
static void test_overlapping_streams(void) {
  const es_domain *d = es_domain_find("recruit");
  es_stream_info info = {d, "o.csv", 4, 0};
  es_stream_totals tot = {1, 1};
  es_chunk a, b;
  es_txn *ta = NULL, *tb = NULL;
  es_store *st;
  es_error err;
  reset();
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&a, d);
  es_chunk_init(&b, d);
  add_recruit(&a, U1, 1, 4);
  add_recruit(&b, U2, 2, 4);
  if (STU_BEGIN_TWO(st, &info, &a, &ta, &info, &b, &tb, &err)) {
    CHECK_EQ_INT(tb->commit(tb, &tot, NULL, &err), 0);
    CHECK_EQ_INT(count("recruit"), 1);
    CHECK_EQ_INT(ta->commit(ta, &tot, NULL, &err), 0);
    CHECK_EQ_INT(count("recruit"), 2);
  }
  es_chunk_free(&a);
  es_chunk_free(&b);
  es_store_close(st);
}

/* One stream's second chunk and commit, on a thread of its own; rc is the first failure. */
typedef struct finish_job {
  es_txn *tx;
  es_chunk *c;
  int rc;
  es_error err;
} finish_job;

static void *finish_thread(void *p) {
  finish_job *j = p;
  es_stream_totals tot = {2, 2};
  j->rc = j->tx->stage(j->tx, j->c, &j->err);
  if (j->rc)
    j->tx->abort(j->tx, &tot, ES_INGEST_FAILED, j->err.msg);
  else
    j->rc = j->tx->commit(j->tx, &tot, NULL, &j->err);
  return NULL;
}

/* Regression (issue 12): two streams updating shared keys in opposite orders across chunks
   deadlock; PostgreSQL aborts one (40P01), which must answer ABORTED (the client sends it again),
   not UNAVAILABLE. The other stream commits its versions of both keys. */
static void test_deadlock_is_aborted(void) {
  const es_domain *d = es_domain_find("recruit");
  es_stream_info info = {d, "dl.csv", 4, 0};
  es_chunk c[4];
  es_txn *ta = NULL, *tb = NULL;
  es_store *st;
  es_error err;
  finish_job ja, jb;
  pthread_t th[2];
  int i, started = 0;
  reset();
  if (!(st = open_store(NULL))) return;
  for (i = 0; i < 4; i++) es_chunk_init(&c[i], d);
  /* Both keys stored already: each chunk is then an upsert, which locks its rows at once. */
  add_recruit(&c[0], U1, 5, 4);
  add_recruit(&c[0], U2, 6, 4);
  CHECK_EQ_INT(stream(st, "recruit", 4, "first.csv", c, 1, 1, &err), 0);
  es_chunk_reset(&c[0]);
  add_recruit(&c[0], U1, 1, 4); /* a: U1 then U2 */
  add_recruit(&c[1], U2, 2, 4);
  add_recruit(&c[2], U2, 3, 4); /* b: U2 then U1 */
  add_recruit(&c[3], U1, 4, 4);
  if (!STU_BEGIN_TWO(st, &info, &c[0], &ta, &info, &c[2], &tb, &err)) goto done;
  ja = (finish_job){.tx = ta, .c = &c[1]};
  jb = (finish_job){.tx = tb, .c = &c[3]};
  started = !pthread_create(&th[0], NULL, finish_thread, &ja);
  started += started && !pthread_create(&th[1], NULL, finish_thread, &jb);
  if (started > 0) pthread_join(th[0], NULL);
  if (started > 1) pthread_join(th[1], NULL);
  CHECK_EQ_INT(started, 2);
  if (started < 2) goto done;
  ta = tb = NULL; /* ended by their threads */
  CHECK((ja.rc == 0 && jb.rc == ES_EABORTED) || (jb.rc == 0 && ja.rc == ES_EABORTED));
  CHECK_CONTAINS(ja.rc ? ja.err.msg : jb.err.msg, "deadlock");
  CHECK_EQ_INT(count("recruit"), 2);
  check_recruit(U1, ja.rc ? 4 : 1, 4);
  check_recruit(U2, ja.rc ? 3 : 2, 4);
done:
  if (ta) ta->abort(ta, NULL, ES_INGEST_FAILED, "test");
  if (tb) tb->abort(tb, NULL, ES_INGEST_FAILED, "test");
  for (i = 0; i < 4; i++) es_chunk_free(&c[i]);
  es_store_close(st);
}

/* The stream's connection killed mid-stream: UNAVAILABLE, nothing stored; then every pooled
   connection killed (as a database restart does): the next stream still succeeds. */
static void test_connection_killed(void) {
  const es_domain *d = es_domain_find("recruit");
  es_stream_info info = {d, "k.csv", 4, 0};
  es_chunk ch;
  es_txn *tx = NULL;
  es_store *st;
  es_error err;
  reset();
  if (!(st = open_store(NULL))) return;
  es_chunk_init(&ch, d);
  add_recruit(&ch, U1, 1, 4);
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  if (tx) {
    es_stream_totals tot = {2, 2};
    int rc;
    CHECK_EQ_INT(tx->stage(tx, &ch, &err), 0);
    CHECK_STR(scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE application_name = 'embedstream' AND xact_start IS NOT NULL"),
              "1");
    /* The loss shows when data next goes out, or at the latest when the stream commits. */
    rc = tx->stage(tx, &ch, &err);
    if (rc)
      tx->abort(tx, NULL, ES_INGEST_FAILED, err.msg);
    else
      rc = tx->commit(tx, &tot, NULL, &err);
    CHECK_EQ_INT(rc, ES_EUNAVAIL);
  }
  CHECK_EQ_INT(count("recruit"), 0);
  CHECK_EQ_INT(stream(st, "recruit", 4, "k2.csv", &ch, 1, 1, &err), 0);
  scalar(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'embedstream'");
  es_chunk_reset(&ch);
  add_recruit(&ch, U2, 2, 4);
  CHECK_EQ_INT(stream(st, "recruit", 4, "k3.csv", &ch, 1, 1, &err), 0);
  CHECK_EQ_INT(count("recruit"), 2);
  CHECK_STR(scalar("SELECT string_agg(status, ',' ORDER BY id) FROM ingest_log"),
            "failed,success,success");
  es_chunk_free(&ch);
  es_store_close(st);
}

int main(void) {
  const char *url = getenv("ES_PG_URL"), *opts = getenv("ES_PG_STORE_OPTS");
  if (!url || !*url)
    return tap_skip("test_store_pg_live",
                    "ES_PG_URL not set; tests/integration/pgserver.py run sets it");
  expect = getenv("ES_PG_EXPECT") ? getenv("ES_PG_EXPECT") : "array";
  serial = getenv("ES_PG_SERIAL") && !strcmp(getenv("ES_PG_SERIAL"), "1");
  snprintf(store_url, sizeof(store_url), "%s%s%s", url,
           opts && *opts ? (strchr(url, '?') ? "&" : "?") : "", opts && *opts ? opts : "");
  admin = PQconnectdb(url);
  if (PQstatus(admin) != CONNECTION_OK) {
    fprintf(stderr, "cannot connect to ES_PG_URL: %s", PQerrorMessage(admin));
    PQfinish(admin);
    return 1;
  }
  PQclear(PQexec(admin, "SET client_min_messages = warning"));
  es_domain_find("recruit");
  test_stream_upsert_and_abort();
  test_redeclare_and_stats();
  test_string_lists();
  test_big_chunks();
  test_table_made_ahead();
  test_client_column();
  test_pool_cap();
  if (!serial) {
    test_overlapping_streams();
    test_deadlock_is_aborted();
    test_connection_killed();
  }
  reset();
  PQfinish(admin);
  return tap_done("test_store_pg_live");
}
