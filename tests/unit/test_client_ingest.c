/* test_client_ingest.c - es_client_ingest without a server: input errors stop before any call,
   an unreachable server is retried with backoff and reported as such, cancel is honoured. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "core/log.h"
#include "tap.h"
#include "tmpdir.h"

static char dir[200], csv[256], target[64];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback port nobody listens on: bound, then released. */
static void closed_port(void) {
  struct sockaddr_in a;
  socklen_t n = sizeof(a);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
      getsockname(s, (struct sockaddr *)&a, &n)) {
    perror("socket");
    exit(1);
  }
  snprintf(target, sizeof(target), "127.0.0.1:%d", ntohs(a.sin_port));
  close(s);
}

static void write_csv(int dim) {
  FILE *f = fopen(csv, "w");
  int r, k;
  fprintf(f, "id,company_name,exp_years,english_level,primary_keyword,vector\n");
  for (r = 1; r <= 3; r++) {
    fprintf(f, "0190a8c2-1111-7000-8000-%012d,Acme,3,Intermediate,Go,\"[", r);
    for (k = 0; k < dim; k++) fprintf(f, "%s0.25", k ? "," : "");
    fprintf(f, "]\"\n");
  }
  fclose(f);
}

static void base_opts(es_ingest_opts *o) {
  es_ingest_opts_init(o);
  o->domain = "recruit";
  o->file = csv;
  o->server = target;
  o->dim = 8;
  o->backoff_min_s = 0.05;
  o->backoff_max_s = 0.1;
  o->timeout_s = 20;
}

static void test_unreachable(void) {
  es_ingest_opts o;
  es_ingest_result res;
  es_error err;
  double t0 = now_s(), dt;
  base_opts(&o);
  o.retries = 3;
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EUNAVAIL);
  dt = now_s() - t0;
  CHECK_EQ_INT(res.outcome, ES_INGEST_UNREACHABLE);
  CHECK_EQ_INT(res.attempts, 3);
  CHECK_EQ_INT(res.grpc_status, 14);
  CHECK_CONTAINS(err.msg, "gave up after 3 attempts");
  CHECK_CONTAINS(err.msg, "UNAVAILABLE");
  CHECK_EQ_INT(res.rows_sent, 0);
  CHECK(dt >= 0.05 + 0.075); /* two waits: 0.05..0.0625, then 0.075..0.1 */
  CHECK(dt < 15);
}

static void test_one_attempt(void) {
  es_ingest_opts o;
  es_ingest_result res;
  es_error err;
  base_opts(&o);
  o.retries = 1;
  o.backoff_min_s = o.backoff_max_s = 30; /* would show as a hang if a wait happened */
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EUNAVAIL);
  CHECK_EQ_INT(res.attempts, 1);
  CHECK_CONTAINS(err.msg, "gave up after 1 attempt:");
}

static void test_input_errors(void) {
  es_ingest_opts o;
  es_ingest_result res;
  es_error err;
  char missing[256];
  base_opts(&o);
  o.dim = 16; /* the file has 8 */
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EINVAL);
  CHECK_EQ_INT(res.outcome, ES_INGEST_INPUT);
  CHECK_CONTAINS(err.msg, "has 8 values, expected 16");
  CHECK_EQ_INT(res.grpc_status, 0);
  base_opts(&o);
  o.dim = 0; /* recruit's default, 384 */
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "expected 384");
  base_opts(&o);
  o.domain = "jobs";
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EUSAGE);
  CHECK_EQ_INT(res.outcome, ES_INGEST_INPUT);
  CHECK_CONTAINS(err.msg, "unknown domain 'jobs'");
  base_opts(&o);
  snprintf(missing, sizeof(missing), "%s/missing.csv", dir);
  o.file = missing;
  CHECK(es_client_ingest(&o, &res, &err) < 0);
  CHECK_EQ_INT(res.outcome, ES_INGEST_INPUT);
  CHECK_CONTAINS(err.msg, "missing.csv");
  base_opts(&o);
  o.max_message_bytes = 10;
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EUSAGE);
  base_opts(&o);
  o.max_message_bytes = 1024; /* a 8-d row fits, but not with a 2000-byte name: see split tests */
  o.retries = 0;
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_EUSAGE);
}

static void test_cancel_during_backoff(void) {
  es_ingest_opts o;
  es_ingest_result res;
  es_error err;
  volatile int cancel = 1;
  double t0 = now_s();
  base_opts(&o);
  o.retries = 5;
  o.backoff_min_s = o.backoff_max_s = 60;
  o.cancel = &cancel;
  CHECK_EQ_INT(es_client_ingest(&o, &res, &err), ES_ECANCELLED);
  CHECK_EQ_INT(res.outcome, ES_INGEST_FAILED);
  CHECK(now_s() - t0 < 30);
}

int main(void) {
  td_make(dir, sizeof(dir), "client");
  es_log_set_level(ES_LOG_ERROR); /* the retry warnings are expected here */
  snprintf(csv, sizeof(csv), "%s/r.csv", dir);
  write_csv(8);
  closed_port();
  test_unreachable();
  test_one_attempt();
  test_input_errors();
  test_cancel_during_backoff();
  td_remove(dir);
  return tap_done("test_client_ingest");
}
