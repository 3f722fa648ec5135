/* ingest.h - what `embedstream ingest` shares between its one-file path (cmd_ingest.c) and its
   many-files path (ingest_many.c). */
#ifndef ES_CLI_INGEST_H
#define ES_CLI_INGEST_H

#include <stdint.h>

#include "cli/progress.h"
#include "client/client.h"

/* One file's outcome as a JSON line; file and domain are left out when NULL (the one-file
   output, as the spec's client prints it). -1 when stdout cannot be written. */
int es_ingest_print_json(const char *file, const char *domain, const char *status,
                         const char *message, uint64_t rows, uint64_t stored, uint64_t chunks,
                         double seconds);
/* The exit code of an es_ingest_outcome. */
int es_ingest_exit_code(int outcome);
/* The progress display's line for a file (its name, its size when it can be known), or NULL
   without a display. */
es_prog_file *es_ingest_show_file(es_prog *prog, const char *path);
/* Sends every file of list (at least two, or a directory's) with o for each, `parallel` at once:
   one JSON line per file, then the summary line; progress on stderr as mode says. Returns the
   exit code. */
int es_ingest_many(const es_ingest_opts *o, const es_file_list *list, int parallel, int fail_fast,
                   es_prog_mode mode);

#endif
