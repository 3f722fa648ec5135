/* par.c - one CSV or JSONL file parsed on several threads, rows handed out in file order.

   The method. The file's header and first row are read the ordinary way (the first row fixes
   the vector length every later row must have). The rest is cut into pieces of about
   ES_PAR_PIECE bytes, each holding whole records, by one thread at a time, in file order:
   the cutter reads the next bytes straight into a piece buffer and walks the records from the
   start of the piece, which is a record boundary (the previous cut), with the parser's own
   record splitter (es_csv_cut, csv_split.h; JSONL: the first LF, since JSON text never holds a
   raw one), until a record ends past the target size. That walk is sequential and sees every
   quote as the parser will (doubled quotes, newlines and commas inside quotes, text after a
   closing quote, CR LF), so no cut can fall inside a quoted field, whatever the data: the quote
   state at every cut is known, not guessed. The walk costs a memchr over quoted fields and a
   byte loop over short plain ones, a small part of parsing. The bytes after the cut (the next
   record's beginning) move into the next piece's buffer. The cutter also counts the piece's
   lines (as the format numbers them), so every piece knows the file line it starts on and the
   rows and messages of a piece carry the lines of the whole file.

   Then the piece is parsed by the thread that cut it, with a copy of the format's loader
   (es_split_ops.fork) fed that piece: same columns, same checks, same messages. Workers take
   turns at cutting and parse in parallel. A piece's rows wait in a ring of
   ES_PAR_AHEAD x threads slots until the consumer takes them in sequence order (es_loader_take
   swaps the storage, no copy); no piece is cut while the ring is full, so memory stays at a few
   pieces per thread, whatever the file's size. Every row comes out in the order, with the values
   and line, that the sequential loader gives; an error (a bad row, a failed read, a record
   larger than ES_READER_MAX_RECORD) is handed out at its place in that order, so the rows before
   it and the message are those of the sequential loader too. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "load/loader_int.h"

/* Bytes a piece aims at: large enough that cutting and handing over cost little per row,
   small enough that a few per thread stay a few MiB. ES_PAR_PIECE_BYTES in the environment
   (tests only) makes pieces tiny, so that cuts fall everywhere in a small file. */
#define ES_PAR_PIECE ((size_t)1 << 20)
#define ES_PAR_AHEAD 2
/* Bytes read at a time past the target while the record that straddles it is incomplete. Reads
   stop near the cut, because every byte read past it is copied out to the carry and back into
   the next piece: reading whole buffers doubled the copying and made two threads cost 20% more
   CPU than one. */
#define ES_PAR_STEP ((size_t)64 << 10)

enum { SLOT_FREE, SLOT_PARSING, SLOT_DONE };

typedef struct par_slot {
  int state;
  es_chunk rows;
  int rc; /* < 0: this piece failed (its err); the pieces after it are never handed out */
  es_error err;
  uint64_t progress; /* the source's progress at the piece's end */
} par_slot;

/* One piece cut and not parsed yet. */
typedef struct par_piece {
  char *buf;
  size_t len, cap;
  uint64_t line;
} par_piece;

typedef struct par_loader {
  es_loader base;
  size_t piece; /* target piece size: ES_PAR_PIECE */
  es_loader *inner;
  const es_split_ops *ops;
  es_reader *r;
  int nthreads, started;
  pthread_t *threads;
  es_loader **forks;
  pthread_mutex_t mu, cut_mu; /* mu: the ring and the counters; cut_mu: the cutter's state */
  pthread_cond_t cv;
  /* under cut_mu */
  char *carry; /* bytes after the last cut: the next piece starts with them */
  size_t carry_len, carry_cap;
  uint64_t line;     /* the file's line at the next piece's start */
  uint64_t src_read; /* bytes read from an uncompressed source, for progress */
  /* under mu */
  par_slot *slots;
  size_t nslots;
  uint64_t next_cut, next_take;
  int cut_done, stop;
  /* the consumer's */
  es_chunk first; /* the first row, read at open */
  es_chunk held;  /* next() only: rows taken and not handed out yet */
  size_t held_pos;
  es_error fail;
} par_loader;

static uint64_t progress_at(const par_loader *p) {
  return p->r->z ? es_zsrc_consumed(p->r->z) : p->src_read - p->carry_len;
}

