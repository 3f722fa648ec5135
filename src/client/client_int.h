/* client_int.h - the client's internal pieces: the producer thread that turns file rows into
   packed messages, and one attempt at the streaming call. */
#ifndef ES_CLIENT_INT_H
#define ES_CLIENT_INT_H

#include <grpc/grpc.h>
#include <pthread.h>

#include "auth/tls.h"
#include "client/client.h"
#include "load/loader.h"

/* One packed IngestDataRequest, ready for SEND_MESSAGE. */
typedef struct es_msg {
  grpc_byte_buffer *bb;
  size_t rows, bytes;
  uint64_t bytes_read; /* how far into the file the loader was when this was packed */
} es_msg;

/* Recycled message buffers (msgbuf.c). A pool lives until its owner and every buffer handed
   out are gone, because gRPC may drop a sent message's slice after the producer is freed. */
typedef struct es_bufpool es_bufpool;
typedef struct es_msgbuf {
  es_bufpool *pool;
  uint8_t *data;
  size_t cap;
  struct es_msgbuf *next; /* in the pool's free list */
} es_msgbuf;

int es_bufpool_new(es_bufpool **out, es_error *err);
/* A free buffer (any capacity, contents undefined), or a new empty one. */
int es_bufpool_get(es_bufpool *bp, es_msgbuf **out, es_error *err);
/* Grows b to at least n bytes, keeping its contents. */
int es_msgbuf_reserve(es_msgbuf *b, size_t n, es_error *err);
/* A slice over b->data[off, off + len); b goes back to its pool when gRPC drops the slice. */
grpc_slice es_msgbuf_slice(es_msgbuf *b, size_t off, size_t len);
/* Gives back a buffer that never became a slice. */
void es_msgbuf_put(es_msgbuf *b);
/* The owner is done; the pool goes when its last buffer comes back. NULL is fine. */
void es_bufpool_release(es_bufpool *bp);

/* One chunk message packed from batches of rows (pack.c), so the rows of a whole 10 MB chunk
   never need to be parsed and held at once. The message starts ES_PACK_HEAD bytes into the
   buffer, minus its key and length, which are written last. */
#define ES_PACK_HEAD 6 /* a one-byte key and a length below 2^35 */
typedef struct es_packer {
  es_msgbuf *buf;
  size_t rows, rows_bytes; /* packed so far */
  uint8_t key;             /* the chunk field's key, as protobuf-c wrote it for the first batch */
} es_packer;

void es_packer_begin(es_packer *pk, es_msgbuf *buf);
/* Appends rows [from, upto) of c while the whole message stays within max_msg bytes; *to is
   one past the last row appended (from when the message is full). A row that no message can
   hold is ES_EINVAL naming its line, as es_client_split words it. */
int es_packer_add(es_packer *pk, const es_chunk *c, size_t from, size_t upto, size_t max_msg,
                  size_t *to, es_error *err);
/* Writes the key and length: the message is buf->data[*off, *off + *len). Needs a row. */
int es_packer_finish(es_packer *pk, size_t *off, size_t *len, es_error *err);

/* The sender's one-message slot. The reader starts filling a message only once the slot is
   empty (the sender took the previous one), so besides one batch of parsed rows at most two
   messages are in memory: the one on the wire and the one being filled. Filling still overlaps
   sending, and with auto's 10 MB messages the client stays near 40 MiB resident. */
#define ES_PRODUCER_DEPTH 1
/* Rows parsed at a time: a message of chunk_rows rows is packed from batches this small, so
   the parsed rows (floats plus strings) never hold a whole 10 MB chunk, and are still in the
   CPU cache when packed. */
#define ES_PRODUCER_BATCH 512

/* How many rows each chunk message carried (msgrows.c), as runs of equal counts: enough to turn
   the server's "chunk N, row M" into the row's index in the file without keeping a number per
   row (on this error path only the file is read again, for that row's line). */
typedef struct es_msgrows_run {
  uint64_t msgs; /* consecutive messages ... */
  size_t rows;   /* ... of this many rows each */
} es_msgrows_run;
typedef struct es_msgrows {
  es_msgrows_run *runs;
  size_t n, cap;
  uint64_t msgs; /* messages in all */
} es_msgrows;

/* Forgets the counts, keeping the memory. */
void es_msgrows_reset(es_msgrows *m);
void es_msgrows_free(es_msgrows *m);
/* Counts the next message, of `rows` rows. */
int es_msgrows_add(es_msgrows *m, size_t rows, es_error *err);
/* The index in the file (0-based) of row `row` (0-based) of chunk message `chunk` (1-based, the
   server's numbering): 0, or -1 when no message counted here held that row. */
int es_msgrows_locate(const es_msgrows *m, uint64_t chunk, uint64_t row, uint64_t *file_row);

