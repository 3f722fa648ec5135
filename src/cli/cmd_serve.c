/* cmd_serve.c - placeholder until the serve subcommand lands. */
#include <stdio.h>

#include "cli/cli.h"

int es_cmd_serve(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "embedstream serve: not built yet\n");
  return ES_EXIT_FAIL;
}
