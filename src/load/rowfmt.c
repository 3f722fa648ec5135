/* rowfmt.c - CSV and JSON text for rows, byte-compatible with Python's csv and json modules. */
#include "load/rowfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "load/numfmt.h"

static int status(const es_buf *b) { return b->oom ? ES_ENOMEM : 0; }

/* Code point of the UTF-8 sequence at s (valid by contract); *len gets its length. */
static unsigned long utf8_decode(const unsigned char *s, size_t avail, size_t *len) {
  if (s[0] < 0xe0 && avail >= 2) return *len = 2, ((s[0] & 0x1fUL) << 6) | (s[1] & 0x3f);
  if (s[0] < 0xf0 && avail >= 3)
    return *len = 3, ((s[0] & 0x0fUL) << 12) | ((s[1] & 0x3fUL) << 6) | (s[2] & 0x3f);
  if (avail >= 4)
    return *len = 4, ((s[0] & 0x07UL) << 18) | ((s[1] & 0x3fUL) << 12) | ((s[2] & 0x3fUL) << 6) |
                         (s[3] & 0x3f);
  return *len = 1, 0xfffd;
}

static void put_u(es_buf *b, unsigned long cp) {
  char e[24]; /* "\\uXXXX": cp is at most 0xffff here, but snprintf is told nothing of that */
  snprintf(e, sizeof(e), "\\u%04lx", cp & 0xffff);
  es_buf_put(b, e, 6);
}

int es_rowfmt_json_str(es_buf *b, const char *str, size_t n, int ascii) {
  const unsigned char *s = (const unsigned char *)str, *end = s + n;
  es_buf_put(b, "\"", 1);
  while (s < end) {
    const unsigned char *run = s;
    size_t len;
    unsigned long cp;
    while (s < end && *s >= 0x20 && *s != '"' && *s != '\\' && (!ascii || *s < 0x7f)) s++;
    es_buf_put(b, run, (size_t)(s - run));
    if (s == end) break;
    switch (*s) {
    case '"': es_buf_put(b, "\\\"", 2); break;
    case '\\': es_buf_put(b, "\\\\", 2); break;
    case '\n': es_buf_put(b, "\\n", 2); break;
    case '\r': es_buf_put(b, "\\r", 2); break;
    case '\t': es_buf_put(b, "\\t", 2); break;
    case '\b': es_buf_put(b, "\\b", 2); break;
    case '\f': es_buf_put(b, "\\f", 2); break;
    default:
      if (*s < 0x80) {
        put_u(b, *s);
        break;
      }
      cp = utf8_decode(s, (size_t)(end - s), &len);
      if (cp >= 0x10000) {
        put_u(b, 0xd800 + ((cp - 0x10000) >> 10));
        put_u(b, 0xdc00 + ((cp - 0x10000) & 0x3ff));
      } else {
        put_u(b, cp);
      }
      s += len;
      continue;
    }
    s++;
  }
  es_buf_put(b, "\"", 1);
  return status(b);
}

static void put_float(es_buf *b, float f, unsigned flags) {
  char t[ES_NUMFMT_MAX];
  size_t n;
  /* Zero takes the other branch so -0.0 keeps its sign ("%.9g" gives "-0", an int to JSON). */
  if ((flags & ES_ROWFMT_G9) && isfinite(f) && f != 0)
    n = (size_t)snprintf(t, sizeof(t), "%.9g", (double)f);
  else
    n = es_num_format_f32(f, t);
  es_buf_put(b, t, n);
}

static int json_vector(es_buf *b, const float *v, size_t n, unsigned flags) {
  size_t i;
  /* The common case reserves once: a value never needs more than ES_NUMFMT_MAX + 2 bytes. */
  if (n < ((size_t)-1 - 2) / (ES_NUMFMT_MAX + 2) && es_buf_grow(b, n * (ES_NUMFMT_MAX + 2) + 2))
    return ES_ENOMEM;
  es_buf_put(b, "[", 1);
  for (i = 0; i < n; i++) {
    if (i) es_buf_put(b, ", ", 2);
    put_float(b, v[i], flags);
  }
  es_buf_put(b, "]", 1);
  return status(b);
}

