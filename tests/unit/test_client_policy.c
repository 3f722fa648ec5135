/* test_client_policy.c - the client's chunk sizing (spec 5.2), backoff, a busy server's pushback,
   conflicts, retry classification, a run's exit code and --server targets. */
#include <math.h>
#include <stdlib.h>

#include "client/client.h"
#include "core/status.h"
#include "tap.h"

/* Values computed with the spec's own Python function (calculate_optimal_chunk_size). The
   spec's table in 5.3 lists rounder "recommended" sizes for the same four settings (1000, 500,
   5000, 2500) that its formula does not produce; the formula is what --chunk-size auto follows. */
static void test_auto_rows(void) {
  CHECK_EQ_INT(es_chunk_rows_auto(100, 384), 643);
  CHECK_EQ_INT(es_chunk_rows_auto(100, 768), 366);
  CHECK_EQ_INT(es_chunk_rows_auto(1000, 384), 6437);
  CHECK_EQ_INT(es_chunk_rows_auto(1000, 768), 3669);
  CHECK_EQ_INT(es_chunk_rows_auto(50, 384), 321);
  CHECK_EQ_INT(es_chunk_rows_auto(1000, ES_DIM_MAX), 203);
  /* clamps: at least 100, at most 10000 rows */
  CHECK_EQ_INT(es_chunk_rows_auto(1, 384), 100);
  CHECK_EQ_INT(es_chunk_rows_auto(10, 384), 100);
  CHECK_EQ_INT(es_chunk_rows_auto(3000, 384), 10000);
  CHECK_EQ_INT(es_chunk_rows_auto(1e12, 384), 10000);
  CHECK_EQ_INT(es_chunk_rows_auto(0, 384), 100);
  CHECK_EQ_INT(es_chunk_rows_auto(NAN, 384), 100);
  CHECK_EQ_INT(es_chunk_rows_auto(INFINITY, 384), 10000);
  /* just either side of the lower clamp: 15.5 Mbps gives 99.79 rows, 15.6 Mbps 100.44 */
  CHECK_EQ_INT(es_chunk_rows_auto(15.5, 384), 100);
  CHECK_EQ_INT(es_chunk_rows_auto(15.6, 384), 100);
  CHECK_EQ_INT(es_chunk_rows_auto(15.7, 384), 101);
}

static void test_backoff_bounds_and_growth(void) {
  uint64_t seed = 42;
  double sum[8] = {0};
  int a, i, n = 2000, outside = 0;
  CHECK(es_backoff_delay(1, 2, 10, &seed) == 0);
  /* without jitter: the spec's tenacity setting, wait_exponential(multiplier=1, min=2, max=10) */
  CHECK(es_backoff_delay(2, 2, 10, NULL) == 2);
  CHECK(es_backoff_delay(3, 2, 10, NULL) == 4);
  CHECK(es_backoff_delay(4, 2, 10, NULL) == 8);
  CHECK(es_backoff_delay(5, 2, 10, NULL) == 10);
  CHECK(es_backoff_delay(100, 2, 10, NULL) == 10);
  CHECK(es_backoff_delay(1000000, 2, 10, NULL) == 10);
  /* other bounds: starts at min, doubles, stops at max */
  CHECK(es_backoff_delay(2, 0.5, 4, NULL) == 0.5);
  CHECK(es_backoff_delay(3, 0.5, 4, NULL) == 1);
  CHECK(es_backoff_delay(5, 0.5, 4, NULL) == 4);
  CHECK(es_backoff_delay(6, 0.5, 4, NULL) == 4);
  for (i = 0; i < n; i++)
    for (a = 2; a < 8; a++) {
      double d = es_backoff_delay(a, 2, 10, &seed);
      if (d < 2 || d > 10) outside++;
      sum[a] += d;
    }
  CHECK_EQ_INT(outside, 0);
  /* mean waits grow until they reach the cap */
  CHECK(sum[2] < sum[3] && sum[3] < sum[4] && sum[4] < sum[5]);
  CHECK(fabs(sum[2] / n - 2.25) < 0.05); /* 2 .. 2.5 */
  CHECK(fabs(sum[3] / n - 4.0) < 0.1);   /* 3 .. 5 */
  CHECK(fabs(sum[4] / n - 8.0) < 0.15);  /* 6 .. 10 */
  CHECK(fabs(sum[6] / n - 8.75) < 0.15); /* 7.5 .. 10 */
}

