/* pg_txn.c - one stream into PostgreSQL: one connection, one transaction, committed at the end.

   begin  takes a pooled connection, creates the tables if missing, opens the transaction, locks
          the table (so its definition cannot change under the stream) and checks the dimension;
   stage  writes each chunk as it arrives (pg_write.c), so rows live in the database, not here;
   commit adds the ingest_log row and commits: all of the stream, or (on any failure) none of it;
   abort  rolls back and records the failure in ingest_log in a transaction of its own.
   A connection found dead when a stream begins is replaced once, with every idle connection
   (a database restart killed them all), so streams recover without a server restart. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/testhook.h"
#include "store/pg_int.h"

typedef struct es_pg_txn {
  es_txn base;
  es_pg_store *st;
  PGconn *conn;
  es_pg_table table;
  es_pg_writer w;
  es_store_log log;
  int failed; /* a stage failed: the transaction can only be rolled back */
} es_pg_txn;

static void txn_free(es_txn *tx) {
  es_pg_txn *t = (es_pg_txn *)tx;
  es_pg_writer_free(&t->w);
  if (t->conn) {
    es_pg_rollback(t->conn);
    es_pg_pool_put(&t->st->pool, t->conn);
  }
  es_store_log_free(&t->log);
  free(t);
}

/* BEGIN, lock and read the table. *redeclare is set when an empty table made by this store is
   declared for another dimension (the caller may change it and try again); tables made ahead
   of time keep theirs: an index or a view may depend on it. */
static int open_txn(es_pg_txn *t, int *redeclare, es_error *err) {
  int rc;
  *redeclare = 0;
  if ((rc = es_pg_exec(t->conn, "BEGIN", err, "starting the transaction"))) return rc;
  if ((rc = es_pg_table_lock(t->conn, &t->table, err)) ||
      (rc = es_pg_table_read(t->conn, &t->table, err)))
    return rc;
  if (!t->table.dim || t->table.dim == t->log.dim) return 0;
  if (!t->table.has_rows && t->table.declared && t->table.ours) {
    *redeclare = 1;
    return ES_EPRECOND;
  }
  return es_store_log_dim_mismatch(&t->log, t->table.dim, err);
}

static int open_stream(es_pg_txn *t, es_error *err) {
  int rc, redeclare = 0;
  if ((rc = es_pg_schema_ensure(t->st, t->conn, t->table.d, t->log.dim, err))) return rc;
  rc = open_txn(t, &redeclare, err);
  if (rc && redeclare) {
    es_pg_rollback(t->conn);
    if ((rc = es_pg_table_redeclare(t->conn, &t->table, t->log.dim, err))) return rc;
    es_info("postgres: empty table %s redeclared for %d-d vectors (was %d)", t->table.d->name,
            (int)t->log.dim, (int)t->table.dim);
    rc = open_txn(t, &redeclare, err);
    if (rc && redeclare) /* someone redeclared it back meanwhile */
      rc = es_store_log_dim_mismatch(&t->log, t->table.dim, err);
  }
  if (!rc) rc = es_pg_writer_init(&t->w, t->conn, &t->table, t->st->opts.copy, err);
  return rc;
}

/* Up to two tries: the first on a pooled connection that may have died with a restart. */
static int connect_and_open(es_pg_txn *t, es_error *err) {
  int attempt, rc = 0;
  for (attempt = 0; attempt < 2; attempt++) {
    if ((rc = es_pg_pool_get(&t->st->pool, &t->conn, err))) return rc;
    if (!(rc = open_stream(t, err))) return 0;
    if (err && strstr(err->msg, "SQLSTATE 42P01") && attempt == 0) {
      es_pg_schema_forget(t->st); /* a table was dropped under us: create it again */
      es_pg_rollback(t->conn);
      es_pg_pool_put(&t->st->pool, t->conn);
      t->conn = NULL;
      es_pg_writer_free(&t->w);
      continue;
    }
    if (es_pg_alive(t->conn)) return rc;
    es_pg_pool_discard(&t->st->pool, t->conn);
    t->conn = NULL;
    es_pg_pool_drop_idle(&t->st->pool);
    es_pg_writer_free(&t->w);
  }
  return rc;
}

static int pg_stage(es_txn *tx, const es_chunk *c, es_error *err) {
  es_pg_txn *t = (es_pg_txn *)tx;
  int rc;
  if (t->failed) return es_err_set(err, ES_EINTERNAL, "postgres: stream already failed");
  if ((rc = es_store_log_check(&t->log, c, err))) return rc;
  if ((rc = es_pg_writer_put(&t->w, c, err))) {
    t->failed = 1;
    return rc;
  }
  es_store_log_staged(&t->log, c);
  return 0;
}

/* ingest_log row, in whatever transaction the connection is in (or autocommit); *log_id (may
   be NULL) receives its id. */