/* Reads from the source until buf holds want (<= cap) bytes or the source ends; never more. */
static int fill(par_loader *p, par_piece *pc, size_t want, es_error *err) {
  while (pc->len < want && !p->r->eof) {
    size_t got = 0;
    int rc = es_reader_read_raw(p->r, pc->buf + pc->len, want - pc->len, &got, err);
    if (rc < 0) return rc;
    pc->len += got;
    p->src_read += got;
  }
  return 0;
}

static int grow(par_loader *p, par_piece *pc, size_t rec_start, es_error *err) {
  size_t cap = pc->cap * 2;
  char *nb;
  if (pc->cap - rec_start >= ES_READER_MAX_RECORD)
    return es_err_set(err, ES_EINVAL,
                      "%s:%llu: a record larger than %zu MiB starts here (an unterminated quote?)",
                      p->base.path,
                      (unsigned long long)(pc->line + p->ops->lines(pc->buf, pc->buf + rec_start)),
                      ES_READER_MAX_RECORD >> 20);
  if (!(nb = realloc(pc->buf, cap + 1)))
    return es_err_set(err, ES_ENOMEM, "%s: out of memory", p->base.path);
  pc->buf = nb;
  pc->cap = cap;
  return 0;
}

/* The next piece into pc (whose buffer, possibly NULL, it reuses): 1 with a piece, 0 when the
   file is all cut, or a negative es_code. Under cut_mu. */
static int cut_piece(par_loader *p, par_piece *pc, es_error *err) {
  size_t start = 0, end = 0, step;
  int rc;
  if (pc->cap < 2 * p->piece || pc->cap < p->carry_len) {
    size_t cap = p->carry_len > 2 * p->piece ? p->carry_len : 2 * p->piece;
    free(pc->buf);
    if (!(pc->buf = malloc(cap + 1)))
      return es_err_set(err, ES_ENOMEM, "%s: out of memory", p->base.path);
    pc->cap = cap;
  }
  if (p->carry_len) memcpy(pc->buf, p->carry, p->carry_len);
  pc->len = p->carry_len;
  pc->line = p->line;
  if ((rc = fill(p, pc, p->piece, err)) < 0) return rc;
  if (pc->len == 0) return 0;
  for (;;) {
    pc->buf[pc->len] = '\0';
    if ((rc = p->ops->cut(pc->buf, start, p->piece, pc->len, p->r->eof, &end)) < 0)
      return es_err_set(err, rc, "%s: out of memory", p->base.path);
    if (rc == 1) break;
    start = end; /* that record needs more bytes */
    if (pc->len == pc->cap && (rc = grow(p, pc, start, err)) < 0) return rc;
    /* at least the incomplete record's length, so a long one is walked O(1) times per byte */
    step = p->piece < ES_PAR_STEP ? p->piece : ES_PAR_STEP;
    if (step < pc->len - start) step = pc->len - start;
    if ((rc = fill(p, pc, pc->cap - pc->len < step ? pc->cap : pc->len + step, err)) < 0) return rc;
  }
  p->carry_len = pc->len - end;
  if (p->carry_len > p->carry_cap) {
    char *nc = realloc(p->carry, p->carry_len);
    if (!nc) return es_err_set(err, ES_ENOMEM, "%s: out of memory", p->base.path);
    p->carry = nc;
    p->carry_cap = p->carry_len;
  }
  if (p->carry_len) memcpy(p->carry, pc->buf + end, p->carry_len);
  pc->len = end;
  p->line += p->ops->lines(pc->buf,
                           pc->buf + end); /* buf[end] is the carry's first byte or the sentinel */
  return 1;
}

/* Waits for a free slot and cuts the next piece into it: 1 with *seq (the slot is
   SLOT_PARSING, or SLOT_DONE holding the cutter's error), 0 when there is nothing left to cut. */
static int reserve_and_cut(par_loader *p, par_piece *pc, uint64_t *seq) {
  par_slot *s;
  es_error err;
  int rc;
  pthread_mutex_lock(&p->cut_mu);
  pthread_mutex_lock(&p->mu);
  while (!p->stop && !p->cut_done && p->next_cut - p->next_take >= p->nslots)
    pthread_cond_wait(&p->cv, &p->mu);
  if (p->stop || p->cut_done) {
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->cut_mu);
    return 0;
  }
  *seq = p->next_cut;
  pthread_mutex_unlock(&p->mu);
  es_err_clear(&err);
  rc = cut_piece(p, pc, &err);
  pthread_mutex_lock(&p->mu);
  if (rc != 0) {
    s = &p->slots[*seq % p->nslots];
    s->state = rc < 0 ? SLOT_DONE : SLOT_PARSING;
    s->rc = rc < 0 ? rc : 0;
    s->err = err;
    s->progress = progress_at(p);
    p->next_cut++;
  }
  if (rc <= 0) p->cut_done = 1; /* the end, or a failure nothing after can follow */
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&p->cut_mu);
  return rc != 0;
}

