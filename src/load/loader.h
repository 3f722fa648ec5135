/* loader.h - one interface over every input format; rows come out a chunk at a time. */
#ifndef ES_LOADER_H
#define ES_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "core/error.h"

typedef struct es_loader es_loader;

/* What the user chose about a file's shape; every format honours the same options. */
typedef struct es_loader_opts {
  int ignore_unknown_columns; /* drop columns the domain does not have instead of refusing */
} es_loader_opts;

/* A format embeds this as its first member (libgit2-style), so callers never see the format. */
struct es_loader {
  const char *format;       /* "csv", "jsonl", ... */
  const es_domain *domain;
  char *path;
  uint64_t bytes_read;      /* progress: bytes consumed so far ... */
  uint64_t bytes_total;     /* ... of the file's size */
  int32_t dim;              /* the first row's vector length, which every row must have (0 before) */
  uint64_t dim_line;        /* ... and that row's line, for messages */
  int rows_indexed;         /* a table's rows (pickle): a row's "line" is its index + 1, and
                               messages name "row index N" instead of a line */
  /* Appends up to max_rows rows to out (which the caller has reset). Returns the number of rows
     appended, 0 at the end of the file, or a negative es_code with err naming
     "file:line:column: field 'x': what is wrong". The text formats hand out only rows that
     pass the server's checks (es_loader_check_row), so a bad file fails here, in its own
     terms, before anything of it is sent. */
  int (*next)(es_loader *l, es_chunk *out, size_t max_rows, es_error *err);
  void (*close)(es_loader *l);
};

/* Picks the format from the file name's extension (.csv, .jsonl/.ndjson, ...); opts may be NULL
   (the defaults). Unknown extension or unreadable file: ES_EINVAL / ES_ENOTFOUND / ES_EIO. */
int es_loader_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                   es_loader **out, es_error *err);
int es_loader_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err);
void es_loader_close(es_loader *l);
/* Whether the extension is one es_loader_open knows ("csv", "jsonl", ...). */
int es_loader_supported(const char *path);

#endif