static int json_list(es_buf *b, char **items, size_t n, int ascii) {
  size_t i;
  es_buf_put(b, "[", 1);
  for (i = 0; i < n; i++) {
    if (i) es_buf_put(b, ", ", 2);
    es_rowfmt_json_str(b, items[i], strlen(items[i]), ascii);
  }
  es_buf_put(b, "]", 1);
  return status(b);
}

/* A CSV cell: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
static void csv_cell(es_buf *b, const char *s, size_t n) {
  const char *p, *end = s + n;
  if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
    es_buf_put(b, s, n);
    return;
  }
  es_buf_put(b, "\"", 1);
  for (p = s; p < end;) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    size_t run = q ? (size_t)(q - p) + 1 : (size_t)(end - p);
    es_buf_put(b, p, run);
    if (q) es_buf_put(b, "\"", 1);
    p += run;
  }
  es_buf_put(b, "\"", 1);
}

int es_rowfmt_csv_header(es_buf *b, const es_domain *d) {
  size_t i;
  for (i = 0; i < d->nfields; i++) {
    if (i) es_buf_put(b, ",", 1);
    csv_cell(b, d->fields[i].name, strlen(d->fields[i].name));
  }
  es_buf_put(b, "\n", 1);
  return status(b);
}

int es_rowfmt_csv(es_buf *b, const es_domain *d, const es_value *row, es_buf *tmp) {
  size_t i;
  char num[16];
  for (i = 0; i < d->nfields; i++) {
    const es_value *v = &row[i];
    if (i) es_buf_put(b, ",", 1);
    switch (d->fields[i].type) {
    case ES_T_TEXT: csv_cell(b, v->s, strlen(v->s)); break;
    case ES_T_INT: es_buf_put(b, num, (size_t)snprintf(num, sizeof(num), "%d", (int)v->i)); break;
    case ES_T_STRLIST:
      es_buf_clear(tmp);
      if (json_list(tmp, v->list.items, v->list.n, 1)) return ES_ENOMEM;
      csv_cell(b, tmp->ptr, tmp->len);
      break;
    case ES_T_VECTOR:
      /* Vector text has commas but never quotes: quote it without a scan. */
      es_buf_put(b, "\"", 1);
      if (json_vector(b, v->vec.v, v->vec.n, 0)) return ES_ENOMEM;
      es_buf_put(b, "\"", 1);
      break;
    }
  }
  es_buf_put(b, "\n", 1);
  return status(b);
}

int es_rowfmt_jsonl(es_buf *b, const es_domain *d, const es_value *row, unsigned flags) {
  size_t i;
  char num[16];
  int ascii = (flags & ES_ROWFMT_ASCII) != 0;
  es_buf_put(b, "{", 1);
  for (i = 0; i < d->nfields; i++) {
    const es_value *v = &row[i];
    if (i) es_buf_put(b, ", ", 2);
    es_rowfmt_json_str(b, d->fields[i].name, strlen(d->fields[i].name), 0);
    es_buf_put(b, ": ", 2);
    switch (d->fields[i].type) {
    case ES_T_TEXT: es_rowfmt_json_str(b, v->s, strlen(v->s), ascii); break;
    case ES_T_INT: es_buf_put(b, num, (size_t)snprintf(num, sizeof(num), "%d", (int)v->i)); break;
    case ES_T_STRLIST: json_list(b, v->list.items, v->list.n, ascii); break;
    case ES_T_VECTOR: json_vector(b, v->vec.v, v->vec.n, flags); break;
    }
  }
  es_buf_put(b, "}\n", 2);
  return status(b);
}