/* Parses pc into s->rows with this worker's fork of the loader. */
static void parse_piece(es_loader *fork, const par_loader *p, par_piece *pc, par_slot *s) {
  es_error err;
  int n;
  es_err_clear(&err);
  es_chunk_reset(&s->rows);
  p->ops->feed(fork, pc->buf, pc->len, pc->line);
  while ((n = es_loader_next(fork, &s->rows, (size_t)-1, &err)) > 0) {}
  s->rc = n < 0 ? n : 0;
  if (n < 0) s->err = err;
}

typedef struct par_worker {
  par_loader *p;
  es_loader *fork;
} par_worker;

static void *worker(void *arg) {
  par_loader *p = ((par_worker *)arg)->p;
  es_loader *fork = ((par_worker *)arg)->fork;
  par_piece pc = {NULL, 0, 0, 0};
  uint64_t seq;
  free(arg);
  while (reserve_and_cut(p, &pc, &seq)) {
    par_slot *s = &p->slots[seq % p->nslots];
    if (s->state != SLOT_PARSING) continue; /* the cutter failed: its error is in the slot */
    parse_piece(fork, p, &pc, s);
    pthread_mutex_lock(&p->mu);
    s->state = SLOT_DONE;
    if (s->rc < 0) p->cut_done = 1; /* rows after a bad one are never needed */
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  free(pc.buf);
  return NULL;
}

/* Moves the next piece's rows into out: the count (0 for a piece of blank lines; *end is set
   when every piece has been taken), or a negative es_code. */
static int take_piece(par_loader *p, es_chunk *out, int *end, es_error *err) {
  par_slot *s;
  es_chunk tmp;
  *end = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    s = &p->slots[p->next_take % p->nslots];
    if (p->next_take < p->next_cut && s->state == SLOT_DONE) break;
    if (p->cut_done && p->next_take == p->next_cut) {
      pthread_mutex_unlock(&p->mu);
      *end = 1;
      return 0;
    }
    pthread_cond_wait(&p->cv, &p->mu);
  }
  if (s->rc < 0) {
    pthread_mutex_unlock(&p->mu);
    es_loader_keep(&p->fail, s->rc, &s->err);
    return es_loader_kept(&p->fail, err);
  }
  es_chunk_reset(out);
  tmp = *out;
  *out = s->rows;
  s->rows = tmp;
  s->state = SLOT_FREE;
  p->base.bytes_read = s->progress;
  p->next_take++;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return (int)out->nrows;
}

static int par_take(es_loader *l, es_chunk *out, es_error *err) {
  par_loader *p = (par_loader *)l;
  es_chunk tmp;
  int n, end;
  if ((n = es_loader_kept(&p->fail, err))) return n;
  if (p->first.nrows) { /* the row read at open comes first */
    es_chunk_reset(out);
    tmp = *out;
    *out = p->first;
    p->first = tmp;
    return (int)out->nrows;
  }
  do {
    if ((n = take_piece(p, out, &end, err)) < 0) return n;
  } while (n == 0 && !end);
  return n;
}

/* The generic interface (inspect, the client's row-error lookup): rows taken a piece at a time,
   copied out max_rows at a time. */
static int par_next(es_loader *l, es_chunk *out, size_t max_rows, es_error *err) {
  par_loader *p = (par_loader *)l;
  size_t n = 0;
  int rc;
  if ((rc = es_loader_check_next(l, NULL, out, &max_rows, err))) return rc;
  if (p->held_pos == p->held.nrows) {
    p->held_pos = 0;
    if ((rc = par_take(l, &p->held, err)) <= 0) {
      es_chunk_reset(&p->held);
      return rc;
    }
  }
  for (; n < max_rows && p->held_pos < p->held.nrows; n++)
    if (!es_chunk_copy_row(out, &p->held, p->held_pos++))
      return es_err_set(err, ES_ENOMEM, "out of memory");
  return (int)n;
}

