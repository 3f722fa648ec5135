/* error.c - error message formatting and the es_code <-> gRPC status mapping. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

#include "core/status.h"

int es_err_vset(es_error *err, int code, const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  }
  return code;
}

int es_err_set(es_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  es_err_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int es_err_prefix(es_error *err, const char *fmt, ...) {
  char head[512], old[sizeof(((es_error *)0)->msg)];
  va_list ap;
  if (!err) return ES_EINTERNAL;
  va_start(ap, fmt);
  vsnprintf(head, sizeof(head), fmt, ap);
  va_end(ap);
  size_t hn, on;
  memcpy(old, err->msg, sizeof(old));
  old[sizeof(old) - 1] = '\0';
  hn = strlen(head);
  if (hn > sizeof(err->msg) - 1) hn = sizeof(err->msg) - 1;
  on = strlen(old);
  if (on > sizeof(err->msg) - 1 - hn) on = sizeof(err->msg) - 1 - hn;
  memcpy(err->msg, head, hn);
  memcpy(err->msg + hn, old, on);
  err->msg[hn + on] = '\0';
  return err->code;
}

void es_err_clear(es_error *err) {
  if (err) {
    err->code = ES_OK;
    err->msg[0] = '\0';
  }
}

const char *es_code_name(int code) {
  switch (code) {
  case ES_OK: return "OK";
  case ES_EINVAL: return "INVALID_ARGUMENT";
  case ES_EPRECOND: return "FAILED_PRECONDITION";
  case ES_EUNAVAIL: return "UNAVAILABLE";
  case ES_EEXHAUSTED: return "RESOURCE_EXHAUSTED";
  case ES_ENOTFOUND: return "NOT_FOUND";
  case ES_EIO: return "IO_ERROR";
  case ES_ENOMEM: return "OUT_OF_MEMORY";
  case ES_ECANCELLED: return "CANCELLED";
  case ES_EUSAGE: return "USAGE";
  case ES_EDEADLINE: return "DEADLINE_EXCEEDED";
  case ES_EABORTED: return "ABORTED";
  case ES_EUNAUTH: return "UNAUTHENTICATED";
  case ES_EPERM: return "PERMISSION_DENIED";
  default: return "INTERNAL";
  }
}

/* es_code <-> gRPC status: which status a failure travels as, and back. */
int es_code_to_grpc(int code) {
  switch (code) {
  case ES_OK: return ES_GRPC_OK;
  case ES_ECANCELLED: return ES_GRPC_CANCELLED;
  case ES_EINVAL: return ES_GRPC_INVALID_ARGUMENT;
  case ES_EDEADLINE: return ES_GRPC_DEADLINE_EXCEEDED;
  case ES_ENOTFOUND: return ES_GRPC_NOT_FOUND;
  case ES_EEXHAUSTED: return ES_GRPC_RESOURCE_EXHAUSTED;
  case ES_EPRECOND: return ES_GRPC_FAILED_PRECONDITION;
  case ES_EABORTED: return ES_GRPC_ABORTED;
  case ES_EUNAVAIL: return ES_GRPC_UNAVAILABLE;
  case ES_EUNAUTH: return ES_GRPC_UNAUTHENTICATED;
  case ES_EPERM: return ES_GRPC_PERMISSION_DENIED;
  default: return ES_GRPC_INTERNAL;
  }
}

int es_code_from_grpc(int s) {
  switch (s) {
  case ES_GRPC_OK: return ES_OK;
  case ES_GRPC_CANCELLED: return ES_ECANCELLED;
  case ES_GRPC_INVALID_ARGUMENT: return ES_EINVAL;
  case ES_GRPC_DEADLINE_EXCEEDED: return ES_EDEADLINE;
  case ES_GRPC_NOT_FOUND: return ES_ENOTFOUND;
  case ES_GRPC_RESOURCE_EXHAUSTED: return ES_EEXHAUSTED;
  case ES_GRPC_FAILED_PRECONDITION: return ES_EPRECOND;
  case ES_GRPC_ABORTED: return ES_EABORTED;
  case ES_GRPC_UNAVAILABLE: return ES_EUNAVAIL;
  case ES_GRPC_UNAUTHENTICATED: return ES_EUNAUTH;
  case ES_GRPC_PERMISSION_DENIED: return ES_EPERM;
  default: return ES_EINTERNAL;
  }
}
