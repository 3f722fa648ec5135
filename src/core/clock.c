/* clock.c - monotonic and wall time as double seconds. */
#include "core/clock.h"

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
