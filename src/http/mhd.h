/* mhd.h - the libmicrohttpd plumbing both HTTP servers share (the HTTP API and the metrics
   endpoint): a daemon started on a --listen address, with HTTPS when given a pair, and the
   first calls of a request that carry no work. */
#ifndef ES_HTTP_MHD_H
#define ES_HTTP_MHD_H

#include <stddef.h>

#include <microhttpd.h>

#include "auth/tls.h"
#include "core/error.h"

typedef struct {
  const char *option;     /* the flag that named listen, for messages: "--listen" */
  const char *listen;     /* HOST:PORT */
  const char *purpose;    /* appended to "cannot listen on HOST:PORT": "" or " for metrics" */
  const char *log_name;   /* libmicrohttpd's own messages are logged under this name */
  unsigned flags;         /* MHD_USE_* beyond the internal polling thread every server has */
  unsigned max_conns;     /* MHD_OPTION_CONNECTION_LIMIT */
  unsigned timeout_s;     /* MHD_OPTION_CONNECTION_TIMEOUT */
  const es_tls_pair *tls; /* HTTPS when it has a certificate; NULL or empty: plain HTTP */
  MHD_AccessHandlerCallback handler;
  void *cls;
} es_mhd_spec;

/* Starts the daemon into *out and writes the address it listens on ("HOST:PORT", "[V6]:PORT")
   into address. A busy port is refused before libmicrohttpd tries it (one clear line). */
int es_mhd_start(const es_mhd_spec *s, struct MHD_Daemon **out, char *address, size_t cap,
                 es_error *err);

/* For an access handler: 1 when this call carries no work, so the handler returns MHD_YES: the
   first call of a request (headers only; *state is set to mark it) or a call with body bytes,
   which are dropped since no endpoint takes a body. 0: the request is complete, answer it. */
int es_mhd_no_work(void **state, size_t *upload_size);

#endif
