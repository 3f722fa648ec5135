/* pagebuf.h - buffers for decompressed pages: anonymous memory in huge pages (a 100 MiB page
   faults in 50 times, not 25,000), kept and reused page after page: memory handed back to the
   kernel comes back zero-filled, which for DuckDB's 100 MiB vector pages cost more CPU than
   decompressing them. */
#ifndef ES_PQ_PAGEBUF_H
#define ES_PQ_PAGEBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct es_pq_pagebuf {
  uint8_t *p;
  size_t cap;
  int mapped;     /* p is our own mapping (not malloc's: under ASan, which guards its end) */
  size_t touched; /* the most bytes written since p was allocated or dropped: what is resident */
  uint64_t fresh; /* bytes allocated or dropped over the buffer's life: each comes back from the
                     kernel zero-filled when written (the tests count them) */
} es_pq_pagebuf;

/* Makes room for cap bytes (at least need; the contents are not kept), of which the next page
   writes need. 0 or ES_ENOMEM. */
int es_pq_pagebuf_reserve(es_pq_pagebuf *b, size_t need, size_t cap);
/* Hands the buffer's memory back to the kernel, keeping the buffer (malloc'd: nothing). */
void es_pq_pagebuf_drop(es_pq_pagebuf *b);
void es_pq_pagebuf_free(es_pq_pagebuf *b);

#endif
