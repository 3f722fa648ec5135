/* test_store_sqlite.c - the SQLite store against real files: fields, upserts, atomicity, stats. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "rowfix.h"
#include "store_testutil.h"
#include "tap.h"
#include "tmpdir.h"

static char tmpdir[256];

static void db_path(char *out, size_t n, const char *name) {
  snprintf(out, n, "%s/%s", tmpdir, name);
}

static float *vec(es_chunk *c, int dim, unsigned seed) {
  float *v = es_arena_calloc(&c->arena, (size_t)dim, sizeof(float));
  int k;
  for (k = 0; k < dim; k++) v[k] = (float)((double)(seed * 31 + (unsigned)k) / 97.0 - 3.0);
  if (dim >= 4) { /* values that must survive bit for bit */
    v[0] = -0.0f;
    v[1] = 1.4e-45f;
    v[2] = 3.4028235e38f;
    v[3] = (float)seed;
  }
  return v;
}

/* Keys in random order, as UUIDv4 ids arrive: the costly case for the primary-key index. */
static void random_uuid(char *out, unsigned n) {
  uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(h >> 32),
           (unsigned)(h >> 16) & 0xffff, (unsigned)h & 0xfff, n & 0xfff, (unsigned long long)n);
}

static void add_recruit(es_chunk *c, unsigned n, int dim, const char *company) {
  char id[37];
  fx_id(id, n);
  fx_recruit(c, n, id, company, (int32_t)n, "upper-intermediate", "C, \"quoted\"\nnewline 한국어",
             vec(c, dim, n), (size_t)dim);
}

static const char *const skill_names[] = {"py\"th\\on", "line\nbreak\t\x01", "한국어", ""};

/* 0..4 skills (n % 5); 0 is the empty list. */
static void add_candidate(es_chunk *c, unsigned n, int dim) {
  char id[37];
  fx_id(id, n);
  fx_candidate(c, n, id, "Backend", 2147483647 - (int32_t)n,
               n % 2 ? "" : "resume\r\nwith 'quotes' and \"more\"", skill_names, n % 5,
               vec(c, dim, n), (size_t)dim);
}

static void add_skill(es_chunk *c, const char *skill, unsigned n, int dim) {
  fx_skill(c, n, skill, "Data", vec(c, dim, n), (size_t)dim);
}

/* Independent of the store's code: the JSON text a list must be stored as. */
static void expect_json(char *out, size_t cap, const es_value *v) {
  static const char *lit[] = {"\"py\\\"th\\\\on\"", "\"line\\nbreak\\t\\u0001\"", "\"한국어\"",
                              "\"\""};
  size_t k;
  snprintf(out, cap, "[");
  for (k = 0; k < v->list.n; k++) {
    size_t i;
    for (i = 0; i < 4 && strcmp(v->list.items[k], skill_names[i]); i++) {}
    snprintf(out + strlen(out), cap - strlen(out), "%s%s", k ? "," : "", i < 4 ? lit[i] : "?");
  }
  snprintf(out + strlen(out), cap - strlen(out), "]");
}

static int blob_is_le_floats(const void *blob, int bytes, const es_value *v) {
  const unsigned char *b = blob;
  size_t k;
  if (!blob || bytes != (int)(v->vec.n * 4)) return 0;
  for (k = 0; k < v->vec.n; k++) {
    uint32_t u;
    memcpy(&u, &v->vec.v[k], 4);
    if (b[4 * k] != (u & 0xff) || b[4 * k + 1] != ((u >> 8) & 0xff) ||
        b[4 * k + 2] != ((u >> 16) & 0xff) || b[4 * k + 3] != (u >> 24))
      return 0;
  }
  return 1;
}

