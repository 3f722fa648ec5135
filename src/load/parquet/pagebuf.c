/* pagebuf.c - page buffers: big ones as huge-page anonymous mappings, small ones malloc'd. Under
   AddressSanitizer all are malloc'd to the byte, so that a read past a page's end is caught. */
#include "load/parquet/pagebuf.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "core/error.h"

#define HUGE ((size_t)2 << 20)

#if defined(__SANITIZE_ADDRESS__)
#define ES_PQ_PLAIN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ES_PQ_PLAIN_MALLOC 1
#endif
#endif

#ifndef ES_PQ_PLAIN_MALLOC
/* A big page: whole huge pages of anonymous memory (a 100 MiB page faults in 50 times, not
   25,000). */
static int map(es_pq_pagebuf *b, size_t need) {
  size_t size;
  void *m;
  if (need > SIZE_MAX - HUGE) return ES_ENOMEM;
  size = (need + HUGE - 1) / HUGE * HUGE;
  m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return ES_ENOMEM;
  madvise(m, size, MADV_HUGEPAGE); /* advice only: without THP it is 4 KiB pages as usual */
  b->p = m;
  b->cap = size;
  b->mapped = 1;
  b->fresh += size;
  return 0;
}
#endif

static int grow(es_pq_pagebuf *b, size_t cap) {
  es_pq_pagebuf_free(b); /* keeps the count of fresh bytes */
#ifndef ES_PQ_PLAIN_MALLOC
  if (cap >= HUGE) return map(b, cap);
#endif
  /* A small page is malloc'd: a huge page would zero 2 MiB for a few KiB (every page of a
     small file, every run of the fuzzer). */
  if (!(b->p = malloc(cap ? cap : 1))) return ES_ENOMEM;
  b->cap = cap;
  b->fresh += cap;
  return 0;
}

int es_pq_pagebuf_reserve(es_pq_pagebuf *b, size_t need, size_t cap) {
  int rc;
  if (cap < need) cap = need;
  if ((!b->p || need > b->cap) && (rc = grow(b, cap))) return rc;
  if (need > b->touched) b->touched = need;
  return 0;
}

void es_pq_pagebuf_drop(es_pq_pagebuf *b) {
  if (!b->mapped || !b->touched) return;
  madvise(b->p, b->cap, MADV_DONTNEED); /* zero-filled again on the next use */
  b->fresh += b->touched;
  b->touched = 0;
}

void es_pq_pagebuf_free(es_pq_pagebuf *b) {
  if (b->mapped)
    munmap(b->p, b->cap);
  else
    free(b->p);
  b->p = NULL;
  b->cap = 0;
  b->mapped = 0;
  b->touched = 0;
}
