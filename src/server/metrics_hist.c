/* metrics_hist.c - lock-free histograms: one relaxed atomic add per bucket and one for the sum. */
#include "server/metrics_hist.h"

#include <math.h>

/* A stream carries a whole file: from milliseconds (tiny files, rejections) to minutes. */
const double es_hist_stream_bounds[] = {.01, .05, .1, .5, 1, 5, 10, 30, 60, 300};
const size_t es_hist_stream_nbounds = sizeof(es_hist_stream_bounds) / sizeof(double);
/* A commit upserts every staged row of a stream in one transaction. */
const double es_hist_commit_bounds[] = {.001, .005, .01, .025, .05, .1, .25,
                                        .5,   1,    2.5, 5,    10,  30, 60};
const size_t es_hist_commit_nbounds = sizeof(es_hist_commit_bounds) / sizeof(double);

void es_hist_init(es_histogram *h, const double *bounds, size_t nbounds) {
  size_t i;
  h->bounds = bounds;
  h->nbounds = nbounds > ES_HIST_MAX_BOUNDS ? ES_HIST_MAX_BOUNDS : nbounds;
  for (i = 0; i <= ES_HIST_MAX_BOUNDS; i++) atomic_init(&h->counts[i], 0);
  atomic_init(&h->sum_ns, 0);
}

void es_hist_observe(es_histogram *h, double seconds) {
  size_t i = 0;
  uint64_t ns;
  if (!(seconds >= 0)) seconds = 0; /* NaN or a clock step backwards */
  while (i < h->nbounds && seconds > h->bounds[i]) i++;
  /* 1e10 s (317 years) caps the conversion: beyond it the cast would overflow. */
  ns = seconds < 1e10 ? (uint64_t)llround(seconds * 1e9) : (uint64_t)1e19;
  atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

void es_hist_read(es_histogram *h, es_histogram_view *out) {
  uint64_t total = 0;
  size_t i;
  out->bounds = h->bounds;
  out->nbounds = h->nbounds;
  /* Cumulative from one pass over the buckets, so a scrape's buckets never decrease left to
     right even while streams end; the sum may lag the counts by an observation or two. */
  for (i = 0; i <= h->nbounds; i++) {
    total += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
    out->cumulative[i] = total;
  }
  out->sum = (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9;
}
