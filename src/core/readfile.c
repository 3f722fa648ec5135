/* readfile.c - reading a bounded file whole, growing the buffer by doubling. */
#include "core/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int grow(char **b, size_t *cap, const char *path, es_error *err) {
  char *nb = *cap <= SIZE_MAX / 2 ? realloc(*b, *cap * 2) : NULL;
  if (!nb) return es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
  *b = nb;
  *cap *= 2;
  return 0;
}

int es_readfile_fd(int fd, const char *path, size_t max, const char *what, char **buf, size_t *len,
                   es_error *err) {
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  int rc = 0;
  if (!b) return es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
  for (;;) {
    ssize_t got;
    if (n > max) {
      rc = es_err_set(err, ES_EINVAL, "%s: larger than %zu bytes: not %s", path, max, what);
      break;
    }
    if (n + 1 >= cap && (rc = grow(&b, &cap, path, err))) break; /* room for the NUL */
    got = read(fd, b + n, cap - n - 1);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      rc = es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
      break;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  if (rc) {
    free(b);
    return rc;
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

int es_readfile(const char *path, size_t max, const char *what, char **buf, size_t *len,
                es_error *err) {
  struct stat st;
  int rc, fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return es_err_set(err, errno == ENOENT ? ES_ENOTFOUND : ES_EIO, "%s: %s", path,
                      strerror(errno));
  if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    close(fd);
    return es_err_set(err, ES_EINVAL, "%s: not a regular file", path);
  }
  rc = es_readfile_fd(fd, path, max, what, buf, len, err);
  close(fd);
  return rc;
}
