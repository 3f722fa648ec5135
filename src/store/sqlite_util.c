/* sqlite_util.c - the SQLite store's small helpers: errors, connections, time, ingest_log. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "store/sqlite_int.h"

int es_sq_fail(sqlite3 *db, int rc, es_error *err, const char *path, const char *what) {
  int code;
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED: code = ES_EUNAVAIL; break; /* another writer: retrying may succeed */
  case SQLITE_NOMEM: code = ES_ENOMEM; break;
  case SQLITE_IOERR:
  case SQLITE_FULL:
  case SQLITE_CANTOPEN:
  case SQLITE_READONLY:
  case SQLITE_PERM:
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: code = ES_EIO; break;
  default: code = ES_EINTERNAL; break;
  }
  return es_err_set(err, code, "sqlite %s: %s: %s", path, what,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int es_sq_exec(sqlite3 *db, const char *sql, const char *what, es_error *err, const char *path) {
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) return es_sq_fail(db, rc, err, path, what);
  return 0;
}

/* synchronous=NORMAL is durable across process crashes in WAL mode (only an OS crash can lose
   the last commits); temp_store=FILE lets a million staged rows spill to disk, not to RAM;
   wal_autocheckpoint=0 because the store's checkpoint thread does that work (sqlite_ckpt.c);
   journal_size_limit (a per-connection setting, applied by the writer that restarts the WAL)
   trims the WAL after a checkpoint, or one big stream would leave it huge for good. */
int es_sq_connect(const char *path, int flags, sqlite3 **out, es_error *err) {
  static const char pragmas[] =
      "PRAGMA synchronous=NORMAL; PRAGMA temp_store=FILE; PRAGMA wal_autocheckpoint=0; "
      "PRAGMA journal_size_limit=67108864;";
  char sql[200];
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
  *out = NULL;
  if (rc != SQLITE_OK) {
    rc = es_sq_fail(db, rc, err, path, "open");
    goto done;
  }
  sqlite3_busy_timeout(db, ES_SQ_BUSY_MS);
  snprintf(sql, sizeof(sql),
           "PRAGMA temp.page_size=%d; PRAGMA main.cache_size=-%d; PRAGMA temp.cache_size=-%d;",
           ES_SQ_PAGE_SIZE, ES_SQ_CACHE_KIB, ES_SQ_TEMP_CACHE_KIB);
  if ((rc = es_sq_exec(db, pragmas, "configuring the connection", err, path)) ||
      (rc = es_sq_exec(db, sql, "configuring the connection", err, path)))
    goto done;
  *out = db;
  db = NULL;
done:
  sqlite3_close(db);
  return rc;
}

/* Every committed row of a table has the same dimension (each commit checks it under the write
   lock), so the first row speaks for all and the check costs one page read, not a table scan. */
int es_sq_table_dim(sqlite3 *db, const es_domain *d, int32_t *dim, es_error *err,
                    const char *path) {
  char sql[200];
  sqlite3_stmt *st = NULL;
  int rc;
  *dim = 0;
  snprintf(sql, sizeof(sql), "SELECT length(\"%s\") / 4 FROM main.\"%s\" LIMIT 1",
           d->fields[d->vector].name, d->name);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *dim = (int32_t)sqlite3_column_int(st, 0);
    rc = SQLITE_DONE;
  }
  rc =
      rc == SQLITE_DONE ? 0 : es_sq_fail(db, rc, err, path, "reading the table's vector dimension");
  sqlite3_finalize(st);
  return rc;
}

void es_sq_iso_time(double unix_seconds, char out[32]) { es_clock_iso(unix_seconds, out); }

int es_sq_log(sqlite3 *db, const es_sq_txn *t, const es_stream_totals *tot, const char *status,
              const char *message, es_error *err) {
  sqlite3_stmt *st = NULL;
  const es_store_log *l = &t->log;
  char started[32], finished[32];
  es_store_log_row row;
  int rc;
  es_store_log_fill_row(l, tot, &row);
  es_sq_iso_time(row.started, started);
  es_sq_iso_time(row.finished, finished);
  rc = sqlite3_prepare_v2(db, es_sq_sql_insert_log, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, l->domain->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, l->file_name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, l->dim);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)row.rows);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)row.chunks);
    sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, message ? message : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, started, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, finished, -1, SQLITE_STATIC);
    if (l->client) sqlite3_bind_text(st, 10, l->client, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
  }
  rc = rc == SQLITE_DONE ? 0 : es_sq_fail(db, rc, err, t->st->path, "writing ingest_log");
  sqlite3_finalize(st);
  return rc;
}
