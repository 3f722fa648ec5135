/* progress.c - the progress display (progress.h): per-file lines and a total, laid out here so
   that one file (ingest today) and many (several files at once) look alike. */
#include "cli/progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client/client.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"

#define TTY_EVERY_S 0.1  /* redraws on a terminal at most this often */
#define PIPE_EVERY_S 1.0 /* lines appended to a pipe or file at most this often */
#define TICK_S 0.5       /* a stalled transfer still shows its time passing this often */
#define LABEL_MAX 48     /* bytes of a file's name shown */

enum { F_WAITING, F_RUNNING, F_DONE, F_FAILED };

struct es_prog_file {
  es_prog *p;
  es_prog_file *next;
  char label[LABEL_MAX + 4];
  es_prog_state s;
  double started, attempt_started, ended;
  int state;
};

struct es_prog {
  FILE *out;
  int tty;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* wakes the ticker to stop */
  pthread_t ticker;
  int ticking, stop;
  es_prog_file *head, *tail;
  size_t nfiles, nended;
  int drawn; /* lines of the live block on the terminal now */
  double started, last_draw;
  es_buf finals; /* ended files' lines, still to be printed above the live block */
};

int es_prog_opt(const char *s, es_prog_mode *mode, es_opts_why *why) {
  if (!strcasecmp(s, "auto"))
    *mode = ES_PROG_AUTO;
  else if (!strcasecmp(s, "always"))
    *mode = ES_PROG_ALWAYS;
  else if (!strcasecmp(s, "never"))
    *mode = ES_PROG_NEVER;
  else
    return es_opts_bad(why, "expected auto, always or never");
  return 0;
}

/* ---- text of the lines */

static void thousands(es_buf *b, uint64_t n) {
  char digits[24];
  int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n), i;
  for (i = 0; i < len; i++) {
    if (i && (len - i) % 3 == 0) es_buf_puts(b, ",");
    es_buf_put(b, &digits[i], 1);
  }
}

/* Decimal units, as disk sizes count them: 950.3 kB, 45.2 MB, 1.2 GB. */
static int unit_for(uint64_t n) {
  double v = (double)n;
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, u++;
  return u;
}

/* n in unit u; with the unit's name when named. */
static void in_unit(es_buf *b, uint64_t n, int u, int named) {
  static const char *units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = (double)n;
  int k;
  for (k = 0; k < u; k++) v /= 1000;
  es_buf_printf(b, u ? "%.1f" : "%.0f", v);
  if (named) es_buf_printf(b, " %s", units[u]);
}

