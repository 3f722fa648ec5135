/* httpauth.h - HTTPS and bearer tokens for the libmicrohttpd servers (the metrics endpoint and
   the HTTP API): the daemon's TLS options, and each request's Authorization header checked
   against a token set, answered 401 or 403 as RFC 6750 says. */
#ifndef ES_AUTH_HTTPAUTH_H
#define ES_AUTH_HTTPAUTH_H

#include <stddef.h>

#include <microhttpd.h>

#include "auth/tls.h"
#include "auth/tokenset.h"

/* Options to append for HTTPS with pair (GnuTLS, TLS 1.2 and later); the daemon also needs
   MHD_USE_TLS. Fills opts[0..n) and returns n, at most ES_HTTPAUTH_TLS_OPTIONS. */
#define ES_HTTPAUTH_TLS_OPTIONS 3
size_t es_httpauth_tls_options(const es_tls_pair *pair, struct MHD_OptionItem *opts);

/* The verdict on one request: 0 (allowed, *who filled), 401 (no token, or not one of ts's) or
   403 (a token that may not use domain d; d NULL: any token is enough). why says which. */
int es_httpauth_check(struct MHD_Connection *c, es_tokenset *ts, const es_domain *d, es_token *who,
                      char *why, size_t cap);
/* Adds `WWW-Authenticate: Bearer realm="embedstream"` to a 401 response, with
   error="invalid_token" when a token was sent but refused. */
void es_httpauth_challenge(struct MHD_Response *r, struct MHD_Connection *c);

#endif
