/* call.c - synchronous batches on one server call. At most three batches are ever outstanding:
   RECV_CLOSE_ON_SERVER (for the whole call), one RECV_MESSAGE, and one operation waited for. */
#include "server/call.h"

#include <stdio.h>
#include <string.h>

#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

/* Tags are only compared, never dereferenced. */
static char tag_close_storage, tag_op_storage, tag_recv_storage;
#define TAG_CLOSE ((void *)&tag_close_storage)
#define TAG_OP ((void *)&tag_op_storage)
#define TAG_RECV ((void *)&tag_recv_storage)

/* Waits for tag until deadline; remembers the call's end and a receive's completion if they show
   up first. Returns 1 once tag completed (its success in *ok), 0 when the deadline passed. */
static int wait_until(es_call *c, void *tag, gpr_timespec deadline, int *ok) {
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(c->cq, deadline, NULL);
    if (ev.type == GRPC_QUEUE_TIMEOUT) return 0;
    if (ev.type != GRPC_OP_COMPLETE) { /* the queue never shuts down while in use */
      *ok = 0;
      return 1;
    }
    if (ev.tag == TAG_CLOSE) c->close_done = 1;
    if (ev.tag == TAG_RECV) {
      c->recv_done = 1;
      c->recv_ok = ev.success;
    }
    if (ev.tag == tag) {
      *ok = ev.success;
      return 1;
    }
  }
}

/* Waits for tag as long as it takes; returns the event's success. */
static int wait_for(es_call *c, void *tag) {
  int ok = 0;
  wait_until(c, tag, gpr_inf_future(GPR_CLOCK_REALTIME), &ok);
  return ok;
}

/* No message completed within idle_s. The call is not ended here: the stream first records its
   end in the store, then es_call_finish cancels the call with this status, so a client told
   DEADLINE_EXCEEDED already finds the stream in the ingest log. The receive stays under way. */
static int end_idle(es_call *c, es_error *err) {
  c->idle_ended = 1;
  return es_err_set(err, ES_EDEADLINE,
                    "stream idle: no complete message for %g s (--idle-timeout %g)", c->idle_s,
                    c->idle_s);
}

/* Waits for the receive under way, at most idle_s seconds when that is set. */
static int wait_recv(es_call *c, es_error *err) {
  gpr_timespec deadline = gpr_inf_future(GPR_CLOCK_MONOTONIC);
  int ok = 0;
  if (c->recv_done) return 0;
  if (c->idle_s > 0)
    deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                            gpr_time_from_millis((int64_t)(c->idle_s * 1000.0), GPR_TIMESPAN));
  if (!wait_until(c, TAG_RECV, deadline, &ok)) return end_idle(c, err);
  return 0;
}

static void op_init(grpc_op *op, grpc_op_type type) {
  memset(op, 0, sizeof(*op));
  op->op = type;
}

static void close_op(es_call *c, grpc_op *op) {
  op_init(op, GRPC_OP_RECV_CLOSE_ON_SERVER);
  op->data.recv_close_on_server.cancelled = &c->cancelled;
}

int es_call_open(es_call *c, grpc_call *call, grpc_completion_queue *cq, gpr_timespec deadline,
                 es_error *err) {
  grpc_op op;
  grpc_call_error e;
  memset(c, 0, sizeof(*c));
  c->call = call;
  c->cq = cq;
  c->deadline = deadline;
  close_op(c, &op);
  e = grpc_call_start_batch(call, &op, 1, TAG_CLOSE, NULL);
  if (e != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "cannot watch the call (grpc_call_error %d)", (int)e);
  c->close_started = 1;
  return 0;
}

int es_call_recv_start(es_call *c, es_error *err) {
  grpc_op op;
  grpc_call_error e;
  if (c->recv_started) return es_err_set(err, ES_EINTERNAL, "a receive is already under way");
  c->recv_bb = NULL;
  c->recv_done = c->recv_ok = 0;
  op_init(&op, GRPC_OP_RECV_MESSAGE);
  op.data.recv_message.recv_message = &c->recv_bb;
  e = grpc_call_start_batch(c->call, &op, 1, TAG_RECV, NULL);
  if (e != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "cannot receive (grpc_call_error %d)", (int)e);
  c->recv_started = 1;
  return 0;
}

int es_call_recv_wait(es_call *c, grpc_byte_buffer **bb, es_error *err) {
  int rc;
  *bb = NULL;
  if (!c->recv_started) return es_err_set(err, ES_EINTERNAL, "no receive under way");
  rc = wait_recv(c, err);
  if (rc) return rc; /* idle: the receive still owns recv_bb until the call is cancelled */
  c->recv_started = 0;
  *bb = c->recv_bb;
  c->recv_bb = NULL;
  if (!c->recv_ok) {
    if (*bb) grpc_byte_buffer_destroy(*bb);
    *bb = NULL;
    return es_err_set(err, ES_ECANCELLED, "the call failed while receiving");
  }
  return 0;
}

int es_call_recv(es_call *c, grpc_byte_buffer **bb, es_error *err) {
  int rc = es_call_recv_start(c, err);
  return rc ? rc : es_call_recv_wait(c, bb, err);
}

