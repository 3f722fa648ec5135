/* pg_int.h - what the PostgreSQL store's files share: options, pool, table layout, writers. */
#ifndef ES_PG_INT_H
#define ES_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>

#include "store/backends.h"

/* The most fields a domain has (domain.h); column arrays are sized by it. */
#define ES_PG_MAX_FIELDS 8
/* COPY data goes to libpq in pieces of about this size, so no chunk is encoded whole. */
#define ES_PG_COPY_PIECE (256 * 1024)
/* Rows per INSERT statement when COPY is off; also bounded by PostgreSQL's 65535 parameters. */
#define ES_PG_INSERT_ROWS 500

/* How vectors are stored in tables this store creates (existing tables keep their type). */
enum { ES_PG_VEC_AUTO, ES_PG_VEC_PGVECTOR, ES_PG_VEC_ARRAY };

/* Options of ours in the store URL (es_*), removed before the rest goes to libpq. */
typedef struct es_pg_opts {
  int copy; /* 1: COPY ... FROM STDIN (default); 0: multi-row INSERTs with binary parameters */
  int vector_mode; /* ES_PG_VEC_* */
  int pool_max;    /* most connections open at once; 0: as many as streams in flight */
} es_pg_opts;

/* pg_url.c */
/* Splits a store URL ("postgres://...", "postgresql://...", or the key=value text after
   "postgres:") into libpq's connection string and our options; display is the URL with any
   password masked, for messages and stats. */
int es_pg_url_parse(const char *url, const char *rest, char **conninfo, char **display,
                    es_pg_opts *o, es_error *err);

/* pg_pool.c: one connection per stream in flight, kept for the next stream; broken ones dropped. */
typedef struct es_pg_pool {
  pthread_mutex_t mu;
  char *conninfo;
  PGconn **idle;
  size_t nidle, idle_cap;
  int open; /* checked out + idle */
  int max;  /* 0: no cap */
  struct es_pg_busy {
    PGconn *conn;
    PGcancel *cancel;
  } * busy; /* checked out, with what cancels their query from another thread */
  size_t nbusy, busy_cap;
} es_pg_pool;

int es_pg_pool_init(es_pg_pool *p, const char *conninfo, int max, es_error *err);
/* An idle connection, or a new one. ES_EUNAVAIL if the database cannot be reached,
   ES_EEXHAUSTED if max connections are in use. */
int es_pg_pool_get(es_pg_pool *p, PGconn **out, es_error *err);
/* Takes a connection back; one that is broken or inside a transaction is closed instead. */
void es_pg_pool_put(es_pg_pool *p, PGconn *c);
/* Closes a connection that failed (its slot is freed). */
void es_pg_pool_discard(es_pg_pool *p, PGconn *c);
/* Closes every idle connection: after one was found dead, the others likely are too. */
void es_pg_pool_drop_idle(es_pg_pool *p);
/* Asks the database to cancel whatever each checked-out connection is running (PQcancel): a
   stream stuck on a lock then fails. From any thread; used when the server's grace is over. */
void es_pg_pool_interrupt(es_pg_pool *p);
void es_pg_pool_destroy(es_pg_pool *p);

/* pg_err.c: SQLSTATE -> es_code, and small exec helpers that fill err. */
/* The es_code for a failed result or connection: ES_EUNAVAIL when retrying can help. */
int es_pg_classify(PGconn *c, const PGresult *r);
/* 1 while c still reaches its server. PQstatus alone is not enough: after a command whose send
   failed because the server closed the connection, libpq still says CONNECTION_OK. */
int es_pg_alive(PGconn *c);
/* Fills err from a failed result (or the connection's message when r is NULL); returns the code. */
int es_pg_fail(PGconn *c, const PGresult *r, es_error *err, const char *what);
/* Runs a statement without parameters; 0 when it returned COMMAND_OK or TUPLES_OK. */
int es_pg_exec(PGconn *c, const char *sql, es_error *err, const char *what);
/* Runs a query with text parameters; *out is the TUPLES_OK result (caller PQclear()s it). */
int es_pg_query(PGconn *c, const char *sql, int nparams, const char *const *params, PGresult **out,
                es_error *err, const char *what);
/* "rollback" when inside a transaction; a connection left unusable is reported by PQstatus. */
void es_pg_rollback(PGconn *c);

