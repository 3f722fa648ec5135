/* fail.h - the Parquet reader's one error helper: every refusal names the byte offset in the
   file where the reader stood, so a user (or a fuzzer's log) can find the bad spot. */
#ifndef ES_PQ_FAIL_H
#define ES_PQ_FAIL_H

#include <stdint.h>

#include "core/error.h"

/* Fills err with "byte OFF: <message>" and returns ES_EINVAL. */
int es_pq_fail(es_error *err, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills err with "out of memory" and returns ES_ENOMEM. */
int es_pq_oom(es_error *err);

#endif
