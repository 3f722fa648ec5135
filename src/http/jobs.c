/* jobs.c - ingest jobs on their own threads, so a long stream never holds up other HTTP requests.
 */
#include "http/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "http/datadir.h"

typedef struct es_job es_job;

struct es_job {
  es_job *next; /* creation order, oldest first */
  es_jobs *table;
  uint64_t id;
  es_job_state state;
  char *domain, *path, *file_name;
  int dim;
  size_t chunk_rows;
  es_loader_opts loader;
  es_progress progress;
  double attempt_started; /* wall time the current attempt's first progress arrived */
  volatile int cancel;    /* es_ingest_opts.cancel points here */
  int cancel_asked;       /* by DELETE (not by the API's shutdown) */
  double created, started, finished;
  int http_status; /* once finished */
  int code;        /* es_code of the outcome */
  char *body;      /* the JSON the synchronous request answers with */
  char *error;     /* message when failed */
  pthread_t thread;
  int has_thread;
  int holders; /* waiters reading it: not pruned meanwhile */
};

struct es_jobs {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* broadcast whenever a job ends or the table stops */
  es_job *head, *tail;
  size_t finished;
  int active, max_active;
  int waiters; /* synchronous requests inside es_jobs_wait */
  size_t history;
  uint64_t next_id;
  int stopping;
  es_ingest_opts base;
  const char *data_root; /* never shown in an error message */
};

int es_http_status_for(int code) {
  switch (code) {
  case ES_OK: return 200;
  case ES_ENOTFOUND: return 404;
  case ES_EINVAL:
  case ES_EPRECOND:
  case ES_EUSAGE: return 400;
  case ES_EUNAVAIL:
  case ES_EEXHAUSTED:
  case ES_ECANCELLED: return 503;
  default: return 500;
  }
}

int es_jobs_new(const es_ingest_opts *base, int max_active, size_t history, const char *data_root,
                es_jobs **out, es_error *err) {
  es_jobs *t = calloc(1, sizeof(*t));
  *out = NULL;
  if (!t) return es_err_set(err, ES_ENOMEM, "out of memory");
  if (pthread_mutex_init(&t->mu, NULL)) goto fail_mu;
  if (pthread_cond_init(&t->cv, NULL)) goto fail_cv;
  t->base = *base;
  t->max_active = max_active > 0 ? max_active : 1;
  t->history = history;
  t->data_root = data_root;
  t->next_id = 1;
  *out = t;
  return 0;
fail_cv:
  pthread_mutex_destroy(&t->mu);
fail_mu:
  free(t);
  return es_err_set(err, ES_EINTERNAL, "cannot create the job table's lock");
}

static void job_free(es_job *j) {
  free(j->domain);
  free(j->path);
  free(j->file_name);
  free(j->body);
  free(j->error);
  free(j);
}

static void on_progress(void *ud, const es_progress *p) {
  es_job *j = ud;
  pthread_mutex_lock(&j->table->mu);
  if (p->attempt != j->progress.attempt) j->attempt_started = es_clock_wall();
  j->progress = *p;
  pthread_mutex_unlock(&j->table->mu);
}

static char *success_body(const es_job *j, const es_ingest_result *res, double secs) {
  es_buf b = ES_BUF_INIT;
  es_buf_puts(&b, "{\"status\":");
  es_buf_json_str(&b, res->response.status);
  es_buf_puts(&b, ",\"message\":");
  es_buf_json_str(&b, res->response.message);
  es_buf_printf(&b,
                ",\"rows_sent\":%llu,\"rows_stored\":%llu,\"chunks_sent\":%llu,\"seconds\":%.3f,"
                "\"attempts\":%d",
                (unsigned long long)res->rows_sent, (unsigned long long)res->rows_stored,
                (unsigned long long)res->chunks_sent, secs, res->attempts);
  es_buf_printf(&b, ",\"job_id\":\"%llu\"}", (unsigned long long)j->id);
  if (b.oom) es_buf_free(&b);
  return b.ptr;
}

void es_http_error_open(es_buf *b, int code, const char *msg) {
  es_buf_puts(b, "{\"error\":{\"code\":");
  es_buf_json_str(b, es_code_name(code));
  es_buf_puts(b, ",\"message\":");
  es_buf_json_str(b, msg);
  es_buf_puts(b, "}");
}

