/* health.c - grpc.health.v1.Health on one thread driving every health call asynchronously
   from its own completion queue: Check is one batch, Watch a message per status change. */
#include "server/health.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/support/time.h>

#include "core/clock.h"
#include "core/log.h"
#include "health.pb-c.h"

#define METHOD_CHECK "/grpc.health.v1.Health/Check"
#define METHOD_WATCH "/grpc.health.v1.Health/Watch"
#define OUR_SERVICE "embedding.EmbeddingStreamService"
/* While Watch calls are open, a status change reaches them within this: gRPC's C core has no
   way to wake a completion queue from another thread short of an operation on a call. */
#define POLL_MS 50

enum {
  ST_SERVING = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING,
  ST_NOT_SERVING = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING,
  ST_SERVICE_UNKNOWN = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN
};

/* Every tag on the queue is one of these; owner is the request, check or watch it belongs to. */
enum { T_NEW_CHECK, T_NEW_WATCH, T_CHECK_DONE, T_WATCH_SENT, T_WATCH_CLOSED, T_WATCH_STATUS };
typedef struct tag {
  int kind;
  void *owner;
} tag;

/* One outstanding grpc_server_request_registered_call. */
typedef struct request {
  tag tag;
  void *method;
  int active;
  grpc_call *call;
  gpr_timespec deadline;
  grpc_metadata_array md;
  grpc_byte_buffer *payload; /* the request message, read by gRPC before the call is handed over */
} request;

/* A call answered with one batch (Check, or a Watch that could not start). */
typedef struct oneshot {
  tag done;
  grpc_call *call;
  grpc_byte_buffer *msg;
  int cancelled;
} oneshot;

typedef struct watch {
  struct watch *next;
  tag sent, closed, status;
  grpc_call *call;
  grpc_byte_buffer *msg; /* of the send in flight */
  int known;             /* a service we report */
  int last_sent;         /* -1 before the first message */
  int sending, status_started, status_out, closed_done, cancelled;
} watch;

struct es_health {
  grpc_server *server;
  grpc_completion_queue *cq;
  request check, watch;
  pthread_t thread;
  int thread_up;
  atomic_int serving;
  atomic_int ending;
  watch *watches; /* the health thread's only */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int nwatches; /* guarded by mu; signalled when it drops */
};

static int is_ours(const char *service) { return !*service || !strcmp(service, OUR_SERVICE); }

/* 0 with *known set, or -1 when the payload is not a HealthCheckRequest. */
static int parse_request(grpc_byte_buffer *payload, int *known, char *name, size_t cap) {
  grpc_byte_buffer_reader rd;
  grpc_slice all;
  Grpc__Health__V1__HealthCheckRequest *req;
  if (!payload || !grpc_byte_buffer_reader_init(&rd, payload)) return -1;
  all = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  req = grpc__health__v1__health_check_request__unpack(NULL, GRPC_SLICE_LENGTH(all),
                                                       GRPC_SLICE_START_PTR(all));
  grpc_slice_unref(all);
  if (!req) return -1;
  *known = is_ours(req->service ? req->service : "");
  snprintf(name, cap, "%s", req->service ? req->service : "");
  grpc__health__v1__health_check_request__free_unpacked(req, NULL);
  return 0;
}

static grpc_byte_buffer *pack_status(int status) {
  Grpc__Health__V1__HealthCheckResponse r = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
  uint8_t bytes[16]; /* one enum field: at most 11 bytes */
  grpc_slice s;
  grpc_byte_buffer *bb;
  r.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)status;
  s = grpc_slice_from_copied_buffer((const char *)bytes,
                                    grpc__health__v1__health_check_response__pack(&r, bytes));
  bb = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  return bb;
}

static void op_init(grpc_op *op, grpc_op_type type) {
  memset(op, 0, sizeof(*op));
  op->op = type;
}

