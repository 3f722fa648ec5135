/* test_par.c - the CSV cut finder and the parallel reader: every cut on a record boundary (quoted
   newlines, doubled quotes, text after a closing quote, CR LF), and rows, lines and errors of
   --threads N exactly those of one thread, with cuts falling everywhere. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/csv_split.h"
#include "load_testutil.h"
#include "tap.h"

/* The record boundaries of s[0, n) as the parser finds them, reading it whole: out[k] = 1 when
   a record starts (or the data ends) at k. */
static void boundaries(const char *s, size_t n, unsigned char *out) {
  size_t pos = 0, end = 0;
  memset(out, 0, n + 1);
  out[0] = out[n] = 1;
  while (pos < n) {
    int rc = es_csv_split(s, pos, n, 1, (size_t)-1, NULL, &end);
    if (rc == ES_CSV_UNTERMINATED) break;
    out[end] = 1;
    pos = end;
  }
}

static size_t first_at_or_after(const unsigned char *b, size_t n, size_t from) {
  while (from < n && !b[from]) from++;
  return from;
}

/* es_csv_cut on every prefix (as if the rest were not read yet), from every record start, for
   every target: a cut is the first true boundary at or past the target; "need more" only when
   that record does not end inside the prefix, and then it points at a true record start. */
static int cut_agrees(const char *s, size_t n) {
  unsigned char b[128];
  char buf[130];
  size_t L, from, start, end, want;
  int rc, ok = 1;
  boundaries(s, n, b);
  for (L = 0; L <= n; L++) {
    int eof = L == n;
    memcpy(buf, s, L);
    buf[L] = '\0';
    for (start = 0; start <= L; start++) {
      if (!b[start]) continue;
      for (from = start; from <= L + 1; from++) {
        rc = es_csv_cut(buf, start, from, L, eof, &end);
        want = first_at_or_after(b, n, from > start ? from : start + 1); /* a record has bytes */
        if (rc == 1 && end != (want <= L ? want : L)) ok = 0;
        if (rc == 1 && !eof && end > L) ok = 0;
        if (rc == 0 && (eof || !b[end] || end > L || want < L)) ok = 0;
        if (rc < 0) ok = 0;
        if (!ok) {
          fprintf(stderr,
                  "cut of %zu bytes of [%.*s] from %zu at %zu (eof %d): rc %d end %zu, want %zu\n",
                  L, (int)n, s, start, from, eof, rc, end, want);
          return 0;
        }
      }
    }
  }
  return ok;
}

static void named_cuts(void) {
  size_t end = 0;
  /* A quoted newline is not a record end: the cut goes past it. */
  const char *q = "a,\"x\ny\",b\nc,d\n";
  CHECK_EQ_INT(es_csv_cut(q, 0, 3, strlen(q), 0, &end), 1);
  CHECK_EQ_INT(end, 10);
  /* Doubled quotes stay inside the field, even with a newline right after them. */
  const char *dq = "\"a\"\"\n\"\"b\",c\nd\n";
  CHECK_EQ_INT(es_csv_cut(dq, 0, 1, strlen(dq), 0, &end), 1);
  CHECK_EQ_INT(end, 12);
  /* CR LF is one terminator: a buffer ending in CR needs the next byte first. */
  const char *crlf = "a,b\r\nc,d\r";
  CHECK_EQ_INT(es_csv_cut(crlf, 0, 5, strlen(crlf), 0, &end), 1); /* "a,b\r\n" ends at 5 */
  CHECK_EQ_INT(end, 5);
  CHECK_EQ_INT(es_csv_cut(crlf, 0, 6, strlen(crlf), 0, &end), 0);
  CHECK_EQ_INT(end, 5); /* the record "c,d" starts there */
  CHECK_EQ_INT(es_csv_cut("a,b\r\nc", 0, 1, 6, 0, &end), 1);
  CHECK_EQ_INT(end, 5);
  CHECK_EQ_INT(es_csv_cut(crlf, 5, 6, strlen(crlf), 1, &end), 1); /* at the end a lone CR ends it */
  CHECK_EQ_INT(end, 9);
  /* A cut right after a closing quote: the quote might open a doubled one, so wait for more. */
  CHECK_EQ_INT(es_csv_cut("\"a\"", 0, 1, 3, 0, &end), 0);
  CHECK_EQ_INT(es_csv_cut("\"a\"\nb\n", 0, 3, 6, 0, &end), 1);
  CHECK_EQ_INT(end, 4);
  /* Text after a closing quote makes later quotes literal (Python's csv): quote parity would
     think the newline is quoted here; the parser's own state machine knows it is not. */
  const char *messy = "\"a\"b\"c\nd\n";
  CHECK_EQ_INT(es_csv_cut(messy, 0, 1, strlen(messy), 0, &end), 1);
  CHECK_EQ_INT(end, 7);
  /* A quote inside a plain field is literal too. */
  CHECK_EQ_INT(es_csv_cut("ab\"c\nd\n", 0, 1, 7, 0, &end), 1);
  CHECK_EQ_INT(end, 5);
  /* An unterminated quote runs to the end of the data (the parser then says where it began). */
  CHECK_EQ_INT(es_csv_cut("a\n\"b\nc", 2, 3, 6, 1, &end), 1);
  CHECK_EQ_INT(end, 6);
  CHECK_EQ_INT(es_csv_cut("a\n\"b\nc", 2, 3, 6, 0, &end), 0);
  CHECK_EQ_INT(end, 2);
}

