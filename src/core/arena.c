/* arena.c - block-chained bump allocator; big requests get a block of their own. */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (256u * 1024u)

struct es_arena_block {
  es_arena_block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
};

void es_arena_init(es_arena *a) { memset(a, 0, sizeof(*a)); }

static es_arena_block *block_new(es_arena *a, size_t size) {
  es_arena_block *b;
  if (size == ARENA_BLOCK && a->spare) {
    b = a->spare;
    a->spare = b->next;
  } else {
    if (size > SIZE_MAX - sizeof(*b)) return NULL;
    b = malloc(sizeof(*b) + size);
    if (!b) return NULL;
    b->size = size;
    a->bytes += size;
  }
  b->used = 0;
  return b;
}

void *es_arena_alloc(es_arena *a, size_t n) {
  es_arena_block *b = a->head;
  size_t off;
  if (n > SIZE_MAX - 15) return NULL;
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  if (b) {
    off = b->used;
    if (b->size - off >= n) {
      b->used = off + n;
      return b->data + off;
    }
  }
  if (n > ARENA_BLOCK / 4) {
    /* A big request goes into its own block behind the current one, so the current
       block's free space is not wasted. */
    es_arena_block *big = block_new(a, n);
    if (!big) return NULL;
    big->used = n;
    if (b) {
      big->next = b->next;
      b->next = big;
    } else {
      big->next = NULL;
      a->head = big;
    }
    return big->data;
  }
  b = block_new(a, ARENA_BLOCK);
  if (!b) return NULL;
  b->next = a->head;
  a->head = b;
  b->used = n;
  return b->data;
}

void *es_arena_calloc(es_arena *a, size_t count, size_t size) {
  void *p;
  if (size && count > SIZE_MAX / size) return NULL;
  p = es_arena_alloc(a, count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

char *es_arena_strndup(es_arena *a, const char *s, size_t n) {
  char *p;
  if (n == SIZE_MAX) return NULL;
  p = es_arena_alloc(a, n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/* Standard blocks are kept for the next chunk: a chunk loop reuses the same resident pages
   instead of having malloc hand them back and fault them in again for every 10 MB message.
   What is kept never exceeds what one chunk needed; odd-sized blocks are freed. */
void es_arena_reset(es_arena *a) {
  es_arena_block *b = a->head, *next;
  a->head = NULL;
  for (; b; b = next) {
    next = b->next;
    if (b->size == ARENA_BLOCK) {
      b->next = a->spare;
      a->spare = b;
      continue;
    }
    a->bytes -= b->size;
    free(b);
  }
}

void es_arena_free(es_arena *a) {
  es_arena_block *b, *next;
  es_arena_reset(a);
  for (b = a->spare; b; b = next) {
    next = b->next;
    free(b);
  }
  memset(a, 0, sizeof(*a));
}
