/* server_int.h - state shared by the server's main thread, acceptor and stream workers. */
#ifndef ES_SERVER_INT_H
#define ES_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "server/health.h"
#include "server/metrics.h"
#include "server/security.h"
#include "server/server.h"
#include "server/stats.h"
#include "store/store.h"

#define ES_METHOD_INGEST "/embedding.EmbeddingStreamService/IngestDataStream"

typedef struct es_srv es_srv;

/* A slot's thread runs one stream and exits. There are twice --max-streams slots: a stream that
   has been answered no longer counts against the limit, while its thread still winds down. */
typedef struct es_worker {
  es_srv *srv;
  pthread_t thread;
  int joinable; /* a thread was started in this slot and not joined yet */
  int busy;     /* a thread runs in this slot; guarded by srv->mu */
  int counted;  /* the stream still counts against --max-streams; guarded by srv->mu */
  grpc_call *call;
  grpc_completion_queue *cq;
  gpr_timespec deadline;
  uint64_t id;
  double accepted_at; /* unix time the call was handed over */
  es_caller caller;   /* who made the call (es_security_authorize) */
} es_worker;

struct es_srv {
  es_server_opts opts;
  es_srv_security sec; /* TLS credentials, client CA, tokens */
  es_store *store;
  grpc_server *server;
  grpc_completion_queue *cq; /* the server's: new-call and shutdown notifications */
  void *method;
  pthread_t acceptor;
  pthread_mutex_t mu;
  int in_flight; /* streams not answered yet (the --max-streams limit); guarded by mu */
  int active;    /* busy slots; guarded by mu */
  int nslots;
  es_worker *slots;
  atomic_int stopping;    /* SIGINT/SIGTERM seen: accept nothing new */
  atomic_int cancelling;  /* grace period over: open streams are being cancelled */
  atomic_int accept_done; /* the acceptor saw the shutdown notification */
  atomic_uint_fast64_t next_id;
  atomic_uint_fast64_t streams_ended; /* for the main thread's memory release */
  es_server_stats stats;
  es_health *health;        /* grpc.health.v1.Health, on its own thread */
  es_metrics_http *metrics; /* NULL without --metrics-listen */
};

/* Acceptor thread body (acceptor.c): requests calls, hands them to workers or refuses them. */
void *es_acceptor_main(void *arg);
/* Joins every worker thread that was started (after the acceptor stopped). */
void es_workers_join(es_srv *srv);
/* Streams whose threads are still running (answered or not). */
int es_active_streams(es_srv *srv);
/* Called by a stream right before it sends its final status: from then on its slot no longer
   counts against --max-streams, so a client that got its answer may start the next stream. */
void es_worker_answering(es_worker *w);

/* Runs one IngestDataStream call to its end (stream.c); owns and releases w->call and w->cq. */
void es_stream_run(es_worker *w);

#endif
