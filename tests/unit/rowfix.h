/* rowfix.h - rows for the unit tests: one builder per domain, strings copied into the chunk. */
#ifndef ES_ROWFIX_H
#define ES_ROWFIX_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/chunk.h"

/* A copy of s in c's arena, so the row outlives the caller's buffer. */
static inline char *fx_dup(es_chunk *c, const char *s) {
  return es_arena_strndup(&c->arena, s, strlen(s));
}

/* The test ids: a valid UUID (version 7 layout) that encodes n, so rows are easy to tell apart. */
static inline void fx_id(char out[37], uint64_t n) {
  snprintf(out, 37, "0190a8c2-1111-7000-8000-%012llu", (unsigned long long)n);
}

/* Appends a recruit row read from source line `line`; v (dim floats) must live in c's arena. */
static inline es_value *fx_recruit(es_chunk *c, uint64_t line, const char *id, const char *company,
                                   int32_t years, const char *english, const char *keyword,
                                   float *v, size_t dim) {
  es_value *r = es_chunk_add_row(c, line);
  r[0].s = fx_dup(c, id);
  r[1].s = fx_dup(c, company);
  r[2].i = years;
  r[3].s = fx_dup(c, english);
  r[4].s = fx_dup(c, keyword);
  r[5].vec.n = dim;
  r[5].vec.v = v;
  return r;
}

/* Appends a candidate row; its nskills skills are copied (an empty list is a valid value). */
static inline es_value *fx_candidate(es_chunk *c, uint64_t line, const char *id,
                                     const char *position, int32_t years, const char *resume,
                                     const char *const *skills, size_t nskills, float *v,
                                     size_t dim) {
  es_value *r = es_chunk_add_row(c, line);
  size_t k;
  r[0].s = fx_dup(c, id);
  r[1].s = fx_dup(c, position);
  r[2].i = years;
  r[3].s = fx_dup(c, resume);
  r[4].list.n = nskills;
  r[4].list.items = es_arena_calloc(&c->arena, nskills ? nskills : 1, sizeof(char *));
  for (k = 0; k < nskills; k++) r[4].list.items[k] = fx_dup(c, skills[k]);
  r[5].vec.n = dim;
  r[5].vec.v = v;
  return r;
}

/* Appends a skill_embedding_dic row. */
static inline es_value *fx_skill(es_chunk *c, uint64_t line, const char *skill,
                                 const char *category, float *v, size_t dim) {
  es_value *r = es_chunk_add_row(c, line);
  r[0].s = fx_dup(c, skill);
  r[1].s = fx_dup(c, category);
  r[2].vec.n = dim;
  r[2].vec.v = v;
  return r;
}

#endif