/* Reads the row with the expected row's key back with plain sqlite3 and compares every field. */
static void check_row(sqlite3 *db, const es_domain *d, const es_value *want) {
  char sql[256], json[512];
  sqlite3_stmt *st = NULL;
  size_t f;
  snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s = ?", d->name, d->fields[d->key].name);
  CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_text(st, 1, want[d->key].s, -1, SQLITE_STATIC);
  CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
  CHECK_EQ_INT(sqlite3_column_count(st), (int)d->nfields);
  for (f = 0; f < d->nfields && sqlite3_column_count(st) == (int)d->nfields; f++) {
    CHECK_STR(sqlite3_column_name(st, (int)f), d->fields[f].name);
    switch (d->fields[f].type) {
    case ES_T_TEXT:
      CHECK_EQ_INT(sqlite3_column_type(st, (int)f), SQLITE_TEXT);
      CHECK_STR((const char *)sqlite3_column_text(st, (int)f), want[f].s);
      break;
    case ES_T_INT:
      CHECK_EQ_INT(sqlite3_column_type(st, (int)f), SQLITE_INTEGER);
      CHECK_EQ_INT(sqlite3_column_int64(st, (int)f), want[f].i);
      break;
    case ES_T_STRLIST:
      expect_json(json, sizeof(json), &want[f]);
      CHECK_STR((const char *)sqlite3_column_text(st, (int)f), json);
      break;
    case ES_T_VECTOR:
      CHECK_EQ_INT(sqlite3_column_type(st, (int)f), SQLITE_BLOB);
      CHECK(blob_is_le_floats(sqlite3_column_blob(st, (int)f), sqlite3_column_bytes(st, (int)f),
                              &want[f]));
      break;
    }
  }
  CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
}

static long long query_int(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  else
    fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static char *query_text(const char *path, const char *sql, char *out, size_t n) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  out[0] = '\0';
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_text(st, 0))
    snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

/* begin + one stage per chunk + commit; returns commit's (or the first failing) result. */
static int run_stream(es_store *st, const char *domain, int dim, const char *file, es_chunk *chunks,
                      size_t n, es_error *err) {
  es_stream_info info = {es_domain_find(domain), file, dim, (double)time(NULL)};
  es_stream_totals tot = {0, n};
  es_txn *tx = NULL;
  size_t i;
  int rc = st->begin(st, &info, &tx, err);
  if (rc) return rc;
  for (i = 0; i < n; i++) {
    tot.rows += chunks[i].nrows;
    if ((rc = tx->stage(tx, &chunks[i], err))) {
      tx->abort(tx, &tot, ES_INGEST_FAILED, err->msg);
      return rc;
    }
  }
  return tx->commit(tx, &tot, NULL, err);
}

static es_store *open_store(const char *path) {
  char url[300];
  es_store *st = NULL;
  es_error err;
  snprintf(url, sizeof(url), "sqlite:%s", path);
  if (es_store_open(url, &st, &err)) fprintf(stderr, "open %s: %s\n", url, err.msg);
  CHECK(st != NULL);
  return st;
}

/* The company_name stored for the recruit row add_recruit made with number n. */
static char *company_of(const char *path, unsigned n, char *out, size_t cap) {
  char id[37], sql[128];
  fx_id(id, n);
  snprintf(sql, sizeof(sql), "SELECT company_name FROM recruit WHERE id='%s'", id);
  return query_text(path, sql, out, cap);
}

/* A store file of its own with a chunk of skill rows (16-d): the tests of one stream at a time. */
typedef struct skill_stream {
  char path[300];
  es_store *st;
  es_chunk c;
  es_txn *tx;
  es_error err;
} skill_stream;

/* Opens the store file name and puts the first n of the skills go, rust in s->c; 0 when the
   store did not open (a failed check already). */
static int skill_stream_open(skill_stream *s, const char *name, size_t n) {
  static const char *const skills[] = {"go", "rust"};
  size_t i;
  memset(s, 0, sizeof(*s));
  db_path(s->path, sizeof(s->path), name);
  if (!(s->st = open_store(s->path))) return 0;
  es_chunk_init(&s->c, es_domain_find("skill_embedding_dic"));
  for (i = 0; i < n && i < 2; i++) add_skill(&s->c, skills[i], (unsigned)i + 1, 16);
  return 1;
}

static void skill_stream_close(skill_stream *s) {
  es_chunk_free(&s->c);
  es_store_close(s->st);
}

