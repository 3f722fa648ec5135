/* sqlite_int.h - what the SQLite store's files share: its structs, SQL builders and helpers. */
#ifndef ES_SQLITE_INT_H
#define ES_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/backends.h"

/* Waits this long for another process's write lock before answering ES_EUNAVAIL. */
#define ES_SQ_BUSY_MS 10000
/* A stream's commit waits this long for the write lock that another process (another server
   on the same file) holds for its own commit: the stream is staged whole by then, and giving
   up would make the client send all of it again. Past it: ABORTED (contention), sent again. */
#define ES_SQ_COMMIT_BUSY_MS 120000
/* Page caches per connection (KiB): bounded, so the staging table of a large stream spills to
   its temp file instead of growing the process. The main cache is larger because a commit's
   random-keyed primary-key inserts are what hit it; staging only appends. */
#define ES_SQ_CACHE_KIB 16384
#define ES_SQ_TEMP_CACHE_KIB 2048
/* Page size of new databases and of staging tables: rows are 1.5-3 KiB of vector, and large
   pages cut the per-page system calls of bulk commits by a factor of several (measured). */
#define ES_SQ_PAGE_SIZE 16384

typedef struct es_sq_store {
  es_store base;
  char *url; /* "sqlite:PATH", as stats reports it */
  char *path;
  sqlite3 *db; /* schema creation and stats; guarded by mu */
  pthread_mutex_t mu;
  /* Checkpoints run on their own thread so a commit returns as soon as its WAL frames are
     written; copying them into the database file happens alongside the next streams. */
  pthread_t ckpt_thread;
  int ckpt_started, ckpt_pending, ckpt_stop;
  pthread_mutex_t ckpt_mu;
  pthread_cond_t ckpt_cv;
  sqlite3 *ckpt_db;
} es_sq_store;

typedef struct es_sq_txn {
  es_txn base;
  es_sq_store *st;
  es_store_log log;
  sqlite3 *db;          /* this stream's own connection: its TEMP table is private to it */
  sqlite3_stmt *insert; /* INSERT INTO temp.stage */
  int in_txn;           /* the staging transaction is open */
  es_buf json;          /* one row's skills as a JSON array */
  es_buf swap;          /* one row's vector byte-swapped, on big-endian hosts only */
} es_sq_txn;

/* sqlite_sql.c: SQL text generated from the domain's field table, so there is one source of truth.
 */
int es_sq_sql_create_table(es_buf *b, const es_domain *d);
int es_sq_sql_create_stage(es_buf *b, const es_domain *d);
int es_sq_sql_insert_stage(es_buf *b, const es_domain *d);
int es_sq_sql_upsert(es_buf *b, const es_domain *d);
extern const char es_sq_sql_ingest_log[];
extern const char es_sq_sql_insert_log[];
extern const char es_sq_sql_log_add_client[];
extern const char es_sq_sql_set_log_status[];

/* sqlite_util.c */
/* Maps an SQLite result to an es_code (BUSY/LOCKED are retryable) and fills err. */
int es_sq_fail(sqlite3 *db, int rc, es_error *err, const char *path, const char *what);
/* Opens a connection with the store's pragmas (WAL set once at store open). */
int es_sq_connect(const char *path, int flags, sqlite3 **out, es_error *err);
int es_sq_exec(sqlite3 *db, const char *sql, const char *what, es_error *err, const char *path);
/* Length in floats of the vectors a domain's table holds; 0 when empty. */
int es_sq_table_dim(sqlite3 *db, const es_domain *d, int32_t *dim, es_error *err, const char *path);
/* ISO-8601 UTC with milliseconds: "2024-05-01T12:00:00.123Z". */
void es_sq_iso_time(double unix_seconds, char out[32]);
/* Appends an ingest_log row (runs in the caller's transaction, or its own if none). */
int es_sq_log(sqlite3 *db, const es_sq_txn *t, const es_stream_totals *tot, const char *status,
              const char *message, es_error *err);

/* sqlite_ckpt.c */
int es_sq_ckpt_start(es_sq_store *s, es_error *err);
void es_sq_ckpt_request(es_sq_store *s);
void es_sq_ckpt_stop(es_sq_store *s); /* safe when never started */

/* sqlite_txn.c */
int es_sq_begin(es_store *st, const es_stream_info *info, es_txn **out, es_error *err);
/* es_store.set_log_status */
int es_sq_set_log_status(es_store *st, int64_t log_id, es_ingest_status status, const char *note,
                         es_error *err);
/* sqlite_stats.c */
int es_sq_stats_json(es_store *st, es_buf *out, es_error *err);

#endif
