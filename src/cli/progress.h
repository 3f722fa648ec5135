/* progress.h - the terminal's progress display of ingest and generate: one line per file in
   flight, and a total line while more than one file is known, redrawn in place on a terminal
   (or, with --progress always into a pipe or file, appended about once a second).

   The display does the layout; callers only report, keyed by the file handle es_prog_add gave
   them, from any thread (a mutex guards everything):

     es_prog *p;  es_prog_new(stderr, ES_PROG_AUTO, &p);       NULL p: no display wanted
     es_prog_file *f = es_prog_add(p, "a.csv", bytes_total, 0);  one per file, before or as it
   starts o.progress = es_prog_on_client; o.progress_ud = f;          es_client_ingest reports
   itself or es_prog_update(f, &state) with rows, chunks, bytes done of the total es_prog_end(f,
   ok);                                         its final line stays on screen es_prog_free(p);
   erases what is still live

   Every function accepts NULL for p or f and then does nothing, so callers need no checks. */
#ifndef ES_CLI_PROGRESS_H
#define ES_CLI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "cli/opts.h"

struct es_progress; /* client/client.h */

typedef enum { ES_PROG_AUTO, ES_PROG_ALWAYS, ES_PROG_NEVER } es_prog_mode;

typedef struct es_prog es_prog;
typedef struct es_prog_file es_prog_file;

/* Where a file is: the percentage and ETA come from bytes_done of bytes_total when the size is
   known, else from rows of rows_total (generate knows the rows it will write). */
typedef struct es_prog_state {
  uint64_t rows, chunks;            /* chunks 0: not shown (generate) */
  uint64_t bytes_done, bytes_total; /* bytes_total 0: unknown */
  uint64_t rows_total;              /* 0: unknown */
  int attempt;                      /* >1 shows "attempt N"; a new attempt restarts the rate */
} es_prog_state;

/* A --progress value ("auto", "always", "never") into *mode, for an option's apply(). */
int es_prog_opt(const char *s, es_prog_mode *mode, es_opts_why *why);
/* *p is NULL when mode says no display here (never, or auto and out is not a terminal). */
int es_prog_new(FILE *out, es_prog_mode mode, es_prog **p);
/* Adds a file to the display under label (its name); bytes_total/rows_total 0 when unknown. */
es_prog_file *es_prog_add(es_prog *p, const char *label, uint64_t bytes_total, uint64_t rows_total);
void es_prog_update(es_prog_file *f, const es_prog_state *s);
/* es_ingest_opts.progress for a file: ud is its es_prog_file. */
void es_prog_on_client(void *ud, const struct es_progress *pr);
/* The file is over: its line, as it ended (ok or failed), is printed for good. */
void es_prog_end(es_prog_file *f, int ok);
/* Erases the live lines and frees everything (files too). */
void es_prog_free(es_prog *p);

#endif
