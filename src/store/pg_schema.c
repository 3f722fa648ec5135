/* pg_schema.c - the PostgreSQL store's tables: created on first use, read back as they are.

   A table made by this store declares its dimension: `vector(N)` with pgvector, else `real[]`
   with a CHECK named <table>_vector_dim. Tables made ahead of time by a DBA may use other
   compatible types (uuid or text keys, int2/int4/int8, varchar); es_pg_table_read maps whatever
   is there to the binary encoding COPY needs, and refuses what it cannot store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/pg_int.h"

const char es_pg_sql_ingest_log[] =
    "CREATE TABLE IF NOT EXISTS ingest_log(id bigserial PRIMARY KEY, domain text NOT NULL, file_name text, "
    "vector_dimension integer, \"rows\" bigint NOT NULL, chunks bigint NOT NULL, status text NOT NULL, "
    "message text, started_at timestamptz, finished_at timestamptz, client text)";

static const char *column_type(const es_field *f, int32_t dim, int pgvector, char *buf, size_t n) {
  switch (f->type) {
  case ES_T_INT: return "integer";
  case ES_T_STRLIST: return "text[]";
  case ES_T_VECTOR:
    if (!pgvector) return "real[]";
    snprintf(buf, n, "vector(%d)", (int)dim);
    return buf;
  default: return f->flags & ES_F_UUID ? "uuid" : "text";
  }
}

int es_pg_sql_create_table(es_buf *b, const es_domain *d, int32_t dim, int pgvector) {
  size_t i;
  char tbuf[32];
  es_buf_printf(b, "CREATE TABLE IF NOT EXISTS \"%s\"(", d->name);
  for (i = 0; i < d->nfields; i++)
    es_buf_printf(b, "%s\"%s\" %s NOT NULL%s", i ? ", " : "", d->fields[i].name,
                  column_type(&d->fields[i], dim, pgvector, tbuf, sizeof(tbuf)),
                  i == d->key ? " PRIMARY KEY" : "");
  if (!pgvector)
    es_buf_printf(b, ", CONSTRAINT \"%s_vector_dim\" CHECK (cardinality(\"%s\") = %d)", d->name,
                  d->fields[d->vector].name, (int)dim);
  es_buf_puts(b, ")");
  return b->oom ? ES_ENOMEM : 0;
}

/* The one row of booleans sql selects, into flags[0..n). */
static int query_flags(PGconn *c, const char *sql, const char *param, int *flags, int n,
                       es_error *err, const char *what) {
  const char *params[1] = {param};
  PGresult *r = NULL;
  int rc, i;
  if ((rc = es_pg_query(c, sql, param ? 1 : 0, param ? params : NULL, &r, err, what))) return rc;
  for (i = 0; i < n; i++) flags[i] = !strcmp(PQgetvalue(r, 0, i), "t");
  PQclear(r);
  return 0;
}

/* pgvector if it is installed, or can be: a missing or refused extension means real[]. */
static int check_pgvector(es_pg_store *s, PGconn *c, es_error *err) {
  int rc, found[2], installed, available;
  if (s->ext_checked) return 0;
  if (s->opts.vector_mode == ES_PG_VEC_ARRAY) goto done;
  rc = query_flags(c,
                   "SELECT EXISTS(SELECT 1 FROM pg_extension WHERE extname = 'vector'), "
                   "EXISTS(SELECT 1 FROM pg_available_extensions WHERE name = 'vector')",
                   NULL, found, 2, err, "looking for pgvector");
  if (rc) return rc;
  installed = found[0];
  available = found[1];
  if (!installed && available) {
    es_error e;
    es_err_clear(&e);
    installed = !es_pg_exec(c, "CREATE EXTENSION IF NOT EXISTS vector", &e,
                            "creating the pgvector extension");
    if (!installed) es_warn("%s; vectors go to real[] columns", e.msg);
  }
  s->has_pgvector = installed;
  if (!installed && s->opts.vector_mode == ES_PG_VEC_PGVECTOR)
    return es_err_set(
        err, ES_EPRECOND, "postgres: es_vector=pgvector, but the pgvector extension is %s",
        available ? "not installed and could not be created" : "not available on the server");
done:
  s->ext_checked = 1;
  return 0;
}

