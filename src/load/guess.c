/* guess.c - a file's domain from its columns (--domain auto): each domain's key column names it
   (id: recruit, candidate_id: candidate, skill: skill_embedding_dic). A CSV's header or a JSONL
   file's first object is read for its names; a file whose names hold two keys is refused rather
   than guessed, since sending it to the wrong table would overwrite rows there by key. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "load/csv_split.h"
#include "load/json.h"
#include "load/loader_int.h"

/* The domains whose key is among a file's names. */
typedef struct keys_seen {
  unsigned mask; /* bit i: es_domains[i]'s key seen */
} keys_seen;

static void saw(keys_seen *k, const char *name, size_t n) {
  size_t i;
  for (i = 0; i < es_domain_count && i < 32; i++) {
    const es_domain *d = es_domains[i];
    const char *key = d->fields[d->key].name;
    if (strlen(key) == n && !memcmp(key, name, n)) k->mask |= 1u << i;
  }
}

/* The first record that is not blank: [*start, *end) in r's buffer. 0, or 1 when there is none. */
static int first_record(es_reader *r, int csv, es_csv_fields *f, size_t *end, es_error *err) {
  int rc;
  for (;;) {
    const char *s = r->buf + r->pos, *nl;
    if (csv) {
      rc = r->pos < r->len ? es_csv_split(r->buf, r->pos, r->len, r->eof, (size_t)-1, f, end)
                           : ES_CSV_MORE;
      if (rc == ES_CSV_RECORD && (f->n > 1 || f->v[0].n || r->buf[r->pos] == '"')) return 0;
      if (rc == ES_CSV_RECORD) r->pos = *end; /* a blank line */
      if (rc == ES_CSV_UNTERMINATED)
        return es_err_set(err, ES_EINVAL, "%s: unterminated quote in the header", r->path);
      if (rc < 0) return es_err_set(err, rc, "%s: out of memory", r->path);
      if (rc == ES_CSV_RECORD) continue;
    } else if ((nl = memchr(s, '\n', r->len - r->pos)) || (r->eof && r->pos < r->len)) {
      *end = nl ? (size_t)(nl - r->buf) : r->len;
      if (strspn(s, " \t\r") < *end - r->pos) return 0;
      r->pos = nl ? *end + 1 : r->len;
      continue;
    }
    if (r->eof && r->pos == r->len) return 1;
    if ((rc = es_reader_more(r, err)) < 0) return rc;
  }
}

static void csv_names(const es_reader *r, const es_csv_fields *f, keys_seen *k) {
  char name[64];
  size_t i;
  for (i = 0; i < f->n; i++) {
    const es_csv_field *c = &f->v[i];
    if (c->kind == ES_CSV_PLAIN)
      saw(k, r->buf + c->off, c->n);
    else if (c->n < sizeof(name))
      saw(k, name, es_csv_decode(r->buf + c->off, c->n, c->kind, name));
  }
}

/* The keys of a JSONL object (as written: the key names need no escapes). */
static int jsonl_names(const char *s, size_t n, keys_seen *k) {
  es_json j;
  const char *raw;
  size_t rn;
  int esc;
  es_json_init(&j, s, n);
  es_json_ws(&j);
  if (j.p >= j.end || *j.p++ != '{') return -1;
  for (;;) {
    es_json_ws(&j);
    if (j.p < j.end && *j.p == '}') return 0;
    if (es_json_string_raw(&j, &raw, &rn, &esc)) return -1;
    saw(k, raw, rn);
    es_json_ws(&j);
    if (j.p >= j.end || *j.p++ != ':') return -1;
    es_json_ws(&j);
    if (es_json_skip(&j)) return -1;
    es_json_ws(&j);
    if (j.p < j.end && *j.p == ',') j.p++;
  }
}

/* The names of a CSV or JSONL file's first record. */
static int text_keys(const char *path, int csv, keys_seen *k, es_error *err) {
  es_reader r;
  es_csv_fields f = {0};
  size_t end = 0;
  int rc;
  if ((rc = es_reader_open(&r, path, err))) return rc;
  if ((rc = first_record(&r, csv, &f, &end, err)) == 0) {
    if (csv)
      csv_names(&r, &f, k);
    else if (jsonl_names(r.buf + r.pos, end - r.pos, k))
      rc = es_err_set(err, ES_EINVAL, "%s: the first line is not a JSON object", path);
  } else if (rc == 1) {
    rc = es_err_set(err, ES_EINVAL, "%s: the file is empty", path);
  }
  es_csv_fields_free(&f);
  es_reader_close(&r);
  return rc;
}

/* Other formats: the domains whose loader reads a first row, unknown columns dropped. */
static int tried_keys(const char *path, const es_loader_opts *opts, keys_seen *k) {
  es_loader_opts o = *opts;
  size_t i;
  o.ignore_unknown_columns = 1;
  o.threads = 0;
  for (i = 0; i < es_domain_count && i < 32; i++) {
    es_loader *l = NULL;
    es_chunk c;
    es_error e;
    es_chunk_init(&c, es_domains[i]);
    if (es_loader_open(path, es_domains[i], &o, &l, &e) == 0 && es_loader_next(l, &c, 1, &e) > 0)
      k->mask |= 1u << i;
    es_loader_close(l);
    es_chunk_free(&c);
  }
  return 0;
}

static int verdict(const char *path, const keys_seen *k, const es_domain **out, es_error *err) {
  es_buf b = ES_BUF_INIT;
  size_t i, n = 0;
  int rc;
  for (i = 0; i < es_domain_count && i < 32; i++)
    if (k->mask & (1u << i)) {
      *out = es_domain_find(es_domains[i]->name); /* binds the codec's offsets on first use */
      es_buf_printf(&b, "%s%s: %s", n++ ? ", " : "", es_domains[i]->fields[es_domains[i]->key].name,
                    es_domains[i]->name);
    }
  if (n == 1)
    rc = 0;
  else if (n == 0)
    rc = es_err_set(err, ES_EINVAL,
                    "%s: cannot tell the domain from the columns (none of id, candidate_id, "
                    "skill); name it with --domain",
                    path);
  else
    rc = es_err_set(err, ES_EINVAL,
                    "%s: the columns name more than one domain (%s); name it with --domain", path,
                    b.oom ? "?" : b.ptr);
  es_buf_free(&b);
  return rc;
}

int es_loader_guess_domain(const char *path, const es_loader_opts *opts, const es_domain **out,
                           es_error *err) {
  static const es_loader_opts defaults;
  const char *format;
  keys_seen k = {0};
  int rc;
  *out = NULL;
  if (!opts) opts = &defaults;
  if (!strcmp(path, ES_READER_STDIN))
    return es_err_set(err, ES_EINVAL,
                      "standard input needs its domain named (--domain): it cannot be read twice");
  format = opts->format ? opts->format : es_loader_format_of(path);
  if (format && es_loader_format_streams(format))
    rc = text_keys(path, !strcmp(format, "csv"), &k, err);
  else if (format)
    rc = tried_keys(path, opts, &k);
  else
    rc = es_err_set(err, ES_EINVAL, "%s: unsupported file extension", path);
  return rc ? rc : verdict(path, &k, out, err);
}
