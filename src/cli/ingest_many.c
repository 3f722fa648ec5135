/* ingest_many.c - `embedstream ingest` with several files or a directory: one JSON line per file
   as it ends ({"file", "domain", and the one-file object}), then the summary line {"files",
   "succeeded", "failed", "skipped", "rows_sent", "rows_stored", "seconds"}; the exit code is the
   most serious file's (es_ingest_outcome_worse). On a terminal, stderr shows the progress
   display (cli/progress.h): a line per file in flight and the total. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ingest.h"
#include "core/buf.h"
#include "core/log.h"

typedef struct many {
  pthread_mutex_t mu;
  es_prog *prog;
  es_prog_file **lines; /* per file: its display line once it reported progress */
  const es_file_list *list;
} many;

/* Files report from their worker threads; a file's line is added when it first reports. */
static void on_progress(void *ud, const es_progress *p) {
  many *m = ud;
  es_prog_file *line = NULL;
  if (!m->prog || p->file_index >= m->list->n) return;
  pthread_mutex_lock(&m->mu);
  if (!m->lines[p->file_index])
    m->lines[p->file_index] = es_ingest_show_file(m->prog, m->list->paths[p->file_index]);
  line = m->lines[p->file_index];
  pthread_mutex_unlock(&m->mu);
  es_prog_on_client(line, p);
}

/* A file ended (or was skipped): its line on the display ends, its JSON line is printed. Called
   one at a time by es_client_batch. */
static void on_done(void *ud, const es_batch_file *f) {
  many *m = ud;
  const es_ingest_result *r = f->res;
  es_prog_file *line = NULL;
  if (f->index < m->list->n) {
    pthread_mutex_lock(&m->mu);
    line = m->lines[f->index];
    m->lines[f->index] = NULL;
    pthread_mutex_unlock(&m->mu);
  }
  es_prog_end(line, !f->rc);
  if (f->rc) es_error_log("%s: %s", f->path, f->err->msg);
  es_ingest_print_json(f->path, r->domain,
                       f->skipped ? "skipped"
                       : f->rc    ? "failed"
                                  : "success",
                       f->rc ? f->err->msg : r->response.message, r->rows_sent,
                       f->rc ? 0 : r->rows_stored, r->chunks_sent, r->seconds);
}

static int print_summary(const es_batch_result *s) {
  es_buf b = ES_BUF_INIT;
  int rc;
  es_buf_printf(
      &b,
      "{\"files\":%zu,\"succeeded\":%zu,\"failed\":%zu,\"skipped\":%zu,\"rows_sent\":%llu,"
      "\"rows_stored\":%llu,\"seconds\":%.3f}",
      s->files, s->succeeded, s->failed, s->skipped, (unsigned long long)s->rows_sent,
      (unsigned long long)s->rows_stored, s->seconds);
  rc = b.oom || printf("%s\n", b.ptr) < 0 || fflush(stdout) ? -1 : 0;
  es_buf_free(&b);
  return rc;
}

int es_ingest_many(const es_ingest_opts *o, const es_file_list *list, int parallel, int fail_fast,
                   es_prog_mode mode) {
  es_batch_opts bo;
  es_batch_result sum;
  es_error err;
  many m = {.list = list};
  int rc, code;
  if (!(m.lines = calloc(list->n ? list->n : 1, sizeof(*m.lines)))) return ES_EXIT_FAIL;
  pthread_mutex_init(&m.mu, NULL);
  es_prog_new(stderr, mode, &m.prog);
  memset(&bo, 0, sizeof(bo));
  bo.ingest = *o;
  bo.ingest.progress = m.prog ? on_progress : NULL;
  bo.ingest.progress_ud = &m;
  bo.files = (const char *const *)list->paths;
  bo.nfiles = list->n;
  bo.parallel = parallel;
  bo.fail_fast = fail_fast;
  bo.done = on_done;
  bo.done_ud = &m;
  rc = es_client_batch(&bo, &sum, &err);
  es_prog_free(m.prog);
  if (rc && !sum.succeeded && !sum.failed)
    es_error_log("ingest failed: %s", err.msg); /* no file ran */
  es_info("%zu of %zu files stored, %llu rows in %.2f s", sum.succeeded, sum.files,
          (unsigned long long)sum.rows_stored, sum.seconds);
  code = es_ingest_exit_code(rc == 0                       ? ES_INGEST_OK
                             : sum.outcome == ES_INGEST_OK ? ES_INGEST_FAILED
                                                           : sum.outcome);
  if (print_summary(&sum) && code == ES_EXIT_OK) code = ES_EXIT_FAIL;
  pthread_mutex_destroy(&m.mu);
  free(m.lines);
  return code;
}
