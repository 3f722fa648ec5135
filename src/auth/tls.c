/* tls.c - loading PEM certificates and keys with OpenSSL's own parsers, so a wrong file (a key
   given as the certificate, a key of another certificate, DER instead of PEM) is refused at
   start with its name, instead of as a handshake failure later. */
#include "auth/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/limits.h"
#include "core/readfile.h"

/* The PEM certificates in text: how many, and the first (to be freed by the caller) if asked. */
static int count_certs(const char *text, size_t len, X509 **first) {
  BIO *bio = BIO_new_mem_buf(text, (int)len);
  X509 *x;
  int n = 0;
  if (first) *first = NULL;
  while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
    if (n++ == 0 && first)
      *first = x;
    else
      X509_free(x);
  }
  BIO_free(bio);
  ERR_clear_error(); /* the read that ended the loop failed on purpose */
  return n;
}

static int read_pem(const char *path, const char *opt, char **text, size_t *len, es_error *err) {
  int rc = es_readfile(path, ES_PEM_FILE_MAX, "a PEM file", text, len, err);
  if (rc) return es_err_prefix(err, "%s: ", opt);
  if (*len > (size_t)0x7fffffff) { /* BIO lengths are int; the bound above is far below */
    free(*text);
    return es_err_set(err, ES_EUSAGE, "%s %s: too large", opt, path);
  }
  return 0;
}

static void describe(X509 *x, es_tls_pair *p) {
  BIO *b = BIO_new(BIO_s_mem());
  int n;
  p->subject[0] = p->not_after[0] = '\0';
  if (!b) return;
  X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
  n = BIO_read(b, p->subject, (int)sizeof(p->subject) - 1);
  p->subject[n > 0 ? n : 0] = '\0';
  (void)BIO_reset(b);
  ASN1_TIME_print(b, X509_get0_notAfter(x));
  n = BIO_read(b, p->not_after, (int)sizeof(p->not_after) - 1);
  p->not_after[n > 0 ? n : 0] = '\0';
  BIO_free(b);
  p->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0 ||
               X509_cmp_current_time(X509_get0_notBefore(x)) > 0;
}

/* The key in key_pem, checked against the certificate x. */
static int check_key(X509 *x, const es_tls_pair *p, const char *key_path, const char *cert_opt,
                     const char *key_opt, es_error *err) {
  BIO *bio = BIO_new_mem_buf(p->key_pem, (int)strlen(p->key_pem));
  EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
  int rc = 0;
  if (!key)
    rc = es_err_set(err, ES_EUSAGE,
                    "%s %s: no PEM private key in it (unencrypted, BEGIN PRIVATE KEY)", key_opt,
                    key_path);
  else if (X509_check_private_key(x, key) != 1)
    rc = es_err_set(err, ES_EUSAGE, "%s %s is not the key of the certificate in %s (%s)", key_opt,
                    key_path, cert_opt, p->subject);
  EVP_PKEY_free(key);
  BIO_free(bio);
  ERR_clear_error();
  return rc;
}

int es_tls_pair_load(const char *cert_path, const char *key_path, const char *cert_opt,
                     const char *key_opt, es_tls_pair *out, es_error *err) {
  size_t clen = 0, klen = 0;
  X509 *first = NULL;
  int rc;
  memset(out, 0, sizeof(*out));
  if ((rc = read_pem(cert_path, cert_opt, &out->cert_pem, &clen, err))) goto done;
  if ((rc = read_pem(key_path, key_opt, &out->key_pem, &klen, err))) goto done;
  if (count_certs(out->cert_pem, clen, &first) < 1) {
    rc = es_err_set(err, ES_EUSAGE, "%s %s: no PEM certificate in it (BEGIN CERTIFICATE)", cert_opt,
                    cert_path);
    goto done;
  }
  describe(first, out);
  rc = check_key(first, out, key_path, cert_opt, key_opt, err);
done:
  X509_free(first);
  if (rc) es_tls_pair_free(out);
  return rc;
}

void es_tls_pair_free(es_tls_pair *p) {
  if (!p) return;
  if (p->key_pem) OPENSSL_cleanse(p->key_pem, strlen(p->key_pem));
  free(p->key_pem);
  free(p->cert_pem);
  p->key_pem = p->cert_pem = NULL;
}

int es_tls_ca_load(const char *path, const char *opt, char **pem, es_error *err) {
  size_t len = 0;
  int rc = read_pem(path, opt, pem, &len, err);
  if (rc) return rc;
  if (count_certs(*pem, len, NULL) < 1) {
    free(*pem);
    *pem = NULL;
    return es_err_set(err, ES_EUSAGE, "%s %s: no PEM certificate in it (BEGIN CERTIFICATE)", opt,
                      path);
  }
  return 0;
}

int es_tls_system_ca_load(char **pem, es_error *err) {
  const char *path = getenv(X509_get_default_cert_file_env());
  if (!path || !*path) path = X509_get_default_cert_file();
  return es_tls_ca_load(path, "--tls (the system's CA certificates)", pem, err);
}
