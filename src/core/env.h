/* env.h - sizes read from the environment: the knobs tests use to run small inputs through
   paths meant for large ones (ES_PAR_PIECE_BYTES, ES_PICKLE_PREFAULT_MIN). */
#ifndef ES_ENV_H
#define ES_ENV_H

#include <stddef.h>

/* The decimal value of variable name when it is set and in [lo, hi]; def when it is unset,
   empty, not a whole decimal number, or out of range. */
size_t es_env_size(const char *name, size_t def, size_t lo, size_t hi);

#endif