/* "4.2 s" under a minute, then "12:05", then "1:02:05". */
static void clock_time(es_buf *b, double s) {
  unsigned long t = s > 0 && s < 360000 ? (unsigned long)(s + 0.5) : 0;
  if (s < 59.5)
    es_buf_printf(b, "%.1f s", s > 0 ? s : 0.0);
  else if (t >= 3600)
    es_buf_printf(b, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
  else
    es_buf_printf(b, "%lu:%02lu", t / 60, t % 60);
}

/* Rows, bytes and percentage, rate, elapsed and ETA: the part file and total lines share. */
static void figures(es_buf *b, uint64_t rows, uint64_t done, uint64_t total, uint64_t rows_total,
                    double rate_secs, uint64_t rate_rows, double elapsed, int running) {
  double frac = total        ? (double)done / (double)total
                : rows_total ? (double)rows / (double)rows_total
                             : -1;
  int u = unit_for(total ? total : done);
  es_buf_puts(b, "  ");
  thousands(b, rows);
  es_buf_printf(b, " row%s  ", es_plural(rows));
  if (total) { /* "12.0 of 120.0 MB": both in the unit of the total */
    in_unit(b, done, u, 0);
    es_buf_puts(b, " of ");
  }
  in_unit(b, total ? total : done, u, 1);
  if (frac >= 0) es_buf_printf(b, "  %d%%", (int)(100 * (frac > 1 ? 1 : frac)));
  if (rate_secs > 0.2) {
    es_buf_puts(b, "  ");
    thousands(b, (uint64_t)((double)rate_rows / rate_secs));
    es_buf_puts(b, " rows/s");
  }
  es_buf_puts(b, "  ");
  clock_time(b, elapsed);
  if (running && frac > 0.001 && frac < 1 && rate_secs > 0.2) {
    es_buf_puts(b, "  ETA ");
    clock_time(b, rate_secs * (1 - frac) / frac);
  }
}

static void file_line(const es_prog_file *f, double now, es_buf *b) {
  const es_prog_state *s = &f->s;
  double end = f->ended > 0 ? f->ended : now;
  es_buf_puts(b, f->label);
  if (f->state == F_WAITING) {
    es_buf_puts(b, "  waiting");
    return;
  }
  if (s->attempt > 1) es_buf_printf(b, "  attempt %d", s->attempt);
  figures(b, s->rows, s->bytes_done, s->bytes_total, s->rows_total, end - f->attempt_started,
          s->rows, end - f->started, f->state == F_RUNNING);
  if (s->chunks) {
    es_buf_puts(b, "  ");
    thousands(b, s->chunks);
    es_buf_printf(b, " chunk%s", es_plural(s->chunks));
  }
  if (f->state == F_DONE) es_buf_puts(b, "  done");
  if (f->state == F_FAILED) es_buf_puts(b, "  failed");
}

static void total_line(const es_prog *p, double now, es_buf *b) {
  const es_prog_file *f;
  uint64_t rows = 0, done = 0, total = 0;
  size_t running = 0, failed = 0;
  for (f = p->head; f; f = f->next) {
    rows += f->s.rows;
    done += f->s.bytes_done;
    total += f->s.bytes_total;
    running += f->state == F_RUNNING;
    failed += f->state == F_FAILED;
  }
  es_buf_printf(b, "total  %zu of %zu files done", p->nended, p->nfiles);
  if (failed) es_buf_printf(b, " (%zu failed)", failed);
  if (running) es_buf_printf(b, ", %zu running", running);
  figures(b, rows, done, total, 0, now - p->started, rows, now - p->started, p->nended < p->nfiles);
}

/* ---- drawing */

static int width(const es_prog *p) {
  struct winsize ws;
  if (p->tty && ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 0; /* no limit */
}

/* Appends line, cut to cols - 1 characters (a wrapped line would break the redraw), counted as
   UTF-8 characters (one column each: a name in Latin, Greek or Cyrillic keeps its full width;
   double-width scripts may still wrap) and cut at a character boundary. */
static void put_line(es_buf *out, const es_buf *line, int cols) {
  size_t n, chars = 0;
  for (n = 0; cols && n < line->len; n++)
    if (((unsigned char)line->ptr[n] & 0xc0) != 0x80 && ++chars == (size_t)cols) break;
  es_buf_put(out, line->ptr, cols ? n : line->len);
}

/* The live block: running and waiting files, then the total when there are several. */
static int live_block(es_prog *p, double now, es_buf *out, const char *sep, int cols) {
  es_buf line = ES_BUF_INIT;
  es_prog_file *f;
  int n = 0;
  for (f = p->head; f; f = f->next) {
    if (f->state >= F_DONE) continue;
    es_buf_clear(&line);
    file_line(f, now, &line);
    if (n++) es_buf_puts(out, sep);
    put_line(out, &line, cols);
  }
  if (p->nfiles > 1 && n) {
    es_buf_clear(&line);
    total_line(p, now, &line);
    es_buf_puts(out, sep);
    put_line(out, &line, cols);
    n++;
  }
  es_buf_free(&line);
  return n;
}

/* Moves back to the start of the live block and clears it. */
static void erase(es_prog *p, es_buf *out) {
  if (!p->tty || !p->drawn) return;
  es_buf_puts(out, "\r");
  if (p->drawn > 1) es_buf_printf(out, "\033[%dA", p->drawn - 1);
  es_buf_puts(out, "\033[J");
  p->drawn = 0;
}

/* With the lock held. force: also within the rate limit (an end, a log line). */
static void draw(es_prog *p, int force) {
  double now = es_clock_mono();
  es_buf out = ES_BUF_INIT;
  int live;
  if (!force && now - p->last_draw < (p->tty ? TTY_EVERY_S : PIPE_EVERY_S)) return;
  p->last_draw = now;
  if (p->tty) {
    erase(p, &out);
    es_buf_put(&out, p->finals.ptr ? p->finals.ptr : "", p->finals.len);
    live = live_block(p, now, &out, "\033[K\n", width(p));
    if (live) es_buf_puts(&out, "\033[K");
    p->drawn = live;
  } else {
    es_buf_put(&out, p->finals.ptr ? p->finals.ptr : "", p->finals.len);
    if (!force && live_block(p, now, &out, "\n", 0)) es_buf_puts(&out, "\n");
  }
  es_buf_clear(&p->finals);
  if (!out.oom && out.len) {
    fwrite(out.ptr, 1, out.len, p->out);
    fflush(p->out);
  }
  es_buf_free(&out);
}

/* Log lines go above the live block: it is erased before one is written and drawn again after. */
static void before_log(void *ud) {
  es_prog *p = ud;
  es_buf out = ES_BUF_INIT;
  pthread_mutex_lock(&p->mu);
  erase(p, &out);
  if (!out.oom && out.len) {
    fwrite(out.ptr, 1, out.len, p->out);
    fflush(p->out);
  }
  es_buf_free(&out);
  pthread_mutex_unlock(&p->mu);
}

static void after_log(void *ud) {
  es_prog *p = ud;
  pthread_mutex_lock(&p->mu);
  draw(p, 1);
  pthread_mutex_unlock(&p->mu);
}

/* Redraws now and then when no report comes (a held stream, a slow server), so the elapsed time
   and the ETA keep moving. */
static void *tick(void *arg) {
  es_prog *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    struct timespec until = es_clock_after(CLOCK_REALTIME, TICK_S);
    pthread_cond_timedwait(&p->cv, &p->mu, &until);
    if (!p->stop && p->nended < p->nfiles) draw(p, 0);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* ---- the interface */

int es_prog_new(FILE *out, es_prog_mode mode, es_prog **pp) {
  int tty = isatty(fileno(out));
  es_prog *p;
  *pp = NULL;
  if (mode == ES_PROG_NEVER || (mode == ES_PROG_AUTO && !tty)) return 0;
  if (!(p = calloc(1, sizeof(*p)))) return ES_ENOMEM;
  if (pthread_mutex_init(&p->mu, NULL)) {
    free(p);
    return ES_EINTERNAL;
  }
  if (pthread_cond_init(&p->cv, NULL)) {
    pthread_mutex_destroy(&p->mu);
    free(p);
    return ES_EINTERNAL;
  }
  p->out = out;
  p->tty = tty;
  p->started = es_clock_mono();
  p->ticking =
      pthread_create(&p->ticker, NULL, tick, p) == 0; /* without it: no ticks, that is all */
  if (tty) es_log_set_interpose(before_log, after_log, p);
  *pp = p;
  return 0;
}

/* A file's name is anyone's choice: control characters become '?' so that a name cannot carry
   escape sequences to the terminal (or a line break into the layout). */
static void printable(char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

es_prog_file *es_prog_add(es_prog *p, const char *label, uint64_t bytes_total,
                          uint64_t rows_total) {
  es_prog_file *f;
  size_t n = strlen(label);
  if (!p || !(f = calloc(1, sizeof(*f)))) return NULL;
  f->p = p;
  if (n > LABEL_MAX) { /* the end of a name tells files apart better than its start */
    label += n - LABEL_MAX;
    while (((unsigned char)*label & 0xc0) == 0x80) label++;
    snprintf(f->label, sizeof(f->label), "...%s", label);
  } else {
    snprintf(f->label, sizeof(f->label), "%s", label);
  }
  printable(f->label);
  f->s.bytes_total = bytes_total;
  f->s.rows_total = rows_total;
  pthread_mutex_lock(&p->mu);
  if (p->tail)
    p->tail->next = f;
  else
    p->head = f;
  p->tail = f;
  p->nfiles++;
  pthread_mutex_unlock(&p->mu);
  return f;
}

void es_prog_update(es_prog_file *f, const es_prog_state *s) {
  es_prog *p = f ? f->p : NULL;
  double now = es_clock_mono();
  uint64_t bytes_total, rows_total;
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  if (f->state == F_WAITING) f->started = f->attempt_started = now;
  if (s->attempt != f->s.attempt && f->state != F_WAITING) f->attempt_started = now;
  f->state = F_RUNNING;
  bytes_total = f->s.bytes_total; /* what es_prog_add knew stays known */
  rows_total = f->s.rows_total;
  f->s = *s;
  if (!f->s.bytes_total) f->s.bytes_total = bytes_total;
  if (!f->s.rows_total) f->s.rows_total = rows_total;
  draw(p, 0);
  pthread_mutex_unlock(&p->mu);
}

void es_prog_on_client(void *ud, const struct es_progress *pr) {
  es_prog_state s = {.rows = pr->rows_sent,
                     .chunks = pr->chunks_sent,
                     .bytes_done = pr->bytes_read,
                     .bytes_total = pr->bytes_total,
                     .attempt = pr->attempt};
  es_prog_update(ud, &s);
}

void es_prog_end(es_prog_file *f, int ok) {
  es_prog *p = f ? f->p : NULL;
  es_buf line = ES_BUF_INIT;
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  if (f->state == F_WAITING) f->started = f->attempt_started = es_clock_mono();
  f->ended = es_clock_mono();
  f->state = ok ? F_DONE : F_FAILED;
  p->nended++;
  file_line(f, f->ended, &line);
  put_line(&p->finals, &line, width(p));
  es_buf_puts(&p->finals, p->tty ? "\033[K\n" : "\n");
  es_buf_free(&line);
  draw(p, 1);
  pthread_mutex_unlock(&p->mu);
}

void es_prog_free(es_prog *p) {
  es_prog_file *f, *next;
  es_buf out = ES_BUF_INIT;
  if (!p) return;
  if (p->tty) es_log_set_interpose(NULL, NULL, NULL);
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  if (p->ticking) pthread_join(p->ticker, NULL);
  pthread_mutex_lock(&p->mu);
  erase(p, &out);
  if (!out.oom && out.len) fwrite(out.ptr, 1, out.len, p->out);
  fflush(p->out);
  pthread_mutex_unlock(&p->mu);
  es_buf_free(&out);
  for (f = p->head; f; f = next) {
    next = f->next;
    free(f);
  }
  es_buf_free(&p->finals);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}
