/* tap.h - minimal test assertions for unit tests: counts, reports, exits non-zero on failure. */
#ifndef ES_TAP_H
#define ES_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_failed, tap_run;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    tap_run++;                                                                        \
    if (!(cond)) {                                                                    \
      tap_failed++;                                                                   \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
    }                                                                                 \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                            \
  do {                                                                                \
    long long _a = (long long)(a), _b = (long long)(b);                               \
    tap_run++;                                                                        \
    if (_a != _b) {                                                                   \
      tap_failed++;                                                                   \
      fprintf(stderr, "FAIL %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
              #a, _a, _b);                                                            \
    }                                                                                 \
  } while (0)

#define CHECK_STR(a, b)                                                               \
  do {                                                                                \
    const char *_a = (a), *_b = (b);                                                  \
    tap_run++;                                                                        \
    if (!_a || !_b || strcmp(_a, _b)) {                                               \
      tap_failed++;                                                                   \
      fprintf(stderr, "FAIL %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,        \
              __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");                  \
    }                                                                                 \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                   \
  do {                                                                                \
    const char *_h = (hay), *_n = (needle);                                           \
    tap_run++;                                                                        \
    if (!_h || !strstr(_h, _n)) {                                                     \
      tap_failed++;                                                                   \
      fprintf(stderr, "FAIL %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
              __LINE__, _h ? _h : "(null)", _n);                                      \
    }                                                                                 \
  } while (0)

/* ctest's SKIP_RETURN_CODE: a test that cannot run here says so instead of passing. */
#define TAP_SKIP 77

static inline int tap_skip(const char *name, const char *why) {
  printf("%s: skipped (%s)\n", name, why);
  return TAP_SKIP;
}

static inline int tap_done(const char *name) {
  printf("%s: %d checks, %d failed\n", name, tap_run, tap_failed);
  return tap_failed ? 1 : 0;
}

#endif
