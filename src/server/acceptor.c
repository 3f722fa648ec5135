/* acceptor.c - the thread that asks gRPC for new calls, each bound to a fresh completion queue,
   and gives each to a worker thread, or refuses it when --max-streams are already running. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "core/trailer.h"
#include "server/call.h"
#include "server/server_int.h"
#include "server/stream_log.h"

/* Tags on the server's queue (compared only). */
static char tag_ingest_storage, tag_other_storage;
#define TAG_INGEST ((void *)&tag_ingest_storage)
#define TAG_OTHER ((void *)&tag_other_storage)

/* One outstanding request for a call; gRPC fills it in when a call arrives. Calls to methods
   we do not serve (other) must be requested too, or gRPC would hold them until their deadline. */
typedef struct pending {
  int active;
  grpc_call *call;
  gpr_timespec deadline;
  grpc_metadata_array md;
  grpc_call_details details; /* other methods only */
  grpc_completion_queue *cq;
} pending;

static void request_call(es_srv *srv, pending *p, int other) {
  grpc_call_error e;
  memset(p, 0, sizeof(*p));
  grpc_metadata_array_init(&p->md);
  grpc_call_details_init(&p->details);
  p->cq = grpc_completion_queue_create_for_next(NULL);
  if (other)
    e = grpc_server_request_call(srv->server, &p->call, &p->details, &p->md, p->cq, srv->cq,
                                 TAG_OTHER);
  else
    e = grpc_server_request_registered_call(srv->server, srv->method, &p->call, &p->deadline,
                                            &p->md, NULL, p->cq, srv->cq, TAG_INGEST);
  if (e != GRPC_CALL_OK) {
    es_error_log("cannot request calls from gRPC (grpc_call_error %d)", (int)e);
    grpc_metadata_array_destroy(&p->md);
    grpc_call_details_destroy(&p->details);
    es_cq_destroy(p->cq);
    return;
  }
  p->active = 1;
}

/* UNIMPLEMENTED for any method but IngestDataStream (a hook for a health service later). */
static void answer_other(pending *p) {
  es_call c;
  es_error err;
  char msg[300];
  snprintf(msg, sizeof(msg), "unknown method %.*s (this server implements %s)",
           (int)GRPC_SLICE_LENGTH(p->details.method),
           (const char *)GRPC_SLICE_START_PTR(p->details.method), ES_METHOD_INGEST);
  es_call_open(&c, p->call, p->cq, p->details.deadline, &err);
  es_call_finish(&c, GRPC_STATUS_UNIMPLEMENTED, msg, NULL, 0);
  es_call_close(&c);
}

/* What a refused client is told to wait (grpc-retry-pushback-ms): about until a slot frees,
   that is the mean length of the streams that ended since the last estimate divided by the
   slots, within [100 ms, 2 s]; a second before any stream has ended. Short streams then bring
   waiting clients back soon enough to keep the slots busy (20 clients of 2000 rows against one
   slot: 4.4-6.7 s, against 6.4-7.9 s with a fixed second and 3.0 s one after another), long ones
   keep them from polling for nothing: each retry costs a client a connection and its first
   message parsed again. */
#define ES_PUSHBACK_MIN_MS 100
#define ES_PUSHBACK_MAX_MS 2000
#define ES_PUSHBACK_FIRST_MS 1000

typedef struct busy_hint {
  uint64_t ended; /* streams that had ended at the last estimate ... */
  double seconds; /* ... and their summed duration */
  long ms;        /* the estimate */
} busy_hint;

static long pushback_ms(es_srv *srv, busy_hint *b) {
  es_histogram_view v;
  uint64_t ended;
  double ms;
  es_hist_read(&srv->stats.stream_seconds, &v);
  ended = v.cumulative[v.nbounds];
  if (ended > b->ended) { /* the sum may lag the counts a little: the bounds absorb that */
    ms = 1000 * (v.sum - b->seconds) / (double)(ended - b->ended) / srv->opts.max_streams;
    b->ms = ms < ES_PUSHBACK_MIN_MS   ? ES_PUSHBACK_MIN_MS
            : ms > ES_PUSHBACK_MAX_MS ? ES_PUSHBACK_MAX_MS
                                      : (long)ms;
    b->ended = ended;
    b->seconds = v.sum;
  }
  return b->ms;
}

/* Ends a call that never reaches a worker with code and why; a busy refusal (pushback >= 0)
   also carries grpc-retry-pushback-ms, which makes it a "busy, come back" rather than a failure. */
static void refuse(es_srv *srv, pending *p, uint64_t id, int code, const char *why, long pushback) {
  es_call c;
  es_error err;
  char peer[128], ms[24];
  grpc_metadata md;
  memset(&md, 0, sizeof(md));
  snprintf(ms, sizeof(ms), "%ld", pushback);
  /* If the close watch cannot start here, es_call_finish adds it to the final batch. */
  es_call_open(&c, p->call, p->cq, p->deadline, &err);
  if (pushback >= 0) {
    md.key = grpc_slice_from_static_string(ES_TRAILER_PUSHBACK);
    md.value = grpc_slice_from_copied_string(ms);
    c.trailers = &md;
    c.ntrailers = 1;
  }
  es_call_peer(&c, peer, sizeof(peer));
  if (pushback >= 0) es_server_stats_add(&srv->stats.streams_rejected, 1);
  es_server_stats_outcome(&srv->stats, code);
  es_call_finish(&c, (grpc_status_code)code, why, NULL, 0);
  if (pushback >= 0) grpc_slice_unref(md.value);
  es_stream_log_refused(id, peer, code, pushback >= 0 ? ms : NULL, why);
  es_call_close(&c);
}

