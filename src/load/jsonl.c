/* jsonl.c - JSON Lines input: one object per line holding every proto field of the domain once
   (null standing for the proto default, except in the key and the vector). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "load/cells.h"
#include "load/columns.h"
#include "load/json.h"
#include "load/loader_int.h"
#include "load/reader.h"

typedef struct jsonl_loader {
  es_loader base;
  es_reader r;
  uint64_t line; /* line number of buf[r.pos] */
  int ignore_unknown;
  es_fvec vec;
  es_pvec strs;
  es_error fail; /* once failed, every later next() repeats the error */
} jsonl_loader;

/* The record being converted. */
typedef struct rec {
  jsonl_loader *l;
  const char *start; /* first byte of the line, for columns */
  es_value *row;
  es_arena *arena;
  es_error *err;
} rec;

static int rec_fail(rec *r, const char *at, const char *field, const char *msg) {
  return es_load_fail(r->err, r->l->base.path, r->l->line, (uint64_t)(at - r->start) + 1, field,
                      "%s", msg);
}

static int oom(rec *r) {
  return es_err_set(r->err, ES_ENOMEM, "%s: out of memory", r->l->base.path);
}

static int json_fail(rec *r, const es_json *j, const char *field, int rc) {
  if (rc == ES_ENOMEM) return oom(r);
  return rec_fail(r, j->err_at, field, j->why);
}

static int value_int(rec *r, es_json *j, const es_field *fd, int32_t *out) {
  const char *at = j->p, *why;
  double d;
  unsigned flags;
  int rc;
  if (j->p < j->end && (*j->p == '-' || (unsigned)(*j->p - '0') < 10u)) {
    if ((rc = es_json_number(j, &d, &flags))) return json_fail(r, j, fd->name, rc);
    if (es_cell_int_from_double(d, out, &why)) return rec_fail(r, at, fd->name, why);
    return 0;
  }
  return rec_fail(r, at, fd->name, "expected an integer");
}

static int value_vector(rec *r, es_json *j, const es_field *fd, es_value *v) {
  int rc;
  r->l->vec.n = 0;
  if ((rc = es_json_floats(j, &r->l->vec))) {
    if (rc == ES_ENOMEM) return oom(r);
    char msg[160];
    snprintf(msg, sizeof(msg), "expected an array of numbers (%s)", j->why);
    return rec_fail(r, j->err_at, fd->name, msg);
  }
  return es_cell_vector(r->arena, &r->l->vec, v) ? oom(r) : 0;
}

/* One member's value into its field. null is the field's proto default ("", 0, no skills), as
   pandas' None/NaN is in a pickle; the key and the vector have none that could be meant. */
static int value(rec *r, es_json *j, const es_field *fd, es_value *v) {
  const char *at = j->p;
  int rc;
  if (es_json_null(j)) {
    if (fd->type == ES_T_VECTOR)
      return rec_fail(r, at, fd->name, "expected an array of numbers, got null");
    if (fd->flags & ES_F_KEY)
      return rec_fail(r, at, fd->name, "expected a string, got null (the key)");
    memset(v, 0, sizeof(*v));
    if (fd->type == ES_T_TEXT && !(v->s = es_arena_strndup(r->arena, "", 0))) return oom(r);
    return 0;
  }
  switch (fd->type) {
  case ES_T_TEXT:
    if (at >= j->end || *at != '"') return rec_fail(r, at, fd->name, "expected a string");
    rc = es_json_string(j, r->arena, &v->s);
    return rc ? json_fail(r, j, fd->name, rc) : 0;
  case ES_T_INT: return value_int(r, j, fd, &v->i);
  case ES_T_STRLIST:
    rc = es_json_strings(j, r->arena, &r->l->strs, &v->list.items, &v->list.n);
    return rc ? json_fail(r, j, fd->name, rc) : 0;
  default: return value_vector(r, j, fd, v);
  }
}

/* A member's key as written (between its quotes) and as decoded, for matching and messages. */
typedef struct key {
  const char *raw, *name; /* name: decoded, or raw when it has no escapes or is too long */
  size_t rawn, n;
  char tmp[64];
} key;

/* The member's key, matched against the domain's field names: the index or -1. */
static int member_key(rec *r, es_json *j, key *k, int *field) {
  const es_domain *d = r->l->base.domain;
  size_t i;
  int esc, rc;
  *field = -1;
  if ((rc = es_json_string_raw(j, &k->raw, &k->rawn, &esc))) return json_fail(r, j, NULL, rc);
  k->name = k->raw;
  k->n = k->rawn;
  /* A key longer than any field name even once decoded stays raw: it is unknown anyway. */
  if (esc && k->rawn < sizeof(k->tmp)) {
    if ((rc = es_json_unescape(j, k->raw, k->rawn, k->tmp, &k->n)))
      return json_fail(r, j, NULL, rc);
    k->name = k->tmp;
  }
  for (i = 0; i < d->nfields; i++)
    if (strlen(d->fields[i].name) == k->n && !memcmp(d->fields[i].name, k->name, k->n))
      *field = (int)i;
  es_json_ws(j);
  if (j->p >= j->end || *j->p != ':') return rec_fail(r, j->p, NULL, "expected ':'");
  j->p++;
  es_json_ws(j);
  return 0;
}

