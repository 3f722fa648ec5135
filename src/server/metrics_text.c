/* metrics_text.c - renders the server's counters in the Prometheus text exposition format. */
#include "server/metrics.h"

#include <string.h>

#include "core/domain.h"
#include "core/status.h"

/* Outcomes always listed (at 0 too, so rate() and alerts see them from the start); the other
   gRPC codes show up once a stream got one. */
static const int always_shown[] = {ES_GRPC_OK,
                                   ES_GRPC_CANCELLED,
                                   ES_GRPC_INVALID_ARGUMENT,
                                   ES_GRPC_DEADLINE_EXCEEDED,
                                   ES_GRPC_RESOURCE_EXHAUSTED,
                                   ES_GRPC_FAILED_PRECONDITION,
                                   ES_GRPC_INTERNAL,
                                   ES_GRPC_UNAVAILABLE};

static void header(es_buf *b, const char *name, const char *type, const char *help) {
  es_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int shown(int code, uint64_t v) {
  size_t i;
  if (v) return 1;
  for (i = 0; i < sizeof(always_shown) / sizeof(always_shown[0]); i++)
    if (always_shown[i] == code) return 1;
  return 0;
}

/* "success" for OK, else the gRPC status name in lower case ("invalid_argument"). */
static void outcome_label(int code, char *out, size_t n) {
  const char *name = code == 0 ? "success" : es_grpc_status_name(code);
  size_t i;
  for (i = 0; name[i] && i + 1 < n; i++)
    out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
  out[i] = '\0';
}

static void streams(es_buf *b, es_server_stats *s) {
  char label[32];
  int code;
  header(b, "embedstream_streams_total", "counter",
         "IngestDataStream calls answered, by outcome (success, or the gRPC status sent).");
  for (code = 0; code < ES_STATS_OUTCOMES; code++) {
    uint64_t v = atomic_load_explicit(&s->outcomes[code], memory_order_relaxed);
    if (!shown(code, v)) continue;
    outcome_label(code, label, sizeof(label));
    es_buf_printf(b, "embedstream_streams_total{outcome=\"%s\"} %llu\n", label,
                  (unsigned long long)v);
  }
}

/* One line per domain; the "unknown" slot (bytes before a valid metadata message) only once
   it is not 0. */
static void by_domain(es_buf *b, const char *name, atomic_uint_fast64_t *slots) {
  int i, unknown = es_server_stats_unknown_slot();
  for (i = 0; i <= unknown; i++) {
    uint64_t v = atomic_load_explicit(&slots[i], memory_order_relaxed);
    if (i == unknown && !v) continue;
    es_buf_printf(b, "%s{domain=\"%s\"} %llu\n", name,
                  i == unknown ? "unknown" : es_domains[i]->name, (unsigned long long)v);
  }
}

static void histogram(es_buf *b, const char *name, const char *help, es_histogram *h) {
  es_histogram_view v;
  size_t i;
  es_hist_read(h, &v);
  header(b, name, "histogram", help);
  for (i = 0; i < v.nbounds; i++)
    es_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, v.bounds[i],
                  (unsigned long long)v.cumulative[i]);
  es_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
                (unsigned long long)v.cumulative[v.nbounds]);
  es_buf_printf(b, "%s_sum %.9g\n%s_count %llu\n", name, v.sum, name,
                (unsigned long long)v.cumulative[v.nbounds]);
}

int es_metrics_render(es_server_stats *s, es_buf *b) {
  streams(b, s);
  header(b, "embedstream_rows_total", "counter",
         "Rows of successfully committed streams, by domain.");
  by_domain(b, "embedstream_rows_total", s->domain_rows);
  header(b, "embedstream_bytes_total", "counter",
         "Request message bytes received (after decompression), by domain.");
  by_domain(b, "embedstream_bytes_total", s->domain_bytes);
  histogram(b, "embedstream_stream_duration_seconds",
            "Time from accepting an IngestDataStream call to answering it.", &s->stream_seconds);
  header(b, "embedstream_streams_in_flight", "gauge",
         "IngestDataStream calls accepted and not answered yet (they count against "
         "--max-streams).");
  es_buf_printf(b, "embedstream_streams_in_flight %d\n",
                atomic_load_explicit(&s->streams_in_flight, memory_order_relaxed));
  histogram(b, "embedstream_store_commit_seconds",
            "Time the store took to commit one stream's rows, failed commits included.",
            &s->commit_seconds);
  return b->oom ? ES_ENOMEM : 0;
}
