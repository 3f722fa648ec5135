/* clock.h - the two clocks: monotonic for durations and deadlines, wall for timestamps people
   read (logs, ingest_log). Never measure a duration on the wall clock: it jumps. */
#ifndef ES_CLOCK_H
#define ES_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin; only differences mean anything). */
double es_clock_mono(void);
/* Seconds since the Unix epoch on CLOCK_REALTIME. */
double es_clock_wall(void);
/* The absolute time `seconds` from now on clock `id` (CLOCK_REALTIME or CLOCK_MONOTONIC), as
   pthread_cond_timedwait takes it. */
struct timespec es_clock_after(clockid_t id, double seconds);

#endif
