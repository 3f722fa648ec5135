/* pg.c - the PostgreSQL store: opening (URL, pool, a first connection) and closing. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/pg_int.h"

size_t es_pg_domain_index(const es_domain *d) {
  size_t i;
  for (i = 0; i < es_domain_count; i++)
    if (es_domains[i] == d) return i;
  return 0;
}

static void pg_close(es_store *st) {
  es_pg_store *s = (es_pg_store *)st;
  if (!s) return;
  if (s->pool_ok) es_pg_pool_destroy(&s->pool);
  pthread_mutex_destroy(&s->schema_mu);
  free(s->display);
  free(s);
}

static void pg_interrupt(es_store *st) {
  es_pg_store *s = (es_pg_store *)st;
  if (s && s->pool_ok) es_pg_pool_interrupt(&s->pool);
}

/* A first connection now, so a wrong URL or an unreachable database is reported at start-up
   rather than by the first stream; it stays in the pool for that stream. Nothing is created
   here: `stats` only reads, and the tables appear with the first stream. */
static int probe(es_pg_store *s, es_error *err) {
  PGconn *c = NULL;
  int rc = es_pg_pool_get(&s->pool, &c, err);
  if (rc) return es_err_prefix(err, "store '%s': ", s->display);
  es_debug("postgres: connected to %s (server %d)", s->display, PQserverVersion(c));
  es_pg_pool_put(&s->pool, c);
  return 0;
}

static const es_store pg_methods = {"postgres", es_pg_begin,  es_pg_stats_json,
                                    pg_close,   pg_interrupt, es_pg_set_log_status};

int es_pg_open(const char *url, const char *rest, es_store **out, es_error *err) {
  es_pg_store *s;
  char *conninfo = NULL;
  void *p;
  int rc;
  *out = NULL;
  if (es_domain_count > ES_PG_MAX_DOMAINS)
    return es_err_set(err, ES_EINTERNAL, "postgres store: too many domains");
  if ((rc = es_store_new(sizeof(*s), offsetof(es_pg_store, schema_mu), &pg_methods, &p, err)))
    return rc;
  s = p;
  if ((rc = es_pg_url_parse(url, rest, &conninfo, &s->display, &s->opts, err))) goto done;
  if ((rc = es_pg_pool_init(&s->pool, conninfo, s->opts.pool_max, err))) goto done;
  s->pool_ok = 1;
  if ((rc = probe(s, err))) goto done;
  *out = &s->base;
  s = NULL;
done:
  free(conninfo);
  pg_close(s ? &s->base : NULL);
  return rc;
}
