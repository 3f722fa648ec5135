/* status.c - the one table of gRPC status names. */
#include "core/status.h"

#include <grpc/status.h>

/* The enum mirrors grpc_status_code; a gRPC that ever disagreed would fail to build here. */
_Static_assert(ES_GRPC_INVALID_ARGUMENT == (int)GRPC_STATUS_INVALID_ARGUMENT, "status values");
_Static_assert(ES_GRPC_RESOURCE_EXHAUSTED == (int)GRPC_STATUS_RESOURCE_EXHAUSTED, "status values");
_Static_assert(ES_GRPC_UNAVAILABLE == (int)GRPC_STATUS_UNAVAILABLE, "status values");
_Static_assert(ES_GRPC_UNAUTHENTICATED == (int)GRPC_STATUS_UNAUTHENTICATED, "status values");

const char *es_grpc_status_name(int status) {
  static const char *const names[ES_GRPC_STATUS_COUNT] = {
      [ES_GRPC_OK] = "OK",
      [ES_GRPC_CANCELLED] = "CANCELLED",
      [ES_GRPC_UNKNOWN] = "UNKNOWN",
      [ES_GRPC_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
      [ES_GRPC_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
      [ES_GRPC_NOT_FOUND] = "NOT_FOUND",
      [ES_GRPC_ALREADY_EXISTS] = "ALREADY_EXISTS",
      [ES_GRPC_PERMISSION_DENIED] = "PERMISSION_DENIED",
      [ES_GRPC_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
      [ES_GRPC_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
      [ES_GRPC_ABORTED] = "ABORTED",
      [ES_GRPC_OUT_OF_RANGE] = "OUT_OF_RANGE",
      [ES_GRPC_UNIMPLEMENTED] = "UNIMPLEMENTED",
      [ES_GRPC_INTERNAL] = "INTERNAL",
      [ES_GRPC_UNAVAILABLE] = "UNAVAILABLE",
      [ES_GRPC_DATA_LOSS] = "DATA_LOSS",
      [ES_GRPC_UNAUTHENTICATED] = "UNAUTHENTICATED",
  };
  if (status < 0 || status >= ES_GRPC_STATUS_COUNT) return "UNKNOWN";
  return names[status];
}
