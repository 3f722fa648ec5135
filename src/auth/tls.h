/* tls.h - PEM certificates and keys, read and checked with OpenSSL before gRPC or libmicrohttpd
   get them: their own refusals say little ("cannot listen"), ours name the file and the fault. */
#ifndef ES_AUTH_TLS_H
#define ES_AUTH_TLS_H

#include <stddef.h>

#include "core/error.h"

/* A certificate (chain) and its private key, as PEM text, with what logs say about it. */
typedef struct es_tls_pair {
  char *cert_pem, *key_pem; /* NUL-terminated */
  char subject[256];        /* the first certificate's subject, RFC 2253 ("CN=host,O=Org") */
  char not_after[40];       /* its expiry, as OpenSSL prints it */
  int expired;              /* 1 when it has expired (or is not valid yet) */
} es_tls_pair;

/* Reads cert_path (a certificate, then its chain) and key_path, and checks that both parse and
   that the key is the certificate's. cert_opt and key_opt name the options in messages
   ("--tls-cert"). ES_EUSAGE for a file that is not what it should be, ES_ENOTFOUND/ES_EIO. */
int es_tls_pair_load(const char *cert_path, const char *key_path, const char *cert_opt,
                     const char *key_opt, es_tls_pair *out, es_error *err);
/* Forgets the key (its memory cleared) and the certificate. */
void es_tls_pair_free(es_tls_pair *p);
/* Reads a bundle of CA certificates (at least one) as PEM text into *pem (malloc'd). */
int es_tls_ca_load(const char *path, const char *opt, char **pem, es_error *err);
/* The CA bundle OpenSSL trusts by default ($SSL_CERT_FILE, else Debian's
   /usr/lib/ssl/cert.pem, that is /etc/ssl/certs/ca-certificates.crt), as es_tls_ca_load. */
int es_tls_system_ca_load(char **pem, es_error *err);

#endif
