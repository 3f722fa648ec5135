/* cells.c - value conversions shared by the loaders, and their error message format. */
#include "load/cells.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "load/numparse.h"

int es_load_fail(es_error *err, const char *path, uint64_t line, uint64_t col, const char *field,
                 const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (field)
    return es_err_set(err, ES_EINVAL, "%s:%llu:%llu: field '%s': %s", path,
                      (unsigned long long)line, (unsigned long long)col, field, msg);
  return es_err_set(err, ES_EINVAL, "%s:%llu:%llu: %s", path, (unsigned long long)line,
                    (unsigned long long)col, msg);
}

int es_cell_check_text(const char *s, size_t n, const char **why) {
  if (memchr(s, '\0', n)) {
    *why = "NUL byte in text";
    return ES_EINVAL;
  }
  if (!es_utf8_valid(s, n)) {
    *why = "text is not valid UTF-8";
    return ES_EINVAL;
  }
  return 0;
}

int es_cell_text(es_arena *a, const char *s, size_t n, char **out, const char **why) {
  int rc;
  *why = NULL;
  if ((rc = es_cell_check_text(s, n, why))) return rc;
  if (!(*out = es_arena_strndup(a, s, n))) return ES_ENOMEM;
  return 0;
}

int es_cell_int_from_double(double d, int32_t *out, const char **why) {
  if (!isfinite(d) || d != floor(d)) {
    *why = "expected an integer";
    return ES_EINVAL;
  }
  if (d < -2147483648.0 || d > 2147483647.0) {
    *why = "integer out of the int32 range";
    return ES_EINVAL;
  }
  *out = (int32_t)d;
  return 0;
}

static int blank(char c) { return c == ' ' || c == '\t'; }

int es_cell_int(const char *s, size_t n, int32_t *out, const char **why) {
  const char *end = s + n, *q;
  double d;
  unsigned flags;
  while (s < end && blank(*s)) s++;
  while (end > s && blank(end[-1])) end--;
  if (s == end) { /* read as 0, it would overwrite a stored count through the upsert */
    *why = "empty cell (an integer is required)";
    return ES_EINVAL;
  }
  if (*s == '+' && end - s > 1 && (unsigned)(s[1] - '0') < 10u) s++;
  if (es_num_parse(s, end, &d, &flags, &q) || q != end) {
    *why = "expected an integer";
    return ES_EINVAL;
  }
  return es_cell_int_from_double(d, out, why);
}

int es_cell_vector(es_arena *a, const es_fvec *v, es_value *val) {
  val->vec.n = v->n;
  val->vec.v = NULL;
  if (!v->n) return 0;
  if (!(val->vec.v = es_arena_alloc(a, v->n * sizeof(float)))) return ES_ENOMEM;
  memcpy(val->vec.v, v->v, v->n * sizeof(float));
  return 0;
}
