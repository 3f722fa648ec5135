/* call.c - one attempt at IngestDataStream over gRPC's C core: receive side armed up front so
   an early server error shows while sending, then metadata, chunks and the half-close, with
   one send in flight at a time (gRPC's flow control then paces the reader). */
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/trailer.h"

#define ES_METHOD "/embedding.EmbeddingStreamService/IngestDataStream"

/* Completion tags: which batch finished. */
static char tag_recv, tag_send, tag_close;

typedef struct call_state {
  grpc_completion_queue *cq;
  grpc_channel *channel; /* the run's (es_client_conn), not ours */
  grpc_call *call;
  grpc_metadata auth; /* authorization: Bearer TOKEN, sent with the first message */
  es_client_recv recv;
  const char *error_string;
  int recv_pending, send_pending, close_pending;
  /* send side */
  grpc_byte_buffer *in_flight;
  size_t in_flight_rows;
  uint64_t in_flight_read;
  int is_chunk; /* the message in flight is a chunk (not the metadata) */
  int local_rc; /* why this side stopped the stream, 0 while it has not */
  es_error local_err;
  double wait_reader, wait_grpc; /* seconds spent waiting on each side, for the debug log */
} call_state;

/* Calls go to every server the target names in turn (round_robin), to those that are up: a
   server that goes down costs only its streams a retry, which lands on another one. */
#define ES_SERVICE_CONFIG "{\"loadBalancingConfig\": [{\"round_robin\": {}}]}"
/* A run shares one channel (es_client_conn); a server that was down is dialled again at least
   this often, so that a retry after our backoff (2 s or more) finds it back. */
#define ES_RECONNECT_MAX_MS 2000

/* The spec's section 5.1 channel options, to target (es_client_target's form); the message
   limits follow --max-message-bytes, TLS as cr says (NULL: plaintext). */
