/* memory.h - the server hands memory back to the system once streams are done with it. */
#ifndef ES_SERVER_MEMORY_H
#define ES_SERVER_MEMORY_H

/* Sets the allocator up for a server (before any thread starts). */
void es_memory_setup(void);
/* Returns the free memory of the heap to the system; called after streams ended. */
void es_memory_release(void);

#endif
