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

/* Checks next()'s arguments: out has the loader's domain (set when it has none), max_rows > 0.
   Returns 0 and the row limit clamped to INT_MAX, or a negative es_code. */
int es_loader_check_next(es_loader *l, es_chunk *out, size_t *max_rows, es_error *err);

/* The server's checks (core/validate.h) on a row just read from line `line`: the vector length
   of the file's first row (itself within ES_DIM_MIN..ES_DIM_MAX), UUID keys, non-empty keys,
   non-negative counts, finite values. The row is not changed (UUID keys stay as written: the
   server lowercases them). ES_EINVAL with "file:line: field 'x': ..." otherwise. */
int es_loader_check_row(es_loader *l, const es_value *row, uint64_t line, es_error *err);

/* The text formats over bytes in memory (fuzz targets, tests); path names them in messages. */
int es_csv_open_mem(const char *path, const es_reader_mem *m, const es_domain *d,
                    const es_loader_opts *opts, es_loader **out, es_error *err);
int es_jsonl_open_mem(const char *path, const es_reader_mem *m, const es_domain *d,
                      const es_loader_opts *opts, es_loader **out, es_error *err);

#endif
