/* cli.h - the subcommands of the embedstream binary. */
#ifndef ES_CLI_H
#define ES_CLI_H

/* Exit codes shared by every subcommand. */
enum {
  ES_EXIT_OK = 0,
  ES_EXIT_FAIL = 1,        /* anything else */
  ES_EXIT_USAGE = 2,       /* usage error or bad input file */
  ES_EXIT_REJECTED = 3,    /* the server rejected the stream */
  ES_EXIT_UNREACHABLE = 4, /* the server could not be reached after retries */
  ES_EXIT_DENIED = 5 /* credentials refused (UNAUTHENTICATED, PERMISSION_DENIED) or TLS failed */
};

int es_cmd_serve(int argc, char **argv);
int es_cmd_ingest(int argc, char **argv);
int es_cmd_generate(int argc, char **argv);
int es_cmd_inspect(int argc, char **argv);
int es_cmd_stats(int argc, char **argv);
int es_cmd_api(int argc, char **argv);
int es_cmd_token(int argc, char **argv);

#endif
