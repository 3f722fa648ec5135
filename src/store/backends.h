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

/* A zeroed backend of size bytes whose es_store (first) is a copy of methods (its name and
   methods) and whose pthread mutex at byte mu_off is initialised; messages say "NAME store: ...".
 */
int es_store_new(size_t size, size_t mu_off, const es_store *methods, void **out, es_error *err);

/* What every begin() starts with: checks info as all stores do (a domain; a dimension in
   ES_DIM_MIN..ES_DIM_MAX), then a zeroed transaction of size bytes (its es_txn first) with
   methods' stage, commit and abort and store st. */
int es_store_txn_new(es_store *st, const es_stream_info *info, size_t size, const es_txn *methods,
                     void **out, es_error *err);

#endif
