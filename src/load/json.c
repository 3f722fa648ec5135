/* json.c - strict JSON scanning as Python's json.loads accepts it (plus its NaN/Infinity). */
#include "load/json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hex.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "load/numparse.h"
#include "load/numparse_fast.h"

#define MAX_DEPTH 64

int es_json_fail(es_json *j, const char *at, const char *why) {
  j->err_at = at;
  j->why = why;
  return ES_EINVAL;
}

int es_json_at_end(es_json *j) {
  es_json_ws(j);
  return j->p == j->end;
}

/* Four hex digits at p (bounds checked by the caller); -1 if not hex. */
static long hex4(const char *p) {
  long v = 0;
  int i, h;
  for (i = 0; i < 4; i++) {
    if ((h = es_hex_digit(p[i])) < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

int es_json_string_raw(es_json *j, const char **raw, size_t *n, int *escaped) {
  const char *p = j->p, *end = j->end, *start;
  int esc = 0;
  if (p >= end || *p != '"') return es_json_fail(j, p, "expected a string");
  start = ++p;
  for (;;) {
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
    if (p >= end) return es_json_fail(j, start - 1, "unterminated string");
    if (*p == '"') break;
    if (*p != '\\') return es_json_fail(j, p, "control character in a string (must be escaped)");
    esc = 1;
    if (p + 1 >= end) return es_json_fail(j, start - 1, "unterminated string");
    if (p[1] == 'u') {
      if (end - p < 6 || hex4(p + 2) < 0) return es_json_fail(j, p, "invalid \\u escape");
      p += 6;
    } else if (p[1] && strchr("\"\\/bfnrt", p[1])) {
      p += 2;
    } else {
      return es_json_fail(j, p, "invalid escape");
    }
  }
  *raw = start;
  *n = (size_t)(p - start);
  *escaped = esc;
  j->p = p + 1;
  return 0;
}

/* One \uXXXX (or surrogate pair) at p; the escapes' syntax was checked by string_raw. */
static int unescape_u(es_json *j, const char **pp, const char *end, unsigned long *cp) {
  const char *p = *pp;
  unsigned long hi = (unsigned long)hex4(p + 2), lo;
  if (hi == 0) return es_json_fail(j, p, "\\u0000 (NUL) cannot be stored in a text field");
  if (hi >= 0xdc00 && hi <= 0xdfff) return es_json_fail(j, p, "lone low surrogate in \\u escape");
  if (hi >= 0xd800 && hi <= 0xdbff) {
    if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
      return es_json_fail(j, p, "lone high surrogate in \\u escape");
    lo = (unsigned long)hex4(p + 8);
    if (lo < 0xdc00 || lo > 0xdfff) return es_json_fail(j, p, "lone high surrogate in \\u escape");
    *cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    *pp = p + 12;
    return 0;
  }
  *cp = hi;
  *pp = p + 6;
  return 0;
}

int es_json_unescape(es_json *j, const char *raw, size_t n, char *dst, size_t *outn) {
  const char *p = raw, *end = raw + n;
  char *d = dst;
  unsigned long cp;
  while (p < end) {
    const char *bs = memchr(p, '\\', (size_t)(end - p));
    size_t run = bs ? (size_t)(bs - p) : (size_t)(end - p);
    memcpy(d, p, run);
    d += run;
    p += run;
    if (!bs) break;
    switch (p[1]) {
    case 'b': *d++ = '\b'; break;
    case 'f': *d++ = '\f'; break;
    case 'n': *d++ = '\n'; break;
    case 'r': *d++ = '\r'; break;
    case 't': *d++ = '\t'; break;
    case 'u':
      if (unescape_u(j, &p, end, &cp)) return ES_EINVAL;
      d += es_utf8_put(d, (uint32_t)cp); /* unescape_u gave a scalar value */
      continue;
    default: *d++ = p[1]; break; /* " \ / */
    }
    p += 2;
  }
  *d = '\0';
  *outn = (size_t)(d - dst);
  return 0;
}

int es_json_string(es_json *j, es_arena *a, char **out) {
  const char *start = j->p, *raw;
  size_t n, len;
  int esc;
  char *s;
  if (es_json_string_raw(j, &raw, &n, &esc)) return ES_EINVAL;
  if (!(s = es_arena_alloc(a, n + 1))) return ES_ENOMEM;
  if (esc) {
    if (es_json_unescape(j, raw, n, s, &len)) return ES_EINVAL;
  } else {
    memcpy(s, raw, n);
    s[n] = '\0';
    len = n;
  }
  if (!es_utf8_valid(s, len)) return es_json_fail(j, start, "string is not valid UTF-8");
  *out = s;
  return 0;
}

static int literal(es_json *j, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n)) return 0;
  j->p += n;
  return 1;
}

/* Python's json.loads extension: NaN, Infinity, -Infinity. */
static int special_number(es_json *j, double *out) {
  if (literal(j, "NaN")) return *out = NAN, 1;
  if (literal(j, "Infinity")) return *out = INFINITY, 1;
  if (literal(j, "-Infinity")) return *out = -INFINITY, 1;
  return 0;
}

int es_json_number(es_json *j, double *out, unsigned *flags) {
  const char *q, *p = j->p;
  int rc;
  *flags = 0;
  if (p < j->end && (*p == 'N' || *p == 'I' || (*p == '-' && p + 1 < j->end && p[1] == 'I')) &&
      special_number(j, out))
    return 0;
  rc = es_num_parse(p, j->end, out, flags, &q);
  if (rc == -2) return es_json_fail(j, p, "out of memory"), ES_ENOMEM;
  if (rc) return es_json_fail(j, q, "expected a number");
  j->p = q;
  return 0;
}

static int fvec_grow(es_fvec *v) {
  size_t cap = v->cap ? v->cap * 2 : 1024;
  float *nv;
  if (cap > SIZE_MAX / sizeof(float)) return ES_ENOMEM;
  if (!(nv = realloc(v->v, cap * sizeof(float)))) return ES_ENOMEM;
  v->v = nv;
  v->cap = cap;
  return 0;
}

/* After an element: ',' (more follow) returns 1, ']' returns 0. */
static int next_elem(es_json *j, int *more) {
  es_json_ws(j);
  if (j->p < j->end && *j->p == ',') {
    j->p++;
    *more = 1;
    return 0;
  }
  if (j->p < j->end && *j->p == ']') {
    j->p++;
    *more = 0;
    return 0;
  }
  return es_json_fail(j, j->p, "expected ',' or ']'");
}

/* '[' then whitespace; *empty when ']' follows at once. */
static int open_array(es_json *j, int *empty) {
  es_json_ws(j);
  if (j->p >= j->end || *j->p != '[') return es_json_fail(j, j->p, "expected '['");
  j->p++;
  es_json_ws(j);
  *empty = j->p < j->end && *j->p == ']';
  if (*empty) j->p++;
  return 0;
}

/* JSON whitespace; the first test sends digits, signs and separators straight out. */
static inline const char *skip_ws(const char *p, const char *end) {
  while (p < end && (unsigned char)*p <= ' ' &&
         (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

/* One element the general way: any decimal, NaN and Infinity, or the error. */
static int float_general(es_json *j, const char *p, float *f, const char **q) {
  unsigned flags;
  double d;
  if (!es_num_parse_f32(p, j->end, f, &flags, q)) {
    if (!(flags & ES_NUM_INTEGRAL)) return 0;
    /* Python reads "-0" as the int 0, and an integer too big for a float64 is an error (one
       that fits a float64 but not a float32 just narrows to inf). */
    if (*f == 0) *f = 0.0f;
    if (isinf(*f) && !es_num_parse(p, j->end, &d, &flags, q) && isinf(d))
      return es_json_fail(j, p, "integer too large to convert to float");
    return 0;
  }
  j->p = p;
  if (es_json_number(j, &d, &flags)) return ES_EINVAL; /* es_json_number named the problem */
  *f = (float)d;
  *q = j->p;
  return 0;
}

/* The hot loop of both loaders (a 384-d row is 384 trips): an inlined fast path takes the usual
   "-0.012061166", anything else goes through float_general. sse selects the SSE4.1 fast path;
   it is a constant in each caller below, so each gets its own loop. */
static inline __attribute__((always_inline)) int floats_body(es_json *j, es_fvec *out, int sse) {
  const char *p, *q, *end = j->end;
  int rc;
  float f;
  for (p = j->p;;) {
    p = skip_ws(p, end);
#ifdef ES_NUM_HAVE_SSE41
    q = sse ? es_num_f32_fast_sse41(p, end, &f) : es_num_f32_fast(p, end, &f);
#else
    q = es_num_f32_fast(p, end, &f);
#endif
    if (!q && (rc = float_general(j, p, &f, &q))) return rc;
    if (out->n == out->cap && fvec_grow(out)) return ES_ENOMEM;
    out->v[out->n++] = f;
    p = skip_ws(q, end);
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == ']') {
      j->p = p + 1;
      return 0;
    }
    return es_json_fail(j, p, "expected ',' or ']'");
  }
}

static int floats_generic(es_json *j, es_fvec *out) { return floats_body(j, out, 0); }

#ifdef ES_NUM_HAVE_SSE41
__attribute__((target("sse4.1"))) static int floats_sse41(es_json *j, es_fvec *out) {
  return floats_body(j, out, 1);
}
#endif

int es_json_floats(es_json *j, es_fvec *out) {
  int empty, rc;
  if ((rc = open_array(j, &empty)) || empty) return rc;
#ifdef ES_NUM_HAVE_SSE41
  if (__builtin_cpu_supports("sse4.1")) return floats_sse41(j, out);
#endif
  return floats_generic(j, out);
}

static int pvec_push(es_pvec *v, char *s) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    char **nv;
    if (cap > SIZE_MAX / sizeof(char *)) return ES_ENOMEM;
    if (!(nv = realloc(v->v, cap * sizeof(char *)))) return ES_ENOMEM;
    v->v = nv;
    v->cap = cap;
  }
  v->v[v->n++] = s;
  return 0;
}

int es_json_strings(es_json *j, es_arena *a, es_pvec *tmp, char ***items, size_t *n) {
  int empty, more = 1, rc;
  char *s;
  tmp->n = 0;
  *items = NULL;
  *n = 0;
  if ((rc = open_array(j, &empty)) || empty) return rc;
  while (more) {
    es_json_ws(j);
    if ((rc = es_json_string(j, a, &s))) return rc;
    if (pvec_push(tmp, s)) return ES_ENOMEM;
    if ((rc = next_elem(j, &more))) return rc;
  }
  if (!(*items = es_arena_alloc(a, tmp->n * sizeof(char *)))) return ES_ENOMEM;
  memcpy(*items, tmp->v, tmp->n * sizeof(char *));
  *n = tmp->n;
  return 0;
}

int es_json_null(es_json *j) {
  es_json_ws(j);
  return literal(j, "null");
}

static int skip_value(es_json *j, int depth);

static int skip_container(es_json *j, int depth, char close) {
  int rc;
  j->p++;
  es_json_ws(j);
  if (j->p < j->end && *j->p == close) return j->p++, 0;
  for (;;) {
    es_json_ws(j);
    if (close == '}') {
      const char *raw;
      size_t n;
      int esc;
      if ((rc = es_json_string_raw(j, &raw, &n, &esc))) return rc;
      es_json_ws(j);
      if (j->p >= j->end || *j->p != ':') return es_json_fail(j, j->p, "expected ':'");
      j->p++;
    }
    if ((rc = skip_value(j, depth + 1))) return rc;
    es_json_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == close) return j->p++, 0;
    return es_json_fail(j, j->p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int skip_value(es_json *j, int depth) {
  const char *raw;
  size_t n;
  int esc;
  double d;
  unsigned flags;
  es_json_ws(j);
  if (depth > MAX_DEPTH) return es_json_fail(j, j->p, "nested too deeply");
  if (j->p >= j->end) return es_json_fail(j, j->p, "expected a value");
  switch (*j->p) {
  case '"': return es_json_string_raw(j, &raw, &n, &esc);
  case '{': return skip_container(j, depth, '}');
  case '[': return skip_container(j, depth, ']');
  case 't': return literal(j, "true") ? 0 : es_json_fail(j, j->p, "expected a value");
  case 'f': return literal(j, "false") ? 0 : es_json_fail(j, j->p, "expected a value");
  case 'n': return literal(j, "null") ? 0 : es_json_fail(j, j->p, "expected a value");
  default:
    if (es_json_number(j, &d, &flags)) return es_json_fail(j, j->err_at, "expected a value");
    return 0;
  }
}

int es_json_skip(es_json *j) { return skip_value(j, 0); }

void es_fvec_free(es_fvec *v) {
  free(v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}

void es_pvec_free(es_pvec *v) {
  free(v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}
