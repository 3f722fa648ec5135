/* batch.c - a run of many files: `parallel` workers take the next file in order, each file one
   es_client_ingest (its own atomic stream, retried on its own) over the run's one channel, so
   gRPC's round_robin spreads the streams over the servers. Results are reported as files end;
   with fail_fast no file starts after a failure, and the files never started are reported too. */
#include <pthread.h>
#include <string.h>

#include "client/client.h"
#include "client/client_int.h"
#include "core/clock.h"
#include "core/log.h"

typedef struct batch {
  const es_batch_opts *o;
  es_client_conn *conn;
  pthread_mutex_t mu;
  size_t next;  /* the next file to start */
  int stop;     /* a failure under fail_fast */
  int first_rc; /* the first failure's, and its message */
  es_error first_err;
  es_batch_result *res;
} batch;

/* Under b->mu: counts a finished file and reports it. */
static void account(batch *b, size_t i, int rc, const es_ingest_result *r, const es_error *err) {
  es_batch_file f = {i, b->o->files[i], 0, rc, r, err};
  es_batch_result *s = b->res;
  s->rows_sent += r->rows_sent;
  if (rc == 0) {
    s->succeeded++;
    s->rows_stored += r->rows_stored;
  } else {
    s->failed++;
    s->outcome = es_ingest_outcome_worse(
        s->outcome, r->outcome == ES_INGEST_OK ? ES_INGEST_FAILED : r->outcome);
    if (!b->first_rc) {
      b->first_rc = rc;
      b->first_err = *err;
    }
    if (b->o->fail_fast) b->stop = 1;
  }
  if (b->o->done) b->o->done(b->o->done_ud, &f);
}

static void *worker(void *arg) {
  batch *b = arg;
  for (;;) {
    es_ingest_opts io = b->o->ingest;
    es_ingest_result r;
    es_error err;
    size_t i;
    int rc;
    pthread_mutex_lock(&b->mu);
    if (b->stop || b->next >= b->o->nfiles) {
      pthread_mutex_unlock(&b->mu);
      return NULL;
    }
    i = b->next++;
    pthread_mutex_unlock(&b->mu);
    io.file = b->o->files[i];
    io.file_index = i;
    io.conn = b->conn;
    rc = es_client_ingest(&io, &r, &err);
    pthread_mutex_lock(&b->mu);
    account(b, i, rc, &r, &err);
    pthread_mutex_unlock(&b->mu);
  }
}

/* Workers on parallel - 1 more threads and this one. */
static void run_workers(batch *b, int parallel) {
  pthread_t t[256];
  int i, n = 0;
  if (parallel > 257) parallel = 257;
  for (i = 1; i < parallel; i++)
    if (!pthread_create(&t[n], NULL, worker, b))
      n++;
    else
      es_warn("cannot start a stream thread; running %d at once", n + 1);
  worker(b);
  for (i = 0; i < n; i++) pthread_join(t[i], NULL);
}

/* The files no worker started (fail_fast), reported as skipped. */
static void report_skipped(batch *b) {
  es_ingest_result none;
  es_error err;
  memset(&none, 0, sizeof(none));
  es_err_set(&err, ES_ECANCELLED, "not started: an earlier file failed (--fail-fast)");
  for (; b->next < b->o->nfiles; b->next++) {
    es_batch_file f = {b->next, b->o->files[b->next], 1, ES_ECANCELLED, &none, &err};
    b->res->skipped++;
    if (b->o->done) b->o->done(b->o->done_ud, &f);
  }
}

int es_client_batch(const es_batch_opts *o, es_batch_result *res, es_error *err) {
  batch b;
  es_client_creds creds;
  double t0 = es_clock_mono();
  int rc;
  memset(res, 0, sizeof(*res));
  memset(&b, 0, sizeof(b));
  es_err_clear(err);
  res->files = o->nfiles;
  /* The shared channel's TLS; each file's ingest reads its token for its calls itself. */
  if ((rc = es_client_creds_load(&o->ingest, &creds, err)) ||
      (rc = es_client_conn_open(&o->ingest, &creds, &b.conn, err))) {
    es_client_creds_free(&creds);
    res->outcome = rc == ES_EUSAGE   ? ES_INGEST_INPUT
                   : rc == ES_ENOMEM ? ES_INGEST_FAILED
                                     : ES_INGEST_UNREACHABLE;
    return rc;
  }
  es_client_creds_free(&creds); /* the channel holds its own copy */
  b.o = o;
  b.res = res;
  pthread_mutex_init(&b.mu, NULL);
  run_workers(&b, o->parallel > 0 ? o->parallel : 1);
  report_skipped(&b);
  pthread_mutex_destroy(&b.mu);
  es_client_conn_close(b.conn);
  res->seconds = es_clock_mono() - t0;
  if (b.first_rc && err) *err = b.first_err;
  return b.first_rc;
}
