/* pickle.c - the pickle loader behind loader.h: maps the file, interprets it once, then rows chunk
 * by chunk. */
#include "load/pickle/pickle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env.h"
#include "core/log.h"
#include "core/readfile.h"
#include "load/loader_int.h"
#include "load/pickle/cell.h"
#include "load/pickle/fail.h"
#include "load/pickle/prefault.h"
#include "load/pickle/rows.h"
#include "load/pickle/table.h"
#include "load/pickle/vm.h"

/* Dropping mapped pages behind the reader keeps RSS at the object graph plus a window, not the
   file's size. Dropped clean pages of a file mapping simply fault in again if read once more. */
#define RELEASE_MIN (256u << 10)
#define PREFAULT_MIN ((size_t)64 << 20)

typedef struct pkl_loader {
  es_loader base;
  es_pkl_vm vm;
  es_pkl_table table;
  uint8_t *buf;
  size_t len;
  int mapped;                        /* buf is our private mapping of the file */
  int owned;                         /* buf is ours to free (mapped, or read from a pipe) */
  uint64_t row;                      /* next row to produce */
  uint64_t out_left;                 /* bytes the rows may still expand to */
  size_t released;                   /* first pass: pages before this offset were dropped */
  const uint8_t **wm[ES_MAX_FIELDS]; /* per field (and vector component): read up to here */
  size_t nwm[ES_MAX_FIELDS];
  const uint8_t **addrs; /* scratch for es_pkl_table_addrs */
} pkl_loader;

static void drop(pkl_loader *pl, const uint8_t *from, const uint8_t *to) {
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
  lo = (uintptr_t)from;
  hi = (uintptr_t)to;
  /* Decoded data lives in the graph, not the mapping: only ranges inside the file count. */
  if (!pl->mapped || lo < (uintptr_t)pl->buf || hi > (uintptr_t)pl->buf + pl->len) return;
  lo &= ~(page - 1);
  hi &= ~(page - 1);
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static void vm_progress(void *ctx, size_t pos) {
  pkl_loader *pl = ctx;
  drop(pl, pl->buf + pl->released, pl->buf + pos);
  pl->released = pos;
}

/* After a chunk: for each field, drop what lies between where it was and where its next row is. */
static void release_rows(pkl_loader *pl, int first) {
  size_t f, j, n;
  if (!pl->mapped) return;
  for (f = 0; f < pl->table.nfields; f++) {
    n = es_pkl_table_addrs(&pl->table, f, pl->row, pl->addrs, ES_DIM_MAX);
    if (!n) continue;
    if (first || !pl->wm[f]) {
      free(pl->wm[f]);
      if (!(pl->wm[f] = malloc(n * sizeof(*pl->wm[f])))) continue;
      memcpy(pl->wm[f], pl->addrs, n * sizeof(*pl->wm[f]));
      pl->nwm[f] = n;
      continue;
    }
    if (n != pl->nwm[f]) continue;
    for (j = 0; j < n; j++)
      if ((uintptr_t)pl->addrs[j] > (uintptr_t)pl->wm[f][j] &&
          (uintptr_t)pl->addrs[j] - (uintptr_t)pl->wm[f][j] >= RELEASE_MIN) {
        drop(pl, pl->wm[f][j], pl->addrs[j]);
        pl->wm[f][j] = pl->addrs[j];
      }
  }
}

static int pkl_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  pkl_loader *pl = (pkl_loader *)l;
  es_error local;
  size_t n = 0;
  int rc;
  if (!err) err = &local;
  if (out->domain != l->domain && es_chunk_set_domain(out, l->domain))
    return es_err_set(err, ES_EINTERNAL, "chunk of another domain");
  if (max_rows > INT_MAX) max_rows = INT_MAX;
  while (n < max_rows && pl->row < pl->table.nrows) {
    es_value *v = es_chunk_add_row(out, pl->row + 1);
    if (!v) return es_err_set(err, ES_ENOMEM, "%s: out of memory", l->path);
    if ((rc = es_pkl_row_fill(&pl->table, l->domain, pl->row, v, &out->arena, &pl->out_left, err)))
      return es_err_prefix(err, "%s: ", l->path);
    /* Rows the server would refuse are refused here, in the file's terms, as for the text formats.
     */
    if ((rc = es_loader_check_row(l, v, pl->row + 1, err))) {
      out->nrows--;
      return rc;
    }
    pl->row++;
    n++;
  }
  release_rows(pl, 0);
  l->bytes_read =
      pl->table.nrows
          ? (uint64_t)((double)l->bytes_total * (double)pl->row / (double)pl->table.nrows)
          : l->bytes_total;
  return (int)n;
}

static void pkl_close(es_loader *l) {
  pkl_loader *pl = (pkl_loader *)l;
  size_t f;
  if (!pl) return;
  es_pkl_table_free(&pl->table);
  es_pkl_vm_free(&pl->vm);
  if (pl->owned && pl->mapped) munmap(pl->buf, pl->len);
  if (pl->owned && !pl->mapped) free(pl->buf);
  for (f = 0; f < ES_MAX_FIELDS; f++) free(pl->wm[f]);
  free(pl->addrs);
  free(l->path);
  free(pl);
}

/* The file's bytes, and whether they are a mapping and ours to release. */
typedef struct pkl_src {
  uint8_t *buf;
  size_t len;
  int mapped, owned;
} pkl_src;

static void src_release(const pkl_src *src) {
  if (src->owned && src->mapped) munmap(src->buf, src->len);
  if (src->owned && !src->mapped) free(src->buf);
}

