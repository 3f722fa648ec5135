/* creds.c - the client's credentials: TLS trust (a CA file, or the system's CAs), a client
   certificate, and the bearer token, which only ever comes from a file or the environment (a
   command-line option would show it to everyone running `ps`). */
#include <grpc/grpc_security.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/tlsprobe.h"
#include "client/client_int.h"
#include "core/readfile.h"

#define BEARER "Bearer "
#define PROBE_TIMEOUT_S 5.0

/* The token: the first line of text, blanks around it dropped; printable ASCII without blanks
   (what a Bearer value may hold). */
static int take_token(const char *text, size_t len, const char *what, char **out, es_error *err) {
  size_t start = 0, end, i;
  const char *nl = memchr(text, '\n', len);
  end = nl ? (size_t)(nl - text) : len;
  while (start < end && (text[start] == ' ' || text[start] == '\t')) start++;
  while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r'))
    end--;
  if (end == start) return es_err_set(err, ES_EUSAGE, "%s: no token on its first line", what);
  if (end - start > ES_TOKEN_MAX_BYTES)
    return es_err_set(err, ES_EUSAGE, "%s: the token is longer than %d bytes", what,
                      ES_TOKEN_MAX_BYTES);
  for (i = start; i < end; i++)
    if ((unsigned char)text[i] <= 0x20 || (unsigned char)text[i] >= 0x7f)
      return es_err_set(err, ES_EUSAGE,
                        "%s: the token holds a blank or a character that is not printable ASCII",
                        what);
  if (!(*out = malloc(sizeof(BEARER) + (end - start))))
    return es_err_set(err, ES_ENOMEM, "out of memory");
  memcpy(*out, BEARER, sizeof(BEARER) - 1);
  memcpy(*out + sizeof(BEARER) - 1, text + start, end - start);
  (*out)[sizeof(BEARER) - 1 + end - start] = '\0';
  return 0;
}

static int load_token(const es_ingest_opts *o, es_client_creds *c, es_error *err) {
  char *text = NULL, what[400];
  size_t len = 0;
  int rc;
  if (!o->token_file) {
    if (!o->token) return 0;
    return take_token(o->token, strlen(o->token), "EMBEDSTREAM_TOKEN", &c->authorization, err);
  }
  snprintf(what, sizeof(what), "--token-file %s", o->token_file);
  if ((rc = es_readfile(o->token_file, 2 * ES_TOKEN_MAX_BYTES, "a token file", &text, &len, err))) {
    es_err_prefix(err, "--token-file: ");
    if (rc != ES_ENOMEM) err->code = rc = ES_EUSAGE;
    return rc;
  }
  rc = take_token(text, len, what, &c->authorization, err);
  OPENSSL_cleanse(text, len);
  free(text);
  return rc;
}

static int load_tls(const es_ingest_opts *o, es_client_creds *c, es_error *err) {
  int rc;
  if (!o->tls_cert != !o->tls_key)
    return es_err_set(err, ES_EUSAGE,
                      "--tls-cert and --tls-key go together: give both, or neither");
  c->tls = o->tls || o->tls_ca || o->tls_cert || o->tls_server_name;
  if (!c->tls) return 0;
  if (o->tls_ca) {
    rc = es_tls_ca_load(o->tls_ca, "--tls-ca", &c->ca_pem, err);
    snprintf(c->ca_what, sizeof(c->ca_what), "--tls-ca %s", o->tls_ca);
  } else {
    rc = es_tls_system_ca_load(&c->ca_pem, err);
    snprintf(c->ca_what, sizeof(c->ca_what), "the system's CA certificates");
  }
  if (rc) return rc;
  if (o->tls_cert)
    return es_tls_pair_load(o->tls_cert, o->tls_key, "--tls-cert", "--tls-key", &c->pair, err);
  return 0;
}

int es_client_creds_load(const es_ingest_opts *o, es_client_creds *c, es_error *err) {
  int rc;
  memset(c, 0, sizeof(*c));
  if ((rc = load_tls(o, c, err)) || (rc = load_token(o, c, err))) es_client_creds_free(c);
  return rc;
}

int es_ingest_opts_check_creds(const es_ingest_opts *o, es_error *err) {
  es_client_creds c;
  int rc = es_client_creds_load(o, &c, err);
  if (!rc) es_client_creds_free(&c);
  return rc;
}

void es_client_creds_free(es_client_creds *c) {
  free(c->ca_pem);
  es_tls_pair_free(&c->pair);
  if (c->authorization) OPENSSL_cleanse(c->authorization, strlen(c->authorization));
  free(c->authorization);
  memset(c, 0, sizeof(*c));
}

grpc_channel_credentials *es_client_creds_channel(const es_client_creds *c) {
  grpc_ssl_pem_key_cert_pair pair;
  if (!c || !c->tls) return grpc_insecure_credentials_create();
  pair.private_key = c->pair.key_pem;
  pair.cert_chain = c->pair.cert_pem;
  return grpc_ssl_credentials_create_ex(c->ca_pem, c->pair.cert_pem ? &pair : NULL, NULL, NULL);
}

int es_client_creds_explain(const es_ingest_opts *o, const es_client_creds *c, char *why,
                            size_t cap) {
  es_tlsprobe_cfg p = {.target = o->server,
                       .tls = c->tls,
                       .ca_pem = c->ca_pem,
                       .ca_what = c->ca_what,
                       .server_name = o->tls_server_name,
                       .client = c->pair.cert_pem ? &c->pair : NULL,
                       .timeout_s = o->timeout_s > 0 && o->timeout_s < PROBE_TIMEOUT_S
                                        ? o->timeout_s
                                        : PROBE_TIMEOUT_S};
  return es_tlsprobe_explain(&p, why, cap);
}