static int tables_exist(PGconn *c, const es_domain *d, int *dom, int *log, es_error *err) {
  char name[80];
  int rc, found[2];
  snprintf(name, sizeof(name), "\"%s\"", d->name);
  rc = query_flags(c, "SELECT to_regclass($1) IS NOT NULL, to_regclass('ingest_log') IS NOT NULL",
                   name, found, 2, err, "looking for the tables");
  if (rc) return rc;
  *dom = found[0];
  *log = found[1];
  return 0;
}

/* Two servers may create the same table at once: an advisory lock makes the second wait and
   then find it (CREATE TABLE IF NOT EXISTS alone can fail on the catalog's unique index). Only
   a table created here gets the comment that lets its dimension change while it is empty. */
static int create_tables(es_pg_store *s, PGconn *c, const es_domain *d, int32_t dim,
                         es_error *err) {
  es_buf sql = ES_BUF_INIT;
  int rc, dom = 0, log = 0;
  if ((rc = es_pg_exec(c, "BEGIN; SELECT pg_advisory_xact_lock(8245316021)", err,
                       "locking the schema")))
    goto done;
  if ((rc = tables_exist(c, d, &dom, &log, err))) goto done;
  if (!dom) {
    es_pg_sql_create_table(&sql, d, dim, s->has_pgvector);
    es_buf_printf(&sql, "; COMMENT ON TABLE \"%s\" IS '" ES_PG_TABLE_COMMENT "'; ", d->name);
  }
  if (!log) es_buf_printf(&sql, "%s; ", es_pg_sql_ingest_log);
  es_buf_puts(&sql, "COMMIT");
  if (sql.oom)
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
  else
    rc = es_pg_exec(c, sql.ptr, err, "creating the tables");
  if (!rc && !dom)
    es_info("postgres: table %s created (%s)", d->name, s->has_pgvector ? "pgvector" : "real[]");
  if (rc && err && strstr(err->msg, "SQLSTATE 42501")) {
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n,
             "; the role needs CREATE on the schema, or the tables made "
             "ahead of time (README, PostgreSQL)");
  }
done:
  es_pg_rollback(c);
  es_buf_free(&sql);
  return rc;
}

/* ingest_log.client came later: a table an older version made gets it here (under the schema
   lock, so two servers add it once). A role that may not alter the table (one made ahead of
   time by its owner) logs streams without it, and the operator is told how to add it. */
static int ensure_log_client(es_pg_store *s, PGconn *c, es_error *err) {
  es_error e;
  int rc, has;
  rc = query_flags(
      c,
      "SELECT EXISTS(SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('ingest_log') AND "
      "attname = 'client' AND NOT attisdropped)",
      NULL, &has, 1, err, "looking for ingest_log.client");
  if (rc) return rc;
  if (!has) {
    es_err_clear(&e);
    has = !es_pg_exec(c,
                      "BEGIN; SELECT pg_advisory_xact_lock(8245316021); "
                      "ALTER TABLE ingest_log ADD COLUMN IF NOT EXISTS client text; COMMIT",
                      &e, "adding the column ingest_log.client");
    es_pg_rollback(c);
    if (has)
      es_info("postgres: ingest_log gained the column client");
    else
      es_warn(
          "%s; streams are logged without their client until the table's owner runs ALTER TABLE "
          "ingest_log ADD COLUMN client text",
          e.msg);
  }
  s->log_client = has;
  return 0;
}

int es_pg_schema_ensure(es_pg_store *s, PGconn *c, const es_domain *d, int32_t dim, es_error *err) {
  size_t di = es_pg_domain_index(d);
  int dom = 0, log = 0, rc = 0;
  pthread_mutex_lock(&s->schema_mu);
  if (s->ready[di] && s->log_ready) goto done;
  if ((rc = tables_exist(c, d, &dom, &log, err))) goto done;
  if (!dom || !log) {
    if ((rc = check_pgvector(s, c, err)) || (rc = create_tables(s, c, d, dim, err))) goto done;
  }
  if (!s->log_ready && (rc = ensure_log_client(s, c, err))) goto done;
  s->ready[di] = s->log_ready = 1;
done:
  pthread_mutex_unlock(&s->schema_mu);
  return rc;
}

void es_pg_schema_forget(es_pg_store *s) {
  pthread_mutex_lock(&s->schema_mu);
  memset(s->ready, 0, sizeof(s->ready));
  s->log_ready = 0;
  pthread_mutex_unlock(&s->schema_mu);
}
