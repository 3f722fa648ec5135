/* prefault.h - fresh memory faulted in on a second thread, ahead of its writer (see prefault.c). */
#ifndef ES_PKL_PREFAULT_H
#define ES_PKL_PREFAULT_H

#include <stddef.h>

typedef struct es_pkl_prefault es_pkl_prefault;

/* Starts the worker thread; NULL when it cannot (every call below accepts NULL and does nothing).
 */
es_pkl_prefault *es_pkl_prefault_start(void);
/* Queues [p, p + n) to be made present. The range must stay mapped until a fence or stop. */
void es_pkl_prefault_add(es_pkl_prefault *pf, void *p, size_t n);
/* Waits until every queued range is done: call it before unmapping or moving one. */
void es_pkl_prefault_fence(es_pkl_prefault *pf);
/* Drops what is still queued, waits for the range in progress, ends the thread. */
void es_pkl_prefault_stop(es_pkl_prefault *pf);

#endif