static void test_backoff_jitter(void) {
  uint64_t s1 = 7, s2 = 7, s3 = 8;
  double a = es_backoff_delay(3, 2, 10, &s1), b = es_backoff_delay(3, 2, 10, &s2);
  double c = es_backoff_delay(3, 2, 10, &s3), lo = 100, hi = 0;
  int i;
  CHECK(a == b); /* same seed, same wait */
  CHECK(a != c); /* other seed, other wait */
  for (i = 0; i < 500; i++) {
    double d = es_backoff_delay(3, 2, 10, &s3);
    lo = fmin(lo, d);
    hi = fmax(hi, d);
  }
  /* 500 draws spread over the whole +-25% band around 4 s */
  CHECK(lo >= 3 && lo < 3.2);
  CHECK(hi <= 5 && hi > 4.8);
  /* odd settings stay sane: max below min means min, zero means zero */
  CHECK(es_backoff_delay(4, 5, 1, &s3) == 5);
  CHECK(es_backoff_delay(4, 0, 0, &s3) == 0);
}

/* A busy server's pushback: never shorter than asked, at most 50% longer, never a spin. */
static void test_pushback_delay(void) {
  uint64_t s1 = 5, s2 = 5, s3 = 6;
  double lo = 100, hi = 0, sum = 0;
  int i, n = 2000;
  CHECK(es_pushback_delay(1000, NULL) == 1.0);
  CHECK(es_pushback_delay(250, NULL) == 0.25);
  CHECK(es_pushback_delay(0, NULL) == 0.05); /* "now" still waits a little */
  CHECK(es_pushback_delay(10, NULL) == 0.05);
  CHECK(es_pushback_delay(999999999999999999ull, NULL) > 1e14); /* the caller caps it */
  CHECK(es_pushback_delay(800, &s1) == es_pushback_delay(800, &s2));
  CHECK(es_pushback_delay(800, &s1) != es_pushback_delay(800, &s3));
  for (i = 0; i < n; i++) {
    double d = es_pushback_delay(1000, &s3);
    lo = fmin(lo, d);
    hi = fmax(hi, d);
    sum += d;
  }
  CHECK(lo >= 1.0 && lo < 1.02);
  CHECK(hi < 1.5 && hi > 1.48);
  CHECK(fabs(sum / n - 1.25) < 0.02);
  CHECK(es_pushback_delay(0, &s3) >= 0.05 && es_pushback_delay(0, &s3) < 0.075);
}

static void test_retryable(void) {
  int s, retry = 0;
  CHECK(es_grpc_retryable(14)); /* UNAVAILABLE */
  CHECK(es_grpc_retryable(8));  /* RESOURCE_EXHAUSTED */
  CHECK(es_grpc_retryable(10)); /* ABORTED */
  CHECK(es_grpc_retryable(4));  /* DEADLINE_EXCEEDED */
  CHECK(!es_grpc_retryable(3)); /* INVALID_ARGUMENT */
  CHECK(!es_grpc_retryable(9)); /* FAILED_PRECONDITION */
  CHECK(!es_grpc_retryable(0));
  CHECK(!es_grpc_retryable(13));
  for (s = -1; s <= 17; s++) retry += es_grpc_retryable(s);
  CHECK_EQ_INT(retry, 4);
  CHECK_STR(es_grpc_status_name(14), "UNAVAILABLE");
  CHECK_STR(es_grpc_status_name(3), "INVALID_ARGUMENT");
  CHECK_STR(es_grpc_status_name(9), "FAILED_PRECONDITION");
  CHECK_STR(es_grpc_status_name(16), "UNAUTHENTICATED");
  CHECK_STR(es_grpc_status_name(99), "UNKNOWN");
}

