/* load_testutil.h - temp files and whole-file loading for the loader unit tests. */
#ifndef ES_LOAD_TESTUTIL_H
#define ES_LOAD_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "core/buf.h"
#include "load/loader.h"
#include "load/loader_int.h"
#include "load/rowfmt.h"
#include "tap.h"
#include "tmpdir.h"

static char tu_dir[256];

/* A fresh directory under $TMPDIR for this test's files, removed by tu_cleanup(). */
static inline void tu_init(void) { td_make(tu_dir, sizeof(tu_dir), "load"); }

static inline void tu_cleanup(void) { td_remove(tu_dir); }

static inline const char *tu_path(const char *name) {
  static char p[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof(p[k]), "%s/%s", tu_dir, name);
  return p[k];
}

static inline const char *tu_write_n(const char *name, const char *data, size_t n) {
  const char *path = tu_path(name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
    perror(path);
    exit(1);
  }
  return path;
}

static inline const char *tu_write(const char *name, const char *data) {
  return tu_write_n(name, data, strlen(data));
}

/* Loads every row of path into c (initialised here), max_rows per next() call, with the loader
   options opts (NULL: the defaults). Returns the row count or the negative es_code of the first
   failure (err filled). */
static inline long tu_load_opts(const char *path, const char *domain, const es_loader_opts *opts,
                                es_chunk *c, size_t max_rows, es_error *err) {
  const es_domain *d = es_domain_find(domain);
  es_loader *l = NULL;
  long total = 0;
  int n;
  es_chunk_init(c, d);
  es_err_clear(err);
  if ((n = es_loader_open(path, d, opts, &l, err))) return n;
  while ((n = es_loader_next(l, c, max_rows, err)) > 0) {
    if ((size_t)n > max_rows) {
      fprintf(stderr, "next() returned %d rows for max_rows %zu\n", n, max_rows);
      n = ES_EINTERNAL;
      break;
    }
    total += n;
  }
  es_loader_close(l);
  return n < 0 ? n : total;
}

static inline long tu_load(const char *path, const char *domain, es_chunk *c, size_t max_rows,
                           es_error *err) {
  return tu_load_opts(path, domain, NULL, c, max_rows, err);
}

/* Everything a loader makes of a file, as text: each row's line and JSON, then the outcome (the
   error message, or "end"). m: read from memory in pieces instead of from path. take: read with
   es_loader_take (whole pieces of a parallel loader) instead of es_loader_next. */
static inline void tu_dump_how(const char *path, const es_reader_mem *m, const char *domain,
                               const es_loader_opts *opts, int take, es_buf *out) {
  const es_domain *d = es_domain_find(domain);
  int jsonl = strstr(path, ".csv") == NULL;
  es_loader *l = NULL;
  es_chunk c;
  es_error err;
  size_t k;
  int n;
  es_buf_clear(out);
  es_chunk_init(&c, d);
  es_err_clear(&err);
  if (!m)
    n = es_loader_open(path, d, opts, &l, &err);
  else if (jsonl)
    n = es_jsonl_open_mem(path, m, d, opts, &l, &err);
  else
    n = es_csv_open_mem(path, m, d, opts, &l, &err);
  /* open gave 0, each batch a count > 0 */
  while (n >= 0 &&
         (n = take ? es_loader_take(l, &c, 5, &err) : es_loader_next(l, &c, 5, &err)) > 0) {
    for (k = 0; k < c.nrows; k++) {
      es_buf_printf(out, "%llu ", (unsigned long long)c.lines[k]);
      es_rowfmt_jsonl(out, d, es_chunk_row(&c, k), ES_ROWFMT_G9);
    }
    es_chunk_reset(&c);
  }
  es_buf_printf(out, "%s\n", n ? err.msg : "end");
  es_loader_close(l);
  es_chunk_free(&c);
}

static inline void tu_dump(const char *path, const es_reader_mem *m, const char *domain,
                           const es_loader_opts *opts, es_buf *out) {
  tu_dump_how(path, m, domain, opts, 0, out);
}

/* Whether reading data from memory in small pieces (tiny buffers, short reads) gives exactly
   what reading the file gives: records straddling reads, buffer growth and the BOM across
   reads must not change a row, a line number or a message. */
static inline int tu_pieces_agree(const char *path, const char *domain,
                                  const es_loader_opts *opts) {
  static const size_t shapes[][2] = {{1, 1}, {4, 1}, {8, 3}, {64, 7}, {3, 0}};
  es_buf whole = ES_BUF_INIT, part = ES_BUF_INIT;
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  long size;
  size_t i;
  int ok = 1;
  if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
      !(data = malloc((size_t)size + 1)) || fread(data, 1, (size_t)size, f) != (size_t)size) {
    perror(path);
    exit(1);
  }
  fclose(f);
  tu_dump(path, NULL, domain, opts, &whole);
  for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
    es_reader_mem m = {data, (size_t)size, shapes[i][0], shapes[i][1]};
    tu_dump(path, &m, domain, opts, &part);
    if (whole.len != part.len || memcmp(whole.ptr, part.ptr, whole.len)) {
      fprintf(stderr, "%s read with buffer %zu, reads of %zu:\n%s\nbut whole:\n%s\n", path,
              shapes[i][0], shapes[i][1], part.ptr, whole.ptr);
      ok = 0;
    }
  }
  es_buf_free(&whole);
  es_buf_free(&part);
  free(data);
  return ok;
}

/* Writes content to the file name and loads it as tu_load_opts does, 100 rows a call; reading the
   same bytes from memory in small pieces must give the same rows, lines and messages (a check). */
static inline long tu_load_text(const char *name, const char *content, const char *domain,
                                const es_loader_opts *opts, es_chunk *c, es_error *err) {
  const char *p = tu_write(name, content);
  CHECK(tu_pieces_agree(p, domain, opts));
  return tu_load_opts(p, domain, opts, c, 100, err);
}

/* One file a loader must refuse (ES_EINVAL), and a part of the message it must give. */
typedef struct {
  const char *content, *msg;
} tu_refusal;

/* Loads each case as the file name of domain (3 checks a case: pieces agree, ES_EINVAL, the
   message); a failure names the table's line and the case's index, all cases sharing one line. */
static inline void tu_check_refusals(const char *file, int line, const char *name,
                                     const char *domain, const es_loader_opts *opts,
                                     const tu_refusal *cases, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    es_chunk c;
    es_error err;
    long got = tu_load_text(name, cases[i].content, domain, opts, &c, &err);
    es_chunk_free(&c);
    tap_check(got == ES_EINVAL, file, line, "case %zu: load gave %ld, expected ES_EINVAL (%d)", i,
              got, ES_EINVAL);
    tap_check(strstr(err.msg, cases[i].msg) != NULL, file, line,
              "case %zu: \"%s\" does not contain \"%s\"", i, err.msg, cases[i].msg);
  }
}

#define TU_CHECK_REFUSALS(name, domain, opts, cases)                       \
  tu_check_refusals(__FILE__, __LINE__, (name), (domain), (opts), (cases), \
                    sizeof(cases) / sizeof((cases)[0]))

static inline uint32_t tu_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

#endif
