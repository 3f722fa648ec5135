/* ingest.c - POST /data/ingest/{domain}: checks the request, then runs or queues an ingest job. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/domain.h"
#include "core/log.h"
#include "core/validate.h"
#include "http/api_internal.h"
#include "load/loader.h"

typedef struct ingest_req {
  const es_domain *domain;
  const char *name; /* file_name as decoded by MHD; name_len counts a NUL inside it */
  size_t name_len;
  int async;
  int dim;
  size_t chunk_rows;
  int ignore_unknown;
} ingest_req;

static int parse_bool(const char *v, int *out) {
  if (!v || !*v || !strcasecmp(v, "false") || !strcmp(v, "0"))
    *out = 0;
  else if (!strcasecmp(v, "true") || !strcmp(v, "1"))
    *out = 1;
  else
    return -1;
  return 0;
}

/* Decimal in [lo, hi]; NULL or "" leaves *out alone. */
static int parse_long(const char *v, long lo, long hi, long *out) {
  char *end;
  long n;
  if (!v || !*v) return 0;
  errno = 0;
  n = strtol(v, &end, 10);
  if (errno || *end || n < lo || n > hi) return -1;
  *out = n;
  return 0;
}

static int parse_query(es_req *q, ingest_req *r, es_error *err) {
  long dim = 0, rows = 0;
  const char *cs = es_req_arg(q, "chunk_size");
  if (MHD_lookup_connection_value_n(q->conn, MHD_GET_ARGUMENT_KIND, "file_name", 9, &r->name,
                                    &r->name_len) != MHD_YES ||
      !r->name)
    return es_err_set(err, ES_EINVAL, "the query parameter file_name is required");
  if (parse_bool(es_req_arg(q, "async"), &r->async))
    return es_err_set(err, ES_EINVAL, "async must be true or false");
  if (parse_bool(es_req_arg(q, "ignore_unknown_columns"), &r->ignore_unknown))
    return es_err_set(err, ES_EINVAL, "ignore_unknown_columns must be true or false");
  if (parse_long(es_req_arg(q, "dim"), ES_DIM_MIN, ES_DIM_MAX, &dim))
    return es_err_set(err, ES_EINVAL, "dim must be an integer in %d..%d", ES_DIM_MIN, ES_DIM_MAX);
  if (cs && strcasecmp(cs, "auto") && parse_long(cs, 1, 1000000, &rows))
    return es_err_set(err, ES_EINVAL, "chunk_size must be auto or an integer in 1..1000000");
  r->dim = (int)dim;
  r->chunk_rows = (size_t)rows;
  return 0;
}

static enum MHD_Result unknown_domain(es_req *q, const char *domain) {
  es_error err;
  if (es_utf8_valid(domain, strlen(domain)))
    es_err_set(&err, ES_EINVAL, "unknown domain '%.100s' (expected one of: %s)", domain,
               es_domain_names());
  else
    es_err_set(&err, ES_EINVAL, "unknown domain (expected one of: %s)", es_domain_names());
  return es_reply_error(q, 400, ES_EINVAL, err.msg, NULL);
}

static enum MHD_Result accepted(struct MHD_Connection *c, uint64_t id) {
  es_buf b = ES_BUF_INIT;
  struct MHD_Response *r;
  char loc[64];
  snprintf(loc, sizeof(loc), "/data/jobs/%llu", (unsigned long long)id);
  es_buf_printf(&b, "{\"job_id\":\"%llu\",\"state\":\"queued\",\"status_url\":\"%s\"}",
                (unsigned long long)id, loc);
  if (b.oom) {
    es_buf_free(&b);
    return MHD_NO;
  }
  r = MHD_create_response_from_buffer(b.len, b.ptr, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    es_buf_free(&b);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, loc);
  {
    enum MHD_Result ret = MHD_queue_response(c, 202, r);
    MHD_destroy_response(r);
    return ret;
  }
}

/* Starts the job; a synchronous request then blocks only its own connection's thread. */
static enum MHD_Result run(es_req *q, const ingest_req *r, const char *path) {
  es_job_spec spec = {r->domain->name, path, r->name, r->dim, r->chunk_rows, r->ignore_unknown};
  es_buf body = ES_BUF_INIT;
  es_error err;
  uint64_t id;
  int rc, status = 500;
  rc = es_jobs_submit(q->api->jobs, &spec, &id, &err);
  if (rc == ES_EEXHAUSTED) return es_reply_error(q, 429, rc, err.msg, NULL);
  if (rc) return es_reply_error(q, es_http_status_for(rc), rc, err.msg, NULL);
  if (r->async) return accepted(q->conn, id);
  rc = es_jobs_wait(q->api->jobs, id, &status, &body, &err);
  if (rc) {
    es_buf_free(&body);
    return es_reply_error(q, es_http_status_for(rc), rc, err.msg, NULL);
  }
  return es_reply_json(q, status, &body);
}

enum MHD_Result es_api_ingest(es_req *q) {
  ingest_req r;
  es_error err;
  char *path = NULL;
  enum MHD_Result ret;
  int rc;
  memset(&r, 0, sizeof(r));
  if (!(r.domain = es_domain_find(q->param))) return unknown_domain(q, q->param);
  if (parse_query(q, &r, &err)) return es_reply_error(q, 400, err.code, err.msg, NULL);
  /* Traversal and format are refused before the file system is asked anything. */
  if ((rc = es_datadir_check_name(r.name, r.name_len, &err)))
    return es_reply_error(q, 400, rc, err.msg, NULL);
  if (!es_loader_supported(r.name)) {
    char fmt[16];
    es_datadir_format(r.name, fmt, sizeof(fmt));
    es_err_set(&err, ES_EINVAL, "unsupported file format '%s'", fmt);
    return es_reply_error(q, 400, ES_EINVAL, err.msg, NULL);
  }
  rc = es_datadir_resolve(&q->api->dir, r.name, r.name_len, &path, &err);
  if (rc) {
    es_info("ingest refused: %s", err.msg);
    return es_reply_error(q, es_http_status_for(rc), rc, err.msg, NULL);
  }
  ret = run(q, &r, path);
  free(path);
  return ret;
}
