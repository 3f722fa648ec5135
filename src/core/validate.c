/* validate.c - row validation shared by the server (authoritative) and tests. */
#include "core/validate.h"

#include <math.h>
#include <string.h>

int es_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str, *end = s + n;
  while (s < end) {
    unsigned c = *s;
    size_t len, k;
    unsigned cp, min;
    if (c < 0x80) {
      s++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - s) < len) return 0;
    for (k = 1; k < len; k++) {
      if ((s[k] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[k] & 0x3F);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    s += len;
  }
  return 1;
}

static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int es_uuid_normalize(char *s) {
  size_t i;
  for (i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return ES_EINVAL;
    } else if (!is_hex(s[i])) {
      return ES_EINVAL;
    }
  }
  if (s[36] != '\0') return ES_EINVAL;
  for (i = 0; i < 36; i++)
    if (s[i] >= 'A' && s[i] <= 'F') s[i] = (char)(s[i] - 'A' + 'a');
  return 0;
}

static int check_text(const es_field *f, char *s, es_error *err) {
  size_t n = strlen(s);
  if (!es_utf8_valid(s, n)) return es_err_set(err, ES_EINVAL, "field '%s': not valid UTF-8", f->name);
  if ((f->flags & (ES_F_NONEMPTY | ES_F_UUID)) && n == 0)
    return es_err_set(err, ES_EINVAL, "field '%s': must not be empty", f->name);
  if ((f->flags & ES_F_UUID) && es_uuid_normalize(s))
    return es_err_set(err, ES_EINVAL, "field '%s': '%.64s' is not a UUID", f->name, s);
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
    case ES_T_STRLIST:
      for (k = 0; k < v->list.n; k++)
        if (!es_utf8_valid(v->list.items[k], strlen(v->list.items[k])))
          return es_err_set(err, ES_EINVAL, "field '%s': item %zu is not valid UTF-8", f->name, k);
      break;
    case ES_T_VECTOR:
      if (v->vec.n != (size_t)dim)
        return es_err_set(err, ES_EINVAL, "field '%s': %zu values, expected %d", f->name, v->vec.n,
                          (int)dim);
      for (k = 0; k < v->vec.n; k++)
        if (!isfinite(v->vec.v[k]))
          return es_err_set(err, ES_EINVAL, "field '%s': value %zu is not finite", f->name, k);
      break;
    }
  }
  return 0;
}

int es_validate_chunk(es_chunk *c, int32_t dim, uint64_t chunk_no, es_error *err) {
  size_t i;
  for (i = 0; i < c->nrows; i++) {
    if (es_validate_row(c->domain, es_chunk_row(c, i), dim, err))
      return es_err_prefix(err, "chunk %llu, row %zu: ", (unsigned long long)chunk_no, i);
  }
  return 0;
}
