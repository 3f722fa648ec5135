/* log.c - stderr logging; one write() per record so threads do not interleave lines. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

static int log_level = -1;

/* EMBEDSTREAM_LOG_LEVEL, or ES_LOG_LEVEL (its older name, still honoured). */
static int level_from_env(void) {
  const char *v = getenv("EMBEDSTREAM_LOG_LEVEL");
  if (!v || !*v) v = getenv("ES_LOG_LEVEL");
  if (!v) return ES_LOG_INFO;
  if (!strcasecmp(v, "debug")) return ES_LOG_DEBUG;
  if (!strcasecmp(v, "warn")) return ES_LOG_WARN;
  if (!strcasecmp(v, "error")) return ES_LOG_ERROR;
  if (!strcasecmp(v, "off")) return ES_LOG_OFF;
  return ES_LOG_INFO;
}

void es_log_set_level(int level) { log_level = level; }

int es_log_level(void) {
  if (log_level < 0) log_level = level_from_env();
  return log_level;
}

void es_log(int level, const char *fmt, ...) {
  static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  char line[2048];
  double now;
  time_t secs;
  struct tm tm;
  va_list ap;
  int n;
  if (level < es_log_level() || level >= ES_LOG_OFF) return;
  now = es_clock_wall();
  secs = (time_t)now;
  gmtime_r(&secs, &tm);
  n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ", tm.tm_year + 1900,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)((now - (double)secs) * 1000.0),
               names[level]);
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof(line) - 2) n = (int)sizeof(line) - 2;
  line[n++] = '\n';
  if (write(STDERR_FILENO, line, (size_t)n) < 0) { /* nowhere left to report it */ }
}

void es_log_external(void *cls, const char *fmt, va_list ap) {
  char line[512];
  size_t n;
  vsnprintf(line, sizeof(line), fmt, ap);
  n = strlen(line);
  while (n && line[n - 1] == '\n') line[--n] = '\0';
  es_warn("%s: %s", cls ? (const char *)cls : "library", line);
}
