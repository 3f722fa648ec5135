/* policy.c - the client's pure decisions: option defaults, chunk sizing, message splitting,
   backoff and which gRPC statuses are worth a retry. No I/O here, so unit tests cover it all. */
#include "client/client.h"

#include <math.h>
#include <string.h>

#include "core/status.h"

void es_ingest_opts_init(es_ingest_opts *o) {
  memset(o, 0, sizeof(*o));
  o->server = ES_DEFAULT_SERVER;
  o->bandwidth_mbps = 1000;
  o->timeout_s = 600;
  o->retries = 3;
  o->busy_timeout_s = 600;
  o->max_message_bytes = ES_DEFAULT_MAX_MESSAGE;
  o->backoff_min_s = 2;
  o->backoff_max_s = 10;
}

/* Same arithmetic, in the same order, as the spec's calculate_optimal_chunk_size, so the
   doubles (and Python's int() truncation) give the same row count. */
size_t es_chunk_rows_auto(double bandwidth_mbps, int dim) {
  const double target_latency_ms = 100;
  double bytes_per_second, bytes_per_chunk, bytes_per_row, rows;
  if (!(bandwidth_mbps > 0)) return 100; /* also NaN */
  if (dim < 0) dim = 0;
  bytes_per_second = (bandwidth_mbps * 1024 * 1024) / 8;
  bytes_per_chunk = bytes_per_second * (target_latency_ms / 1000);
  bytes_per_row = ((double)dim * 4) + 500;
  rows = bytes_per_chunk / bytes_per_row;
  if (!(rows < 10000)) return 10000; /* also +inf */
  if (rows < 100) return 100;
  return (size_t)rows;
}

/* splitmix64: tiny, good enough for jitter, and reproducible from a seed in tests. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* [0, 1) with 53 random bits. */
static double uniform(uint64_t *state) {
  return (double)(next_random(state) >> 11) / 9007199254740992.0;
}

/* Like tenacity's wait_exponential(multiplier=1, min=2, max=10) with the spec's values: the
   first retry waits min, each later one twice the previous, capped at max (2, 4, 8, 10, 10...).
   The jitter spreads each wait over +-25%, still inside [min, max], so clients that failed
   together do not all come back in the same instant. */
double es_backoff_delay(int attempt, double min_s, double max_s, uint64_t *seed) {
  double base, lo, hi;
  if (attempt < 2) return 0;
  if (!(min_s >= 0)) min_s = 0;
  if (!(max_s >= min_s)) max_s = min_s;
  base = attempt > 1000 ? max_s : ldexp(min_s, attempt - 2);
  if (base > max_s) base = max_s;
  if (!seed) return base;
  lo = fmax(min_s, base * 0.75);
  hi = fmin(max_s, base * 1.25);
  return lo + (hi - lo) * uniform(seed);
}

#define ES_PUSHBACK_MIN_S 0.05

double es_pushback_delay(uint64_t pushback_ms, uint64_t *seed) {
  double base = (double)pushback_ms / 1000;
  if (base < ES_PUSHBACK_MIN_S) base = ES_PUSHBACK_MIN_S;
  if (!seed) return base;
  return base * (1 + 0.5 * uniform(seed));
}

double es_conflict_delay(int n, uint64_t *seed) {
  double base = n > 5 ? 4.0 : 0.25 * (double)(1 << (n > 1 ? n - 1 : 0));
  if (!seed) return base;
  return base * (0.5 + uniform(seed));
}

int es_ingest_outcome_worse(int a, int b) {
  /* Ranks, least serious first: a run's exit code is that of its most serious file. */
  static const int rank[] = {
      [ES_INGEST_OK] = 0,          [ES_INGEST_INPUT] = 1,  [ES_INGEST_REJECTED] = 2,
      [ES_INGEST_UNREACHABLE] = 3, [ES_INGEST_FAILED] = 4, [ES_INGEST_DENIED] = 5};
  int ra = a >= 0 && a <= ES_INGEST_DENIED ? rank[a] : 5;
  int rb = b >= 0 && b <= ES_INGEST_DENIED ? rank[b] : 5;
  return ra >= rb ? a : b;
}

int es_grpc_retryable(int s) {
  /* UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, DEADLINE_EXCEEDED: the server or the network
     may well do better next time; anything else would fail the same way again. */
  return s == ES_GRPC_UNAVAILABLE || s == ES_GRPC_RESOURCE_EXHAUSTED || s == ES_GRPC_ABORTED ||
         s == ES_GRPC_DEADLINE_EXCEEDED;
}

static int row_too_large(const es_chunk *c, size_t i, size_t row_bytes, size_t max_bytes,
                         es_error *err) {
  uint64_t line = c->lines ? c->lines[i] : 0;
  if (line)
    return es_err_set(err, ES_EINVAL,
                      "line %llu: the row needs %zu bytes, more than the message limit of %zu "
                      "bytes (--max-message-bytes)",
                      (unsigned long long)line, es_codec_chunk_request_size(row_bytes), max_bytes);
  return es_err_set(
      err, ES_EINVAL,
      "row %zu of the chunk needs %zu bytes, more than the message limit of %zu bytes", i,
      es_codec_chunk_request_size(row_bytes), max_bytes);
}

int es_client_split(const es_chunk *c, size_t from, size_t max_bytes, size_t *to, size_t *msg_bytes,
                    es_error *err) {
  size_t i, sum = 0;
  if (!c->domain || from >= c->nrows)
    return es_err_set(err, ES_EINTERNAL, "no rows to split at row %zu of %zu", from, c->nrows);
  for (i = from; i < c->nrows; i++) {
    size_t rb = es_codec_row_size(c, i);
    /* A sum near SIZE_MAX can never fit anyway; stopping there also keeps the addition safe. */
    if (rb > max_bytes || sum > max_bytes - rb) break;
    if (es_codec_chunk_request_size(sum + rb) > max_bytes) break;
    sum += rb;
  }
  if (i == from) return row_too_large(c, from, es_codec_row_size(c, from), max_bytes, err);
  *to = i;
  *msg_bytes = es_codec_chunk_request_size(sum);
  return 0;
}
