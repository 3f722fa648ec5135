/* parquet.h - the Parquet loader (.parquet) behind load/loader.h, the one header of
   src/load/parquet/ that the rest of the project includes. Files are memory-mapped and read
   row group by row group, page by page, only the domain's columns, in lockstep. */
#ifndef ES_PARQUET_H
#define ES_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "load/loader.h"

/* The loader for the file at path (a regular file: the footer is at its end). */
int es_parquet_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                    es_loader **out, es_error *err);
/* The same over len bytes at buf, neither copied nor freed (they must outlive the loader); name
   stands for the file in messages. For the fuzzer and tests. */
int es_parquet_open_mem(const uint8_t *buf, size_t len, const char *name, const es_domain *d,
                        const es_loader_opts *opts, es_loader **out, es_error *err);

#endif
