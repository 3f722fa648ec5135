/* error.h - error codes and the message buffer that every fallible call fills. */
#ifndef ES_ERROR_H
#define ES_ERROR_H

#include <stdarg.h>

/* Functions return 0 or one of these (negative); details go to an es_error. */
typedef enum {
  ES_OK = 0,
  ES_EINVAL = -1,     /* bad input from a file or a peer: INVALID_ARGUMENT */
  ES_EPRECOND = -2,   /* state of the store forbids it: FAILED_PRECONDITION */
  ES_EUNAVAIL = -3,   /* transient, retrying may help: UNAVAILABLE */
  ES_EEXHAUSTED = -4, /* too many streams, message too big: RESOURCE_EXHAUSTED */
  ES_ENOTFOUND = -5,  /* no such file, no such job */
  ES_EIO = -6,        /* I/O failed */
  ES_ENOMEM = -7,     /* allocation or size overflow */
  ES_ECANCELLED = -8, /* shutdown or peer went away */
  ES_EINTERNAL = -9,  /* a bug or an unexpected library failure */
  ES_EUSAGE = -10,    /* bad command line */
  ES_EDEADLINE = -11, /* deadline exceeded */
  ES_EABORTED = -12,  /* conflict, retrying may help: ABORTED */
  ES_EUNAUTH = -13,   /* no credentials, or unknown ones: UNAUTHENTICATED */
  ES_EPERM = -14      /* credentials that may not do this: PERMISSION_DENIED */
} es_code;

typedef struct es_error {
  int code;
  char msg[1024];
} es_error;

/* Fills err (which may be NULL) and returns code, so `return es_err_set(...)` reads well. */
int es_err_set(es_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int es_err_vset(es_error *err, int code, const char *fmt, va_list ap);
/* Puts context in front of an existing message: "chunk 3, row 7: " + msg. Returns err->code. */
int es_err_prefix(es_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void es_err_clear(es_error *err);
const char *es_code_name(int code);
/* The es_grpc_status (core/status.h) a failure is sent as, and the es_code a status means. */
int es_code_to_grpc(int code);
int es_code_from_grpc(int grpc_status);

#endif
