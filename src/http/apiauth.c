/* apiauth.c - the HTTP API's HTTPS certificate and bearer tokens: loaded at start under the same
   listener rule as the gRPC server, each request checked before it is routed. */
#include <string.h>

#include "auth/guard.h"
#include "core/domain.h"
#include "core/log.h"
#include "http/api_internal.h"

static int check_options(const es_api_config *c, es_error *err) {
  es_guard g = {"--listen", c->listen, c->tls_cert != NULL, c->tokens != NULL, c->insecure};
  if (!c->tls_cert != !c->tls_key)
    return es_err_set(err, ES_EUSAGE,
                      "--tls-cert and --tls-key go together: give both, or neither");
  return es_guard_listen(&g, err);
}

int es_api_security_load(es_api *a, es_error *err) {
  const es_api_config *c = &a->cfg;
  int rc;
  if ((rc = check_options(c, err))) return rc;
  if (c->tls_cert &&
      (rc = es_tls_pair_load(c->tls_cert, c->tls_key, "--tls-cert", "--tls-key", &a->tls, err)))
    return rc;
  if (a->tls.expired)
    es_warn(
        "TLS: the certificate in --tls-cert %s is expired or not valid yet (until %s): browsers "
        "and curl will refuse it",
        c->tls_cert, a->tls.not_after);
  if (c->tokens && (rc = es_tokenset_open(c->tokens, &a->tokens, err))) {
    es_err_prefix(err, "--tokens: ");
    err->code = rc == ES_ENOMEM ? rc : ES_EUSAGE;
    return err->code;
  }
  if (a->tokens)
    es_info("tokens: %zu from %s (SIGHUP reads the file again)", es_tokenset_count(a->tokens),
            c->tokens);
  return 0;
}

void es_api_security_free(es_api *a) {
  es_tls_pair_free(&a->tls);
  es_tokenset_free(a->tokens);
  a->tokens = NULL;
}

void es_api_reload(es_api *a) { es_tokenset_sighup(a->tokens); }

/* The page itself holds no data and a browser cannot add a header when it navigates to it: it
   asks for the token and sends it with every call it makes. Probes need /healthz and /readyz
   open (they say up or down, nothing more). */
static int is_open(const char *url) {
  return !strcmp(url, "/healthz") || !strcmp(url, "/readyz") || !strcmp(url, "/");
}

/* The domain an ingest path names, when it is one (an unknown one is left to the 400 it gets). */
static const es_domain *ingest_domain(const char *url) {
  if (strncmp(url, "/data/ingest/", 13) || strchr(url + 13, '/')) return NULL;
  return es_domain_find(url + 13);
}

enum MHD_Result es_api_authorize(es_req *r, int *refused) {
  es_api *a = r->api;
  const char *url = r->url;
  char why[256];
  es_token who;
  int status;
  *refused = 0;
  if (!a->tokens || is_open(url)) return MHD_YES;
  status = es_httpauth_check(r->conn, a->tokens, ingest_domain(url), &who, why, sizeof(why));
  if (!status) {
    es_debug("%s: token '%s'", url, who.name);
    return MHD_YES;
  }
  *refused = 1;
  es_info("%s refused (%d): %s", url, status, why);
  return es_reply_auth_error(r, status, why);
}
