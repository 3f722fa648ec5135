/* arena.h - bump allocator that owns a chunk's strings and vectors, freed all at once. */
#ifndef ES_ARENA_H
#define ES_ARENA_H

#include <stddef.h>

typedef struct es_arena_block es_arena_block;

typedef struct es_arena {
  es_arena_block *head;  /* block being filled; older blocks follow */
  es_arena_block *spare; /* standard blocks kept across resets */
  size_t bytes;          /* bytes held in blocks, for memory accounting */
} es_arena;

void es_arena_init(es_arena *a);
/* 16-byte aligned; NULL on overflow or out of memory. */
void *es_arena_alloc(es_arena *a, size_t n);
void *es_arena_calloc(es_arena *a, size_t count, size_t size);
/* Copies n bytes and adds a NUL. */
char *es_arena_strndup(es_arena *a, const char *s, size_t n);
/* Drops everything; keeps the standard blocks so steady-state chunk loops do not hit malloc. */
void es_arena_reset(es_arena *a);
void es_arena_free(es_arena *a);

#endif
