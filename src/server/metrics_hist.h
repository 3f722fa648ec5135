/* metrics_hist.h - a fixed-bucket histogram that many threads observe into without a lock. */
#ifndef ES_METRICS_HIST_H
#define ES_METRICS_HIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ES_HIST_MAX_BOUNDS 16

typedef struct es_histogram {
  const double *bounds; /* upper bounds in seconds, ascending; +Inf is implied after the last */
  size_t nbounds;
  atomic_uint_fast64_t counts[ES_HIST_MAX_BOUNDS + 1]; /* per bucket, not cumulative */
  atomic_uint_fast64_t sum_ns; /* integer nanoseconds: atomics have no floating-point add */
} es_histogram;

/* Plain copy at one moment: cumulative counts as Prometheus wants them. */
typedef struct es_histogram_view {
  const double *bounds;
  size_t nbounds;
  uint64_t cumulative[ES_HIST_MAX_BOUNDS + 1]; /* the last one is +Inf, which is also the count */
  double sum;
} es_histogram_view;

/* bounds must outlive h; nbounds is cut to ES_HIST_MAX_BOUNDS. */
void es_hist_init(es_histogram *h, const double *bounds, size_t nbounds);
void es_hist_observe(es_histogram *h, double seconds);
void es_hist_read(es_histogram *h, es_histogram_view *out);

/* The server's two histograms. */
extern const double es_hist_stream_bounds[];
extern const size_t es_hist_stream_nbounds;
extern const double es_hist_commit_bounds[];
extern const size_t es_hist_commit_nbounds;

#endif
