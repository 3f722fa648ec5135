/* parquet.c - the loader: maps the file, checks the footer and every row group's metadata up
   front (so a broken file sends nothing), then fills chunks row group by row group, each field
   from its own column cursor, all of them advancing together. */
#include "load/parquet/parquet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/log.h"
#include "load/loader_int.h"
#include "load/parquet/column.h"
#include "load/parquet/fail.h"
#include "load/parquet/fill.h"
#include "load/parquet/fill_list.h"
#include "load/parquet/footer.h"
#include "load/parquet/rowgroup.h"
#include "load/parquet/schema.h"

typedef struct pq_loader {
  es_loader base;
  const uint8_t *file;
  size_t len;
  int mapped;
  es_pq_footer footer;
  es_pq_schema schema;
  es_pq_rgs rgs;
  es_pq_chunk chunks[ES_MAX_FIELDS];
  es_pq_col cols[ES_MAX_FIELDS];
  es_pq_scratch scratch;
  uint32_t rg;              /* row groups started */
  int in_rg;                /* one is being read */
  int64_t rg_rows, rg_done; /* its rows, and those produced */
  uint64_t row;             /* rows produced from the file */
  uint64_t budget;          /* bytes the rows may still expand to */
  es_error fail;            /* once failed, every later next() repeats the error */
} pq_loader;

static void pq_close(es_loader *l) {
  pq_loader *p = (pq_loader *)l;
  size_t f;
  if (!p) return;
  for (f = 0; f < ES_MAX_FIELDS; f++) {
    if (p->cols[f].largest_read)
      es_debug("%s: column %s: largest page %zu bytes", l->path, p->cols[f].spec->name,
               p->cols[f].largest_read);
    es_pq_col_free(&p->cols[f]);
  }
  es_pq_scratch_free(&p->scratch);
  es_pq_schema_free(&p->schema);
  es_pq_footer_free(&p->footer);
  if (p->mapped) munmap((void *)(uintptr_t)p->file, p->len);
  es_loader_base_free(l);
  free(p);
}

static int start_rg(pq_loader *p, es_error *err) {
  const es_domain *d = p->base.domain;
  size_t f;
  int rc = es_pq_rgs_next(&p->rgs, &p->footer, p->schema.slot, p->schema.leaf_type,
                          p->schema.nleaves, p->chunks, &p->rg_rows);
  if (rc <= 0) return rc;
  for (f = 0; f < d->nfields; f++)
    if ((rc = es_pq_col_open(&p->cols[f], &p->schema.cols[f], &p->chunks[f], p->file, p->mapped,
                             &p->budget, err)))
      return rc;
  p->rg++;
  p->in_rg = 1;
  p->rg_done = 0;
  return 1;
}

static int finish_rg(pq_loader *p, es_error *err) {
  size_t f;
  int rc;
  for (f = 0; f < p->base.domain->nfields; f++)
    if ((rc = es_pq_col_finish(&p->cols[f], err)))
      return es_err_prefix(err, "row group %u: column '%s': ", p->rg - 1, p->schema.cols[f].name);
  p->in_rg = 0;
  return 0;
}

/* A row es_loader_check_row refused (its message names the file and the row's index in it):
   the row group and the row's index there go after it. */
static int refuse_row(const pq_loader *p, int rc, uint64_t rg_row, es_error *err) {
  size_t n = strnlen(err->msg, sizeof(err->msg) - 1);
  snprintf(err->msg + n, sizeof(err->msg) - n, " (row group %u, row %llu in it)", p->rg - 1,
           (unsigned long long)rg_row);
  return rc;
}

/* k more rows of the current row group into out, every field from its column; errors name the
   file. */
static int fill_rows(pq_loader *p, es_chunk *out, size_t k, es_error *err) {
  const es_domain *d = p->base.domain;
  size_t base = out->nrows, j, f;
  es_pq_rows r;
  int rc;
  for (j = 0; j < k; j++)
    if (!es_chunk_add_row(out, p->row + j + 1))
      return es_err_set(err, ES_ENOMEM, "%s: out of memory", p->base.path);
  r.v = es_chunk_row(out, base);
  r.nfields = d->nfields;
  r.n = k;
  r.arena = &out->arena;
  r.budget = &p->budget;
  r.rg_row = (uint64_t)p->rg_done;
  r.row = p->row;
  for (f = 0; f < d->nfields; f++) {
    es_pq_col *c = &p->cols[f];
    rc = c->spec->list ? es_pq_fill_list(c, f, &r, &p->scratch, err)
                       : es_pq_fill_scalar(c, f, f == d->key, &r, err);
    if (rc)
      return es_err_prefix(err, "%s: row group %u: column '%s': ", p->base.path, p->rg - 1,
                           c->spec->name);
  }
  /* The server's checks, so that a bad row is named here in the file's terms ("f.parquet: row
     index N: ...", as for a pickle), not by the server as a message and an index in it. */
  for (j = 0; j < k; j++)
    if ((rc = es_loader_check_row(&p->base, es_chunk_row(out, base + j), p->row + j + 1, err)))
      return refuse_row(p, rc, (uint64_t)p->rg_done + j, err);
  p->rg_done += (int64_t)k;
  p->row += k;
  return 0;
}

static int fail(pq_loader *p, int rc, es_error *err) {
  es_err_prefix(err, "%s: ", p->base.path);
  return es_loader_keep(&p->fail, rc, err);
}