static void test_round_trip(void) {
  const es_domain *dr = es_domain_find("recruit"), *dc = es_domain_find("candidate"),
                  *ds = es_domain_find("skill_embedding_dic");
  char path[300];
  es_chunk c[2];
  es_store *st;
  sqlite3 *db = NULL;
  es_error err;
  size_t i, r;
  db_path(path, sizeof(path), "roundtrip.db");
  if (!(st = open_store(path))) return;
  es_chunk_init(&c[0], dr);
  es_chunk_init(&c[1], dr);
  for (i = 0; i < 10; i++) add_recruit(&c[i / 5], (unsigned)i + 1, 384, i ? "Acme \"Ltd\"" : "");
  CHECK_EQ_INT(run_stream(st, "recruit", 384, "r.csv", c, 2, &err), 0);
  sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
  for (i = 0; i < 2; i++)
    for (r = 0; r < c[i].nrows; r++) check_row(db, dr, es_chunk_row(&c[i], r));
  for (i = 0; i < 2; i++) es_chunk_free(&c[i]);

  es_chunk_init(&c[0], dc);
  for (i = 0; i < 10; i++) add_candidate(&c[0], (unsigned)i + 100, 768);
  CHECK_EQ_INT(run_stream(st, "candidate", 768, "c.jsonl", c, 1, &err), 0);
  for (r = 0; r < c[0].nrows; r++) check_row(db, dc, es_chunk_row(&c[0], r));
  es_chunk_free(&c[0]);

  es_chunk_init(&c[0], ds);
  add_skill(&c[0], "python", 1, 768);
  add_skill(&c[0], "C++ \"modern\"", 2, 768);
  add_skill(&c[0], "데이터", 3, 768);
  CHECK_EQ_INT(run_stream(st, "skill_embedding_dic", 768, "s.csv", c, 1, &err), 0);
  for (r = 0; r < c[0].nrows; r++) check_row(db, ds, es_chunk_row(&c[0], r));
  es_chunk_free(&c[0]);
  sqlite3_close(db);

  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM recruit"), 10);
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM candidate"), 10);
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM skill_embedding_dic"), 3);
  {
    char t[64];
    CHECK_STR(query_text(path, "PRAGMA journal_mode", t, sizeof(t)), "wal");
    CHECK_STR(
        query_text(path, "SELECT status FROM ingest_log WHERE domain='recruit'", t, sizeof(t)),
        "success");
    CHECK_EQ_INT(
        query_int(path, "SELECT rows * 1000 + chunks FROM ingest_log WHERE domain='recruit'"),
        10002);
    CHECK_EQ_INT(query_int(path, "SELECT vector_dimension FROM ingest_log WHERE domain='recruit'"),
                 384);
    CHECK_STR(
        query_text(path, "SELECT file_name FROM ingest_log WHERE domain='candidate'", t, sizeof(t)),
        "c.jsonl");
    CHECK_EQ_INT(
        query_int(
            path,
            "SELECT count(*) FROM ingest_log WHERE started_at GLOB "
            "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'"
            " AND finished_at >= started_at"),
        3);
  }
  es_store_close(st);
}

static void test_upsert(void) {
  char path[300], t[64];
  es_chunk c[2];
  es_store *st;
  es_error err;
  db_path(path, sizeof(path), "upsert.db");
  if (!(st = open_store(path))) return;
  es_chunk_init(&c[0], es_domain_find("recruit"));
  es_chunk_init(&c[1], es_domain_find("recruit"));
  add_recruit(&c[0], 1, 8, "first");
  add_recruit(&c[0], 2, 8, "other");
  add_recruit(&c[1], 1, 8, "second"); /* same key in a later chunk: this one wins */
  add_recruit(&c[1], 1, 8, "third");  /* ... and then this one */
  CHECK_EQ_INT(run_stream(st, "recruit", 8, "u.csv", c, 2, &err), 0);
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM recruit"), 2);
  CHECK_STR(company_of(path, 1, t, sizeof(t)), "third");
  CHECK_EQ_INT(run_stream(st, "recruit", 8, "u.csv", c, 2, &err), 0); /* the same stream again */
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM recruit"), 2);
  es_chunk_reset(&c[0]);
  add_recruit(&c[0], 2, 8, "updated");
  CHECK_EQ_INT(run_stream(st, "recruit", 8, "u2.csv", c, 1, &err), 0);
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM recruit"), 2);
  CHECK_STR(company_of(path, 2, t, sizeof(t)), "updated");
  es_chunk_free(&c[0]);
  es_chunk_free(&c[1]);
  es_store_close(st);
}

