/* server.c - es_server_run: sets up gRPC and the store, serves until SIGINT/SIGTERM, then drains
   (streams in flight get --grace seconds, the rest are cancelled and roll back). */
#include "server/server.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc_security.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/net.h"
#include "core/testhook.h"
#include "server/call.h"
#include "server/memory.h"
#include "server/server_int.h"

#define STREAM_LOOKAHEAD (1024 * 1024)
#define INTERRUPT_EVERY_S 2.0
#define MIN_PING_INTERVAL_MS 10000 /* the spec's clients ping every 30 s, even without calls */
/* With no stream left, gRPC may still wait for idle connections to close: this long, then we
   cut them. */
#define IDLE_SETTLE_S 0.5
/* How long health Watch calls get to receive their final status at the end of a drain. */
#define WATCH_END_S 1.0
/* After streams end, freed memory goes back to the system this often, this many times. */
#define MEMORY_TICK_S 1
#define MEMORY_TICKS 3

static char tag_shutdown_storage;
#define TAG_SHUTDOWN ((void *)&tag_shutdown_storage)

void es_server_opts_init(es_server_opts *o) {
  memset(o, 0, sizeof(*o));
  o->listen = ES_DEFAULT_LISTEN;
  o->store_url = ES_DEFAULT_STORE;
  o->max_streams = 16;
  o->max_message_bytes = ES_DEFAULT_MAX_MESSAGE;
  o->grace_s = 30;
  o->idle_timeout_s = 60;
  o->metrics_listen = NULL;
}

static int check_opts(const es_server_opts *o, es_error *err) {
  const char *colon = o->listen ? strrchr(o->listen, ':') : NULL;
  if (!colon || colon == o->listen || !colon[1])
    return es_err_set(err, ES_EUSAGE, "listen address '%s' is not HOST:PORT",
                      o->listen ? o->listen : "");
  if (o->max_streams < 1 || o->max_streams > ES_MAX_STREAMS_LIMIT)
    return es_err_set(err, ES_EUSAGE, "max streams must be in 1..%d", ES_MAX_STREAMS_LIMIT);
  if (o->max_message_bytes < 1 || o->max_message_bytes > INT_MAX)
    return es_err_set(err, ES_EUSAGE, "max message bytes must be in 1..%d", INT_MAX);
  if (o->grace_s < 0) return es_err_set(err, ES_EUSAGE, "grace must not be negative");
  if (o->idle_timeout_s < 0) return es_err_set(err, ES_EUSAGE, "idle timeout must not be negative");
  colon = o->metrics_listen ? strrchr(o->metrics_listen, ':') : NULL;
  if (o->metrics_listen && (!colon || colon == o->metrics_listen || !colon[1]))
    return es_err_set(err, ES_EUSAGE, "metrics address '%s' is not HOST:PORT", o->metrics_listen);
  return 0;
}

static grpc_arg int_arg(const char *key, int value) {
  grpc_arg a;
  memset(&a, 0, sizeof(a));
  a.type = GRPC_ARG_INTEGER;
  a.key = (char *)key;
  a.value.integer = value;
  return a;
}

/* Creates the gRPC server, registers the method and binds; *port is the port actually bound. */
static int create_server(es_srv *srv, int *port, es_error *err) {
  int max = (int)srv->opts.max_message_bytes;
  grpc_arg args[] = {
      int_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, max),
      int_arg(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, max),
      /* Accept the spec's client keepalive: pings every 30 s, also between calls, never
         answered with GOAWAY too_many_pings. */
      int_arg(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, MIN_PING_INTERVAL_MS),
      int_arg(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1),
      int_arg(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0),
      /* Bounded memory: no read-ahead of a stream's next message beyond this while the current
         one is decoded (a message being received still gets a window for all of it). */
      int_arg(GRPC_ARG_HTTP2_BDP_PROBE, 0),
      int_arg(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, STREAM_LOOKAHEAD),
      /* Compressed messages reach us compressed and are inflated within --max-message-bytes
         (inflate.c): gRPC core 1.51 inflates a whole message before checking its size, so a
         260 KB gzip bomb would cost 256 MiB. */
      int_arg(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0),
      /* gRPC would otherwise share a busy port with another server silently. */
      int_arg(GRPC_ARG_ALLOW_REUSEPORT, 0),
  };
  grpc_channel_args ca = {sizeof(args) / sizeof(args[0]), args};
  grpc_server_credentials *creds;
  srv->server = grpc_server_create(&ca, NULL);
  srv->cq = grpc_completion_queue_create_for_next(NULL);
  grpc_server_register_completion_queue(srv->server, srv->cq, NULL);
  srv->method =
      grpc_server_register_method(srv->server, ES_METHOD_INGEST, NULL, GRPC_SRM_PAYLOAD_NONE, 0);
  if (!srv->method) return es_err_set(err, ES_EINTERNAL, "cannot register %s", ES_METHOD_INGEST);
  /* Before the port: gRPC must not be left with a listener on a server that never starts. */
  if (es_health_register(srv->server, &srv->health, err)) return err->code;
  creds = es_security_credentials(&srv->sec);
  *port = grpc_server_add_http2_port(srv->server, srv->opts.listen, creds);
  grpc_server_credentials_release(creds);
  if (*port <= 0) {
    char why[300];
    es_net_why_no_listen(srv->opts.listen, why, sizeof(why));
    return es_err_set(
        err, ES_EIO, "cannot listen on %s: %s", srv->opts.listen,
        *why ? why : "gRPC refused the address (EMBEDSTREAM_LOG_LEVEL=debug shows why)");
  }
  return 0;
}