static void par_close(es_loader *l) {
  par_loader *p = (par_loader *)l;
  int i;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (i = 0; i < p->started; i++) pthread_join(p->threads[i], NULL);
  for (i = 0; p->forks && i < p->nthreads; i++) es_loader_close(p->forks[i]);
  for (i = 0; p->slots && (size_t)i < p->nslots; i++) es_chunk_free(&p->slots[i].rows);
  es_loader_close(p->inner);
  es_chunk_free(&p->first);
  es_chunk_free(&p->held);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->cut_mu);
  pthread_mutex_destroy(&p->mu);
  free(p->slots);
  free(p->forks);
  free(p->threads);
  free(p->carry);
  es_loader_base_free(l);
  free(p);
}

/* The bytes the inner loader has buffered past its first row start the first piece. */
static int take_over_reader(par_loader *p, es_error *err) {
  es_reader *r = p->r;
  p->carry_len = p->carry_cap = r->len - r->pos;
  if (p->carry_len && !(p->carry = malloc(p->carry_len)))
    return es_err_set(err, ES_ENOMEM, "out of memory");
  if (p->carry_len) memcpy(p->carry, r->buf + r->pos, p->carry_len);
  p->line = es_reader_line(r, r->pos, 0);
  p->src_read = r->base + r->len;
  r->pos = r->len;
  return 0;
}

static int start_workers(par_loader *p, es_error *err) {
  int i, rc;
  for (i = 0; i < p->nthreads; i++)
    if ((rc = p->ops->fork(p->inner, &p->forks[i], err))) return rc;
  for (i = 0; i < p->nthreads; i++) {
    par_worker *w = malloc(sizeof(*w));
    if (!w) return es_err_set(err, ES_ENOMEM, "out of memory");
    w->p = p;
    w->fork = p->forks[i];
    if (pthread_create(&p->threads[i], NULL, worker, w)) {
      free(w);
      return es_err_set(err, ES_EINTERNAL, "cannot start a parsing thread");
    }
    p->started++;
  }
  return 0;
}

/* Locks, ring and the first row; then the workers start. */
static int par_init(par_loader *p, es_loader *inner, int threads, es_error *err) {
  size_t i;
  int rc;
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->cut_mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->inner = inner;
  p->ops = inner->split;
  p->r = p->ops->reader(inner);
  p->nthreads = threads;
  p->piece = es_env_size("ES_PAR_PIECE_BYTES", ES_PAR_PIECE, 1, ES_PAR_PIECE);
  p->nslots = (size_t)threads * ES_PAR_AHEAD;
  es_chunk_init(&p->first, inner->domain);
  es_chunk_init(&p->held, inner->domain);
  p->slots = calloc(p->nslots, sizeof(*p->slots));
  p->forks = calloc((size_t)threads, sizeof(*p->forks));
  p->threads = calloc((size_t)threads, sizeof(*p->threads));
  if (!p->slots || !p->forks || !p->threads) return es_err_set(err, ES_ENOMEM, "out of memory");
  for (i = 0; i < p->nslots; i++) es_chunk_init(&p->slots[i].rows, inner->domain);
  if ((rc = es_loader_base_init(&p->base, inner->format, inner->domain, inner->path, err)))
    return rc;
  p->base.bytes_total = inner->bytes_total;
  if ((rc = es_loader_next(inner, &p->first, 1, err)) < 0) return rc;
  p->base.dim = inner->dim;
  p->base.dim_line = inner->dim_line;
  p->base.bytes_read = inner->bytes_read;
  if (rc == 0) { /* no rows at all: nothing to cut */
    p->cut_done = 1;
    return 0;
  }
  if ((rc = take_over_reader(p, err))) return rc;
  return start_workers(p, err);
}

int es_par_open(es_loader **l, int threads, es_error *err) {
  par_loader *p = calloc(1, sizeof(*p));
  int rc;
  if (!p) {
    es_loader_close(*l);
    *l = NULL;
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  p->base.next = par_next;
  p->base.take = par_take;
  p->base.close = par_close;
  if ((rc = par_init(p, *l, threads, err))) {
    if (!p->inner) es_loader_close(*l);
    par_close(&p->base);
    *l = NULL;
    return rc;
  }
  *l = &p->base;
  return 0;
}
