/* store.h - one interface over every storage backend; a stream is one es_txn. */
#ifndef ES_STORE_H
#define ES_STORE_H

#include <stdint.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/error.h"

/* The store `serve` and `stats` use when none is named: a SQLite file in the working folder. */
#define ES_DEFAULT_STORE "sqlite:embedstream.db"

typedef struct es_store es_store;
typedef struct es_txn es_txn;

typedef struct es_stream_info {
  const es_domain *domain;
  const char *file_name;
  int32_t dim;
  double started_at;  /* unix time, seconds */
  const char *client; /* who sent it (token name, certificate subject), NULL when unknown */
} es_stream_info;

typedef struct es_stream_totals {
  uint64_t rows;
  uint64_t chunks;
} es_stream_totals;

/* What an ingest_log row says about a stream. */
typedef enum es_ingest_status {
  ES_INGEST_SUCCESS,   /* committed, and the response reached the client */
  ES_INGEST_FAILED,    /* refused (bad data, protocol or store error): nothing stored */
  ES_INGEST_CANCELLED, /* ended by the peer, the transport, a deadline, idleness or shutdown:
                          nothing stored */
  ES_INGEST_PARTIAL    /* committed, but the response could not be delivered (a retry is
                          harmless: rows are upserted) */
} es_ingest_status;

/* "success", "failed", "cancelled", "partial": the words ingest_log stores. */
const char *es_store_status_name(es_ingest_status s);

/* A backend embeds this as its first member. Methods may be called from many threads at once,
   one es_txn per thread. */
struct es_store {
  const char *name; /* "sqlite", "postgres", "null" */
  /* Starts a stream. A table that already holds another dimension: ES_EPRECOND, both named. */
  int (*begin)(es_store *st, const es_stream_info *info, es_txn **out, es_error *err);
  /* Row counts per domain and the last ingests, as one JSON object. */
  int (*stats_json)(es_store *st, es_buf *out, es_error *err);
  void (*close)(es_store *st);
  /* Optional (NULL: the backend never waits long): makes calls of this store's transactions
     that are blocked in the database (a lock held by someone else) fail soon, so their streams
     roll back. From any thread, at any time; the server uses it once --grace is over. */
  void (*interrupt)(es_store *st);
  /* Optional (NULL: the backend keeps no log): rewrites the status of the ingest_log row a
     commit reported (log_id) and appends note to its message. For a stream committed whose
     response then failed to reach the client (ES_INGEST_PARTIAL). */
  int (*set_log_status)(es_store *st, int64_t log_id, es_ingest_status status, const char *note,
                        es_error *err);
};

struct es_txn {
  es_store *store;
  /* Takes validated rows; nothing is visible to readers before commit. Keeps no pointer into c. */
  int (*stage)(es_txn *tx, const es_chunk *c, es_error *err);
  /* Upserts every staged row (last row per key wins) and records the ingest_log entry, all in
     one transaction. Frees tx whatever the outcome; on failure nothing was stored. *log_id
     (log_id may be NULL) receives the entry's id for set_log_status, 0 without one. */
  int (*commit)(es_txn *tx, const es_stream_totals *t, int64_t *log_id, es_error *err);
  /* Discards the staged rows, records an ingest_log entry with status (ES_INGEST_FAILED or
     ES_INGEST_CANCELLED) and the reason, frees tx. */
  void (*abort)(es_txn *tx, const es_stream_totals *t, es_ingest_status status, const char *reason);
};

/* URL forms: "sqlite:PATH" (or a bare path ending in .db), "null:",
   "postgres://..." / "postgresql://..." / "postgres:key=value ...". */
int es_store_open(const char *url, es_store **out, es_error *err);
void es_store_close(es_store *st);

#endif