/* A key the domain does not have: refused by name, with the field it most likely meant. */
static int unknown_key(rec *r, const char *at, const key *k) {
  const es_domain *d = r->l->base.domain;
  es_buf b = ES_BUF_INIT;
  char hint[96];
  int rc;
  es_buf_puts(&b, "unknown field ");
  es_columns_quote(&b, k->name, k->n);
  es_columns_hint(d, k->name, k->n, hint, sizeof(hint));
  es_buf_printf(&b, "%s (pass %s to drop fields the %s domain does not have)", hint,
                ES_COLUMNS_IGNORE_OPTION, d->name);
  rc = b.oom ? oom(r) : rec_fail(r, at, NULL, b.ptr);
  es_buf_free(&b);
  return rc;
}

/* Every field must be there: a missing one read as its default would overwrite stored values. */
static int check_present(rec *r, const char *at, unsigned seen) {
  const es_domain *d = r->l->base.domain;
  es_buf b = ES_BUF_INIT;
  char fields[256];
  size_t i, k = 0;
  int rc;
  if (seen == (1u << d->nfields) - 1) return 0;
  for (i = 0; i < d->nfields; i++)
    if (!(seen & (1u << i))) es_buf_printf(&b, "%s%s", k++ ? ", " : "", d->fields[i].name);
  es_columns_list(d, fields, sizeof(fields));
  if (b.oom)
    rc = oom(r);
  else
    rc = es_load_fail(r->err, r->l->base.path, r->l->line, (uint64_t)(at - r->start) + 1, NULL,
                      "missing field%s %s (a %s object has the fields %s)", es_plural(k), b.ptr,
                      d->name, fields);
  es_buf_free(&b);
  return rc;
}

/* One member: its key, then its value into the row (or skipped, when the key is dropped). */
static int member(rec *r, es_json *j, unsigned *seen) {
  const es_domain *d = r->l->base.domain;
  const char *at = j->p;
  key k;
  int f, rc;
  if ((rc = member_key(r, j, &k, &f))) return rc;
  if (f < 0) {
    if (!r->l->ignore_unknown) return unknown_key(r, at, &k);
    return (rc = es_json_skip(j)) ? json_fail(r, j, NULL, rc) : 0;
  }
  if (*seen & (1u << f)) return rec_fail(r, at, d->fields[f].name, "appears twice in the object");
  *seen |= 1u << f;
  return value(r, j, &d->fields[f], &r->row[f]);
}

static int parse_object(rec *r, es_json *j) {
  unsigned seen = 0;
  int rc;
  es_json_ws(j);
  if (j->p >= j->end || *j->p != '{') return rec_fail(r, j->p, NULL, "expected a JSON object");
  j->p++;
  es_json_ws(j);
  if (j->p < j->end && *j->p == '}') return j->p++, check_present(r, j->p - 1, seen);
  for (;;) {
    es_json_ws(j);
    if ((rc = member(r, j, &seen))) return rc;
    es_json_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == '}') break;
    return rec_fail(r, j->p, NULL, "expected ',' or '}'");
  }
  j->p++;
  if (!es_json_at_end(j)) return rec_fail(r, j->p, NULL, "unexpected data after the object");
  if ((rc = check_present(r, j->p - 1, seen))) return rc;
  return es_loader_check_row(&r->l->base, r->row, r->l->line, r->err);
}

static int blank_line(const char *s, const char *e) {
  for (; s < e; s++)
    if (*s != ' ' && *s != '\t' && *s != '\r') return 0;
  return 1;
}

/* The next line [buf + pos, *eol) (without its '\n'), *next after it: 1, 0 at end of file. */
static int next_line(jsonl_loader *l, size_t *eol, size_t *next, es_error *err) {
  es_reader *r = &l->r;
  size_t scanned = 0; /* bytes already searched, so a long line is not searched again */
  int rc;
  for (;;) {
    const char *s = r->buf + r->pos, *nl = memchr(s + scanned, '\n', r->len - r->pos - scanned);
    if (nl) {
      *eol = (size_t)(nl - r->buf);
      *next = *eol + 1;
      return 1;
    }
    if (r->eof) {
      if (r->pos == r->len) return 0;
      *eol = *next = r->len;
      return 1;
    }
    scanned = r->len - r->pos;
    if ((rc = es_reader_more(r, err)) < 0) return rc;
  }
}

