/* stats_table.c - `embedstream stats --format table`: the stores' one summary (their JSON, the
   only shape they produce) read back and laid out as two tables for people. */
#include "cli/stats_table.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "load/json.h"

#define MAX_DOMAINS 16
#define MAX_INGESTS 64
#define MESSAGE_MAX 60 /* characters of an ingest's message shown */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct domain_row {
  char *name;
  double rows, dim; /* dim < 0: none yet */
} domain_row;

typedef struct ingest_row {
  char *domain, *file, *status, *message, *started, *finished;
  double rows, chunks;
} ingest_row;

typedef struct summary {
  es_arena arena;
  char *store;
  domain_row domains[MAX_DOMAINS];
  ingest_row ingests[MAX_INGESTS];
  size_t ndomains, ningests;
} summary;

/* ---- reading: objects member by member, unknown members skipped */

static int expect(es_json *j, char c) {
  es_json_ws(j);
  if (j->p == j->end || *j->p != c) return es_json_fail(j, j->p, "unexpected character");
  j->p++;
  return 0;
}

/* Past the separator before the next item of the object or array being read (closed by close):
   1, 0 at its end (close read), or an es_code. */
static int next_item(es_json *j, char close, int *first) {
  es_json_ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    return 0;
  }
  if (!*first && expect(j, ',')) return ES_EINVAL;
  *first = 0;
  es_json_ws(j);
  return 1;
}

/* The next member's key of the object being read: 1, 0 at its end, or an es_code. */
static int next_member(es_json *j, es_arena *a, int *first, char **key) {
  int rc = next_item(j, '}', first);
  if (rc != 1) return rc;
  if (es_json_string(j, a, key) || expect(j, ':')) return ES_EINVAL;
  es_json_ws(j);
  return 1;
}

/* The next element of the array being read: 1, 0 at its end, or an es_code. */
static int next_element(es_json *j, int *first) { return next_item(j, ']', first); }

static int text(es_json *j, es_arena *a, char **out) {
  *out = NULL;
  if (es_json_null(j)) return 0;
  return es_json_string(j, a, out);
}

static int number(es_json *j, double *out) {
  unsigned flags;
  *out = -1;
  if (es_json_null(j)) return 0;
  return es_json_number(j, out, &flags);
}

/* A member of an object read into a row: text (char *) or a number (double) at byte off. */
typedef struct member {
  const char *key;
  int is_text;
  size_t off;
} member;

static const member domain_members[] = {{"rows", 0, offsetof(domain_row, rows)},
                                        {"vector_dimension", 0, offsetof(domain_row, dim)}};

static const member ingest_members[] = {{"domain", 1, offsetof(ingest_row, domain)},
                                        {"file_name", 1, offsetof(ingest_row, file)},
                                        {"status", 1, offsetof(ingest_row, status)},
                                        {"message", 1, offsetof(ingest_row, message)},
                                        {"started_at", 1, offsetof(ingest_row, started)},
                                        {"finished_at", 1, offsetof(ingest_row, finished)},
                                        {"rows", 0, offsetof(ingest_row, rows)},
                                        {"chunks", 0, offsetof(ingest_row, chunks)}};

/* An object into row: the n members m names, each as its kind; any other member skipped. */
static int read_object(es_json *j, es_arena *a, const member *m, size_t n, void *row) {
  char *key, *at;
  size_t i;
  int first = 1, rc;
  if (expect(j, '{')) return ES_EINVAL;
  while ((rc = next_member(j, a, &first, &key)) == 1) {
    for (i = 0; i < n && strcmp(key, m[i].key); i++) {}
    at = i < n ? (char *)row + m[i].off : NULL;
    if (!at)
      rc = es_json_skip(j);
    else if (m[i].is_text)
      rc = text(j, a, (char **)(void *)at);
    else
      rc = number(j, (double *)(void *)at);
    if (rc) return rc;
  }
  return rc;
}

