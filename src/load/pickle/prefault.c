/* prefault.c - faults fresh memory in on a second thread, ahead of the thread that will fill it.

   Reading a big pickle builds hundreds of MB of objects, written once, on one thread while the
   other core idles. Each first touch of a fresh page costs a fault and the kernel's zeroing (on a
   VM whose host reclaims freed memory, several microseconds a page), and that cost, not the
   interpreting, came to half the time of opening a 1.5 GB file. MADV_POPULATE_WRITE (Linux 5.14)
   makes the pages present without changing their contents, so it may run on memory the owner
   is already writing: the owner finds the pages mapped instead of faulting them itself. A hint
   only: where it is missing or fails, the owner faults the pages in as before. */
#include "load/pickle/prefault.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define QLEN 64
#define STEP ((size_t)2 << 20) /* populated per call, so a fence never waits long */

struct es_pkl_prefault {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  struct {
    uintptr_t p;
    size_t n;
  } q[QLEN];
  size_t head, len;
  int busy; /* the worker is populating a range it took off the queue */
  int stop;
};

static void populate(uintptr_t p, size_t n) {
#ifdef MADV_POPULATE_WRITE
  const uintptr_t page = 4096;
  uintptr_t lo = (p + page - 1) & ~(page - 1), hi = (p + n) & ~(page - 1);
  while (lo < hi) {
    size_t step = hi - lo < STEP ? hi - lo : STEP;
    if (madvise((void *)lo, step, MADV_POPULATE_WRITE)) return;
    lo += step;
  }
#else
  (void)p, (void)n;
#endif
}

static void *worker(void *arg) {
  es_pkl_prefault *pf = arg;
  pthread_mutex_lock(&pf->mu);
  for (;;) {
    uintptr_t p;
    size_t n;
    while (!pf->len && !pf->stop) pthread_cond_wait(&pf->cv, &pf->mu);
    if (pf->stop) break;
    p = pf->q[pf->head].p;
    n = pf->q[pf->head].n;
    pf->head = (pf->head + 1) % QLEN;
    pf->len--;
    pf->busy = 1;
    pthread_mutex_unlock(&pf->mu);
    populate(p, n);
    pthread_mutex_lock(&pf->mu);
    pf->busy = 0;
    pthread_cond_broadcast(&pf->cv);
  }
  pthread_mutex_unlock(&pf->mu);
  return NULL;
}

es_pkl_prefault *es_pkl_prefault_start(void) {
#ifdef MADV_POPULATE_WRITE
  es_pkl_prefault *pf = calloc(1, sizeof(*pf));
  if (!pf) return NULL;
  if (pthread_mutex_init(&pf->mu, NULL)) goto fail_mu;
  if (pthread_cond_init(&pf->cv, NULL)) goto fail_cv;
  if (pthread_create(&pf->thread, NULL, worker, pf)) goto fail_thread;
  return pf;
fail_thread:
  pthread_cond_destroy(&pf->cv);
fail_cv:
  pthread_mutex_destroy(&pf->mu);
fail_mu:
  free(pf);
#endif
  return NULL;
}

void es_pkl_prefault_add(es_pkl_prefault *pf, void *p, size_t n) {
  if (!pf || !n) return;
  pthread_mutex_lock(&pf->mu);
  if (pf->len < QLEN) { /* a full queue drops the hint */
    pf->q[(pf->head + pf->len) % QLEN].p = (uintptr_t)p;
    pf->q[(pf->head + pf->len) % QLEN].n = n;
    pf->len++;
    pthread_cond_broadcast(&pf->cv);
  }
  pthread_mutex_unlock(&pf->mu);
}

void es_pkl_prefault_fence(es_pkl_prefault *pf) {
  if (!pf) return;
  pthread_mutex_lock(&pf->mu);
  while (pf->len || pf->busy) pthread_cond_wait(&pf->cv, &pf->mu);
  pthread_mutex_unlock(&pf->mu);
}

void es_pkl_prefault_stop(es_pkl_prefault *pf) {
  if (!pf) return;
  pthread_mutex_lock(&pf->mu);
  pf->stop = 1;
  pf->len = 0;
  pthread_cond_broadcast(&pf->cv);
  pthread_mutex_unlock(&pf->mu);
  pthread_join(pf->thread, NULL);
  pthread_cond_destroy(&pf->cv);
  pthread_mutex_destroy(&pf->mu);
  free(pf);
}
