/* client.h - streams one data file to an IngestDataStream server, with retries. */
#ifndef ES_CLIENT_H
#define ES_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/error.h"

#define ES_DEFAULT_SERVER "127.0.0.1:50052"
#define ES_DEFAULT_MAX_MESSAGE (16u * 1024u * 1024u)

typedef struct es_progress {
  uint64_t rows_sent, chunks_sent; /* on this attempt */
  uint64_t bytes_read, bytes_total;
  int attempt;
} es_progress;

typedef struct es_ingest_opts {
  const char *server;          /* host:port, default ES_DEFAULT_SERVER */
  const char *domain;
  const char *file;
  const char *file_name;       /* sent in metadata; default: the file's base name */
  int dim;                     /* 0: the domain's default */
  size_t chunk_rows;           /* 0: auto (spec 5.2) */
  double bandwidth_mbps;       /* for auto sizing, default 1000 */
  double timeout_s;            /* deadline per attempt, default 600 */
  int retries;                 /* attempts in all, default 3 */
  size_t max_message_bytes;    /* default 16 MiB */
  double backoff_min_s, backoff_max_s; /* default 2 and 10, as the spec's tenacity setting */
  void (*progress)(void *ud, const es_progress *p);
  void *progress_ud;
  volatile int *cancel;        /* set non-zero to stop between messages */
} es_ingest_opts;

typedef struct es_ingest_result {
  es_response response;        /* what the server answered (status, message, totals) */
  uint64_t rows_sent, chunks_sent;
  double seconds;
  int attempts;
  int grpc_status;             /* last gRPC status, 0 on success */
} es_ingest_result;

void es_ingest_opts_init(es_ingest_opts *o);
/* 0 on success. Failures: ES_EINVAL/ES_ENOTFOUND/ES_EIO (input file), ES_EUSAGE (options),
   ES_EINVAL/ES_EPRECOND with res->grpc_status set (rejected by the server),
   ES_EUNAVAIL (unreachable after retries), others. err says what happened. */
int es_client_ingest(const es_ingest_opts *o, es_ingest_result *res, es_error *err);

/* The spec's section 5.2 formula: bandwidth, dimension, 100 ms target, clamped to 100..10000. */
size_t es_chunk_rows_auto(double bandwidth_mbps, int dim);
/* Delay before attempt `attempt` (2, 3, ...): exponential from min to max, jittered by *seed. */
double es_backoff_delay(int attempt, double min_s, double max_s, uint64_t *seed);
/* Whether a gRPC status is worth sending the stream again for. */
int es_grpc_retryable(int grpc_status);

#endif
