/* columns.c - matching a file's header (or keys) to a domain's fields, with messages that name
   every missing and every unknown column at once, so one run tells the user all that is wrong. */
#include "load/columns.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/suggest.h"
#include "core/validate.h"

const char *es_columns_suggest(const es_domain *d, const char *name, size_t n) {
  const char *names[ES_MAX_FIELDS];
  size_t i;
  for (i = 0; i < d->nfields && i < ES_MAX_FIELDS; i++) names[i] = d->fields[i].name;
  return es_suggest(name, n, names, i);
}

void es_columns_list(const es_domain *d, char *out, size_t cap) {
  size_t i, len = 0;
  if (!cap) return;
  out[0] = '\0';
  for (i = 0; i < d->nfields; i++) {
    int k = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", d->fields[i].name);
    if (k < 0 || (size_t)k >= cap - len) break;
    len += (size_t)k;
  }
}

void es_columns_hint(const es_domain *d, const char *name, size_t n, char *out, size_t cap) {
  const char *s = es_columns_suggest(d, name, n);
  if (s)
    snprintf(out, cap, " (did you mean '%s'?)", s);
  else if (cap)
    out[0] = '\0';
}

static int field_of(const es_domain *d, const es_colname *c) {
  size_t i;
  for (i = 0; i < d->nfields; i++)
    if (strlen(d->fields[i].name) == c->n && !memcmp(d->fields[i].name, c->s, c->n)) return (int)i;
  return -1;
}

/* Most unknown names a message lists; a header of thousands of stray cells says "and N more". */
#define MAX_LISTED 10

void es_columns_quote(es_buf *b, const char *s, size_t n) {
  size_t i, cut = n > 80 ? 80 : n;
  /* A name that is not UTF-8 is shown with its high bytes escaped too, so the message (which
     goes into JSON replies) stays UTF-8; a valid one is cut only between characters. */
  int utf8 = es_utf8_valid(s, n);
  while (utf8 && cut < n && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  es_buf_puts(b, "'");
  for (i = 0; i < cut; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch == 0x7f || ch == '\'' || ch == '\\' || (ch >= 0x80 && !utf8))
      es_buf_printf(b, "\\x%02x", ch);
    else
      es_buf_put(b, &s[i], 1);
  }
  es_buf_puts(b, cut < n ? "...'" : "'");
}

static void list_missing(es_buf *b, const es_domain *d, const int *seen) {
  size_t i, k = 0;
  for (i = 0; i < d->nfields; i++)
    if (!seen[i]) k++;
  if (!k) return;
  es_buf_printf(b, "missing column%s ", es_plural(k));
  for (i = 0, k = 0; i < d->nfields; i++)
    if (!seen[i]) es_buf_printf(b, "%s%s", k++ ? ", " : "", d->fields[i].name);
}

static void list_unknown(es_buf *b, const es_domain *d, const es_colname *cols, size_t ncols,
                         const int *col_field, size_t nunknown) {
  size_t i, k = 0;
  char hint[96];
  if (b->len) es_buf_puts(b, "; ");
  es_buf_printf(b, "unknown column%s ", es_plural(nunknown));
  for (i = 0; i < ncols && k < MAX_LISTED; i++) {
    if (col_field[i] >= 0) continue;
    if (k++) es_buf_puts(b, ", ");
    es_columns_quote(b, cols[i].s, cols[i].n);
    es_columns_hint(d, cols[i].s, cols[i].n, hint, sizeof(hint));
    es_buf_puts(b, hint);
  }
  if (nunknown > k) es_buf_printf(b, " and %zu more", nunknown - k);
  es_buf_printf(b, " (pass %s to drop columns the %s domain does not have)",
                ES_COLUMNS_IGNORE_OPTION, d->name);
}

int es_columns_match(const es_domain *d, const char *path, const es_colname *cols, size_t ncols,
                     int ignore_unknown, int *col_field, es_error *err) {
  int seen[ES_MAX_FIELDS] = {0};
  size_t i, nunknown = 0, nmissing = 0;
  es_buf b = ES_BUF_INIT;
  char fields[256];
  int rc = 0;
  if (d->nfields > ES_MAX_FIELDS)
    return es_err_set(err, ES_EINTERNAL, "domain has too many fields");
  for (i = 0; i < ncols; i++) {
    int f = field_of(d, &cols[i]);
    col_field[i] = f;
    if (f < 0) {
      nunknown++;
      continue;
    }
    if (seen[f]) {
      rc = es_err_set(err, ES_EINVAL, "%s: column '%s' appears twice (columns %zu and %zu)", path,
                      d->fields[f].name, (size_t)seen[f], i + 1);
      goto done;
    }
    seen[f] = (int)i + 1;
  }
  for (i = 0; i < d->nfields; i++)
    if (!seen[i]) nmissing++;
  if (!nmissing && (!nunknown || ignore_unknown)) goto done;
  list_missing(&b, d, seen);
  if (nunknown && !ignore_unknown) list_unknown(&b, d, cols, ncols, col_field, nunknown);
  es_columns_list(d, fields, sizeof(fields));
  if (b.oom) {
    rc = es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  rc = es_err_set(err, ES_EINVAL, "%s: %s (the %s domain has the columns %s)", path, b.ptr, d->name,
                  fields);
done:
  es_buf_free(&b);
  return rc;
}
