/* files.c - the files a run sends: each --file as given, a directory's supported files (the
   extensions es_loader_supported knows, compressed ones included) in byte order of their paths,
   its subdirectories' too with --recursive. Hidden entries (a leading dot) are skipped, and
   symbolic links to directories are not followed (no loops); links to files are taken. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client/client.h"
#include "load/loader.h"

static int push(es_file_list *l, char *path, es_error *err) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **p = cap > SIZE_MAX / sizeof(*p) ? NULL : realloc(l->paths, cap * sizeof(*p));
    if (!p) {
      free(path);
      return es_err_set(err, ES_ENOMEM, "out of memory listing files");
    }
    l->paths = p;
    l->cap = cap;
  }
  l->paths[l->n++] = path;
  return 0;
}

static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *p = a + b + 2 > a ? malloc(a + b + 2) : NULL;
  if (!p) return NULL;
  memcpy(p, dir, a);
  p[a] = '/';
  memcpy(p + a + 1, name, b + 1);
  if (a && dir[a - 1] == '/') memmove(p + a, p + a + 1, b + 1); /* "d/" + "x" is "d/x" */
  return p;
}

/* One directory entry: a supported file is added, a real directory walked when recursive. */
static int add_dir(es_file_list *l, const char *dir, int recursive, es_error *err);

static int add_entry(es_file_list *l, char *path, int recursive, es_error *err) {
  struct stat st, lst;
  if (lstat(path, &lst) == 0 && S_ISDIR(lst.st_mode)) {
    int rc = recursive ? add_dir(l, path, recursive, err) : 0;
    free(path);
    return rc;
  }
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && es_loader_supported(path))
    return push(l, path, err);
  free(path);
  return 0;
}

static int add_dir(es_file_list *l, const char *dir, int recursive, es_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;
  if (!d)
    return es_err_set(err, errno == ENOENT ? ES_ENOTFOUND : ES_EIO, "%s: cannot list: %s", dir,
                      strerror(errno));
  while (!rc && (e = readdir(d))) {
    char *path;
    if (e->d_name[0] == '.') continue;
    if (!(path = join(dir, e->d_name)))
      rc = es_err_set(err, ES_ENOMEM, "out of memory listing %s", dir);
    else
      rc = add_entry(l, path, recursive, err);
  }
  closedir(d);
  return rc;
}

static int by_path(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int es_file_list_add(es_file_list *l, const char *arg, int recursive, es_error *err) {
  struct stat st;
  size_t first = l->n;
  char *copy;
  int rc;
  if (strcmp(arg, "-") && stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
    if ((rc = add_dir(l, arg, recursive, err))) return rc;
    qsort(l->paths + first, l->n - first, sizeof(*l->paths), by_path);
    return 0;
  }
  if (!(copy = strdup(arg))) return es_err_set(err, ES_ENOMEM, "out of memory");
  return push(l, copy, err); /* as given: if it cannot be read, its ingest says so */
}

void es_file_list_free(es_file_list *l) {
  size_t i;
  for (i = 0; i < l->n; i++) free(l->paths[i]);
  free(l->paths);
  memset(l, 0, sizeof(*l));
}
