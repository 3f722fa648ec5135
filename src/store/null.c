/* null.c - a store that keeps nothing but counts: for dry runs and benchmarks of the wire path. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/backends.h"

typedef struct null_counts {
  uint64_t rows, chunks, committed, aborted;
  int32_t dim; /* of the last committed stream; 0 before any */
} null_counts;

typedef struct null_store {
  es_store base;
  pthread_mutex_t mu;
  null_counts counts[8]; /* indexed like es_domains[] */
} null_store;

typedef struct null_txn {
  es_txn base;
  size_t domain; /* index into es_domains[] */
  int32_t dim;
  uint64_t rows; /* staged so far */
} null_txn;

static size_t domain_index(const es_domain *d) {
  size_t i;
  for (i = 0; i < es_domain_count; i++)
    if (es_domains[i] == d) return i;
  return es_domain_count;
}

static int null_stage(es_txn *tx, const es_chunk *c, es_error *err) {
  null_txn *t = (null_txn *)tx;
  (void)err;
  t->rows += c->nrows;
  return 0;
}

static int null_commit(es_txn *tx, const es_stream_totals *tot, int64_t *log_id, es_error *err) {
  null_txn *t = (null_txn *)tx;
  null_store *s = (null_store *)tx->store;
  null_counts *n = &s->counts[t->domain];
  (void)err;
  if (log_id) *log_id = 0; /* no log kept */
  pthread_mutex_lock(&s->mu);
  n->rows += t->rows;
  n->chunks += tot ? tot->chunks : 0;
  n->committed++;
  n->dim = t->dim;
  pthread_mutex_unlock(&s->mu);
  free(t);
  return 0;
}

static void null_abort(es_txn *tx, const es_stream_totals *tot, es_ingest_status status,
                       const char *reason) {
  null_txn *t = (null_txn *)tx;
  null_store *s = (null_store *)tx->store;
  (void)tot;
  (void)status;
  (void)reason;
  pthread_mutex_lock(&s->mu);
  s->counts[t->domain].aborted++;
  pthread_mutex_unlock(&s->mu);
  free(t);
}

static const es_txn null_methods = {NULL, null_stage, null_commit, null_abort};

static int null_begin(es_store *st, const es_stream_info *info, es_txn **out, es_error *err) {
  null_txn *t;
  size_t di = info && info->domain ? domain_index(info->domain) : es_domain_count;
  void *p;
  int rc;
  *out = NULL;
  if (info && info->domain && di >= es_domain_count)
    return es_err_set(err, ES_EINTERNAL, "null store: unknown domain");
  if ((rc = es_store_txn_new(st, info, sizeof(*t), &null_methods, &p, err))) return rc;
  t = p;
  t->domain = di;
  t->dim = info->dim;
  *out = &t->base;
  return 0;
}

static int null_stats_json(es_store *st, es_buf *out, es_error *err) {
  null_store *s = (null_store *)st;
  size_t i;
  es_buf_puts(out, "{\"store\":\"null:\",\"domains\":{");
  pthread_mutex_lock(&s->mu);
  for (i = 0; i < es_domain_count; i++) {
    const null_counts *n = &s->counts[i];
    es_buf_printf(out,
                  "%s\"%s\":{\"rows\":%llu,\"chunks\":%llu,\"streams_committed\":%llu,"
                  "\"streams_aborted\":%llu,\"vector_dimension\":",
                  i ? "," : "", es_domains[i]->name, (unsigned long long)n->rows,
                  (unsigned long long)n->chunks, (unsigned long long)n->committed,
                  (unsigned long long)n->aborted);
    if (n->dim)
      es_buf_printf(out, "%d}", (int)n->dim);
    else
      es_buf_puts(out, "null}");
  }
  pthread_mutex_unlock(&s->mu);
  es_buf_puts(out, "},\"last_ingests\":[]}");
  if (out->oom) return es_err_set(err, ES_ENOMEM, "null store: out of memory");
  return 0;
}

static void null_close(es_store *st) {
  null_store *s = (null_store *)st;
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static const es_store null_store_methods = {"null",     null_begin, null_stats_json,
                                            null_close, NULL,       NULL};

int es_null_open(const char *url, const char *rest, es_store **out, es_error *err) {
  null_store *s;
  void *p;
  int rc;
  *out = NULL;
  if (*rest) return es_err_set(err, ES_EUSAGE, "store '%s': null: takes no arguments", url);
  if (es_domain_count > sizeof(s->counts) / sizeof(s->counts[0]))
    return es_err_set(err, ES_EINTERNAL, "null store: too many domains");
  if ((rc = es_store_new(sizeof(*s), offsetof(null_store, mu), &null_store_methods, &p, err)))
    return rc;
  s = p;
  *out = &s->base;
  return 0;
}
