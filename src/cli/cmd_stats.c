/* cmd_stats.c - `embedstream stats`: prints a store's row counts and recent ingests as JSON. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/stats_table.h"
#include "store/store.h"

enum { O_STORE, O_FORMAT };

typedef struct stats_args {
  const char *url;
  int table; /* -1: by whether stdout is a terminal */
} stats_args;

static const es_opt opts[] = {
    {O_STORE, "store", 0, "URL",
     "sqlite:PATH (or a path ending in .db/.sqlite), postgres://... or\npostgres:key=value, or null:",
     "EMBEDSTREAM_STORE"},
    {O_FORMAT, "format", 0, "json|table", "one JSON object, or tables for people", NULL},
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  stats_args *a = ctx;
  if (id == O_FORMAT) {
    if (strcasecmp(v, "json") && strcasecmp(v, "table"))
      return es_opts_bad(why, "expected json or table");
    a->table = !strcasecmp(v, "table");
    return 0;
  }
  if (id != O_STORE) return es_opts_bad(why, "unhandled option");
  if (!*v) return es_opts_bad(why, "expected a store URL");
  a->url = v;
  return 0;
}

static void show_default(int id, char *out, size_t cap) {
  if (id == O_STORE) snprintf(out, cap, "%s", ES_DEFAULT_STORE);
  if (id == O_FORMAT) snprintf(out, cap, "table on a terminal, else json");
}

static const es_cmd_spec spec = {
    .name = "stats",
    .synopsis = "[--store URL] [--format json|table]",
    .description =
        "Prints rows and vector dimension per domain, and the last 10 ingests with their\n"
        "outcome and duration: one JSON object, or tables when stdout is a terminal.",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream stats\n"
        "embedstream stats --format json | jq .domains\n"
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

/* The summary in the chosen form on stdout. */
static int print(const stats_args *a, const es_buf *json, es_error *err) {
  es_buf table = ES_BUF_INIT;
  int rc = 0;
  if (!a->table) {
    printf("%s\n", json->ptr);
  } else if (!(rc = es_stats_table(json->ptr, json->len, &table, err))) {
    fputs(table.ptr, stdout);
  }
  es_buf_free(&table);
  return rc;
}

int es_cmd_stats(int argc, char **argv) {
  stats_args a = {ES_DEFAULT_STORE, -1};
  const char *path;
  es_store *st = NULL;
  es_buf out = ES_BUF_INIT;
  es_error err;
  struct stat sb;
  int rc;
  if ((rc = es_opts_parse(&spec, &a, argc, argv, NULL, NULL)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (a.table < 0) a.table = isatty(STDOUT_FILENO);
  es_err_clear(&err);
  path = sqlite_path(a.url);
  if (path && *path && stat(path, &sb) != 0) {
    fprintf(stderr, "embedstream stats: no SQLite store at '%s'\n", path);
    return ES_EXIT_FAIL;
  }
  if (es_store_open(a.url, &st, &err)) {
    fprintf(stderr, "embedstream stats: %s\n", err.msg);
    rc = err.code == ES_EUSAGE ? ES_EXIT_USAGE : ES_EXIT_FAIL;
    goto done;
  }
  if (st->stats_json(st, &out, &err) || print(&a, &out, &err)) {
    fprintf(stderr, "embedstream stats: %s\n", err.msg);
    rc = ES_EXIT_FAIL;
    goto done;
  }
  rc = fflush(stdout) ? ES_EXIT_FAIL : ES_EXIT_OK;
done:
  es_buf_free(&out);
  es_store_close(st);
  return rc;
}
