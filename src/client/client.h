/* client.h - streams one data file to an IngestDataStream server, with retries. */
#ifndef ES_CLIENT_H
#define ES_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/error.h"
#include "core/limits.h"
#include "load/loader.h"

#define ES_DEFAULT_SERVER "127.0.0.1:50052"

typedef struct es_progress {
  uint64_t rows_sent, chunks_sent; /* on this attempt */
  uint64_t bytes_read, bytes_total;
  int attempt;
  const char *file;  /* which file (es_ingest_opts.file), for displays of many at once */
  size_t file_index; /* es_ingest_opts.file_index: its place in the run's list */
} es_progress;

/* One channel to the server(s), shared by every stream of a run (es_ingest_opts.conn): calls
   are spread over the servers --server names with gRPC's round_robin policy (target.c). */
typedef struct es_client_conn es_client_conn;

typedef struct es_ingest_opts {
  const char *server;       /* host:port, a comma list of them, or a gRPC target URI
                               (dns:///h:p); default ES_DEFAULT_SERVER */
  es_client_conn *conn;     /* the run's channel; NULL: the ingest opens its own */
  const char *domain;       /* a domain name, or "auto": from the file's columns */
  const char *file;         /* "-": standard input (loader.format names its format) */
  size_t file_index;        /* handed to progress as is */
  const char *file_name;    /* sent in metadata; default: the file's base name */
  int dim;                  /* 0: the domain's default */
  size_t chunk_rows;        /* 0: auto (spec 5.2) */
  double bandwidth_mbps;    /* for auto sizing, default 1000 */
  double timeout_s;         /* deadline per attempt, default 600 */
  int retries;              /* attempts in all, default 3; busy refusals do not count */
  double busy_timeout_s;    /* how long a busy server is waited for, default 600; 0: not */
  size_t max_message_bytes; /* default 16 MiB */
  double backoff_min_s, backoff_max_s; /* default 2 and 10, as the spec's tenacity setting */
  es_loader_opts loader;               /* how the file is read (unknown columns) */
  /* Security (README, Security). Any tls_* option implies tls. */
  int tls;              /* TLS, verifying the server against tls_ca, else the system's CAs */
  const char *tls_ca;   /* PEM file of the CA(s) to trust */
  const char *tls_cert; /* client certificate (PEM, then its chain) and key: mTLS */
  const char *tls_key;
  const char *tls_server_name; /* the name the server's certificate must hold; default: its host */
  const char *token_file;      /* a bearer token: the first line of this file, ... */
  const char *token;           /* ... or this token itself (EMBEDSTREAM_TOKEN) */
  void (*progress)(void *ud, const es_progress *p);
  void *progress_ud;
  volatile int *cancel; /* set non-zero to stop between messages */
} es_ingest_opts;

/* How an ingest ended, one value per exit code of `embedstream ingest`. */
typedef enum {
  ES_INGEST_OK = 0,
  ES_INGEST_FAILED,      /* anything else: a server bug (INTERNAL), cancelled, out of memory */
  ES_INGEST_INPUT,       /* bad options or input file (a stream already begun is cancelled) */
  ES_INGEST_REJECTED,    /* the server refused the stream with a non-retryable status */
  ES_INGEST_UNREACHABLE, /* retryable statuses on every attempt, or busy for --busy-timeout */
  ES_INGEST_DENIED       /* UNAUTHENTICATED, PERMISSION_DENIED, or TLS could not be set up */
} es_ingest_outcome;

typedef struct es_ingest_result {
  es_response response;            /* what the server answered (status, message, totals) */
  uint64_t rows_sent, chunks_sent; /* by the last attempt */
  uint64_t rows_stored;            /* what the server committed: its total on success, else 0 */
  double seconds;
  int attempts;       /* calls made, busy refusals included */
  int busy_refusals;  /* of those, refusals of a busy server (waited for) */
  int grpc_status;    /* last gRPC status, 0 on success or when no call ended */
  int outcome;        /* es_ingest_outcome */
  const char *domain; /* the domain sent (--domain auto: the one its columns named) */
} es_ingest_result;

void es_ingest_opts_init(es_ingest_opts *o);
/* "auto" for es_ingest_opts.domain. */
#define ES_DOMAIN_AUTO "auto"

/* Reads the certificates and token o names, as an ingest would, and forgets them: for a
   long-running caller (the HTTP API) to refuse bad files at start rather than at each job. */
int es_ingest_opts_check_creds(const es_ingest_opts *o, es_error *err);
/* 0 on success. Failures: ES_EINVAL/ES_ENOTFOUND/ES_EIO (input file), ES_EUSAGE (options),
   ES_EINVAL/ES_EPRECOND with res->grpc_status set (rejected by the server),
   ES_EUNAVAIL (unreachable after retries), others. err says what happened (with the gRPC
   code name and the server's details); res->outcome sorts it for exit codes. Thread-safe:
   each call has its own channel; grpc_init/grpc_shutdown are paired inside. */