int es_call_confirm_half_close(es_call *c, es_error *err) {
  grpc_op op;
  grpc_call_error e;
  int ok;
  if (c->close_done && c->cancelled)
    return es_err_set(err, ES_ECANCELLED, "the call was cancelled");
  if (c->initial_sent) return 0;
  op_init(&op, GRPC_OP_SEND_INITIAL_METADATA);
  e = grpc_call_start_batch(c->call, &op, 1, TAG_OP, NULL);
  if (e != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "cannot send metadata (grpc_call_error %d)", (int)e);
  ok = wait_for(c, TAG_OP);
  c->initial_sent = 1;
  if (!ok || (c->close_done && c->cancelled))
    return es_err_set(err, ES_ECANCELLED, "the call was cancelled");
  return 0;
}

int es_call_gone(es_call *c) {
  int ok = 0;
  if (c->close_started && !c->close_done)
    wait_until(c, TAG_CLOSE, gpr_time_0(GPR_CLOCK_MONOTONIC), &ok);
  return c->close_done && c->cancelled;
}

/* An idle call's receive is still waiting for a message that is not coming: only a cancel ends
   it, and the cancel carries the status (no trailers: an idle stream has no row to name). */
static int finish_idle(es_call *c, grpc_status_code code, const char *details) {
  grpc_call_cancel_with_status(c->call, code, details ? details : "", NULL);
  c->finished = 1;
  if (!c->recv_done) wait_for(c, TAG_RECV);
  return ES_ECANCELLED; /* the call ended without a status of ours sent by a batch */
}

int es_call_finish(es_call *c, grpc_status_code code, const char *details, const void *resp,
                   size_t resp_len) {
  grpc_op ops[4];
  size_t n = 0;
  grpc_slice msg_slice, details_slice;
  grpc_byte_buffer *msg = NULL;
  grpc_call_error e;
  int ok = 0;
  if (c->idle_ended) return finish_idle(c, code, details);
  details_slice = grpc_slice_from_copied_string(details ? details : "");
  c->finished = 1;
  if (!c->initial_sent) op_init(&ops[n++], GRPC_OP_SEND_INITIAL_METADATA);
  c->initial_sent = 1;
  if (resp) {
    msg_slice = grpc_slice_from_copied_buffer(resp, resp_len);
    msg = grpc_raw_byte_buffer_create(&msg_slice, 1);
    grpc_slice_unref(msg_slice);
    op_init(&ops[n], GRPC_OP_SEND_MESSAGE);
    ops[n++].data.send_message.send_message = msg;
  }
  op_init(&ops[n], GRPC_OP_SEND_STATUS_FROM_SERVER);
  ops[n].data.send_status_from_server.status = code;
  ops[n].data.send_status_from_server.status_details = &details_slice;
  ops[n].data.send_status_from_server.trailing_metadata_count = c->ntrailers;
  ops[n++].data.send_status_from_server.trailing_metadata = (grpc_metadata *)c->trailers;
  if (!c->close_started) {
    close_op(c, &ops[n++]);
    c->close_started = 1;
    c->close_done = 1; /* completes with this batch */
  }
  e = grpc_call_start_batch(c->call, ops, n, TAG_OP, NULL);
  grpc_slice_unref(details_slice); /* not retained past start_batch */
  if (e == GRPC_CALL_OK) {
    ok = wait_for(c, TAG_OP);
    if (!c->close_done) wait_for(c, TAG_CLOSE);
  } else {
    /* Nothing started: the call must still end, so cancel it and let the close watch finish. */
    grpc_call_cancel(c->call, NULL);
    if (!c->close_done && c->close_started) wait_for(c, TAG_CLOSE);
  }
  if (msg) grpc_byte_buffer_destroy(msg);
  return ok && e == GRPC_CALL_OK && !c->cancelled ? 0 : ES_ECANCELLED;
}

void es_call_peer(es_call *c, char *out, size_t n) {
  char *p = grpc_call_get_peer(c->call);
  snprintf(out, n, "%s", p ? p : "unknown");
  gpr_free(p);
}

int es_call_deadline_passed(const es_call *c) {
  gpr_timespec now;
  if (c->deadline.clock_type == GPR_TIMESPAN) return 0; /* not a point in time */
  now = gpr_now(c->deadline.clock_type);
  return gpr_time_cmp(now, c->deadline) >= 0;
}

void es_cq_destroy(grpc_completion_queue *cq) {
  grpc_event ev;
  if (!cq) return;
  grpc_completion_queue_shutdown(cq);
  do {
    ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  } while (ev.type != GRPC_QUEUE_SHUTDOWN);
  grpc_completion_queue_destroy(cq);
}

void es_call_close(es_call *c) {
  if (c->recv_started && c->call) {
    /* A receive started ahead of a message that never got decoded (the stream failed). */
    grpc_call_cancel(c->call, NULL);
    if (!c->recv_done) wait_for(c, TAG_RECV);
    c->recv_started = 0;
  }
  if (c->recv_bb) grpc_byte_buffer_destroy(c->recv_bb);
  c->recv_bb = NULL;
  if (c->call) grpc_call_unref(c->call); /* cancels it if still running */
  c->call = NULL;
  es_cq_destroy(c->cq);
  c->cq = NULL;
}
