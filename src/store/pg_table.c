/* pg_table.c - a domain table as the database has it: column types, dimension, redeclaration. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

void es_pg_table_init(es_pg_table *t, const es_domain *d) {
  memset(t, 0, sizeof(*t));
  t->d = d;
  snprintf(t->name, sizeof(t->name), "\"%s\"", d->name);
}

int es_pg_table_lock(PGconn *c, es_pg_table *t, es_error *err) {
  char sql[160];
  PGresult *r = NULL;
  int rc;
  snprintf(sql, sizeof(sql), "SELECT EXISTS(SELECT 1 FROM %s)", t->name);
  if ((rc = es_pg_query(c, sql, 0, NULL, &r, err, "reading the table"))) return rc;
  t->has_rows = !strcmp(PQgetvalue(r, 0, 0), "t");
  PQclear(r);
  return 0;
}

static int unsupported(const es_pg_table *t, const es_field *f, const char *type, es_error *err) {
  return es_err_set(err, ES_EPRECOND,
                    "postgres: column %s.%s has type %s, which cannot hold the proto's %s",
                    t->d->name, f->name, type,
                    f->type == ES_T_VECTOR    ? "vector (use vector(N) or real[])"
                    : f->type == ES_T_STRLIST ? "string list (use text[])"
                    : f->type == ES_T_INT     ? "int32 (use integer)"
                                              : "string (use text)");
}

/* Maps one column (typname, element typname) to its encoder; 0 or ES_EPRECOND. */
static int map_column(es_pg_table *t, size_t i, PGresult *r, int row, es_error *err) {
  const es_field *f = &t->d->fields[i];
  es_pg_col *col = &t->cols[i];
  const char *typ = PQgetvalue(r, row, 3);
  col->type = (Oid)strtoul(PQgetvalue(r, row, 1), NULL, 10);
  col->elem = (Oid)strtoul(PQgetvalue(r, row, 4), NULL, 10);
  col->array = (Oid)strtoul(PQgetvalue(r, row, 5), NULL, 10);
  snprintf(col->sql, sizeof(col->sql), "%s", PQgetvalue(r, row, 6));
  switch (f->type) {
  case ES_T_TEXT:
    if (!strcmp(typ, "text") || !strcmp(typ, "varchar") || !strcmp(typ, "bpchar"))
      col->kind = ES_PG_K_TEXT;
    else if (!strcmp(typ, "uuid") && (f->flags & ES_F_UUID))
      col->kind = ES_PG_K_UUID;
    else
      return unsupported(t, f, col->sql, err);
    break;
  case ES_T_INT:
    if (!strcmp(typ, "int4"))
      col->kind = ES_PG_K_INT4;
    else if (!strcmp(typ, "int8"))
      col->kind = ES_PG_K_INT8;
    else if (!strcmp(typ, "int2"))
      col->kind = ES_PG_K_INT2;
    else
      return unsupported(t, f, col->sql, err);
    break;
  case ES_T_STRLIST:
    if (strcmp(typ, "_text") && strcmp(typ, "_varchar")) return unsupported(t, f, col->sql, err);
    col->kind = ES_PG_K_TEXTARR;
    break;
  case ES_T_VECTOR:
    if (!strcmp(typ, "vector")) {
      int typmod = atoi(PQgetvalue(r, row, 2));
      col->kind = ES_PG_K_VECTOR;
      t->dim = typmod > 0 ? typmod : 0; /* pgvector's typmod is the dimension */
      t->declared = t->dim > 0;
    } else if (!strcmp(typ, "_float4")) {
      col->kind = ES_PG_K_FLOAT4ARR;
    } else {
      return unsupported(t, f, col->sql, err);
    }
    break;
  }
  return 0;
}

/* "CHECK ((cardinality(vector) = 384))" or "... array_length(vector, 1) = 384 ..." -> 384. */
static int32_t dim_from_check(const char *def, const char *column) {
  const char *fns[] = {"cardinality(", "array_length("};
  size_t i;
  for (i = 0; i < 2; i++) {
    const char *p = strstr(def, fns[i]), *eq;
    if (!p) continue;
    p += strlen(fns[i]);
    if (*p == '"') p++;
    if (strncmp(p, column, strlen(column))) continue;
    if (!(eq = strstr(p, ") = "))) continue;
    eq += 4;
    if (isdigit((unsigned char)*eq)) return (int32_t)atoi(eq);
  }
  return 0;
}

static int read_check_dim(PGconn *c, es_pg_table *t, const char *const *params, es_error *err) {
  PGresult *r = NULL;
  char ours[96];
  const char *column = t->d->fields[t->d->vector].name;
  int i, rc = es_pg_query(c,
                          "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                          "WHERE conrelid = $1::regclass AND contype = 'c' ORDER BY conname",
                          1, params, &r, err, "reading the table's constraints");
  if (rc) return rc;
  snprintf(ours, sizeof(ours), "%s_vector_dim", t->d->name);
  for (i = 0; i < PQntuples(r) && !t->dim; i++) {
    t->dim = dim_from_check(PQgetvalue(r, i, 1), column);
    t->declared = t->dim && !strcmp(PQgetvalue(r, i, 0), ours); /* the one redeclare() rewrites */
  }
  PQclear(r);
  return 0;
}

