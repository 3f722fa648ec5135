/* buf.c - growable buffer with overflow-checked growth and JSON string escaping. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int es_buf_grow(es_buf *b, size_t extra) {
  size_t need, cap;
  char *p;
  if (b->oom) return ES_ENOMEM;
  if (extra > SIZE_MAX - b->len - 1) goto fail;
  need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  cap = b->cap ? b->cap : 64;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  p = realloc(b->ptr, cap);
  if (!p) goto fail;
  b->ptr = p;
  b->cap = cap;
  return 0;
fail:
  b->oom = 1;
  return ES_ENOMEM;
}

int es_buf_put(es_buf *b, const void *data, size_t n) {
  if (es_buf_grow(b, n)) return ES_ENOMEM;
  if (n) memcpy(b->ptr + b->len, data, n);
  b->len += n;
  b->ptr[b->len] = '\0';
  return 0;
}

int es_buf_puts(es_buf *b, const char *s) { return es_buf_put(b, s, strlen(s)); }

int es_buf_printf(es_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return ES_EINTERNAL;
  if (es_buf_grow(b, (size_t)n)) return ES_ENOMEM;
  va_start(ap, fmt);
  vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

int es_buf_json_strn(es_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i;
  if (es_buf_put(b, "\"", 1)) return ES_ENOMEM;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[7];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      es_buf_put(b, esc, 2);
    } else if (c == '\n') {
      es_buf_put(b, "\\n", 2);
    } else if (c == '\r') {
      es_buf_put(b, "\\r", 2);
    } else if (c == '\t') {
      es_buf_put(b, "\\t", 2);
    } else if (c < 0x20) {
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      es_buf_put(b, esc, 6);
    } else {
      es_buf_put(b, &s[i], 1);
    }
  }
  return es_buf_put(b, "\"", 1);
}

int es_buf_json_str(es_buf *b, const char *s) {
  return es_buf_json_strn(b, s ? s : "", s ? strlen(s) : 0);
}

void es_buf_clear(es_buf *b) {
  b->len = 0;
  if (b->ptr) b->ptr[0] = '\0';
}

void es_buf_free(es_buf *b) {
  free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}
