/* guard.h - the safe default for listeners: one that other machines can reach must have TLS and
   tokens, unless the operator said --insecure. The same rule for gRPC, metrics and the HTTP API. */
#ifndef ES_AUTH_GUARD_H
#define ES_AUTH_GUARD_H

#include "core/error.h"

typedef struct es_guard {
  const char *option; /* how the listener is named: "--listen", "--metrics-listen" */
  const char *addr;   /* HOST:PORT */
  int tls, tokens;    /* what it has */
  int insecure;       /* --insecure given */
} es_guard;

/* 0 when the listener is loopback, or has TLS and tokens; also 0 with a warning logged when it
   has not but --insecure was given. Otherwise ES_EUSAGE saying what to add. */
int es_guard_listen(const es_guard *g, es_error *err);

#endif