/* Cancelling a gRPC call does not reach a stream blocked inside its store (a PostgreSQL lock
   held by another session): the store is asked to give up, again every INTERRUPT_EVERY_S while
   streams remain, since a stream between two statements may block again on the next. */
static void interrupt_store(es_srv *srv) {
  double next = 0;
  if (!srv->store->interrupt) return;
  while (es_active_streams(srv) > 0) {
    struct timespec tick = {0, 50 * 1000 * 1000};
    if (es_clock_mono() >= next) {
      srv->store->interrupt(srv->store);
      next = es_clock_mono() + INTERRUPT_EVERY_S;
    }
    nanosleep(&tick, NULL);
  }
}

static const char *signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* sigtimedwait for sigs, where SIGHUP (tokens read again) is handled here and never returned. */
static int next_signal(es_srv *srv, const sigset_t *sigs, const struct timespec *timeout) {
  int sig;
  while ((sig = sigtimedwait(sigs, NULL, timeout)) == SIGHUP) es_security_reload(&srv->sec);
  return sig;
}

/* Waits until every call ended, the grace period is over, or a second signal arrives;
   returns 1 only when the grace period ran out. */
static int wait_grace(es_srv *srv, const sigset_t *sigs) {
  double end = es_clock_mono() + srv->opts.grace_s, idle_since = -1;
  while (!atomic_load(&srv->accept_done)) {
    double now = es_clock_mono();
    struct timespec slice = {0, 50 * 1000 * 1000};
    int sig;
    if (es_active_streams(srv) > 0) {
      idle_since = -1;
    } else if (idle_since < 0) {
      idle_since = now;
    } else if (now - idle_since >= IDLE_SETTLE_S) {
      return 0;
    }
    if (now >= end) return 1;
    sig = next_signal(srv, sigs, &slice);
    if (sig > 0) {
      es_warn("received %s again: cancelling open streams now", signal_name(sig));
      return 0;
    }
  }
  return 0;
}

/* Waits for SIGINT/SIGTERM. Meanwhile, once a second, memory freed by streams that ended is
   given back: gRPC frees a stream's transport buffers on its own threads after the stream's
   worker is gone, so the release runs for a few ticks after each end, not once at the end. */
static int wait_signal(es_srv *srv, const sigset_t *sigs) {
  uint64_t seen = 0;
  int ticks_left = 0;
  for (;;) {
    struct timespec tick = {MEMORY_TICK_S, 0};
    uint64_t ended;
    int sig = next_signal(srv, sigs, &tick);
    if (sig > 0) return sig;
    ended = atomic_load(&srv->streams_ended);
    if (ended != seen) {
      seen = ended;
      ticks_left = MEMORY_TICKS;
    }
    if (ticks_left > 0) {
      ticks_left--;
      es_memory_release();
    }
  }
}

static void drain(es_srv *srv, int sig, const sigset_t *sigs) {
  int over, n = es_active_streams(srv);
  es_info("received %s: no longer accepting streams; %d in flight, waiting up to %d s for them",
          signal_name(sig), n, srv->opts.grace_s);
  atomic_store(&srv->stopping, 1);
  /* Before the shutdown: from it on gRPC takes no new calls (health ones neither), so open
     Watch calls are where clients see NOT_SERVING while streams drain. */
  es_health_set_not_serving(srv->health);
  grpc_server_shutdown_and_notify(srv->server, srv->cq, TAG_SHUTDOWN);
  over = wait_grace(srv, sigs);
  /* Watch calls would hold the shutdown open forever: end them (not counted as streams). */
  if (es_health_end_watches(srv->health, WATCH_END_S) > 0)
    es_warn("health Watch calls did not end within %.0f s; cancelling them", WATCH_END_S);
  if (!atomic_load(&srv->accept_done)) {
    n = es_active_streams(srv);
    if (n > 0 && over)
      es_warn("grace period over: cancelling %d open stream%s (rolled back)", n,
              es_plural((unsigned long long)n));
    atomic_store(&srv->cancelling, 1);
    grpc_server_cancel_all_calls(srv->server);
    interrupt_store(srv);
  }
  pthread_join(srv->acceptor, NULL); /* returns once gRPC reports every call ended */
  es_workers_join(srv);
  es_metrics_http_stop(srv->metrics); /* scrapes worked until every stream was over */
  srv->metrics = NULL;
}

