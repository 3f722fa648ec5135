/* jobs.h - the API's ingest jobs: each runs es_client_ingest on its own thread; one locked table. */
#ifndef ES_JOBS_H
#define ES_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "client/client.h"
#include "core/buf.h"
#include "core/error.h"

typedef enum { ES_JOB_QUEUED, ES_JOB_RUNNING, ES_JOB_SUCCEEDED, ES_JOB_FAILED } es_job_state;

typedef struct es_jobs es_jobs;

typedef struct es_job_spec {
  const char *domain;
  const char *path;       /* resolved real path of the file */
  const char *file_name;  /* as the caller named it; sent in the stream's metadata */
  int dim;                /* 0: the domain's default */
  size_t chunk_rows;      /* 0: the table's default */
  int ignore_unknown_columns; /* drop columns the domain does not have instead of refusing */
} es_job_spec;

/* base: server, retries, timeouts... copied; its strings must outlive the table.
   max_active: jobs queued or running at once; history: finished jobs kept for GET. */
int es_jobs_new(const es_ingest_opts *base, int max_active, size_t history, es_jobs **out,
                es_error *err);
/* Starts a job. ES_EEXHAUSTED when max_active are already in flight, ES_ECANCELLED while
   stopping. *id names it. */
int es_jobs_submit(es_jobs *t, const es_job_spec *spec, uint64_t *id, es_error *err);
/* Blocks until job id ends (or the table stops), then gives its HTTP status and JSON body. */
int es_jobs_wait(es_jobs *t, uint64_t id, int *http_status, es_buf *body, es_error *err);
/* One job as JSON; ES_ENOTFOUND if unknown. */
int es_jobs_get_json(es_jobs *t, uint64_t id, es_buf *out, es_error *err);
/* {"max_jobs","active","jobs":[...]} newest first. */
int es_jobs_list_json(es_jobs *t, es_buf *out);
int es_jobs_active(es_jobs *t);
/* Refuses new jobs, sets every running job's cancel flag and waits up to grace_s for them.
   Returns how many are still running. */
int es_jobs_stop(es_jobs *t, double grace_s);
/* Frees the table; only when es_jobs_stop returned 0 (a running job still uses its memory). */
void es_jobs_free(es_jobs *t);

/* The HTTP status for an es_code (0 -> 200), when nothing more is known. */
int es_http_status_for(int code);
/* ... for what es_client_ingest returned: its code and res->outcome (es_ingest_outcome). */
int es_http_status_for_ingest(int code, int outcome);

#endif
