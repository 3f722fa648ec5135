/* testhook.c - ES_TEST_PAUSE_FILE: a stream waits at a point the file names (fault tests only). */
#include "core/testhook.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *pause_path;
static _Thread_local int (*watch_gone)(void *);
static _Thread_local void *watch_ctx;

static void read_env(void) {
#ifdef ES_NO_TEST_HOOKS
  pause_path = NULL; /* compiled out (-DES_TEST_HOOKS=OFF, Release): the variable is ignored */
#else
  const char *v = getenv(ES_TESTHOOK_ENV);
  pause_path = v && *v ? v : NULL;
#endif
}

const char *es_testhook_path(void) {
  pthread_once(&once, read_env);
  return pause_path;
}

/* Does the file say "point" or "point n" (trailing white space ignored)? */
static int names_point(const char *path, const char *point, unsigned long long n) {
  char text[64], want[64];
  size_t len;
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  len = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) len--;
  text[len] = '\0';
  if (!strcmp(text, point)) return 1;
  snprintf(want, sizeof(want), "%s %llu", point, n);
  return !strcmp(text, want);
}

void es_testhook_watch(int (*gone)(void *ctx), void *ctx) {
  watch_gone = gone;
  watch_ctx = ctx;
}

void es_testhook_pause(const char *point, unsigned long long n) {
  const char *path = es_testhook_path();
  struct timespec tick = {0, 10 * 1000 * 1000};
  double until;
  int told = 0;
  if (!path || !names_point(path, point, n)) return;
  es_info("test hook: paused at %s %llu", point, n);
  until = es_clock_mono() + ES_TESTHOOK_MAX_S;
  while (names_point(path, point, n) && es_clock_mono() < until) {
    if (!told && watch_gone && watch_gone(watch_ctx)) {
      es_info("test hook: peer gone at %s %llu", point, n);
      told = 1;
    }
    nanosleep(&tick, NULL);
  }
  es_info("test hook: resumed at %s %llu", point, n);
}
