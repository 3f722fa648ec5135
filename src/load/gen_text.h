/* gen_text.h - the generator's text values and its PRNG (internal to src/load). */
#ifndef ES_GEN_TEXT_H
#define ES_GEN_TEXT_H

#include <stdint.h>

#include "core/buf.h"

/* splitmix64: tiny, fast, and the same on every platform (never rand()). */
static inline uint64_t es_gen_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint32_t es_gen_below(uint64_t *s, uint32_t n) {
  return (uint32_t)(((es_gen_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* Each writes one value into b (cleared first). */
void es_gen_uuid7(es_buf *b, uint64_t *s, uint64_t seed, uint64_t row);
void es_gen_skill_name(es_buf *b, uint64_t row); /* unique per row */
void es_gen_text_field(es_buf *b, uint64_t *s, const char *field);
const char *es_gen_skill(uint64_t *s); /* a skill from the list */

#endif
