/* csv_split.h - splitting one CSV record into fields in place, the way Python's csv module does
   (doublequote on, non-strict), without copying anything until a field is converted. */
#ifndef ES_CSV_SPLIT_H
#define ES_CSV_SPLIT_H

#include <stddef.h>

enum {
  ES_CSV_PLAIN, /* the bytes at [off, off + n) are the value */
  ES_CSV_DQ,    /* quoted content at [off, off + n) with "" standing for " */
  ES_CSV_MESSY  /* raw bytes from the opening quote, text followed the closing quote */
};

typedef struct es_csv_field {
  size_t off, n; /* offsets into the buffer given to es_csv_split */
  unsigned kind;
} es_csv_field;

typedef struct es_csv_fields {
  es_csv_field *v;
  size_t n, cap;
  size_t bad; /* ES_CSV_UNTERMINATED: offset of the field's opening quote (field index n) */
} es_csv_fields;

enum { ES_CSV_MORE = 0, ES_CSV_RECORD = 1, ES_CSV_UNTERMINATED = 2 };

/* Splits the record starting at buf[pos] (buf[len] ends the data read so far; eof says nothing
   follows). Returns ES_CSV_RECORD with the fields and *rec_end after the line terminator,
   ES_CSV_MORE when the record continues past len, ES_CSV_UNTERMINATED when a quoted field
   runs to the end of the file, or ES_ENOMEM. Stops early, returning ES_CSV_RECORD, once
   `limit` fields are found (the caller knows the row is then too wide). CR LF, LF and a lone CR
   end a record outside quotes. f may be NULL: the record is only skipped (es_csv_cut). */
int es_csv_split(const char *buf, size_t pos, size_t len, int eof, size_t limit, es_csv_fields *f,
                 size_t *rec_end);
/* Where to cut CSV bytes for parallel parsing (load/par.c), such that each side holds whole
   records. buf[start] begins a record. Walks record after record from there with
   es_csv_split itself (quote state, doubled quotes, text after a closing quote, CR LF: the very
   state machine the parser runs), so a cut can never fall inside a quoted field or between a
   CR and its LF. Returns 1 with *end just past the first record ending at or after `from` (or
   at len, where the data ends: at eof, or an unterminated quote the parser then reports);
   0 when that record is not complete in buf[.., len) and eof is not set: *end is its start,
   where the next call (with more bytes) can begin; or ES_ENOMEM. */
int es_csv_cut(const char *buf, size_t start, size_t from, size_t len, int eof, size_t *end);
/* Writes the value of a DQ or MESSY field (at most n bytes) to dst; returns its length. */
size_t es_csv_decode(const char *s, size_t n, unsigned kind, char *dst);
void es_csv_fields_free(es_csv_fields *f);

#endif