static void test_abort(void) {
  es_stream_info info = {es_domain_find("skill_embedding_dic"), "bad.csv", 16, 1.0};
  es_stream_totals tot = {7, 3};
  skill_stream s;
  char t[128];
  if (!skill_stream_open(&s, "abort.db", 2)) return;
  CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
  if (s.tx) {
    CHECK_EQ_INT(s.tx->stage(s.tx, &s.c, &s.err), 0);
    CHECK_EQ_INT(s.tx->stage(s.tx, &s.c, &s.err), 0);
    s.tx->abort(s.tx, &tot, ES_INGEST_FAILED, "chunk 3, row 0: vector has 15 values");
  }
  CHECK_EQ_INT(query_int(s.path, "SELECT count(*) FROM skill_embedding_dic"), 0);
  CHECK_STR(query_text(s.path, "SELECT status FROM ingest_log", t, sizeof(t)), "failed");
  CHECK_STR(query_text(s.path, "SELECT message FROM ingest_log", t, sizeof(t)),
            "chunk 3, row 0: vector has 15 values");
  CHECK_EQ_INT(query_int(s.path, "SELECT rows * 100 + chunks FROM ingest_log"), 703);
  CHECK_STR(query_text(s.path, "SELECT started_at FROM ingest_log", t, sizeof(t)),
            "1970-01-01T00:00:01.000Z");
  /* a row whose vector disagrees with the stream is refused at stage; nothing lands */
  CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
  if (s.tx) {
    es_chunk_row(&s.c, 1)[2].vec.n = 15;
    CHECK_EQ_INT(s.tx->stage(s.tx, &s.c, &s.err), ES_EINVAL);
    es_chunk_row(&s.c, 1)[2].vec.n = 16;
    s.tx->abort(s.tx, &tot, ES_INGEST_FAILED, s.err.msg);
  }
  CHECK_EQ_INT(query_int(s.path, "SELECT count(*) FROM skill_embedding_dic"), 0);
  CHECK_EQ_INT(query_int(s.path, "SELECT count(*) FROM ingest_log WHERE status='failed'"), 2);
  /* A cancelled stream says so; a committed one whose response was lost is marked partial. */
  CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
  if (s.tx) s.tx->abort(s.tx, &tot, ES_INGEST_CANCELLED, "cancelled by the client");
  CHECK_STR(query_text(s.path, "SELECT status || '|' || message FROM ingest_log ORDER BY id DESC",
                       t, sizeof(t)),
            "cancelled|cancelled by the client");
  {
    int64_t id = 0;
    char sql[128];
    CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
    if (s.tx) CHECK_EQ_INT(s.tx->stage(s.tx, &s.c, &s.err), 0);
    if (s.tx) CHECK_EQ_INT(s.tx->commit(s.tx, &tot, &id, &s.err), 0);
    CHECK(id > 0);
    CHECK_EQ_INT(s.st->set_log_status(s.st, id, ES_INGEST_PARTIAL, "; not delivered", &s.err), 0);
    snprintf(sql, sizeof(sql), "SELECT status || '|' || message FROM ingest_log WHERE id = %lld",
             (long long)id);
    CHECK_STR(query_text(s.path, sql, t, sizeof(t)), "partial|upserted 2 rows; not delivered");
    CHECK_EQ_INT(query_int(s.path, "SELECT count(*) FROM skill_embedding_dic"), 2);
  }
  skill_stream_close(&s);
}

typedef struct worker {
  es_store *st;
  pthread_barrier_t *staged;
  unsigned base;
  int rc_stage, rc_commit;
} worker;

/* Both threads hold a staged stream before either commits: staging must not block on the other. */
static void *work(void *arg) {
  worker *w = arg;
  es_stream_info info = {es_domain_find("recruit"), "t.csv", 32, 0};
  es_stream_totals tot = {0, 0};
  es_txn *tx = NULL;
  es_chunk c;
  es_error err;
  unsigned i, k;
  es_chunk_init(&c, info.domain);
  w->rc_stage = w->st->begin(w->st, &info, &tx, &err);
  for (k = 0; k < 4 && !w->rc_stage; k++) {
    es_chunk_reset(&c);
    for (i = 0; i < 250; i++) add_recruit(&c, w->base + k * 250 + i, 32, "thread");
    w->rc_stage = tx->stage(tx, &c, &err);
    tot.rows += c.nrows;
    tot.chunks++;
  }
  pthread_barrier_wait(w->staged);
  if (tx)
    w->rc_commit = w->rc_stage ? (tx->abort(tx, &tot, ES_INGEST_FAILED, "stage failed"), -1)
                               : tx->commit(tx, &tot, NULL, &err);
  if (w->rc_commit) fprintf(stderr, "thread commit: %s\n", err.msg);
  es_chunk_free(&c);
  return NULL;
}

