/* sqlite_ckpt.c - the SQLite store's checkpoint thread: copies committed WAL frames into the
   database file off the commit path (connections run with wal_autocheckpoint=0). */
#include "core/log.h"
#include "store/sqlite_int.h"

static void *ckpt_main(void *arg) {
  es_sq_store *s = arg;
  pthread_mutex_lock(&s->ckpt_mu);
  for (;;) {
    int rc, frames = 0, copied = 0;
    while (!s->ckpt_pending && !s->ckpt_stop) pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
    if (s->ckpt_stop) break; /* closing the last connection checkpoints what is left */
    s->ckpt_pending = 0;
    pthread_mutex_unlock(&s->ckpt_mu);
    /* PASSIVE never waits for nor blocks readers and writers; what it cannot copy now, a later
       request copies. */
    rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      es_warn("sqlite %s: checkpoint failed: %s", s->path, sqlite3_errmsg(s->ckpt_db));
    pthread_mutex_lock(&s->ckpt_mu);
  }
  pthread_mutex_unlock(&s->ckpt_mu);
  return NULL;
}

int es_sq_ckpt_start(es_sq_store *s, es_error *err) {
  int rc = es_sq_connect(s->path, SQLITE_OPEN_READWRITE, &s->ckpt_db, err);
  if (rc) return rc;
  if (pthread_mutex_init(&s->ckpt_mu, NULL)) goto fail;
  if (pthread_cond_init(&s->ckpt_cv, NULL)) {
    pthread_mutex_destroy(&s->ckpt_mu);
    goto fail;
  }
  if (pthread_create(&s->ckpt_thread, NULL, ckpt_main, s)) {
    pthread_cond_destroy(&s->ckpt_cv);
    pthread_mutex_destroy(&s->ckpt_mu);
    goto fail;
  }
  s->ckpt_started = 1;
  return 0;
fail:
  sqlite3_close(s->ckpt_db);
  s->ckpt_db = NULL;
  return es_err_set(err, ES_EINTERNAL, "sqlite %s: cannot start the checkpoint thread", s->path);
}

void es_sq_ckpt_request(es_sq_store *s) {
  pthread_mutex_lock(&s->ckpt_mu);
  s->ckpt_pending = 1;
  pthread_cond_signal(&s->ckpt_cv);
  pthread_mutex_unlock(&s->ckpt_mu);
}

void es_sq_ckpt_stop(es_sq_store *s) {
  if (!s->ckpt_started) return;
  pthread_mutex_lock(&s->ckpt_mu);
  s->ckpt_stop = 1;
  pthread_cond_signal(&s->ckpt_cv);
  pthread_mutex_unlock(&s->ckpt_mu);
  pthread_join(s->ckpt_thread, NULL);
  pthread_cond_destroy(&s->ckpt_cv);
  pthread_mutex_destroy(&s->ckpt_mu);
  sqlite3_close(s->ckpt_db);
  s->ckpt_db = NULL;
  s->ckpt_started = 0;
}
