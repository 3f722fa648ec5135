/* security.c - TLS credentials for the gRPC port, and each ingest call's authorization: a
   client certificate under mTLS (asked for, verified when given, required for ingest calls only
   so that health probes need none), then a bearer token matched against the token file. */
#include "server/security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/guard.h"
#include "core/log.h"

#define AUTH_KEY "authorization"

static int check_pairs(const es_server_opts *o, es_error *err) {
  if (!o->tls_cert != !o->tls_key)
    return es_err_set(err, ES_EUSAGE,
                      "--tls-cert and --tls-key go together: give both, or neither");
  if (o->tls_client_ca && !o->tls_cert)
    return es_err_set(err, ES_EUSAGE,
                      "--tls-client-ca needs --tls-cert and --tls-key (client certificates "
                      "are part of TLS)");
  return 0;
}

static int guard(const es_server_opts *o, es_error *err) {
  es_guard g = {"--listen", o->listen, o->tls_cert != NULL, o->tokens != NULL, o->insecure};
  int rc = es_guard_listen(&g, err);
  if (rc || !o->metrics_listen) return rc;
  g.option = "--metrics-listen";
  g.addr = o->metrics_listen;
  return es_guard_listen(&g, err);
}

static void log_setup(const es_server_opts *o, const es_srv_security *sec) {
  size_t n;
  if (sec->tls.cert_pem) {
    es_info("TLS: certificate %s, valid until %s", sec->tls.subject, sec->tls.not_after);
    if (sec->tls.expired)
      es_warn(
          "TLS: the certificate in --tls-cert %s is expired or not valid yet (until %s): clients "
          "will refuse it",
          o->tls_cert, sec->tls.not_after);
  }
  if (sec->client_ca)
    es_info("TLS: ingest calls need a client certificate signed by a CA in %s", o->tls_client_ca);
  if (!sec->tokens) return;
  n = es_tokenset_count(sec->tokens);
  es_info("tokens: %zu from %s (SIGHUP reads the file again)", n, o->tokens);
  if (!n) es_warn("tokens: %s holds none: every ingest call will be refused", o->tokens);
}

int es_security_load(const es_server_opts *o, es_srv_security *sec, es_error *err) {
  int rc;
  memset(sec, 0, sizeof(*sec));
  if ((rc = check_pairs(o, err)) || (rc = guard(o, err))) return rc;
  if (o->tls_cert &&
      (rc = es_tls_pair_load(o->tls_cert, o->tls_key, "--tls-cert", "--tls-key", &sec->tls, err)))
    goto done;
  if (o->tls_client_ca &&
      (rc = es_tls_ca_load(o->tls_client_ca, "--tls-client-ca", &sec->client_ca, err)))
    goto done;
  if (o->tokens && (rc = es_tokenset_open(o->tokens, &sec->tokens, err))) {
    es_err_prefix(err, "--tokens: ");
    if (rc != ES_ENOMEM) rc = ES_EUSAGE;
    err->code = rc;
    goto done;
  }
  log_setup(o, sec);
done:
  if (rc) es_security_free(sec);
  return rc;
}

grpc_server_credentials *es_security_credentials(const es_srv_security *sec) {
  grpc_ssl_pem_key_cert_pair pair;
  grpc_ssl_server_certificate_config *cfg;
  grpc_ssl_server_credentials_options *opts;
  if (!sec->tls.cert_pem) return grpc_insecure_server_credentials_create();
  pair.private_key = sec->tls.key_pem;
  pair.cert_chain = sec->tls.cert_pem;
  cfg = grpc_ssl_server_certificate_config_create(sec->client_ca, &pair, 1);
  /* Asked for and verified when given, but not required by the handshake: a health probe needs
     none, and an ingest call without one gets UNAUTHENTICATED in words (es_security_authorize)
     instead of a failed handshake. */
  opts = grpc_ssl_server_credentials_create_options_using_config(
      sec->client_ca ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY
                     : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
      cfg);
  return grpc_ssl_server_credentials_create_with_options(opts);
}

