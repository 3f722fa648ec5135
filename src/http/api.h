/* api.h - the HTTP trigger API (`embedstream api`): ingest files of a data folder over HTTP. */
#ifndef ES_API_H
#define ES_API_H

#include <stddef.h>

#include "client/client.h"
#include "core/error.h"

#define ES_API_DEFAULT_LISTEN "127.0.0.1:8000"

typedef struct es_api_config {
  const char *listen; /* host:port; port 0 picks a free one */
  const char *data_dir;
  es_ingest_opts client; /* how every job talks to the gRPC server (domain and file unset) */
  int max_jobs;          /* ingests (synchronous or not) in flight at once, default 4 */
  double grace_s;        /* how long a shutdown waits for cancelled jobs, default 10 */
  size_t history;        /* finished jobs kept for GET /data/jobs, default 200 */
  const char *tls_cert;  /* HTTPS with this certificate (chain) and key, PEM */
  const char *tls_key;
  const char *tokens; /* bearer tokens (auth/tokens.h) on every route but / and /healthz */
  int insecure;       /* allow a non-loopback listen without TLS and tokens */
} es_api_config;

typedef struct es_api es_api;

void es_api_config_init(es_api_config *c);
/* Resolves the data folder, binds and starts serving on MHD's threads. */
int es_api_start(const es_api_config *c, es_api **out, es_error *err);
/* "HOST:PORT" with the port actually bound. */
const char *es_api_address(const es_api *a);
/* SIGHUP: reads the --tokens file again (a bad file keeps the tokens in force); logs the outcome.
 */
void es_api_reload(es_api *a);
/* Cancels jobs in flight (waiting up to grace_s), stops the HTTP daemon, frees everything.
   Returns how many jobs were still running (their memory is then left alone). */
int es_api_stop(es_api *a);

/* The static assets: src/http/assets/page.html, docs.html and openapi.json, compiled in
   (cmake/embed.cmake). */
extern const char es_api_page_html[];
extern const char es_api_docs_html[];
extern const char es_api_openapi_json[];

#endif
