/* fail.c - error messages of the Parquet reader: offset first, then what is wrong there. */
#include "load/parquet/fail.h"

#include <stdarg.h>
#include <stdio.h>

int es_pq_fail(es_error *err, uint64_t off, const char *fmt, ...) {
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return es_err_set(err, ES_EINVAL, "byte %llu: %s", (unsigned long long)off, msg);
}

int es_pq_oom(es_error *err) { return es_err_set(err, ES_ENOMEM, "out of memory"); }