int es_client_ingest(const es_ingest_opts *o, es_ingest_result *res, es_error *err);

/* Asks o->server's standard health service (grpc.health.v1.Health/Check, the whole server)
   whether it serves, within timeout_s: 0 with *serving 1 (SERVING) or 0 (anything else, err
   saying what), or a negative es_code when the check could not be made. */
int es_client_health(const es_ingest_opts *o, double timeout_s, int *serving, es_error *err);

/* --server's syntax (no name resolution): ES_EUSAGE with what is wrong. */
int es_client_target_check(const char *server, es_error *err);
/* The gRPC target for --server: as given, or a comma list resolved into ipv4:/ipv6: form. */
int es_client_target(const char *server, char **out, es_error *err);

/* The more serious of two outcomes, for a run of many files (its exit code): DENIED (the
   credentials or TLS: every file would fail so) over FAILED (an
   unexplained failure) over UNREACHABLE (files never judged: run again) over REJECTED (the
   server refused data) over INPUT (a file refused here) over OK. */
int es_ingest_outcome_worse(int a, int b);

/* The files of a run (files.c). */
typedef struct es_file_list {
  char **paths;
  size_t n, cap;
} es_file_list;
/* Appends arg: a file (or "-") as given; a directory's supported files in byte order of their
   paths, its subdirectories' too when recursive (hidden entries skipped, links to directories
   not followed). */
int es_file_list_add(es_file_list *l, const char *arg, int recursive, es_error *err);
void es_file_list_free(es_file_list *l);

/* How one file of a run ended (batch.c), for es_batch_opts.done. */
typedef struct es_batch_file {
  size_t index;
  const char *path;
  int skipped; /* not started: --fail-fast after a failure */
  int rc;      /* es_client_ingest's */
  const es_ingest_result *res;
  const es_error *err;
} es_batch_file;

/* Many files, each its own atomic stream retried on its own, `parallel` streams at once over
   one shared channel (round_robin over the servers). */
typedef struct es_batch_opts {
  es_ingest_opts ingest; /* every file's; file, file_index and conn are set per file */
  const char *const *files;
  size_t nfiles;
  int parallel;  /* streams at once (at least 1) */
  int fail_fast; /* after a failure, start no further file */
  /* Each file as it ends, then each skipped one; one call at a time. */
  void (*done)(void *ud, const es_batch_file *f);
  void *done_ud;
} es_batch_opts;

typedef struct es_batch_result {
  size_t files, succeeded, failed, skipped;
  uint64_t rows_sent, rows_stored;
  double seconds;
  int outcome; /* the most serious of the files' (es_ingest_outcome_worse) */
} es_batch_result;

/* 0 when every file went in; else the es_code of the first failure (err: its message). */
int es_client_batch(const es_batch_opts *o, es_batch_result *res, es_error *err);

/* The spec's section 5.2 formula: bandwidth, dimension, 100 ms target, clamped to 100..10000. */
size_t es_chunk_rows_auto(double bandwidth_mbps, int dim);
/* Delay before attempt `attempt` (2, 3, ...): min, doubling up to max (2, 4, 8, 10 s with the
   spec's 2 and 10), jittered by +-25% within [min, max] from *seed (NULL: no jitter). */
double es_backoff_delay(int attempt, double min_s, double max_s, uint64_t *seed);
/* How long to wait after a busy refusal that said pushback_ms (grpc-retry-pushback-ms): never
   less than the server asked, up to 50% more from *seed (NULL: no jitter) so that the clients it
   turned away together do not all come back in the same instant; at least 50 ms, so that a
   server saying 0 cannot make a client spin. */
double es_pushback_delay(uint64_t pushback_ms, uint64_t *seed);
/* How long to wait after the n-th conflict in a row (ABORTED: the stream lost to another one,
   which committed): 0.25 s doubling up to 4 s, from 50% to 150% of that from *seed (NULL: no
   jitter), so that streams that conflicted do not meet again at once. */
double es_conflict_delay(int n, uint64_t *seed);
/* Whether a gRPC status is worth sending the stream again for. */
int es_grpc_retryable(int grpc_status);

/* Where the message that starts at row `from` of c must end so that it stays within max_bytes:
   *to is one past its last row, *msg_bytes the request's exact size. A row that alone exceeds
   max_bytes is ES_EINVAL naming its source line. */
int es_client_split(const es_chunk *c, size_t from, size_t max_bytes, size_t *to, size_t *msg_bytes,
                    es_error *err);

#endif
