/* error.c - error message formatting and the es_code <-> gRPC status mapping. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

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
  default: return "INTERNAL";
  }
}

/* Values are grpc_status_code's (grpc/impl/codegen/status.h), fixed by the gRPC spec. */
int es_code_to_grpc(int code) {
  switch (code) {
  case ES_OK: return 0;
  case ES_ECANCELLED: return 1;
  case ES_EINVAL: return 3;
  case ES_EDEADLINE: return 4;
  case ES_ENOTFOUND: return 5;
  case ES_EEXHAUSTED: return 8;
  case ES_EPRECOND: return 9;
  case ES_EABORTED: return 10;
  case ES_EUNAVAIL: return 14;
  default: return 13;
  }
}

int es_code_from_grpc(int s) {
  switch (s) {
  case 0: return ES_OK;
  case 1: return ES_ECANCELLED;
  case 3: return ES_EINVAL;
  case 4: return ES_EDEADLINE;
  case 5: return ES_ENOTFOUND;
  case 8: return ES_EEXHAUSTED;
  case 9: return ES_EPRECOND;
  case 10: return ES_EABORTED;
  case 14: return ES_EUNAVAIL;
  default: return ES_EINTERNAL;
  }
}
