/* client_int.h - the client's internal pieces: the producer thread that turns file rows into
   packed messages, and one attempt at the streaming call. */
#ifndef ES_CLIENT_INT_H
#define ES_CLIENT_INT_H

#include <grpc/grpc.h>
#include <pthread.h>

#include "client/client.h"
#include "load/loader.h"

/* One packed IngestDataRequest, ready for SEND_MESSAGE. */
typedef struct es_msg {
  grpc_byte_buffer *bb;
  size_t rows, bytes;
  uint64_t bytes_read; /* how far into the file the loader was when this was packed */
} es_msg;

/* Packed messages waiting for the sender. One is enough for the overlap: while one message is
   on the wire the next waits here and the reader parses and packs the one after, so at most
   three messages (plus the chunk being parsed) are in memory: RSS stays flat and small. */
#define ES_PRODUCER_DEPTH 1

/* Reads and packs on its own thread while the calling thread drives gRPC. */
typedef struct es_producer {
  const es_domain *domain;
  size_t chunk_rows, max_msg;
  es_loader *loader;
  es_chunk chunk;  /* rows read, not all packed yet */
  size_t next_row; /* first row of chunk still to pack */
  pthread_t thread;
  int running;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  es_msg q[ES_PRODUCER_DEPTH];
  size_t qhead, qlen;
  int done, stop, rc; /* under mu: the thread ended with rc (0 at the end of the file) */
  es_error err;
} es_producer;

int es_producer_init(es_producer *p, const es_domain *d, size_t chunk_rows, size_t max_msg,
                     es_error *err);
/* Opens the file and reads its first chunk on the calling thread (so it can be checked before
   anything is sent). An empty file is ES_EINVAL. */
int es_producer_open(es_producer *p, const char *path, es_error *err);
/* The first row read by es_producer_open. */
const es_value *es_producer_first_row(const es_producer *p);
int es_producer_start(es_producer *p, es_error *err);
/* 1 with *m filled (the caller owns m->bb), 0 at the end of the file, or a negative es_code. */
int es_producer_pop(es_producer *p, es_msg *m, es_error *err);
uint64_t es_producer_bytes_total(const es_producer *p);
/* Stops and joins the thread, drops queued messages, closes the file. Safe to call twice. */
void es_producer_stop(es_producer *p);
void es_producer_free(es_producer *p);

/* What one attempt at the call needs. */
typedef struct es_call_cfg {
  const es_ingest_opts *opts;
  es_meta meta;
  int attempt;
} es_call_cfg;

/* How one attempt ended. */
typedef struct es_attempt {
  int got_status;  /* the call ended with a gRPC status (grpc_status, details) */
  int grpc_status;
  char details[512];
  int have_response;
  es_response response;
  uint64_t rows_sent, chunks_sent;
} es_attempt;

/* Streams metadata and then every message of p over one new channel. Returns 0 when the call
   ran to a status (check a->grpc_status), or a negative es_code for a failure on this side:
   bad input row (ES_EINVAL from the producer), cancel (ES_ECANCELLED), gRPC setup. */
int es_client_call(const es_call_cfg *cfg, es_producer *p, es_attempt *a, es_error *err);

#endif
