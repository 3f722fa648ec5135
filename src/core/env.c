/* env.c - sizes read from the environment, one parser for every such knob. */
#include "core/env.h"

#include <stdlib.h>

size_t es_env_size(const char *name, size_t def, size_t lo, size_t hi) {
  const char *v = getenv(name);
  char *end;
  unsigned long long n;
  if (!v || !*v) return def;
  n = strtoull(v, &end, 10);
  return *end || n < lo || n > hi ? def : (size_t)n;
}
