/* readfile.h - a whole file (or pipe) read into memory, within a size bound: token files, PEM
   certificates and keys, pickles that cannot be memory-mapped. */
#ifndef ES_READFILE_H
#define ES_READFILE_H

#include <stddef.h>

#include "core/error.h"

/* Reads fd to its end into *buf (malloc'd, NUL-terminated past *len). More than max bytes:
   ES_EINVAL "PATH: larger than MAX bytes" (what says what the file should have been, e.g.
   "a token file"). `path` names the file in messages. */
int es_readfile_fd(int fd, const char *path, size_t max, const char *what, char **buf, size_t *len,
                   es_error *err);
/* The same from a path, which must name a regular file (not a folder, not a device). */
int es_readfile(const char *path, size_t max, const char *what, char **buf, size_t *len,
                es_error *err);

#endif
