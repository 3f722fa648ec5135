/* loader.c - picks an input format by file extension from the format table; holds the rows of
   every format to the server's checks. */
#include "load/loader_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "core/validate.h"

/* One line per extension: X(format name, constructor suffix, extension). The line also declares
   the constructor es_<suffix>_open, so adding a format is adding one line here. */
#define ES_LOADER_FORMATS(X)   \
  X("csv", csv, ".csv")        \
  X("jsonl", jsonl, ".jsonl")  \
  X("jsonl", jsonl, ".ndjson") \
  X("pickle", pickle, ".pkl") X("pickle", pickle, ".pickle") X("parquet", parquet, ".parquet")

#define DECLARE(name, fn, ext) es_loader_open_fn es_##fn##_open;
ES_LOADER_FORMATS(DECLARE)
#undef DECLARE

#define ENTRY(name, fn, ext) {name, ext, es_##fn##_open},
static const struct {
  const char *name, *ext;
  es_loader_open_fn *open;
} formats[] = {ES_LOADER_FORMATS(ENTRY)};
#undef ENTRY

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* The formats read front to back through es_reader (a pipe, a decompressor); the others map
   or seek in the file. */
int es_loader_format_streams(const char *format) {
  return format && (!strcmp(format, "csv") || !strcmp(format, "jsonl"));
}

/* The extension of the last path component before any .gz/.zst, dot included: its start and
   length (0 when none). */
static const char *extension(const char *path, size_t *len) {
  size_t n = strlen(path) - es_zsrc_suffix_len(path);
  const char *base = path, *dot = NULL, *p;
  for (p = path; p < path + n; p++) {
    if (*p == '/') {
      base = p + 1;
      dot = NULL;
    } else if (*p == '.') {
      dot = p;
    }
  }
  *len = dot && dot != base ? (size_t)(path + n - dot) : 0;
  return *len ? dot : path + n;
}

static int find_format(const char *path) {
  size_t len, i;
  const char *ext = extension(path, &len);
  for (i = 0; len && i < NFORMATS; i++)
    if (strlen(formats[i].ext) == len && !strncasecmp(ext, formats[i].ext, len)) return (int)i;
  return -1;
}

static int find_named(const char *format) {
  size_t i;
  for (i = 0; format && i < NFORMATS; i++)
    if (!strcmp(format, formats[i].name)) return (int)i;
  return -1;
}

static void supported_list(char *out, size_t cap) {
  size_t i, len = 0;
  out[0] = '\0';
  for (i = 0; i < NFORMATS; i++) {
    int n = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", formats[i].ext);
    if (n < 0 || (size_t)n >= cap - len) break;
    len += (size_t)n;
  }
}

int es_loader_supported(const char *path) {
  int f = path ? find_format(path) : -1;
  return f >= 0 && (!es_zsrc_suffix_len(path) || es_loader_format_streams(formats[f].name));
}

const char *es_loader_format_of(const char *path) {
  int f = path ? find_format(path) : -1;
  return f >= 0 ? formats[f].name : NULL;
}

int es_loader_format_known(const char *format) { return find_named(format) >= 0; }

static int unsupported(const char *path, es_error *err) {
  char list[256];
  size_t len;
  const char *ext = extension(path, &len);
  supported_list(list, sizeof(list));
  return es_err_set(err, ES_EINVAL,
                    "%s: unsupported file extension '%.*s' (supported: %s, the text formats also "
                    "followed by .gz or .zst)",
                    path, len ? (int)len : 6, len ? ext : "(none)", list);
}

/* The format table entry for path and opts, or a negative es_code. */
static int pick_format(const char *path, const es_loader_opts *opts, es_error *err) {
  int stdin_src = !strcmp(path, ES_READER_STDIN);
  int f = opts->format ? find_named(opts->format) : stdin_src ? -1 : find_format(path);
  if (opts->format && f < 0) return es_err_set(err, ES_EINVAL, "unknown format '%s'", opts->format);
  if (f < 0 && stdin_src)
    return es_err_set(err, ES_EINVAL, "standard input needs its format named (csv or jsonl)");
  if (f < 0) return unsupported(path, err);
  if ((stdin_src || es_zsrc_suffix_len(path)) && !es_loader_format_streams(formats[f].name))
    return es_err_set(err, ES_EINVAL, "%s: a %s file cannot be read %s; only CSV and JSONL can",
                      stdin_src ? "<stdin>" : path, formats[f].name,
                      stdin_src ? "from standard input" : "compressed");
  return f;
}

int es_loader_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                   es_loader **out, es_error *err) {
  static const es_loader_opts defaults;
  int f, rc;
  *out = NULL;
  if (!path || !d) return es_err_set(err, ES_EINVAL, "a file and a domain are required");
  if (!opts) opts = &defaults;
  if ((f = pick_format(path, opts, err)) < 0) return f;
  if ((rc = formats[f].open(path, d, opts, out, err)) || opts->threads < 2 || !(*out)->split)
    return rc;
  return es_par_open(out, opts->threads, err); /* on error it has closed *out */
}