static int pq_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  pq_loader *p = (pq_loader *)l;
  size_t added = 0, k;
  int rc;
  if ((rc = es_loader_check_next(l, &p->fail, out, &max_rows, err))) return rc;
  while (added < max_rows) {
    if (!p->in_rg && (rc = start_rg(p, err)) <= 0) {
      if (rc < 0) return fail(p, rc, err);
      break;
    }
    k = (uint64_t)(p->rg_rows - p->rg_done) < max_rows - added ? (size_t)(p->rg_rows - p->rg_done)
                                                               : max_rows - added;
    if (!k) {
      if ((rc = finish_rg(p, err))) return fail(p, rc, err);
      continue;
    }
    if ((rc = fill_rows(p, out, k, err))) return es_loader_keep(&p->fail, rc, err);
    added += k;
  }
  l->bytes_read =
      p->footer.num_rows > 0 && p->row < (uint64_t)p->footer.num_rows
          ? (uint64_t)((double)l->bytes_total * (double)p->row / (double)p->footer.num_rows)
          : l->bytes_total;
  return (int)added;
}

/* Every row group's metadata checked before the first row is produced. */
static int check_row_groups(pq_loader *p, es_error *err) {
  es_pq_rgs it;
  int64_t rows;
  uint64_t total = 0;
  int rc;
  es_pq_rgs_start(&it, &p->footer, err);
  while ((rc = es_pq_rgs_next(&it, &p->footer, p->schema.slot, p->schema.leaf_type,
                              p->schema.nleaves, p->chunks, &rows)) > 0)
    total += (uint64_t)rows;
  if (rc < 0) return rc;
  es_debug("%s: %u row groups, %llu rows, %u leaf columns", p->base.path, p->footer.nrow_groups,
           (unsigned long long)total, p->schema.nleaves);
  es_pq_rgs_start(&p->rgs, &p->footer, err);
  return 0;
}

static int open_buf(pq_loader *p, const es_domain *d, const es_loader_opts *opts, es_error *err) {
  const char *path = p->base.path;
  int rc;
  if ((rc = es_pq_footer_read(p->file, p->len, &p->footer, err)))
    return es_err_prefix(err, "%s: ", path);
  if ((rc = es_pq_schema_map(&p->footer, d, path, opts->ignore_unknown_columns, &p->schema, err)))
    return rc;
  if ((rc = check_row_groups(p, err))) return es_err_prefix(err, "%s: ", path);
  /* As for pickles: output beyond 256 x the file is a bomb (shared dictionary entries), not data.
   */
  p->budget = p->len > (UINT64_MAX - ((uint64_t)64 << 20)) / 256
                  ? UINT64_MAX
                  : (uint64_t)p->len * 256 + ((uint64_t)64 << 20);
  p->base.bytes_total = p->len;
  return 0;
}

static int make(const char *name, const es_domain *d, pq_loader **out, es_error *err) {
  pq_loader *p = calloc(1, sizeof(*p));
  int rc;
  *out = NULL;
  if (!p) return es_err_set(err, ES_ENOMEM, "%s: out of memory", name);
  p->base.next = pq_next;
  p->base.close = pq_close;
  if ((rc = es_loader_base_init(&p->base, "parquet", d, name, err))) {
    free(p);
    return rc;
  }
  p->base.rows_indexed = 1; /* a table's rows: "row index N", as for a pickle */
  *out = p;
  return 0;
}

int es_parquet_open_mem(const uint8_t *buf, size_t len, const char *name, const es_domain *d,
                        const es_loader_opts *opts, es_loader **out, es_error *err) {
  static const es_loader_opts defaults;
  pq_loader *p;
  int rc;
  *out = NULL;
  if ((rc = make(name, d, &p, err))) return rc;
  p->file = buf;
  p->len = len;
  if ((rc = open_buf(p, d, opts ? opts : &defaults, err))) {
    pq_close(&p->base);
    return rc;
  }
  *out = &p->base;
  return 0;
}

static int map_file(pq_loader *p, es_error *err) {
  const char *path = p->base.path;
  struct stat st;
  void *m;
  int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
  if (fd < 0)
    return es_err_set(err, errno == ENOENT ? ES_ENOTFOUND : ES_EIO, "%s: %s", path,
                      strerror(errno));
  if (fstat(fd, &st)) {
    rc = es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    rc = es_err_set(err, ES_EINVAL, "%s: not a regular file (a Parquet file is read from its end)",
                    path);
  } else if (st.st_size < 12) {
    rc = es_err_set(err, ES_EINVAL, "%s: %lld bytes is too short for a Parquet file", path,
                    (long long)st.st_size);
  } else if ((uint64_t)st.st_size > SIZE_MAX) {
    rc = es_err_set(err, ES_EINVAL, "%s: too large to map", path);
  } else if ((m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
    rc = es_err_set(err, ES_EIO, "%s: mmap: %s", path, strerror(errno));
  } else {
    p->file = m;
    p->len = (size_t)st.st_size;
    p->mapped = 1;
  }
  close(fd);
  return rc;
}

es_loader_open_fn es_parquet_open;

int es_parquet_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                    es_loader **out, es_error *err) {
  pq_loader *p;
  int rc;
  *out = NULL;
  if ((rc = make(path, d, &p, err))) return rc;
  if ((rc = map_file(p, err)) || (rc = open_buf(p, d, opts, err))) {
    pq_close(&p->base);
    return rc;
  }
  *out = &p->base;
  return 0;
}
