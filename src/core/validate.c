/* validate.c - row validation shared by the server (authoritative) and tests, and the one UTF-8
   scanner of the project. */
#include "core/validate.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The one UTF-8 scanner: returns ES_TEXT_OK, ES_TEXT_NUL (only when nul_bad) or
   ES_TEXT_NOT_UTF8, with the offset of the offending byte in *at. */
static es_text_verdict scan_utf8(const char *str, size_t n, int nul_bad, size_t *at) {
  const unsigned char *s = (const unsigned char *)str, *end = s + n;
  const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
  while (s < end) {
    unsigned c = *s;
    size_t len, k;
    unsigned cp, min;
    uint64_t w;
    /* ASCII, the common case, eight bytes at a time (a zero byte sets a high bit of w - lo) */
    if ((size_t)(end - s) >= 8) {
      memcpy(&w, s, 8);
      if (!(w & hi) && !(nul_bad && ((w - lo) & hi))) {
        s += 8;
        continue;
      }
    }
    *at = (size_t)(s - (const unsigned char *)str);
    if (c < 0x80) {
      if (!c && nul_bad) return ES_TEXT_NUL;
      s++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else
      return ES_TEXT_NOT_UTF8;
    if ((size_t)(end - s) < len) return ES_TEXT_NOT_UTF8;
    for (k = 1; k < len; k++) {
      if ((s[k] & 0xC0) != 0x80) return ES_TEXT_NOT_UTF8;
      cp = (cp << 6) | (s[k] & 0x3F);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ES_TEXT_NOT_UTF8;
    s += len;
  }
  return ES_TEXT_OK;
}

int es_utf8_valid(const char *s, size_t n) {
  size_t at;
  return scan_utf8(s, n, 0, &at) == ES_TEXT_OK;
}

es_text_verdict es_text_check(const char *s, size_t n, size_t *at) {
  size_t where = 0;
  es_text_verdict v = scan_utf8(s, n, 1, &where);
  if (at) *at = where;
  return v;
}

size_t es_utf8_cut(const char *s, size_t n, size_t max) {
  if (n <= max) return n;
  /* back over continuation bytes to the start of the character that does not fit */
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
  return max;
}

/* 1 for the hex digits, 2 for '-': one load per character instead of three range tests. */
static const uint8_t uuid_class[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['-'] = 2,
};

int es_uuid_normalize(char *s) {
  const unsigned char *u = (const unsigned char *)s;
  unsigned bad = 0, upper = 0;
  size_t i;
  /* Branch-free over the 36 characters: a 1M-row stream checks 36M of them. The length is
     checked first, so nothing past the string's NUL is read. */
  if (strnlen(s, 37) != 36) return ES_EINVAL;
  for (i = 0; i < 36; i++) {
    unsigned want = (i == 8 || i == 13 || i == 18 || i == 23) ? 2u : 1u;
    bad |= uuid_class[u[i]] ^ want;
    upper |= (unsigned)(u[i] - 'A') < 6u;
  }
  if (bad) return ES_EINVAL;
  if (upper)
    for (i = 0; i < 36; i++)
      if (s[i] >= 'A' && s[i] <= 'F') s[i] = (char)(s[i] - 'A' + 'a');
  return 0;
}

/* Inf and NaN are the floats whose exponent bits are all ones; adding one to the exponent field
   then carries into the sign bit. Blocks of a fixed 64 values let the compiler vectorize this
   without early exits (a 1M-row 384-d stream checks 384M values); the caller looks for the
   offending index only once a block fails. */
static int all_finite(const float *v, size_t n) {
  size_t i = 0, k;
  for (; n - i >= 64; i += 64) {
    uint32_t acc = 0;
    for (k = 0; k < 64; k++) {
      uint32_t b;
      memcpy(&b, &v[i + k], 4);
      acc |= (b & 0x7f800000u) + 0x00800000u;
    }
    if (acc & 0x80000000u) return 0;
  }
  for (; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

/* UTF-8 and NUL were checked on the wire (core/wiretext.c) before the row was decoded. */
static int check_text(const es_field *f, char *s, es_error *err) {
  if ((f->flags & (ES_F_NONEMPTY | ES_F_UUID)) && !*s)
    return es_err_set(err, ES_EINVAL, "field '%s': must not be empty", f->name);
  if ((f->flags & ES_F_UUID) && es_uuid_normalize(s))
    return es_err_set(err, ES_EINVAL, "field '%s': '%.*s' is not a UUID", f->name,
                      (int)es_utf8_cut(s, strlen(s), 64), s);
  return 0;
}

int es_validate_row(const es_domain *d, es_value *row, int32_t dim, es_error *err) {
  size_t i, k;
  for (i = 0; i < d->nfields; i++) {
    const es_field *f = &d->fields[i];
    es_value *v = &row[i];
    switch (f->type) {
    case ES_T_TEXT:
      if (check_text(f, v->s, err)) return ES_EINVAL;
      break;
    case ES_T_INT:
      if ((f->flags & ES_F_NONNEG) && v->i < 0)
        return es_err_set(err, ES_EINVAL, "field '%s': %d is negative", f->name, (int)v->i);
      break;
    case ES_T_STRLIST: break; /* checked on the wire, like the text fields */
    case ES_T_VECTOR:
      if (v->vec.n != (size_t)dim)
        return es_err_set(err, ES_EINVAL, "field '%s': %zu values, expected %d", f->name, v->vec.n,
                          (int)dim);
      if (all_finite(v->vec.v, v->vec.n)) break;
      for (k = 0; k < v->vec.n; k++)
        if (!isfinite(v->vec.v[k]))
          return es_err_set(err, ES_EINVAL, "field '%s': value %zu is not finite", f->name, k);
      break;
    }
  }
  return 0;
}

int es_validate_chunk(es_chunk *c, int32_t dim, uint64_t chunk_no, size_t first_row,
                      es_error *err) {
  size_t i;
  for (i = 0; i < c->nrows; i++) {
    if (es_validate_row(c->domain, es_chunk_row(c, i), dim, err))
      return es_err_prefix(err, "chunk %llu, row %zu: ", (unsigned long long)chunk_no,
                           first_row + i);
  }
  return 0;
}
