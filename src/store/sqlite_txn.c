/* sqlite_txn.c - one stream into SQLite: staged privately, then upserted in one transaction.

   Each stream has its own connection and stages its rows in that connection's TEMP table. Temp
   writes take no lock on the main database, so many streams stage at once; only the commit
   (TEMP -> main tables, plus the ingest_log row) takes the write lock, one stream at a time.
   Crash safety comes from SQLite itself: staged rows live only in a temp file that vanishes
   with the connection or the process, and the commit is a single SQLite transaction, so a
   server killed at any point leaves either all of a stream's rows in the main tables or none. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/testhook.h"
#include "store/sqlite_int.h"

/* Commits of all stores in the process take turns here rather than spinning in SQLite's busy
   handler; other processes are still kept out by SQLite's own lock (busy_timeout). */
static pthread_mutex_t commit_mu = PTHREAD_MUTEX_INITIALIZER;

static void txn_free(es_txn *tx) {
  es_sq_txn *t = (es_sq_txn *)tx;
  sqlite3_finalize(t->insert);
  sqlite3_close(t->db); /* drops the TEMP table and its file */
  es_buf_free(&t->json);
  es_buf_free(&t->swap);
  es_store_log_free(&t->log);
  free(t);
}

static int check_dim(es_sq_txn *t, es_error *err) {
  int32_t have = 0;
  int rc = es_sq_table_dim(t->db, t->log.domain, &have, err, t->st->path);
  if (rc) return rc;
  return have && have != t->log.dim ? es_store_log_dim_mismatch(&t->log, have, err) : 0;
}

static void json_list(es_buf *b, const es_value *v) {
  size_t i;
  es_buf_clear(b);
  es_buf_puts(b, "[");
  for (i = 0; i < v->list.n; i++) {
    if (i) es_buf_puts(b, ",");
    es_buf_json_str(b, v->list.items[i]);
  }
  es_buf_puts(b, "]");
}

/* The blob is little-endian float32; on such hosts the chunk's floats are bound as they are. */
static const void *le_floats(es_sq_txn *t, const float *v, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  size_t i;
  es_buf_clear(&t->swap);
  if (es_buf_grow(&t->swap, n * 4)) return NULL;
  for (i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &v[i], 4);
    u = __builtin_bswap32(u);
    memcpy(t->swap.ptr + i * 4, &u, 4);
  }
  return t->swap.ptr;
#else
  (void)t;
  (void)n;
  return v;
#endif
}

/* Binds one row with SQLITE_STATIC: the chunk (and t->json) stay untouched until the step. */
static int bind_row(es_sq_txn *t, const es_value *row, es_error *err) {
  const es_domain *d = t->log.domain;
  sqlite3_stmt *st = t->insert;
  size_t i;
  int rc = SQLITE_OK;
  for (i = 0; i < d->nfields && rc == SQLITE_OK; i++) {
    const es_value *v = &row[i];
    int col = (int)i + 1;
    switch (d->fields[i].type) {
    case ES_T_TEXT: rc = sqlite3_bind_text(st, col, v->s ? v->s : "", -1, SQLITE_STATIC); break;
    case ES_T_INT: rc = sqlite3_bind_int(st, col, v->i); break;
    case ES_T_STRLIST:
      json_list(&t->json, v);
      if (t->json.oom || t->json.len > INT_MAX)
        return es_err_set(err, ES_ENOMEM, "skills list too large");
      rc = sqlite3_bind_text(st, col, t->json.ptr, (int)t->json.len, SQLITE_STATIC);
      break;
    case ES_T_VECTOR: {
      const void *p;
      if (v->vec.n != (size_t)t->log.dim)
        return es_err_set(err, ES_EINVAL, "%s has %zu values, stream declares %d",
                          d->fields[i].name, v->vec.n, (int)t->log.dim);
      p = le_floats(t, v->vec.v, v->vec.n);
      if (!p) return es_err_set(err, ES_ENOMEM, "out of memory");
      /* n == dim <= ES_DIM_MAX, checked at begin (es_store_txn_new) */
      rc = sqlite3_bind_blob(st, col, p, (int)(v->vec.n * 4), SQLITE_STATIC);
      break;
    }
    }
  }
  return rc == SQLITE_OK ? 0 : es_sq_fail(t->db, rc, err, t->st->path, "binding a staged row");
}

static int sq_stage(es_txn *tx, const es_chunk *c, es_error *err) {
  es_sq_txn *t = (es_sq_txn *)tx;
  size_t r;
  int rc;
  if ((rc = es_store_log_check(&t->log, c, err))) return rc;
  for (r = 0; r < c->nrows && !rc; r++) {
    int s;
    if ((rc = bind_row(t, es_chunk_row(c, r), err))) break;
    s = sqlite3_step(t->insert);
    if (s != SQLITE_DONE) rc = es_sq_fail(t->db, s, err, t->st->path, "staging a row");
    sqlite3_reset(t->insert);
  }
  sqlite3_clear_bindings(t->insert); /* no pointer into c survives this call */
  if (rc) return rc;
  es_store_log_staged(&t->log, c);
  return 0;
}

