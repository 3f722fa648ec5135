/* validate.h - the server's row checks (dimension, finiteness, UUID keys, ranges) and UTF-8. */
#ifndef ES_VALIDATE_H
#define ES_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "core/error.h"
#include "core/limits.h"

int es_utf8_valid(const char *s, size_t n);
typedef enum { ES_TEXT_OK = 0, ES_TEXT_NUL, ES_TEXT_NOT_UTF8 } es_text_verdict;
/* What every string a peer sends must be: UTF-8 without a NUL byte (a C string would end there).
 *at (may be NULL) receives the offset of the first offending byte. */
es_text_verdict es_text_check(const char *s, size_t n, size_t *at);
/* The longest prefix of the UTF-8 text s[0..n) that is at most max bytes and ends on a character
   boundary, for quoting client text in messages without cutting a character in two. */
size_t es_utf8_cut(const char *s, size_t n, size_t max);
/* Accepts 8-4-4-4-12 hex in any case; rewrites it lowercase in place. 0 or ES_EINVAL. */
int es_uuid_normalize(char *s);
/* Checks one row; the message names the field ("field 'vector': 383 values, expected 384").
   Its strings must have passed es_wiretext_check on the wire (UTF-8, no NUL): not rechecked. */
int es_validate_row(const es_domain *d, es_value *row, int32_t dim, es_error *err);
/* Checks every row; the message names the chunk number (1-based), row index (0-based, counted
   from first_row: c may hold a later part of the chunk message) and field. */
int es_validate_chunk(es_chunk *c, int32_t dim, uint64_t chunk_no, size_t first_row, es_error *err);

#endif
