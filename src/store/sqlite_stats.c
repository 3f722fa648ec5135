/* sqlite_stats.c - the SQLite store's summary: rows and dimension per domain, last ingests. */
#include <stdio.h>

#include "store/sqlite_int.h"

#define LAST_INGESTS 10
#define ES_XSTR(x) #x
#define ES_STR(x) ES_XSTR(x)

static int count_rows(es_sq_store *s, const es_domain *d, long long *n, es_error *err) {
  char sql[160];
  sqlite3_stmt *st = NULL;
  int rc;
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM main.\"%s\"", d->name);
  rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *n = sqlite3_column_int64(st, 0);
    rc = 0;
  } else {
    rc = es_sq_fail(s->db, rc, err, s->path, "counting rows");
  }
  sqlite3_finalize(st);
  return rc;
}

static int put_domains(es_sq_store *s, es_buf *out, es_error *err) {
  size_t i;
  int rc;
  es_buf_puts(out, "\"domains\":{");
  for (i = 0; i < es_domain_count; i++) {
    long long n = 0;
    int32_t dim = 0;
    if ((rc = count_rows(s, es_domains[i], &n, err))) return rc;
    if ((rc = es_sq_table_dim(s->db, es_domains[i], &dim, err, s->path))) return rc;
    es_buf_printf(out, "%s\"%s\":{\"rows\":%lld,\"vector_dimension\":", i ? "," : "",
                  es_domains[i]->name, n);
    if (dim)
      es_buf_printf(out, "%d}", (int)dim);
    else
      es_buf_puts(out, "null}");
  }
  return es_buf_puts(out, "}");
}

/* One JSON object per ingest_log row, keys named after the columns. */
static void put_row(sqlite3_stmt *st, es_buf *out) {
  int i, n = sqlite3_column_count(st);
  es_buf_puts(out, "{");
  for (i = 0; i < n; i++) {
    es_buf_printf(out, "%s\"%s\":", i ? "," : "", sqlite3_column_name(st, i));
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: es_buf_printf(out, "%lld", (long long)sqlite3_column_int64(st, i)); break;
    case SQLITE_NULL: es_buf_puts(out, "null"); break;
    default:
      es_buf_json_strn(out, (const char *)sqlite3_column_text(st, i),
                       (size_t)sqlite3_column_bytes(st, i));
      break;
    }
  }
  es_buf_puts(out, "}");
}

static int put_last_ingests(es_sq_store *s, es_buf *out, es_error *err) {
  static const char sql[] =
      "SELECT domain, file_name, vector_dimension, rows, chunks, status, message, started_at, finished_at, "
      "client FROM main.ingest_log ORDER BY id DESC LIMIT " ES_STR(LAST_INGESTS);
  sqlite3_stmt *st = NULL;
  int rc, n = 0;
  es_buf_puts(out, "\"last_ingests\":[");
  rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n++) es_buf_puts(out, ",");
    put_row(st, out);
    rc = SQLITE_OK;
  }
  rc = rc == SQLITE_DONE ? 0 : es_sq_fail(s->db, rc, err, s->path, "reading ingest_log");
  sqlite3_finalize(st);
  es_buf_puts(out, "]");
  return rc;
}

/* Read in one transaction so the counts and the log describe the same moment. */
int es_sq_stats_json(es_store *base, es_buf *out, es_error *err) {
  es_sq_store *s = (es_sq_store *)base;
  int rc;
  pthread_mutex_lock(&s->mu);
  if ((rc = es_sq_exec(s->db, "BEGIN", "starting a read", err, s->path))) goto done;
  es_buf_puts(out, "{\"store\":");
  es_buf_json_str(out, s->url);
  es_buf_puts(out, ",");
  if ((rc = put_domains(s, out, err))) goto done;
  es_buf_puts(out, ",");
  if ((rc = put_last_ingests(s, out, err))) goto done;
  es_buf_puts(out, "}");
  if (out->oom) rc = es_err_set(err, ES_ENOMEM, "out of memory");
done:
  sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
  pthread_mutex_unlock(&s->mu);
  return rc;
}