int es_loader_open_reader(es_loader *l, const char *path, const es_reader_mem *m, es_reader *r,
                          es_error *err) {
  int rc;
  if (m)
    rc = es_reader_open_mem(r, l->path, m, err);
  else
    rc = es_reader_open(r, strcmp(path, ES_READER_STDIN) ? l->path : ES_READER_STDIN, err);
  if (!rc) l->bytes_total = r->size;
  return rc;
}

int es_loader_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  es_error local;
  return l->next(l, out, max_rows, err ? err : &local);
}

int es_loader_take(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  es_error local;
  if (!err) err = &local;
  return l->take ? l->take(l, out, err) : l->next(l, out, max_rows, err);
}

void es_loader_close(es_loader *l) {
  if (l) l->close(l);
}

int es_loader_base_init(es_loader *l, const char *format, const es_domain *d, const char *path,
                        es_error *err) {
  l->format = format;
  l->domain = d;
  l->bytes_read = l->bytes_total = 0;
  l->dim = 0;
  l->dim_line = 0;
  l->rows_indexed = 0;
  /* Standard input is named so in every message. */
  if (!(l->path = strdup(strcmp(path, ES_READER_STDIN) ? path : "<stdin>")))
    return es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
  return 0;
}

void es_loader_base_free(es_loader *l) {
  free(l->path);
  l->path = NULL;
}

int es_loader_check_next(es_loader *l, const es_error *kept, es_chunk *out, size_t *max_rows,
                         es_error *err) {
  int rc;
  if (kept && (rc = es_loader_kept(kept, err))) return rc;
  if (!out->domain && es_chunk_set_domain(out, l->domain))
    return es_err_set(err, ES_EINTERNAL, "chunk cannot take domain %s", l->domain->name);
  if (out->domain != l->domain)
    return es_err_set(err, ES_EINTERNAL, "chunk of domain %s given to a %s loader",
                      out->domain->name, l->domain->name);
  if (*max_rows == 0) return es_err_set(err, ES_EINTERNAL, "loader asked for 0 rows");
  if (*max_rows > INT_MAX) *max_rows = INT_MAX;
  return 0;
}

int es_loader_keep(es_error *kept, int rc, const es_error *err) {
  if (err) *kept = *err;
  kept->code = rc;
  return rc;
}

int es_loader_kept(const es_error *kept, es_error *err) {
  if (kept->code && err) *err = *kept;
  return kept->code;
}

/* es_validate_row on a shallow copy whose UUID keys are copies too: the check lowercases a key
   in place, and the client must send it as the file has it (the server lowercases it). */
static int validate_as_is(const es_domain *d, const es_value *row, int32_t dim, es_error *err) {
  es_value tmp[ES_MAX_FIELDS];
  char keys[ES_MAX_FIELDS][40];
  size_t i;
  memcpy(tmp, row, d->nfields * sizeof(*row));
  for (i = 0; i < d->nfields; i++)
    if ((d->fields[i].flags & ES_F_UUID) && strnlen(row[i].s, 37) == 36) {
      memcpy(keys[i], row[i].s, 37);
      tmp[i].s = keys[i];
    }
  return es_validate_row(d, tmp, dim, err);
}

/* "path:LINE" for text files, "path: row index N" for tables. */
static void where(const es_loader *l, uint64_t line, char *out, size_t cap) {
  if (l->rows_indexed)
    snprintf(out, cap, "%s: row index %llu", l->path, (unsigned long long)(line ? line - 1 : 0));
  else
    snprintf(out, cap, "%s:%llu", l->path, (unsigned long long)line);
}

int es_loader_check_row(es_loader *l, const es_value *row, uint64_t line, es_error *err) {
  const es_domain *d = l->domain;
  size_t n = row[d->vector].vec.n;
  const char *vname = d->fields[d->vector].name;
  char at[1100], first[1100];
  if (!l->dim) {
    if (n >= ES_DIM_MIN && n <= ES_DIM_MAX) {
      l->dim = (int32_t)n;
      l->dim_line = line;
    } else {
      where(l, line, at, sizeof(at));
      return es_err_set(err, ES_EINVAL, "%s: field '%s': %zu values (a vector has %d to %d)", at,
                        vname, n, ES_DIM_MIN, ES_DIM_MAX);
    }
  } else if (n != (size_t)l->dim) {
    where(l, line, at, sizeof(at));
    if (l->rows_indexed)
      snprintf(first, sizeof(first), "row index %llu", (unsigned long long)(l->dim_line - 1));
    else
      snprintf(first, sizeof(first), "line %llu", (unsigned long long)l->dim_line);
    return es_err_set(err, ES_EINVAL,
                      "%s: field '%s': %zu values, expected %d as in the first row (%s)", at, vname,
                      n, (int)l->dim, first);
  }
  if (validate_as_is(d, row, l->dim, err)) {
    where(l, line, at, sizeof(at));
    return es_err_prefix(err, "%s: ", at);
  }
  return 0;
}
