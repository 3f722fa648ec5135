/* tap.h - minimal test assertions for unit tests: counts, reports, exits non-zero on failure. */
#ifndef ES_TAP_H
#define ES_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_failed, tap_run;

/* Counts one check; a failed one is counted and reported as "FAIL file:line: " and what fmt says.
 */
__attribute__((format(printf, 4, 5))) static inline void tap_check(int ok, const char *file,
                                                                   int line, const char *fmt, ...) {
  va_list ap;
  tap_run++;
  if (ok) return;
  tap_failed++;
  fprintf(stderr, "FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

#define CHECK(cond) tap_check(!!(cond), __FILE__, __LINE__, "%s", #cond)

#define CHECK_EQ_INT(a, b)                                                            \
  do {                                                                                \
    long long _a = (long long)(a), _b = (long long)(b);                               \
    tap_check(_a == _b, __FILE__, __LINE__, "%s == %lld, expected %lld", #a, _a, _b); \
  } while (0)

#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    const char *_a = (a), *_b = (b);                                                               \
    tap_check(_a &&_b && !strcmp(_a, _b), __FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, \
              _a ? _a : "(null)", _b ? _b : "(null)");                                             \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                      \
  do {                                                                                   \
    const char *_h = (hay), *_n = (needle);                                              \
    tap_check(_h &&strstr(_h, _n), __FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
              _h ? _h : "(null)", _n);                                                   \
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
