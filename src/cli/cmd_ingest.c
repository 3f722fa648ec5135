/* cmd_ingest.c - placeholder until the ingest subcommand lands. */
#include <stdio.h>

#include "cli/cli.h"

int es_cmd_ingest(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "embedstream ingest: not built yet\n");
  return ES_EXIT_FAIL;
}
