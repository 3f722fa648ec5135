/* datadir.h - the API's data folder: file names resolved strictly inside it, and its listing. */
#ifndef ES_DATADIR_H
#define ES_DATADIR_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

typedef struct es_datadir {
  char *root;     /* realpath of the folder, resolved once at start */
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

/* Appends {"data_dir":...,"files":[{"name","size","format","domain"}...]}: the folder's top-level
   files that es_loader_supported accepts and that resolve inside it, sorted by name. */
int es_datadir_list_json(const es_datadir *d, es_buf *out, es_error *err);

/* The domain a file name suggests ("recruit", "candidate", "skill" in it), or NULL. */
const char *es_datadir_guess_domain(const char *name);
/* The lowercase extension after the last dot ("csv"), or "" (into out, of size cap). */
void es_datadir_format(const char *name, char *out, size_t cap);

#endif
