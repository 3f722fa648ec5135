/* datadir.c - confines API file names to the data folder and lists the ingestible files in it. */
#include "http/datadir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
  if (name[0] == '/') return es_err_set(err, ES_EINVAL, "file_name must be relative to the data folder");
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
  char *name;
  long long size;
} file_entry;

static int entry_cmp(const void *a, const void *b) {
  return strcmp(((const file_entry *)a)->name, ((const file_entry *)b)->name);
}

/* Adds name to the list when it is an ingestible regular file that stays inside the folder. */
static int collect(const es_datadir *d, const char *name, file_entry **v, size_t *n, size_t *cap) {
  char *real = NULL;
  struct stat st;
  file_entry *grown;
  if (name[0] == '.' || !es_loader_supported(name)) return 0;
  if (es_datadir_resolve(d, name, strlen(name), &real, NULL)) return 0;
  if (stat(real, &st)) {
    free(real);
    return 0;
  }
  free(real);
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    if (nc > SIZE_MAX / sizeof(**v)) return ES_ENOMEM;
    grown = realloc(*v, nc * sizeof(**v));
    if (!grown) return ES_ENOMEM;
    *v = grown;
    *cap = nc;
  }
  (*v)[*n].name = strdup(name);
  if (!(*v)[*n].name) return ES_ENOMEM;
  (*v)[*n].size = (long long)st.st_size;
  (*n)++;
  return 0;
}

static void emit(es_buf *out, const es_datadir *d, const file_entry *v, size_t n) {
  size_t i;
  char fmt[16];
  es_buf_puts(out, "{\"data_dir\":");
  es_buf_json_str(out, d->root);
  es_buf_puts(out, ",\"files\":[");
  for (i = 0; i < n; i++) {
    const char *dom = es_datadir_guess_domain(v[i].name);
    es_datadir_format(v[i].name, fmt, sizeof(fmt));
    es_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
    es_buf_json_str(out, v[i].name);
    es_buf_printf(out, ",\"size\":%lld,\"format\":", v[i].size);
    es_buf_json_str(out, fmt);
    es_buf_puts(out, ",\"domain\":");
    if (dom)
      es_buf_json_str(out, dom);
    else
      es_buf_puts(out, "null");
    es_buf_puts(out, "}");
  }
  es_buf_puts(out, "]}");
}

int es_datadir_list_json(const es_datadir *d, es_buf *out, es_error *err) {
  DIR *dir = opendir(d->root);
  struct dirent *de;
  file_entry *v = NULL;
  size_t n = 0, cap = 0, i;
  int rc = 0;
  if (!dir) return es_err_set(err, ES_EIO, "cannot read the data folder: %s", strerror(errno));
  while ((de = readdir(dir)))
    if ((rc = collect(d, de->d_name, &v, &n, &cap))) {
      es_err_set(err, rc, "out of memory listing the data folder");
      goto done;
    }
  if (n) qsort(v, n, sizeof(*v), entry_cmp);
  emit(out, d, v, n);
  if (out->oom) rc = es_err_set(err, ES_ENOMEM, "out of memory listing the data folder");
done:
  closedir(dir);
  for (i = 0; i < n; i++) free(v[i].name);
  free(v);
  return rc;
}
