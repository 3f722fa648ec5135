/* metrics_http.c - GET /metrics over libmicrohttpd: one internal polling thread, since a scrape
   only formats a few counters. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/httpauth.h"
#include "core/log.h"
#include "core/net.h"
#include "http/mhd.h"
#include "server/metrics.h"

#define PATH "/metrics"

struct es_metrics_http {
  struct MHD_Daemon *mhd;
  es_server_stats *stats;
  es_tokenset *tokens; /* NULL: no token needed */
  char address[300];
};

/* allow: the Allow header of a 405; on a 401, the challenge goes in its place. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             es_buf *body, const char *allow) {
  struct MHD_Response *r;
  enum MHD_Result ret;
  r = MHD_create_response_from_buffer(body->len, body->ptr, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    es_buf_free(body);
    return MHD_NO; /* MHD drops the connection: nothing better is possible */
  }
  body->ptr = NULL; /* MHD owns it now */
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (allow) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
  if (status == MHD_HTTP_UNAUTHORIZED) es_httpauth_challenge(r, c);
  ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg,
                            const char *allow) {
  es_buf b = ES_BUF_INIT;
  es_buf_puts(&b, msg);
  if (b.oom) {
    es_buf_free(&b);
    return MHD_NO;
  }
  return reply(c, status, "text/plain; charset=utf-8", &b, allow);
}

static enum MHD_Result scrape(es_metrics_http *m, struct MHD_Connection *c) {
  es_buf b = ES_BUF_INIT;
  if (es_metrics_render(m->stats, &b) || !b.ptr) {
    es_buf_free(&b);
    return text(c, 500, "out of memory\n", NULL);
  }
  return reply(c, 200, ES_METRICS_CONTENT_TYPE, &b, NULL);
}

/* With --tokens, any of them may read the metrics (they say nothing of a single domain). */
static enum MHD_Result unauthorized(es_metrics_http *m, struct MHD_Connection *c) {
  char why[200];
  es_token who;
  es_buf b = ES_BUF_INIT;
  int status = es_httpauth_check(c, m->tokens, NULL, &who, why, sizeof(why));
  if (!status) return MHD_NO; /* allowed: nothing queued */
  es_buf_printf(&b, "%s\n", why);
  if (b.oom) {
    es_buf_free(&b);
    return MHD_NO;
  }
  return reply(c, (unsigned)status, "text/plain; charset=utf-8", &b, NULL) == MHD_YES ? MHD_YES
                                                                                      : MHD_NO;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  es_metrics_http *m = cls;
  int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
  (void)version;
  (void)upload;
  if (es_mhd_no_work(state, upload_size)) return MHD_YES;
  if (m->tokens && unauthorized(m, c) == MHD_YES) return MHD_YES;
  if (strcmp(url, PATH)) return text(c, 404, "not found: metrics are at " PATH "\n", NULL);
  if (!get) return text(c, 405, "method not allowed: use GET\n", "GET, HEAD");
  return scrape(m, c);
}

int es_metrics_http_start(const char *listen, es_server_stats *stats, const es_tls_pair *tls,
                          es_tokenset *tokens, es_metrics_http **out, es_error *err) {
  es_metrics_http *m;
  es_mhd_spec spec = {.option = "--metrics-listen",
                      .listen = listen,
                      .purpose = " for metrics",
                      .log_name = "metrics http",
                      .max_conns = 64,
                      .timeout_s = 30,
                      .tls = tls,
                      .handler = handle};
  int rc;
  *out = NULL;
  if (!(m = calloc(1, sizeof(*m)))) return es_err_set(err, ES_ENOMEM, "out of memory");
  m->stats = stats;
  m->tokens = tokens;
  spec.cls = m;
  if ((rc = es_mhd_start(&spec, &m->mhd, m->address, sizeof(m->address), err))) {
    free(m);
    return rc;
  }
  *out = m;
  return 0;
}

const char *es_metrics_http_address(const es_metrics_http *m) { return m->address; }

void es_metrics_http_stop(es_metrics_http *m) {
  if (!m) return;
  MHD_stop_daemon(m->mhd);
  free(m);
}