static char *error_body(const es_job *j, int code, const char *msg, int grpc_status, int attempts) {
  es_buf b = ES_BUF_INIT;
  es_http_error_open(&b, code, msg);
  if (grpc_status) es_buf_printf(&b, ",\"grpc_status\":%d", grpc_status);
  es_buf_printf(&b, ",\"attempts\":%d,\"rows_stored\":0", attempts); /* nothing, on any failure */
  es_buf_puts(&b, ",\"domain\":");
  es_buf_json_str(&b, j->domain);
  es_buf_puts(&b, ",\"file_name\":");
  es_buf_json_str(&b, j->file_name);
  es_buf_printf(&b, ",\"job_id\":\"%llu\"}", (unsigned long long)j->id);
  if (b.oom) es_buf_free(&b);
  return b.ptr;
}

int es_http_status_for_ingest(int code, int outcome) {
  if (code == 0) return 200;
  switch (outcome) {
  case ES_INGEST_INPUT: return code == ES_ENOTFOUND ? 404 : code == ES_EIO ? 500 : 400;
  case ES_INGEST_REJECTED:
  case ES_INGEST_DENIED: return 400; /* whatever status the server refused with */
  case ES_INGEST_UNREACHABLE: return 503;
  case ES_INGEST_FAILED: return code == ES_ECANCELLED ? 503 : 500;
  default: return es_http_status_for(code);
  }
}

