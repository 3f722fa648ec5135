/* routes.c - the API's route table, its dispatch, and the read-only endpoints; ingest lives in
   ingest.c, readiness in ready.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/api_internal.h"
#include "http/mhd.h"

/* Bounds of GET /data/jobs?limit=N: the page asks for a screenful, a script for more. */
#define JOBS_LIMIT_DEFAULT 50
#define JOBS_LIMIT_MAX 1000
/* How long DELETE /data/jobs/{id} waits for the job's stream to be cancelled before answering. */
#define CANCEL_WAIT_S 10.0

typedef enum MHD_Result (*route_fn)(es_req *r);

/* A path is "/exact", or "/prefix/" followed by one segment (no '/') handed over as r->param. */
typedef struct route {
  const char *method; /* GET also answers HEAD */
  const char *path;
  int has_param;
  route_fn fn;
} route;

static enum MHD_Result page(es_req *r) {
  return es_reply_static(r, 200, "text/html; charset=utf-8", es_api_page_html);
}

static enum MHD_Result docs(es_req *r) {
  return es_reply_static(r, 200, "text/html; charset=utf-8", es_api_docs_html);
}

static enum MHD_Result openapi(es_req *r) {
  return es_reply_static(r, 200, "application/json", es_api_openapi_json);
}

static enum MHD_Result healthz(es_req *r) {
  es_buf b = ES_BUF_INIT;
  es_buf_puts(&b, "{\"status\":\"ok\",\"server\":");
  es_buf_json_str(&b, r->api->cfg.client.server);
  es_buf_printf(&b, ",\"jobs_active\":%d,\"max_jobs\":%d}", es_jobs_active(r->api->jobs),
                r->api->cfg.max_jobs);
  return es_reply_json(r, 200, &b);
}

static enum MHD_Result files(es_req *r) {
  es_buf b = ES_BUF_INIT;
  es_error err;
  int rc = es_datadir_list_json(&r->api->dir, &b, &err);
  if (rc) {
    es_buf_free(&b);
    return es_reply_error(r, 500, rc, err.msg, NULL);
  }
  return es_reply_json(r, 200, &b);
}

/* A decimal query parameter in [0, max], default def when absent; -1 when malformed. */
static long query_count(es_req *r, const char *key, long def, long max) {
  const char *v = es_req_arg(r, key);
  char *end;
  long n;
  if (!v || !*v) return def;
  if (*v < '0' || *v > '9') return -1;
  errno = 0;
  n = strtol(v, &end, 10);
  return errno || *end || n > max ? -1 : n;
}

static enum MHD_Result jobs_list(es_req *r) {
  es_buf b = ES_BUF_INIT;
  long limit = query_count(r, "limit", JOBS_LIMIT_DEFAULT, JOBS_LIMIT_MAX);
  long offset = query_count(r, "offset", 0, 1L << 30);
  char msg[96];
  if (limit < 0 || offset < 0) {
    snprintf(msg, sizeof(msg), "limit must be an integer in 0..%d and offset one from 0 on",
             JOBS_LIMIT_MAX);
    return es_reply_error(r, 400, ES_EINVAL, msg, NULL);
  }
  if (es_jobs_list_json(r->api->jobs, (size_t)limit, (size_t)offset, &b)) es_buf_free(&b);
  return es_reply_json(r, 200, &b);
}

/* Job ids are decimal; anything else is simply not a job. */
static int parse_id(const char *s, uint64_t *id) {
  char *end;
  unsigned long long v;
  if (*s < '0' || *s > '9') return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *id = v;
  return 0;
}

static enum MHD_Result job_get(es_req *r) {
  es_buf b = ES_BUF_INIT;
  es_error err;
  uint64_t id;
  int rc;
  if (parse_id(r->param, &id)) return es_reply_error(r, 404, ES_ENOTFOUND, "no such job", NULL);
  rc = es_jobs_get_json(r->api->jobs, id, &b, &err);
  if (rc) {
    es_buf_free(&b);
    return es_reply_error(r, es_http_status_for(rc), rc, err.msg, NULL);
  }
  return es_reply_json(r, 200, &b);
}

