/* clock.c - monotonic and wall time as double seconds. */
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double es_clock_mono(void) { return seconds(CLOCK_MONOTONIC); }

double es_clock_wall(void) { return seconds(CLOCK_REALTIME); }

struct timespec es_clock_after(clockid_t id, double seconds) {
  struct timespec ts;
  clock_gettime(id, &ts);
  ts.tv_sec += (time_t)seconds;
  ts.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

void es_clock_iso(double unix_seconds, char out[ES_CLOCK_ISO_LEN]) {
  time_t secs = (time_t)unix_seconds;
  int ms = (int)((unix_seconds - (double)secs) * 1000.0);
  struct tm tm;
  if (ms < 0) ms = 0;
  if (ms > 999) ms = 999;
  if (!gmtime_r(&secs, &tm)) memset(&tm, 0, sizeof(tm));
  /* Unsigned and bounded, so the compiler can see the text fits. */
  snprintf(out, ES_CLOCK_ISO_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
           (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
           (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
           (unsigned)tm.tm_sec % 100u, (unsigned)ms % 1000u);
}

int es_clock_parse_iso(const char *s, double *unix_seconds) {
  struct tm tm;
  char *end;
  double frac = 0;
  memset(&tm, 0, sizeof(tm));
  end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return -1;
  if (*end == '.') {
    const char *p = end + 1;
    double scale = 0.1;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++, scale /= 10) frac += (*p - '0') * scale;
    end = (char *)p;
  }
  if (strcmp(end, "Z") != 0) return -1;
  *unix_seconds = (double)timegm(&tm) + frac;
  return 0;
}