/* The verified client certificate's subject into out; 0 when the peer presented none. */
static int peer_subject(grpc_call *call, char *out, size_t cap) {
  grpc_auth_context *ctx = grpc_call_auth_context(call);
  grpc_auth_property_iterator it;
  const grpc_auth_property *p;
  int found = 0;
  out[0] = '\0';
  if (!ctx) return 0;
  it = grpc_auth_context_find_properties_by_name(ctx, GRPC_X509_SUBJECT_PROPERTY_NAME);
  if ((p = grpc_auth_property_iterator_next(&it)) && p->value_length > 0) {
    size_t n = p->value_length < cap - 1 ? p->value_length : cap - 1;
    memcpy(out, p->value, n);
    out[n] = '\0';
    found = 1;
  }
  grpc_auth_context_release(ctx);
  return found;
}

/* The one `authorization` entry of md: 1 with *v and *n, 0 when there is none, -1 for several. */
static int find_auth(const grpc_metadata_array *md, const char **v, size_t *n) {
  size_t i;
  int found = 0;
  for (i = 0; i < md->count; i++) {
    if (grpc_slice_str_cmp(md->metadata[i].key, AUTH_KEY)) continue;
    if (found++) return -1;
    *v = (const char *)GRPC_SLICE_START_PTR(md->metadata[i].value);
    *n = GRPC_SLICE_LENGTH(md->metadata[i].value);
  }
  return found;
}

static int check_token(es_tokenset *ts, const grpc_metadata_array *md, es_caller *who,
                       es_error *err) {
  const char *v = NULL, *tok = NULL;
  size_t n = 0, tn = 0;
  es_token t;
  int found = find_auth(md, &v, &n);
  if (found == 0)
    return es_err_set(err, ES_EUNAUTH,
                      "missing credentials: this server needs a bearer token (metadata "
                      "'authorization: Bearer TOKEN')");
  if (found < 0) return es_err_set(err, ES_EUNAUTH, "more than one 'authorization' metadata entry");
  if (es_tokens_bearer(v, n, &tok, &tn))
    return es_err_set(err, ES_EUNAUTH,
                      "malformed 'authorization' metadata: expected 'Bearer TOKEN'");
  if (es_tokenset_check(ts, tok, tn, &t))
    return es_err_set(err, ES_EUNAUTH,
                      "invalid token: not one of this server's tokens (unknown or removed)");
  memcpy(who->token, t.name, sizeof(who->token));
  who->domains = t.domains;
  return 0;
}

int es_security_authorize(es_srv_security *sec, grpc_call *call, const grpc_metadata_array *md,
                          es_caller *who, es_error *err) {
  char subject[256];
  int rc, has_cert;
  memset(who, 0, sizeof(*who));
  who->domains = ES_TOKENS_ALL_DOMAINS;
  has_cert = sec->client_ca ? peer_subject(call, subject, sizeof(subject)) : 0;
  if (sec->client_ca && !has_cert)
    return es_err_set(err, ES_EUNAUTH,
                      "a client certificate is required (mTLS), and none was presented");
  if (sec->tokens && (rc = check_token(sec->tokens, md, who, err))) return rc;
  if (who->token[0] && has_cert)
    snprintf(who->text, sizeof(who->text), "token:%s cert:%s", who->token, subject);
  else if (who->token[0])
    snprintf(who->text, sizeof(who->text), "token:%s", who->token);
  else if (has_cert)
    snprintf(who->text, sizeof(who->text), "cert:%s", subject);
  return 0;
}

int es_security_permit(const es_caller *who, const es_domain *d, es_error *err) {
  char may[128];
  if (es_tokens_allows(who->domains, d)) return 0;
  es_tokens_domains_text(who->domains, may, sizeof(may));
  return es_err_set(err, ES_EPERM, "token '%s' may not ingest into domain %s (its domains: %s)",
                    who->token, d->name, may);
}

void es_security_reload(es_srv_security *sec) { es_tokenset_sighup(sec->tokens); }

void es_security_free(es_srv_security *sec) {
  es_tls_pair_free(&sec->tls);
  free(sec->client_ca);
  sec->client_ca = NULL;
  es_tokenset_free(sec->tokens);
  sec->tokens = NULL;
}
