/* rowerr.c - a row the server rejected, in the file's terms: its (chunk, row) from our server's
   trailers or from "chunk N, row M" in any server's details, its index in the file from the
   per-message row counts, and its line from reading the file again with the same loader (rows
   come out in file order, each with its line). The file is read again only on this error path. */
#include <stdio.h>
#include <string.h>

#include "client/client_int.h"
#include "core/trailer.h"

#define ES_ROWERR_BATCH 4096

/* The line row file_row of the file starts on: 0 with *line, or an es_code. */
static int find_line(const es_ingest_opts *o, const es_producer *p, uint64_t file_row,
                     uint64_t *line, es_error *err) {
  es_loader *l = NULL;
  es_chunk c;
  uint64_t seen = 0;
  int rc, n;
  es_chunk_init(&c, p->domain);
  if ((rc = es_loader_open(o->file, p->domain, &p->lopts, &l, err)) < 0) goto done;
  for (;;) {
    if (o->cancel && *o->cancel) {
      rc = es_err_set(err, ES_ECANCELLED, "cancelled");
      break;
    }
    es_chunk_reset(&c);
    if ((n = es_loader_next(l, &c, ES_ROWERR_BATCH, err)) <= 0) {
      rc = n < 0 ? n
                 : es_err_set(err, ES_ENOTFOUND, "the file now holds %llu rows",
                              (unsigned long long)seen);
      break;
    }
    if (file_row - seen < (uint64_t)n) {
      *line = c.lines ? c.lines[file_row - seen] : 0;
      rc = *line ? 0 : es_err_set(err, ES_ENOTFOUND, "the loader gives no line numbers");
      break;
    }
    seen += (uint64_t)n;
  }
done:
  es_loader_close(l);
  es_chunk_free(&c);
  return rc;
}

/* Whether the format's rows have lines: a pickle's and a Parquet file's rows are a table's (their
   loaders' "lines" count rows), named by index without reading the file again. */
static int has_lines(const char *format) {
  return !format || (strcmp(format, "pickle") && strcmp(format, "parquet"));
}

/* "r.csv:701", or "r.pkl: row index 700" where a row has no line or the file cannot be read
   again (standard input). */
static void where(const es_ingest_opts *o, const es_producer *p, uint64_t file_row, char *out,
                  size_t cap) {
  uint64_t line = 0;
  es_error err;
  int once = !strcmp(o->file, "-"); /* standard input cannot be read again */
  if (has_lines(p->format) && !once && find_line(o, p, file_row, &line, &err) == 0) {
    snprintf(out, cap, "%s:%llu", o->file, (unsigned long long)line);
    return;
  }
  snprintf(out, cap, "%s: row index %llu", once ? "<stdin>" : o->file,
           (unsigned long long)file_row);
}

/* The server's reason without its own "chunk N, row M: " in front. */
static const char *reason(const char *details) {
  uint64_t chunk, row;
  size_t start, end;
  if (es_trailer_find_pos(details, &chunk, &row, &start, &end) && start == 0) details += end;
  return *details ? details : "(no details)";
}

int es_client_row_error(const es_ingest_opts *o, const es_producer *p, const es_attempt *a,
                        char *out, size_t cap) {
  uint64_t chunk = a->pos_chunk, row = a->pos_row, file_row;
  size_t start, end;
  char at[600];
  if (!a->has_pos && !es_trailer_find_pos(a->details, &chunk, &row, &start, &end)) return 0;
  if (es_msgrows_locate(&p->sent, chunk, row, &file_row)) return 0; /* not a row we sent */
  where(o, p, file_row, at, sizeof(at));
  snprintf(out, cap, "%s: %s (server: chunk %llu, row %llu)", at, reason(a->details),
           (unsigned long long)chunk, (unsigned long long)row);
  return 1;
}
