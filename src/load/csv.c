/* csv.c - CSV input as Python's csv module reads it: RFC 4180 quoting, a header naming every
   proto field once, each record as wide as the header, `vector` and `skills` cells holding JSON
   arrays (an empty `skills` cell: no skills, like JSONL's null or []). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "load/cells.h"
#include "load/columns.h"
#include "load/csv_split.h"
#include "load/json.h"
#include "load/loader_int.h"
#include "load/reader.h"

typedef struct csv_loader {
  es_loader base;
  es_reader r;
  es_csv_fields f; /* the current record's fields */
  size_t ncols;    /* header width */
  int *colmap;     /* column -> domain field index, or -1 for a column dropped knowingly */
  int header_done; /* 0 only for an empty file */
  int ignore_unknown;
  int forked;  /* a worker's copy (es_split_ops.fork): colmap is its parent's */
  es_buf cell; /* a decoded JSON cell (doubled quotes removed) */
  es_fvec vec;
  es_pvec strs;
  es_error fail; /* once failed, every later next() repeats the error */
} csv_loader;

/* Line of the byte at buf offset off inside the current record. */
static uint64_t line_of(csv_loader *c, size_t off) { return es_reader_line(&c->r, off, 0); }

static int cell_fail(csv_loader *c, size_t col, size_t off, const char *msg, es_error *err) {
  int f = c->colmap[col];
  return es_load_fail(err, c->base.path, line_of(c, off), col + 1,
                      f >= 0 ? c->base.domain->fields[f].name : NULL, "%s", msg);
}

/* The cell's bytes with quoting undone: in place when plain, else decoded into c->cell. */
static int cell_bytes(csv_loader *c, const es_csv_field *f, const char **s, size_t *n) {
  if (f->kind == ES_CSV_PLAIN) {
    *s = c->r.buf + f->off;
    *n = f->n;
    return 0;
  }
  es_buf_clear(&c->cell);
  if (es_buf_grow(&c->cell, f->n)) return ES_ENOMEM;
  c->cell.len = es_csv_decode(c->r.buf + f->off, f->n, f->kind, c->cell.ptr);
  c->cell.ptr[c->cell.len] = '\0';
  *s = c->cell.ptr;
  *n = c->cell.len;
  return 0;
}

static int conv_text(csv_loader *c, const es_csv_field *f, es_arena *a, char **out,
                     const char **why) {
  size_t n;
  char *s;
  if (f->kind == ES_CSV_PLAIN) return es_cell_text(a, c->r.buf + f->off, f->n, out, why);
  if (!(s = es_arena_alloc(a, f->n + 1))) return ES_ENOMEM;
  n = es_csv_decode(c->r.buf + f->off, f->n, f->kind, s);
  s[n] = '\0';
  *out = s;
  return es_cell_check_text(s, n, why);
}

/* Where a JSON error inside the cell points, as a buffer offset (the cell start when decoded). */
static size_t json_err_off(csv_loader *c, const es_csv_field *f, const es_json *j) {
  if (f->kind != ES_CSV_PLAIN) return f->off;
  return (size_t)(j->err_at - c->r.buf);
}

static int conv_json(csv_loader *c, size_t col, const es_csv_field *f, es_value *v, es_arena *a,
                     es_error *err) {
  const es_field *fd = &c->base.domain->fields[c->colmap[col]];
  const char *s, *expect;
  size_t n;
  es_json j;
  int rc;
  if ((rc = cell_bytes(c, f, &s, &n))) goto oom;
  expect = fd->type == ES_T_VECTOR ? "expected a JSON array of numbers"
                                   : "expected a JSON array of strings";
  if (n == 0) {
    if (fd->type == ES_T_VECTOR)
      return cell_fail(c, col, f->off, "expected a JSON array of numbers, got an empty cell", err);
    return 0; /* no skills */
  }
  es_json_init(&j, s, n);
  if (fd->type == ES_T_VECTOR) {
    c->vec.n = 0;
    rc = es_json_floats(&j, &c->vec);
    if (!rc && !es_json_at_end(&j)) rc = es_json_fail(&j, j.p, "unexpected data after the array");
    if (!rc && (rc = es_cell_vector(a, &c->vec, v))) goto oom;
  } else {
    rc = es_json_strings(&j, a, &c->strs, &v->list.items, &v->list.n);
    if (!rc && !es_json_at_end(&j)) rc = es_json_fail(&j, j.p, "unexpected data after the array");
  }
  if (rc == ES_ENOMEM) goto oom;
  if (rc) {
    char what[256];
    snprintf(what, sizeof(what), "%s (%s at character %zu of the cell)", expect, j.why,
             (size_t)(j.err_at - s) + 1);
    return cell_fail(c, col, json_err_off(c, f, &j), what, err);
  }
  return 0;
oom:
  return es_err_set(err, ES_ENOMEM, "%s: out of memory", c->base.path);
}

