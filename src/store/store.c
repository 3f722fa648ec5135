/* store.c - picks a storage backend from a store URL; the allocations every backend starts with. */
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "store/backends.h"

#define KNOWN_URLS                                                                      \
  "expected sqlite:PATH or a path ending in .db/.sqlite/.sqlite3, postgresql://... or " \
  "postgres:key=value, or null:"

/* Matched by prefix, first match wins; a bare *.db / *.sqlite path is SQLite (below). */
static const struct {
  const char *prefix;
  es_store_open_fn open;
} backends[] = {
    {"null:", es_null_open},     {"sqlite:", es_sqlite_open}, {"postgresql://", es_pg_open},
    {"postgres://", es_pg_open}, {"postgres:", es_pg_open},
};

static int has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && !strcmp(s + n - m, suffix);
}

static int is_bare_sqlite_path(const char *url) {
  return !strstr(url, "://") &&
         (has_suffix(url, ".db") || has_suffix(url, ".sqlite") || has_suffix(url, ".sqlite3"));
}

int es_store_open(const char *url, es_store **out, es_error *err) {
  size_t i;
  *out = NULL;
  if (!url || !*url) return es_err_set(err, ES_EUSAGE, "empty store URL (%s)", KNOWN_URLS);
  for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
    size_t n = strlen(backends[i].prefix);
    if (!strncmp(url, backends[i].prefix, n)) return backends[i].open(url, url + n, out, err);
  }
  if (is_bare_sqlite_path(url)) return es_sqlite_open(url, url, out, err);
  return es_err_set(err, ES_EUSAGE, "unknown store '%s' (%s)", url, KNOWN_URLS);
}

const char *es_store_status_name(es_ingest_status s) {
  switch (s) {
  case ES_INGEST_SUCCESS: return "success";
  case ES_INGEST_CANCELLED: return "cancelled";
  case ES_INGEST_PARTIAL: return "partial";
  default: return "failed";
  }
}

void es_store_close(es_store *st) {
  if (st && st->close) st->close(st);
}

int es_store_txn_new(es_store *st, const es_stream_info *info, size_t size, const es_txn *methods,
                     void **out, es_error *err) {
  es_txn *t;
  *out = NULL;
  if (!info || !info->domain)
    return es_err_set(err, ES_EINTERNAL, "%s store: stream without a domain", st->name);
  if (info->dim < ES_DIM_MIN || info->dim > ES_DIM_MAX)
    return es_err_set(err, ES_EINVAL, "vector dimension %d out of range", (int)info->dim);
  if (size < sizeof(*t) || !(t = calloc(1, size)))
    return es_err_set(err, ES_ENOMEM, "%s store: out of memory", st->name);
  *t = *methods;
  t->store = st;
  *out = t;
  return 0;
}

int es_store_new(size_t size, size_t mu_off, const es_store *methods, void **out, es_error *err) {
  const char *name = methods->name;
  char *s;
  *out = NULL;
  if (!(s = calloc(1, size))) return es_err_set(err, ES_ENOMEM, "%s store: out of memory", name);
  if (pthread_mutex_init((pthread_mutex_t *)(void *)(s + mu_off), NULL)) {
    free(s);
    return es_err_set(err, ES_EINTERNAL, "%s store: cannot create a mutex", name);
  }
  *(es_store *)(void *)s = *methods;
  *out = s;
  return 0;
}
