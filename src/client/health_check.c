/* health_check.c - es_client_health: one unary grpc.health.v1.Health/Check call, for the HTTP
   API's readiness (a server that accepts TCP but does not answer gRPC is not ready). */
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <string.h>

#include "client/client_int.h"
#include "core/status.h"
#include "health.pb-c.h"

#define HEALTH_CHECK "/grpc.health.v1.Health/Check"

typedef struct check_call {
  grpc_completion_queue *cq;
  grpc_channel *channel;
  grpc_call *call;
  grpc_byte_buffer *request;
  es_client_recv recv;
} check_call;

/* The request for the whole server (service ""), as a byte buffer. */
static grpc_byte_buffer *request_bytes(void) {
  Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
  size_t n = grpc__health__v1__health_check_request__get_packed_size(&req);
  grpc_slice sl = grpc_slice_malloc(n);
  grpc_byte_buffer *bb;
  grpc__health__v1__health_check_request__pack(&req, GRPC_SLICE_START_PTR(sl));
  bb = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  return bb;
}

/* Runs the call's one batch to completion (the deadline bounds it). */
static int run_batch(check_call *c, es_error *err) {
  grpc_op ops[6];
  grpc_event ev;
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = c->request;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  es_client_recv_ops(ops + 3, &c->recv);
  if (grpc_call_start_batch(c->call, ops, 6, c, NULL) != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "cannot start the health check call");
  ev = grpc_completion_queue_next(c->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  if (ev.type != GRPC_OP_COMPLETE)
    return es_err_set(err, ES_EINTERNAL, "the health check call was lost");
  return 0;
}

/* The status the server answered with, from the response message. */
static int read_status(check_call *c, int *serving, es_error *err) {
  Grpc__Health__V1__HealthCheckResponse *resp;
  grpc_slice all;
  if (es_client_bytes(c->recv.response, &all))
    return es_err_set(err, ES_EINTERNAL, "the health check answered OK without a response");
  resp = grpc__health__v1__health_check_response__unpack(NULL, GRPC_SLICE_LENGTH(all),
                                                         GRPC_SLICE_START_PTR(all));
  grpc_slice_unref(all);
  if (!resp) return es_err_set(err, ES_EINTERNAL, "the health check response does not parse");
  *serving = resp->status == GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
  if (!*serving)
    es_err_set(err, ES_EUNAVAIL, "the server's health is %d, not SERVING", (int)resp->status);
  grpc__health__v1__health_check_response__free_unpacked(resp, NULL);
  return 0;
}

static void check_free(check_call *c) {
  if (c->call) grpc_call_unref(c->call);
  if (c->request) grpc_byte_buffer_destroy(c->request);
  es_client_recv_free(&c->recv);
  if (c->channel) grpc_channel_destroy(c->channel);
  es_client_cq_close(c->cq);
}

static int check(const es_ingest_opts *o, double timeout_s, int *serving, es_error *err) {
  gpr_timespec deadline =
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                   gpr_time_from_millis((int64_t)(timeout_s * 1000), GPR_TIMESPAN));
  check_call c;
  es_client_creds creds;
  int rc;
  /* TLS as the ingests use it (the health service asks for no token or client certificate). */
  if ((rc = es_client_creds_load(o, &creds, err))) return rc;
  memset(&c, 0, sizeof(c));
  es_client_recv_init(&c.recv);
  c.cq = grpc_completion_queue_create_for_next(NULL);
  c.channel = es_client_channel(o, &creds);
  c.call =
      grpc_channel_create_call(c.channel, NULL, GRPC_PROPAGATE_DEFAULTS, c.cq,
                               grpc_slice_from_static_string(HEALTH_CHECK), NULL, deadline, NULL);
  c.request = request_bytes();
  if (!c.call)
    rc = es_err_set(err, ES_EINTERNAL, "cannot create a call to %s", o->server);
  else
    rc = run_batch(&c, err);
  if (rc == 0 && c.recv.status != GRPC_STATUS_OK) {
    char *d = grpc_slice_to_c_string(c.recv.details);
    es_err_set(err, ES_EUNAVAIL, "%s: %s", es_grpc_status_name((int)c.recv.status), d);
    gpr_free(d);
  } else if (rc == 0) {
    rc = read_status(&c, serving, err);
  }
  check_free(&c);
  es_client_creds_free(&creds);
  return rc;
}

int es_client_health(const es_ingest_opts *o, double timeout_s, int *serving, es_error *err) {
  int rc;
  *serving = 0;
  es_err_clear(err);
  grpc_init();
  rc = check(o, timeout_s, serving, err);
  grpc_shutdown();
  return rc;
}
