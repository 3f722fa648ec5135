/* pg_pool.c - the PostgreSQL store's connections: one per stream in flight, reused afterwards.

   The server admits at most --max-streams streams and each holds one connection for its whole
   life, so the pool never grows past that (plus one for stats); idle connections are kept for the
   next stream. A connection that broke is closed instead of returned. After a database restart
   every idle connection is dead: the first stream to notice drops them all (es_pg_pool_drop_idle)
   and retries on a fresh one, so no server restart is needed. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/pg_int.h"

/* Defaults that the store URL may override (they come before it in the keyword list);
   keepalives notice a vanished database host within about a minute instead of two hours. */
static const char *const default_keys[] = {"connect_timeout", "keepalives_idle",
                                           "keepalives_interval", "keepalives_count",
                                           "application_name"};
static const char *const default_vals[] = {"10", "30", "10", "3", "embedstream"};
#define NDEFAULTS (sizeof(default_keys) / sizeof(default_keys[0]))

int es_pg_pool_init(es_pg_pool *p, const char *conninfo, int max, es_error *err) {
  memset(p, 0, sizeof(*p));
  if (pthread_mutex_init(&p->mu, NULL))
    return es_err_set(err, ES_EINTERNAL, "cannot create a mutex");
  p->conninfo = strdup(conninfo);
  if (!p->conninfo) {
    pthread_mutex_destroy(&p->mu);
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  p->max = max;
  return 0;
}

/* Server notices ("relation already exists, skipping") are not the user's business. */
static void notice_to_debug(void *arg, const char *msg) {
  (void)arg;
  es_debug("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Text is always sent and read as UTF-8 (validated by the server), whatever the URL says. */
static int connect_one(const es_pg_pool *p, PGconn **out, es_error *err) {
  const char *keys[NDEFAULTS + 3], *vals[NDEFAULTS + 3];
  size_t i;
  PGconn *c;
  for (i = 0; i < NDEFAULTS; i++) {
    keys[i] = default_keys[i];
    vals[i] = default_vals[i];
  }
  keys[i] = "dbname"; /* expanded: a URI or key=value string */
  vals[i++] = p->conninfo;
  keys[i] = "client_encoding";
  vals[i++] = "UTF8";
  keys[i] = NULL;
  vals[i] = NULL;
  c = PQconnectdbParams(keys, vals, 1);
  if (!c) return es_err_set(err, ES_ENOMEM, "postgres: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    int rc = es_pg_fail(c, NULL, err, "connecting");
    /* A refused password or a missing database does not get better by retrying. */
    if (PQconnectionNeedsPassword(c) || strstr(PQerrorMessage(c), "does not exist"))
      rc = err->code = ES_EINTERNAL;
    PQfinish(c);
    return rc;
  }
  PQsetNoticeProcessor(c, notice_to_debug, NULL);
  *out = c;
  return 0;
}

/* Records c as checked out (under p->mu). Without room or a cancel object it still works; it
   just cannot be interrupted. */
static void busy_add(es_pg_pool *p, PGconn *c) {
  if (p->nbusy == p->busy_cap) {
    size_t cap = p->busy_cap ? p->busy_cap * 2 : 8;
    struct es_pg_busy *n = cap > SIZE_MAX / sizeof(*n) ? NULL : realloc(p->busy, cap * sizeof(*n));
    if (!n) return;
    p->busy = n;
    p->busy_cap = cap;
  }
  p->busy[p->nbusy].conn = c;
  p->busy[p->nbusy++].cancel = PQgetCancel(c);
}

/* Forgets c (under p->mu), before it is closed or goes idle. */
static void busy_remove(es_pg_pool *p, PGconn *c) {
  size_t i;
  for (i = 0; i < p->nbusy; i++)
    if (p->busy[i].conn == c) {
      if (p->busy[i].cancel) PQfreeCancel(p->busy[i].cancel);
      p->busy[i] = p->busy[--p->nbusy];
      return;
    }
}

void es_pg_pool_interrupt(es_pg_pool *p) {
  char why[256];
  size_t i, n = 0;
  /* Under the lock, so no cancel object is freed meanwhile; PQcancel is thread-safe. */
  pthread_mutex_lock(&p->mu);
  for (i = 0; i < p->nbusy; i++)
    if (p->busy[i].cancel && PQcancel(p->busy[i].cancel, why, sizeof(why))) n++;
  pthread_mutex_unlock(&p->mu);
  if (n)
    es_debug("postgres: asked the database to cancel %zu running quer%s", n, n == 1 ? "y" : "ies");
}

int es_pg_pool_get(es_pg_pool *p, PGconn **out, es_error *err) {
  PGconn *c = NULL;
  int rc;
  *out = NULL;
  pthread_mutex_lock(&p->mu);
  while (p->nidle && !c) {
    c = p->idle[--p->nidle];
    if (PQstatus(c) != CONNECTION_OK) {
      PQfinish(c);
      p->open--;
      c = NULL;
    }
  }
  if (!c && p->max && p->open >= p->max) {
    pthread_mutex_unlock(&p->mu);
    return es_err_set(err, ES_EEXHAUSTED, "postgres: all %d connections (es_pool_max) are in use",
                      p->max);
  }
  if (!c) p->open++; /* reserve the slot, connect outside the lock */
  if (c) busy_add(p, c);
  pthread_mutex_unlock(&p->mu);
  if (c) {
    *out = c;
    return 0;
  }
  rc = connect_one(p, &c, err);
  pthread_mutex_lock(&p->mu);
  if (rc)
    p->open--;
  else
    busy_add(p, c);
  pthread_mutex_unlock(&p->mu);
  if (!rc) *out = c;
  return rc;
}

void es_pg_pool_discard(es_pg_pool *p, PGconn *c) {
  if (!c) return;
  pthread_mutex_lock(&p->mu);
  busy_remove(p, c);
  p->open--;
  pthread_mutex_unlock(&p->mu);
  PQfinish(c);
}

void es_pg_pool_put(es_pg_pool *p, PGconn *c) {
  if (!c) return;
  if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) {
    es_pg_pool_discard(p, c);
    return;
  }
  pthread_mutex_lock(&p->mu);
  busy_remove(p, c);
  if (p->nidle == p->idle_cap) {
    size_t cap = p->idle_cap ? p->idle_cap * 2 : 8;
    PGconn **n = cap < p->idle_cap || cap > SIZE_MAX / sizeof(*n)
                     ? NULL
                     : realloc(p->idle, cap * sizeof(*n));
    if (!n) {
      p->open--;
      pthread_mutex_unlock(&p->mu);
      PQfinish(c);
      return;
    }
    p->idle = n;
    p->idle_cap = cap;
  }
  p->idle[p->nidle++] = c;
  pthread_mutex_unlock(&p->mu);
}

void es_pg_pool_drop_idle(es_pg_pool *p) {
  PGconn **idle;
  size_t n, i;
  pthread_mutex_lock(&p->mu);
  idle = p->idle;
  n = p->nidle;
  p->idle = NULL;
  p->nidle = p->idle_cap = 0;
  p->open -= (int)n;
  pthread_mutex_unlock(&p->mu);
  for (i = 0; i < n; i++) PQfinish(idle[i]);
  free(idle);
  if (n) es_debug("postgres: closed %zu idle connections after one was found broken", n);
}

void es_pg_pool_destroy(es_pg_pool *p) {
  size_t i;
  es_pg_pool_drop_idle(p);
  if (p->open) es_warn("postgres: store closed with %d connections still in use", p->open);
  for (i = 0; i < p->nbusy; i++)
    if (p->busy[i].cancel) PQfreeCancel(p->busy[i].cancel);
  free(p->busy);
  p->busy = NULL;
  p->nbusy = p->busy_cap = 0;
  pthread_mutex_destroy(&p->mu);
  free(p->conninfo);
  p->conninfo = NULL;
}