static void test_threads(void) {
  char path[300];
  pthread_barrier_t staged;
  pthread_t th[2];
  worker w[2];
  es_store *st;
  int i;
  db_path(path, sizeof(path), "threads.db");
  if (!(st = open_store(path))) return;
  pthread_barrier_init(&staged, NULL, 2);
  for (i = 0; i < 2; i++) {
    w[i] = (worker){st, &staged, (unsigned)i * 100000 + 1, -1, -1};
    pthread_create(&th[i], NULL, work, &w[i]);
  }
  for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
  for (i = 0; i < 2; i++) {
    CHECK_EQ_INT(w[i].rc_stage, 0);
    CHECK_EQ_INT(w[i].rc_commit, 0);
  }
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM recruit"), 2000);
  CHECK_EQ_INT(
      query_int(path, "SELECT count(*) FROM ingest_log WHERE status='success' AND rows=1000"), 2);
  pthread_barrier_destroy(&staged);
  es_store_close(st);
}

static void test_dimension(void) {
  const es_domain *d = es_domain_find("candidate");
  es_stream_info i8 = {d, "a.csv", 8, 0}, i4 = {d, "b.csv", 4, 0};
  es_stream_totals tot = {1, 1};
  char path[300];
  es_chunk c8, c4;
  es_store *st;
  es_txn *a = NULL, *b = NULL;
  es_error err;
  db_path(path, sizeof(path), "dim.db");
  if (!(st = open_store(path))) return;
  es_chunk_init(&c8, d);
  es_chunk_init(&c4, d);
  add_candidate(&c8, 1, 8);
  add_candidate(&c4, 2, 4);
  /* both begin on an empty table; the second to commit finds the first's dimension */
  if (STU_BEGIN_TWO(st, &i8, &c8, &a, &i4, &c4, &b, &err)) {
    CHECK_EQ_INT(a->commit(a, &tot, NULL, &err), 0);
    es_err_clear(&err);
    CHECK_EQ_INT(b->commit(b, &tot, NULL, &err), ES_EPRECOND);
    CHECK_CONTAINS(err.msg, "table candidate holds 8-d vectors, stream declares 4");
  }
  CHECK_EQ_INT(query_int(path, "SELECT count(*) FROM candidate"), 1);
  CHECK_EQ_INT(
      query_int(path,
                "SELECT count(*) FROM ingest_log WHERE status='failed' AND file_name='b.csv' "
                "AND message LIKE '%holds 8-d%'"),
      1);
  /* and a later stream is refused at begin */
  es_err_clear(&err);
  CHECK_EQ_INT(st->begin(st, &i4, &b, &err), ES_EPRECOND);
  CHECK(b == NULL);
  CHECK_CONTAINS(err.msg, "table candidate holds 8-d vectors, stream declares 4");
  es_chunk_free(&c8);
  es_chunk_free(&c4);
  es_store_close(st);
}

