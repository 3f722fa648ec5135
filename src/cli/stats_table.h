/* stats_table.h - a store's summary (its stats JSON) as tables for a terminal. */
#ifndef ES_CLI_STATS_TABLE_H
#define ES_CLI_STATS_TABLE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* Appends to out: the store, rows and vector dimension per domain, then the last ingests with
   their time, outcome and duration. json is what a store's stats_json wrote. */
int es_stats_table(const char *json, size_t n, es_buf *out, es_error *err);

#endif
