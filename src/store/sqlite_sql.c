/* sqlite_sql.c - builds the SQLite store's SQL from the domain field tables (domain.h). */
#include "store/sqlite_int.h"

const char es_sq_sql_ingest_log[] =
    "CREATE TABLE IF NOT EXISTS main.ingest_log("
    "id INTEGER PRIMARY KEY, domain TEXT NOT NULL, file_name TEXT, vector_dimension INTEGER, "
    "rows INTEGER NOT NULL, chunks INTEGER NOT NULL, status TEXT NOT NULL, message TEXT, "
    "started_at TEXT, finished_at TEXT, client TEXT)";

/* Files made before the column existed get it when a store opens them (sqlite.c). */
const char es_sq_sql_log_add_client[] = "ALTER TABLE main.ingest_log ADD COLUMN client TEXT";

const char es_sq_sql_insert_log[] =
    "INSERT INTO main.ingest_log(domain, file_name, vector_dimension, rows, chunks, status, message, "
    "started_at, finished_at, client) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

const char es_sq_sql_set_log_status[] =
    "UPDATE main.ingest_log SET status = ?1, message = coalesce(message, '') || ?2 WHERE id = ?3";

static const char *column_type(es_type t) {
  switch (t) {
  case ES_T_INT: return "INTEGER";
  case ES_T_VECTOR: return "BLOB";
  default: return "TEXT"; /* text, and string lists as JSON arrays */
  }
}

/* "a", "b", "c" - optionally each prefixed ("excluded.") */
static void column_list(es_buf *b, const es_domain *d, const char *prefix) {
  size_t i;
  for (i = 0; i < d->nfields; i++)
    es_buf_printf(b, "%s%s\"%s\"", i ? ", " : "", prefix, d->fields[i].name);
}

static int done(es_buf *b) { return b->oom ? ES_ENOMEM : 0; }

int es_sq_sql_create_table(es_buf *b, const es_domain *d) {
  size_t i;
  es_buf_printf(b, "CREATE TABLE IF NOT EXISTS main.\"%s\"(", d->name);
  for (i = 0; i < d->nfields; i++)
    es_buf_printf(b, "%s\"%s\" %s NOT NULL%s", i ? ", " : "", d->fields[i].name,
                  column_type(d->fields[i].type), i == d->key ? " PRIMARY KEY" : "");
  es_buf_puts(b, ")");
  return done(b);
}

/* No constraints: duplicates of a key are kept in arrival order (seq) and resolved at commit. */
int es_sq_sql_create_stage(es_buf *b, const es_domain *d) {
  size_t i;
  es_buf_puts(b, "CREATE TEMP TABLE stage(seq INTEGER PRIMARY KEY");
  for (i = 0; i < d->nfields; i++)
    es_buf_printf(b, ", \"%s\" %s", d->fields[i].name, column_type(d->fields[i].type));
  es_buf_puts(b, ")");
  return done(b);
}

int es_sq_sql_insert_stage(es_buf *b, const es_domain *d) {
  size_t i;
  es_buf_puts(b, "INSERT INTO temp.stage(");
  column_list(b, d, "");
  es_buf_puts(b, ") VALUES(");
  for (i = 0; i < d->nfields; i++) es_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
  es_buf_puts(b, ")");
  return done(b);
}

/* Rows go in arrival order, so a later row for a key overwrites an earlier one; "WHERE true"
   is SQLite's documented way to keep the upsert clause from parsing as part of the SELECT. */
int es_sq_sql_upsert(es_buf *b, const es_domain *d) {
  size_t i, n = 0;
  es_buf_printf(b, "INSERT INTO main.\"%s\"(", d->name);
  column_list(b, d, "");
  es_buf_puts(b, ") SELECT ");
  column_list(b, d, "");
  es_buf_printf(b, " FROM temp.stage WHERE true ORDER BY seq ON CONFLICT(\"%s\") DO ",
                d->fields[d->key].name);
  for (i = 0; i < d->nfields; i++) {
    if (i == d->key) continue;
    es_buf_printf(b, "%s\"%s\" = excluded.\"%s\"", n++ ? ", " : "UPDATE SET ", d->fields[i].name,
                  d->fields[i].name);
  }
  if (!n) es_buf_puts(b, "NOTHING");
  return done(b);
}
