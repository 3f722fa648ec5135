/* producer.c - the client's reading side: a thread parses the file chunk by chunk, splits each
   chunk into messages that fit the limit and packs them straight into gRPC slices, so parsing
   the next rows overlaps the sending of the previous ones. */
#include <string.h>

#include "client/client_int.h"

int es_producer_init(es_producer *p, const es_domain *d, size_t chunk_rows, size_t max_msg,
                     es_error *err) {
  memset(p, 0, sizeof(*p));
  p->domain = d;
  p->chunk_rows = chunk_rows;
  p->max_msg = max_msg;
  es_chunk_init(&p->chunk, d);
  if (pthread_mutex_init(&p->mu, NULL)) return es_err_set(err, ES_EINTERNAL, "pthread_mutex_init failed");
  if (pthread_cond_init(&p->cv, NULL)) {
    pthread_mutex_destroy(&p->mu);
    return es_err_set(err, ES_EINTERNAL, "pthread_cond_init failed");
  }
  return 0;
}

int es_producer_open(es_producer *p, const char *path, es_error *err) {
  int n;
  es_producer_stop(p);
  p->done = p->stop = p->rc = 0;
  p->next_row = 0;
  es_err_clear(&p->err);
  es_chunk_reset(&p->chunk);
  if ((n = es_loader_open(path, p->domain, &p->loader, err)) < 0) return n;
  n = es_loader_next(p->loader, &p->chunk, p->chunk_rows, err);
  if (n < 0) return n;
  if (p->chunk.nrows == 0) return es_err_set(err, ES_EINVAL, "%s: the file holds no rows", path);
  return 0;
}

const es_value *es_producer_first_row(const es_producer *p) {
  return p->chunk.nrows ? es_chunk_row(&p->chunk, 0) : NULL;
}

uint64_t es_producer_bytes_total(const es_producer *p) {
  return p->loader ? p->loader->bytes_total : 0;
}

/* Packs rows [from, to) into a slice that becomes the message: the only copy of the bytes. */
static int pack(es_producer *p, size_t to, size_t bytes, es_msg *m, es_error *err) {
  grpc_slice s = grpc_slice_malloc(bytes);
  size_t written = 0;
  int rc = es_codec_pack_chunk(&p->chunk, p->next_row, to, GRPC_SLICE_START_PTR(s), bytes, &written, err);
  if (rc == 0 && written != bytes)
    rc = es_err_set(err, ES_EINTERNAL, "packed %zu bytes, expected %zu", written, bytes);
  if (rc == 0) {
    m->bb = grpc_raw_byte_buffer_create(&s, 1); /* takes its own reference */
    m->rows = to - p->next_row;
    m->bytes = bytes;
    m->bytes_read = p->loader->bytes_read;
    p->next_row = to;
  }
  grpc_slice_unref(s);
  return rc;
}

/* The next message: 1 with *m, 0 at the end of the file, negative on an input error. */
static int next_msg(es_producer *p, es_msg *m, es_error *err) {
  size_t to, bytes;
  int rc;
  if (p->next_row == p->chunk.nrows) {
    es_chunk_reset(&p->chunk);
    p->next_row = 0;
    rc = es_loader_next(p->loader, &p->chunk, p->chunk_rows, err);
    if (rc <= 0) return rc;
  }
  if ((rc = es_client_split(&p->chunk, p->next_row, p->max_msg, &to, &bytes, err)) < 0) {
    es_err_prefix(err, "%s: ", p->loader->path);
    return rc;
  }
  if ((rc = pack(p, to, bytes, m, err)) < 0) return rc;
  return 1;
}

static void *run(void *arg) {
  es_producer *p = arg;
  es_error err;
  es_msg m;
  int rc;
  es_err_clear(&err);
  for (;;) {
    pthread_mutex_lock(&p->mu);
    rc = p->stop;
    pthread_mutex_unlock(&p->mu);
    if (rc) break;
    if ((rc = next_msg(p, &m, &err)) <= 0) break;
    pthread_mutex_lock(&p->mu);
    while (p->qlen == ES_PRODUCER_DEPTH && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      grpc_byte_buffer_destroy(m.bb);
      rc = 0;
      break;
    }
    p->q[(p->qhead + p->qlen) % ES_PRODUCER_DEPTH] = m;
    p->qlen++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  pthread_mutex_lock(&p->mu);
  p->done = 1;
  p->rc = rc < 0 ? rc : 0;
  if (rc < 0) p->err = err;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

int es_producer_start(es_producer *p, es_error *err) {
  if (pthread_create(&p->thread, NULL, run, p))
    return es_err_set(err, ES_EINTERNAL, "cannot start the reader thread");
  p->running = 1;
  return 0;
}

int es_producer_pop(es_producer *p, es_msg *m, es_error *err) {
  int rc = 0;
  pthread_mutex_lock(&p->mu);
  while (p->qlen == 0 && !p->done) pthread_cond_wait(&p->cv, &p->mu);
  if (p->qlen) {
    *m = p->q[p->qhead];
    p->qhead = (p->qhead + 1) % ES_PRODUCER_DEPTH;
    p->qlen--;
    pthread_cond_broadcast(&p->cv);
    rc = 1;
  } else if (p->rc < 0) {
    rc = p->rc;
    if (err) *err = p->err;
  }
  pthread_mutex_unlock(&p->mu);
  return rc;
}

void es_producer_stop(es_producer *p) {
  if (p->running) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = 0;
  }
  while (p->qlen) {
    grpc_byte_buffer_destroy(p->q[p->qhead].bb);
    p->qhead = (p->qhead + 1) % ES_PRODUCER_DEPTH;
    p->qlen--;
  }
  p->qhead = 0;
  es_loader_close(p->loader);
  p->loader = NULL;
}

void es_producer_free(es_producer *p) {
  es_producer_stop(p);
  es_chunk_free(&p->chunk);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
}
