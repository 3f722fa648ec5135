/* testing.h - for white-box unit tests only (tests/unit): the public pickle header plus the
   internals those tests drive directly (the interpreter, the graph, the allowlist, latin-1).
   Nothing in src/ includes it; code outside src/load/pickle/ other than tests includes
   load/pickle/pickle.h alone. */
#ifndef ES_PKL_TESTING_H
#define ES_PKL_TESTING_H

#include "load/pickle/elem.h"
#include "load/pickle/globals.h"
#include "load/pickle/graph.h"
#include "load/pickle/pickle.h"
#include "load/pickle/vm.h"

#endif
