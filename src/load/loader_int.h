/* loader_int.h - what format implementations share: the base fields' set-up and sticky errors. */
#ifndef ES_LOADER_INT_H
#define ES_LOADER_INT_H

#include "load/loader.h"
#include "load/reader.h"

/* Every format's constructor has this shape; loader.c's table names them es_<fmt>_open. */
typedef int es_loader_open_fn(const char *path, const es_domain *d, const es_loader_opts *opts,
                              es_loader **out, es_error *err);

/* Fills the base fields (copies path). */
int es_loader_base_init(es_loader *l, const char *format, const es_domain *d, const char *path,
                        es_error *err);
void es_loader_base_free(es_loader *l);

/* What next() starts with: the loader's sticky error when kept (NULL: it keeps none) holds
   one (es_loader_kept), then its arguments: out has the loader's domain (set when it has
   none), max_rows > 0. Returns 0 and the row limit clamped to INT_MAX, or a negative es_code. */
int es_loader_check_next(es_loader *l, const es_error *kept, es_chunk *out, size_t *max_rows,
                         es_error *err);

/* A loader's sticky error: once its next() has failed, every later call answers the same.
   es_loader_keep keeps err with code rc in *kept and returns rc; es_loader_kept returns 0
   while nothing is kept, else the kept code with *err (may be NULL) a copy of the error. */
int es_loader_keep(es_error *kept, int rc, const es_error *err);
int es_loader_kept(const es_error *kept, es_error *err);

/* The server's checks (core/validate.h) on a row just read from line `line`: the vector length
   of the file's first row (itself within ES_DIM_MIN..ES_DIM_MAX), UUID keys, non-empty keys,
   non-negative counts, finite values. The row is not changed (UUID keys stay as written: the
   server lowercases them). ES_EINVAL with "file:line: field 'x': ..." otherwise. */
int es_loader_check_row(es_loader *l, const es_value *row, uint64_t line, es_error *err);

/* Opens r over m (tests, fuzzing), standard input (path "-") or the file l->path names, and
   sets l->bytes_total. For the text formats' constructors. */
int es_loader_open_reader(es_loader *l, const char *path, const es_reader_mem *m, es_reader *r,
                          es_error *err);

/* What a text format gives load/par.c to parse the rest of a file on several threads. */
typedef struct es_split_ops {
  /* The loader's reader, positioned at the next record (its header and first row are read). */
  es_reader *(*reader)(es_loader *l);
  /* Where buf[start, len) may be cut: es_csv_cut's contract (csv_split.h). */
  int (*cut)(const char *buf, size_t start, size_t from, size_t len, int eof, size_t *end);
  /* Lines ended in [p, end) as the format numbers lines in its messages; end[0] is readable. */
  uint64_t (*lines)(const char *p, const char *end);
  /* A loader reading records from memory exactly as l does (l's columns, its first row's
     dimension), for one worker; closed with es_loader_close, before l. */
  int (*fork)(es_loader *l, es_loader **out, es_error *err);
  /* Points a fork at one piece: buf[0, len) whole records, buf[len] writable, `line` the
     file's line number at buf[0]. Its next() then reads that piece's rows. */
  void (*feed)(es_loader *fork, char *buf, size_t len, uint64_t line);
} es_split_ops;

/* Replaces *l (a loader with split ops, header and nothing else read) by one that parses the
   rest of the file on `threads` threads (load/par.c). On failure *l is closed and NULL. */
int es_par_open(es_loader **l, int threads, es_error *err);

/* The text formats over bytes in memory (fuzz targets, tests); path names them in messages. */
int es_csv_open_mem(const char *path, const es_reader_mem *m, const es_domain *d,
                    const es_loader_opts *opts, es_loader **out, es_error *err);
int es_jsonl_open_mem(const char *path, const es_reader_mem *m, const es_domain *d,
                      const es_loader_opts *opts, es_loader **out, es_error *err);

#endif