static int read_domains(es_json *j, summary *s) {
  char *key;
  int first = 1, rc;
  if (expect(j, '{')) return ES_EINVAL;
  while ((rc = next_member(j, &s->arena, &first, &key)) == 1) {
    if (s->ndomains == MAX_DOMAINS) return es_json_fail(j, j->p, "too many domains");
    s->domains[s->ndomains].name = key;
    if ((rc = read_object(j, &s->arena, domain_members, COUNT(domain_members),
                          &s->domains[s->ndomains++])))
      return rc;
  }
  return rc;
}

static int read_ingests(es_json *j, summary *s) {
  int first = 1, rc;
  if (expect(j, '[')) return ES_EINVAL;
  while ((rc = next_element(j, &first)) == 1) {
    if (s->ningests == MAX_INGESTS) return es_json_fail(j, j->p, "too many ingests");
    if ((rc = read_object(j, &s->arena, ingest_members, COUNT(ingest_members),
                          &s->ingests[s->ningests++])))
      return rc;
  }
  return rc;
}

static int read_summary(const char *json, size_t n, summary *s) {
  es_json j;
  char *key;
  int first = 1, rc;
  es_json_init(&j, json, n);
  if (expect(&j, '{')) return ES_EINVAL;
  while ((rc = next_member(&j, &s->arena, &first, &key)) == 1) {
    if (!strcmp(key, "store"))
      rc = text(&j, &s->arena, &s->store);
    else if (!strcmp(key, "domains"))
      rc = read_domains(&j, s);
    else if (!strcmp(key, "last_ingests"))
      rc = read_ingests(&j, s);
    else
      rc = es_json_skip(&j);
    if (rc) return rc;
  }
  return rc;
}

/* ---- writing */

/* Text from the store (file names, messages) for a terminal: no control characters, so a file
   name cannot carry escape sequences to the screen; cut after max characters. */
static void cell(es_buf *b, const char *s, size_t max) {
  size_t chars = 0;
  if (!s) s = "-";
  for (; *s && chars < max; s++) {
    unsigned char c = (unsigned char)*s;
    char out = c < 0x20 || c == 0x7f ? '?' : (char)c;
    es_buf_put(b, &out, 1);
    if ((c & 0xc0) != 0x80) chars++;
  }
  if (*s) es_buf_puts(b, "...");
}

/* "2026-01-31 12:00:00Z" of an ISO time, "-" for none. */
static void when(es_buf *b, const char *iso) {
  if (!iso || strlen(iso) < 19) {
    es_buf_puts(b, "-");
    return;
  }
  es_buf_printf(b, "%.10s %.8sZ", iso, iso + 11);
}

static void duration(es_buf *b, const ingest_row *r) {
  double t0, t1;
  if (!r->started || !r->finished || es_clock_parse_iso(r->started, &t0) ||
      es_clock_parse_iso(r->finished, &t1) || t1 < t0) {
    es_buf_puts(b, "-");
    return;
  }
  es_buf_printf(b, t1 - t0 < 10 ? "%.2f s" : "%.0f s", t1 - t0);
}

/* A table of text cells, its first row the header; columns are padded to their widest cell,
   those whose bit is set in right aligned right (numbers). */
typedef struct table {
  es_buf cells[MAX_INGESTS + 1][8];
  size_t nrows, ncols;
  unsigned right; /* bit i: column i aligned right */
} table;

static size_t width(const es_buf *b) {
  size_t i, w = 0;
  for (i = 0; i < b->len; i++) w += ((unsigned char)b->ptr[i] & 0xc0) != 0x80;
  return w;
}

