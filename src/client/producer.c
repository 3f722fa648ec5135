/* producer.c - the client's reading side: a thread parses the file in small batches and packs
   them straight into the buffer of the next message (chunk_rows rows, split only where the
   limit demands), so parsing the next rows overlaps the sending of the previous ones. */
#include <string.h>
#include <time.h>

#include "client/client_int.h"
#include "core/clock.h"

int es_producer_init(es_producer *p, const es_domain *d, size_t chunk_rows, size_t max_msg,
                     es_error *err) {
  memset(p, 0, sizeof(*p));
  p->domain = d;
  p->chunk_rows = chunk_rows;
  p->max_msg = max_msg;
  es_chunk_init(&p->chunk, d);
  es_chunk_init(&p->ahead, d);
  if (es_bufpool_new(&p->pool, err) < 0) return err->code;
  if (pthread_mutex_init(&p->mu, NULL)) {
    es_bufpool_release(p->pool);
    return es_err_set(err, ES_EINTERNAL, "pthread_mutex_init failed");
  }
  if (pthread_cond_init(&p->cv, NULL)) {
    pthread_mutex_destroy(&p->mu);
    es_bufpool_release(p->pool);
    return es_err_set(err, ES_EINTERNAL, "pthread_cond_init failed");
  }
  return 0;
}

/* The file's next batch of rows into p->chunk: up to ES_PRODUCER_BATCH rows and not past the
   current chunk, or a whole piece a parallel loader parsed (load/par.c), which fill() splits at
   the chunk's end: 1 with rows, 0 at the end of the file, negative on an input error. */
static int read_batch(es_producer *p, es_error *err) {
  size_t n = p->chunk_left ? p->chunk_left : p->chunk_rows;
  int rc;
  es_chunk_reset(&p->chunk);
  p->next_row = 0;
  if (p->ahead.nrows) { /* read ahead by es_producer_open */
    es_chunk tmp = p->chunk;
    p->chunk = p->ahead;
    p->ahead = tmp;
    return 1;
  }
  if (n > ES_PRODUCER_BATCH) n = ES_PRODUCER_BATCH;
  if ((rc = es_loader_take(p->loader, &p->chunk, n, err)) < 0) return rc;
  return p->chunk.nrows > 0;
}

int es_producer_open(es_producer *p, const char *path, es_error *err) {
  int n;
  es_producer_stop(p);
  p->done = p->stop = p->rc = 0;
  p->next_row = 0;
  p->chunk_left = 0;
  p->wait_slot = 0;
  es_err_clear(&p->err);
  es_chunk_reset(&p->chunk);
  es_msgrows_reset(&p->sent);
  if ((n = es_loader_open(path, p->domain, &p->lopts, &p->loader, err)) < 0) return n;
  p->format = p->loader->format;
  es_chunk_reset(&p->ahead);
  if ((n = read_batch(p, err)) < 0) return n;
  if (n == 0) return es_err_set(err, ES_EINVAL, "%s: the file holds no rows", path);
  /* A parallel loader hands over its first row alone (load/par.c); its first piece is read
     here too, so that a bad row among the file's first ones refuses the file before any
     stream begins, as with one thread. */
  if (p->chunk.nrows == 1 && p->chunk_rows > 1 &&
      (n = es_loader_take(p->loader, &p->ahead, p->chunk_rows - 1, err)) < 0)
    return n;
  return 0;
}

const es_value *es_producer_first_row(const es_producer *p) {
  return p->chunk.nrows ? es_chunk_row(&p->chunk, 0) : NULL;
}

uint64_t es_producer_bytes_total(const es_producer *p) {
  return p->loader ? p->loader->bytes_total : 0;
}

static int stopping(es_producer *p) {
  int stop;
  pthread_mutex_lock(&p->mu);
  stop = p->stop;
  pthread_mutex_unlock(&p->mu);
  return stop;
}

/* Packs batch after batch into one message until its chunk is complete, the limit is reached
   or the file ends: 1 with *m, 0 at the end of the file, negative on an input error or when the
   producer was stopped meanwhile (a busy server's refusal comes within a millisecond: the rest
   of a 10 MB first message is then not parsed for nothing). */
static int fill(es_producer *p, es_msg *m, es_error *err) {
  es_msgbuf *b;
  es_packer pk;
  grpc_slice s;
  size_t to, off, len;
  int rc;
  if ((rc = es_bufpool_get(p->pool, &b, err)) < 0) return rc;
  es_packer_begin(&pk, b);
  for (;;) {
    size_t upto;
    if (p->chunk_left == 0) {
      if (pk.rows) break;            /* its chunk is complete */
      p->chunk_left = p->chunk_rows; /* a new chunk starts */
    }
    if (p->next_row == p->chunk.nrows) {
      if (stopping(p)) {
        rc = es_err_set(err, ES_ECANCELLED, "stopped");
        goto fail;
      }
      if ((rc = read_batch(p, err)) < 0) goto fail;
      if (rc == 0) break; /* end of the file */
    }
    /* A batch may run past the chunk's end: only the chunk's rows go into this message. */
    upto =
        p->chunk.nrows - p->next_row > p->chunk_left ? p->next_row + p->chunk_left : p->chunk.nrows;
    if ((rc = es_packer_add(&pk, &p->chunk, p->next_row, upto, p->max_msg, &to, err)) < 0) {
      es_err_prefix(err, "%s: ", p->loader->path);
      goto fail;
    }
    if (to == p->next_row) break; /* full: that row starts the next message */
    p->chunk_left -= to - p->next_row;
    p->next_row = to;
  }
  if (!pk.rows) {
    es_msgbuf_put(b);
    return 0;
  }
  if ((rc = es_packer_finish(&pk, &off, &len, err)) < 0 ||
      (rc = es_msgrows_add(&p->sent, pk.rows, err)) < 0)
    goto fail;
  s = es_msgbuf_slice(b, off, len);           /* from here the slice owns b */
  m->bb = grpc_raw_byte_buffer_create(&s, 1); /* takes its own reference */
  grpc_slice_unref(s);
  m->rows = pk.rows;
  m->bytes = len;
  m->bytes_read = p->loader->bytes_read;
  return 1;
fail:
  es_msgbuf_put(b);
  return rc;
}

/* Waits until the slot is free (1) or the producer is stopped (0). */
static int wait_for_slot(es_producer *p) {
  double t0 = es_clock_mono();
  int go;
  pthread_mutex_lock(&p->mu);
  while (p->qlen == ES_PRODUCER_DEPTH && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
  go = !p->stop;
  p->wait_slot += es_clock_mono() - t0;
  pthread_mutex_unlock(&p->mu);
  return go;
}

static void *run(void *arg) {
  es_producer *p = arg;
  es_error err;
  es_msg m;
  int rc;
  es_err_clear(&err);
  for (;;) {
    /* Before filling, not after: a filled message never waits in memory beside a queued one. */
    if (!wait_for_slot(p)) {
      rc = 0;
      break;
    }
    if ((rc = fill(p, &m, &err)) <= 0) break;
    pthread_mutex_lock(&p->mu);
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
  es_chunk_free(&p->ahead);
  es_msgrows_free(&p->sent);
  es_bufpool_release(p->pool); /* its buffers may outlive p, in slices gRPC still holds */
  p->pool = NULL;
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
}
