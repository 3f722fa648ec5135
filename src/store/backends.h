/* backends.h - constructors of the store backends, for store.c's dispatch table only. */
#ifndef ES_STORE_BACKENDS_H
#define ES_STORE_BACKENDS_H

#include "store/store.h"

/* Each takes the whole URL (for messages and stats) and the part after the scheme. */
typedef int (*es_store_open_fn)(const char *url, const char *rest, es_store **out, es_error *err);

int es_null_open(const char *url, const char *rest, es_store **out, es_error *err);
int es_sqlite_open(const char *url, const char *rest, es_store **out, es_error *err);
int es_pg_open(const char *url, const char *rest, es_store **out, es_error *err);

#endif
