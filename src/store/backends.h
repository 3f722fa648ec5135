/* backends.h - constructors of the store backends, for store.c's dispatch table, and the
   allocation every constructor starts with. */
#ifndef ES_STORE_BACKENDS_H
#define ES_STORE_BACKENDS_H

#include <stddef.h>

#include "store/store.h"

/* Each takes the whole URL (for messages and stats) and the part after the scheme. */
typedef int (*es_store_open_fn)(const char *url, const char *rest, es_store **out, es_error *err);

int es_null_open(const char *url, const char *rest, es_store **out, es_error *err);
int es_sqlite_open(const char *url, const char *rest, es_store **out, es_error *err);
int es_pg_open(const char *url, const char *rest, es_store **out, es_error *err);

/* A zeroed backend of size bytes (its es_store first, named name) whose pthread mutex at byte
   mu_off is initialised; messages say "NAME store: ...". */
int es_store_new(size_t size, size_t mu_off, const char *name, void **out, es_error *err);

#endif