static void test_defaults(void) {
  es_ingest_opts o;
  es_ingest_opts_init(&o);
  CHECK_STR(o.server, "127.0.0.1:50052");
  CHECK_EQ_INT(o.retries, 3);
  CHECK(o.busy_timeout_s == 600);
  CHECK(o.timeout_s == 600);
  CHECK(o.bandwidth_mbps == 1000);
  CHECK_EQ_INT(o.max_message_bytes, 16 * 1024 * 1024);
  CHECK(o.backoff_min_s == 2 && o.backoff_max_s == 10);
  CHECK_EQ_INT(o.chunk_rows, 0);
}

/* Conflicts back off from 0.25 s to 4 s, jittered between half and one and a half of that. */
static void test_conflict_delay(void) {
  uint64_t seed = 7;
  int n, i, spread = 0;
  CHECK(es_conflict_delay(1, NULL) == 0.25);
  CHECK(es_conflict_delay(2, NULL) == 0.5);
  CHECK(es_conflict_delay(5, NULL) == 4.0);
  CHECK(es_conflict_delay(6, NULL) == 4.0);
  CHECK(es_conflict_delay(1000, NULL) == 4.0);
  for (n = 1; n < 8; n++)
    for (i = 0; i < 200; i++) {
      double d = es_conflict_delay(n, &seed), base = es_conflict_delay(n, NULL);
      CHECK(d >= 0.5 * base && d < 1.5 * base);
      spread += d < base;
    }
  CHECK(spread > 500 && spread < 900); /* about half below the base */
}

/* A run's exit code is its most serious file's: 5 over 1 over 4 over 3 over 2 over 0. */
static void test_outcome_order(void) {
  const int order[] = {ES_INGEST_OK,          ES_INGEST_INPUT,  ES_INGEST_REJECTED,
                       ES_INGEST_UNREACHABLE, ES_INGEST_FAILED, ES_INGEST_DENIED};
  size_t i, j;
  for (i = 0; i < 6; i++)
    for (j = 0; j < 6; j++)
      CHECK_EQ_INT(es_ingest_outcome_worse(order[i], order[j]), order[i > j ? i : j]);
  CHECK_EQ_INT(es_ingest_outcome_worse(ES_INGEST_OK, 99), 99); /* unknown counts as the worst */
}

/* --server: HOST:PORT, a list of them, or a URI gRPC resolves. */
static void test_targets(void) {
  es_error err;
  char *t = NULL;
  CHECK_EQ_INT(es_client_target_check("a:1", &err), 0);
  CHECK_EQ_INT(es_client_target_check("a:1, b:2,[::1]:3", &err), 0);
  CHECK_EQ_INT(es_client_target_check("dns:///ingest.internal:50052", &err), 0);
  CHECK_EQ_INT(es_client_target_check("ipv4:10.0.0.1:1,10.0.0.2:1", &err), 0);
  CHECK_EQ_INT(es_client_target_check("unix:/run/es.sock", &err), 0);
  CHECK_EQ_INT(es_client_target_check("a:1,b", &err), ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "'b'");
  CHECK_EQ_INT(es_client_target_check("a:99999", &err), ES_EUSAGE);
  CHECK_EQ_INT(es_client_target_check("a:1,,b:2", &err), ES_EUSAGE);
  CHECK_EQ_INT(es_client_target_check("", &err), ES_EUSAGE);
  CHECK_EQ_INT(es_client_target_check("dns:50052", &err), 0); /* a host named dns, not a scheme */
  CHECK_EQ_INT(es_client_target("127.0.0.1:5,127.0.0.2:6", &t, &err), 0);
  CHECK_STR(t, "ipv4:127.0.0.1:5,127.0.0.2:6");
  free(t);
  CHECK_EQ_INT(es_client_target("[::1]:5,127.0.0.1:6", &t, &err), 0);
  CHECK_STR(t, "ipv6:[::1]:5,[::ffff:127.0.0.1]:6");
  free(t);
  CHECK_EQ_INT(es_client_target("localhost:7", &t, &err), 0); /* one name: gRPC resolves it */
  CHECK_STR(t, "localhost:7");
  free(t);
}

int main(void) {
  test_conflict_delay();
  test_outcome_order();
  test_targets();
  test_auto_rows();
  test_backoff_bounds_and_growth();
  test_backoff_jitter();
  test_pushback_delay();
  test_retryable();
  test_defaults();
  return tap_done("test_client_policy");
}
