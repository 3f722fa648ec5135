/* reader.h - buffered file input for record parsers: a fixed buffer that grows only to hold the
   largest single record, plus lazy line counting for error messages. */
#ifndef ES_READER_H
#define ES_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/zsrc.h"

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
  char *buf; /* cap + 1 bytes; buf[len] is always '\0' */
  size_t cap;
  size_t pos, len; /* unread bytes are buf[pos, len) */
  int eof;         /* the file has no more bytes beyond buf[len) */
  uint64_t base;   /* file offset of buf[0] */
  uint64_t size;   /* file size, 0 when unknown (not a regular file) */
  uint64_t line;   /* 1-based line number at buf[line_pos] */
  size_t line_pos;
  es_reader_mem mem; /* the source when fd < 0; mem.data advances as it is read */
  es_zsrc *z;        /* decompresses fd (.gz, .zst), or NULL */
  int borrowed;      /* buf is the caller's (es_reader_open_piece): never grown or freed */
} es_reader;

/* The path that names standard input. */
#define ES_READER_STDIN "-"

/* Missing file: ES_ENOTFOUND naming the path; other failures ES_EIO. Skips a UTF-8 BOM. A name
   ending in .gz or .zst is decompressed as it is read (load/zsrc.h); ES_READER_STDIN reads
   standard input (named "<stdin>" in messages).
   Under AddressSanitizer the buffer past buf[len] is poisoned, so a parser reading beyond the
   data it was given fails loudly in every sanitized test. */
int es_reader_open(es_reader *r, const char *path, es_error *err);
/* The same over m's bytes (not copied: they must outlive the reader); path names them. */
int es_reader_open_mem(es_reader *r, const char *path, const es_reader_mem *m, es_error *err);
/* Over a piece of a file already in memory (parallel parsing, load/par.c): buf[0, len) holds
   whole records and buf[len] must be readable (it is set to '\0'); line is the file's line
   number at buf[0]. Nothing is copied, no BOM is skipped, buf stays the caller's. */
void es_reader_open_piece(es_reader *r, const char *path, char *buf, size_t len, uint64_t line);
/* For load/par.c, which reads the rest of the source into buffers of its own once the header
   is parsed: up to room bytes of the source past what buf holds (0 only at its end). */
int es_reader_read_raw(es_reader *r, char *dst, size_t room, size_t *got, es_error *err);
/* How far into the file reading has come, in the file's own bytes: the compressed bytes taken
   for .gz/.zst, else the offset (progress against `size`). */
uint64_t es_reader_progress(const es_reader *r);
/* Makes room (dropping buf[0, pos), growing only if the unread bytes fill the buffer) and reads.
   Returns 0 when bytes were added, 1 at end of file, or a negative es_code. Pointers into buf
   are invalid afterwards; offsets relative to pos stay valid. */
int es_reader_more(es_reader *r, es_error *err);
/* Line number of buf[off] for off >= line_pos; advance moves the counting cursor to off (do so
   at record starts, so counting stays linear in the file size). LF, CR LF and a lone CR each
   end a line, as they end a CSV record (and as Python counts csv.reader's line_num). */
uint64_t es_reader_line(es_reader *r, size_t off, int advance);
/* Lines ended in [p, end) as es_reader_line counts them; end[0] must be readable. */
uint64_t es_reader_count_lines(const char *p, const char *end);
/* Bytes of the file consumed so far (up to pos). */
static inline uint64_t es_reader_offset(const es_reader *r) { return r->base + r->pos; }
void es_reader_close(es_reader *r);

#endif
