/* validate.h - the server's row checks: dimension, finiteness, UUID keys, UTF-8, ranges. */
#ifndef ES_VALIDATE_H
#define ES_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "core/error.h"
#include "core/limits.h"


int es_utf8_valid(const char *s, size_t n);
/* Accepts 8-4-4-4-12 hex in any case; rewrites it lowercase in place. 0 or ES_EINVAL. */
int es_uuid_normalize(char *s);
/* Checks one row; the message names the field ("field 'vector': 383 values, expected 384"). */
int es_validate_row(const es_domain *d, es_value *row, int32_t dim, es_error *err);
/* Checks every row; the message names the chunk number (1-based), row index (0-based, counted
   from first_row: c may hold a later part of the chunk message) and field. */
int es_validate_chunk(es_chunk *c, int32_t dim, uint64_t chunk_no, size_t first_row, es_error *err);

#endif
