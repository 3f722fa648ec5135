/* pg_write.c - a stream's rows into its table as they arrive, inside the stream's transaction.

   Measured (bench/bench_pg_alternatives.py, 200,000 384-d rows, chunks of 6,400, medians of 3 runs
   on a shared 2-core machine): COPY into a temp table plus one INSERT ... SELECT DISTINCT ON ...
   ON CONFLICT at the end ran at 63% of one plain binary COPY (its INSERT alone outlasting the
   COPY); that merge done chunk by chunk at 62%; COPY straight into the table, chunk by chunk, at
   83-100%, also after looking each chunk's keys up. So each chunk:
     1. keeps the last row of each key (the chunk's own duplicates, found in memory);
     2. finds out whether any of its keys is in the table already. Into a table that was empty
        when the stream began, only this stream's own earlier rows can be, and the stream's key
        hashes (pg_keyset.c) say so without a query (a hit is confirmed by the database);
        otherwise one query looks the keys up (`= ANY($1)`; rows of earlier chunks of this
        stream are visible to its own transaction);
     3. none: COPY straight into the table. That COPY stays open into the next chunk, so the
        database inserts while the server reads; it closes only for a query or the commit;
        some: COPY into a temp staging table, INSERT ... SELECT ... ON CONFLICT DO UPDATE, TRUNCATE.
   Through the whole server (bench/bench_pg.py, 1,000,000 rows), a COPY and a key lookup per chunk
   reached 77% of psql's binary \copy; the open COPY with key hashes 84-90%.
   Later chunks overwrite earlier ones, so the last row per key wins across the stream. Nothing
   is visible to others before COMMIT, and a failure anywhere rolls all of it back. A key that
   another stream commits meanwhile makes the COPY fail (unique violation: ABORTED, the client
   sends again and that time the keys are found). Each chunk's rows go in key order, so streams
   sharing keys within a chunk queue on them; across chunks two streams can still lock shared
   keys in opposite orders: PostgreSQL then aborts one (deadlock, ABORTED, sent again).
   Without COPY (es_copy=off: servers such as PGlite's socket server that cannot take COPY FROM
   STDIN), chunks go as multi-row INSERT ... ON CONFLICT DO UPDATE with binary parameters. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

#define STAGE "pg_temp.es_stage"

static void columns(es_buf *b, const es_domain *d, const char *prefix) {
  size_t i;
  for (i = 0; i < d->nfields; i++)
    es_buf_printf(b, "%s%s\"%s\"", i ? ", " : "", prefix, d->fields[i].name);
}

static void sql_copy(es_buf *b, const es_pg_table *t, const char *table) {
  es_buf_printf(b, "COPY %s (", table);
  columns(b, t->d, "");
  es_buf_puts(b, ") FROM STDIN (FORMAT binary)");
}

static void sql_upsert_tail(es_buf *b, const es_pg_table *t) {
  const es_domain *d = t->d;
  size_t i, n = 0;
  es_buf_printf(b, " ON CONFLICT (\"%s\") DO ", d->fields[d->key].name);
  for (i = 0; i < d->nfields; i++)
    if (i != d->key)
      es_buf_printf(b, "%s\"%s\" = EXCLUDED.\"%s\"", n++ ? ", " : "UPDATE SET ", d->fields[i].name,
                    d->fields[i].name);
  if (!n) es_buf_puts(b, "NOTHING");
}

static void sql_stage(es_buf *b, const es_pg_table *t) {
  size_t i;
  es_buf_puts(b, "CREATE TEMP TABLE es_stage(");
  for (i = 0; i < t->d->nfields; i++)
    es_buf_printf(b, "%s\"%s\" %s", i ? ", " : "", t->d->fields[i].name, t->cols[i].sql);
  es_buf_puts(b, ") ON COMMIT DROP");
}

static void sql_merge(es_buf *b, const es_pg_table *t) {
  es_buf_printf(b, "INSERT INTO %s (", t->name);
  columns(b, t->d, "");
  es_buf_puts(b, ") SELECT ");
  columns(b, t->d, "");
  /* In key order, as the chunk was staged: the row locks are taken in that order (pg_keyset.c). */
  es_buf_printf(b, " FROM " STAGE " ORDER BY \"%s\"", t->d->fields[t->d->key].name);
  sql_upsert_tail(b, t);
  es_buf_puts(b, "; TRUNCATE " STAGE);
}

static void sql_insert(es_buf *b, const es_pg_table *t, size_t nrows) {
  size_t r, i, p = 1;
  es_buf_clear(b);
  es_buf_printf(b, "INSERT INTO %s (", t->name);
  columns(b, t->d, "");
  es_buf_puts(b, ") VALUES ");
  for (r = 0; r < nrows; r++) {
    es_buf_puts(b, r ? ", (" : "(");
    for (i = 0; i < t->d->nfields; i++) es_buf_printf(b, "%s$%zu", i ? ", " : "", p++);
    es_buf_puts(b, ")");
  }
  sql_upsert_tail(b, t);
}

