/* server.h - the EmbeddingStreamService gRPC server (the spec's Batch Server). */
#ifndef ES_SERVER_H
#define ES_SERVER_H

#include <stddef.h>

#include "core/error.h"
#include "core/limits.h"

#define ES_DEFAULT_LISTEN "127.0.0.1:50052"

typedef struct es_server_opts {
  const char *listen;    /* host:port */
  const char *store_url; /* see es_store_open */
  int max_streams;       /* streams at once; more get RESOURCE_EXHAUSTED */
  size_t max_message_bytes;
  int grace_s;                /* on SIGINT/SIGTERM, how long streams in flight may finish */
  int idle_timeout_s;         /* a stream without a complete message this long ends; 0: never */
  const char *metrics_listen; /* NULL: no metrics endpoint */
  const char *tls_cert;       /* PEM certificate (chain) and key: TLS 1.2+ (gRPC and metrics) */
  const char *tls_key;
  const char *tls_client_ca; /* also require a client certificate signed by this CA (mTLS) */
  const char *tokens;        /* token file (auth/tokens.h): every call needs a bearer token */
  int insecure;              /* allow a non-loopback listener without TLS and tokens */
} es_server_opts;

void es_server_opts_init(es_server_opts *o);
/* Serves until SIGINT or SIGTERM, then drains. 0 on a clean stop. */
int es_server_run(const es_server_opts *o, es_error *err);

#endif
