/* datadir.h - the API's data folder: file names resolved strictly inside it, and its listing. */
#ifndef ES_DATADIR_H
#define ES_DATADIR_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

typedef struct es_datadir {
  char *root; /* realpath of the folder, resolved once at start */
  size_t rootlen;
} es_datadir;

int es_datadir_open(const char *dir, es_datadir *out, es_error *err);
void es_datadir_close(es_datadir *d);

/* The lexical part of es_datadir_resolve: 0 or ES_EINVAL, touching no file. */
int es_datadir_check_name(const char *name, size_t n, es_error *err);
/* Resolves a client-supplied name (n bytes, may contain NUL, which is refused) to the real path of
   a regular file under the folder, without opening it. ES_EINVAL: empty, NUL, absolute, a ".."
   component, a path that leads outside (symbolic links included), not a regular file.
   ES_ENOTFOUND: nothing there. *out is malloc'd. */
int es_datadir_resolve(const es_datadir *d, const char *name, size_t n, char **out, es_error *err);

/* Appends {"data_dir":...,"files":[{"name","size","format","domain","domain_from"}...]}: the files
   under the folder, subfolders included (names relative to it, "sub/x.csv"), that
   es_loader_supported accepts and that resolve inside it, sorted by name. Hidden entries and
   links to folders are skipped; at most ES_DATADIR_MAX_DEPTH folders deep and ES_DATADIR_MAX_FILES
   files. domain_from: "name" or "header" (which guessed the domain), null with domain null. */
#define ES_DATADIR_MAX_DEPTH 16
#define ES_DATADIR_MAX_FILES 10000
int es_datadir_list_json(const es_datadir *d, es_buf *out, es_error *err);

/* Rewrites msg (a NUL-terminated string in a buffer of cap bytes) so that it names no
   server-side absolute path: `real` (a file's real path) becomes `shown` (the name the caller
   gave), any other path under root becomes relative to it, root itself "the data folder". */
void es_datadir_scrub(const char *root, const char *real, const char *shown, char *msg, size_t cap);

/* The domain a file name suggests ("recruit", "candidate", "skill" in it), or NULL. */
const char *es_datadir_guess_domain(const char *name);
/* The domain whose columns a CSV header row or a JSONL file's first object names (format "csv",
   "jsonl" or "ndjson"; reads at most 64 KiB of path), or NULL. */
const char *es_datadir_guess_header(const char *path, const char *format);
/* The lowercase extension after the last dot ("csv"), or "" (into out, of size cap). */
void es_datadir_format(const char *name, char *out, size_t cap);

#endif