static void test_stats(void) {
  char path[300], want[700];
  es_chunk c;
  es_store *st;
  es_buf out = ES_BUF_INIT;
  es_error err;
  int i;
  db_path(path, sizeof(path), "stats.db");
  if (!(st = open_store(path))) return;
  CHECK_EQ_INT(st->stats_json(st, &out, &err), 0);
  snprintf(
      want, sizeof(want),
      "{\"store\":\"sqlite:%s\",\"domains\":{\"recruit\":{\"rows\":0,\"vector_dimension\":null},"
      "\"candidate\":{\"rows\":0,\"vector_dimension\":null},\"skill_embedding_dic\":{\"rows\":0,"
      "\"vector_dimension\":null}},\"last_ingests\":[]}",
      path);
  CHECK_STR(out.ptr, want);
  es_chunk_init(&c, es_domain_find("skill_embedding_dic"));
  add_skill(&c, "sql", 1, 12);
  for (i = 0; i < 12; i++) {
    char name[32];
    snprintf(name, sizeof(name), "f\"%d\".csv", i);
    CHECK_EQ_INT(run_stream(st, "skill_embedding_dic", 12, name, &c, 1, &err), 0);
  }
  es_buf_clear(&out);
  STU_CHECK_STATS(
      st, &out, "\"skill_embedding_dic\":{\"rows\":1,\"vector_dimension\":12}",
      "\"recruit\":{\"rows\":0,\"vector_dimension\":null}",
      "\"last_ingests\":[{\"domain\":\"skill_embedding_dic\",\"file_name\":\"f\\\"11\\\".csv\","
      "\"vector_dimension\":12,\"rows\":1,\"chunks\":1,\"status\":\"success\","
      "\"message\":\"upserted 1 row\",\"started_at\":\"",
      "f\\\"2\\\".csv");
  CHECK(strstr(out.ptr, "f\\\"1\\\".csv") == NULL); /* 12 ingests, only the newest 10 */
  CHECK_EQ_INT(out.ptr[out.len - 1], '}');
  es_store_close(st);
  {
    /* Opening an existing store and reading stats take no write lock: they work while a writer
       (here raw SQLite, as a long commit would) holds it, without waiting for busy_timeout. */
    sqlite3 *w = NULL;
    time_t t0 = time(NULL);
    sqlite3_open(path, &w);
    CHECK_EQ_INT(
        sqlite3_exec(w, "BEGIN IMMEDIATE; DELETE FROM skill_embedding_dic", NULL, NULL, NULL),
        SQLITE_OK);
    st = open_store(path);
    es_buf_clear(&out);
    CHECK(st && st->stats_json(st, &out, &err) == 0);
    CHECK_CONTAINS(out.ptr, "\"skill_embedding_dic\":{\"rows\":1,");
    CHECK(time(NULL) - t0 < 5);
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(w);
    es_store_close(st);
  }
  es_buf_free(&out);
  es_chunk_free(&c);
}

static void test_open_errors(void) {
  char path[300], url[320];
  es_store *st = NULL;
  es_error err;
  CHECK_EQ_INT(es_store_open("sqlite:", &st, &err), ES_EUSAGE);
  CHECK_EQ_INT(es_store_open("sqlite::memory:", &st, &err), ES_EUSAGE);
  snprintf(url, sizeof(url), "sqlite:%s/no/such/dir/x.db", tmpdir);
  CHECK_EQ_INT(es_store_open(url, &st, &err), ES_EIO);
  CHECK_CONTAINS(err.msg, "x.db");
  db_path(path, sizeof(path), "bare.db"); /* a bare path ending in .db is a SQLite store */
  CHECK_EQ_INT(es_store_open(path, &st, &err), 0);
  CHECK_STR(st ? st->name : NULL, "sqlite");
  es_store_close(st);
}

/* ES_STORE_BENCH_ROWS=N: staging + commit throughput of 384-d recruit rows (printed, not asserted).
 */
