/* stats.h - counters the server's threads update, read by the metrics endpoint. */
#ifndef ES_SERVER_STATS_H
#define ES_SERVER_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/domain.h"
#include "core/status.h"
#include "server/metrics_hist.h"

#define ES_STATS_OUTCOMES ES_GRPC_STATUS_COUNT /* by gRPC status; 0 is a successful stream */
#define ES_STATS_DOMAINS 8 /* room for es_domain_count domains plus one for "unknown" */

/* Updated with relaxed atomics from every stream thread; readers take a snapshot. */
typedef struct es_server_stats {
  atomic_uint_fast64_t streams_started;   /* calls handed to a worker */
  atomic_uint_fast64_t streams_committed; /* stored and answered "success" */
  atomic_uint_fast64_t streams_failed;    /* rejected by validation, store errors, cancels */
  atomic_uint_fast64_t streams_rejected;  /* RESOURCE_EXHAUSTED: over --max-streams */
  atomic_uint_fast64_t rows_committed;
  atomic_uint_fast64_t chunks_received;
  atomic_uint_fast64_t bytes_received; /* request message bytes, after decompression */
  atomic_int streams_in_flight;
  /* For the metrics endpoint: every answered stream by the status it got, rows of committed
     streams and received bytes by domain (the last used slot: before a valid metadata). */
  atomic_uint_fast64_t outcomes[ES_STATS_OUTCOMES];
  atomic_uint_fast64_t domain_rows[ES_STATS_DOMAINS];
  atomic_uint_fast64_t domain_bytes[ES_STATS_DOMAINS];
  es_histogram stream_seconds; /* streams run by a worker, whatever their outcome */
  es_histogram commit_seconds; /* store commits, whatever their outcome */
} es_server_stats;

/* Plain copy of the counters at one moment. */
typedef struct es_server_stats_view {
  uint64_t streams_started, streams_committed, streams_failed, streams_rejected;
  uint64_t rows_committed, chunks_received, bytes_received;
  int streams_in_flight;
} es_server_stats_view;

void es_server_stats_init(es_server_stats *s);
void es_server_stats_add(atomic_uint_fast64_t *counter, uint64_t n);
void es_server_stats_read(es_server_stats *s, es_server_stats_view *out);

/* Slot of a domain in domain_rows/domain_bytes; NULL (not known yet) has the "unknown" slot. */
int es_server_stats_domain_slot(const es_domain *d);
/* The slot es_server_stats_domain_slot gives for NULL. */
int es_server_stats_unknown_slot(void);
/* One stream answered with grpc_status (out-of-range codes count as UNKNOWN). */
void es_server_stats_outcome(es_server_stats *s, int grpc_status);

#endif
