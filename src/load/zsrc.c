/* zsrc.c - gzip (zlib) and zstd (libzstd) streams decompressed into the caller's buffer. Memory
   is the input buffer plus each library's own state: zlib's 32 KiB window, zstd's window, which
   libzstd caps at 128 MiB by default (a frame that asks for more is refused as corrupt). */
#include "load/zsrc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define ES_ZSRC_IN ((size_t)128 << 10)

struct es_zsrc {
  es_zkind kind;
  int fd;
  const char *path;
  unsigned char *in;
  size_t in_pos, in_len;
  int in_eof; /* fd has nothing more */
  uint64_t consumed;
  int any; /* a gzip member or zstd frame has been completed */
  z_stream gz;
  int gz_ready;    /* inflateInit2 done */
  int member_done; /* gzip: the current member ended; another may follow */
  ZSTD_DStream *zs;
  size_t zret; /* zstd: 0 when the last frame is complete and flushed */
};

es_zkind es_zsrc_kind(const char *path) {
  size_t n = path ? strlen(path) : 0;
  if (n > 3 && !strcasecmp(path + n - 3, ".gz")) return ES_Z_GZIP;
  if (n > 4 && !strcasecmp(path + n - 4, ".zst")) return ES_Z_ZSTD;
  return ES_Z_NONE;
}

size_t es_zsrc_suffix_len(const char *path) {
  switch (es_zsrc_kind(path)) {
  case ES_Z_GZIP: return 3;
  case ES_Z_ZSTD: return 4;
  default: return 0;
  }
}

const char *es_zsrc_name(es_zkind kind) { return kind == ES_Z_ZSTD ? "zstd" : "gzip"; }

int es_zsrc_open(es_zsrc **out, int fd, es_zkind kind, const char *path, es_error *err) {
  es_zsrc *z = calloc(1, sizeof(*z));
  *out = NULL;
  if (!z || !(z->in = malloc(ES_ZSRC_IN))) goto oom;
  z->kind = kind;
  z->fd = fd;
  z->path = path;
  z->zret = 1;
  if (kind == ES_Z_GZIP) {
    /* 16 + 15: gzip framing only (not raw deflate or zlib), the largest window. */
    if (inflateInit2(&z->gz, 16 + 15) != Z_OK) goto oom;
    z->gz_ready = 1;
  } else if (kind == ES_Z_ZSTD) {
    if (!(z->zs = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(z->zs))) goto oom;
  } else {
    es_zsrc_close(z);
    return es_err_set(err, ES_EINTERNAL, "%s: not a compressed file", path);
  }
  *out = z;
  return 0;
oom:
  es_zsrc_close(z);
  return es_err_set(err, ES_ENOMEM, "%s: out of memory for decompression", path);
}

static int refill(es_zsrc *z, es_error *err) {
  ssize_t n;
  do {
    n = read(z->fd, z->in, ES_ZSRC_IN);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return es_err_set(err, ES_EIO, "%s: read failed: %s", z->path, strerror(errno));
  z->in_pos = 0;
  z->in_len = (size_t)n;
  if (n == 0) z->in_eof = 1;
  return 0;
}

static int corrupt(const es_zsrc *z, const char *why, es_error *err) {
  return es_err_set(err, ES_EINVAL, "%s: not valid %s data at compressed byte %llu: %s", z->path,
                    es_zsrc_name(z->kind), (unsigned long long)z->consumed, why ? why : "corrupt");
}

static int truncated(const es_zsrc *z, es_error *err) {
  return es_err_set(err, ES_EINVAL,
                    "%s: truncated %s data: the file ends after %llu compressed bytes, "
                    "inside a %s",
                    z->path, es_zsrc_name(z->kind), (unsigned long long)z->consumed,
                    z->kind == ES_Z_ZSTD ? "frame" : "member");
}

/* One inflate call into dst; a finished member makes the next call start the following one. */
static int gz_step(es_zsrc *z, char *dst, size_t room, size_t *got, es_error *err) {
  int r;
  if (z->member_done) {
    if (inflateReset(&z->gz) != Z_OK)
      return es_err_set(err, ES_EINTERNAL, "%s: inflateReset failed", z->path);
    z->member_done = 0;
  }
  z->gz.next_in = z->in + z->in_pos;
  z->gz.avail_in = (uInt)(z->in_len - z->in_pos);
  z->gz.next_out = (Bytef *)dst;
  z->gz.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
  r = inflate(&z->gz, Z_NO_FLUSH);
  z->consumed += (size_t)(z->gz.next_in - (z->in + z->in_pos));
  z->in_pos = (size_t)(z->gz.next_in - z->in);
  *got = (size_t)((char *)z->gz.next_out - dst);
  if (r == Z_STREAM_END) {
    z->member_done = z->any = 1;
    return 0;
  }
  if (r == Z_OK || r == Z_BUF_ERROR) return 0; /* Z_BUF_ERROR: no progress without more input */
  if (r == Z_MEM_ERROR)
    return es_err_set(err, ES_ENOMEM, "%s: out of memory for decompression", z->path);
  return corrupt(z, z->gz.msg, err);
}

static int zstd_step(es_zsrc *z, char *dst, size_t room, size_t *got, es_error *err) {
  ZSTD_inBuffer ib = {z->in, z->in_len, z->in_pos};
  ZSTD_outBuffer ob = {dst, room, 0};
  size_t r = ZSTD_decompressStream(z->zs, &ob, &ib);
  z->consumed += ib.pos - z->in_pos;
  z->in_pos = ib.pos;
  *got = ob.pos;
  if (ZSTD_isError(r)) return corrupt(z, ZSTD_getErrorName(r), err);
  z->zret = r;
  if (r == 0) z->any = 1;
  return 0;
}

/* Whether the data may end here: after a whole member (gzip) or frame (zstd). */
static int at_boundary(const es_zsrc *z) {
  return z->any && (z->kind == ES_Z_GZIP ? z->member_done : z->zret == 0);
}

int es_zsrc_read(es_zsrc *z, char *dst, size_t room, size_t *got, es_error *err) {
  int rc;
  *got = 0;
  if (!room) return 0;
  for (;;) {
    int starved;
    if (z->in_pos == z->in_len && !z->in_eof && (rc = refill(z, err))) return rc;
    starved = z->in_pos == z->in_len && z->in_eof;
    /* A member or frame that ended (fully flushed) with the input is the end. */
    if (starved && at_boundary(z)) return 0;
    rc = z->kind == ES_Z_GZIP ? gz_step(z, dst, room, got, err) : zstd_step(z, dst, room, got, err);
    if (rc || *got) return rc;
    if (starved) return at_boundary(z) ? 0 : truncated(z, err);
  }
}

uint64_t es_zsrc_consumed(const es_zsrc *z) { return z ? z->consumed : 0; }

void es_zsrc_close(es_zsrc *z) {
  if (!z) return;
  if (z->gz_ready) inflateEnd(&z->gz);
  if (z->zs) ZSTD_freeDStream(z->zs);
  free(z->in);
  free(z);
}
