/* msgbuf.c - the buffers packed messages live in: handed to gRPC as slices and recycled when
   gRPC lets go of them, so a stream of 10 MB messages reuses the same few resident buffers
   instead of faulting in fresh pages for every message. */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

/* Free buffers kept for reuse: one in flight plus one being filled is the steady state. */
#define ES_MSGBUF_KEEP 2
#define ES_MSGBUF_MIN ((size_t)64 * 1024)

struct es_bufpool {
  pthread_mutex_t mu;
  es_msgbuf *free_list;
  size_t nfree;
  int refs;     /* the owner's, plus one per buffer handed out */
  int orphaned; /* the owner let go: returned buffers are freed, not kept */
};

int es_bufpool_new(es_bufpool **out, es_error *err) {
  es_bufpool *bp = calloc(1, sizeof(*bp));
  if (!bp) return es_err_set(err, ES_ENOMEM, "out of memory");
  if (pthread_mutex_init(&bp->mu, NULL)) {
    free(bp);
    return es_err_set(err, ES_EINTERNAL, "pthread_mutex_init failed");
  }
  bp->refs = 1;
  *out = bp;
  return 0;
}

static void buf_free(es_msgbuf *b) {
  free(b->data);
  free(b);
}

/* Drops one reference under bp->mu (held on entry, released here); the last one frees bp. */
static void unref_locked(es_bufpool *bp) {
  int last = --bp->refs == 0;
  pthread_mutex_unlock(&bp->mu);
  if (last) {
    pthread_mutex_destroy(&bp->mu);
    free(bp);
  }
}

int es_bufpool_get(es_bufpool *bp, es_msgbuf **out, es_error *err) {
  es_msgbuf *b;
  pthread_mutex_lock(&bp->mu);
  b = bp->free_list;
  if (b) {
    bp->free_list = b->next;
    bp->nfree--;
  }
  bp->refs++;
  pthread_mutex_unlock(&bp->mu);
  if (!b && !(b = calloc(1, sizeof(*b)))) {
    pthread_mutex_lock(&bp->mu);
    unref_locked(bp);
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  b->pool = bp;
  b->next = NULL;
  *out = b;
  return 0;
}

int es_msgbuf_reserve(es_msgbuf *b, size_t n, es_error *err) {
  size_t cap = b->cap ? b->cap : ES_MSGBUF_MIN;
  uint8_t *p;
  if (n <= b->cap) return 0;
  while (cap < n) cap = cap > SIZE_MAX / 2 ? n : cap * 2;
  /* realloc keeps what is packed so far; for big blocks glibc moves pages, not bytes */
  if (!(p = realloc(b->data, cap)))
    return es_err_set(err, ES_ENOMEM, "out of memory for a %zu-byte message", n);
  b->data = p;
  b->cap = cap;
  return 0;
}

void es_msgbuf_put(es_msgbuf *b) {
  es_bufpool *bp = b->pool;
  pthread_mutex_lock(&bp->mu);
  if (!bp->orphaned && bp->nfree < ES_MSGBUF_KEEP) {
    b->next = bp->free_list;
    bp->free_list = b;
    bp->nfree++;
    b = NULL;
  }
  unref_locked(bp);
  if (b) buf_free(b);
}

/* gRPC calls this from whichever thread drops the slice's last reference. */
static void on_slice_free(void *ud) { es_msgbuf_put(ud); }

grpc_slice es_msgbuf_slice(es_msgbuf *b, size_t off, size_t len) {
  return grpc_slice_new_with_user_data(b->data + off, len, on_slice_free, b);
}

void es_bufpool_release(es_bufpool *bp) {
  es_msgbuf *b, *next;
  if (!bp) return;
  pthread_mutex_lock(&bp->mu);
  bp->orphaned = 1;
  b = bp->free_list;
  bp->free_list = NULL;
  bp->nfree = 0;
  unref_locked(bp);
  for (; b; b = next) {
    next = b->next;
    buf_free(b);
  }
}
