/* guess.c - the domain a data file's header says (CSV header row, first JSONL object's keys),
   for the file listing when the name does not tell. Reads a bounded prefix of the file only. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/datadir.h"
#include "load/columns.h"
#include "load/csv_split.h"
#include "load/json.h"

#define GUESS_BYTES 65536 /* a header longer than this is not guessed from */
#define GUESS_COLS 64     /* nor one with more columns than this */

typedef struct header {
  es_colname cols[GUESS_COLS];
  size_t n;
  char names[GUESS_BYTES]; /* decoded names that could not point into the file's bytes */
  size_t used;
} header;

/* Keeps a decoded copy of [s, s + n) (kind: es_csv_decode's) as the next column. */
static int add_decoded(header *h, const char *s, size_t n, unsigned kind) {
  char *dst = h->names + h->used;
  size_t len;
  if (h->n == GUESS_COLS || n > sizeof(h->names) - h->used) return -1;
  len = es_csv_decode(s, n, kind, dst);
  h->used += len;
  h->cols[h->n].s = dst;
  h->cols[h->n++].n = len;
  return 0;
}

static int csv_header(const char *buf, size_t len, int eof, header *h) {
  es_csv_fields f;
  size_t i, end;
  int rc;
  memset(&f, 0, sizeof(f));
  rc = es_csv_split(buf, 0, len, eof, GUESS_COLS + 1, &f, &end) == ES_CSV_RECORD ? 0 : -1;
  for (i = 0; rc == 0 && i < f.n; i++)
    if (f.v[i].kind == ES_CSV_PLAIN) {
      if (h->n == GUESS_COLS)
        rc = -1;
      else {
        h->cols[h->n].s = buf + f.v[i].off;
        h->cols[h->n++].n = f.v[i].n;
      }
    } else {
      rc = add_decoded(h, buf + f.v[i].off, f.v[i].n, f.v[i].kind);
    }
  es_csv_fields_free(&f);
  return rc;
}

/* The keys of the first object of a JSONL file (its first non-blank line). */
static int jsonl_header(const char *buf, size_t len, header *h) {
  const char *p = buf, *end = buf + len, *nl;
  es_json j;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  if (!(nl = memchr(p, '\n', (size_t)(end - p)))) nl = end;
  es_json_init(&j, p, (size_t)(nl - p));
  if (j.p == j.end || *j.p++ != '{') return -1;
  for (;;) {
    const char *raw;
    size_t n, outn;
    int escaped;
    es_json_ws(&j);
    if (j.p < j.end && *j.p == '}' && h->n == 0) return 0;
    if (es_json_string_raw(&j, &raw, &n, &escaped) || h->n == GUESS_COLS) return -1;
    if (!escaped) {
      h->cols[h->n].s = raw;
      h->cols[h->n++].n = n;
    } else {
      if (n + 1 > sizeof(h->names) - h->used ||
          es_json_unescape(&j, raw, n, h->names + h->used, &outn))
        return -1;
      h->cols[h->n].s = h->names + h->used;
      h->cols[h->n++].n = outn;
      h->used += outn + 1;
    }
    es_json_ws(&j);
    if (j.p == j.end || *j.p++ != ':') return -1;
    es_json_ws(&j);
    if (es_json_skip(&j)) return -1;
    es_json_ws(&j);
    if (j.p < j.end && *j.p == ',')
      j.p++;
    else
      return j.p < j.end && *j.p == '}' ? 0 : -1;
  }
}

/* The one domain whose columns are exactly these; failing that, the one whose columns are all
   among them (a file with extra columns, ingested with ignore_unknown_columns). */
static const char *match(const header *h) {
  int map[GUESS_COLS];
  const char *loose = NULL;
  size_t i, nloose = 0;
  for (i = 0; i < es_domain_count; i++)
    if (!es_columns_match(es_domains[i], "", h->cols, h->n, 0, map, NULL))
      return es_domains[i]->name;
  for (i = 0; i < es_domain_count; i++)
    if (!es_columns_match(es_domains[i], "", h->cols, h->n, 1, map, NULL)) {
      loose = es_domains[i]->name;
      nloose++;
    }
  return nloose == 1 ? loose : NULL;
}

const char *es_datadir_guess_header(const char *path, const char *format) {
  int csv = !strcmp(format, "csv"), jsonl = !strcmp(format, "jsonl") || !strcmp(format, "ndjson");
  char *buf = NULL;
  header *h = NULL;
  const char *dom = NULL;
  ssize_t got;
  int fd = -1;
  if (!csv && !jsonl) return NULL; /* binary formats: the name must tell */
  if (!(buf = malloc(GUESS_BYTES)) || !(h = calloc(1, sizeof(*h)))) goto done;
  if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) goto done;
  if ((got = read(fd, buf, GUESS_BYTES)) <= 0) goto done;
  if (csv ? csv_header(buf, (size_t)got, got < GUESS_BYTES, h) : jsonl_header(buf, (size_t)got, h))
    goto done;
  dom = match(h);
done:
  if (fd >= 0) close(fd);
  free(buf);
  free(h);
  return dom;
}