static int write_log(PGconn *c, const es_pg_txn *t, const es_stream_totals *tot,
                     es_ingest_status status, const char *message, int64_t *log_id, es_error *err) {
  const es_store_log *l = &t->log;
  char dim[16], rows[24], chunks[24], started[40], finished[40];
  const char *params[10] = {
      l->domain->name, l->file_name, dim,      rows,     chunks, es_store_status_name(status),
      message,         started,      finished, l->client};
  int with_client = t->st->log_client;
  es_store_log_row row;
  PGresult *r;
  int rc = 0;
  es_store_log_fill_row(l, tot, &row);
  snprintf(dim, sizeof(dim), "%d", (int)l->dim);
  snprintf(rows, sizeof(rows), "%llu", (unsigned long long)row.rows);
  snprintf(chunks, sizeof(chunks), "%llu", (unsigned long long)row.chunks);
  snprintf(started, sizeof(started), "%.6f", row.started);
  snprintf(finished, sizeof(finished), "%.6f", row.finished);
  r = PQexecParams(
      c,
      with_client ? "INSERT INTO ingest_log(domain, file_name, vector_dimension, \"rows\", chunks, "
                    "status, message, started_at, finished_at, client) VALUES ($1, $2, $3, $4, $5, "
                    "$6, $7, to_timestamp($8::float8), to_timestamp($9::float8), $10) RETURNING id"
                  : "INSERT INTO ingest_log(domain, file_name, vector_dimension, \"rows\", chunks, "
                    "status, message, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                    "to_timestamp($8::float8), to_timestamp($9::float8)) RETURNING id",
      with_client ? 10 : 9, NULL, params, NULL, NULL, 0);
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
    rc = es_pg_fail(c, r, err, "writing ingest_log");
  else if (log_id)
    *log_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  return rc;
}

/* After the stream's transaction is gone; on its own connection if that still works. */
static void log_failure(es_pg_txn *t, const es_stream_totals *tot, es_ingest_status status,
                        const char *reason) {
  es_error e;
  PGconn *c = t->conn;
  es_err_clear(&e);
  es_pg_writer_free(&t->w); /* ends a COPY still open, so the connection can roll back */
  es_pg_rollback(c);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    es_pg_pool_discard(&t->st->pool, c);
    t->conn = c = NULL;
    if (es_pg_pool_get(&t->st->pool, &c, &e)) goto fail;
    t->conn = c;
  }
  if (write_log(c, t, tot, status, reason, NULL, &e)) goto fail;
  return;
fail:
  es_warn("could not record the failed %s stream in ingest_log: %s", t->table.d->name, e.msg);
}

static int commit_txn(es_pg_txn *t, const es_stream_totals *tot, int64_t *log_id, es_error *err) {
  char msg[96];
  PGresult *r;
  int rc;
  snprintf(msg, sizeof(msg), "%llu row%s: %llu copied in, %llu upserted",
           (unsigned long long)t->log.rows, es_plural(t->log.rows), (unsigned long long)t->w.direct,
           (unsigned long long)t->w.merged);
  if ((rc = es_pg_writer_finish(&t->w, err))) return rc;
  if ((rc = write_log(t->conn, t, tot, ES_INGEST_SUCCESS, msg, log_id, err))) return rc;
  es_testhook_pause("commit", 0); /* everything written, nothing committed */
  r = PQexec(t->conn, "COMMIT");
  if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
    rc = es_pg_fail(t->conn, r, err, "committing");
  else if (strcmp(PQcmdStatus(r), "COMMIT")) /* the server rolled back instead */
    rc = es_err_set(err, ES_EINTERNAL, "postgres: the transaction was rolled back at commit");
  PQclear(r);
  return rc;
}

static int pg_commit(es_txn *tx, const es_stream_totals *tot, int64_t *log_id, es_error *err) {
  es_pg_txn *t = (es_pg_txn *)tx;
  int64_t id = 0;
  int rc;
  if (t->failed)
    rc = es_err_set(err, ES_EINTERNAL, "postgres: commit of a stream that failed");
  else
    rc = commit_txn(t, tot, &id, err);
  if (rc) log_failure(t, tot, ES_INGEST_FAILED, err ? err->msg : "commit failed");
  if (log_id) *log_id = rc ? 0 : id;
  txn_free(tx);
  return rc;
}

static void pg_abort(es_txn *tx, const es_stream_totals *tot, es_ingest_status status,
                     const char *reason) {
  es_pg_txn *t = (es_pg_txn *)tx;
  log_failure(t, tot, status, reason ? reason : "aborted");
  txn_free(tx);
}

int es_pg_set_log_status(es_store *st, int64_t log_id, es_ingest_status status, const char *note,
                         es_error *err) {
  es_pg_store *s = (es_pg_store *)st;
  char id[24];
  const char *params[3] = {es_store_status_name(status), note ? note : "", id};
  PGconn *c = NULL;
  PGresult *r;
  int rc;
  snprintf(id, sizeof(id), "%lld", (long long)log_id);
  if ((rc = es_pg_pool_get(&s->pool, &c, err))) return rc;
  r = PQexecParams(
      c, "UPDATE ingest_log SET status = $1, message = coalesce(message, '') || $2 WHERE id = $3",
      3, NULL, params, NULL, NULL, 0);
  if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
    rc = es_pg_fail(c, r, err, "updating ingest_log");
  PQclear(r);
  if (PQstatus(c) == CONNECTION_OK)
    es_pg_pool_put(&s->pool, c);
  else
    es_pg_pool_discard(&s->pool, c);
  return rc;
}

static int pg_open(es_txn *tx, es_error *err) {
  es_pg_txn *t = (es_pg_txn *)tx;
  t->st = (es_pg_store *)tx->store;
  es_pg_table_init(&t->table, t->log.domain);
  return connect_and_open(t, err);
}

static const es_txn pg_methods = {NULL, pg_stage, pg_commit, pg_abort};
static const es_store_txn_kind pg_kind = {&pg_methods, sizeof(es_pg_txn), offsetof(es_pg_txn, log),
                                          pg_open, txn_free};

int es_pg_begin(es_store *st, const es_stream_info *info, es_txn **out, es_error *err) {
  return es_store_txn_begin(st, info, &pg_kind, out, err);
}