static int conv_cell(csv_loader *c, size_t col, const es_csv_field *f, es_value *v, es_arena *a,
                     es_error *err) {
  const es_field *fd = &c->base.domain->fields[c->colmap[col]];
  const char *why = NULL, *s;
  size_t n;
  int rc = 0;
  switch (fd->type) {
  case ES_T_TEXT: rc = conv_text(c, f, a, &v->s, &why); break;
  case ES_T_INT:
    if ((rc = cell_bytes(c, f, &s, &n))) break;
    rc = es_cell_int(s, n, &v->i, &why);
    break;
  default: return conv_json(c, col, f, v, a, err);
  }
  if (rc && why) return cell_fail(c, col, f->off, why, err);
  if (rc) return es_err_set(err, rc, "%s: out of memory", c->base.path);
  return 0;
}

/* A record must have the header's width: a missing cell is not filled in (a default would
   overwrite a stored value), an extra one belongs to no column. */
static int width_fail(csv_loader *c, es_error *err) {
  const es_csv_field *last = &c->f.v[c->f.n - 1];
  if (c->f.n > c->ncols)
    return es_load_fail(err, c->base.path, line_of(c, last->off), c->f.n, NULL,
                        "the row has more fields than the header's %zu", c->ncols);
  /* Named where the record ends, which is where a cell is missing. */
  return es_load_fail(err, c->base.path, line_of(c, last->off + last->n), c->f.n + 1, NULL,
                      "the row has %zu field%s but the header has %zu", c->f.n, es_plural(c->f.n),
                      c->ncols);
}

static int convert_row(csv_loader *c, uint64_t line, es_chunk *out, es_error *err) {
  es_value *row;
  size_t i;
  int rc;
  if (c->f.n != c->ncols) return width_fail(c, err);
  if (!(row = es_chunk_add_row(out, line))) return es_err_set(err, ES_ENOMEM, "out of memory");
  for (i = 0; i < c->ncols; i++) {
    int fi = c->colmap[i];
    if (fi < 0) continue;
    if ((rc = conv_cell(c, i, &c->f.v[i], &row[fi], &out->arena, err))) goto drop;
  }
  if ((rc = es_loader_check_row(&c->base, row, line, err))) goto drop;
  return 0;
drop:
  out->nrows--;
  return rc;
}

/* The next record into c->f: 1, or 0 at end of file, or a negative es_code. */
static int next_record(csv_loader *c, size_t *rec_end, es_error *err) {
  es_reader *r = &c->r;
  int rc;
  size_t limit = c->header_done ? c->ncols + 1 : (size_t)-1;
  for (;;) {
    if (r->pos == r->len) {
      if (r->eof) return 0;
    } else {
      rc = es_csv_split(r->buf, r->pos, r->len, r->eof, limit, &c->f, rec_end);
      if (rc == ES_CSV_RECORD) return 1;
      if (rc == ES_CSV_UNTERMINATED)
        return es_load_fail(err, c->base.path, line_of(c, c->f.bad), c->f.n + 1, NULL,
                            "unterminated quoted field starts here");
      if (rc < 0) return es_err_set(err, rc, "%s: out of memory", c->base.path);
    }
    if ((rc = es_reader_more(r, err)) < 0) return rc;
  }
}

/* An empty line (not a line holding "", which Python's csv reads as one empty field). */
static int is_blank(const csv_loader *c) {
  const es_csv_field *v = c->f.v;
  return c->f.n == 1 && v[0].n == 0 && v[0].kind == ES_CSV_PLAIN && c->r.buf[c->r.pos] != '"';
}

/* The header's names with quoting undone: plain ones point into the read buffer, the others
   are decoded one after another into c->cell (grown once: their sizes add up to at most the
   record's, which fits the buffer). */
static int header_names(csv_loader *c, es_colname *names) {
  size_t i, total = 0;
  for (i = 0; i < c->ncols; i++)
    if (c->f.v[i].kind != ES_CSV_PLAIN) total += c->f.v[i].n;
  es_buf_clear(&c->cell);
  if (es_buf_grow(&c->cell, total)) return ES_ENOMEM;
  for (i = 0; i < c->ncols; i++) {
    const es_csv_field *f = &c->f.v[i];
    if (f->kind == ES_CSV_PLAIN) {
      names[i].s = c->r.buf + f->off;
      names[i].n = f->n;
      continue;
    }
    names[i].s = c->cell.ptr + c->cell.len;
    names[i].n = es_csv_decode(c->r.buf + f->off, f->n, f->kind, c->cell.ptr + c->cell.len);
    c->cell.len += names[i].n;
  }
  return 0;
}

/* Every field of the domain once, no other column unless the user drops unknown ones. */
static int match_header(csv_loader *c, uint64_t line, es_error *err) {
  es_colname *names = calloc(c->ncols, sizeof(*names));
  es_buf where = ES_BUF_INIT;
  int rc;
  if (!(c->colmap = calloc(c->ncols, sizeof(int))) || !names || header_names(c, names)) {
    rc = es_err_set(err, ES_ENOMEM, "%s: out of memory", c->base.path);
    goto done;
  }
  es_buf_printf(&where, "%s:%llu", c->base.path, (unsigned long long)line);
  if (where.oom) {
    rc = es_err_set(err, ES_ENOMEM, "%s: out of memory", c->base.path);
    goto done;
  }
  rc = es_columns_match(c->base.domain, where.ptr, names, c->ncols, c->ignore_unknown, c->colmap,
                        err);
done:
  es_buf_free(&where);
  free(names);
  return rc;
}

