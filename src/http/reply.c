/* reply.c - queues JSON, HTML and error responses on an MHD connection, with common headers. */
#include <string.h>

#include "http/api_internal.h"

static void common_headers(struct MHD_Response *r, const char *type) {
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result queue(struct MHD_Connection *c, int status, struct MHD_Response *r) {
  enum MHD_Result ret;
  if (!r) return MHD_NO; /* MHD then drops the connection: nothing better is possible */
  ret = MHD_queue_response(c, (unsigned int)status, r);
  MHD_destroy_response(r);
  return ret;
}

/* A JSON response owning body's memory (NULL when MHD has none to give). */
static struct MHD_Response *json_response(es_buf *body) {
  struct MHD_Response *r = MHD_create_response_from_buffer(body->len, body->ptr, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    es_buf_free(body);
    return NULL;
  }
  body->ptr = NULL; /* MHD owns it now */
  es_buf_free(body);
  common_headers(r, "application/json");
  return r;
}

enum MHD_Result es_reply_json(struct MHD_Connection *c, int status, es_buf *body) {
  if (body->oom || !body->ptr) {
    es_buf_free(body);
    return es_reply_static(c, 500, "application/json",
                           "{\"error\":\"out of memory\",\"code\":\"OUT_OF_MEMORY\"}");
  }
  return queue(c, status, json_response(body));
}

static void error_body(es_buf *b, int status, int code, const char *msg) {
  es_buf_puts(b, "{\"error\":");
  es_buf_json_str(b, msg);
  es_buf_puts(b, ",\"code\":");
  es_buf_json_str(b, es_code_name(code));
  es_buf_printf(b, ",\"http_status\":%d}", status);
}

enum MHD_Result es_reply_error(struct MHD_Connection *c, int status, int code, const char *msg) {
  es_buf b = ES_BUF_INIT;
  error_body(&b, status, code, msg);
  return es_reply_json(c, status, &b);
}

enum MHD_Result es_reply_auth_error(struct MHD_Connection *c, int status, const char *msg) {
  es_buf b = ES_BUF_INIT;
  struct MHD_Response *r;
  error_body(&b, status, status == 401 ? ES_EUNAUTH : ES_EPERM, msg);
  if (b.oom) {
    es_buf_free(&b);
    return MHD_NO;
  }
  if (!(r = json_response(&b))) return MHD_NO;
  if (status == 401) es_httpauth_challenge(r, c);
  return queue(c, status, r);
}

enum MHD_Result es_reply_static(struct MHD_Connection *c, int status, const char *type,
                                const char *body) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  common_headers(r, type);
  if (!strncmp(type, "text/html", 9))
    /* The page must work with nothing but itself and this API: say so to the browser. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; "
                            "style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
  return queue(c, status, r);
}

enum MHD_Result es_reply_method_not_allowed(struct MHD_Connection *c, const char *allow) {
  es_buf b = ES_BUF_INIT;
  struct MHD_Response *r;
  es_buf_puts(&b, "{\"error\":\"method not allowed; use ");
  es_buf_puts(&b, allow);
  es_buf_puts(&b, "\",\"code\":\"USAGE\",\"http_status\":405}");
  if (b.oom) {
    es_buf_free(&b);
    return MHD_NO;
  }
  r = MHD_create_response_from_buffer(b.len, b.ptr, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    es_buf_free(&b);
    return MHD_NO;
  }
  common_headers(r, "application/json");
  MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  return queue(c, 405, r);
}
