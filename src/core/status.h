/* status.h - gRPC status codes and their names, shared by client, server and metrics. The
   values are fixed by the gRPC protocol (doc/statuscodes.md), so core can name them without
   including gRPC; es_status_check in status.c pins them to grpc_status_code at compile time. */
#ifndef ES_STATUS_H
#define ES_STATUS_H

typedef enum {
  ES_GRPC_OK = 0,
  ES_GRPC_CANCELLED = 1,
  ES_GRPC_UNKNOWN = 2,
  ES_GRPC_INVALID_ARGUMENT = 3,
  ES_GRPC_DEADLINE_EXCEEDED = 4,
  ES_GRPC_NOT_FOUND = 5,
  ES_GRPC_ALREADY_EXISTS = 6,
  ES_GRPC_PERMISSION_DENIED = 7,
  ES_GRPC_RESOURCE_EXHAUSTED = 8,
  ES_GRPC_FAILED_PRECONDITION = 9,
  ES_GRPC_ABORTED = 10,
  ES_GRPC_OUT_OF_RANGE = 11,
  ES_GRPC_UNIMPLEMENTED = 12,
  ES_GRPC_INTERNAL = 13,
  ES_GRPC_UNAVAILABLE = 14,
  ES_GRPC_DATA_LOSS = 15,
  ES_GRPC_UNAUTHENTICATED = 16
} es_grpc_status;

#define ES_GRPC_STATUS_COUNT 17

/* "INVALID_ARGUMENT" for 3; "UNKNOWN" for a value outside the table. */
const char *es_grpc_status_name(int status);

#endif