/* 1 when the header was read, 0 for an empty file, or a negative es_code. */
static int read_header(csv_loader *c, es_error *err) {
  size_t end;
  uint64_t line;
  int rc;
  for (;;) {
    if ((rc = next_record(c, &end, err)) <= 0) return rc;
    if (!is_blank(c)) break;
    c->r.pos = end;
  }
  line = es_reader_line(&c->r, c->r.pos, 1);
  c->ncols = c->f.n;
  if ((rc = match_header(c, line, err))) return rc;
  c->r.pos = end;
  c->header_done = 1;
  return 1;
}

static int csv_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  csv_loader *c = (csv_loader *)l;
  size_t added = 0, end;
  int rc;
  if ((rc = es_loader_check_next(l, &c->fail, out, &max_rows, err))) return rc;
  if (!c->header_done) return 0; /* an empty file: no header, no rows */
  while (added < max_rows) {
    if ((rc = next_record(c, &end, err)) < 0) return es_loader_keep(&c->fail, rc, err);
    if (rc == 0) break;
    if (!is_blank(c)) {
      if ((rc = convert_row(c, es_reader_line(&c->r, c->r.pos, 1), out, err)))
        return es_loader_keep(&c->fail, rc, err);
      added++;
    }
    c->r.pos = end;
  }
  l->bytes_read = es_reader_progress(&c->r);
  return (int)added;
}

static void csv_close(es_loader *l) {
  csv_loader *c = (csv_loader *)l;
  es_reader_close(&c->r);
  es_csv_fields_free(&c->f);
  if (!c->forked) free(c->colmap);
  es_buf_free(&c->cell);
  es_fvec_free(&c->vec);
  es_pvec_free(&c->strs);
  es_loader_base_free(l);
  free(c);
}

static es_reader *csv_reader(es_loader *l) { return &((csv_loader *)l)->r; }

static int csv_fork(es_loader *l, es_loader **out, es_error *err);

static void csv_feed(es_loader *l, char *buf, size_t len, uint64_t line) {
  csv_loader *c = (csv_loader *)l;
  es_reader_open_piece(&c->r, l->path, buf, len, line);
  es_err_clear(&c->fail);
}

static const es_split_ops csv_split_ops = {csv_reader, es_csv_cut, es_reader_count_lines, csv_fork,
                                           csv_feed};

static csv_loader *csv_new(const es_domain *d, const es_loader_opts *opts) {
  csv_loader *c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->r.fd = -1;
  c->ignore_unknown = opts && opts->ignore_unknown_columns;
  c->base.next = csv_next;
  c->base.close = csv_close;
  c->base.split = &csv_split_ops;
  c->base.domain = d;
  return c;
}

/* Shares the parent's header (colmap) and first row's dimension; reads only what it is fed. */
static int csv_fork(es_loader *l, es_loader **out, es_error *err) {
  csv_loader *p = (csv_loader *)l, *c = csv_new(l->domain, NULL);
  int rc;
  *out = NULL;
  if (!c) return es_err_set(err, ES_ENOMEM, "out of memory");
  c->forked = 1;
  c->colmap = p->colmap;
  c->ncols = p->ncols;
  c->header_done = 1;
  c->ignore_unknown = p->ignore_unknown;
  if ((rc = es_loader_base_init(&c->base, "csv", l->domain, l->path, err))) {
    csv_close(&c->base);
    return rc;
  }
  c->base.dim = l->dim;
  c->base.dim_line = l->dim_line;
  *out = &c->base;
  return 0;
}

/* The header is read and held against the domain here, so a file with the wrong columns is
   refused before a stream begins. m: read from memory instead of the file. */
static int csv_open(const char *path, const es_reader_mem *m, const es_domain *d,
                    const es_loader_opts *opts, es_loader **out, es_error *err) {
  csv_loader *c = csv_new(d, opts);
  int rc;
  *out = NULL;
  if (!c) return es_err_set(err, ES_ENOMEM, "out of memory");
  if ((rc = es_loader_base_init(&c->base, "csv", d, path, err))) goto fail;
  if ((rc = es_loader_open_reader(&c->base, path, m, &c->r, err))) goto fail;
  if ((rc = read_header(c, err)) < 0) goto fail;
  *out = &c->base;
  return 0;
fail:
  csv_close(&c->base);
  return rc;
}

es_loader_open_fn es_csv_open;

int es_csv_open(const char *path, const es_domain *d, const es_loader_opts *opts, es_loader **out,
                es_error *err) {
  return csv_open(path, NULL, d, opts, out, err);
}

int es_csv_open_mem(const char *path, const es_reader_mem *m, const es_domain *d,
                    const es_loader_opts *opts, es_loader **out, es_error *err) {
  return csv_open(path, m, d, opts, out, err);
}
