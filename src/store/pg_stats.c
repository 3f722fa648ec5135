/* pg_stats.c - the PostgreSQL store's summary, in the SQLite store's JSON shape:
   {"store":URL,"domains":{D:{"rows":N,"vector_dimension":N|null}},"last_ingests":[{...}]}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

#define LAST_INGESTS "10"

static int table_exists(PGconn *c, const char *quoted, int *exists, es_error *err) {
  const char *params[1] = {quoted};
  PGresult *r = NULL;
  int rc = es_pg_query(c, "SELECT to_regclass($1) IS NOT NULL", 1, params, &r, err,
                       "looking for a table");
  if (!rc) *exists = !strcmp(PQgetvalue(r, 0, 0), "t");
  PQclear(r);
  return rc;
}

static int put_domain(PGconn *c, const es_domain *d, int first, es_buf *out, es_error *err) {
  es_pg_table t;
  char sql[160];
  PGresult *r = NULL;
  int exists = 0, rc;
  es_pg_table_init(&t, d);
  es_buf_printf(out, "%s\"%s\":{\"rows\":", first ? "" : ",", d->name);
  if ((rc = table_exists(c, t.name, &exists, err))) return rc;
  if (!exists) return es_buf_puts(out, "0,\"vector_dimension\":null}");
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t.name);
  if ((rc = es_pg_query(c, sql, 0, NULL, &r, err, "counting rows"))) return rc;
  es_buf_printf(out, "%s,\"vector_dimension\":", PQgetvalue(r, 0, 0));
  t.has_rows = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
  PQclear(r);
  if ((rc = es_pg_table_read(c, &t, err))) return rc;
  if (t.dim)
    es_buf_printf(out, "%d}", (int)t.dim);
  else
    es_buf_puts(out, "null}");
  return 0;
}

/* Same keys and value types as the SQLite store's ingest_log rows (times as ISO-8601 UTC). */
static int put_last_ingests(PGconn *c, es_buf *out, es_error *err) {
  static const char sql[] =
      "SELECT domain, file_name, vector_dimension, \"rows\", chunks, status, message, "
      "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS started_at, "
      "to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS finished_at, "
      /* read by name from the whole row: a table without the column (an older one the server
         could not alter) reads as null rather than failing */
      "to_jsonb(l) ->> 'client' AS client "
      "FROM ingest_log l ORDER BY id DESC LIMIT " LAST_INGESTS;
  static const int numeric[] = {0, 0, 1, 1, 1, 0, 0, 0, 0, 0};
  PGresult *r = NULL;
  int exists = 0, rc, i, j;
  es_buf_puts(out, "\"last_ingests\":[");
  if ((rc = table_exists(c, "ingest_log", &exists, err)) || !exists) goto done;
  if ((rc = es_pg_query(c, sql, 0, NULL, &r, err, "reading ingest_log"))) goto done;
  for (i = 0; i < PQntuples(r); i++) {
    es_buf_puts(out, i ? ",{" : "{");
    for (j = 0; j < PQnfields(r) && j < 10; j++) {
      es_buf_printf(out, "%s\"%s\":", j ? "," : "", PQfname(r, j));
      if (PQgetisnull(r, i, j))
        es_buf_puts(out, "null");
      else if (numeric[j])
        es_buf_puts(out, PQgetvalue(r, i, j));
      else
        es_buf_json_strn(out, PQgetvalue(r, i, j), (size_t)PQgetlength(r, i, j));
    }
    es_buf_puts(out, "}");
  }
  PQclear(r);
done:
  es_buf_puts(out, "]");
  return rc;
}

/* One snapshot, so the counts and the log describe the same moment. */
static int read_stats(es_pg_store *s, PGconn *c, es_buf *out, es_error *err) {
  size_t i;
  int rc;
  if ((rc = es_pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err,
                       "starting a read")))
    return rc;
  es_buf_puts(out, "{\"store\":");
  es_buf_json_str(out, s->display);
  es_buf_puts(out, ",\"domains\":{");
  for (i = 0; i < es_domain_count && !rc; i++) rc = put_domain(c, es_domains[i], i == 0, out, err);
  if (rc) goto done;
  es_buf_puts(out, "},");
  if ((rc = put_last_ingests(c, out, err))) goto done;
  es_buf_puts(out, "}");
  if (out->oom) rc = es_err_set(err, ES_ENOMEM, "out of memory");
done:
  es_pg_rollback(c);
  return rc;
}

int es_pg_stats_json(es_store *base, es_buf *out, es_error *err) {
  es_pg_store *s = (es_pg_store *)base;
  size_t start = out->len;
  int attempt, rc = 0;
  for (attempt = 0; attempt < 2; attempt++) {
    PGconn *c = NULL;
    if ((rc = es_pg_pool_get(&s->pool, &c, err))) return rc;
    out->len = start;
    rc = read_stats(s, c, out, err);
    if (!rc || PQstatus(c) == CONNECTION_OK) {
      es_pg_pool_put(&s->pool, c);
      break;
    }
    es_pg_pool_discard(&s->pool, c); /* died with a database restart: so did the other idle ones */
    es_pg_pool_drop_idle(&s->pool);
  }
  if (out->ptr) out->ptr[out->len] = '\0';
  return rc;
}