int es_pg_writer_init(es_pg_writer *w, PGconn *c, const es_pg_table *t, int copy, es_error *err) {
  size_t nf = t->d->nfields, np;
  memset(w, 0, sizeof(*w));
  w->conn = c;
  w->t = t;
  w->copy = copy;
  w->use_keys = copy && !t->has_rows; /* an empty table holds only what this stream wrote */
  sql_copy(&w->sql_copy, t, t->name);
  sql_copy(&w->sql_stage_copy, t, STAGE);
  sql_merge(&w->sql_merge, t);
  es_buf_printf(&w->sql_check, "SELECT 1 FROM %s WHERE \"%s\" = ANY($1) LIMIT 1", t->name,
                t->d->fields[t->d->key].name);
  /* PostgreSQL takes at most 65535 parameters per statement. */
  w->insert_rows = ES_PG_INSERT_ROWS < 65535 / nf ? ES_PG_INSERT_ROWS : 65535 / nf;
  np = w->insert_rows * nf;
  if (!copy) {
    w->values = calloc(np, sizeof(*w->values));
    w->lengths = calloc(np, sizeof(*w->lengths));
    w->formats = calloc(np, sizeof(*w->formats));
    w->types = calloc(np, sizeof(*w->types));
    if (!w->values || !w->lengths || !w->formats || !w->types) goto oom;
    sql_insert(&w->sql_insert, t, w->insert_rows);
  }
  if (w->sql_copy.oom || w->sql_stage_copy.oom || w->sql_merge.oom || w->sql_check.oom ||
      w->sql_insert.oom)
    goto oom;
  return 0;
oom:
  es_pg_writer_free(w);
  return es_err_set(err, ES_ENOMEM, "out of memory");
}

void es_pg_writer_free(es_pg_writer *w) {
  if (w->copy_open) es_pg_copy_abandon(w->conn, &w->data);
  es_pg_keyset_free(&w->keys_seen);
  es_buf_free(&w->sql_copy);
  es_buf_free(&w->sql_stage_copy);
  es_buf_free(&w->sql_merge);
  es_buf_free(&w->sql_check);
  es_buf_free(&w->sql_insert);
  es_buf_free(&w->data);
  es_buf_free(&w->keys);
  free(w->values);
  free(w->lengths);
  free(w->formats);
  free(w->types);
  memset(w, 0, sizeof(*w));
}

/* Is any of the chunk's keys in the table already (committed, or written by this stream)? */
static int any_key_exists(es_pg_writer *w, const es_chunk *c, const uint32_t *rows, size_t n,
                          int *found, es_error *err) {
  const es_pg_table *t = w->t;
  const char **keys = malloc(n * sizeof(*keys));
  const char *values[1];
  int lengths[1], formats[1] = {1};
  Oid types[1] = {t->cols[t->d->key].array};
  PGresult *r = NULL;
  size_t i;
  int rc;
  if (!keys) return es_err_set(err, ES_ENOMEM, "out of memory");
  for (i = 0; i < n; i++) keys[i] = es_chunk_row(c, rows[i])[t->d->key].s;
  es_buf_clear(&w->keys);
  rc = es_pg_put_key_array(&w->keys, &t->cols[t->d->key], keys, n, err);
  free(keys);
  if (rc) return rc;
  if (w->keys.len > INT_MAX) return es_err_set(err, ES_ENOMEM, "key list too large");
  values[0] = w->keys.ptr;
  lengths[0] = (int)w->keys.len;
  r = PQexecParams(w->conn, w->sql_check.ptr, 1, types, values, lengths, formats, 0);
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
    rc = es_pg_fail(w->conn, r, err, "looking up the chunk's keys");
  else
    *found = PQntuples(r) > 0;
  PQclear(r);
  return rc;
}

static int merge_rows(es_pg_writer *w, const es_chunk *c, const uint32_t *rows, size_t n,
                      es_error *err) {
  int rc;
  if (!w->stage_made) {
    es_buf sql = ES_BUF_INIT;
    sql_stage(&sql, w->t);
    rc = sql.oom ? es_err_set(err, ES_ENOMEM, "out of memory")
                 : es_pg_exec(w->conn, sql.ptr, err, "creating the staging table");
    es_buf_free(&sql);
    if (rc) return rc;
    w->stage_made = 1;
  }
  if ((rc = es_pg_copy_rows(w->conn, w->sql_stage_copy.ptr, w->t, c, rows, n, &w->data, err)))
    return rc;
  if ((rc = es_pg_exec(w->conn, w->sql_merge.ptr, err, "upserting the chunk"))) return rc;
  w->merged += n;
  return 0;
}