/* Reads and packs on its own thread while the calling thread drives gRPC. */
typedef struct es_producer {
  const es_domain *domain;
  size_t chunk_rows, max_msg;
  es_loader *loader;
  es_loader_opts lopts; /* how es_producer_open opens the file (zero: the defaults) */
  const char *format;   /* the open file's format ("csv", "pickle", ...); outlives the loader */
  es_msgrows sent;      /* rows per message packed from the open file, in order; read it only
                           after es_producer_stop */
  es_chunk chunk;       /* the batch of rows read, not all packed yet */
  es_chunk ahead;       /* the batch after it, when es_producer_open read it already */
  size_t next_row;      /* first row of chunk still to pack */
  size_t chunk_left;    /* rows of the current chunk (chunk_rows rows of the file) not packed yet */
  es_bufpool *pool;
  pthread_t thread;
  int running;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  es_msg q[ES_PRODUCER_DEPTH];
  size_t qhead, qlen;
  int done, stop, rc; /* under mu: the thread ended with rc (0 at the end of the file) */
  double wait_slot;   /* seconds the reader waited for the sender, for the debug log */
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

/* The credentials of one ingest, read once before its first attempt (creds.c). */
typedef struct es_client_creds {
  int tls;
  char *ca_pem;        /* trusted CAs (PEM text): --tls-ca, or the system's */
  char ca_what[300];   /* where they came from, for messages */
  es_tls_pair pair;    /* client certificate and key; cert_pem NULL without */
  char *authorization; /* "Bearer TOKEN", NULL without a token */
} es_client_creds;

/* Reads what o names: CA file, client certificate and key, token file (or o->token). A file
   that cannot be read or is not what it should be: ES_EUSAGE naming the option. */
int es_client_creds_load(const es_ingest_opts *o, es_client_creds *c, es_error *err);
/* Clears the key and the token from memory and frees them. */
void es_client_creds_free(es_client_creds *c);
/* gRPC's channel credentials for c: SSL or insecure. */
grpc_channel_credentials *es_client_creds_channel(const es_client_creds *c);
/* After an UNAVAILABLE: 1 with why filled when TLS with the server cannot work as configured
   (auth/tlsprobe.h), so that no retry is made and the user reads the reason. */
int es_client_creds_explain(const es_ingest_opts *o, const es_client_creds *c, char *why,
                            size_t cap);

/* What one attempt at the call needs. */
typedef struct es_call_cfg {
  const es_ingest_opts *opts;
  const es_client_conn *conn; /* the channel it goes over */
  const es_client_creds *creds;
  es_meta meta;
  int attempt;
} es_call_cfg;

/* How one attempt ended. */
typedef struct es_attempt {
  int got_status; /* the call ended with a gRPC status (grpc_status, details) */
  int grpc_status;
  char details[512];
  int have_response;
  es_response response;
  uint64_t rows_sent, chunks_sent;
  /* from the trailing metadata (core/trailer.h): a busy server's pushback, a bad row's place */
  int has_pushback, has_pos;
  uint64_t pushback_ms, pos_chunk, pos_row;
} es_attempt;

/* Opens the channel a run's streams share, to o->server as es_ingest_opts.server takes it, TLS
   as cr says (NULL: plaintext). */
int es_client_conn_open(const es_ingest_opts *o, const es_client_creds *cr, es_client_conn **out,
                        es_error *err);
void es_client_conn_close(es_client_conn *c);
/* The channel of a connection (grpc_channel *). */
void *es_client_conn_channel(const es_client_conn *c);

/* A new channel to o->server (a server list resolved as es_client_target does), with the
   spec's options (keepalive, message limits), TLS as cr says (NULL: plaintext). */
grpc_channel *es_client_channel(const es_ingest_opts *o, const es_client_creds *cr);

/* rpc.c: what a call receives, the same for every call: initial metadata, the response
   message, then the status with its details and trailing metadata. */
typedef struct es_client_recv {
  grpc_metadata_array initial_md, trailing_md;
  grpc_byte_buffer *response; /* NULL until (and unless) one arrives */
  grpc_status_code status;
  grpc_slice details;
} es_client_recv;
void es_client_recv_init(es_client_recv *r);
void es_client_recv_free(es_client_recv *r);
/* ops[0..3) receive into r. */
void es_client_recv_ops(grpc_op ops[3], es_client_recv *r);
/* The bytes of a received message into *out (the caller unrefs it); -1 when there is none. */
int es_client_bytes(grpc_byte_buffer *bb, grpc_slice *out);
/* Shuts a call's completion queue down, drains it and destroys it (NULL: nothing). */
void es_client_cq_close(grpc_completion_queue *cq);

/* Streams metadata and then every message of p over cfg->conn's channel. Returns 0 when the call
   ran to a status (check a->grpc_status), or a negative es_code for a failure on this side:
   bad input row (ES_EINVAL from the producer), cancel (ES_ECANCELLED), gRPC setup. */
int es_client_call(const es_call_cfg *cfg, es_producer *p, es_attempt *a, es_error *err);

/* When the server named a row it rejected (our trailers, or "chunk N, row M" in its details)
   and p sent that row: 1 with out = "FILE:LINE: REASON (server: chunk N, row M)", or
   "FILE: row index I: ..." for a pickle or Parquet file. 0 otherwise. Reads the file again (after
   the call). */
int es_client_row_error(const es_ingest_opts *o, const es_producer *p, const es_attempt *a,
                        char *out, size_t cap);

#endif
