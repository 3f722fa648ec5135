/* pagebuf.c - page buffers as huge-page anonymous mappings. Under AddressSanitizer they are
   malloc'd to the byte instead, so that a read past a page's end is still caught. */
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

int es_pq_pagebuf_reserve(es_pq_pagebuf *b, size_t need) {
  b->gone = NULL;
  if (b->p && need <= b->cap) return 0;
  es_pq_pagebuf_free(b);
#ifdef ES_PQ_PLAIN_MALLOC
  if (!(b->p = malloc(need ? need : 1))) return ES_ENOMEM;
  b->cap = need;
  return 0;
#else
  size_t size;
  void *m;
  if (need > SIZE_MAX - HUGE) return ES_ENOMEM;
  size = (need + HUGE - 1) / HUGE * HUGE;
  if (!size) size = HUGE;
  m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return ES_ENOMEM;
  madvise(m, size, MADV_HUGEPAGE); /* advice only: without THP it is 4 KiB pages as usual */
  b->p = m;
  b->cap = size;
  b->mapped = 1;
  return 0;
#endif
}

void es_pq_pagebuf_release(es_pq_pagebuf *b, const uint8_t *from, const uint8_t *to) {
  uintptr_t base = (uintptr_t)b->p, lo, hi;
  if (!b->mapped || (uintptr_t)from < base || (uintptr_t)to > base + b->cap || to <= from) return;
  if (!b->gone || (uintptr_t)b->gone < (uintptr_t)from) b->gone = from;
  lo = ((uintptr_t)b->gone + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
  hi = (uintptr_t)to & ~(uintptr_t)(HUGE - 1);
  if (hi <= lo) return;
  madvise((void *)lo, hi - lo, MADV_DONTNEED); /* zero-fill on the next use: the next page */
  b->gone = (const uint8_t *)hi;
}

void es_pq_pagebuf_free(es_pq_pagebuf *b) {
  if (b->mapped) munmap(b->p, b->cap);
  else free(b->p);
  b->p = NULL;
  b->cap = 0;
  b->mapped = 0;
  b->gone = NULL;
}
