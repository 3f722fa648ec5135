/* test_cli_progress.c - the progress display without a terminal (--progress always into a file):
   one line per file, the total line while several files are known, final lines, odd names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"
#include "tap.h"

/* Everything written to f so far, as a string (the caller frees it). */
static char *contents(FILE *f) {
  long n;
  char *s;
  fflush(f);
  n = ftell(f);
  if (n < 0 || !(s = calloc(1, (size_t)n + 1))) return NULL;
  rewind(f);
  if (fread(s, 1, (size_t)n, f) != (size_t)n) s[0] = '\0';
  fseek(f, 0, SEEK_END);
  return s;
}

static es_prog_state at(uint64_t rows, uint64_t chunks, uint64_t done, uint64_t total) {
  es_prog_state s;
  memset(&s, 0, sizeof(s));
  s.rows = rows;
  s.chunks = chunks;
  s.bytes_done = done;
  s.bytes_total = total;
  s.attempt = 1;
  return s;
}

static void two_files_and_a_total(void) {
  FILE *f = tmpfile();
  es_prog *p = NULL;
  es_prog_file *a, *b;
  es_prog_state s = at(1500, 3, 2000000, 8000000);
  char *out;
  CHECK_EQ_INT(es_prog_new(f, ES_PROG_ALWAYS, &p), 0);
  CHECK(p != NULL);
  a = es_prog_add(p, "dir/a.csv", 8000000, 0);
  b = es_prog_add(p, "b.jsonl", 2000000, 0);
  es_prog_update(a, &s); /* the first report always draws, outside the once-a-second limit */
  out = contents(f);
  CHECK_CONTAINS(out, "dir/a.csv  1,500 rows  2.0 of 8.0 MB  25%");
  CHECK_CONTAINS(out, "  3 chunks");
  CHECK_CONTAINS(out, "b.jsonl  waiting");
  CHECK_CONTAINS(out, "total  0 of 2 files done, 1 running  1,500 rows  2.0 of 10.0 MB  20%");
  CHECK(!strchr(out, '\r') && !strchr(out, '\033')); /* not a terminal: plain lines */
  free(out);
  s = at(6000, 1, 8000000, 8000000);
  es_prog_update(a, &s);
  es_prog_end(a, 1);
  s = at(10, 1, 1000, 2000000);
  es_prog_update(b, &s);
  es_prog_end(b, 0);
  out = contents(f);
  CHECK_CONTAINS(out, "dir/a.csv  6,000 rows  8.0 of 8.0 MB  100%");
  CHECK_CONTAINS(out, "  1 chunk  done\n");
  CHECK_CONTAINS(out, "b.jsonl  10 rows  0.0 of 2.0 MB  0%");
  CHECK_CONTAINS(out, "failed\n");
  CHECK(!strstr(out, "1 chunks"));
  free(out);
  es_prog_free(p);
  fclose(f);
}

static void names_and_modes(void) {
  FILE *f = tmpfile();
  es_prog *p = NULL;
  es_prog_file *x;
  es_prog_mode m = ES_PROG_NEVER;
  es_opts_why why;
  char long_name[200], *out;
  memset(long_name, 'n', sizeof(long_name) - 6);
  strcpy(long_name + sizeof(long_name) - 6, "z.csv");
  /* Not a terminal: auto and never give no display, and NULL is safe everywhere. */
  CHECK_EQ_INT(es_prog_new(f, ES_PROG_AUTO, &p), 0);
  CHECK(p == NULL);
  CHECK(es_prog_add(p, "a.csv", 1, 1) == NULL);
  es_prog_update(NULL, NULL);
  es_prog_end(NULL, 1);
  es_prog_free(NULL);
  CHECK_EQ_INT(es_prog_opt("Always", &m, &why), 0);
  CHECK_EQ_INT(m, ES_PROG_ALWAYS);
  CHECK(es_prog_opt("sometimes", &m, &why) != 0);
  /* A control character in a name shows as '?'; a long name keeps its end. */
  CHECK_EQ_INT(es_prog_new(f, ES_PROG_ALWAYS, &p), 0);
  x = es_prog_add(p, "b\033[31mred\n.csv", 0, 0);
  es_prog_end(x, 1);
  x = es_prog_add(p, long_name, 0, 0);
  es_prog_end(x, 1);
  es_prog_free(p);
  out = contents(f);
  CHECK_CONTAINS(out, "b?[31mred?.csv  0 rows");
  CHECK(!strchr(out, '\033'));
  { /* "..." and the name's last 48 bytes */
    char want[64];
    snprintf(want, sizeof(want), "\n...%s  0 rows", long_name + strlen(long_name) - 48);
    CHECK_CONTAINS(out, want);
  }
  free(out);
  fclose(f);
}

int main(void) {
  two_files_and_a_total();
  names_and_modes();
  return tap_done("test_cli_progress");
}
