/* store.c - picks a storage backend from a store URL. */
#include "store/store.h"

#include <string.h>

#include "store/backends.h"

/* Backends not built yet: the scheme is reserved so a URL meant for them is never taken for a
   file name, and the user learns why it fails. */
__attribute__((unused)) static int open_unsupported(const char *url, const char *rest, es_store **out, es_error *err) {
  (void)rest;
  *out = NULL;
  return es_err_set(err, ES_EUSAGE, "store '%s': PostgreSQL is not supported yet (use sqlite:PATH or null:)",
                    url);
}

/* The PostgreSQL backend plugs in here, one line: its constructor replaces open_unsupported. */
#define OPEN_POSTGRES es_pg_open

/* Matched by prefix, first match wins; a bare *.db / *.sqlite path is SQLite (below). */
static const struct {
  const char *prefix;
  es_store_open_fn open;
} backends[] = {
    {"null:", es_null_open},
    {"sqlite:", es_sqlite_open},
    {"postgresql://", OPEN_POSTGRES},
    {"postgres://", OPEN_POSTGRES},
    {"postgres:", OPEN_POSTGRES},
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
  if (!url || !*url) return es_err_set(err, ES_EUSAGE, "empty store URL (use sqlite:PATH or null:)");
  for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
    size_t n = strlen(backends[i].prefix);
    if (!strncmp(url, backends[i].prefix, n)) return backends[i].open(url, url + n, out, err);
  }
  if (is_bare_sqlite_path(url)) return es_sqlite_open(url, url, out, err);
  return es_err_set(err, ES_EUSAGE,
                    "unknown store '%s' (expected sqlite:PATH, a path ending in .db or .sqlite, or null:)",
                    url);
}

void es_store_close(es_store *st) {
  if (st && st->close) st->close(st);
}