/* Random bytes over the characters that matter, every prefix and target. */
static void random_cuts(void) {
  static const char alphabet[] = "a,\"\n\r";
  uint64_t seed = 12345;
  char s[40];
  int i, bad = 0;
  for (i = 0; i < 600 && !bad; i++) {
    size_t n, k;
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    n = (size_t)(seed >> 59) + 1; /* 1..32 */
    for (k = 0; k < n; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      s[k] = alphabet[(seed >> 33) % 5];
    }
    if (!cut_agrees(s, n)) bad = 1;
  }
  CHECK(!bad);
}

/* b's bytes into a file; b is freed. */
static const char *written(const char *name, es_buf *b) {
  const char *path = tu_write_n(name, b->ptr, b->len);
  es_buf_free(b);
  return path;
}

/* A CSV that puts quoted newlines, doubled quotes, CR LF, blank lines and long rows everywhere. */
static const char *tricky_csv(int crlf) {
  es_buf b = ES_BUF_INIT;
  const char *nl = crlf ? "\r\n" : "\n";
  int i;
  es_buf_printf(
      &b, "candidate_id,position_category,experience_years,original_resume,skills,vector%s", nl);
  for (i = 0; i < 300; i++) {
    es_buf_printf(&b, "00000000-0000-4000-8000-%012d,", i);
    if (i % 3 == 0)
      es_buf_printf(&b, "\"cat\n%d\"\"x\"\"\r\n\",", i);
    else
      es_buf_printf(&b, "plain%d,", i);
    es_buf_printf(&b, "%d,\"resume %d: \"\"quoted\"\",\nnew line%s,\",", i % 40, i,
                  i % 7 ? "" : "\r");
    es_buf_printf(&b, "\"[\"\"go\"\", \"\"c\"\"]\",\"[%d.5, -1e-3, 2]\"%s", i, nl);
    if (i % 11 == 0) es_buf_puts(&b, nl); /* a blank line */
  }
  return written(crlf ? "tricky_crlf.csv" : "tricky.csv", &b);
}

static const char *tricky_jsonl(void) {
  es_buf b = ES_BUF_INIT;
  int i;
  for (i = 0; i < 300; i++) {
    es_buf_printf(
        &b,
        "{\"candidate_id\": \"00000000-0000-4000-8000-%012d\", \"position_category\": "
        "\"a\\nb \\\"%d\\\"\", \"experience_years\": %d, \"original_resume\": \"r\\r\\n\", "
        "\"skills\": [\"x\"], \"vector\": [%d, 0.25, -2]}\n",
        i, i, i % 30, i);
    if (i % 13 == 0) es_buf_puts(&b, "  \r\n"); /* blank */
  }
  return written("tricky.jsonl", &b);
}

/* Whether two dumps agree: the same rows and outcome; after an error (the dump's last line is
   not "end") the same message, and rows of which one list starts the other: both stop at a
   batch or a piece before the bad row, which the stream being cancelled makes moot. */
static int dumps_agree(const es_buf *a, const es_buf *b) {
  const char *la, *lb;
  size_t ra, rb;
  if (a->len == b->len && !memcmp(a->ptr, b->ptr, a->len)) return 1;
  la = strrchr(a->ptr, '\n');
  lb = strrchr(b->ptr, '\n');
  while (la > a->ptr && la[-1] != '\n') la--;
  while (lb > b->ptr && lb[-1] != '\n') lb--;
  if (!strcmp(la, "end\n") || strcmp(la, lb)) return 0;
  ra = (size_t)(la - a->ptr);
  rb = (size_t)(lb - b->ptr);
  return !memcmp(a->ptr, b->ptr, ra < rb ? ra : rb);
}

/* One thread against 2..4 threads, pieces of many sizes, through next() and take(). */
static int same_as_one_thread(const char *path) {
  static const char *pieces[] = {"1", "7", "64", "333", "4096"};
  es_loader_opts one = {0}, many = {0};
  es_buf want = ES_BUF_INIT, got = ES_BUF_INIT;
  size_t i;
  int t, ok = 1;
  tu_dump(path, NULL, "candidate", &one, &want);
  for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]) && ok; i++) {
    setenv("ES_PAR_PIECE_BYTES", pieces[i], 1);
    for (t = 2; t <= 4 && ok; t++) {
      many.threads = t;
      tu_dump(path, NULL, "candidate", &many, &got);
      ok = dumps_agree(&want, &got);
      if (ok) {
        tu_dump_how(path, NULL, "candidate", &many, 1, &got);
        ok = dumps_agree(&want, &got);
      }
      if (!ok)
        fprintf(stderr, "%s, %d threads, pieces of %s bytes:\n%.600s\nbut one thread:\n%.600s\n",
                path, t, pieces[i], got.ptr, want.ptr);
    }
  }
  unsetenv("ES_PAR_PIECE_BYTES");
  es_buf_free(&want);
  es_buf_free(&got);
  return ok;
}

