/* json.h - a small strict JSON scanner for the loaders: JSONL records and JSON cells in CSV. */
#ifndef ES_JSON_H
#define ES_JSON_H

#include <stddef.h>

#include "core/arena.h"

/* Reads [p, end). On failure a function returns ES_EINVAL (or ES_ENOMEM) and leaves err_at
   pointing at the offending byte and why saying what was expected there. */
typedef struct es_json {
  const char *p, *end;
  const char *err_at;
  const char *why; /* static text */
} es_json;

/* Scratch arrays reused from row to row, so the hot path allocates nothing in steady state. */
typedef struct es_fvec {
  float *v;
  size_t n, cap;
} es_fvec;

typedef struct es_pvec {
  char **v;
  size_t n, cap;
} es_pvec;

static inline void es_json_init(es_json *j, const char *s, size_t n) {
  j->p = s;
  j->end = s + n;
  j->err_at = s;
  j->why = NULL;
}

int es_json_fail(es_json *j, const char *at, const char *why);

static inline void es_json_ws(es_json *j) {
  const char *p = j->p, *end = j->end;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  j->p = p;
}

/* Whether only whitespace is left. */
int es_json_at_end(es_json *j);

/* A string at j->p: its raw body (between the quotes) and whether it has escapes. Checks
   escapes and refuses raw control characters, as Python's json.loads does. */
int es_json_string_raw(es_json *j, const char **raw, size_t *n, int *escaped);
/* Decodes a raw body checked by es_json_string_raw into dst (room for n + 1 bytes), with
   \uXXXX surrogate pairs joined into UTF-8. Refuses lone surrogates and \u0000, which a C
   string cannot carry. Sets *outn, NUL-terminates. */
int es_json_unescape(es_json *j, const char *raw, size_t n, char *dst, size_t *outn);
/* A string, decoded into the arena and checked to be UTF-8. */
int es_json_string(es_json *j, es_arena *a, char **out);

/* A number as Python's json.loads reads it, NaN, Infinity and -Infinity included. flags gets
   ES_NUM_INTEGRAL for integer syntax. */
int es_json_number(es_json *j, double *out, unsigned *flags);
/* An array of numbers, each narrowed to float32 exactly as protobuf does in Python, appended
   to out (which the caller empties). */
int es_json_floats(es_json *j, es_fvec *out);
/* An array of strings decoded into the arena; the pointer array is built in tmp, then copied
   into the arena as *items (NULL when empty). */
int es_json_strings(es_json *j, es_arena *a, es_pvec *tmp, char ***items, size_t *n);
/* Whether the next value is the literal null (consumed if so). */
int es_json_null(es_json *j);
/* Skips any value, nesting at most 64 deep. */
int es_json_skip(es_json *j);

void es_fvec_free(es_fvec *v);
void es_pvec_free(es_pvec *v);

#endif
