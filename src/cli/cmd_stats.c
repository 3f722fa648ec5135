/* cmd_stats.c - `embedstream stats`: prints a store's row counts and recent ingests as JSON. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "store/store.h"

enum { O_STORE };

static const es_opt opts[] = {
    {O_STORE, "store", 0, "URL",
     "sqlite:PATH (or a path ending in .db/.sqlite), postgres://... or\npostgres:key=value, or null:",
     "EMBEDSTREAM_STORE"},
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  if (id != O_STORE) return es_opts_bad(why, "unhandled option");
  if (!*v) return es_opts_bad(why, "expected a store URL");
  *(const char **)ctx = v;
  return 0;
}

static void show_default(int id, char *out, size_t cap) {
  if (id == O_STORE) snprintf(out, cap, "%s", ES_DEFAULT_STORE);
}

static const es_cmd_spec spec = {
    .name = "stats",
    .synopsis = "[--store URL]",
    .description = "Prints one JSON object: rows and vector dimension per domain, and the last 10 ingests.",
    .opts = opts,
    .nopts = ES_OPTS_COUNT(opts),
    .examples = "embedstream stats\n"
                "embedstream stats --store 'postgresql://ingest@db.example/vectors'",
    .footer = "Exit codes: 0 ok, 1 the store could not be read, 2 usage error.",
    .apply = apply,
    .show_default = show_default,
};

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

int es_cmd_stats(int argc, char **argv) {
  const char *url = ES_DEFAULT_STORE, *path;
  es_store *st = NULL;
  es_buf out = ES_BUF_INIT;
  es_error err;
  struct stat sb;
  int rc;
  if ((rc = es_opts_parse(&spec, &url, argc, argv, NULL, NULL))) return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
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
