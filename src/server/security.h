/* security.h - the server's TLS credentials and who may call it: files loaded at start, every
   IngestDataStream call authorized from its metadata and certificate before it reaches a
   worker, its domain checked against the token when its metadata message arrives. */
#ifndef ES_SERVER_SECURITY_H
#define ES_SERVER_SECURITY_H

#include <stdint.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "auth/tls.h"
#include "auth/tokenset.h"
#include "core/domain.h"
#include "server/server.h"

/* Who made a call, as logs and ingest_log's `client` name it (never the token itself). */
#define ES_CALLER_TEXT_MAX 384
typedef struct es_caller {
  char text[ES_CALLER_TEXT_MAX];     /* "token:NAME", "cert:SUBJECT", both, or "" */
  char token[ES_TOKEN_NAME_MAX + 1]; /* "" without --tokens */
  uint32_t domains;                  /* what the token may ingest into */
} es_caller;

typedef struct es_srv_security {
  es_tls_pair tls;     /* cert_pem NULL: plaintext */
  char *client_ca;     /* NULL: no client certificate asked for */
  es_tokenset *tokens; /* NULL: no token asked for */
} es_srv_security;

/* Reads the files the options name and applies the listener rule (auth/guard.h) to --listen
   and --metrics-listen. Logs what the server will ask of its callers. */
int es_security_load(const es_server_opts *o, es_srv_security *sec, es_error *err);
/* gRPC's credentials for the port: SSL (TLS 1.2 and later, gRPC's minimum) or insecure. */
grpc_server_credentials *es_security_credentials(const es_srv_security *sec);
/* 0 with *who filled when the call may go on, else ES_EUNAUTH with why (a missing or unknown
   token, no client certificate under mTLS). md is the call's initial metadata. */
int es_security_authorize(es_srv_security *sec, grpc_call *call, const grpc_metadata_array *md,
                          es_caller *who, es_error *err);
/* ES_EPERM unless who may ingest into d. */
int es_security_permit(const es_caller *who, const es_domain *d, es_error *err);
/* SIGHUP: reads the token file again (a bad file keeps the tokens in force); logs the outcome. */
void es_security_reload(es_srv_security *sec);
void es_security_free(es_srv_security *sec);

#endif
