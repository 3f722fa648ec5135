/* reader.c - fixed-buffer file reading with compaction, bounded growth and line counting. */
#include "load/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_fail(es_reader *r, int e, es_error *err) {
  if (e == ENOENT || e == ENOTDIR)
    return es_err_set(err, ES_ENOTFOUND, "%s: no such file", r->path);
  return es_err_set(err, ES_EIO, "%s: cannot open: %s", r->path, strerror(e));
}

int es_reader_open(es_reader *r, const char *path, es_error *err) {
  struct stat st;
  int rc;
  memset(r, 0, sizeof(*r));
  r->fd = -1;
  r->path = path;
  r->line = 1;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) return open_fail(r, errno, err);
  if (fstat(r->fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      rc = es_err_set(err, ES_EINVAL, "%s: is a directory", path);
      goto fail;
    }
    if (S_ISREG(st.st_mode)) r->size = (uint64_t)st.st_size;
  }
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  r->cap = ES_READER_BUF;
  if (!(r->buf = malloc(r->cap + 1))) {
    rc = es_err_set(err, ES_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  r->buf[0] = '\0';
  if ((rc = es_reader_more(r, err)) < 0) goto fail;
  if (r->len >= 3 && !memcmp(r->buf, "\xef\xbb\xbf", 3)) r->pos = r->line_pos = 3;
  return 0;
fail:
  es_reader_close(r);
  return rc;
}

uint64_t es_reader_line(es_reader *r, size_t off, int advance) {
  const char *p = r->buf + r->line_pos, *end = r->buf + off;
  uint64_t line = r->line;
  if (off < r->line_pos) return line; /* cannot count backwards; only misuse gets here */
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
    line++;
    p++;
  }
  if (advance) {
    r->line = line;
    r->line_pos = off;
  }
  return line;
}

/* Drops consumed bytes, so the unread tail starts at buf[0]. */
static void compact(es_reader *r) {
  if (!r->pos) return;
  es_reader_line(r, r->pos, 1);
  memmove(r->buf, r->buf + r->pos, r->len - r->pos);
  r->base += r->pos;
  r->len -= r->pos;
  r->line_pos -= r->pos;
  r->pos = 0;
  r->buf[r->len] = '\0';
}

static int grow(es_reader *r, es_error *err) {
  size_t cap = r->cap * 2;
  char *nb;
  if (r->cap >= ES_READER_MAX_RECORD)
    return es_err_set(err, ES_EINVAL,
                      "%s:%llu: a record larger than %zu MiB starts here (an unterminated quote?)",
                      r->path, (unsigned long long)es_reader_line(r, 0, 0),
                      ES_READER_MAX_RECORD >> 20);
  if (cap > ES_READER_MAX_RECORD) cap = ES_READER_MAX_RECORD;
  if (!(nb = realloc(r->buf, cap + 1))) return es_err_set(err, ES_ENOMEM, "%s: out of memory", r->path);
  r->buf = nb;
  r->cap = cap;
  return 0;
}

int es_reader_more(es_reader *r, es_error *err) {
  ssize_t n;
  int rc;
  if (r->eof) return 1;
  compact(r);
  if (r->len == r->cap && (rc = grow(r, err))) return rc;
  do {
    n = read(r->fd, r->buf + r->len, r->cap - r->len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return es_err_set(err, ES_EIO, "%s: read failed: %s", r->path, strerror(errno));
  if (n == 0) {
    r->eof = 1;
    return 1;
  }
  r->len += (size_t)n;
  r->buf[r->len] = '\0';
  return 0;
}

void es_reader_close(es_reader *r) {
  if (r->fd >= 0) close(r->fd);
  free(r->buf);
  r->fd = -1;
  r->buf = NULL;
}
