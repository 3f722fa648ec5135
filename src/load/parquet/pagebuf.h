/* pagebuf.h - buffers for decompressed pages: anonymous memory in huge pages (a 100 MiB page
   faults in 50 times, not 25,000), whose values already read are handed back to the kernel as
   the reader moves through them, so a page's memory shrinks while it is read. */
#ifndef ES_PQ_PAGEBUF_H
#define ES_PQ_PAGEBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct es_pq_pagebuf {
  uint8_t *p;
  size_t cap;
  int mapped;          /* p is our own mapping (not malloc's: under ASan, which guards its end) */
  const uint8_t *gone; /* bytes in [start of the values, gone) were handed back */
} es_pq_pagebuf;

/* Makes room for a page of need bytes (the contents are not kept). 0 or ES_ENOMEM. */
int es_pq_pagebuf_reserve(es_pq_pagebuf *b, size_t need);
/* The page's values from..to have been read: the whole huge pages among them go back. */
void es_pq_pagebuf_release(es_pq_pagebuf *b, const uint8_t *from, const uint8_t *to);
void es_pq_pagebuf_free(es_pq_pagebuf *b);

#endif
