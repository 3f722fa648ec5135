/* buf.h - a growable byte buffer, mostly for building JSON and SQL text. */
#ifndef ES_BUF_H
#define ES_BUF_H

#include <stddef.h>

typedef struct es_buf {
  char *ptr; /* always NUL-terminated when non-NULL */
  size_t len;
  size_t cap;
  int oom; /* set once an allocation failed; later appends are no-ops */
} es_buf;

#define ES_BUF_INIT \
  { NULL, 0, 0, 0 }

int es_buf_grow(es_buf *b, size_t extra);
int es_buf_put(es_buf *b, const void *data, size_t n);
int es_buf_puts(es_buf *b, const char *s);
int es_buf_printf(es_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int es_buf_json_str(es_buf *b, const char *s);
int es_buf_json_strn(es_buf *b, const char *s, size_t n);
void es_buf_clear(es_buf *b);
void es_buf_free(es_buf *b);

#endif
