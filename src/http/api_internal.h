/* api_internal.h - what the API's source files share: the running API, one request as the
   handlers see it, and the reply helpers every route answers through. */
#ifndef ES_API_INTERNAL_H
#define ES_API_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>

#include "auth/httpauth.h"
#include "core/buf.h"
#include "http/api.h"
#include "http/datadir.h"
#include "http/jobs.h"

struct es_api {
  es_api_config cfg;
  es_datadir dir;
  es_jobs *jobs;
  struct MHD_Daemon *mhd;
  char address[300];
  pthread_mutex_t ready_mu; /* the last readiness check, shared by /readyz callers */
  double ready_at;          /* monotonic time of that check, 0 before the first */
  int ready;                /* its outcome: 1 the gRPC server answered SERVING */
  char ready_why[256];      /* else why not */
  es_tls_pair tls;          /* cert_pem NULL: plain HTTP */
  es_tokenset *tokens;      /* NULL: no token asked for */
};

/* One request: what routes.c matched and the handler needs. */
typedef struct es_req {
  es_api *api;
  struct MHD_Connection *conn;
  const char *method, *url;
  const char *param; /* the {domain} or {id} path segment of the route, or NULL */
} es_req;

/* apiauth.c: --tls-cert/--tls-key and --tokens read (after the listener rule of auth/guard.h),
   and freed. */
int es_api_security_load(es_api *a, es_error *err);
void es_api_security_free(es_api *a);
/* Before routing: MHD_YES with *refused 0 when the request may go on; else its 401 or 403 is
   queued (*refused 1) and that result returned. */
enum MHD_Result es_api_authorize(es_req *r, int *refused);

/* MHD's request callback: dispatches through the route table in routes.c. */
enum MHD_Result es_api_handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state);

/* The handlers of the routes that live outside routes.c. */
enum MHD_Result es_api_ingest(es_req *r);
enum MHD_Result es_api_readyz(es_req *r);

/* Every reply goes through these. A 429 or 503 always carries Retry-After (es_reply_retry_after).
   Queues body (taken over, freed by MHD) as JSON with the given status. */
enum MHD_Result es_reply_json(es_req *r, int status, es_buf *body);
/* {"error":{"code":es_code_name(code),"message":msg}}, plus the members in fields (a JSON
   fragment such as "\"job_id\":\"3\"", or NULL). */
enum MHD_Result es_reply_error(es_req *r, int status, int code, const char *msg,
                               const char *fields);
/* Queues a string that lives as long as the program. */
enum MHD_Result es_reply_static(es_req *r, int status, const char *type, const char *body);
/* 405 naming the methods the path takes, in the Allow header and the error. */
enum MHD_Result es_reply_method_not_allowed(es_req *r, const char *allow);
/* A 401 (with WWW-Authenticate: Bearer) or 403 error saying msg. */
enum MHD_Result es_reply_auth_error(es_req *r, int status, const char *msg);
/* The seconds a client should wait before asking again after this status (429, 503). */
int es_reply_retry_after(es_req *r, int status);

/* A query parameter of the request, or NULL. */
const char *es_req_arg(es_req *r, const char *key);

#endif
