/* datadir.c - confines API file names to the data folder and lists the ingestible files in it. */
#include "http/datadir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/validate.h"
#include "load/loader.h"

int es_datadir_open(const char *dir, es_datadir *out, es_error *err) {
  struct stat st;
  out->root = NULL;
  out->rootlen = 0;
  if (!dir || !*dir) return es_err_set(err, ES_EUSAGE, "--data-dir is required");
  out->root = realpath(dir, NULL);
  if (!out->root) return es_err_set(err, ES_EUSAGE, "--data-dir %s: %s", dir, strerror(errno));
  if (stat(out->root, &st) || !S_ISDIR(st.st_mode)) {
    es_datadir_close(out);
    return es_err_set(err, ES_EUSAGE, "--data-dir %s: not a directory", dir);
  }
  out->rootlen = strlen(out->root);
  return 0;
}

void es_datadir_close(es_datadir *d) {
  free(d->root);
  d->root = NULL;
  d->rootlen = 0;
}

/* Lexical checks first, so traversal is refused without touching the file system. */
int es_datadir_check_name(const char *name, size_t n, es_error *err) {
  size_t i, start = 0;
  if (n == 0) return es_err_set(err, ES_EINVAL, "file_name is empty");
  if (memchr(name, '\0', n)) return es_err_set(err, ES_EINVAL, "file_name contains a NUL byte");
  if (n >= PATH_MAX) return es_err_set(err, ES_EINVAL, "file_name is too long");
  if (name[0] == '/')
    return es_err_set(err, ES_EINVAL, "file_name must be relative to the data folder");
  if (!es_utf8_valid(name, n)) return es_err_set(err, ES_EINVAL, "file_name is not valid UTF-8");
  for (i = 0; i <= n; i++) {
    if (i < n && name[i] != '/') continue;
    if (i - start == 2 && name[start] == '.' && name[start + 1] == '.')
      return es_err_set(err, ES_EINVAL, "file_name must not contain '..'");
    start = i + 1;
  }
  return 0;
}

static int is_under(const es_datadir *d, const char *real) {
  if (d->rootlen == 1) return real[0] == '/'; /* the data folder is "/" itself */
  return strncmp(real, d->root, d->rootlen) == 0 && real[d->rootlen] == '/';
}

int es_datadir_resolve(const es_datadir *d, const char *name, size_t n, char **out, es_error *err) {
  char *joined = NULL, *real = NULL;
  struct stat st;
  int rc;
  *out = NULL;
  if ((rc = es_datadir_check_name(name, n, err))) return rc;
  if (d->rootlen > SIZE_MAX - n - 2) return es_err_set(err, ES_ENOMEM, "file_name is too long");
  joined = malloc(d->rootlen + n + 2);
  if (!joined) return es_err_set(err, ES_ENOMEM, "out of memory");
  memcpy(joined, d->root, d->rootlen);
  joined[d->rootlen] = '/';
  memcpy(joined + d->rootlen + 1, name, n);
  joined[d->rootlen + 1 + n] = '\0';
  real = realpath(joined, NULL);
  if (!real) {
    if (errno == ENOENT || errno == ENOTDIR)
      rc = es_err_set(err, ES_ENOTFOUND, "no such file in the data folder: %s", name);
    else
      rc = es_err_set(err, ES_EINVAL, "cannot resolve %s: %s", name, strerror(errno));
    goto done;
  }
  if (!is_under(d, real)) {
    rc = es_err_set(err, ES_EINVAL, "file_name %s leads outside the data folder", name);
    goto done;
  }
  if (stat(real, &st)) {
    rc = es_err_set(err, ES_ENOTFOUND, "no such file in the data folder: %s", name);
    goto done;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = es_err_set(err, ES_EINVAL, "%s is not a regular file", name);
    goto done;
  }
  *out = real;
  real = NULL;
  rc = 0;
done:
  free(joined);
  free(real);
  return rc;
}