/* A loader over src (which it then owns), not yet interpreted; NULL when out of memory. */
static pkl_loader *new_loader(const pkl_src *src, const char *name, const es_domain *d) {
  pkl_loader *pl = calloc(1, sizeof(*pl));
  if (!pl) return NULL;
  /* Only a mapping has pages to drop, so only it needs the address scratch. */
  pl->addrs = src->mapped ? malloc(ES_DIM_MAX * sizeof(*pl->addrs)) : NULL;
  pl->base.path = strdup(name);
  if ((src->mapped && !pl->addrs) || !pl->base.path) {
    free(pl->addrs);
    free(pl->base.path);
    free(pl);
    return NULL;
  }
  pl->buf = src->buf;
  pl->len = src->len;
  pl->mapped = src->mapped;
  pl->owned = src->owned;
  pl->base.format = "pickle";
  pl->base.domain = d;
  pl->base.bytes_total = src->len;
  pl->base.next = pkl_next;
  pl->base.rows_indexed = 1;
  pl->base.close = pkl_close;
  return pl;
}

/* Runs the pickle and finds the domain's columns in what it built: a file that does not fit the
   domain is refused here, before any row comes out. */
static int interpret(pkl_loader *pl, const es_loader_opts *opts, es_error *err) {
  const char *name = pl->base.path;
  int rc;
  es_pkl_vm_init(&pl->vm, pl->buf, pl->len, name);
  pl->vm.progress = vm_progress;
  pl->vm.progress_ctx = pl;
  /* A big file builds a big graph: its fresh memory is faulted in on the other core.
     ES_PICKLE_PREFAULT_MIN (bytes) lowers the threshold, so tests run small files through it. */
  if (pl->len >= es_env_size("ES_PICKLE_PREFAULT_MIN", PREFAULT_MIN, 0, SIZE_MAX))
    pl->vm.heap.pf = es_pkl_prefault_start();
  rc = es_pkl_vm_run(&pl->vm, err);
  if (!rc)
    es_debug("%s: pickle protocol %d interpreted: %zu memo entries, %.1f MiB of objects", name,
             pl->vm.proto, pl->vm.nmemo, (double)pl->vm.heap.used / 1048576.0);
  if (!rc)
    rc =
        es_pkl_table_build(&pl->vm, pl->base.domain, opts->ignore_unknown_columns, &pl->table, err);
  es_pkl_heap_end_prefault(&pl->vm.heap);
  return rc;
}

static int open_src(const pkl_src *src, const char *name, const es_domain *d,
                    const es_loader_opts *opts, es_loader **out, es_error *err) {
  static const es_loader_opts defaults;
  pkl_loader *pl;
  es_error local;
  int rc;
  if (!err) err = &local;
  *out = NULL;
  if (!(pl = new_loader(src, name, d))) {
    src_release(src);
    return es_err_set(err, ES_ENOMEM, "%s: out of memory", name);
  }
  if ((rc = interpret(pl, opts ? opts : &defaults, err))) {
    pkl_close(&pl->base);
    return rc;
  }
  /* Output may be 256 x the file (vectors of float32 from float lists are smaller, strings
     shared through the memo are not); beyond that the file is a bomb, not data. */
  pl->out_left = pl->len > (UINT64_MAX - ((uint64_t)64 << 20)) / 256
                     ? UINT64_MAX
                     : (uint64_t)pl->len * 256 + ((uint64_t)64 << 20);
  vm_progress(pl, pl->len);
  release_rows(pl, 1);
  *out = &pl->base;
  return 0;
}

int es_pickle_open_mem(const uint8_t *buf, size_t len, const char *name, const es_domain *d,
                       const es_loader_opts *opts, es_loader **out, es_error *err) {
  /* Not owned, so never freed; and nothing writes to it. */
  pkl_src src = {(uint8_t *)(uintptr_t)buf, len, 0, 0};
  return open_src(&src, name, d, opts, out, err);
}

int es_pickle_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                   es_loader **out, es_error *err) {
  struct stat st;
  pkl_src src = {NULL, 0, 0, 1};
  int fd, rc = 0;
  *out = NULL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return es_err_set(err, errno == ENOENT ? ES_ENOTFOUND : ES_EIO, "%s: %s", path,
                      strerror(errno));
  if (fstat(fd, &st)) {
    rc = es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
  } else if (S_ISREG(st.st_mode)) {
    if (st.st_size == 0) {
      rc = es_pkl_fail(err, "%s: empty file, not a pickle", path);
    } else if ((uint64_t)st.st_size > SIZE_MAX) {
      rc = es_pkl_fail(err, "%s: too large to map", path);
    } else {
      src.len = (size_t)st.st_size;
      src.buf = mmap(NULL, src.len, PROT_READ, MAP_PRIVATE, fd, 0);
      if (src.buf == MAP_FAILED)
        rc = es_err_set(err, ES_EIO, "%s: mmap: %s", path, strerror(errno));
      src.mapped = 1;
    }
  } else { /* a pipe or other non-regular file is read whole into memory */
    char *whole = NULL;
    rc = es_readfile_fd(fd, path, SIZE_MAX - 1, "a pickle", &whole, &src.len, err);
    src.buf = (uint8_t *)whole;
    if (!rc && !src.len) {
      free(src.buf);
      rc = es_pkl_fail(err, "%s: empty file, not a pickle", path);
    }
  }
  close(fd);
  if (rc) return rc;
  return open_src(&src, path, d, opts, out, err);
}
