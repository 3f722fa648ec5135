/* rowfmt.h - writing chunk rows as CSV or JSON text (the generator's files, inspect's output). */
#ifndef ES_ROWFMT_H
#define ES_ROWFMT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/chunk.h"

enum {
  ES_ROWFMT_ASCII = 1, /* \uXXXX for non-ASCII text, as Python's json.dumps does by default */
  ES_ROWFMT_G9 = 2     /* vector values as "%.9g" instead of the shortest round-trip text */
};

/* The header line: the domain's field names in proto order. */
int es_rowfmt_csv_header(es_buf *b, const es_domain *d);
/* One CSV line (LF), quoted as Python's csv module does (QUOTE_MINIMAL); vector and skills
   cells hold JSON arrays written as json.dumps writes them. tmp is scratch. */
int es_rowfmt_csv(es_buf *b, const es_domain *d, const es_value *row, es_buf *tmp);
/* One JSON object line (LF) with fields in proto order, json.dumps' separators. */
int es_rowfmt_jsonl(es_buf *b, const es_domain *d, const es_value *row, unsigned flags);
/* A JSON string literal; ascii escapes non-ASCII (the text must be valid UTF-8). */
int es_rowfmt_json_str(es_buf *b, const char *s, size_t n, int ascii);

#endif