static grpc_channel *open_channel(const es_ingest_opts *o, const char *target,
                                  const es_client_creds *cr) {
  int max_msg = o->max_message_bytes > INT_MAX ? INT_MAX : (int)o->max_message_bytes;
  grpc_arg args[] = {
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, {.integer = max_msg}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, {.integer = max_msg}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_KEEPALIVE_TIME_MS, {.integer = 30000}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_KEEPALIVE_TIMEOUT_MS, {.integer = 10000}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, {.integer = 1}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, {.integer = 0}},
      {GRPC_ARG_INTEGER,
       (char *)GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS,
       {.integer = 10000}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, {.integer = 1}},
      {GRPC_ARG_STRING, (char *)GRPC_ARG_SERVICE_CONFIG, {.string = (char *)ES_SERVICE_CONFIG}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, {.integer = 1}},
      {GRPC_ARG_INTEGER, (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, {.integer = 500}},
      {GRPC_ARG_INTEGER,
       (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
       {.integer = ES_RECONNECT_MAX_MS}},
      /* last: only with --tls-server-name (the name to verify instead of the target's host) */
      {GRPC_ARG_STRING,
       (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
       {.string = (char *)o->tls_server_name}},
  };
  grpc_channel_args ca = {sizeof(args) / sizeof(args[0]) - (o->tls_server_name ? 0 : 1), args};
  grpc_channel_credentials *creds = es_client_creds_channel(cr);
  grpc_channel *ch = grpc_channel_create(target, creds, &ca);
  grpc_channel_credentials_release(creds);
  return ch;
}

grpc_channel *es_client_channel(const es_ingest_opts *o, const es_client_creds *cr) {
  char *target = NULL;
  es_error err;
  grpc_channel *ch;
  /* a list (a:1,b:2) becomes gRPC's multi-address form; a bad one then fails at the call */
  if (es_client_target(o->server, &target, &err)) target = NULL;
  ch = open_channel(o, target ? target : o->server, cr);
  free(target);
  return ch;
}

struct es_client_conn {
  grpc_channel *channel;
  char *target;
};

int es_client_conn_open(const es_ingest_opts *o, const es_client_creds *cr, es_client_conn **out,
                        es_error *err) {
  es_client_conn *c = calloc(1, sizeof(*c));
  int rc;
  *out = NULL;
  if (!c) return es_err_set(err, ES_ENOMEM, "out of memory");
  if ((rc = es_client_target(o->server, &c->target, err))) {
    free(c);
    return rc;
  }
  grpc_init();
  c->channel = open_channel(o, c->target, cr);
  if (strcmp(c->target, o->server))
    es_debug("--server %s: channel target %s", o->server, c->target);
  *out = c;
  return 0;
}

void *es_client_conn_channel(const es_client_conn *c) { return c->channel; }

void es_client_conn_close(es_client_conn *c) {
  if (!c) return;
  grpc_channel_destroy(c->channel);
  free(c->target);
  free(c);
  grpc_shutdown();
}

static gpr_timespec deadline_after(double seconds) {
  if (!(seconds > 0) || seconds > 1e9) return gpr_inf_future(GPR_CLOCK_MONOTONIC);
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_micros((int64_t)(seconds * 1e6), GPR_TIMESPAN));
}

static int start_recv(call_state *s, es_error *err) {
  grpc_op ops[3];
  grpc_call_error e;
  es_client_recv_ops(ops, &s->recv);
  ops[2].data.recv_status_on_client.error_string = &s->error_string;
  if ((e = grpc_call_start_batch(s->call, ops, 3, &tag_recv, NULL)) != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "grpc_call_start_batch (receive) failed: %d", (int)e);
  s->recv_pending = 1;
  return 0;
}

/* Sends bb; with_initial_md on the first message only (with the token, if any). Takes ownership
   of bb. */
static int start_send(call_state *s, grpc_byte_buffer *bb, int with_initial_md, es_error *err) {
  grpc_op ops[2];
  size_t n = 0;
  grpc_call_error e;
  memset(ops, 0, sizeof(ops));
  if (with_initial_md) {
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = GRPC_SLICE_LENGTH(s->auth.value) ? 1 : 0;
    ops[n++].data.send_initial_metadata.metadata = &s->auth;
  }
  ops[n].op = GRPC_OP_SEND_MESSAGE;
  ops[n++].data.send_message.send_message = bb;
  s->in_flight = bb;
  if ((e = grpc_call_start_batch(s->call, ops, n, &tag_send, NULL)) != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "grpc_call_start_batch (send) failed: %d", (int)e);
  s->send_pending = 1;
  return 0;
}

static int start_close(call_state *s, es_error *err) {
  grpc_op op;
  grpc_call_error e;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  if ((e = grpc_call_start_batch(s->call, &op, 1, &tag_close, NULL)) != GRPC_CALL_OK)
    return es_err_set(err, ES_EINTERNAL, "grpc_call_start_batch (close) failed: %d", (int)e);
  s->close_pending = 1;
  return 0;
}

static int send_meta(call_state *s, const es_meta *m, es_error *err) {
  size_t n = es_codec_meta_size(m);
  grpc_slice sl = grpc_slice_malloc(n);
  grpc_byte_buffer *bb;
  es_codec_pack_meta(m, GRPC_SLICE_START_PTR(sl));
  bb = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  s->is_chunk = 0;
  return start_send(s, bb, 1, err);
}

/* Stops the stream from this side: the server sees a cancelled call and keeps nothing. */
static void abort_stream(call_state *s, int rc, const es_error *why) {
  if (s->local_rc) return;
  s->local_rc = rc;
  if (why) s->local_err = *why;
  grpc_call_cancel_with_status(s->call, GRPC_STATUS_CANCELLED, "the client stopped the stream",
                               NULL);
}

static void report(const es_call_cfg *cfg, es_producer *p, const es_attempt *a,
                   uint64_t bytes_read) {
  es_progress pr;
  if (!cfg->opts->progress) return;
  pr.rows_sent = a->rows_sent;
  pr.chunks_sent = a->chunks_sent;
  pr.bytes_read = bytes_read;
  pr.bytes_total = es_producer_bytes_total(p);
  pr.attempt = cfg->attempt;
  pr.file = cfg->opts->file;
  pr.file_index = cfg->opts->file_index;
  cfg->opts->progress(cfg->opts->progress_ud, &pr);
}

/* A send finished: count it, then put the next message (or the half-close) on the wire. */
static void on_sent(const es_call_cfg *cfg, call_state *s, es_producer *p, es_attempt *a, int ok) {
  es_msg m;
  es_error err;
  double t0;
  int rc;
  s->send_pending = 0;
  grpc_byte_buffer_destroy(s->in_flight);
  s->in_flight = NULL;
  if (!ok) return; /* the call is over; its status (still to come) tells why */
  if (s->is_chunk) {
    a->rows_sent += s->in_flight_rows;
    a->chunks_sent++;
    report(cfg, p, a, s->in_flight_read);
  }
  if (s->local_rc || !s->recv_pending) return;
  if (cfg->opts->cancel && *cfg->opts->cancel) {
    es_err_set(&err, ES_ECANCELLED, "cancelled");
    abort_stream(s, ES_ECANCELLED, &err);
    return;
  }
  es_err_clear(&err);
  t0 = es_clock_mono();
  rc = es_producer_pop(p, &m, &err);
  s->wait_reader += es_clock_mono() - t0;
  if (rc > 0) {
    s->is_chunk = 1;
    s->in_flight_rows = m.rows;
    s->in_flight_read = m.bytes_read;
    if ((rc = start_send(s, m.bb, 0, &err)) == 0) return;
    grpc_byte_buffer_destroy(m.bb);
    s->in_flight = NULL;
  } else if (rc == 0) {
    if ((rc = start_close(s, &err)) == 0) return;
  }
  abort_stream(s, rc, &err);
}

/* The trailers of core/trailer.h; a value that does not parse counts as absent. */
static void read_trailers(const grpc_metadata_array *md, es_attempt *a) {
  size_t i;
  int has_chunk = 0, has_row = 0;
  for (i = 0; i < md->count; i++) {
    const grpc_metadata *m = &md->metadata[i];
    const char *v = (const char *)GRPC_SLICE_START_PTR(m->value);
    size_t n = GRPC_SLICE_LENGTH(m->value);
    if (!grpc_slice_str_cmp(m->key, ES_TRAILER_PUSHBACK))
      a->has_pushback = es_trailer_uint(v, n, &a->pushback_ms) == 0;
    else if (!grpc_slice_str_cmp(m->key, ES_TRAILER_CHUNK))
      has_chunk = es_trailer_uint(v, n, &a->pos_chunk) == 0;
    else if (!grpc_slice_str_cmp(m->key, ES_TRAILER_ROW))
      has_row = es_trailer_uint(v, n, &a->pos_row) == 0;
  }
  a->has_pos = has_chunk && has_row;
}

static void on_status(call_state *s, es_attempt *a, int ok) {
  size_t n;
  s->recv_pending = 0;
  if (!ok) return; /* cannot happen for RECV_STATUS_ON_CLIENT, which always completes */
  a->got_status = 1;
  a->grpc_status = (int)s->recv.status;
  n = GRPC_SLICE_LENGTH(s->recv.details);
  if (n >= sizeof(a->details)) n = sizeof(a->details) - 1;
  memcpy(a->details, GRPC_SLICE_START_PTR(s->recv.details), n);
  a->details[n] = '\0';
  read_trailers(&s->recv.trailing_md, a);
  if (s->recv.status != GRPC_STATUS_OK && s->error_string)
    es_debug("gRPC error: %s", s->error_string);
}

/* Waits for completions until every batch is back. The short timeout lets a cancel flag
   stop a stream whose server has stopped reading. */
static void pump(const es_call_cfg *cfg, call_state *s, es_producer *p, es_attempt *a) {
  while (s->recv_pending || s->send_pending || s->close_pending) {
    double t0 = es_clock_mono();
    grpc_event ev = grpc_completion_queue_next(
        s->cq, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(250, GPR_TIMESPAN)),
        NULL);
    s->wait_grpc += es_clock_mono() - t0;
    if (ev.type == GRPC_QUEUE_TIMEOUT) {
      if (cfg->opts->cancel && *cfg->opts->cancel && !s->local_rc) {
        es_error err;
        es_err_set(&err, ES_ECANCELLED, "cancelled");
        abort_stream(s, ES_ECANCELLED, &err);
      }
      continue;
    }
    if (ev.type != GRPC_OP_COMPLETE) break; /* queue shut down: cannot happen before we do it */
    if (ev.tag == &tag_recv)
      on_status(s, a, ev.success);
    else if (ev.tag == &tag_send)
      on_sent(cfg, s, p, a, ev.success);
    else if (ev.tag == &tag_close)
      s->close_pending = 0;
  }
}

