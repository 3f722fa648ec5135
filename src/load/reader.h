/* reader.h - buffered file input for record parsers: a fixed buffer that grows only to hold the
   largest single record, plus lazy line counting for error messages. */
#ifndef ES_READER_H
#define ES_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ES_READER_BUF ((size_t)1 << 20)
/* A record larger than this is refused (most likely an unterminated quote); it could never
   travel in one gRPC message anyway. */
#define ES_READER_MAX_RECORD ((size_t)256 << 20)

/* Bytes from memory instead of a file, for fuzz targets and tests: a small buffer and short
   reads make buffer refills, records straddling reads and buffer growth happen on tiny inputs. */
typedef struct es_reader_mem {
  const void *data;
  size_t len;
  size_t cap;      /* initial buffer size, at least 1 (0: ES_READER_BUF) */
  size_t max_read; /* bytes per read at most (0: as many as fit) */
} es_reader_mem;

typedef struct es_reader {
  int fd;
  const char *path;
  char *buf;         /* cap + 1 bytes; buf[len] is always '\0' */
  size_t cap;
  size_t pos, len;   /* unread bytes are buf[pos, len) */
  int eof;           /* the file has no more bytes beyond buf[len) */
  uint64_t base;     /* file offset of buf[0] */
  uint64_t size;     /* file size, 0 when unknown (not a regular file) */
  uint64_t line;     /* 1-based line number at buf[line_pos] */
  size_t line_pos;
  es_reader_mem mem; /* the source when fd < 0; mem.data advances as it is read */
} es_reader;

/* Missing file: ES_ENOTFOUND naming the path; other failures ES_EIO. Skips a UTF-8 BOM.
   Under AddressSanitizer the buffer past buf[len] is poisoned, so a parser reading beyond the
   data it was given fails loudly in every sanitized test. */
int es_reader_open(es_reader *r, const char *path, es_error *err);
/* The same over m's bytes (not copied: they must outlive the reader); path names them. */
int es_reader_open_mem(es_reader *r, const char *path, const es_reader_mem *m, es_error *err);
/* Makes room (dropping buf[0, pos), growing only if the unread bytes fill the buffer) and reads.
   Returns 0 when bytes were added, 1 at end of file, or a negative es_code. Pointers into buf
   are invalid afterwards; offsets relative to pos stay valid. */
int es_reader_more(es_reader *r, es_error *err);
/* Line number of buf[off] for off >= line_pos; advance moves the counting cursor to off (do so
   at record starts, so counting stays linear in the file size). LF, CR LF and a lone CR each
   end a line, as they end a CSV record (and as Python counts csv.reader's line_num). */
uint64_t es_reader_line(es_reader *r, size_t off, int advance);
/* Bytes of the file consumed so far (up to pos). */
static inline uint64_t es_reader_offset(const es_reader *r) { return r->base + r->pos; }
void es_reader_close(es_reader *r);

#endif
