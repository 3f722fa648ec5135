/* trailer.c - parsing the values of the failure trailers (core/trailer.h) and the details'
   "chunk N, row M" that stands in for them when a server does not send ours. */
#include "core/trailer.h"

#include <string.h>
#include <strings.h>

#define ES_TRAILER_MAX_DIGITS 18

int es_trailer_uint(const char *v, size_t n, uint64_t *out) {
  uint64_t x = 0;
  size_t i;
  if (!v || n == 0 || n > ES_TRAILER_MAX_DIGITS) return -1;
  for (i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    x = x * 10 + (uint64_t)(v[i] - '0');
  }
  *out = x;
  return 0;
}

/* Digits at s: their value and count (0 when none, or too many to be a position). */
static size_t digits(const char *s, uint64_t *out) {
  size_t n = 0;
  while (s[n] >= '0' && s[n] <= '9') n++;
  if (es_trailer_uint(s, n, out)) return 0;
  return n;
}

/* "chunk N, row M" at s: its length, or 0. */
static size_t pos_at(const char *s, uint64_t *chunk, uint64_t *row) {
  size_t i = 6, n;
  if (strncasecmp(s, "chunk ", 6)) return 0;
  if (!(n = digits(s + i, chunk))) return 0;
  i += n;
  if (strncmp(s + i, ", row ", 6)) return 0;
  i += 6;
  if (!(n = digits(s + i, row))) return 0;
  return i + n;
}

int es_trailer_find_pos(const char *text, uint64_t *chunk, uint64_t *row, size_t *start,
                        size_t *end) {
  size_t i, n;
  if (!text) return 0;
  for (i = 0; text[i]; i++) {
    /* a word of its own: "subchunk 3, row 4" is not a position */
    if (i &&
        ((text[i - 1] >= 'a' && text[i - 1] <= 'z') || (text[i - 1] >= 'A' && text[i - 1] <= 'Z')))
      continue;
    if ((n = pos_at(text + i, chunk, row))) {
      *start = i;
      *end = i + n + (text[i + n] == ':' && text[i + n + 1] == ' ' ? 2 : 0);
      return 1;
    }
  }
  return 0;
}
