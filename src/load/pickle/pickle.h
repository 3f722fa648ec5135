/* pickle.h - the .pkl/.pickle loader: pandas DataFrames and plain pickles, read without running
 * Python. */
#ifndef ES_PKL_PICKLE_H
#define ES_PKL_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "load/loader.h"

/* Maps the file and interprets it (nothing from the file is executed); rows then come out a chunk
   at a time. ES_EINVAL with a message naming the refused opcode, global or shape, or, before any
   row, every missing and unknown column (load/columns.h; unknown ones are dropped instead with
   opts->ignore_unknown_columns). opts may be NULL (the defaults). */
int es_pickle_open(const char *path, const es_domain *d, const es_loader_opts *opts,
                   es_loader **out, es_error *err);
/* The same over a caller's buffer (never written), which must stay alive until es_loader_close. */
int es_pickle_open_mem(const uint8_t *buf, size_t len, const char *name, const es_domain *d,
                       const es_loader_opts *opts, es_loader **out, es_error *err);

#endif
