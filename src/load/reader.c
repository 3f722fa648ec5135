/* reader.c - fixed-buffer file reading with compaction, bounded growth and line counting. */
#include "load/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define ES_READER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ES_READER_ASAN 1
#endif
#endif

#ifdef ES_READER_ASAN
#include <sanitizer/asan_interface.h>
/* Only buf[0, len] (data and sentinel) may be read: the rest of the buffer is stale bytes of
   earlier reads or never written, and a parser looking there has a bug no test would see. */
static void guard(es_reader *r) {
  ASAN_UNPOISON_MEMORY_REGION(r->buf, r->len + 1);
  if (r->cap > r->len) ASAN_POISON_MEMORY_REGION(r->buf + r->len + 1, r->cap - r->len);
}
/* Before the buffer is handed to read(), realloc() or free(). */
static void unguard(es_reader *r) {
  if (r->buf) ASAN_UNPOISON_MEMORY_REGION(r->buf, r->cap + 1);
}
#else
static void guard(es_reader *r) { (void)r; }
static void unguard(es_reader *r) { (void)r; }
#endif

static int open_fail(es_reader *r, int e, es_error *err) {
  if (e == ENOENT || e == ENOTDIR)
    return es_err_set(err, ES_ENOTFOUND, "%s: no such file", r->path);
  return es_err_set(err, ES_EIO, "%s: cannot open: %s", r->path, strerror(e));
}

/* Allocates the buffer and reads the first bytes, skipping a BOM. A first read may return fewer
   than the BOM's 3 bytes (a pipe, a short read), so reading goes on until 3 are there. */
static int start(es_reader *r, size_t cap, es_error *err) {
  int rc = 0;
  r->cap = cap;
  if (!(r->buf = malloc(r->cap + 1)))
    return es_err_set(err, ES_ENOMEM, "%s: out of memory", r->path);
  r->buf[0] = '\0';
  guard(r);
  while (r->len < 3 && (rc = es_reader_more(r, err)) == 0) {}
  if (rc < 0) return rc;
  if (r->len >= 3 && !memcmp(r->buf, "\xef\xbb\xbf", 3)) r->pos = r->line_pos = 3;
  return 0;
}

static void init(es_reader *r, const char *path) {
  memset(r, 0, sizeof(*r));
  r->fd = -1;
  r->path = path;
  r->line = 1;
}

/* The file's descriptor: stdin (a copy, so closing it leaves fd 0 alone) or the path. */
static int open_fd(es_reader *r, const char *path, es_error *err) {
  if (!strcmp(path, ES_READER_STDIN)) {
    r->path = "<stdin>";
    r->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
  } else {
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
  }
  return r->fd < 0 ? open_fail(r, errno, err) : 0;
}

int es_reader_open(es_reader *r, const char *path, es_error *err) {
  struct stat st;
  es_zkind kind = es_zsrc_kind(path);
  int rc;
  init(r, path);
  if ((rc = open_fd(r, path, err))) return rc;
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
  if (kind != ES_Z_NONE && (rc = es_zsrc_open(&r->z, r->fd, kind, r->path, err))) goto fail;
  if ((rc = start(r, ES_READER_BUF, err))) goto fail;
  return 0;
fail:
  es_reader_close(r);
  return rc;
}

int es_reader_open_mem(es_reader *r, const char *path, const es_reader_mem *m, es_error *err) {
  int rc;
  init(r, path);
  r->mem = *m;
  r->size = m->len;
  if ((rc = start(r, m->cap ? m->cap : ES_READER_BUF, err))) es_reader_close(r);
  return rc;
}

/* Lines ended in [p, end): every LF, and every CR not followed by LF. end[0] is readable (at
   worst the buffer's sentinel), so a CR just before end looks at its successor too. */
uint64_t es_reader_count_lines(const char *p, const char *end) {
  const char *q;
  uint64_t n = 0;
  for (q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))); q++) n++;
  if (!memchr(p, '\r', (size_t)(end - p))) return n; /* the usual file: no CR, one more pass */
  for (q = p; q < end && (q = memchr(q, '\r', (size_t)(end - q))); q++)
    if (q[1] != '\n') n++;
  return n;
}

uint64_t es_reader_line(es_reader *r, size_t off, int advance) {
  uint64_t line = r->line;
  if (off < r->line_pos) return line; /* cannot count backwards; only misuse gets here */
  line += es_reader_count_lines(r->buf + r->line_pos, r->buf + off);
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
  if (!(nb = realloc(r->buf, cap + 1)))
    return es_err_set(err, ES_ENOMEM, "%s: out of memory", r->path);
  r->buf = nb;
  r->cap = cap;
  return 0;
}

/* Up to room bytes of the source into dst: 0 with *got (0 only at its end), or an es_code. */
static int source_read(es_reader *r, char *dst, size_t room, size_t *got, es_error *err) {
  ssize_t n;
  if (r->mem.max_read && room > r->mem.max_read) room = r->mem.max_read;
  if (r->z) return es_zsrc_read(r->z, dst, room, got, err);
  if (r->fd < 0) {
    if (room > r->mem.len) room = r->mem.len;
    if (room) memcpy(dst, r->mem.data, room);
    r->mem.data = (const char *)r->mem.data + room;
    r->mem.len -= room;
    *got = room;
    return 0;
  }
  do {
    n = read(r->fd, dst, room);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return es_err_set(err, ES_EIO, "%s: read failed: %s", r->path, strerror(errno));
  *got = (size_t)n;
  return 0;
}

int es_reader_more(es_reader *r, es_error *err) {
  size_t n = 0;
  int rc = 0;
  if (r->eof) return 1;
  compact(r);
  unguard(r);
  if (r->len == r->cap &&
      (rc = r->borrowed ? es_err_set(err, ES_EINTERNAL, "%s: a piece cannot grow", r->path)
                        : grow(r, err)))
    goto done;
  if ((rc = source_read(r, r->buf + r->len, r->cap - r->len, &n, err)) < 0) {
  } else if (n == 0) {
    r->eof = 1;
    rc = 1;
  } else {
    r->len += n;
    r->buf[r->len] = '\0';
  }
done:
  guard(r);
  return rc;
}

void es_reader_open_piece(es_reader *r, const char *path, char *buf, size_t len, uint64_t line) {
  init(r, path);
  r->buf = buf;
  r->cap = r->len = len;
  r->buf[len] = '\0';
  r->eof = 1;
  r->line = line;
  r->borrowed = 1;
}

int es_reader_read_raw(es_reader *r, char *dst, size_t room, size_t *got, es_error *err) {
  int rc;
  *got = 0;
  if (r->eof || !room) return 0;
  if ((rc = source_read(r, dst, room, got, err)) < 0) return rc;
  if (!*got) r->eof = 1;
  return 0;
}

uint64_t es_reader_progress(const es_reader *r) {
  return r->z ? es_zsrc_consumed(r->z) : es_reader_offset(r);
}

void es_reader_close(es_reader *r) {
  es_zsrc_close(r->z);
  r->z = NULL;
  if (r->fd >= 0) close(r->fd);
  if (!r->borrowed) {
    unguard(r);
    free(r->buf);
  }
  r->fd = -1;
  r->buf = NULL;
}
