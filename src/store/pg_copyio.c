/* pg_copyio.c - COPY ... FROM STDIN (FORMAT binary) on a connection: open, rows, close, abandon.

   A COPY may stay open across chunks: each chunk's rows go to the socket as they are encoded and
   the database inserts them while the server waits for the next chunk. Errors (a duplicate key
   written by another stream, a lost connection) surface when data is sent or the COPY closes. */
#include <limits.h>

#include "store/pg_int.h"

static int put_copy_data(void *arg, const char *data, size_t n, es_error *err) {
  PGconn *conn = arg;
  if (n > INT_MAX) return es_err_set(err, ES_EINTERNAL, "postgres: COPY piece too large");
  if (PQputCopyData(conn, data, (int)n) != 1) {
    /* The server may have ended the COPY with an error: that result says why. */
    PGresult *r = PQgetResult(conn);
    int rc = es_pg_fail(conn, r && PQresultStatus(r) == PGRES_FATAL_ERROR ? r : NULL, err,
                        "sending COPY data");
    PQclear(r);
    return rc;
  }
  return 0;
}

/* Ends the COPY (aborting it when why != NULL) and collects its outcome. */
static int finish_copy(PGconn *conn, const char *why, es_error *err) {
  PGresult *r;
  int rc = 0, sent = PQputCopyEnd(conn, why);
  while ((r = PQgetResult(conn))) {
    if (!rc && !why && PQresultStatus(r) != PGRES_COMMAND_OK) rc = es_pg_fail(conn, r, err, "COPY");
    PQclear(r);
    if (PQstatus(conn) != CONNECTION_OK) break;
  }
  if (!rc && !why && sent != 1) rc = es_pg_fail(conn, NULL, err, "ending COPY");
  return rc;
}

int es_pg_copy_open(PGconn *conn, const char *copy_sql, es_buf *b, es_error *err) {
  PGresult *r = PQexec(conn, copy_sql);
  int rc = 0;
  if (!r || PQresultStatus(r) != PGRES_COPY_IN) rc = es_pg_fail(conn, r, err, "starting COPY");
  PQclear(r);
  if (rc) return rc;
  es_buf_clear(b);
  if (es_pg_copy_header(b)) {
    es_pg_copy_abandon(conn, b);
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  return 0;
}

int es_pg_copy_send(PGconn *conn, const es_pg_table *t, const es_chunk *c, const uint32_t *rows,
                    size_t n, es_buf *b, es_error *err) {
  int rc = es_pg_copy_encode_rows(b, t, c, rows, n, put_copy_data, conn, err);
  if (!rc && b->len) rc = put_copy_data(conn, b->ptr, b->len, err);
  es_buf_clear(b);
  /* Nothing waits in libpq's buffer while we wait for the next chunk. */
  if (!rc && PQflush(conn) != 0) rc = es_pg_fail(conn, NULL, err, "sending COPY data");
  return rc;
}

int es_pg_copy_close(PGconn *conn, es_buf *b, es_error *err) {
  int rc = es_pg_copy_trailer(b) ? es_err_set(err, ES_ENOMEM, "out of memory")
                                 : put_copy_data(conn, b->ptr, b->len, err);
  es_buf_clear(b);
  if (rc) {
    es_pg_copy_abandon(conn, b);
    return rc;
  }
  return finish_copy(conn, NULL, err);
}

void es_pg_copy_abandon(PGconn *conn, es_buf *b) {
  es_buf_clear(b);
  if (PQstatus(conn) == CONNECTION_OK)
    finish_copy(conn, "embedstream: stream failed while sending rows", NULL);
}

int es_pg_copy_rows(PGconn *conn, const char *copy_sql, const es_pg_table *t, const es_chunk *c,
                    const uint32_t *rows, size_t n, es_buf *b, es_error *err) {
  int rc = es_pg_copy_open(conn, copy_sql, b, err);
  if (rc) return rc;
  if ((rc = es_pg_copy_send(conn, t, c, rows, n, b, err))) {
    es_pg_copy_abandon(conn, b);
    return rc;
  }
  return es_pg_copy_close(conn, b, err);
}
