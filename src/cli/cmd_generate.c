/* cmd_generate.c - placeholder until the generate subcommand lands. */
#include <stdio.h>

#include "cli/cli.h"

int es_cmd_generate(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "embedstream generate: not built yet\n");
  return ES_EXIT_FAIL;
}