/* Whether c may continue a file name ("/srv/data" is not the folder in "/srv/database"). */
static int continues_name(char c) {
  return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

void es_datadir_scrub(const char *root, const char *real, const char *shown, char *msg,
                      size_t cap) {
  es_buf b = ES_BUF_INIT;
  size_t nreal = real ? strlen(real) : 0;
  /* A data folder of "/" is in every absolute path: only `real` can be told apart then. */
  size_t nroot = strlen(root) > 1 ? strlen(root) : 0;
  const char *p = msg;
  if (!cap) return;
  while (*p) {
    if (nreal && !strncmp(p, real, nreal)) {
      es_buf_puts(&b, shown);
      p += nreal;
    } else if (nroot && !strncmp(p, root, nroot) && p[nroot] == '/') {
      p += nroot + 1;
    } else if (nroot && !strncmp(p, root, nroot) && !continues_name(p[nroot])) {
      es_buf_puts(&b, "the data folder");
      p += nroot;
    } else {
      es_buf_put(&b, p++, 1);
    }
  }
  if (!b.oom && b.ptr)
    snprintf(msg, cap, "%s", b.ptr);
  else
    snprintf(msg, cap, "(an error message that could not be shown)");
  es_buf_free(&b);
}

const char *es_datadir_guess_domain(const char *name) {
  if (strcasestr(name, "recruit")) return "recruit";
  if (strcasestr(name, "candidate")) return "candidate";
  if (strcasestr(name, "skill")) return "skill_embedding_dic";
  return NULL;
}

void es_datadir_format(const char *name, char *out, size_t cap) {
  const char *dot = strrchr(name, '.');
  size_t i = 0;
  if (cap == 0) return;
  if (dot && !strchr(dot, '/'))
    for (dot++; dot[i] && i + 1 < cap; i++) out[i] = (char)tolower((unsigned char)dot[i]);
  out[i] = '\0';
}

typedef struct file_entry {
  char *name; /* relative to the folder */
  long long size;
  const char *domain, *from; /* the guess and what it came from, or NULL */
} file_entry;

typedef struct listing {
  const es_datadir *d;
  file_entry *v;
  size_t n, cap;
} listing;

static int entry_cmp(const void *a, const void *b) {
  return strcmp(((const file_entry *)a)->name, ((const file_entry *)b)->name);
}

static int grow(listing *l) {
  file_entry *grown;
  size_t nc;
  if (l->n < l->cap) return 0;
  nc = l->cap ? l->cap * 2 : 16;
  if (nc > SIZE_MAX / sizeof(*l->v)) return ES_ENOMEM;
  if (!(grown = realloc(l->v, nc * sizeof(*l->v)))) return ES_ENOMEM;
  l->v = grown;
  l->cap = nc;
  return 0;
}

/* Adds name when it is an ingestible regular file that stays inside the folder, with the
   domain its name or else its header suggests. */
static int add_file(listing *l, const char *name) {
  char *real = NULL, fmt[16];
  struct stat st;
  file_entry *e;
  if (!es_loader_supported(name)) return 0;
  if (es_datadir_resolve(l->d, name, strlen(name), &real, NULL)) return 0;
  if (stat(real, &st)) {
    free(real);
    return 0;
  }
  if (grow(l)) {
    free(real);
    return ES_ENOMEM;
  }
  e = &l->v[l->n];
  e->size = (long long)st.st_size;
  e->from = (e->domain = es_datadir_guess_domain(name)) ? "name" : NULL;
  es_datadir_format(name, fmt, sizeof(fmt));
  if (!e->domain && (e->domain = es_datadir_guess_header(real, fmt))) e->from = "header";
  free(real);
  if (!(e->name = strdup(name))) return ES_ENOMEM;
  l->n++;
  return 0;
}

static int walk(listing *l, const char *rel, int depth);

/* One entry of the folder rel ("" for the data folder itself). */
static int visit(listing *l, const char *rel, const char *entry, int depth) {
  char path[PATH_MAX], full[PATH_MAX * 2];
  struct stat st;
  int n = snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", entry);
  if (entry[0] == '.' || n < 0 || (size_t)n >= sizeof(path) || l->n >= ES_DATADIR_MAX_FILES)
    return 0;
  n = snprintf(full, sizeof(full), "%s/%s", l->d->root, path);
  if (n < 0 || (size_t)n >= sizeof(full) || lstat(full, &st)) return 0;
  if (S_ISDIR(st.st_mode)) /* a link to a folder is S_ISLNK here: not followed */
    return depth < ES_DATADIR_MAX_DEPTH ? walk(l, path, depth + 1) : 0;
  return add_file(l, path);
}

static int walk(listing *l, const char *rel, int depth) {
  char full[PATH_MAX * 2];
  struct dirent *de;
  DIR *dir;
  int rc = 0;
  snprintf(full, sizeof(full), "%s%s%s", l->d->root, *rel ? "/" : "", rel);
  if (!(dir = opendir(full))) return depth ? 0 : ES_EIO; /* an unreadable subfolder is left out */
  while (!rc && (de = readdir(dir))) rc = visit(l, rel, de->d_name, depth);
  closedir(dir);
  return rc;
}

static void emit(es_buf *out, const es_datadir *d, const file_entry *v, size_t n) {
  size_t i;
  char fmt[16];
  es_buf_puts(out, "{\"data_dir\":");
  es_buf_json_str(out, d->root);
  es_buf_puts(out, ",\"files\":[");
  for (i = 0; i < n; i++) {
    es_datadir_format(v[i].name, fmt, sizeof(fmt));
    es_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
    es_buf_json_str(out, v[i].name);
    es_buf_printf(out, ",\"size\":%lld,\"format\":", v[i].size);
    es_buf_json_str(out, fmt);
    if (v[i].domain)
      es_buf_printf(out, ",\"domain\":\"%s\",\"domain_from\":\"%s\"}", v[i].domain, v[i].from);
    else
      es_buf_puts(out, ",\"domain\":null,\"domain_from\":null}");
  }
  es_buf_puts(out, "]}");
}

int es_datadir_list_json(const es_datadir *d, es_buf *out, es_error *err) {
  listing l = {d, NULL, 0, 0};
  size_t i;
  int rc = walk(&l, "", 0);
  if (rc == ES_EIO) {
    es_err_set(err, rc, "cannot read the data folder: %s", strerror(errno));
    goto done;
  }
  if (rc) {
    es_err_set(err, rc, "out of memory listing the data folder");
    goto done;
  }
  if (l.n) qsort(l.v, l.n, sizeof(*l.v), entry_cmp);
  emit(out, d, l.v, l.n);
  if (out->oom) rc = es_err_set(err, ES_ENOMEM, "out of memory listing the data folder");
done:
  for (i = 0; i < l.n; i++) free(l.v[i].name);
  free(l.v);
  return rc;
}
