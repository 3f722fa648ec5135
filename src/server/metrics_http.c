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
  return reply(c, (unsigned)status, "text/plain; charset=utf-8", &b, NULL) == MHD_YES ? MHD_YES : MHD_NO;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  static int seen; /* its address marks a request whose headers were read */
  es_metrics_http *m = cls;
  int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
  (void)version;
  (void)upload;
  if (!*state) {
    *state = &seen;
    return MHD_YES;
  }
  if (*upload_size) {
    *upload_size = 0; /* nothing here takes a body: read and drop it */
    return MHD_YES;
  }
  if (m->tokens && unauthorized(m, c) == MHD_YES) return MHD_YES;
  if (strcmp(url, PATH)) return text(c, 404, "not found: metrics are at " PATH "\n", NULL);
  if (!get) return text(c, 405, "method not allowed: use GET\n", "GET, HEAD");
  return scrape(m, c);
}

int es_metrics_http_start(const char *listen, es_server_stats *stats, const es_tls_pair *tls,
                          es_tokenset *tokens, es_metrics_http **out, es_error *err) {
  es_metrics_http *m;
  struct sockaddr_storage ss;
  char host[256], why[300];
  const union MHD_DaemonInfo *info;
  struct MHD_OptionItem tls_opts[ES_HTTPAUTH_TLS_OPTIONS + 1];
  size_t n = 0;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG;
  int rc;
  *out = NULL;
  memset(&ss, 0, sizeof(ss));
  if ((rc = es_net_resolve_listen("--metrics-listen", listen, &ss, host, sizeof(host), err))) return rc;
  /* Asked first, so that a busy port is one clear line rather than libmicrohttpd's as well. */
  es_net_why_no_listen(listen, why, sizeof(why));
  if (*why) return es_err_set(err, ES_EIO, "cannot listen on %s for metrics: %s", listen, why);
  if (!(m = calloc(1, sizeof(*m)))) return es_err_set(err, ES_ENOMEM, "out of memory");
  m->stats = stats;
  m->tokens = tokens;
  if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  if (tls && tls->cert_pem) {
    flags |= MHD_USE_TLS;
    n = es_httpauth_tls_options(tls, tls_opts);
  }
  tls_opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  /* The logger goes first: MHD reports errors in the options after it through it. */
  m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, m, MHD_OPTION_EXTERNAL_LOGGER, es_log_external,
                            (void *)"metrics http", MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_ARRAY, tls_opts,
                            MHD_OPTION_END);
  if (!m->mhd) {
    free(m);
    return es_err_set(err, ES_EIO, "cannot listen on %s for metrics (see the message above)", listen);
  }
  info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(m->address, sizeof(m->address), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
           info ? (unsigned)info->port : 0u);
  *out = m;
  return 0;
}

const char *es_metrics_http_address(const es_metrics_http *m) { return m->address; }

void es_metrics_http_stop(es_metrics_http *m) {
  if (!m) return;
  MHD_stop_daemon(m->mhd);
  free(m);
}
