/* wiretext.h - every string field of a protobuf message checked on its wire bytes (UTF-8, no NUL).
 */
#ifndef ES_WIRETEXT_H
#define ES_WIRETEXT_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/error.h"

/* Nesting this walk follows: IngestDataRequest > chunk > row > string is three deep. */
#define ES_WIRETEXT_DEPTH 4

/* One step of the way from the outer message to the offending string. */
typedef struct es_wiretext_step {
  const ProtobufCFieldDescriptor *field;
  size_t item; /* which occurrence of the field in its message, from 0 (a repeated field's index) */
} es_wiretext_step;

typedef struct es_wiretext_bad {
  es_wiretext_step path[ES_WIRETEXT_DEPTH];
  size_t depth; /* steps in path; the last one is the string field */
  int nul;      /* 1: a NUL byte; 0: not UTF-8 */
  size_t at;    /* offset of the first offending byte in the string */
} es_wiretext_bad;

/* Walks the message's wire bytes with protobuf-c's descriptor (field number -> type): every
   string field, in messages nested any way, must be UTF-8 without NUL, as protobuf-c's char *
   would otherwise cut it at the NUL or pass on bytes that are not text. Bytes fields, unknown
   fields and scalars are skipped. Returns 0 when all strings are text, 1 when one is not (*bad
   says where), -1 when the bytes are not a well-formed message (protobuf-c refuses those). */
int es_wiretext_check(const ProtobufCMessageDescriptor *md, const uint8_t *data, size_t len,
                      es_wiretext_bad *bad);
/* Sets err (ES_EINVAL) to "field 'company_name': contains a NUL byte (byte 2)" or, for a value
   of a repeated field, "field 'skills': item 3 is not valid UTF-8 (byte 0)". */
int es_wiretext_err(const es_wiretext_bad *bad, es_error *err);

#endif
