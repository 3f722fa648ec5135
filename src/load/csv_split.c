/* csv_split.c - the CSV field state machine: memchr over quoted runs, bytes over plain ones. */
#include "load/csv_split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int push(es_csv_fields *f, size_t off, size_t n, unsigned kind) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    es_csv_field *v;
    if (cap > SIZE_MAX / sizeof(*v)) return ES_ENOMEM;
    if (!(v = realloc(f->v, cap * sizeof(*v)))) return ES_ENOMEM;
    f->v = v;
    f->cap = cap;
  }
  f->v[f->n].off = off;
  f->v[f->n].n = n;
  f->v[f->n].kind = kind;
  f->n++;
  return 0;
}

static const char *plain_end(const char *p, const char *end) {
  while (p < end && *p != ',' && *p != '\n' && *p != '\r') p++;
  return p;
}

/* A quoted field starting at q (the opening quote). Returns where it ends (a separator or the
   data end), NULL when more data is needed or the quote never closes (*unterminated). */
static const char *quoted(const char *q, const char *end, int eof, unsigned *kind, size_t *n,
                          int *unterminated) {
  const char *p = q + 1, *close;
  *kind = ES_CSV_PLAIN;
  for (;;) {
    close = memchr(p, '"', (size_t)(end - p));
    if (!close) {
      *unterminated = eof;
      return NULL;
    }
    if (close + 1 == end && !eof) return NULL; /* a "" pair may straddle the read */
    if (close + 1 < end && close[1] == '"') {
      *kind = ES_CSV_DQ;
      p = close + 2;
      continue;
    }
    break;
  }
  p = close + 1;
  if (p == end || *p == ',' || *p == '\n' || *p == '\r') {
    *n = (size_t)(close - (q + 1));
    return p;
  }
  /* Text after the closing quote: Python keeps it, and any quote from here on is literal. */
  *kind = ES_CSV_MESSY;
  p = plain_end(p, end);
  *n = (size_t)(p - q);
  return p;
}

int es_csv_split(const char *buf, size_t pos, size_t len, int eof, size_t limit, es_csv_fields *f,
                 size_t *rec_end) {
  const char *p = buf + pos, *end = buf + len, *start;
  unsigned kind;
  size_t n, nf = 0;
  int unterminated = 0;
  if (f) f->n = 0;
  for (;; nf++) {
    if (nf == limit) return ES_CSV_RECORD;
    start = p;
    if (p < end && *p == '"') {
      if (!(p = quoted(start, end, eof, &kind, &n, &unterminated))) {
        if (f) f->bad = (size_t)(start - buf);
        return unterminated ? ES_CSV_UNTERMINATED : ES_CSV_MORE;
      }
      if (f && push(f, (size_t)(start - buf) + (kind == ES_CSV_MESSY ? 0 : 1), n, kind))
        return ES_ENOMEM;
    } else {
      p = plain_end(p, end);
      if (f && push(f, (size_t)(start - buf), (size_t)(p - start), ES_CSV_PLAIN)) return ES_ENOMEM;
    }
    if (p == end) {
      if (!eof) return ES_CSV_MORE;
      *rec_end = len;
      return ES_CSV_RECORD;
    }
    if (*p == ',') {
      p++;
      continue;
    }
    if (*p == '\r') {
      if (p + 1 == end && !eof) return ES_CSV_MORE;
      if (p + 1 < end && p[1] == '\n') p++;
    }
    *rec_end = (size_t)(p + 1 - buf);
    return ES_CSV_RECORD;
  }
}

int es_csv_cut(const char *buf, size_t start, size_t from, size_t len, int eof, size_t *end) {
  size_t pos = start, rec_end = len;
  for (;;) {
    int rc = es_csv_split(buf, pos, len, eof, (size_t)-1, NULL, &rec_end);
    if (rc == ES_CSV_MORE) {
      *end = pos; /* the record starting there is not complete yet */
      return 0;
    }
    if (rc < 0) return rc;
    pos = rc == ES_CSV_UNTERMINATED ? len : rec_end; /* an open quote: the parser reports it */
    if (pos >= from || (eof && pos == len)) {
      *end = pos;
      return 1;
    }
  }
}

size_t es_csv_decode(const char *s, size_t n, unsigned kind, char *dst) {
  const char *p = s, *end = s + n;
  char *d = dst;
  int inq = 1;
  if (kind == ES_CSV_PLAIN) {
    memcpy(dst, s, n);
    return n;
  }
  if (kind == ES_CSV_MESSY) p++; /* the opening quote */
  while (p < end) {
    if (inq && *p == '"') {
      if (p + 1 < end && p[1] == '"') {
        *d++ = '"';
        p += 2;
      } else {
        inq = 0; /* the closing quote; the rest is literal */
        p++;
      }
      continue;
    }
    *d++ = *p++;
  }
  return (size_t)(d - dst);
}

void es_csv_fields_free(es_csv_fields *f) {
  free(f->v);
  f->v = NULL;
  f->n = f->cap = 0;
}