/* Regression: tu_dump (load_testutil.h) stopped after its first batch of 5 rows, so every
   comparison built on it looked at 5 rows only. */
static void dump_is_whole(void) {
  es_buf b = ES_BUF_INIT;
  const char *p;
  size_t lines = 0;
  tu_dump(tricky_jsonl(), NULL, "candidate", NULL, &b);
  for (p = b.ptr; (p = strchr(p, '\n')); p++) lines++;
  CHECK_EQ_INT(lines, 301); /* 300 rows and "end" */
  es_buf_free(&b);
}

/* Records far longer than a read step and than a whole piece, at the real piece size: a record
   that straddles the target is read in steps until it ends, and one larger than the piece buffer
   grows it. Regression for reads that stop near the cut (they once filled whole buffers). */
static const char *long_records_csv(void) {
  es_buf b = ES_BUF_INIT;
  size_t sizes[] = {10, 70000, 200, 300000, 5, (size_t)3 << 20, 40, 900000, 1};
  size_t i, k;
  es_buf_puts(&b,
              "candidate_id,position_category,experience_years,original_resume,skills,vector\n");
  for (i = 0; i < 120; i++) {
    size_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
    es_buf_printf(&b, "00000000-0000-4000-8000-%012zu,x,1,\"", i);
    for (k = 0; k < n; k++) {
      char c = k % 61 == 60 ? '\n' : (char)('a' + k % 26);
      es_buf_put(&b, &c, 1);
    }
    es_buf_printf(&b, "\",,\"[%zu, 2]\"\n", i);
  }
  return written("long.csv", &b);
}

static int long_records_same(void) {
  es_loader_opts one = {0}, two = {.threads = 2};
  es_buf want = ES_BUF_INIT, got = ES_BUF_INIT;
  const char *path = long_records_csv();
  int ok;
  tu_dump(path, NULL, "candidate", &one, &want);
  tu_dump(path, NULL, "candidate", &two, &got);
  ok = want.len > 0 && want.len == got.len && !memcmp(want.ptr, got.ptr, want.len);
  es_buf_free(&want);
  es_buf_free(&got);
  return ok;
}

static void parallel_rows(void) {
  CHECK(long_records_same());
  dump_is_whole();
  CHECK(same_as_one_thread(tricky_csv(0)));
  CHECK(same_as_one_thread(tricky_csv(1)));
  CHECK(same_as_one_thread(tricky_jsonl()));
}

/* A bad row far into the file: the same rows before it and the same message, line included. */
static void parallel_errors(void) {
  es_buf b = ES_BUF_INIT;
  const char *path;
  int i;
  es_buf_puts(&b,
              "candidate_id,position_category,experience_years,original_resume,skills,vector\n");
  for (i = 0; i < 200; i++)
    es_buf_printf(&b, "00000000-0000-4000-8000-%012d,\"a\nb\",%d,r,,\"[1, 2]\"\n", i,
                  i == 150 ? -1 : 1);
  path = tu_write_n("bad.csv", b.ptr, b.len);
  CHECK(same_as_one_thread(path));
  es_buf_clear(&b);
  es_buf_puts(&b,
              "candidate_id,position_category,experience_years,original_resume,skills,vector\n");
  for (i = 0; i < 100; i++)
    es_buf_printf(&b, "00000000-0000-4000-8000-%012d,x,1,r,,\"[1, 2%s]\"\n", i,
                  i == 70 ? ", 3" : "");
  CHECK(same_as_one_thread(tu_write_n("dim.csv", b.ptr, b.len)));
  es_buf_clear(&b);
  es_buf_puts(&b,
              "candidate_id,position_category,experience_years,original_resume,skills,vector\n");
  for (i = 0; i < 50; i++) es_buf_printf(&b, "00000000-0000-4000-8000-%012d,x,1,r,,\"[1]\"\n", i);
  es_buf_puts(&b, "00000000-0000-4000-8000-000000000099,\"never closed,1,r,,\"[1]\"\n");
  CHECK(same_as_one_thread(tu_write_n("open.csv", b.ptr, b.len)));
  /* Empty, header only, one row. */
  CHECK(same_as_one_thread(tu_write("empty.csv", "")));
  CHECK(same_as_one_thread(tu_write("header.csv",
                                    "candidate_id,position_category,experience_years,"
                                    "original_resume,skills,vector\n")));
  CHECK(same_as_one_thread(
      tu_write("one.jsonl",
               "{\"candidate_id\": \"00000000-0000-4000-8000-000000000001\", "
               "\"position_category\": \"p\", \"experience_years\": 1, "
               "\"original_resume\": \"\", \"skills\": null, \"vector\": [1]}")));
  es_buf_free(&b);
}

int main(void) {
  tu_init();
  named_cuts();
  random_cuts();
  parallel_rows();
  parallel_errors();
  tu_cleanup();
  return tap_done("test_par");
}
