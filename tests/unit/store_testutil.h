/* store_testutil.h - checks every store's unit test makes the same way: stats JSON, two streams. */
#ifndef ES_STORE_TESTUTIL_H
#define ES_STORE_TESTUTIL_H

#include <string.h>

#include "core/buf.h"
#include "store/store.h"
#include "tap.h"

/* Fills out with st's stats JSON (a check) and checks it holds each of the n texts in want; a
   failure names the caller's line and the missing text. out stays filled for further checks. */
static inline void stu_check_stats(const char *file, int line, es_store *st, es_buf *out,
                                   const char *const *want, size_t n) {
  es_error err;
  size_t i;
  int rc = st->stats_json(st, out, &err);
  tap_check(rc == 0, file, line, "stats_json gave %d (%s)", rc, rc ? err.msg : "");
  for (i = 0; i < n; i++)
    tap_check(out->ptr && strstr(out->ptr, want[i]), file, line,
              "stats \"%s\" do not contain \"%s\"", out->ptr ? out->ptr : "(null)", want[i]);
}

#define STU_CHECK_STATS(st, out, ...)                                                  \
  stu_check_stats(__FILE__, __LINE__, (st), (out), (const char *const[]){__VA_ARGS__}, \
                  sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *const))

/* Begins the streams ia and ib on st, both before either stages, then stages a in the first and
   b in the second: 4 checks. 1 when both are open and staged (the caller ends them both). */
static inline int stu_begin_two(const char *file, int line, es_store *st, const es_stream_info *ia,
                                es_chunk *a, es_txn **ta, const es_stream_info *ib, es_chunk *b,
                                es_txn **tb, es_error *err) {
  int rc = st->begin(st, ia, ta, err);
  tap_check(rc == 0, file, line, "begin %s gave %d (%s)", ia->file_name, rc, rc ? err->msg : "");
  rc = st->begin(st, ib, tb, err);
  tap_check(rc == 0, file, line, "begin %s gave %d (%s)", ib->file_name, rc, rc ? err->msg : "");
  if (!*ta || !*tb) return 0;
  rc = (*ta)->stage(*ta, a, err);
  tap_check(rc == 0, file, line, "stage %s gave %d (%s)", ia->file_name, rc, rc ? err->msg : "");
  rc = (*tb)->stage(*tb, b, err);
  tap_check(rc == 0, file, line, "stage %s gave %d (%s)", ib->file_name, rc, rc ? err->msg : "");
  return 1;
}

#define STU_BEGIN_TWO(st, ia, a, ta, ib, b, tb, err) \
  stu_begin_two(__FILE__, __LINE__, (st), (ia), (a), (ta), (ib), (b), (tb), (err))

#endif
