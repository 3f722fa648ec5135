/* fail.c - the pickle reader's one error helper, so every refusal is a checked format. */
#include "load/pickle/fail.h"

#include <stdarg.h>

#include "load/pickle/graph.h"

int es_pkl_fail(es_error *err, const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = es_err_vset(err, ES_EINVAL, fmt, ap);
  va_end(ap);
  return rc;
}

int es_pkl_over_budget(es_error *err) {
  return es_pkl_fail(err,
                     "the object graph would exceed its memory budget (%d x file size + %u MiB)",
                     ES_PKL_BUDGET_FACTOR, ES_PKL_BUDGET_FLOOR >> 20);
}

int es_pkl_no_memory(es_error *err) { return es_err_set(err, ES_ENOMEM, "out of memory"); }
