/* chunk.h - a batch of rows of one domain: the one representation shared by loaders, codec
   and stores, so a row's bytes are written once and only pointed at afterwards. */
#ifndef ES_CHUNK_H
#define ES_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/domain.h"

/* One field value. The layouts match protobuf-c's generated structs (char *, int32_t,
   n + char **, n + float *), so the codec wires pointers instead of copying data. */
typedef union es_value {
  char *s; /* NUL-terminated UTF-8; never NULL ("" when empty) */
  int32_t i;
  struct {
    char **items;
    size_t n;
  } list;
  struct {
    float *v;
    size_t n;
  } vec;
} es_value;

typedef struct es_chunk {
  const es_domain *domain; /* may be NULL until the server has seen metadata */
  size_t nrows, cap;
  es_value *vals;  /* nrows x domain->nfields, row-major */
  uint64_t *lines; /* source line of each row (loaders); 0 when unknown */
  es_arena arena;  /* owns every string, list and vector the values point to */
} es_chunk;

int es_chunk_init(es_chunk *c, const es_domain *d);
int es_chunk_set_domain(es_chunk *c, const es_domain *d); /* only while empty */
/* Appends a row with every field empty ("" / 0 / no items); NULL when out of memory. */
es_value *es_chunk_add_row(es_chunk *c, uint64_t line);
/* Appends a deep copy of row i of src (of the same domain): its strings, lists and vector go
   into c's arena. NULL when out of memory. */
es_value *es_chunk_copy_row(es_chunk *c, const es_chunk *src, size_t i);
/* Drops the rows and the arena's contents; keeps allocations for the next chunk. */
void es_chunk_reset(es_chunk *c);
void es_chunk_free(es_chunk *c);

static inline es_value *es_chunk_row(const es_chunk *c, size_t i) {
  return c->vals + i * c->domain->nfields;
}

#endif
