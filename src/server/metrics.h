/* metrics.h - the server's counters in Prometheus text format, served over HTTP (libmicrohttpd). */
#ifndef ES_SERVER_METRICS_H
#define ES_SERVER_METRICS_H

#include "auth/tls.h"
#include "auth/tokenset.h"
#include "core/buf.h"
#include "core/error.h"
#include "server/stats.h"

#define ES_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exposition text (format 0.0.4) of every metric, HELP and TYPE lines included.
   0, or ES_ENOMEM. */
int es_metrics_render(es_server_stats *s, es_buf *out);

typedef struct es_metrics_http es_metrics_http;

/* Serves GET /metrics on listen (HOST:PORT or [V6]:PORT; port 0 picks a free one) from
   libmicrohttpd's own thread, until es_metrics_http_stop. stats (and tokens) must outlive the
   endpoint. tls (may be NULL): HTTPS with that certificate; tokens (may be NULL): a bearer
   token is required, else 401. */
int es_metrics_http_start(const char *listen, es_server_stats *stats, const es_tls_pair *tls,
                          es_tokenset *tokens, es_metrics_http **out, es_error *err);
/* "HOST:PORT" with the port actually bound. */
const char *es_metrics_http_address(const es_metrics_http *m);
/* Closes the endpoint and frees m (NULL is fine). */
void es_metrics_http_stop(es_metrics_http *m);

#endif