/* The Postgres type a domain field maps to in an actual table, as the COPY encoder needs it. */
typedef enum {
  ES_PG_K_TEXT, /* text, varchar, bpchar: UTF-8 bytes */
  ES_PG_K_UUID, /* 16 bytes */
  ES_PG_K_INT2,
  ES_PG_K_INT4,
  ES_PG_K_INT8,
  ES_PG_K_TEXTARR,   /* text[] / varchar[]: array binary format, element type in elem */
  ES_PG_K_FLOAT4ARR, /* real[]: array binary format */
  ES_PG_K_VECTOR     /* pgvector: int16 dim, int16 unused, float4 values */
} es_pg_kind;

typedef struct es_pg_col {
  es_pg_kind kind;
  Oid type;     /* the column's type, for INSERT parameters */
  Oid elem;     /* element type of an array column */
  Oid array;    /* the array type of the column's type (the key check sends keys as one) */
  char sql[96]; /* format_type(): "vector(384)", "real[]", for the staging table */
} es_pg_col;

/* One domain table as it is in the database: column types in the domain's field order. */
typedef struct es_pg_table {
  const es_domain *d;
  char name[80]; /* quoted identifier: "\"recruit\"" */
  es_pg_col cols[ES_PG_MAX_FIELDS];
  int32_t dim;  /* declared (vector(N) or the CHECK), else of the first row; 0 unknown */
  int declared; /* dim comes from the schema: vector(N), or a CHECK on the array's length */
  int ours; /* made by this store (ES_PG_TABLE_COMMENT): while empty, its dimension may change */
  int has_rows;
} es_pg_table;

/* pg_schema.c */
typedef struct es_pg_store es_pg_store;
/* Creates the domain's table (declared for dim) and ingest_log if missing; checked once per
   store and domain. */
int es_pg_schema_ensure(es_pg_store *s, PGconn *c, const es_domain *d, int32_t dim, es_error *err);
/* Forgets which tables exist (one was dropped while the server ran). */
void es_pg_schema_forget(es_pg_store *s);
/* CREATE TABLE text for a domain (also what the README shows for creating it ahead of time). */
int es_pg_sql_create_table(es_buf *b, const es_domain *d, int32_t dim, int pgvector);
extern const char es_pg_sql_ingest_log[];
/* The comment on tables this store made; tables made ahead of time keep their declared dimension.
 */
#define ES_PG_TABLE_COMMENT \
  "embedstream: made on first use; its vector dimension follows the next stream while it is empty"

/* pg_table.c */
void es_pg_table_init(es_pg_table *t, const es_domain *d);
/* Takes the stream's lock on the table (kept until its transaction ends, so no one changes the
   table's definition meanwhile) and sees whether it has rows. */
int es_pg_table_lock(PGconn *c, es_pg_table *t, es_error *err);
/* Reads column types and the dimension; run after es_pg_table_lock in the same transaction. */
int es_pg_table_read(PGconn *c, es_pg_table *t, es_error *err);
/* Changes the declared dimension of an empty table made by this store, in its own short
   transaction. ES_EPRECOND when the table has rows or another stream is using it. */
int es_pg_table_redeclare(PGconn *c, const es_pg_table *t, int32_t dim, es_error *err);

/* pg_copy.c: PostgreSQL's binary formats (COPY BINARY rows, binary parameters). */
/* Appends one field as COPY BINARY does: int32 length, then the value in the column's binary
   format. The same bytes minus the length are a binary parameter value. */
int es_pg_put_field(es_buf *b, const es_pg_col *col, const es_value *v, const es_field *f,
                    es_error *err);
/* Appends (no length word) an array of keys in the binary format of the key column's array type. */
int es_pg_put_key_array(es_buf *b, const es_pg_col *col, const char *const *keys, size_t n,
                        es_error *err);
/* Where encoded COPY data goes: the connection, or a file in tests. */
typedef int (*es_pg_sink)(void *arg, const char *data, size_t n, es_error *err);
/* COPY BINARY's header and trailer, appended to b (ES_ENOMEM or 0). */
int es_pg_copy_header(es_buf *b);
int es_pg_copy_trailer(es_buf *b);
/* Appends rows[0..n) of c to b, handing b to sink and emptying it whenever it reaches
   ES_PG_COPY_PIECE bytes; the rest stays in b. */
int es_pg_copy_encode_rows(es_buf *b, const es_pg_table *t, const es_chunk *c, const uint32_t *rows,
                           size_t n, es_pg_sink sink, void *arg, es_error *err);
/* A whole COPY BINARY stream (header, rows, trailer) to sink. */
int es_pg_copy_encode(const es_pg_table *t, const es_chunk *c, const uint32_t *rows, size_t n,
                      es_buf *b, es_pg_sink sink, void *arg, es_error *err);

