/* jobs.c - ingest jobs on their own threads, so a long stream never holds up other HTTP requests. */
#include "http/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

typedef struct es_job es_job;

struct es_job {
  es_job *next;           /* creation order, oldest first */
  es_jobs *table;
  uint64_t id;
  es_job_state state;
  char *domain, *path, *file_name;
  int dim;
  size_t chunk_rows;
  es_loader_opts loader;
  es_progress progress;
  volatile int cancel;    /* es_ingest_opts.cancel points here */
  double created, started, finished;
  int http_status;        /* once finished */
  int code;               /* es_code of the outcome */
  char *body;             /* the JSON the synchronous request answers with */
  char *error;            /* message when failed */
  pthread_t thread;
  int has_thread;
  int holders;            /* waiters reading it: not pruned meanwhile */
};

struct es_jobs {
  pthread_mutex_t mu;
  pthread_cond_t cv;      /* broadcast whenever a job ends or the table stops */
  es_job *head, *tail;
  size_t finished;
  int active, max_active;
  int waiters;            /* synchronous requests inside es_jobs_wait */
  size_t history;
  uint64_t next_id;
  int stopping;
  es_ingest_opts base;
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

int es_jobs_new(const es_ingest_opts *base, int max_active, size_t history, es_jobs **out,
                es_error *err) {
  es_jobs *t = calloc(1, sizeof(*t));
  *out = NULL;
  if (!t) return es_err_set(err, ES_ENOMEM, "out of memory");
  if (pthread_mutex_init(&t->mu, NULL)) goto fail_mu;
  if (pthread_cond_init(&t->cv, NULL)) goto fail_cv;
  t->base = *base;
  t->max_active = max_active > 0 ? max_active : 1;
  t->history = history;
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

static char *error_body(const es_job *j, int code, const char *msg, int grpc_status,
                        int attempts) {
  es_buf b = ES_BUF_INIT;
  es_buf_puts(&b, "{\"error\":");
  es_buf_json_str(&b, msg);
  es_buf_puts(&b, ",\"code\":");
  es_buf_json_str(&b, es_code_name(code));
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
  j->state = code ? ES_JOB_FAILED : ES_JOB_SUCCEEDED;
  t->active--;
  t->finished++;
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
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
  rc = es_client_ingest(&o, &res, &err);
  if (rc == 0) {
    es_info("job %llu: done, %ld rows in %ld chunks", (unsigned long long)j->id,
            (long)res.response.rows, (long)res.response.chunks);
    job_finish(j, 0, 200, "", success_body(j, &res, es_clock_wall() - t0));
  } else {
    if (!err.msg[0]) es_err_set(&err, rc, "ingest failed: %s", es_code_name(rc));
    es_warn("job %llu: failed (%s): %s", (unsigned long long)j->id, es_code_name(rc), err.msg);
    job_finish(j, rc, es_http_status_for_ingest(rc, res.outcome), err.msg,
               error_body(j, rc, err.msg, res.grpc_status, res.attempts));
  }
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
    int done = j->state == ES_JOB_SUCCEEDED || j->state == ES_JOB_FAILED;
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
    rc = es_err_set(err, ES_EEXHAUSTED, "too many ingests in flight (%d, --max-jobs %d); retry later",
                    t->active, t->max_active);
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

static es_job *find(es_jobs *t, uint64_t id) {
  es_job *j;
  for (j = t->head; j; j = j->next)
    if (j->id == id) return j;
  return NULL;
}

int es_jobs_wait(es_jobs *t, uint64_t id, int *http_status, es_buf *body, es_error *err) {
  es_job *j;
  int rc = 0;
  pthread_mutex_lock(&t->mu);
  if (!(j = find(t, id))) {
    rc = es_err_set(err, ES_ENOTFOUND, "no job %llu", (unsigned long long)id);
    goto done;
  }
  j->holders++;
  t->waiters++;
  while (j->state != ES_JOB_SUCCEEDED && j->state != ES_JOB_FAILED && !t->stopping)
    pthread_cond_wait(&t->cv, &t->mu);
  j->holders--;
  t->waiters--;
  pthread_cond_broadcast(&t->cv); /* es_jobs_stop waits for the waiters to leave */
  if (j->state != ES_JOB_SUCCEEDED && j->state != ES_JOB_FAILED) {
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
  static const char *names[] = {"queued", "running", "succeeded", "failed"};
  return names[s];
}

static void put_time(es_buf *b, const char *key, double t) {
  struct tm tm;
  time_t s = (time_t)t;
  es_buf_printf(b, ",\"%s\":", key);
  if (t <= 0) {
    es_buf_puts(b, "null");
    return;
  }
  gmtime_r(&s, &tm);
  es_buf_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((t - (double)s) * 1000));
}

/* With the lock held. */
static void job_json(const es_job *j, es_buf *b) {
  double end = j->finished > 0 ? j->finished : es_clock_wall();
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
  es_job *j;
  int rc = 0;
  pthread_mutex_lock(&t->mu);
  if ((j = find(t, id)))
    job_json(j, out);
  else
    rc = es_err_set(err, ES_ENOTFOUND, "no job %llu", (unsigned long long)id);
  pthread_mutex_unlock(&t->mu);
  return rc;
}

/* Newest first: the recursion depth is bounded by active + history jobs. */
static void list_rev(const es_job *j, es_buf *out, int *first) {
  if (!j) return;
  list_rev(j->next, out, first);
  if (!*first) es_buf_puts(out, ",");
  *first = 0;
  job_json(j, out);
}

int es_jobs_list_json(es_jobs *t, es_buf *out) {
  int first = 1;
  pthread_mutex_lock(&t->mu);
  es_buf_printf(out, "{\"max_jobs\":%d,\"active\":%d,\"jobs\":[", t->max_active, t->active);
  list_rev(t->head, out, &first);
  es_buf_puts(out, "]}");
  pthread_mutex_unlock(&t->mu);
  return out->oom ? ES_ENOMEM : 0;
}

int es_jobs_active(es_jobs *t) {
  int n;
  pthread_mutex_lock(&t->mu);
  n = t->active;
  pthread_mutex_unlock(&t->mu);
  return n;
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
