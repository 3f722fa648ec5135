/* httpauth.c - bearer tokens and HTTPS for libmicrohttpd: the header parsed and matched by
   auth/tokens.c, the same rules as the gRPC server's. */
#include "auth/httpauth.h"

#include <stdio.h>
#include <string.h>

/* GnuTLS priorities: its defaults, without anything older than TLS 1.2. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

size_t es_httpauth_tls_options(const es_tls_pair *pair, struct MHD_OptionItem *opts) {
  opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, pair->cert_pem};
  opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, pair->key_pem};
  opts[2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
  return ES_HTTPAUTH_TLS_OPTIONS;
}

int es_httpauth_check(struct MHD_Connection *c, es_tokenset *ts, const es_domain *d, es_token *who,
                      char *why, size_t cap) {
  const char *v = NULL, *tok = NULL;
  size_t n = 0, tn = 0;
  char may[128];
  if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION,
                                    strlen(MHD_HTTP_HEADER_AUTHORIZATION), &v, &n) != MHD_YES ||
      !v) {
    snprintf(why, cap, "missing credentials: send 'Authorization: Bearer TOKEN'");
    return 401;
  }
  if (es_tokens_bearer(v, n, &tok, &tn)) {
    snprintf(why, cap, "malformed Authorization header: expected 'Bearer TOKEN'");
    return 401;
  }
  if (es_tokenset_check(ts, tok, tn, who)) {
    snprintf(why, cap, "invalid token: not one of this server's tokens (unknown or removed)");
    return 401;
  }
  if (d && !es_tokens_allows(who->domains, d)) {
    es_tokens_domains_text(who->domains, may, sizeof(may));
    snprintf(why, cap, "token '%s' may not ingest into domain %s (its domains: %s)", who->name,
             d->name, may);
    return 403;
  }
  return 0;
}

void es_httpauth_challenge(struct MHD_Response *r, struct MHD_Connection *c) {
  int sent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
  MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                          sent ? "Bearer realm=\"embedstream\", error=\"invalid_token\""
                               : "Bearer realm=\"embedstream\"");
}
