/* ahead.c - one decompression on a thread of its own, waited for before its page is read. */
#include "load/parquet/ahead.h"

#include "load/parquet/codec.h"

static void *run(void *arg) {
  es_pq_ahead *a = arg;
  a->rc = es_pq_decompress(a->codec, &a->in, a->dst, a->want, a->off, &a->err);
  return NULL;
}

void es_pq_ahead_start(es_pq_ahead *a, int codec, const es_pq_in *in, uint8_t *dst, size_t want,
                       uint64_t off) {
  a->codec = codec;
  a->in = *in;
  a->dst = dst;
  a->want = want;
  a->off = off;
  a->rc = 0;
  es_err_clear(&a->err);
  if (pthread_create(&a->thread, NULL, run, a) == 0)
    a->busy = 1;
  else
    run(a);
}

int es_pq_ahead_wait(es_pq_ahead *a, es_error *err) {
  if (a->busy) {
    pthread_join(a->thread, NULL);
    a->busy = 0;
  }
  if (a->rc && err) *err = a->err;
  return a->rc;
}
