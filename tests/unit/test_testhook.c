/* test_testhook.c - ES_TEST_PAUSE_FILE: a stream pauses only where the file names it, and not at
   all when the hook is compiled out. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/testhook.h"
#include "tap.h"

static char path[64];
static int asked; /* how often the paused hook asked whether the peer was gone */

static void write_file(const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* Called only while the hook is paused: lets it go on by removing the file, no timing involved. */
static int gone_then_resume(void *ctx) {
  (void)ctx;
  asked++;
  unlink(path);
  return 1;
}

/* Does pause(point, n) stop, with the file saying text? */
static int pauses(const char *text, const char *point, unsigned long long n) {
  asked = 0;
  write_file(text);
  es_testhook_pause(point, n);
  unlink(path);
  return asked;
}

static void test_named_points_only(void) {
  CHECK_EQ_INT(pauses("commit\n", "commit", 0), 1);
  CHECK_EQ_INT(pauses("commit", "metadata", 0), 0);
  CHECK_EQ_INT(pauses("chunk 2\r\n", "chunk", 2), 1);
  CHECK_EQ_INT(pauses("chunk 2", "chunk", 20), 0); /* a number is matched whole */
  CHECK_EQ_INT(pauses("chunk 20", "chunk", 2), 0);
  CHECK_EQ_INT(pauses("chunk", "chunk", 7), 1); /* no number: every chunk */
  CHECK_EQ_INT(pauses("chunk 2", "rows", 2), 0);
  CHECK_EQ_INT(pauses("", "metadata", 0), 0);
  asked = 0;
  es_testhook_pause("commit", 0); /* no file at all */
  CHECK_EQ_INT(asked, 0);
}

int main(void) {
  snprintf(path, sizeof(path), "/tmp/es-testhook-%ld", (long)getpid());
  setenv(ES_TESTHOOK_ENV, path, 1);
  es_testhook_watch(gone_then_resume, NULL);
  if (!es_testhook_path()) {
    /* Compiled out (Release, -DES_TEST_HOOKS=OFF): set or not, the variable changes nothing. */
    CHECK_EQ_INT(pauses("commit", "commit", 0), 0);
  } else {
    CHECK_STR(es_testhook_path(), path);
    test_named_points_only();
  }
  es_testhook_watch(NULL, NULL);
  unlink(path);
  return tap_done("test_testhook");
}
