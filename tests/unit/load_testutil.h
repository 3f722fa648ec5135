/* load_testutil.h - temp files and whole-file loading for the loader unit tests. */
#ifndef ES_LOAD_TESTUTIL_H
#define ES_LOAD_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "load/loader.h"

static char tu_dir[256];

/* A fresh directory under $TMPDIR for this test's files, removed by tu_cleanup(). */
static inline void tu_init(void) {
  const char *t = getenv("TMPDIR");
  snprintf(tu_dir, sizeof(tu_dir), "%s/es-load-XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(tu_dir)) {
    perror("mkdtemp");
    exit(1);
  }
}

static inline void tu_cleanup(void) {
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tu_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tu_dir);
}

static inline const char *tu_path(const char *name) {
  static char p[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof(p[k]), "%s/%s", tu_dir, name);
  return p[k];
}

static inline const char *tu_write_n(const char *name, const char *data, size_t n) {
  const char *path = tu_path(name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
    perror(path);
    exit(1);
  }
  return path;
}

static inline const char *tu_write(const char *name, const char *data) {
  return tu_write_n(name, data, strlen(data));
}

/* Loads every row of path into c (initialised here), max_rows per next() call. Returns the row
   count or the negative es_code of the first failure (err filled). */
static inline long tu_load(const char *path, const char *domain, es_chunk *c, size_t max_rows, es_error *err) {
  const es_domain *d = es_domain_find(domain);
  es_loader *l = NULL;
  long total = 0;
  int n;
  es_chunk_init(c, d);
  es_err_clear(err);
  if ((n = es_loader_open(path, d, NULL, &l, err))) return n;
  while ((n = es_loader_next(l, c, max_rows, err)) > 0) {
    if ((size_t)n > max_rows) {
      fprintf(stderr, "next() returned %d rows for max_rows %zu\n", n, max_rows);
      n = ES_EINTERNAL;
      break;
    }
    total += n;
  }
  es_loader_close(l);
  return n < 0 ? n : total;
}

static inline uint32_t tu_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

#endif