/* Cancels a queued or running job; answers with the job once its stream has stopped. */
static enum MHD_Result job_delete(es_req *r) {
  es_buf b = ES_BUF_INIT, fields = ES_BUF_INIT;
  es_error err;
  enum MHD_Result ret;
  uint64_t id;
  int rc, ended;
  if (parse_id(r->param, &id)) return es_reply_error(r, 404, ES_ENOTFOUND, "no such job", NULL);
  rc = es_jobs_cancel(r->api->jobs, id, CANCEL_WAIT_S, &ended, &b, &err);
  if (rc == 0) return es_reply_json(r, ended ? 200 : 202, &b); /* 202: still stopping */
  if (rc == ES_EPRECOND && b.ptr) { /* already over: 409, with the job as it ended */
    es_buf_puts(&fields, "\"job\":");
    es_buf_put(&fields, b.ptr, b.len);
  }
  ret = es_reply_error(r, rc == ES_EPRECOND ? 409 : es_http_status_for(rc), rc, err.msg,
                       fields.oom ? NULL : fields.ptr);
  es_buf_free(&fields);
  es_buf_free(&b);
  return ret;
}

static const route routes[] = {
    {"GET", "/", 0, page},
    {"GET", "/docs", 0, docs},
    {"GET", "/openapi.json", 0, openapi},
    {"GET", "/healthz", 0, healthz},
    {"GET", "/readyz", 0, es_api_readyz},
    {"GET", "/data/files", 0, files},
    {"GET", "/data/jobs", 0, jobs_list},
    {"GET", "/data/jobs/", 1, job_get},
    {"DELETE", "/data/jobs/", 1, job_delete},
    {"POST", "/data/ingest/", 1, es_api_ingest},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Whether url is rt's path; *param is then the segment it names (or NULL). */
static int path_matches(const route *rt, const char *url, const char **param) {
  size_t n = strlen(rt->path);
  *param = NULL;
  if (!rt->has_param) return !strcmp(url, rt->path);
  if (strncmp(url, rt->path, n) || strchr(url + n, '/')) return 0;
  *param = url + n;
  return 1;
}

static int method_matches(const route *rt, const char *method) {
  return !strcmp(method, rt->method) ||
         (!strcmp(rt->method, "GET") && !strcmp(method, MHD_HTTP_METHOD_HEAD));
}

/* Every request goes through here: the one place a check that must run before any handler
   (credentials, say) belongs. A path that exists with another method is a 405 with Allow. */
static enum MHD_Result dispatch(es_req *r) {
  char allow[64] = "";
  size_t i;
  for (i = 0; i < NROUTES; i++) {
    const route *rt = &routes[i];
    if (!path_matches(rt, r->url, &r->param)) continue;
    if (method_matches(rt, r->method)) return rt->fn(r);
    if (*allow) strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
    strncat(allow, !strcmp(rt->method, "GET") ? "GET, HEAD" : rt->method,
            sizeof(allow) - strlen(allow) - 1);
  }
  if (*allow) return es_reply_method_not_allowed(r, allow);
  return es_reply_error(r, 404, ES_ENOTFOUND, "no such endpoint; see /docs", NULL);
}

enum MHD_Result es_api_handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  es_req r;
  enum MHD_Result ret;
  int refused;
  (void)version;
  (void)upload;
  if (es_mhd_no_work(state, upload_size)) return MHD_YES;
  es_debug("%s %s", method, url);
  memset(&r, 0, sizeof(r));
  r.api = cls;
  r.conn = c;
  r.method = method;
  r.url = url;
  ret = es_api_authorize(&r, &refused);
  return refused ? ret : dispatch(&r);
}
