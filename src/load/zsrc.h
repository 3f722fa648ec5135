/* zsrc.h - compressed input (.gz through zlib, .zst through libzstd) read as a plain byte stream,
   for the buffered reader under the text loaders: memory stays at two fixed buffers whatever the
   data expands to, so a decompression bomb costs time, never memory. */
#ifndef ES_ZSRC_H
#define ES_ZSRC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum { ES_Z_NONE = 0, ES_Z_GZIP, ES_Z_ZSTD } es_zkind;

typedef struct es_zsrc es_zsrc;

/* The compression a file name's last extension says (".gz", ".zst"; any case), else ES_Z_NONE. */
es_zkind es_zsrc_kind(const char *path);
/* The length of that extension with its dot (3 or 4), 0 when the name has none. */
size_t es_zsrc_suffix_len(const char *path);
/* "gzip" / "zstd". */
const char *es_zsrc_name(es_zkind kind);

/* Reads compressed bytes from fd (not closed here); path names it in messages. */
int es_zsrc_open(es_zsrc **out, int fd, es_zkind kind, const char *path, es_error *err);
/* Up to room decompressed bytes into dst: *got is 0 only at the end of the data. A file that
   ends inside a stream (truncated) or holds bytes that are not the format is ES_EINVAL naming
   the file and the compressed offset; a failed read is ES_EIO. Concatenated gzip members and
   zstd frames (what `cat a.gz b.gz` or pigz write) are read one after the other. */
int es_zsrc_read(es_zsrc *z, char *dst, size_t room, size_t *got, es_error *err);
/* Compressed bytes consumed so far (progress against the file's size). */
uint64_t es_zsrc_consumed(const es_zsrc *z);
void es_zsrc_close(es_zsrc *z);

#endif