/* Under commit_mu: the whole stream becomes visible at COMMIT, or nothing does. */
static int publish(es_sq_txn *t, const char *upsert, const es_stream_totals *tot, int64_t *log_id,
                   es_error *err) {
  char msg[64];
  int rc;
  sqlite3_busy_timeout(t->db, ES_SQ_COMMIT_BUSY_MS);
  rc = es_sq_exec(t->db, "BEGIN IMMEDIATE", "taking the write lock", err, t->st->path);
  sqlite3_busy_timeout(t->db, ES_SQ_BUSY_MS);
  if (rc == ES_EUNAVAIL) /* another process kept its write lock all that time */
    return es_err_set(err, ES_EABORTED,
                      "sqlite %s: another writer held the database for %d s; the stream "
                      "was not stored",
                      t->st->path, ES_SQ_COMMIT_BUSY_MS / 1000);
  if (rc) return rc;
  /* Another stream may have filled the table with another dimension since begin. */
  if ((rc = check_dim(t, err))) goto done;
  if ((rc = es_sq_exec(t->db, upsert, "upserting the staged rows", err, t->st->path))) goto done;
  snprintf(msg, sizeof(msg), "upserted %llu row%s", (unsigned long long)t->log.rows,
           es_plural(t->log.rows));
  if ((rc = es_sq_log(t->db, t, tot, es_store_status_name(ES_INGEST_SUCCESS), msg, err))) goto done;
  if (log_id) *log_id = (int64_t)sqlite3_last_insert_rowid(t->db);
  es_testhook_pause("commit", 0); /* everything written, nothing committed */
  rc = es_sq_exec(t->db, "COMMIT", "committing", err, t->st->path);
done:
  if (rc) sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

static void log_failure(es_sq_txn *t, const es_stream_totals *tot, es_ingest_status status,
                        const char *reason) {
  es_error lerr;
  int rc;
  es_err_clear(&lerr);
  pthread_mutex_lock(&commit_mu);
  rc = es_sq_log(t->db, t, tot, es_store_status_name(status), reason, &lerr);
  pthread_mutex_unlock(&commit_mu);
  if (rc)
    es_warn("could not record the failed %s stream in ingest_log: %s", t->log.domain->name,
            lerr.msg);
}

int es_sq_set_log_status(es_store *st, int64_t log_id, es_ingest_status status, const char *note,
                         es_error *err) {
  es_sq_store *s = (es_sq_store *)st;
  sqlite3_stmt *q = NULL;
  int rc;
  pthread_mutex_lock(&s->mu);
  pthread_mutex_lock(&commit_mu); /* a write: takes its turn like the commits */
  rc = sqlite3_prepare_v2(s->db, es_sq_sql_set_log_status, -1, &q, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(q, 1, es_store_status_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)log_id);
    rc = sqlite3_step(q);
  }
  rc = rc == SQLITE_DONE ? 0 : es_sq_fail(s->db, rc, err, s->path, "updating ingest_log");
  sqlite3_finalize(q);
  pthread_mutex_unlock(&commit_mu);
  pthread_mutex_unlock(&s->mu);
  return rc;
}

static int sq_commit(es_txn *tx, const es_stream_totals *tot, int64_t *log_id, es_error *err) {
  es_sq_txn *t = (es_sq_txn *)tx;
  es_buf upsert = ES_BUF_INIT;
  int rc;
  if (log_id) *log_id = 0;
  /* Ends the staging transaction: touches only the temp file, so it runs outside the turn. */
  if ((rc = es_sq_exec(t->db, "COMMIT", "ending the staging", err, t->st->path))) goto done;
  t->in_txn = 0;
  if (es_sq_sql_upsert(&upsert, t->log.domain)) {
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
    goto done;
  }
  pthread_mutex_lock(&commit_mu);
  rc = publish(t, upsert.ptr, tot, log_id, err);
  pthread_mutex_unlock(&commit_mu);
  if (!rc) es_sq_ckpt_request(t->st);
done:
  if (rc) {
    if (t->in_txn) sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
    log_failure(t, tot, ES_INGEST_FAILED, err ? err->msg : "commit failed");
  }
  es_buf_free(&upsert);
  txn_free(tx);
  return rc;
}

static void sq_abort(es_txn *tx, const es_stream_totals *tot, es_ingest_status status,
                     const char *reason) {
  es_sq_txn *t = (es_sq_txn *)tx;
  if (t->in_txn) sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
  log_failure(t, tot, status, reason ? reason : "aborted");
  txn_free(tx);
}

/* The stream's connection, its TEMP staging table and prepared INSERT, inside one transaction. */
static int open_staging(es_txn *tx, es_error *err) {
  es_sq_txn *t = (es_sq_txn *)tx;
  es_buf sql = ES_BUF_INIT;
  int rc;
  t->st = (es_sq_store *)tx->store;
  if ((rc = es_sq_connect(t->st->path, SQLITE_OPEN_READWRITE, &t->db, err))) goto done;
  if ((rc = check_dim(t, err))) goto done;
  if (es_sq_sql_create_stage(&sql, t->log.domain)) goto oom;
  if ((rc = es_sq_exec(t->db, sql.ptr, "creating the staging table", err, t->st->path))) goto done;
  es_buf_clear(&sql);
  if (es_sq_sql_insert_stage(&sql, t->log.domain)) goto oom;
  rc = sqlite3_prepare_v3(t->db, sql.ptr, -1, SQLITE_PREPARE_PERSISTENT, &t->insert, NULL);
  if (rc != SQLITE_OK) {
    rc = es_sq_fail(t->db, rc, err, t->st->path, "preparing the staging insert");
    goto done;
  }
  if ((rc = es_sq_exec(t->db, "BEGIN", "starting the staging", err, t->st->path))) goto done;
  t->in_txn = 1;
  goto done;
oom:
  rc = es_err_set(err, ES_ENOMEM, "out of memory");
done:
  es_buf_free(&sql);
  return rc;
}

static const es_txn sq_methods = {NULL, sq_stage, sq_commit, sq_abort};
static const es_store_txn_kind sq_kind = {&sq_methods, sizeof(es_sq_txn), offsetof(es_sq_txn, log),
                                          open_staging, txn_free};

int es_sq_begin(es_store *st, const es_stream_info *info, es_txn **out, es_error *err) {
  return es_store_txn_begin(st, info, &sq_kind, out, err);
}