static int jsonl_next(es_loader *base, es_chunk *out, size_t max_rows, es_error *err) {
  jsonl_loader *l = (jsonl_loader *)base;
  size_t added = 0, eol, next;
  int rc;
  if ((rc = es_loader_check_next(base, &l->fail, out, &max_rows, err))) return rc;
  while (added < max_rows) {
    const char *s;
    if ((rc = next_line(l, &eol, &next, err)) < 0) return es_loader_keep(&l->fail, rc, err);
    if (rc == 0) break;
    s = l->r.buf + l->r.pos;
    if (!blank_line(s, l->r.buf + eol)) {
      rec r = {l, s, NULL, &out->arena, err};
      es_json j;
      if (!(r.row = es_chunk_add_row(out, l->line))) return es_loader_keep(&l->fail, oom(&r), err);
      es_json_init(&j, s, eol - l->r.pos);
      if ((rc = parse_object(&r, &j))) {
        out->nrows--;
        return es_loader_keep(&l->fail, rc, err);
      }
      added++;
    }
    l->r.pos = next;
    l->line++;
    /* Every record is one line, so the reader's line cursor is kept without counting. */
    l->r.line = l->line;
    l->r.line_pos = next;
  }
  base->bytes_read = es_reader_progress(&l->r);
  return (int)added;
}

static void jsonl_close(es_loader *base) {
  jsonl_loader *l = (jsonl_loader *)base;
  es_reader_close(&l->r);
  es_fvec_free(&l->vec);
  es_pvec_free(&l->strs);
  es_loader_base_free(base);
  free(l);
}

static es_reader *jsonl_reader(es_loader *l) { return &((jsonl_loader *)l)->r; }

/* Records are lines, and JSON text never holds a raw newline: any LF at or after `from` ends
   a record. */
static int jsonl_cut(const char *buf, size_t start, size_t from, size_t len, int eof, size_t *end) {
  size_t at = from > start ? from : start;
  const char *nl = at < len ? memchr(buf + at, '\n', len - at) : NULL;
  if (nl)
    *end = (size_t)(nl - buf) + 1;
  else if (eof)
    *end = len;
  else
    *end = start; /* no end yet: search again with more bytes */
  return nl || eof;
}

/* The loader counts lines by LF only (a CR is whitespace inside a line). */
static uint64_t jsonl_lines(const char *p, const char *end) {
  uint64_t n = 0;
  for (; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++) n++;
  return n;
}

static int jsonl_fork(es_loader *l, es_loader **out, es_error *err);

static void jsonl_feed(es_loader *base, char *buf, size_t len, uint64_t line) {
  jsonl_loader *l = (jsonl_loader *)base;
  es_reader_open_piece(&l->r, base->path, buf, len, line);
  l->line = line;
  es_err_clear(&l->fail);
}

static const es_split_ops jsonl_split_ops = {jsonl_reader, jsonl_cut, jsonl_lines, jsonl_fork,
                                             jsonl_feed};

static jsonl_loader *jsonl_new(const es_loader_opts *opts) {
  jsonl_loader *l = calloc(1, sizeof(*l));
  if (!l) return NULL;
  l->r.fd = -1;
  l->line = 1;
  l->ignore_unknown = opts && opts->ignore_unknown_columns;
  l->base.next = jsonl_next;
  l->base.close = jsonl_close;
  l->base.split = &jsonl_split_ops;
  return l;
}

static int jsonl_fork(es_loader *base, es_loader **out, es_error *err) {
  jsonl_loader *p = (jsonl_loader *)base, *l = jsonl_new(NULL);
  int rc;
  *out = NULL;
  if (!l) return es_err_set(err, ES_ENOMEM, "out of memory");
  l->ignore_unknown = p->ignore_unknown;
  if ((rc = es_loader_base_init(&l->base, "jsonl", base->domain, base->path, err))) {
    jsonl_close(&l->base);
    return rc;
  }
  l->base.dim = base->dim;
  l->base.dim_line = base->dim_line;
  *out = &l->base;
  return 0;
}

/* m: read from memory instead of the file. */
static int jsonl_open(const char *path, const es_reader_mem *m, const es_domain *d,
                      const es_loader_opts *opts, es_loader **out, es_error *err) {
  jsonl_loader *l = jsonl_new(opts);
  int rc;
  *out = NULL;
  if (!l) return es_err_set(err, ES_ENOMEM, "out of memory");
  if ((rc = es_loader_base_init(&l->base, "jsonl", d, path, err))) goto fail;
  if ((rc = es_loader_open_reader(&l->base, path, m, &l->r, err))) goto fail;
  *out = &l->base;
  return 0;
fail:
  jsonl_close(&l->base);
  return rc;
}

es_loader_open_fn es_jsonl_open;

int es_jsonl_open(const char *path, const es_domain *d, const es_loader_opts *opts, es_loader **out,
                  es_error *err) {
  return jsonl_open(path, NULL, d, opts, out, err);
}

int es_jsonl_open_mem(const char *path, const es_reader_mem *m, const es_domain *d,
                      const es_loader_opts *opts, es_loader **out, es_error *err) {
  return jsonl_open(path, m, d, opts, out, err);
}