/* Records the outcome under the lock and wakes whoever waits for it. */
static void job_finish(es_job *j, int code, int http_status, const char *msg, char *body) {
  es_jobs *t = j->table;
  char *emsg = code ? strdup(msg) : NULL;
  pthread_mutex_lock(&t->mu);
  j->code = code;
  j->http_status = http_status;
  j->body = body;
  j->error = emsg;
  j->finished = es_clock_wall();
  j->state = !code                                ? ES_JOB_SUCCEEDED
             : code == ES_ECANCELLED && j->cancel ? ES_JOB_CANCELLED
                                                  : ES_JOB_FAILED;
  t->active--;
  t->finished++;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

/* How a job that ended on its cancel flag is answered: by DELETE, or by the API's shutdown. */
static int cancelled_status(const es_job *j, es_error *err) {
  if (j->cancel_asked)
    es_err_set(err, ES_ECANCELLED,
               "job %llu was cancelled (DELETE /data/jobs/%llu); nothing was stored",
               (unsigned long long)j->id, (unsigned long long)j->id);
  else
    es_err_set(err, ES_ECANCELLED, "the API is shutting down; job %llu was cancelled",
               (unsigned long long)j->id);
  return j->cancel_asked ? 409 : 503;
}

/* The ingest's outcome as the job records it, in the caller's terms: no server-side path. */
static void job_end(es_job *j, int rc, const es_ingest_result *res, es_error *err, double t0) {
  int status;
  if (rc == 0) {
    es_info("job %llu: done, %ld rows in %ld chunks", (unsigned long long)j->id,
            (long)res->response.rows, (long)res->response.chunks);
    job_finish(j, 0, 200, "", success_body(j, res, es_clock_wall() - t0));
    return;
  }
  if (!err->msg[0]) es_err_set(err, rc, "ingest failed: %s", es_code_name(rc));
  es_warn("job %llu: failed (%s): %s", (unsigned long long)j->id, es_code_name(rc), err->msg);
  status = es_http_status_for_ingest(rc, res->outcome);
  if (rc == ES_ECANCELLED && j->cancel) status = cancelled_status(j, err);
  es_datadir_scrub(j->table->data_root, j->path, j->file_name, err->msg, sizeof(err->msg));
  job_finish(j, rc, status, err->msg, error_body(j, rc, err->msg, res->grpc_status, res->attempts));
}

static void *job_main(void *arg) {
  es_job *j = arg;
  es_ingest_opts o = j->table->base;
  es_ingest_result res;
  es_error err;
  int rc;
  double t0;
  memset(&res, 0, sizeof(res));
  es_err_clear(&err);
  o.domain = j->domain;
  o.file = j->path;
  o.file_name = j->file_name;
  if (j->dim) o.dim = j->dim;
  if (j->chunk_rows) o.chunk_rows = j->chunk_rows;
  o.loader = j->loader;
  o.progress = on_progress;
  o.progress_ud = j;
  o.cancel = &j->cancel;
  pthread_mutex_lock(&j->table->mu);
  j->state = ES_JOB_RUNNING;
  j->started = t0 = es_clock_wall();
  pthread_mutex_unlock(&j->table->mu);
  es_info("job %llu: ingesting %s into %s", (unsigned long long)j->id, j->file_name, j->domain);
  /* Cancelled while queued: no stream at all. */
  rc = j->cancel ? es_err_set(&err, ES_ECANCELLED, "cancelled") : es_client_ingest(&o, &res, &err);
  job_end(j, rc, &res, &err, t0);
  return NULL;
}

static es_job *job_new(es_jobs *t, const es_job_spec *s) {
  es_job *j = calloc(1, sizeof(*j));
  if (!j) return NULL;
  j->table = t;
  j->domain = strdup(s->domain);
  j->path = strdup(s->path);
  j->file_name = strdup(s->file_name);
  if (!j->domain || !j->path || !j->file_name) {
    job_free(j);
    return NULL;
  }
  j->dim = s->dim;
  j->chunk_rows = s->chunk_rows;
  j->loader.ignore_unknown_columns = s->ignore_unknown_columns;
  j->created = es_clock_wall();
  j->state = ES_JOB_QUEUED;
  return j;
}

/* Drops the oldest finished jobs beyond the history size. Called with the lock held. */
static void prune(es_jobs *t) {
  es_job **pp = &t->head, *j;
  t->tail = NULL;
  while ((j = *pp)) {
    int done = j->state >= ES_JOB_SUCCEEDED;
    if (t->finished > t->history && done && j->holders == 0) {
      *pp = j->next;
      /* Finished jobs' threads have only their return left, so this join is immediate. */
      if (j->has_thread) pthread_join(j->thread, NULL);
      job_free(j);
      t->finished--;
      continue;
    }
    t->tail = j;
    pp = &j->next;
  }
}

int es_jobs_submit(es_jobs *t, const es_job_spec *spec, uint64_t *id, es_error *err) {
  es_job *j;
  int rc = 0;
  pthread_mutex_lock(&t->mu);
  if (t->stopping) {
    rc = es_err_set(err, ES_ECANCELLED, "the API is shutting down");
    goto done;
  }
  if (t->active >= t->max_active) {
    rc = es_err_set(err, ES_EEXHAUSTED,
                    "too many ingests in flight (%d, --max-jobs %d); retry later", t->active,
                    t->max_active);
    goto done;
  }
  prune(t);
  if (!(j = job_new(t, spec))) {
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
    goto done;
  }
  j->id = t->next_id++;
  if (pthread_create(&j->thread, NULL, job_main, j)) {
    job_free(j);
    rc = es_err_set(err, ES_EINTERNAL, "cannot start a thread for the job");
    goto done;
  }
  j->has_thread = 1;
  t->active++;
  if (t->tail)
    t->tail->next = j;
  else
    t->head = j;
  t->tail = j;
  *id = j->id;
done:
  pthread_mutex_unlock(&t->mu);
  return rc;
}

/* Job id into *out, or ES_ENOTFOUND with err saying so. With the lock held. */
static int find(es_jobs *t, uint64_t id, es_job **out, es_error *err) {
  es_job *j;
  for (j = t->head; j; j = j->next)
    if (j->id == id) {
      *out = j;
      return 0;
    }
  return es_err_set(err, ES_ENOTFOUND, "no job %llu", (unsigned long long)id);
}

int es_jobs_wait(es_jobs *t, uint64_t id, int *http_status, es_buf *body, es_error *err) {
  es_job *j = NULL;
  int rc = 0;
  pthread_mutex_lock(&t->mu);
  if ((rc = find(t, id, &j, err))) goto done;
  j->holders++;
  t->waiters++;
  while (j->state < ES_JOB_SUCCEEDED && !t->stopping) pthread_cond_wait(&t->cv, &t->mu);
  j->holders--;
  t->waiters--;
  pthread_cond_broadcast(&t->cv); /* es_jobs_stop waits for the waiters to leave */
  if (j->state < ES_JOB_SUCCEEDED) {
    rc = es_err_set(err, ES_ECANCELLED, "the API is shutting down; job %llu was cancelled",
                    (unsigned long long)id);
    goto done;
  }
  *http_status = j->http_status;
  if (j->body)
    es_buf_puts(body, j->body);
  else
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
done:
  pthread_mutex_unlock(&t->mu);
  return rc;
}

static const char *state_name(es_job_state s) {
  static const char *names[] = {"queued", "running", "succeeded", "failed", "cancelled"};
  return names[s];
}

static void put_time(es_buf *b, const char *key, double t) {
  char iso[ES_CLOCK_ISO_LEN];
  es_buf_printf(b, ",\"%s\":", key);
  if (t <= 0) {
    es_buf_puts(b, "null");
    return;
  }
  es_clock_iso(t, iso);
  es_buf_printf(b, "\"%s\"", iso);
}

/* Rows a second and seconds left of a running job, from its current attempt's progress
   (bytes read of the file's size); -1 where there is nothing to go by yet. */
static void job_rate(const es_job *j, double now, double *rows_per_s, double *eta_s) {
  double secs = now - j->attempt_started, left;
  const es_progress *p = &j->progress;
  *rows_per_s = *eta_s = -1;
  if (j->state != ES_JOB_RUNNING || j->attempt_started <= 0 || secs <= 0.05) return;
  *rows_per_s = (double)p->rows_sent / secs;
  if (p->bytes_read == 0 || p->bytes_total < p->bytes_read) return;
  left = (double)(p->bytes_total - p->bytes_read);
  *eta_s = secs * left / (double)p->bytes_read;
}

static void put_num(es_buf *b, const char *key, double v) {
  if (v < 0)
    es_buf_printf(b, ",\"%s\":null", key);
  else
    es_buf_printf(b, ",\"%s\":%.1f", key, v);
}

/* With the lock held. */
static void job_json(const es_job *j, es_buf *b) {
  double end = j->finished > 0 ? j->finished : es_clock_wall(), rate, eta;
  es_buf_printf(b, "{\"id\":\"%llu\",\"state\":\"%s\",\"domain\":", (unsigned long long)j->id,
                state_name(j->state));
  es_buf_json_str(b, j->domain);
  es_buf_puts(b, ",\"file_name\":");
  es_buf_json_str(b, j->file_name);
  es_buf_printf(b,
                ",\"rows_sent\":%llu,\"chunks_sent\":%llu,\"bytes_read\":%llu,"
                "\"bytes_total\":%llu,\"attempt\":%d",
                (unsigned long long)j->progress.rows_sent,
                (unsigned long long)j->progress.chunks_sent,
                (unsigned long long)j->progress.bytes_read,
                (unsigned long long)j->progress.bytes_total, j->progress.attempt);
  put_time(b, "created_at", j->created);
  put_time(b, "started_at", j->started);
  put_time(b, "finished_at", j->finished);
  es_buf_printf(b, ",\"seconds\":%.3f", j->started > 0 ? end - j->started : 0.0);
  job_rate(j, end, &rate, &eta);
  put_num(b, "rows_per_second", rate);
  put_num(b, "eta_seconds", eta);
  if (j->finished > 0)
    es_buf_printf(b, ",\"http_status\":%d,\"result\":%s", j->http_status,
                  j->body ? j->body : "null");
  else
    es_buf_puts(b, ",\"http_status\":null,\"result\":null");
  es_buf_puts(b, ",\"error\":");
  if (j->error)
    es_buf_json_str(b, j->error);
  else
    es_buf_puts(b, "null");
  es_buf_puts(b, "}");
}

int es_jobs_get_json(es_jobs *t, uint64_t id, es_buf *out, es_error *err) {
  es_job *j = NULL;
  int rc = 0;
  pthread_mutex_lock(&t->mu);
  prune(t);
  if (!(rc = find(t, id, &j, err))) job_json(j, out);
  pthread_mutex_unlock(&t->mu);
  return rc;
}

int es_jobs_list_json(es_jobs *t, size_t limit, size_t offset, es_buf *out) {
  const es_job **v = NULL, *j;
  size_t n = 0, i, cap = 0;
  int rc = 0;
  pthread_mutex_lock(&t->mu);
  prune(t); /* jobs that ended since the last submit count against the history too */
  for (j = t->head; j; j = j->next) cap++;
  if (cap && !(v = malloc(cap * sizeof(*v)))) {
    rc = ES_ENOMEM;
    goto done;
  }
  for (j = t->head; j; j = j->next) v[n++] = j; /* oldest first */
  es_buf_printf(
      out, "{\"max_jobs\":%d,\"active\":%d,\"total\":%zu,\"limit\":%zu,\"offset\":%zu,\"jobs\":[",
      t->max_active, t->active, n, limit, offset);
  for (i = offset; i < n && i - offset < limit; i++) {
    if (i > offset) es_buf_puts(out, ",");
    job_json(v[n - 1 - i], out);
  }
  es_buf_puts(out, "]}");
done:
  pthread_mutex_unlock(&t->mu);
  free(v);
  return rc ? rc : out->oom ? ES_ENOMEM : 0;
}

int es_jobs_active(es_jobs *t) {
  int n;
  pthread_mutex_lock(&t->mu);
  n = t->active;
  pthread_mutex_unlock(&t->mu);
  return n;
}

int es_jobs_cancel(es_jobs *t, uint64_t id, double wait_s, int *ended, es_buf *out, es_error *err) {
  struct timespec until = es_clock_after(CLOCK_REALTIME, wait_s);
  es_job *j = NULL;
  int rc = 0;
  *ended = 0;
  pthread_mutex_lock(&t->mu);
  if ((rc = find(t, id, &j, err))) goto done;
  if (j->state >= ES_JOB_SUCCEEDED) {
    rc = es_err_set(err, ES_EPRECOND, "job %llu has already ended (%s)", (unsigned long long)id,
                    state_name(j->state));
    job_json(j, out);
    goto done;
  }
  es_info("job %llu: cancelling", (unsigned long long)id);
  j->cancel_asked = 1;
  j->cancel = 1;
  j->holders++;
  while (j->state < ES_JOB_SUCCEEDED)
    if (pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT) break;
  j->holders--;
  *ended = j->state >= ES_JOB_SUCCEEDED;
  job_json(j, out);
done:
  pthread_mutex_unlock(&t->mu);
  return rc;
}

int es_jobs_retry_after(es_jobs *t) {
  double now = es_clock_wall(), soonest = -1, rate, eta;
  es_job *j;
  pthread_mutex_lock(&t->mu);
  for (j = t->head; j; j = j->next) {
    job_rate(j, now, &rate, &eta);
    if (eta >= 0 && (soonest < 0 || eta < soonest)) soonest = eta;
  }
  pthread_mutex_unlock(&t->mu);
  if (soonest < 0) return 2;
  return soonest < 1 ? 1 : soonest > 60 ? 60 : (int)soonest + 1;
}

int es_jobs_stop(es_jobs *t, double grace_s) {
  struct timespec until;
  es_job *j;
  int left;
  until = es_clock_after(CLOCK_REALTIME, grace_s);
  pthread_mutex_lock(&t->mu);
  t->stopping = 1;
  for (j = t->head; j; j = j->next) j->cancel = 1;
  pthread_cond_broadcast(&t->cv);
  if (t->active) es_info("cancelling %d ingest job(s)", t->active);
  while (t->active > 0 || t->waiters > 0)
    if (pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT) break;
  left = t->active;
  pthread_mutex_unlock(&t->mu);
  if (left) es_warn("%d ingest job(s) still running after %.1f s", left, grace_s);
  return left;
}

void es_jobs_free(es_jobs *t) {
  es_job *j, *next;
  if (!t) return;
  for (j = t->head; j; j = next) {
    next = j->next;
    if (j->has_thread) pthread_join(j->thread, NULL);
    job_free(j);
  }
  pthread_cond_destroy(&t->cv);
  pthread_mutex_destroy(&t->mu);
  free(t);
}
