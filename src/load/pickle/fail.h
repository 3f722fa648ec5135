/* fail.h - how the pickle reader refuses a file: ES_EINVAL with a printf-checked message. */
#ifndef ES_PKL_FAIL_H
#define ES_PKL_FAIL_H

#include "core/error.h"

/* Sets err to ES_EINVAL with the formatted message and returns ES_EINVAL. Everything a file
   can be refused for goes through here (the caller adds "file: byte N: " or "row index N: "). */
int es_pkl_fail(es_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An allocation outside the graph failed (ES_ENOMEM). */
int es_pkl_no_memory(es_error *err);
/* The graph would outgrow the heap's budget: the file is a bomb, not data (ES_EINVAL). */
int es_pkl_over_budget(es_error *err);

#endif