/* A table without a declared dimension: its first row says it (every row has the same). */
static int read_row_dim(PGconn *c, es_pg_table *t, es_error *err) {
  char sql[200];
  PGresult *r = NULL;
  const char *column = t->d->fields[t->d->vector].name;
  int rc;
  snprintf(sql, sizeof(sql), "SELECT %s(\"%s\"%s) FROM %s LIMIT 1",
           t->cols[t->d->vector].kind == ES_PG_K_VECTOR ? "vector_dims" : "array_length", column,
           t->cols[t->d->vector].kind == ES_PG_K_VECTOR ? "" : ", 1", t->name);
  if ((rc = es_pg_query(c, sql, 0, NULL, &r, err, "reading the table's vector dimension")))
    return rc;
  if (PQntuples(r)) t->dim = (int32_t)atoi(PQgetvalue(r, 0, 0));
  PQclear(r);
  return 0;
}

int es_pg_table_read(PGconn *c, es_pg_table *t, es_error *err) {
  const char *params[1] = {t->name};
  PGresult *r = NULL;
  size_t i;
  int row,
      rc = es_pg_query(
          c,
          "SELECT a.attname, a.atttypid, a.atttypmod, t.typname, t.typelem, t.typarray, "
          "format_type(a.atttypid, a.atttypmod), coalesce(obj_description(a.attrelid, 'pg_class'), '') "
          "FROM pg_attribute a "
          "JOIN pg_type t ON t.oid = a.atttypid "
          "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
          1, params, &r, err, "reading the table's columns");
  if (rc) return rc;
  t->dim = 0;
  t->declared = 0;
  t->ours = PQntuples(r) > 0 && !strcmp(PQgetvalue(r, 0, 7), ES_PG_TABLE_COMMENT);
  for (i = 0; i < t->d->nfields && !rc; i++) {
    for (row = 0; row < PQntuples(r); row++)
      if (!strcmp(PQgetvalue(r, row, 0), t->d->fields[i].name)) break;
    if (row == PQntuples(r))
      rc = es_err_set(err, ES_EPRECOND, "postgres: table %s has no column \"%s\"", t->d->name,
                      t->d->fields[i].name);
    else
      rc = map_column(t, i, r, row, err);
  }
  PQclear(r);
  if (!rc && t->cols[t->d->vector].kind == ES_PG_K_FLOAT4ARR)
    rc = read_check_dim(c, t, params, err);
  if (!rc && !t->dim && t->has_rows) rc = read_row_dim(c, t, err);
  return rc;
}

int es_pg_table_redeclare(PGconn *c, const es_pg_table *t, int32_t dim, es_error *err) {
  es_buf sql = ES_BUF_INIT;
  const char *column = t->d->fields[t->d->vector].name;
  PGresult *r = NULL;
  int rc;
  /* A short wait: a stream in flight holds the table, and queueing behind it would stall the
     streams that arrive after us too. */
  if ((rc =
           es_pg_exec(c, "BEGIN; SET LOCAL lock_timeout = '2s'", err, "redeclaring the dimension")))
    goto done;
  es_buf_printf(&sql, "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", t->name);
  if (sql.oom || (rc = es_pg_exec(c, sql.ptr, err, "locking the table"))) goto busy;
  es_buf_clear(&sql);
  es_buf_printf(&sql, "SELECT EXISTS(SELECT 1 FROM %s)", t->name);
  if ((rc = es_pg_query(c, sql.ptr, 0, NULL, &r, err, "reading the table"))) goto done;
  if (!strcmp(PQgetvalue(r, 0, 0), "t")) {
    rc = ES_EPRECOND;
    goto busy;
  }
  es_buf_clear(&sql);
  if (t->cols[t->d->vector].kind == ES_PG_K_VECTOR)
    es_buf_printf(&sql, "ALTER TABLE %s ALTER COLUMN \"%s\" TYPE vector(%d)", t->name, column,
                  (int)dim);
  else
    es_buf_printf(&sql,
                  "ALTER TABLE %s DROP CONSTRAINT \"%s_vector_dim\", "
                  "ADD CONSTRAINT \"%s_vector_dim\" CHECK (cardinality(\"%s\") = %d)",
                  t->name, t->d->name, t->d->name, column, (int)dim);
  if (sql.oom)
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
  else if (!(rc = es_pg_exec(c, sql.ptr, err, "redeclaring the dimension")))
    rc = es_pg_exec(c, "COMMIT", err, "redeclaring the dimension");
  goto done;
busy:
  /* Rows there, or the lock not granted in time (55P03, the connection still fine). */
  if (rc == ES_EPRECOND || (rc == ES_EUNAVAIL && PQstatus(c) == CONNECTION_OK))
    rc = es_err_set(err, ES_EPRECOND, "table %s holds %d-d vectors, stream declares %d", t->d->name,
                    (int)t->dim, (int)dim);
done:
  es_pg_rollback(c);
  PQclear(r);
  es_buf_free(&sql);
  return rc;
}
