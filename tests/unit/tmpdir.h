/* tmpdir.h - a scratch directory per unit test under $TMPDIR, and its removal with all in it. */
#ifndef ES_TMPDIR_H
#define ES_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

/* Makes dir (cap bytes) a fresh directory $TMPDIR/es-TAG-XXXXXX (/tmp without TMPDIR). Exits
   on failure: a test without its directory can check nothing. */
static inline void td_make(char *dir, size_t cap, const char *tag) {
  const char *t = getenv("TMPDIR");
  int n = snprintf(dir, cap, "%s/es-%s-XXXXXX", t && *t ? t : "/tmp", tag);
  if (n < 0 || (size_t)n >= cap) {
    fprintf(stderr, "scratch directory name too long under %s\n", t);
    exit(1);
  }
  if (!mkdtemp(dir)) {
    perror(dir);
    exit(1);
  }
}

/* Removes dir and everything a test left in it. */
static inline void td_remove(const char *dir) {
  char cmd[1100];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
