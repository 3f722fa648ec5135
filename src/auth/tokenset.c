/* tokenset.c - the shared, reloadable token list: one mutex around a list that a reload swaps
   whole, so a check sees either the old tokens or the new ones, never a mix. */
#include "auth/tokenset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

struct es_tokenset {
  char *path;
  pthread_mutex_t mu;
  es_token_list list; /* guarded by mu */
};

int es_tokenset_open(const char *path, es_tokenset **out, es_error *err) {
  es_tokenset *s = calloc(1, sizeof(*s));
  int rc;
  *out = NULL;
  if (!s || !(s->path = strdup(path))) {
    free(s);
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  if ((rc = es_tokens_read(path, &s->list, err))) {
    free(s->path);
    free(s);
    return rc;
  }
  pthread_mutex_init(&s->mu, NULL);
  *out = s;
  return 0;
}

int es_tokenset_reload(es_tokenset *s, es_error *err) {
  es_token_list fresh = {NULL, 0}, old;
  int rc = es_tokens_read(s->path, &fresh, err);
  if (rc) return rc;
  pthread_mutex_lock(&s->mu);
  old = s->list;
  s->list = fresh;
  pthread_mutex_unlock(&s->mu);
  es_tokens_list_free(&old);
  return 0;
}

int es_tokenset_check(es_tokenset *s, const char *token, size_t n, es_token *who) {
  const es_token *hit;
  int rc = -1;
  pthread_mutex_lock(&s->mu);
  if ((hit = es_tokens_match(&s->list, token, n))) {
    *who = *hit;
    rc = 0;
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

size_t es_tokenset_count(es_tokenset *s) {
  size_t n;
  pthread_mutex_lock(&s->mu);
  n = s->list.n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

const char *es_tokenset_path(const es_tokenset *s) { return s->path; }

void es_tokenset_free(es_tokenset *s) {
  if (!s) return;
  es_tokens_list_free(&s->list);
  pthread_mutex_destroy(&s->mu);
  free(s->path);
  free(s);
}

void es_tokenset_sighup(es_tokenset *s) {
  es_error err;
  size_t before;
  if (!s) {
    es_info("received SIGHUP: no --tokens file to read again");
    return;
  }
  before = es_tokenset_count(s);
  es_err_clear(&err);
  if (es_tokenset_reload(s, &err)) {
    es_warn("received SIGHUP: tokens not reloaded, the %zu loaded before stay in force: %s", before,
            err.msg);
    return;
  }
  es_info("received SIGHUP: tokens reloaded: %zu from %s (%zu before)", es_tokenset_count(s),
          es_tokenset_path(s), before);
}
