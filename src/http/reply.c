/* reply.c - queues JSON, HTML and error responses on an MHD connection, with common headers:
   every route answers through here, so the error shape and Retry-After are the same on all. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http/api_internal.h"

#define OOM_BODY "{\"error\":{\"code\":\"OUT_OF_MEMORY\",\"message\":\"out of memory\"}}"

static void common_headers(struct MHD_Response *m, const char *type) {
  MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
}

int es_reply_retry_after(es_req *r, int status) {
  double s;
  if (status == 429) return es_jobs_retry_after(r->api->jobs);
  /* Unreachable, busy or not ready: about when the client's own first retry would be. */
  s = ceil(r->api->cfg.client.backoff_min_s);
  return s < 1 ? 1 : s > 60 ? 60 : (int)s;
}

static enum MHD_Result queue(es_req *r, int status, struct MHD_Response *m) {
  enum MHD_Result ret;
  char secs[16];
  if (!m) return MHD_NO; /* MHD then drops the connection: nothing better is possible */
  if (status == 429 || status == 503) {
    snprintf(secs, sizeof(secs), "%d", es_reply_retry_after(r, status));
    MHD_add_response_header(m, MHD_HTTP_HEADER_RETRY_AFTER, secs);
  }
  ret = MHD_queue_response(r->conn, (unsigned int)status, m);
  MHD_destroy_response(m);
  return ret;
}

/* A JSON response with the common headers that owns body's memory; NULL (body freed) when MHD
   has none to give. */
static struct MHD_Response *json_response(es_buf *body) {
  struct MHD_Response *m =
      MHD_create_response_from_buffer(body->len, body->ptr, MHD_RESPMEM_MUST_FREE);
  if (!m) {
    es_buf_free(body);
    return NULL;
  }
  body->ptr = NULL; /* MHD owns it now */
  es_buf_free(body);
  common_headers(m, "application/json");
  return m;
}

enum MHD_Result es_reply_json(es_req *r, int status, es_buf *body) {
  if (body->oom || !body->ptr) {
    es_buf_free(body);
    return es_reply_static(r, 500, "application/json", OOM_BODY);
  }
  return queue(r, status, json_response(body));
}

enum MHD_Result es_reply_error(es_req *r, int status, int code, const char *msg,
                               const char *fields) {
  es_buf b = ES_BUF_INIT;
  es_http_error_open(&b, code, msg);
  if (fields && *fields) {
    es_buf_puts(&b, ",");
    es_buf_puts(&b, fields);
  }
  es_buf_puts(&b, "}");
  return es_reply_json(r, status, &b);
}

enum MHD_Result es_reply_static(es_req *r, int status, const char *type, const char *body) {
  struct MHD_Response *m =
      MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
  if (!m) return MHD_NO;
  common_headers(m, type);
  if (!strncmp(type, "text/html", 9))
    /* The pages must work with nothing but themselves and this API: say so to the browser. */
    MHD_add_response_header(m, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; "
                            "style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
  return queue(r, status, m);
}

/* An error of the one shape whose response takes a header of its own before it is queued. */
static struct MHD_Response *error_response(int code, const char *msg) {
  es_buf b = ES_BUF_INIT;
  es_http_error_open(&b, code, msg);
  es_buf_puts(&b, "}");
  if (b.oom) {
    es_buf_free(&b);
    return NULL;
  }
  return json_response(&b);
}

enum MHD_Result es_reply_method_not_allowed(es_req *r, const char *allow) {
  struct MHD_Response *m;
  char msg[128];
  snprintf(msg, sizeof(msg), "method %.16s not allowed; use %s", r->method, allow);
  if (!(m = error_response(ES_EUSAGE, msg))) return MHD_NO;
  MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, allow);
  return queue(r, 405, m);
}

enum MHD_Result es_reply_auth_error(es_req *r, int status, const char *msg) {
  struct MHD_Response *m = error_response(status == 401 ? ES_EUNAUTH : ES_EPERM, msg);
  if (!m) return MHD_NO;
  if (status == 401) es_httpauth_challenge(m, r->conn);
  return queue(r, status, m);
}

const char *es_req_arg(es_req *r, const char *key) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}
