/* main.c - embedstream's entry point: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef ES_VERSION
#define ES_VERSION "0.1.0"
#endif

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
    {"serve", es_cmd_serve, "run the gRPC ingestion server (the spec's Batch Server)"},
    {"ingest", es_cmd_ingest, "stream a CSV, JSONL or .pkl file to a server"},
    {"generate", es_cmd_generate, "write deterministic synthetic data for a domain"},
    {"inspect", es_cmd_inspect, "print the rows a data file holds, one JSON object per line"},
    {"stats", es_cmd_stats, "print row counts and recent ingests of a store as JSON"},
    {"api", es_cmd_api, "HTTP API and status page that ingest files of a data folder"},
};

static void usage(FILE *out) {
  size_t i;
  fprintf(out,
          "usage: embedstream <command> [options]\n\n"
          "Streams embedding rows (recruit, candidate, skill_embedding_dic) over gRPC client\n"
          "streaming into a vector store.\n\ncommands:\n");
  for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'embedstream <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
  size_t i;
  if (argc < 2) {
    usage(stderr);
    return ES_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return ES_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("embedstream %s\n", ES_VERSION);
    return ES_EXIT_OK;
  }
  for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "embedstream: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return ES_EXIT_USAGE;
}
