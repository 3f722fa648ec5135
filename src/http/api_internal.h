/* api_internal.h - what the API's source files share: the running API and the reply helpers. */
#ifndef ES_API_INTERNAL_H
#define ES_API_INTERNAL_H

#include <microhttpd.h>

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
  es_tls_pair tls;     /* cert_pem NULL: plain HTTP */
  es_tokenset *tokens; /* NULL: no token asked for */
};

/* apiauth.c: --tls-cert/--tls-key and --tokens read (after the listener rule of auth/guard.h),
   and freed. */
int es_api_security_load(es_api *a, es_error *err);
void es_api_security_free(es_api *a);
/* Before routing: MHD_YES with *refused 0 when the request may go on; else its 401 or 403 is
   queued (*refused 1) and that result returned. */
enum MHD_Result es_api_authorize(es_api *a, struct MHD_Connection *c, const char *url, int *refused);

/* MHD's request callback: routes to the handlers in routes.c. */
enum MHD_Result es_api_handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state);

/* Queues body (taken over, freed by MHD) as JSON with the given status. */
enum MHD_Result es_reply_json(struct MHD_Connection *c, int status, es_buf *body);
/* Queues {"error": msg, "code": es_code_name(code), "http_status": status}. */
enum MHD_Result es_reply_error(struct MHD_Connection *c, int status, int code, const char *msg);
/* Queues a string that lives as long as the program. */
/* Queues a 401 (with WWW-Authenticate: Bearer) or 403 error saying msg. */
enum MHD_Result es_reply_auth_error(struct MHD_Connection *c, int status, const char *msg);
enum MHD_Result es_reply_static(struct MHD_Connection *c, int status, const char *type,
                                const char *body);
enum MHD_Result es_reply_method_not_allowed(struct MHD_Connection *c, const char *allow);

#endif
