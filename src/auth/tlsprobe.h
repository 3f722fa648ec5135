/* tlsprobe.h - why a TLS connection to a server fails, in words. gRPC reports a failed handshake
   as UNAVAILABLE, retried like a server that is down; a separate handshake with OpenSSL, set up
   as the client's, tells which it was: an untrusted or expired certificate, a name it does not
   cover, a server without TLS (or with it, for a plaintext client), a client certificate the
   server wants or refuses. None of those gets better by retrying. */
#ifndef ES_AUTH_TLSPROBE_H
#define ES_AUTH_TLSPROBE_H

#include <stddef.h>

#include "auth/tls.h"

typedef struct es_tlsprobe_cfg {
  const char *target;        /* HOST:PORT or [V6]:PORT */
  int tls;                   /* the client speaks TLS (else: does the server?) */
  const char *ca_pem;        /* trusted CAs (PEM text) */
  const char *ca_what;       /* where they came from, for messages ("--tls-ca ca.pem") */
  const char *server_name;   /* the name to verify; NULL: the host of target */
  const es_tls_pair *client; /* client certificate, or NULL */
  double timeout_s;          /* for the connection and the handshake each */
} es_tlsprobe_cfg;

/* 1 with why filled when TLS with the server fails in a way retrying cannot fix; 0 when the
   handshake works (the failure is elsewhere) or no connection could be made at all. */
int es_tlsprobe_explain(const es_tlsprobe_cfg *c, char *why, size_t cap);

#endif