/* For a server that started but whose acceptor never ran: shut it down and wait for that here. */
static void stop_unattended(es_srv *srv) {
  grpc_event ev;
  grpc_server_shutdown_and_notify(srv->server, srv->cq, TAG_SHUTDOWN);
  grpc_server_cancel_all_calls(srv->server);
  do {
    ev = grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  } while (ev.type != GRPC_QUEUE_SHUTDOWN && ev.tag != TAG_SHUTDOWN);
}

static es_srv *srv_new(const es_server_opts *o, es_error *err) {
  es_srv *srv = calloc(1, sizeof(*srv));
  int i;
  if (srv) srv->slots = calloc((size_t)o->max_streams * 2, sizeof(es_worker));
  if (!srv || !srv->slots) {
    if (srv) free(srv);
    es_err_set(err, ES_ENOMEM, "out of memory");
    return NULL;
  }
  srv->opts = *o;
  srv->nslots = o->max_streams * 2;
  for (i = 0; i < srv->nslots; i++) srv->slots[i].srv = srv;
  pthread_mutex_init(&srv->mu, NULL);
  atomic_init(&srv->stopping, 0);
  atomic_init(&srv->cancelling, 0);
  atomic_init(&srv->accept_done, 0);
  atomic_init(&srv->next_id, 0);
  atomic_init(&srv->streams_ended, 0);
  es_server_stats_init(&srv->stats);
  return srv;
}

static void srv_free(es_srv *srv) {
  if (!srv) return;
  es_store_close(srv->store);
  es_security_free(&srv->sec);
  pthread_mutex_destroy(&srv->mu);
  free(srv->slots);
  free(srv);
}

static void log_ready(es_srv *srv, int port) {
  const char *colon = strrchr(srv->opts.listen, ':');
  int hostlen = (int)(colon - srv->opts.listen);
  es_info(
      "serving embedding.EmbeddingStreamService: store %s, up to %d streams at once, messages "
      "up to %zu bytes, %d s grace on shutdown",
      srv->store->name, srv->opts.max_streams, srv->opts.max_message_bytes, srv->opts.grace_s);
  if (es_testhook_path())
    es_warn(
        "%s is set: streams pause at the test points %s names (a test hook: unset it outside tests)",
        ES_TESTHOOK_ENV, es_testhook_path());
  es_info(
      "listening on %.*s:%d%s", hostlen, srv->opts.listen, port,
      srv->sec.tls.cert_pem ? (srv->sec.client_ca ? " (TLS, client certificates)" : " (TLS)") : "");
  /* After the line above: tests take the first "listening on" as the gRPC address. */
  if (srv->metrics)
    es_info("metrics listening on %s%s", es_metrics_http_address(srv->metrics),
            srv->sec.tls.cert_pem ? " (HTTPS)" : "");
}

int es_server_run(const es_server_opts *o, es_error *err) {
  es_srv *srv = NULL;
  sigset_t sigs;
  int rc, port = 0, sig = 0, grpc_up = 0, started = 0, acceptor_up = 0;
  if ((rc = check_opts(o, err))) return rc;
  /* Blocked before gRPC starts its threads, so they inherit the mask and only sigwait sees
     the signals. They stay blocked: the process is about to exit anyway. */
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  es_memory_setup();
  if (!(srv = srv_new(o, err))) return err->code;
  if ((rc = es_security_load(o, &srv->sec, err))) goto done;
  if ((rc = es_store_open(o->store_url, &srv->store, err))) goto done;
  grpc_init();
  grpc_up = 1;
  /* First: a busy metrics port then fails the start before gRPC holds any listener. */
  if (o->metrics_listen &&
      (rc = es_metrics_http_start(o->metrics_listen, &srv->stats, &srv->sec.tls, srv->sec.tokens,
                                  &srv->metrics, err)))
    goto done;
  if ((rc = create_server(srv, &port, err))) goto done;
  grpc_server_start(srv->server);
  started = 1;
  if ((rc = es_health_start(srv->health, err))) goto done;
  if (pthread_create(&srv->acceptor, NULL, es_acceptor_main, srv) != 0) {
    rc = es_err_set(err, ES_EINTERNAL, "cannot start the acceptor thread");
    goto done;
  }
  acceptor_up = 1;
  log_ready(srv, port);
  sig = wait_signal(srv, &sigs);
  drain(srv, sig, &sigs);
  es_info("server stopped");
done:
  if (started && !acceptor_up) stop_unattended(srv);
  es_metrics_http_stop(srv->metrics);
  if (srv->server) grpc_server_destroy(srv->server);
  es_health_free(srv->health); /* its queue goes after the server, like the server's own */
  if (srv->cq) es_cq_destroy(srv->cq);
  srv_free(srv);
  if (grpc_up) grpc_shutdown();
  return rc;
}
