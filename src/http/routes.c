/* routes.c - the API's URL routing and its read-only endpoints; ingest lives in ingest.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/api_internal.h"

enum MHD_Result es_api_ingest(es_api *a, struct MHD_Connection *c, const char *domain);

static int is_get(const char *method) {
  return !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
}

static enum MHD_Result healthz(es_api *a, struct MHD_Connection *c) {
  es_buf b = ES_BUF_INIT;
  es_buf_puts(&b, "{\"status\":\"ok\",\"server\":");
  es_buf_json_str(&b, a->cfg.client.server);
  es_buf_printf(&b, ",\"jobs_active\":%d,\"max_jobs\":%d}", es_jobs_active(a->jobs),
                a->cfg.max_jobs);
  return es_reply_json(c, 200, &b);
}

static enum MHD_Result files(es_api *a, struct MHD_Connection *c) {
  es_buf b = ES_BUF_INIT;
  es_error err;
  int rc = es_datadir_list_json(&a->dir, &b, &err);
  if (rc) {
    es_buf_free(&b);
    return es_reply_error(c, 500, rc, err.msg);
  }
  return es_reply_json(c, 200, &b);
}

static enum MHD_Result jobs_list(es_api *a, struct MHD_Connection *c) {
  es_buf b = ES_BUF_INIT;
  es_jobs_list_json(a->jobs, &b);
  return es_reply_json(c, 200, &b);
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

static enum MHD_Result job_get(es_api *a, struct MHD_Connection *c, const char *sid) {
  es_buf b = ES_BUF_INIT;
  es_error err;
  uint64_t id;
  int rc;
  if (parse_id(sid, &id)) return es_reply_error(c, 404, ES_ENOTFOUND, "no such job");
  rc = es_jobs_get_json(a->jobs, id, &b, &err);
  if (rc) {
    es_buf_free(&b);
    return es_reply_error(c, es_http_status_for(rc), rc, err.msg);
  }
  return es_reply_json(c, 200, &b);
}

/* GET endpoints; *known says whether the path exists at all (for 404 versus 405). */
static enum MHD_Result route_get(es_api *a, struct MHD_Connection *c, const char *url, int *known) {
  *known = 1;
  if (!strcmp(url, "/")) return es_reply_static(c, 200, "text/html; charset=utf-8", es_api_page_html);
  if (!strcmp(url, "/healthz")) return healthz(a, c);
  if (!strcmp(url, "/openapi.json"))
    return es_reply_static(c, 200, "application/json", es_api_openapi_json);
  if (!strcmp(url, "/data/files")) return files(a, c);
  if (!strcmp(url, "/data/jobs")) return jobs_list(a, c);
  if (!strncmp(url, "/data/jobs/", 11) && !strchr(url + 11, '/')) return job_get(a, c, url + 11);
  *known = 0;
  return MHD_NO;
}

static int is_get_path(const char *url) {
  return !strcmp(url, "/") || !strcmp(url, "/healthz") || !strcmp(url, "/openapi.json") ||
         !strcmp(url, "/data/files") || !strcmp(url, "/data/jobs") ||
         (!strncmp(url, "/data/jobs/", 11) && !strchr(url + 11, '/'));
}

static int is_ingest_path(const char *url) {
  return !strncmp(url, "/data/ingest/", 13) && !strchr(url + 13, '/');
}

static enum MHD_Result route(es_api *a, struct MHD_Connection *c, const char *url,
                             const char *method) {
  int known = 0;
  enum MHD_Result ret;
  if (is_ingest_path(url)) {
    if (!strcmp(method, MHD_HTTP_METHOD_POST)) return es_api_ingest(a, c, url + 13);
    return es_reply_method_not_allowed(c, "POST");
  }
  if (is_get(method)) {
    ret = route_get(a, c, url, &known);
    if (known) return ret;
  } else if (is_get_path(url)) {
    return es_reply_method_not_allowed(c, "GET, HEAD");
  }
  return es_reply_error(c, 404, ES_ENOTFOUND, "no such endpoint; see /openapi.json");
}

enum MHD_Result es_api_handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  static int started; /* its address marks a request whose headers were seen */
  enum MHD_Result ret;
  int refused;
  (void)version;
  (void)upload;
  if (!*state) {
    *state = &started;
    return MHD_YES;
  }
  if (*upload_size) {
    *upload_size = 0; /* no endpoint takes a body: read and drop it */
    return MHD_YES;
  }
  es_debug("%s %s", method, url);
  ret = es_api_authorize(cls, c, url, &refused);
  return refused ? ret : route(cls, c, url, method);
}
