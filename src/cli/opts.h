/* opts.h - the one option parser of every subcommand: a table of options feeds getopt_long,
   the --help text and the environment fallbacks, so an option is described once. */
#ifndef ES_CLI_OPTS_H
#define ES_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef struct es_opt {
  int id;           /* the command's own number for it, handed to apply() */
  const char *name; /* long name without "--" */
  int short_name;   /* 'd' for -d, or 0 */
  const char *arg;  /* what the value is ("HOST:PORT"), NULL for a flag */
  const char *help; /* one or more lines separated by '\n' */
  const char *env;  /* environment variable used when the option is not given, or NULL */
} es_opt;

/* Why a value was refused; apply() fills it through es_opts_bad. */
typedef struct es_opts_why {
  char msg[256];
} es_opts_why;

/* Applies one option's value (NULL for a flag); 0, or -1 with why filled. */
typedef int (*es_opts_apply_fn)(void *ctx, int id, const char *value, es_opts_why *why);
/* Writes the default of option id into out ("" when there is none to show). */
typedef void (*es_opts_default_fn)(int id, char *out, size_t cap);

/* How an option's value lands in the command's context when no code beyond the check is
   needed: one home for "check it, then store it" instead of a case per option in apply(). */
enum {
  ES_BIND_STRING = 1, /* const char *: the value as given */
  ES_BIND_FLAG,       /* int: set to 1 */
  ES_BIND_HOSTPORT,   /* const char *: checked by es_opts_hostport */
  ES_BIND_DOMAIN,     /* const char *: checked by es_opts_domain */
  ES_BIND_INT,        /* int in lo..hi */
  ES_BIND_LONG,       /* long in lo..hi */
  ES_BIND_SIZE,       /* size_t in lo..hi */
  ES_BIND_DOUBLE,     /* double in lo..hi */
};
typedef struct es_opt_bind {
  int id;        /* the option's id in the table */
  int kind;      /* ES_BIND_* */
  size_t off;    /* offsetof the field in the context es_opts_parse was given */
  double lo, hi; /* the range of a number (exact for any int or long up to 2^53) */
} es_opt_bind;
#define ES_BIND(id, kind, type, field) \
  { id, ES_BIND_##kind, offsetof(type, field), 0, 0 }
#define ES_BIND_RANGE(id, kind, type, field, lo, hi) \
  { id, ES_BIND_##kind, offsetof(type, field), lo, hi }

typedef struct es_cmd_spec {
  const char *name;        /* "ingest" */
  const char *synopsis;    /* after "usage: embedstream NAME " */
  const char *description; /* what the command does, one or more lines */
  const es_opt *opts;
  size_t nopts;
  const char *examples;            /* "embedstream ingest -d recruit -f r.csv\n..." */
  const char *footer;              /* exit codes and notes, or NULL */
  int max_args;                    /* positional arguments allowed */
  es_opts_apply_fn apply;          /* the options binds does not name */
  es_opts_default_fn show_default; /* may be NULL */
  const es_opt_bind *binds;        /* may be NULL */
  size_t nbinds;
} es_cmd_spec;

#define ES_OPTS_COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* An es_cmd_spec's option table and its bindings, each with its count taken from the array. */
#define ES_CMD_OPTS(table) .opts = (table), .nopts = ES_OPTS_COUNT(table)
#define ES_CMD_BINDS(table) .binds = (table), .nbinds = ES_OPTS_COUNT(table)

/* What es_opts_parse decided. */
enum { ES_OPTS_RUN = 0, ES_OPTS_DONE = 1, ES_OPTS_USAGE = 2 };

/* Parses argv (argv[0] is the command's name): options anywhere, "--name value",
   "--name=value", "-x value", "-xvalue"; long names must be spelled out. Then applies the
   environment variable of every option that was not given. On ES_OPTS_RUN, args[0..*nargs)
   are the positional arguments (args may be NULL when max_args is 0). ES_OPTS_DONE after
   printing --help; ES_OPTS_USAGE after printing the error to stderr. */
int es_opts_parse(const es_cmd_spec *spec, void *ctx, int argc, char **argv, char ***args,
                  int *nargs);
void es_opts_help(const es_cmd_spec *spec, FILE *out);

/* "embedstream NAME: <message>" and a pointer to --help on stderr; returns ES_OPTS_USAGE. */
int es_opts_usage_error(const es_cmd_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int es_opts_bad(es_opts_why *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Why a command could not run, on stderr: "embedstream NAME: msg", or an error record when the
   log is JSON (--log-format json), so that a log reader sees that last line too. */
void es_opts_fatal(const es_cmd_spec *spec, const char *msg);

/* --ignore-unknown-columns, an option of every command that reads a data file (load/columns.h). */
#define ES_OPTS_IGNORE_UNKNOWN(id)                                                              \
  {                                                                                             \
    id, "ignore-unknown-columns", 0, NULL,                                                      \
        "drop columns (JSONL: keys) the domain does not have instead of\nrefusing the file; a " \
        "missing column is refused either way",                                                 \
        NULL                                                                                    \
  }

/* --log-format, an option of the long-running commands (serve, api): sets the logger's format. */
#define ES_OPTS_LOG_FORMAT(id)                                                      \
  {                                                                                 \
    id, "log-format", 0, "text|json",                                               \
        "log lines as text, or as JSON objects (one a line) with the same\nfields", \
        "EMBEDSTREAM_LOG_FORMAT"                                                    \
  }
int es_opts_log_format(const char *s, es_opts_why *why);
/* Its default, for show_default. */
#define ES_OPTS_LOG_FORMAT_DEFAULT "text"

/* --progress and --quiet, of the commands that show progress (ingest, generate). */
#define ES_OPTS_PROGRESS(id)                                                                          \
  {                                                                                                   \
    id, "progress", 0, "auto|always|never",                                                           \
        "the progress line on stderr: auto shows it on a terminal;\nalways also into a pipe or file " \
        "(a line a second)",                                                                          \
        NULL                                                                                          \
  }
#define ES_OPTS_QUIET(id) \
  { id, "quiet", 'q', NULL, "no progress and no informational messages", NULL }

/* --format, for data read from standard input (--file -) or under a name without its extension. */
#define ES_OPTS_FORMAT(id)                                                      \
  {                                                                             \
    id, "format", 0, "F",                                                       \
        "csv or jsonl: the format of --file - (standard input), or of a\nfile " \
        "whose name does not say it",                                           \
        NULL                                                                    \
  }
/* The most --threads a command takes. */
#define ES_OPTS_THREADS_MAX 256

/* Value checks for apply(): 0, or -1 with why saying what was expected. */
int es_opts_long(const char *s, long lo, long hi, long *out, es_opts_why *why);
int es_opts_int(const char *s, int lo, int hi, int *out, es_opts_why *why);
int es_opts_double(const char *s, double lo, double hi, double *out, es_opts_why *why);
/* "HOST:PORT" with a numeric port in 0..65535 (the host is resolved later). */
int es_opts_hostport(const char *s, es_opts_why *why);
/* One of the domains, with "did you mean" for a near miss. */
int es_opts_domain(const char *s, es_opts_why *why);
/* A format the loaders know ("csv", "jsonl", ...) into *out. */
int es_opts_format(const char *s, const char **out, es_opts_why *why);

#endif
