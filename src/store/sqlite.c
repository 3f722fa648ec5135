/* sqlite.c - the SQLite store: opening a database file, creating its schema, closing it. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/sqlite_int.h"

/* 1 when ingest_log has the column `client` (added in 0.3; older files lack it). */
static int log_has_client(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(
          db, "SELECT 1 FROM pragma_table_info('ingest_log', 'main') WHERE name = 'client'", -1,
          &st, NULL) == SQLITE_OK)
    found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

/* 1 when every table exists already, as this version makes it: then opening takes no write
   lock, so `stats` on a store whose server is in a long commit does not wait for it. */
static int schema_complete(es_sq_store *s) {
  sqlite3_stmt *st = NULL;
  size_t i;
  int n = -1;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                         -1, &st, NULL) != SQLITE_OK)
    return 0;
  for (i = 0; i <= es_domain_count; i++) {
    sqlite3_bind_text(st, 1, i < es_domain_count ? es_domains[i]->name : "ingest_log", -1,
                      SQLITE_STATIC);
    n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    if (n != 1) break;
  }
  sqlite3_finalize(st);
  return n == 1 && log_has_client(s->db);
}

static int create_schema(es_sq_store *s, es_error *err) {
  es_buf sql = ES_BUF_INIT;
  size_t i;
  int rc;
  if (schema_complete(s)) return 0;
  es_buf_puts(&sql, "BEGIN IMMEDIATE;");
  for (i = 0; i < es_domain_count; i++) {
    es_sq_sql_create_table(&sql, es_domains[i]);
    es_buf_puts(&sql, ";");
  }
  es_buf_puts(&sql, es_sq_sql_ingest_log);
  es_buf_puts(&sql, ";");
  if (sql.oom) {
    rc = es_err_set(err, ES_ENOMEM, "sqlite %s: out of memory", s->path);
    goto done;
  }
  rc = es_sq_exec(s->db, sql.ptr, "creating the schema", err, s->path);
  /* Inside the same write lock: two servers opening an old file add the column once. */
  if (!rc && !log_has_client(s->db)) {
    rc = es_sq_exec(s->db, es_sq_sql_log_add_client, "adding ingest_log.client", err, s->path);
    if (!rc) es_info("sqlite %s: ingest_log gained the column client", s->path);
  }
  if (!rc) rc = es_sq_exec(s->db, "COMMIT", "creating the schema", err, s->path);
  if (rc) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
done:
  es_buf_free(&sql);
  return rc;
}

/* WAL lets readers (stats, other streams' dimension checks) run while one stream commits.
   The page size only takes on a new, empty file, so it goes first. */
static int set_wal(es_sq_store *s, es_error *err) {
  char sql[64];
  sqlite3_stmt *st = NULL;
  int rc;
  snprintf(sql, sizeof(sql), "PRAGMA page_size=%d", ES_SQ_PAGE_SIZE);
  if ((rc = es_sq_exec(s->db, sql, "setting the page size", err, s->path))) return rc;
  rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    rc = es_sq_fail(s->db, rc, err, s->path, "switching to WAL mode");
    goto done;
  }
  if (strcmp((const char *)sqlite3_column_text(st, 0), "wal")) {
    rc = es_err_set(err, ES_EIO,
                    "sqlite %s: the file system does not support WAL mode (journal mode is %s)",
                    s->path, (const char *)sqlite3_column_text(st, 0));
    goto done;
  }
  rc = 0;
done:
  sqlite3_finalize(st);
  return rc;
}

static void sq_close(es_store *st) {
  es_sq_store *s = (es_sq_store *)st;
  if (!s) return;
  es_sq_ckpt_stop(s);
  sqlite3_close(s->db);
  pthread_mutex_destroy(&s->mu);
  free(s->url);
  free(s->path);
  free(s);
}

static const es_store sq_methods = {"sqlite", es_sq_begin, es_sq_stats_json,
                                    sq_close, NULL,        es_sq_set_log_status};

int es_sqlite_open(const char *url, const char *rest, es_store **out, es_error *err) {
  es_sq_store *s = NULL;
  size_t n = strlen(rest);
  void *p;
  int rc;
  *out = NULL;
  if (!n)
    return es_err_set(err, ES_EUSAGE, "store '%s': sqlite: needs a file path (sqlite:PATH)", url);
  /* Every stream has its own connection, and separate connections never share a memory database. */
  if (!strcmp(rest, ":memory:") || !strncmp(rest, "file:", 5))
    return es_err_set(err, ES_EUSAGE,
                      "store '%s': give a file path; in-memory and URI databases are not supported",
                      url);
  if (n > SIZE_MAX - 8) return es_err_set(err, ES_ENOMEM, "store URL too long");
  if ((rc = es_store_new(sizeof(*s), offsetof(es_sq_store, mu), &sq_methods, &p, err))) return rc;
  s = p;
  s->path = strdup(rest);
  s->url = malloc(n + 8);
  if (!s->path || !s->url) {
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
    goto done;
  }
  memcpy(s->url, "sqlite:", 7);
  memcpy(s->url + 7, rest, n + 1);
  if ((rc = es_sq_connect(s->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s->db, err)))
    goto done;
  if ((rc = set_wal(s, err)) || (rc = create_schema(s, err)) || (rc = es_sq_ckpt_start(s, err)))
    goto done;
  *out = &s->base;
  s = NULL;
done:
  sq_close(s ? &s->base : NULL);
  return rc;
}
