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

/* Wall time as people and JSON read it, in UTC with milliseconds: "2026-01-31T12:00:00.123Z"
   (ES_CLOCK_ISO_LEN bytes with the NUL). */
#define ES_CLOCK_ISO_LEN 25
void es_clock_iso(double unix_seconds, char out[ES_CLOCK_ISO_LEN]);
/* The reverse, for what es_clock_iso and the stores write ("...Z", fraction optional): 0, or
   -1 when s is not such a time. */
int es_clock_parse_iso(const char *s, double *unix_seconds);

#endif
