/* pg_err.c - PostgreSQL failures as es_codes (UNAVAILABLE when a retry can help) and exec helpers.
 */
#include <string.h>

#include "store/pg_int.h"

/* SQLSTATEs after which the same stream, sent again, can succeed. */
static int retryable(const char *st) {
  static const char *const codes[] = {
      "57P01", /* admin_shutdown: the database is stopping or restarting */
      "57P02", /* crash_shutdown */
      "57P03", /* cannot_connect_now: still starting up */
      "57014", /* query_canceled (statement_timeout, pg_cancel_backend) */
      "55P03", /* lock_not_available */
      "25P03", /* idle_in_transaction_session_timeout */
  };
  size_t i;
  if (!strncmp(st, "08", 2) || !strncmp(st, "53", 2))
    return 1; /* connection; insufficient resources */
  for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
    if (!strcmp(st, codes[i])) return 1;
  return 0;
}

int es_pg_alive(PGconn *c) {
  /* Reading what the server sent (nothing, usually) finds a closed connection out. */
  return c && PQstatus(c) == CONNECTION_OK && PQconsumeInput(c);
}

int es_pg_classify(PGconn *c, const PGresult *r) {
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!c || PQstatus(c) != CONNECTION_OK) return ES_EUNAVAIL;
  /* No SQLSTATE: libpq's own error. No result at all, or a connection that is gone (the server
     closed it while we sent: "server closed the connection unexpectedly"), is worth a retry. */
  if (!st) return r && es_pg_alive(c) ? ES_EINTERNAL : ES_EUNAVAIL;
  if (retryable(st)) return ES_EUNAVAIL;
  /* Conflicts with another stream, which then committed (or will): ABORTED, which the client
     sends again. 23505: a key inserted by another stream between our check and our COPY;
     40P01: two streams upserting shared keys in different orders across chunks (within a
     chunk rows go in key order, so that alone never deadlocks); 40001: serialization. */
  if (!strcmp(st, "23505") || !strcmp(st, "40P01") || !strcmp(st, "40001")) return ES_EABORTED;
  return ES_EINTERNAL;
}

/* libpq messages end in a newline and may span lines; one line reads better in a log. */
static void one_line(char *s) {
  size_t n = strlen(s);
  char *p;
  while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = '\0';
  for (p = s; *p; p++)
    if (*p == '\n' || *p == '\t') *p = ' ';
}

int es_pg_fail(PGconn *c, const PGresult *r, es_error *err, const char *what) {
  int code = es_pg_classify(c, r);
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
  if (!msg || !*msg) msg = c ? PQerrorMessage(c) : "no connection";
  if (!msg || !*msg) msg = r ? PQresStatus(PQresultStatus(r)) : "connection lost";
  if (!err) return code;
  if (st)
    es_err_set(err, code, "postgres: %s: %s%s%s (SQLSTATE %s)", what, msg, detail ? ": " : "",
               detail ? detail : "", st);
  else
    es_err_set(err, code, "postgres: %s: %s", what, msg);
  one_line(err->msg);
  return code;
}

static int result_ok(const PGresult *r) {
  ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

int es_pg_exec(PGconn *c, const char *sql, es_error *err, const char *what) {
  PGresult *r = PQexec(c, sql);
  int rc = result_ok(r) ? 0 : es_pg_fail(c, r, err, what);
  PQclear(r);
  return rc;
}

int es_pg_query(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **out,
                es_error *err, const char *what) {
  PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
  *out = NULL;
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
    int rc = es_pg_fail(c, r, err, what);
    PQclear(r);
    return rc;
  }
  *out = r;
  return 0;
}

void es_pg_rollback(PGconn *c) {
  if (c && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
    PQclear(PQexec(c, "ROLLBACK"));
}