static int current(es_health *h, int known) {
  if (!known) return ST_SERVICE_UNKNOWN;
  return atomic_load(&h->serving) ? ST_SERVING : ST_NOT_SERVING;
}

/* Initial metadata, an optional response (status >= 0) and the final status, in one batch. */
static void answer_once(grpc_call *call, int status, grpc_status_code code, const char *details) {
  oneshot *o = calloc(1, sizeof(*o));
  grpc_op ops[4];
  grpc_slice text = grpc_slice_from_copied_string(details);
  size_t n = 0;
  if (!o) {
    grpc_call_unref(call); /* cancels it: the client sees an error, which is the truth */
    grpc_slice_unref(text);
    return;
  }
  o->done.kind = T_CHECK_DONE;
  o->done.owner = o;
  o->call = call;
  op_init(&ops[n++], GRPC_OP_SEND_INITIAL_METADATA);
  if (status >= 0) {
    o->msg = pack_status(status);
    op_init(&ops[n], GRPC_OP_SEND_MESSAGE);
    ops[n++].data.send_message.send_message = o->msg;
  }
  op_init(&ops[n], GRPC_OP_SEND_STATUS_FROM_SERVER);
  ops[n].data.send_status_from_server.status = code;
  ops[n++].data.send_status_from_server.status_details = &text;
  op_init(&ops[n], GRPC_OP_RECV_CLOSE_ON_SERVER);
  ops[n++].data.recv_close_on_server.cancelled = &o->cancelled;
  if (grpc_call_start_batch(call, ops, n, &o->done, NULL) != GRPC_CALL_OK) {
    if (o->msg) grpc_byte_buffer_destroy(o->msg);
    grpc_call_unref(call);
    free(o);
  }
  grpc_slice_unref(text); /* the call keeps its own reference */
}

static void oneshot_done(oneshot *o) {
  if (o->msg) grpc_byte_buffer_destroy(o->msg);
  grpc_call_unref(o->call);
  free(o);
}

static void check(es_health *h, grpc_call *call, grpc_byte_buffer *payload) {
  char name[160], msg[300];
  int known;
  if (parse_request(payload, &known, name, sizeof(name))) {
    answer_once(call, -1, GRPC_STATUS_INVALID_ARGUMENT, "not a grpc.health.v1.HealthCheckRequest");
  } else if (!known) {
    snprintf(msg, sizeof(msg), "unknown service '%.150s' (this server reports '' and %s)", name,
             OUR_SERVICE);
    answer_once(call, -1, GRPC_STATUS_NOT_FOUND, msg);
  } else {
    answer_once(call, current(h, 1), GRPC_STATUS_OK, "");
  }
}

/* ---- Watch: at most one send and one status batch out at a time, plus the close watch. */

static void watch_send(watch *w, int status) {
  grpc_op ops[2];
  size_t n = 0;
  if (w->last_sent < 0) op_init(&ops[n++], GRPC_OP_SEND_INITIAL_METADATA);
  w->msg = pack_status(status);
  op_init(&ops[n], GRPC_OP_SEND_MESSAGE);
  ops[n++].data.send_message.send_message = w->msg;
  w->last_sent = status;
  w->sending = 1;
  if (grpc_call_start_batch(w->call, ops, n, &w->sent, NULL) != GRPC_CALL_OK) {
    w->sending = 0;
    grpc_call_cancel(w->call, NULL); /* its close watch then ends it */
  }
}

static void watch_finish(watch *w) {
  grpc_op op;
  grpc_slice text = grpc_slice_from_static_string("server shutting down");
  op_init(&op, GRPC_OP_SEND_STATUS_FROM_SERVER);
  op.data.send_status_from_server.status = GRPC_STATUS_UNAVAILABLE;
  op.data.send_status_from_server.status_details = &text;
  w->status_started = 1;
  w->status_out = 1;
  if (grpc_call_start_batch(w->call, &op, 1, &w->status, NULL) != GRPC_CALL_OK) {
    w->status_out = 0;
    grpc_call_cancel(w->call, NULL);
  }
}

