/* stats.c - the server's counters: relaxed atomics, since readers only need a recent value. */
#include "server/stats.h"

#include <stddef.h>

_Static_assert(ES_STATS_DOMAINS >= 2, "at least one domain and the unknown slot");

void es_server_stats_init(es_server_stats *s) {
  int i;
  atomic_init(&s->streams_started, 0);
  atomic_init(&s->streams_committed, 0);
  atomic_init(&s->streams_failed, 0);
  atomic_init(&s->streams_rejected, 0);
  atomic_init(&s->rows_committed, 0);
  atomic_init(&s->chunks_received, 0);
  atomic_init(&s->bytes_received, 0);
  atomic_init(&s->streams_in_flight, 0);
  for (i = 0; i < ES_STATS_OUTCOMES; i++) atomic_init(&s->outcomes[i], 0);
  for (i = 0; i < ES_STATS_DOMAINS; i++) {
    atomic_init(&s->domain_rows[i], 0);
    atomic_init(&s->domain_bytes[i], 0);
  }
  es_hist_init(&s->stream_seconds, es_hist_stream_bounds, es_hist_stream_nbounds);
  es_hist_init(&s->commit_seconds, es_hist_commit_bounds, es_hist_commit_nbounds);
}

void es_server_stats_add(atomic_uint_fast64_t *counter, uint64_t n) {
  atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *c) {
  return atomic_load_explicit(c, memory_order_relaxed);
}

void es_server_stats_read(es_server_stats *s, es_server_stats_view *out) {
  out->streams_started = get(&s->streams_started);
  out->streams_committed = get(&s->streams_committed);
  out->streams_failed = get(&s->streams_failed);
  out->streams_rejected = get(&s->streams_rejected);
  out->rows_committed = get(&s->rows_committed);
  out->chunks_received = get(&s->chunks_received);
  out->bytes_received = get(&s->bytes_received);
  out->streams_in_flight = atomic_load_explicit(&s->streams_in_flight, memory_order_relaxed);
}

int es_server_stats_unknown_slot(void) {
  /* More domains than slots would share the last one with "unknown"; there are three. */
  return es_domain_count < ES_STATS_DOMAINS ? (int)es_domain_count : ES_STATS_DOMAINS - 1;
}

int es_server_stats_domain_slot(const es_domain *d) {
  int i, unknown = es_server_stats_unknown_slot();
  for (i = 0; d && i < unknown; i++)
    if (es_domains[i] == d) return i;
  return unknown;
}

void es_server_stats_outcome(es_server_stats *s, int grpc_status) {
  if (grpc_status < 0 || grpc_status >= ES_STATS_OUTCOMES) grpc_status = ES_GRPC_UNKNOWN;
  es_server_stats_add(&s->outcomes[grpc_status], 1);
}
