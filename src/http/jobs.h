/* jobs.h - the API's ingest jobs: each runs es_client_ingest on its own thread; one locked table.
 */
#ifndef ES_JOBS_H
#define ES_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "client/client.h"
#include "core/buf.h"
#include "core/error.h"

typedef enum {
  ES_JOB_QUEUED,
  ES_JOB_RUNNING,
  ES_JOB_SUCCEEDED,
  ES_JOB_FAILED,
  ES_JOB_CANCELLED /* by DELETE /data/jobs/{id} or the API's shutdown: the stream was cancelled */
} es_job_state;

typedef struct es_jobs es_jobs;

typedef struct es_job_spec {
  const char *domain;
  const char *path;           /* resolved real path of the file */
  const char *file_name;      /* as the caller named it; sent in the stream's metadata */
  int dim;                    /* 0: the domain's default */
  size_t chunk_rows;          /* 0: the table's default */
  int ignore_unknown_columns; /* drop columns the domain does not have instead of refusing */
} es_job_spec;

/* base: server, retries, timeouts... copied; its strings must outlive the table.
   max_active: jobs queued or running at once; history: finished jobs kept for GET (the oldest
   go first). data_root: the data folder's real path, which error messages never show (names
   relative to it instead); it must outlive the table. */
int es_jobs_new(const es_ingest_opts *base, int max_active, size_t history, const char *data_root,
                es_jobs **out, es_error *err);
/* Starts a job. ES_EEXHAUSTED when max_active are already in flight, ES_ECANCELLED while
   stopping. *id names it. */
int es_jobs_submit(es_jobs *t, const es_job_spec *spec, uint64_t *id, es_error *err);
/* Blocks until job id ends (or the table stops), then gives its HTTP status and JSON body. */
int es_jobs_wait(es_jobs *t, uint64_t id, int *http_status, es_buf *body, es_error *err);
/* One job as JSON; ES_ENOTFOUND if unknown. */
int es_jobs_get_json(es_jobs *t, uint64_t id, es_buf *out, es_error *err);
/* {"max_jobs","active","total","limit","offset","jobs":[...]}: jobs newest first, `limit` of
   them from the `offset`-th on. */
int es_jobs_list_json(es_jobs *t, size_t limit, size_t offset, es_buf *out);
int es_jobs_active(es_jobs *t);
/* Asks job id to stop (its stream is cancelled, so the server stores nothing of it) and waits
   up to wait_s for it to end (*ended says whether it did); then its JSON into out. ES_ENOTFOUND
   if unknown, ES_EPRECOND if it had already ended (out then holds it too). */
int es_jobs_cancel(es_jobs *t, uint64_t id, double wait_s, int *ended, es_buf *out, es_error *err);
/* Whole seconds until a slot is likely to free: the soonest end a running job's rate predicts,
   within 1..60 (2 when no job has a rate yet). For the Retry-After of a 429. */
int es_jobs_retry_after(es_jobs *t);
/* Refuses new jobs, sets every running job's cancel flag and waits up to grace_s for them.
   Returns how many are still running. */
int es_jobs_stop(es_jobs *t, double grace_s);
/* Frees the table; only when es_jobs_stop returned 0 (a running job still uses its memory). */
void es_jobs_free(es_jobs *t);

/* Opens the API's error body: {"error":{"code":NAME,"message":msg} with no closing brace, so
   a route adds its own members (",\"job_id\":...") before closing it. */
void es_http_error_open(es_buf *b, int code, const char *msg);

/* The HTTP status for an es_code (0 -> 200), when nothing more is known. */
int es_http_status_for(int code);
/* ... for what es_client_ingest returned: its code and res->outcome (es_ingest_outcome). */
int es_http_status_for_ingest(int code, int outcome);

#endif