/* Sends what the client has not seen yet; once ending, the final status after it. */
static void watch_pump(es_health *h, watch *w) {
  int now;
  if (w->closed_done || w->sending || w->status_started) return;
  now = current(h, w->known);
  if (now != w->last_sent)
    watch_send(w, now);
  else if (atomic_load(&h->ending))
    watch_finish(w);
}

static void watch_start(es_health *h, grpc_call *call, grpc_byte_buffer *payload) {
  char name[160];
  int known;
  grpc_op op;
  watch *w;
  if (parse_request(payload, &known, name, sizeof(name))) {
    answer_once(call, -1, GRPC_STATUS_INVALID_ARGUMENT, "not a grpc.health.v1.HealthCheckRequest");
    return;
  }
  if (!(w = calloc(1, sizeof(*w)))) {
    answer_once(call, -1, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return;
  }
  w->call = call;
  w->known = known;
  w->last_sent = -1;
  w->sent = (tag){T_WATCH_SENT, w};
  w->closed = (tag){T_WATCH_CLOSED, w};
  w->status = (tag){T_WATCH_STATUS, w};
  op_init(&op, GRPC_OP_RECV_CLOSE_ON_SERVER);
  op.data.recv_close_on_server.cancelled = &w->cancelled;
  if (grpc_call_start_batch(call, &op, 1, &w->closed, NULL) != GRPC_CALL_OK) {
    grpc_call_unref(call);
    free(w);
    return;
  }
  w->next = h->watches;
  h->watches = w;
  pthread_mutex_lock(&h->mu);
  h->nwatches++;
  pthread_mutex_unlock(&h->mu);
  es_debug("health: Watch started (%s service)", known ? "a reported" : "an unknown");
  watch_pump(h, w);
}

/* Frees w once the call is over and none of its batches is still out. */
static void watch_maybe_free(es_health *h, watch *w) {
  watch **p;
  if (!w->closed_done || w->sending || w->status_out) return;
  for (p = &h->watches; *p; p = &(*p)->next)
    if (*p == w) {
      *p = w->next;
      break;
    }
  grpc_call_unref(w->call);
  free(w);
  pthread_mutex_lock(&h->mu);
  h->nwatches--;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

static void on_watch_event(es_health *h, watch *w, int kind) {
  if (kind == T_WATCH_SENT) {
    w->sending = 0;
    grpc_byte_buffer_destroy(w->msg);
    w->msg = NULL;
  } else if (kind == T_WATCH_STATUS) {
    w->status_out = 0;
  } else {
    w->closed_done = 1; /* a client cancel, or our final status went out */
  }
  watch_pump(h, w);
  watch_maybe_free(h, w);
}

/* ---- requests for new calls, and the thread. */

static void request_call(es_health *h, request *r) {
  grpc_call_error e;
  r->call = NULL;
  r->payload = NULL;
  grpc_metadata_array_init(&r->md);
  e = grpc_server_request_registered_call(h->server, r->method, &r->call, &r->deadline, &r->md,
                                          &r->payload, h->cq, h->cq, &r->tag);
  r->active = e == GRPC_CALL_OK;
  if (!r->active) {
    es_error_log("health: cannot request calls from gRPC (grpc_call_error %d)", (int)e);
    grpc_metadata_array_destroy(&r->md);
  }
}

/* A request completed: take the call, then ask for the next unless the server shut down. */
static void on_request(es_health *h, request *r, int success) {
  grpc_call *call = r->call;
  grpc_byte_buffer *payload = r->payload;
  grpc_metadata_array_destroy(&r->md);
  r->active = 0;
  if (!success) return; /* the server is shutting down: no call came, and none will */
  if (r->tag.kind == T_NEW_CHECK)
    check(h, call, payload);
  else
    watch_start(h, call, payload);
  if (payload) grpc_byte_buffer_destroy(payload);
  request_call(h, r);
}

static void dispatch(es_health *h, const grpc_event *ev) {
  tag *t = ev->tag;
  switch (t->kind) {
  case T_NEW_CHECK:
  case T_NEW_WATCH: on_request(h, t->owner, ev->success); break;
  case T_CHECK_DONE: oneshot_done(t->owner); break;
  default: on_watch_event(h, t->owner, t->kind);
  }
}

static void *health_main(void *arg) {
  es_health *h = arg;
  watch *w, *next;
  request_call(h, &h->check);
  request_call(h, &h->watch);
  for (;;) {
    /* Only open Watch calls need the poll; a new one is brought up to date as it starts. */
    gpr_timespec until = h->watches ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                                   gpr_time_from_millis(POLL_MS, GPR_TIMESPAN))
                                    : gpr_inf_future(GPR_CLOCK_MONOTONIC);
    grpc_event ev = grpc_completion_queue_next(h->cq, until, NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type == GRPC_OP_COMPLETE) dispatch(h, &ev);
    for (w = h->watches; w; w = next) { /* status changes and the end, by polling */
      next = w->next;
      watch_pump(h, w);
    }
  }
  return NULL;
}

int es_health_register(grpc_server *server, es_health **out, es_error *err) {
  es_health *h = calloc(1, sizeof(*h));
  pthread_condattr_t ca;
  *out = NULL;
  if (!h) return es_err_set(err, ES_ENOMEM, "out of memory");
  h->server = server;
  atomic_init(&h->serving, 1);
  atomic_init(&h->ending, 0);
  pthread_mutex_init(&h->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&h->cv, &ca);
  pthread_condattr_destroy(&ca);
  h->check.tag = (tag){T_NEW_CHECK, &h->check};
  h->watch.tag = (tag){T_NEW_WATCH, &h->watch};
  h->check.method = grpc_server_register_method(server, METHOD_CHECK, NULL,
                                                GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
  h->watch.method = grpc_server_register_method(server, METHOD_WATCH, NULL,
                                                GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
  h->cq = grpc_completion_queue_create_for_next(NULL);
  grpc_server_register_completion_queue(server, h->cq, NULL);
  *out = h; /* es_health_free releases it whatever happens next */
  if (!h->check.method || !h->watch.method)
    return es_err_set(err, ES_EINTERNAL, "cannot register %s", ES_HEALTH_SERVICE);
  return 0;
}

int es_health_start(es_health *h, es_error *err) {
  if (pthread_create(&h->thread, NULL, health_main, h) != 0)
    return es_err_set(err, ES_EINTERNAL, "cannot start the health service thread");
  h->thread_up = 1;
  return 0;
}

void es_health_set_not_serving(es_health *h) {
  if (h) atomic_store(&h->serving, 0);
}

int es_health_end_watches(es_health *h, double timeout_s) {
  struct timespec until;
  int left;
  if (!h) return 0;
  atomic_store(&h->ending, 1);
  until = es_clock_after(CLOCK_MONOTONIC, timeout_s);
  pthread_mutex_lock(&h->mu);
  while (h->thread_up && h->nwatches > 0)
    if (pthread_cond_timedwait(&h->cv, &h->mu, &until)) break;
  left = h->nwatches;
  pthread_mutex_unlock(&h->mu);
  return left;
}

void es_health_free(es_health *h) {
  grpc_event ev;
  if (!h) return;
  grpc_completion_queue_shutdown(h->cq);
  if (h->thread_up) {
    pthread_join(h->thread, NULL); /* it drains the queue to its shutdown event */
  } else {
    do {
      ev = grpc_completion_queue_next(h->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    } while (ev.type != GRPC_QUEUE_SHUTDOWN);
  }
  grpc_completion_queue_destroy(h->cq);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}
