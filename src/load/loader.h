/* loader.h - one interface over every input format; rows come out a chunk at a time. */
#ifndef ES_LOADER_H
#define ES_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "core/error.h"

typedef struct es_loader es_loader;
struct es_split_ops;

/* What the user chose about a file's shape; every format honours the same options. */
typedef struct es_loader_opts {
  int ignore_unknown_columns; /* drop columns the domain does not have instead of refusing */
  const char *format;         /* "csv", "jsonl", ...: instead of the extension (NULL: by extension);
                                 required for standard input (path "-") */
  int threads;                /* CSV/JSONL parsed on this many threads (load/par.c); 0 or 1: on the
                                 caller's thread */
} es_loader_opts;

/* A format embeds this as its first member (libgit2-style), so callers never see the format. */
struct es_loader {
  const char *format; /* "csv", "jsonl", ... */
  const es_domain *domain;
  char *path;
  uint64_t bytes_read;  /* progress: bytes consumed so far ... */
  uint64_t bytes_total; /* ... of the file's size */
  int32_t dim;          /* the first row's vector length, which every row must have (0 before) */
  uint64_t dim_line;    /* ... and that row's line, for messages */
  int rows_indexed;     /* a table's rows (pickle): a row's "line" is its index + 1, and
                           messages name "row index N" instead of a line */
  /* Appends up to max_rows rows to out (which the caller has reset). Returns the number of rows
     appended, 0 at the end of the file, or a negative es_code with err naming
     "file:line:column: field 'x': what is wrong". The text formats hand out only rows that
     pass the server's checks (es_loader_check_row), so a bad file fails here, in its own
     terms, before anything of it is sent. err is never NULL (es_loader_next and
     es_loader_take give one when their caller does not). */
  int (*next)(es_loader *l, es_chunk *out, size_t max_rows, es_error *err);
  void (*close)(es_loader *l);
  /* Optional (NULL: es_loader_take calls next): hands over all the rows it has ready by
     swapping storage with out, so rows parsed on other threads are never copied (load/par.c). */
  int (*take)(es_loader *l, es_chunk *out, es_error *err);
  /* Optional: how load/par.c cuts this format into pieces parsed in parallel (loader_int.h). */
  const struct es_split_ops *split;
};

/* Picks the format from the file name's extension (.csv, .jsonl/.ndjson, ...), which may be
   followed by .gz or .zst for the streamed formats (CSV, JSONL): those are decompressed as they
   are read. Path "-" is standard input, with opts->format naming its format. opts may be NULL
   (the defaults). Unknown extension or unreadable file: ES_EINVAL / ES_ENOTFOUND / ES_EIO. */
int es_loader_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                   es_loader **out, es_error *err);
int es_loader_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err);
/* As es_loader_next into an empty out, but a loader with more rows ready (parsed in parallel)
   hands them all over at once, without copying: the count may exceed max_rows. */
int es_loader_take(es_loader *l, es_chunk *out, size_t max_rows, es_error *err);
void es_loader_close(es_loader *l);
/* The domain whose key column the file has (id: recruit, candidate_id: candidate, skill:
   skill_embedding_dic), from a CSV's header or a JSONL file's first object; for other formats,
   the one domain whose loader reads its first row. ES_EINVAL naming the file when no domain or
   more than one fits, and for standard input, which cannot be read twice. */
int es_loader_guess_domain(const char *path, const es_loader_opts *opts, const es_domain **out,
                           es_error *err);
/* Whether the extension is one es_loader_open knows ("csv", "jsonl", "csv.gz", ...). */
int es_loader_supported(const char *path);
/* The format a name's extension says ("csv", "jsonl", "pickle", ...), or NULL. */
const char *es_loader_format_of(const char *path);
/* Whether format names one es_loader_open knows, and whether it can be read from a stream
   (standard input, .gz, .zst). */
int es_loader_format_known(const char *format);
int es_loader_format_streams(const char *format);

#endif