/* One INSERT of rows[0..n) (n <= insert_rows), every value a binary parameter. */
static int insert_batch(es_pg_writer *w, const es_chunk *c, const uint32_t *rows, size_t n,
                        es_error *err) {
  const es_pg_table *t = w->t;
  size_t nf = t->d->nfields, r, i, k = 0, off;
  es_buf partial = ES_BUF_INIT;
  const char *sql = w->sql_insert.ptr;
  PGresult *res;
  int rc = 0;
  es_buf_clear(&w->data);
  for (r = 0; r < n && !rc; r++)
    for (i = 0; i < nf && !rc; i++) {
      off = w->data.len;
      rc = es_pg_put_field(&w->data, &t->cols[i], &es_chunk_row(c, rows[r])[i], &t->d->fields[i],
                           err);
      if (rc) break;
      if (w->data.len - off - 4 > INT_MAX) rc = es_err_set(err, ES_ENOMEM, "value too large");
      w->lengths[k] = (int)(w->data.len - off - 4);
      w->values[k] =
          (const char *)(uintptr_t)(off + 4); /* an offset until the buffer stops moving */
      w->formats[k] = 1;
      w->types[k++] = t->cols[i].type;
    }
  if (rc) return rc;
  for (i = 0; i < k; i++) w->values[i] = w->data.ptr + (uintptr_t)w->values[i];
  if (n < w->insert_rows) {
    sql_insert(&partial, t, n);
    if (partial.oom) return es_err_set(err, ES_ENOMEM, "out of memory");
    sql = partial.ptr;
  }
  res = PQexecParams(w->conn, sql, (int)k, w->types, w->values, w->lengths, w->formats, 0);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
    rc = es_pg_fail(w->conn, res, err, "inserting rows");
  PQclear(res);
  es_buf_free(&partial);
  return rc;
}

static int insert_rows(es_pg_writer *w, const es_chunk *c, const uint32_t *rows, size_t n,
                       es_error *err) {
  size_t done = 0;
  int rc = 0;
  while (done < n && !rc) {
    size_t m = n - done < w->insert_rows ? n - done : w->insert_rows;
    rc = insert_batch(w, c, rows + done, m, err);
    done += m;
  }
  if (!rc) w->merged += n;
  return rc;
}

/* Closes the open COPY into the table, if any: before a query, and at commit. */
static int close_direct(es_pg_writer *w, es_error *err) {
  if (!w->copy_open) return 0;
  w->copy_open = 0;
  return es_pg_copy_close(w->conn, &w->data, err);
}

static int copy_direct(es_pg_writer *w, const es_chunk *c, const uint32_t *rows, size_t n,
                       es_error *err) {
  int rc;
  if (!w->copy_open) {
    if ((rc = es_pg_copy_open(w->conn, w->sql_copy.ptr, &w->data, err))) return rc;
    w->copy_open = 1;
  }
  if ((rc = es_pg_copy_send(w->conn, w->t, c, rows, n, &w->data, err))) return rc;
  w->direct += n;
  return 0;
}

/* Is any key of rows[0..n) in the table? With the stream's key hashes (table empty at begin)
   only the hits are asked about, and only when there are some. */
static int keys_exist(es_pg_writer *w, const es_chunk *c, const uint32_t *rows, size_t n,
                      uint64_t *hashes, int *found, es_error *err) {
  size_t i, m = 0, k = w->t->d->key;
  uint32_t *hits = NULL;
  int rc;
  *found = 0;
  if (!w->use_keys || w->keys_seen.off) {
    if ((rc = close_direct(w, err))) return rc;
    return any_key_exists(w, c, rows, n, found, err);
  }
  if (!(hits = malloc(n * sizeof(*hits)))) return es_err_set(err, ES_ENOMEM, "out of memory");
  for (i = 0; i < n; i++) {
    hashes[i] = es_pg_key_hash(es_chunk_row(c, rows[i])[k].s);
    if (es_pg_keyset_contains(&w->keys_seen, hashes[i])) hits[m++] = rows[i];
  }
  rc = m ? close_direct(w, err) : 0;
  if (!rc && m) rc = any_key_exists(w, c, hits, m, found, err);
  free(hits);
  return rc;
}

int es_pg_writer_put(es_pg_writer *w, const es_chunk *c, es_error *err) {
  uint32_t *rows = NULL;
  uint64_t *hashes = NULL;
  size_t n = 0;
  int rc, found = 0;
  if ((rc = es_pg_last_rows(c, &rows, &n, err)) || !n) goto done;
  if (!w->copy) {
    rc = insert_rows(w, c, rows, n, err);
    goto done;
  }
  if (!(hashes = malloc(n * sizeof(*hashes)))) {
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
    goto done;
  }
  if ((rc = keys_exist(w, c, rows, n, hashes, &found, err))) goto done;
  if (!found)
    rc = copy_direct(w, c, rows, n, err);
  else if (!(rc = close_direct(w, err)))
    rc = merge_rows(w, c, rows, n, err);
  if (!rc && w->use_keys) es_pg_keyset_add(&w->keys_seen, hashes, n);
done:
  free(rows);
  free(hashes);
  /* A big chunk's encoding buffer is not kept for the rest of a long stream. */
  if (!w->copy_open && w->data.cap > 4 * ES_PG_COPY_PIECE) es_buf_free(&w->data);
  return rc;
}

int es_pg_writer_finish(es_pg_writer *w, es_error *err) { return close_direct(w, err); }