/* pg_copyio.c: COPY ... FROM STDIN on a connection (b: the caller's encoding buffer). */
int es_pg_copy_open(PGconn *conn, const char *copy_sql, es_buf *b, es_error *err);
/* Sends rows[0..n) of c and flushes them to the database; the COPY stays open. */
int es_pg_copy_send(PGconn *conn, const es_pg_table *t, const es_chunk *c, const uint32_t *rows,
                    size_t n, es_buf *b, es_error *err);
/* Ends the COPY; its outcome is that of every row sent since es_pg_copy_open. */
int es_pg_copy_close(PGconn *conn, es_buf *b, es_error *err);
/* Ends a COPY with an error, so the connection can roll back. */
void es_pg_copy_abandon(PGconn *conn, es_buf *b);
/* open + send + close. */
int es_pg_copy_rows(PGconn *conn, const char *copy_sql, const es_pg_table *t, const es_chunk *c,
                    const uint32_t *rows, size_t n, es_buf *b, es_error *err);

/* pg_keyset.c: hashes of the keys a stream wrote (a hit may be a collision; a miss is certain). */
#define ES_PG_KEYSET_MAX ((size_t)2 << 20) /* 16 MiB of hashes; beyond, the database checks */
typedef struct es_pg_keyset {
  uint64_t *h; /* sorted */
  size_t n, cap;
  int off; /* grew past ES_PG_KEYSET_MAX: it no longer knows; callers ask the database */
} es_pg_keyset;
uint64_t es_pg_key_hash(const char *key);
int es_pg_keyset_contains(const es_pg_keyset *s, uint64_t h);
/* Adds hashes (sorting hs in place); past the limit the set turns off. */
void es_pg_keyset_add(es_pg_keyset *s, uint64_t *hs, size_t m);
void es_pg_keyset_free(es_pg_keyset *s);
/* Indices of the rows to write, in key order: the last row of each key (the chunk's own
   duplicates removed, so one statement never touches a key twice). Key order makes every
   stream take a chunk's row locks (unique-index entries, upserted rows) in the same order, so
   streams whose chunks share keys wait for each other instead of deadlocking. *rows is
   malloc'd. */
int es_pg_last_rows(const es_chunk *c, uint32_t **rows, size_t *n, es_error *err);

/* pg_write.c: how one stream's rows reach its table, chunk by chunk, inside its transaction. */
typedef struct es_pg_writer {
  PGconn *conn;
  const es_pg_table *t;
  int copy;       /* COPY, or INSERT with binary parameters */
  int stage_made; /* the temp staging table exists in this transaction */
  int copy_open;  /* a COPY into the table is in progress (kept open across chunks) */
  int use_keys;   /* the table was empty at begin: keys_seen tells which keys exist */
  es_pg_keyset keys_seen;
  es_buf sql_copy, sql_stage_copy, sql_merge, sql_check, sql_insert;
  size_t insert_rows; /* rows per INSERT statement */
  es_buf data, keys;  /* encoded rows; the key array of a chunk */
  const char **values;
  int *lengths, *formats;
  Oid *types;
  uint64_t direct, merged; /* rows COPYed straight in / upserted through staging */
} es_pg_writer;

int es_pg_writer_init(es_pg_writer *w, PGconn *c, const es_pg_table *t, int copy, es_error *err);
/* Writes a chunk's rows (the last per key) to the table; visible at the transaction's commit. */
int es_pg_writer_put(es_pg_writer *w, const es_chunk *c, es_error *err);
/* Before commit: ends an open COPY, whose outcome is that of all rows it carried. */
int es_pg_writer_finish(es_pg_writer *w, es_error *err);
void es_pg_writer_free(es_pg_writer *w);

#define ES_PG_MAX_DOMAINS 8

struct es_pg_store {
  es_store base;
  char *display; /* URL with the password masked */
  es_pg_opts opts;
  es_pg_pool pool;
  int pool_ok;
  pthread_mutex_t schema_mu;
  int ready[ES_PG_MAX_DOMAINS]; /* per es_domains[] index: table known to exist */
  int log_ready;                /* ingest_log known to exist */
  int log_client;               /* ... with the column client (set with log_ready) */
  int ext_checked, has_pgvector;
};

/* pg_txn.c */
int es_pg_begin(es_store *st, const es_stream_info *info, es_txn **out, es_error *err);
/* es_store.set_log_status: rewrites an ingest_log row's status (a response not delivered). */
int es_pg_set_log_status(es_store *st, int64_t log_id, es_ingest_status status, const char *note,
                         es_error *err);
/* pg_stats.c */
int es_pg_stats_json(es_store *st, es_buf *out, es_error *err);

/* pg_util.c */
size_t es_pg_domain_index(const es_domain *d);

#endif
