/* backends.h - constructors of the store backends, for store.c's dispatch table, the
   allocation every constructor starts with and the ingest_log record their streams keep. */
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

/* log.c: what a stream's ingest_log row records, kept alike by every backend that logs. */
typedef struct es_store_log {
  const es_domain *domain;
  char *file_name; /* "" when the stream named none */
  char *client;    /* who sent it (ingest_log.client), NULL when unknown */
  int32_t dim;
  double started_at;     /* unix time, 0 when unknown */
  uint64_t rows, chunks; /* staged so far */
} es_store_log;

/* The row's numbers: the caller's totals (tot may be NULL: the counts staged instead), and
   unix times, started = finished when begin() had no start time. */
typedef struct es_store_log_row {
  uint64_t rows, chunks;
  double started, finished;
} es_store_log_row;

/* Copies info's fields (ES_ENOMEM); es_store_log_free is safe after a failure. */
int es_store_log_init(es_store_log *l, const es_stream_info *info, es_error *err);
void es_store_log_free(es_store_log *l);
/* ES_EINTERNAL when c belongs to another domain than the stream's. */
int es_store_log_check(const es_store_log *l, const es_chunk *c, es_error *err);
/* Counts a chunk stage() has taken. */
void es_store_log_staged(es_store_log *l, const es_chunk *c);
/* ES_EPRECOND: the stream's table already holds vectors of dimension have. */
int es_store_log_dim_mismatch(const es_store_log *l, int32_t have, es_error *err);
void es_store_log_fill_row(const es_store_log *l, const es_stream_totals *tot,
                           es_store_log_row *out);

/* How a logging backend's begin() builds a stream (es_store_txn_begin). */
typedef struct es_store_txn_kind {
  const es_txn *methods; /* stage, commit, abort */
  size_t size;           /* of the backend's transaction, its es_txn first */
  size_t log_off;        /* where its es_store_log is */
  /* Opens the stream (connection, transaction) once the log is filled. */
  int (*open)(es_txn *tx, es_error *err);
  /* Frees tx and what it holds, whatever open reached (also when open never ran). */
  void (*free)(es_txn *tx);
} es_store_txn_kind;

/* A whole begin(): es_store_txn_new, the log filled from info, then kind->open; on failure
   kind->free and *out NULL. */
int es_store_txn_begin(es_store *st, const es_stream_info *info, const es_store_txn_kind *kind,
                       es_txn **out, es_error *err);

#endif
