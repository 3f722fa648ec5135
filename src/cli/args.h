/* args.h - option parsing shared by the hand-parsed subcommands (see args.c). */
#ifndef ES_CLI_ARGS_H
#define ES_CLI_ARGS_H

/* "--name value" or "--name=value": the value, or NULL when argv[*i] is not this option (with
   *missing set when it is, but the value is missing). Advances *i past a separate value. */
const char *es_cli_opt(int argc, char **argv, int *i, const char *name, int *missing);
/* "embedstream CMD: message" and a pointer to --help on stderr; returns ES_EXIT_USAGE. */
int es_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
