/* loader.c - picks an input format by file extension from the format table. */
#include "load/loader_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One line per extension: X(format name, constructor suffix, extension). The line also declares
   the constructor es_<suffix>_open, so adding a format is adding one line here. */
#define ES_LOADER_FORMATS(X) \
  X("csv", csv, ".csv")      \
  X("jsonl", jsonl, ".jsonl") \
  X("jsonl", jsonl, ".ndjson") \
  X("pickle", pickle, ".pkl") X("pickle", pickle, ".pickle")

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

/* The extension of the last path component, dot included ("" when none). */
static const char *extension(const char *path) {
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  return dot && dot != base ? dot : "";
}

static int find_format(const char *path) {
  const char *ext = extension(path);
  size_t i;
  for (i = 0; i < NFORMATS; i++)
    if (!strcasecmp(ext, formats[i].ext)) return (int)i;
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

int es_loader_supported(const char *path) { return path && find_format(path) >= 0; }

int es_loader_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                   es_loader **out, es_error *err) {
  static const es_loader_opts defaults;
  char list[256];
  int f;
  *out = NULL;
  if (!path || !d) return es_err_set(err, ES_EINVAL, "a file and a domain are required");
  if ((f = find_format(path)) < 0) {
    const char *ext = extension(path);
    supported_list(list, sizeof(list));
    return es_err_set(err, ES_EINVAL, "%s: unsupported file extension '%s' (supported: %s)", path,
                      *ext ? ext : "(none)", list);
  }
  return formats[f].open(path, d, opts ? opts : &defaults, out, err);
}

int es_loader_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  return l->next(l, out, max_rows, err);
}

void es_loader_close(es_loader *l) {
  if (l) l->close(l);
}

int es_loader_base_init(es_loader *l, const char *format, const es_domain *d, const char *path,
                        es_error *err) {
  l->format = format;
  l->domain = d;
  l->bytes_read = l->bytes_total = 0;
  if (!(l->path = strdup(path))) return es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
  return 0;
}

void es_loader_base_free(es_loader *l) {
  free(l->path);
  l->path = NULL;
}

int es_loader_check_next(es_loader *l, es_chunk *out, size_t *max_rows, es_error *err) {
  if (!out->domain && es_chunk_set_domain(out, l->domain))
    return es_err_set(err, ES_EINTERNAL, "chunk cannot take domain %s", l->domain->name);
  if (out->domain != l->domain)
    return es_err_set(err, ES_EINTERNAL, "chunk of domain %s given to a %s loader",
                      out->domain->name, l->domain->name);
  if (*max_rows == 0) return es_err_set(err, ES_EINTERNAL, "loader asked for 0 rows");
  if (*max_rows > INT_MAX) *max_rows = INT_MAX;
  return 0;
}