static void bench(void) {
  const char *env = getenv("ES_STORE_BENCH_ROWS");
  long rows = env ? atol(env) : 0, done = 0;
  char path[300];
  es_stream_info info = {es_domain_find("recruit"), "bench.csv", 384, 0};
  es_stream_totals tot = {0, 0};
  es_chunk c;
  es_store *st;
  es_txn *tx = NULL;
  es_error err;
  struct timespec t0, t1, t2;
  if (rows <= 0) return;
  db_path(path, sizeof(path), "bench.db");
  if (!(st = open_store(path))) return;
  es_chunk_init(&c, info.domain);
  for (done = 0; done < 1000; done++) add_recruit(&c, (unsigned)done + 1, 384, "Bench Co");
  done = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  while (tx && done < rows) { /* one prepared chunk, fresh keys each round: times the store only */
    size_t i;
    c.nrows = rows - done < 1000 ? (size_t)(rows - done) : 1000;
    for (i = 0; i < c.nrows; i++)
      random_uuid(es_chunk_row(&c, i)[0].s, (unsigned)(done + (long)i + 1));
    if (tx->stage(tx, &c, &err)) break;
    done += (long)c.nrows;
    tot.rows += c.nrows;
    tot.chunks++;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (tx) CHECK_EQ_INT(tx->commit(tx, &tot, NULL, &err), 0);
  clock_gettime(CLOCK_MONOTONIC, &t2);
  {
    double s1 = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double s2 = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
    printf("bench: %ld rows of 384-d recruit: stage %.2f s, commit %.2f s, %.0f rows/s overall\n",
           done, s1, s2, (double)done / (s1 + s2));
  }
  es_chunk_free(&c);
  es_store_close(st);
}

/* ingest_log.client holds who sent a stream (NULL when nobody is known), also for failures. */
static void test_client_column(void) {
  es_stream_info info = {es_domain_find("skill_embedding_dic"), "c.csv", 16, 1.0,
                         "token:ci cert:CN=loader-1"};
  es_stream_totals tot = {1, 1};
  skill_stream s;
  char t[128];
  if (!skill_stream_open(&s, "client.db", 1)) return;
  CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
  if (s.tx) CHECK_EQ_INT(s.tx->stage(s.tx, &s.c, &s.err), 0);
  if (s.tx) CHECK_EQ_INT(s.tx->commit(s.tx, &tot, NULL, &s.err), 0);
  info.client = "token:other";
  CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
  if (s.tx) s.tx->abort(s.tx, &tot, ES_INGEST_FAILED, "refused");
  info.client = NULL;
  CHECK_EQ_INT(s.st->begin(s.st, &info, &s.tx, &s.err), 0);
  if (s.tx) s.tx->abort(s.tx, &tot, ES_INGEST_CANCELLED, "gone");
  CHECK_STR(
      query_text(
          s.path,
          "SELECT group_concat(coalesce(client, '-'), '|') FROM (SELECT client FROM ingest_log "
          "ORDER BY id)",
          t, sizeof(t)),
      "token:ci cert:CN=loader-1|token:other|-");
  skill_stream_close(&s);
}

/* A file written before ingest_log had `client`: opening it adds the column, keeps the old rows
   (client NULL) and logs new streams with theirs. */
static void test_client_upgrade(void) {
  const es_domain *d = es_domain_find("recruit");
  es_stream_info info = {d, "new.csv", 8, 1.0, "token:ci"};
  es_stream_totals tot = {0, 0};
  char path[300], t[128];
  sqlite3 *db = NULL;
  es_store *st;
  es_txn *tx = NULL;
  es_error err;
  db_path(path, sizeof(path), "old.db");
  /* Every table as this version makes it, then the column taken away: the file an older
     version left (whose complete schema must not let the open skip the upgrade). */
  if ((st = open_store(path))) es_store_close(st);
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db,
                     "ALTER TABLE ingest_log DROP COLUMN client;"
                     "INSERT INTO ingest_log(domain, file_name, rows, chunks, status) "
                     "VALUES('recruit', 'old.csv', 5, 1, 'success');",
                     NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_EQ_INT(
      query_int(path, "SELECT count(*) FROM pragma_table_info('ingest_log') WHERE name = 'client'"),
      0);
  if (!(st = open_store(path))) return;
  CHECK_EQ_INT(
      query_int(path, "SELECT count(*) FROM pragma_table_info('ingest_log') WHERE name = 'client'"),
      1);
  CHECK_EQ_INT(st->begin(st, &info, &tx, &err), 0);
  if (tx) CHECK_EQ_INT(tx->commit(tx, &tot, NULL, &err), 0);
  es_store_close(st);
  CHECK_STR(
      query_text(path,
                 "SELECT group_concat(file_name || '=' || coalesce(client, 'NULL'), '|') FROM "
                 "(SELECT * FROM ingest_log ORDER BY id)",
                 t, sizeof(t)),
      "old.csv=NULL|new.csv=token:ci");
  if ((st = open_store(path))) es_store_close(st); /* opened again: nothing to add, no error */
}

int main(void) {
  td_make(tmpdir, sizeof(tmpdir), "store");
  test_round_trip();
  test_upsert();
  test_abort();
  test_threads();
  test_dimension();
  test_stats();
  test_open_errors();
  test_client_column();
  test_client_upgrade();
  bench();
  td_remove(tmpdir);
  return tap_done("test_store_sqlite");
}
