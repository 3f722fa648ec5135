/* ready.c - GET /readyz: ready only while the gRPC server answers its health check (/healthz
   says only that the API itself runs). One check at a time, its answer reused briefly, so that
   many pages polling cannot turn into a stream of connections to the server. */
#include <stdio.h>

#include "core/clock.h"
#include "core/log.h"
#include "http/api_internal.h"

#define READY_TIMEOUT_S 2.0 /* a server that takes longer to say SERVING is not ready */
#define READY_REUSE_S 1.0   /* how long one check's answer stands */

/* Checks (or reuses the last check) under the lock; fills *ready and why. */
static void check(es_api *a, int *ready, char *why, size_t cap) {
  double now = es_clock_mono();
  es_error err;
  int serving = 0;
  pthread_mutex_lock(&a->ready_mu);
  if (a->ready_at <= 0 || now - a->ready_at >= READY_REUSE_S) {
    if (es_client_health(&a->cfg.client, READY_TIMEOUT_S, &serving, &err) || !serving) {
      if (a->ready)
        es_warn("the gRPC server at %s is not ready: %s", a->cfg.client.server, err.msg);
      snprintf(a->ready_why, sizeof(a->ready_why), "%.200s", err.msg);
    } else if (!a->ready && a->ready_at > 0) {
      es_info("the gRPC server at %s is ready again", a->cfg.client.server);
    }
    a->ready = serving;
    a->ready_at = es_clock_mono();
  }
  *ready = a->ready;
  snprintf(why, cap, "%.255s", a->ready_why);
  pthread_mutex_unlock(&a->ready_mu);
}

enum MHD_Result es_api_readyz(es_req *r) {
  const char *server = r->api->cfg.client.server;
  es_buf b = ES_BUF_INIT, fields = ES_BUF_INIT;
  char why[256], msg[700];
  enum MHD_Result ret;
  int ready;
  check(r->api, &ready, why, sizeof(why));
  if (ready) {
    es_buf_puts(&b, "{\"status\":\"ready\",\"server\":");
    es_buf_json_str(&b, server);
    es_buf_puts(&b, "}");
    return es_reply_json(r, 200, &b);
  }
  snprintf(
      msg, sizeof(msg),
      "the gRPC server does not answer its health check (%s); is `embedstream serve` running at %s?",
      why, server);
  es_buf_puts(&fields, "\"server\":");
  es_buf_json_str(&fields, server);
  ret = es_reply_error(r, 503, ES_EUNAVAIL, msg, fields.oom ? NULL : fields.ptr);
  es_buf_free(&fields);
  return ret;
}
