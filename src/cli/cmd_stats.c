/* cmd_stats.c - placeholder until the stats subcommand lands. */
#include <stdio.h>

#include "cli/cli.h"

int es_cmd_stats(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "embedstream stats: not built yet\n");
  return ES_EXIT_FAIL;
}