static int read_response(call_state *s, es_attempt *a, es_error *err) {
  grpc_slice all;
  int rc;
  if (!s->recv.response) return 0;
  if (es_client_bytes(s->recv.response, &all))
    return es_err_set(err, ES_EINTERNAL, "cannot read the server's response");
  rc = es_codec_unpack_response(GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all), &a->response,
                                err);
  grpc_slice_unref(all);
  if (rc == 0) a->have_response = 1;
  return rc;
}

static void drain_and_free(call_state *s) {
  if (s->call) grpc_call_unref(s->call);
  if (s->in_flight) grpc_byte_buffer_destroy(s->in_flight);
  es_client_recv_free(&s->recv);
  grpc_slice_unref(s->auth.value);
  if (s->error_string) gpr_free((void *)s->error_string);
  es_client_cq_close(s->cq);
}

int es_client_call(const es_call_cfg *cfg, es_producer *p, es_attempt *a, es_error *err) {
  const es_ingest_opts *o = cfg->opts;
  call_state s;
  grpc_slice method = grpc_slice_from_static_string(ES_METHOD);
  int rc = 0;
  memset(&s, 0, sizeof(s));
  memset(a, 0, sizeof(*a));
  s.auth.key = grpc_slice_from_static_string("authorization");
  s.auth.value = cfg->creds && cfg->creds->authorization
                     ? grpc_slice_from_copied_string(cfg->creds->authorization)
                     : grpc_empty_slice();
  es_client_recv_init(&s.recv);
  s.cq = grpc_completion_queue_create_for_next(NULL);
  s.channel = es_client_conn_channel(cfg->conn);
  s.call = grpc_channel_create_call(s.channel, NULL, GRPC_PROPAGATE_DEFAULTS, s.cq, method, NULL,
                                    deadline_after(o->timeout_s), NULL);
  if (!s.call) {
    rc = es_err_set(err, ES_EINTERNAL, "cannot create a call to %s", o->server);
    goto done;
  }
  if ((rc = start_recv(&s, err)) < 0) goto done;
  if ((rc = es_producer_start(p, err)) < 0 || (rc = send_meta(&s, &cfg->meta, err)) < 0) {
    abort_stream(&s, rc, err);
    rc = 0;
  }
  pump(cfg, &s, p, a);
  pthread_mutex_lock(&p->mu);
  es_debug(
      "attempt %d: %llu rows in %llu chunks; waited %.3f s for the reader, %.3f s for gRPC; "
      "the reader waited %.3f s for the sender",
      cfg->attempt, (unsigned long long)a->rows_sent, (unsigned long long)a->chunks_sent,
      s.wait_reader, s.wait_grpc, p->wait_slot);
  pthread_mutex_unlock(&p->mu);
  if (s.local_rc) {
    rc = s.local_rc;
    if (err) *err = s.local_err;
    goto done;
  }
  if (a->got_status && a->grpc_status == GRPC_STATUS_OK) rc = read_response(&s, a, err);
done:
  es_producer_stop(p);
  drain_and_free(&s);
  return rc;
}
