/* names.c - names of Parquet's enum values as parquet.thrift spells them, for messages. */
#include "load/parquet/names.h"

#include <stddef.h>
#include <stdio.h>

/* One enumeration's names indexed by value (NULL: a value with no name), and what it is. */
typedef struct name_table {
  const char *what;
  size_t n;
  const char *const *names;
} name_table;

/* A names.h list as a name_table: [value] = "NAME" with its note, for every entry. */
#define NAME(id, v, ...) [v] = #id __VA_ARGS__,
#define NAMES(list) ((const char *const[]){list(NAME)})
#define TABLE(what, list) \
  { what, sizeof(NAMES(list)) / sizeof(NAMES(list)[0]), NAMES(list) }

static const name_table types = TABLE("type", ES_PQ_TYPES);
static const name_table converted = TABLE("converted type", ES_PQ_CONVERTED_TYPES);
static const name_table logical = TABLE("logical type", ES_PQ_LOGICAL_TYPES);
static const name_table encodings = TABLE("encoding", ES_PQ_ENCODINGS);
static const name_table codecs = TABLE("compression codec", ES_PQ_CODECS);
static const name_table page_types = TABLE("page type", ES_PQ_PAGE_TYPES);

static const char *lookup(const name_table *t, int v, char *buf, unsigned cap) {
  if (v >= 0 && (size_t)v < t->n && t->names[v]) return t->names[v];
  snprintf(buf, cap, "unknown %s %d", t->what, v);
  return buf;
}

const char *es_pq_type_name(int v, char *buf, unsigned cap) { return lookup(&types, v, buf, cap); }
const char *es_pq_converted_name(int v, char *buf, unsigned cap) {
  return lookup(&converted, v, buf, cap);
}
const char *es_pq_logical_name(int v, char *buf, unsigned cap) {
  return lookup(&logical, v, buf, cap);
}
const char *es_pq_encoding_name(int v, char *buf, unsigned cap) {
  return lookup(&encodings, v, buf, cap);
}
const char *es_pq_codec_name(int v, char *buf, unsigned cap) {
  return lookup(&codecs, v, buf, cap);
}
const char *es_pq_page_type_name(int v, char *buf, unsigned cap) {
  return lookup(&page_types, v, buf, cap);
}
