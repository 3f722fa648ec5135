/* columns.h - a file's column names held against its domain, for every loader alike: each field
   present exactly once, and a name the domain does not have refused (with "did you mean") unless
   the user chose to drop such columns. A missing column is never filled with defaults: that
   would overwrite stored rows with zeros through the upsert. */
#ifndef ES_COLUMNS_H
#define ES_COLUMNS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/domain.h"
#include "core/error.h"

/* A name as it lies in the file: not NUL-terminated, may hold any byte. */
typedef struct es_colname {
  const char *s;
  size_t n;
} es_colname;

/* Fills col_field[i] with the domain field of column i, or -1 for an unknown column dropped
   because ignore_unknown is set. ES_EINVAL, message starting "PATH: ", when a field has no
   column (all missing ones named), when a name is not the domain's (all named, each with a
   suggestion when one is close) and ignore_unknown is not set, or when a name comes twice. */
int es_columns_match(const es_domain *d, const char *path, const es_colname *cols, size_t ncols,
                     int ignore_unknown, int *col_field, es_error *err);

/* The field name a mistyped column most likely meant, or NULL. */
const char *es_columns_suggest(const es_domain *d, const char *name, size_t n);

/* "id, company_name, ..." into out (the domain's fields in proto order). */
void es_columns_list(const es_domain *d, char *out, size_t cap);

/* What to tell the user about an unknown name: " (did you mean 'x'?)" or "". */
void es_columns_hint(const es_domain *d, const char *name, size_t n, char *out, size_t cap);

/* 'name' into b, printable: control bytes, quotes, backslashes (and every high byte when the
   name is not UTF-8) as \xNN, cut after 80 bytes. */
void es_columns_quote(es_buf *b, const char *s, size_t n);

/* The option that drops unknown columns, for messages. */
#define ES_COLUMNS_IGNORE_OPTION "--ignore-unknown-columns"

#endif