static void refuse_busy(es_srv *srv, pending *p, uint64_t id, const char *why, busy_hint *b) {
  refuse(srv, p, id, GRPC_STATUS_RESOURCE_EXHAUSTED, why, pushback_ms(srv, b));
}

/* The streams_in_flight gauge moves with in_flight: streams not answered yet. */
static void uncount(es_worker *w) {
  if (w->counted) {
    w->srv->in_flight--;
    atomic_fetch_sub(&w->srv->stats.streams_in_flight, 1);
  }
  w->counted = 0;
}

void es_worker_answering(es_worker *w) {
  pthread_mutex_lock(&w->srv->mu);
  uncount(w);
  pthread_mutex_unlock(&w->srv->mu);
}

static void *worker_main(void *arg) {
  es_worker *w = arg;
  es_srv *srv = w->srv;
  es_stream_run(w);
  atomic_fetch_add(&srv->streams_ended, 1); /* memory to give back (server.c) */
  pthread_mutex_lock(&srv->mu);
  uncount(w);
  w->busy = 0;
  srv->active--;
  pthread_mutex_unlock(&srv->mu);
  return NULL;
}

/* Claims a free slot, or returns NULL when --max-streams are running. */
static es_worker *claim_slot(es_srv *srv) {
  es_worker *w = NULL;
  int i;
  pthread_mutex_lock(&srv->mu);
  for (i = 0; i < srv->nslots && srv->in_flight < srv->opts.max_streams; i++) {
    if (!srv->slots[i].busy) {
      w = &srv->slots[i];
      w->busy = w->counted = 1;
      srv->in_flight++;
      atomic_fetch_add(&srv->stats.streams_in_flight, 1);
      srv->active++;
      break;
    }
  }
  pthread_mutex_unlock(&srv->mu);
  return w;
}

static void release_slot(es_srv *srv, es_worker *w) {
  pthread_mutex_lock(&srv->mu);
  uncount(w);
  w->busy = 0;
  srv->active--;
  pthread_mutex_unlock(&srv->mu);
}

static void dispatch(es_srv *srv, pending *p, busy_hint *b) {
  uint64_t id = atomic_fetch_add(&srv->next_id, 1) + 1;
  es_caller who;
  es_error err;
  es_worker *w;
  /* Before a slot is taken: callers without credentials never hold one, nor are told to wait. */
  int denied = es_security_authorize(&srv->sec, p->call, &p->md, &who, &err);
  grpc_metadata_array_destroy(&p->md);
  if (denied) {
    refuse(srv, p, id, es_code_to_grpc(denied), err.msg, -1);
    return;
  }
  if (!(w = claim_slot(srv))) {
    char why[128];
    snprintf(why, sizeof(why), "server busy: %d streams in flight (--max-streams %d); retry later",
             srv->opts.max_streams, srv->opts.max_streams);
    refuse_busy(srv, p, id, why, b);
    return;
  }
  /* The slot's previous thread has set busy = 0 and is returning: joining takes no time. */
  if (w->joinable) pthread_join(w->thread, NULL);
  w->joinable = 0;
  w->call = p->call;
  w->cq = p->cq;
  w->deadline = p->deadline;
  w->id = id;
  w->accepted_at = es_clock_wall();
  w->caller = who;
  es_server_stats_add(&srv->stats.streams_started, 1);
  if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
    release_slot(srv, w);
    refuse_busy(srv, p, id, "server cannot start a thread for the stream; retry later", b);
    return;
  }
  w->joinable = 1;
}

static void drop_pending(pending *p) {
  grpc_metadata_array_destroy(&p->md);
  grpc_call_details_destroy(&p->details);
  es_cq_destroy(p->cq); /* no call was ever bound to it */
  p->active = 0;
}

/* A request completed: serve or refuse the call, then ask for the next one unless stopping. */
static void on_request(es_srv *srv, pending *p, int other, int success, busy_hint *b) {
  if (!success) { /* the server is shutting down: no call came */
    drop_pending(p);
    return;
  }
  p->active = 0;
  if (other) {
    answer_other(p);
    grpc_metadata_array_destroy(&p->md);
    grpc_call_details_destroy(&p->details);
  } else {
    grpc_call_details_destroy(&p->details);
    dispatch(srv, p, b);
  }
  if (!atomic_load(&srv->stopping)) request_call(srv, p, other);
}

void *es_acceptor_main(void *arg) {
  es_srv *srv = arg;
  pending ingest, other;
  busy_hint busy = {0, 0, ES_PUSHBACK_FIRST_MS};
  request_call(srv, &ingest, 0);
  request_call(srv, &other, 1);
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type != GRPC_OP_COMPLETE) continue;
    if (ev.tag == TAG_INGEST)
      on_request(srv, &ingest, 0, ev.success, &busy);
    else if (ev.tag == TAG_OTHER)
      on_request(srv, &other, 1, ev.success, &busy);
    else
      break; /* the shutdown notification: every call has ended */
  }
  /* Not reached in practice: shutdown fails pending requests before it notifies. */
  if (ingest.active) drop_pending(&ingest);
  if (other.active) drop_pending(&other);
  atomic_store(&srv->accept_done, 1);
  return NULL;
}

void es_workers_join(es_srv *srv) {
  int i;
  for (i = 0; i < srv->nslots; i++) {
    if (srv->slots[i].joinable) pthread_join(srv->slots[i].thread, NULL);
    srv->slots[i].joinable = 0;
  }
}

int es_active_streams(es_srv *srv) {
  int n;
  pthread_mutex_lock(&srv->mu);
  n = srv->active;
  pthread_mutex_unlock(&srv->mu);
  return n;
}
