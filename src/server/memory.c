/* memory.c - a burst of streams must not leave the server holding its peak for good. glibc's
   malloc raises its mmap threshold dynamically as big blocks are freed, so after a burst even a
   stream's 16 MB message buffers come from the heap, and freed heap memory in the middle of the
   arena stays resident. A fixed threshold keeps big buffers mmapped (unmapped when freed), and a
   trim after each stream gives back the free pages between the blocks still in use. */
#include "server/memory.h"

#include <stdlib.h> /* defines __GLIBC__ on glibc */

#if defined(__GLIBC__)
#include <malloc.h>

/* Blocks from this size on get their own mapping: message buffers, inflated messages, row
   batches, SQLite's bulk page allocations; not rows' strings or gRPC's small slices. */
#define MMAP_THRESHOLD (256 * 1024)

void es_memory_setup(void) {
  mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD); /* also stops the dynamic adjustment */
  mallopt(M_TRIM_THRESHOLD, 4 * MMAP_THRESHOLD);
}

void es_memory_release(void) { malloc_trim(0); }
#else
void es_memory_setup(void) {}
void es_memory_release(void) {}
#endif