static void put_table(es_buf *out, table *t) {
  size_t widths[8] = {0}, r, c, k;
  for (r = 0; r < t->nrows; r++)
    for (c = 0; c < t->ncols; c++)
      if (width(&t->cells[r][c]) > widths[c]) widths[c] = width(&t->cells[r][c]);
  for (r = 0; r < t->nrows; r++) {
    for (c = 0; c < t->ncols; c++) {
      es_buf *b = &t->cells[r][c];
      size_t pad = widths[c] - width(b), last = c + 1 == t->ncols;
      if (c) es_buf_puts(out, "  ");
      if (t->right & (1u << c))
        for (k = 0; k < pad; k++) es_buf_puts(out, " ");
      es_buf_put(out, b->ptr ? b->ptr : "", b->len);
      if (!(t->right & (1u << c)) && !last)
        for (k = 0; k < pad; k++) es_buf_puts(out, " ");
      es_buf_free(b);
    }
    es_buf_puts(out, "\n");
  }
}

static void put_header(table *t, const char *const *names, size_t n) {
  size_t i;
  t->ncols = n;
  for (i = 0; i < n; i++) es_buf_puts(&t->cells[0][i], names[i]);
  t->nrows = 1;
}

static void domains_table(es_buf *out, const summary *s, table *t) {
  static const char *const head[] = {"DOMAIN", "ROWS", "DIM"};
  size_t i;
  memset(t, 0, sizeof(*t));
  put_header(t, head, 3);
  t->right = 6;
  for (i = 0; i < s->ndomains; i++, t->nrows++) {
    const domain_row *d = &s->domains[i];
    cell(&t->cells[t->nrows][0], d->name, 40);
    es_buf_printf(&t->cells[t->nrows][1], "%.0f", d->rows < 0 ? 0 : d->rows);
    if (d->dim > 0)
      es_buf_printf(&t->cells[t->nrows][2], "%.0f", d->dim);
    else
      es_buf_puts(&t->cells[t->nrows][2], "-");
  }
  put_table(out, t);
}

static void ingests_table(es_buf *out, const summary *s, table *t) {
  static const char *const head[] = {"FINISHED", "DOMAIN", "FILE",     "ROWS",
                                     "CHUNKS",   "STATUS", "DURATION", "MESSAGE"};
  size_t i;
  memset(t, 0, sizeof(*t));
  put_header(t, head, 8);
  t->right = (1u << 3) | (1u << 4) | (1u << 6);
  for (i = 0; i < s->ningests; i++, t->nrows++) {
    const ingest_row *r = &s->ingests[i];
    es_buf *row = t->cells[t->nrows];
    when(&row[0], r->finished);
    cell(&row[1], r->domain, 40);
    cell(&row[2], r->file, 40);
    es_buf_printf(&row[3], "%.0f", r->rows < 0 ? 0 : r->rows);
    es_buf_printf(&row[4], "%.0f", r->chunks < 0 ? 0 : r->chunks);
    cell(&row[5], r->status, 20);
    duration(&row[6], r);
    cell(&row[7], r->message, MESSAGE_MAX);
  }
  put_table(out, t);
}

int es_stats_table(const char *json, size_t n, es_buf *out, es_error *err) {
  summary *s = calloc(1, sizeof(*s));
  table *t = calloc(1, sizeof(*t));
  int rc = 0;
  if (!s || !t) {
    rc = es_err_set(err, ES_ENOMEM, "out of memory");
    goto done;
  }
  es_arena_init(&s->arena);
  if (read_summary(json, n, s)) {
    rc = es_err_set(err, ES_EINTERNAL, "the store's summary does not read as expected");
    goto done;
  }
  es_buf_puts(out, "Store  ");
  cell(out, s->store, 200);
  es_buf_puts(out, "\n\n");
  domains_table(out, s, t);
  es_buf_printf(out, "\nLast %zu ingest%s, newest first\n", s->ningests, es_plural(s->ningests));
  if (s->ningests) ingests_table(out, s, t);
  if (out->oom) rc = es_err_set(err, ES_ENOMEM, "out of memory");
done:
  if (s) es_arena_free(&s->arena);
  free(s);
  free(t);
  return rc;
}
