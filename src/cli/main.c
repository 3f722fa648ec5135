/* main.c - embedstream's entry point: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/suggest.h"

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
    {"serve", es_cmd_serve, "run the gRPC ingestion server (the spec's Batch Server)"},
    {"ingest", es_cmd_ingest, "stream a CSV, JSONL, .pkl or .parquet file to a server"},
    {"generate", es_cmd_generate, "write deterministic synthetic data for a domain"},
    {"inspect", es_cmd_inspect, "print the rows a data file holds, one JSON object per line"},
    {"stats", es_cmd_stats, "print row counts and recent ingests of a store as JSON"},
    {"api", es_cmd_api, "HTTP API and status page that ingest files of a data folder"},
    {"token", es_cmd_token, "make a bearer token and add its hash to a token file"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out) {
  size_t i;
  fprintf(out,
          "usage: embedstream <command> [options]\n"
          "       embedstream help <command>\n\n"
          "Streams embedding rows (recruit, candidate, skill_embedding_dic) over gRPC client\n"
          "streaming into a vector store.\n\nCommands:\n");
  for (i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(
      out,
      "\nOptions:\n"
      "  -h, --help     this text\n"
      "  -V, --version  print the version\n\n"
      "Environment:\n"
      "  EMBEDSTREAM_LOG_LEVEL  debug, info, warn, error or off (default info); ES_LOG_LEVEL,\n"
      "                         its older name, is read when it is not set. gRPC core's own\n"
      "                         diagnostics show at debug\n"
      "Options that name a place read a variable too: each command's --help names it.\n\n"
      "'embedstream <command> --help' (or 'embedstream help <command>') describes a command.\n");
}

static int find(const char *name) {
  size_t i;
  for (i = 0; i < NCOMMANDS; i++)
    if (!strcmp(name, commands[i].name)) return (int)i;
  return -1;
}

static int unknown(const char *name) {
  const char *names[NCOMMANDS], *hint;
  size_t i;
  for (i = 0; i < NCOMMANDS; i++) names[i] = commands[i].name;
  hint = es_suggest(name, strlen(name), names, NCOMMANDS);
  if (hint)
    fprintf(stderr, "embedstream: unknown command '%s' (did you mean '%s'?)\n", name, hint);
  else
    fprintf(stderr, "embedstream: unknown command '%s'\n", name);
  fprintf(stderr, "(see 'embedstream --help')\n");
  return ES_EXIT_USAGE;
}

/* `embedstream help CMD` is `embedstream CMD --help`. */
static int help(int argc, char **argv) {
  char *args[] = {argc > 2 ? argv[2] : NULL, "--help", NULL};
  int c;
  if (argc < 3) {
    usage(stdout);
    return ES_EXIT_OK;
  }
  if (argc > 3) {
    fprintf(stderr, "embedstream help: unexpected argument '%s'\n", argv[3]);
    return ES_EXIT_USAGE;
  }
  if ((c = find(argv[2])) < 0) return unknown(argv[2]);
  return commands[c].run(2, args);
}

int main(int argc, char **argv) {
  int c;
  es_log_route_grpc(); /* before any command starts gRPC */
  if (argc < 2) {
    usage(stderr);
    return ES_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(stdout);
    return ES_EXIT_OK;
  }
  if (!strcmp(argv[1], "help")) return help(argc, argv);
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("embedstream %s\n", ES_VERSION);
    return ES_EXIT_OK;
  }
  if (argv[1][0] == '-') {
    fprintf(stderr,
            "embedstream: unknown option '%s' before the command\n(see 'embedstream --help')\n",
            argv[1]);
    return ES_EXIT_USAGE;
  }
  if ((c = find(argv[1])) < 0) return unknown(argv[1]);
  return commands[c].run(argc - 1, argv + 1);
}
