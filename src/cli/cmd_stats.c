/* cmd_stats.c - `embedstream stats`: prints a store's row counts and recent ingests as JSON. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "store/store.h"

#define DEFAULT_STORE "sqlite:embedstream.db"

static void usage(FILE *out) {
  fprintf(out,
          "usage: embedstream stats [--store URL]\n\n"
          "Prints one JSON object: rows and vector dimension per domain, and the last 10 ingests.\n\n"
          "  --store URL   sqlite:PATH (or a path ending in .db/.sqlite), postgres://... or\n"
          "                postgres:key=value, or null: (default %s)\n"
          "  -h, --help    this text\n\n"
          "Exit codes: 0 ok, 1 the store could not be read, 2 usage error.\n",
          DEFAULT_STORE);
}

/* stats only reads: a mistyped path must be reported, not silently created as an empty store. */
static const char *sqlite_path(const char *url) {
  size_t n = strlen(url);
  if (!strncmp(url, "sqlite:", 7)) return url + 7;
  if (strstr(url, "://") || !strcmp(url, "null:") || !strncmp(url, "postgres", 8)) return NULL;
  if ((n > 3 && !strcmp(url + n - 3, ".db")) || (n > 7 && !strcmp(url + n - 7, ".sqlite")) ||
      (n > 8 && !strcmp(url + n - 8, ".sqlite3")))
    return url;
  return NULL;
}

static int parse(int argc, char **argv, const char **url) {
  int i;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return -1;
    } else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
      *url = argv[++i];
    } else if (!strncmp(argv[i], "--store=", 8)) {
      *url = argv[i] + 8;
    } else {
      fprintf(stderr, "embedstream stats: %s '%s'\n\n",
              strcmp(argv[i], "--store") ? "unknown argument" : "missing value for", argv[i]);
      usage(stderr);
      return ES_EXIT_USAGE;
    }
  }
  return 0;
}

int es_cmd_stats(int argc, char **argv) {
  const char *url = DEFAULT_STORE, *path;
  es_store *st = NULL;
  es_buf out = ES_BUF_INIT;
  es_error err;
  struct stat sb;
  int rc = parse(argc, argv, &url);
  if (rc) return rc < 0 ? ES_EXIT_OK : rc;
  es_err_clear(&err);
  path = sqlite_path(url);
  if (path && *path && stat(path, &sb) != 0) {
    fprintf(stderr, "embedstream stats: no SQLite store at '%s'\n", path);
    return ES_EXIT_FAIL;
  }
  if (es_store_open(url, &st, &err)) {
    fprintf(stderr, "embedstream stats: %s\n", err.msg);
    rc = err.code == ES_EUSAGE ? ES_EXIT_USAGE : ES_EXIT_FAIL;
    goto done;
  }
  if (st->stats_json(st, &out, &err)) {
    fprintf(stderr, "embedstream stats: %s\n", err.msg);
    rc = ES_EXIT_FAIL;
    goto done;
  }
  printf("%s\n", out.ptr);
  rc = fflush(stdout) ? ES_EXIT_FAIL : ES_EXIT_OK;
done:
  es_buf_free(&out);
  es_store_close(st);
  return rc;
}
