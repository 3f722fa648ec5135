/* names.c - names of Parquet's enum values as parquet.thrift spells them, for messages. */
#include "load/parquet/names.h"

#include <stddef.h>
#include <stdio.h>

static const char *lookup(const char *const *names, size_t n, int v, const char *what, char *buf,
                          unsigned cap) {
  if (v >= 0 && (size_t)v < n && names[v]) return names[v];
  snprintf(buf, cap, "unknown %s %d", what, v);
  return buf;
}

#define LOOKUP(names, v, what, buf, cap) \
  lookup(names, sizeof(names) / sizeof(names[0]), v, what, buf, cap)

const char *es_pq_type_name(int type, char *buf, unsigned cap) {
  static const char *const names[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                      "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  return LOOKUP(names, type, "type", buf, cap);
}

const char *es_pq_converted_name(int ct, char *buf, unsigned cap) {
  static const char *const names[] = {"UTF8",
                                      "MAP",
                                      "MAP_KEY_VALUE",
                                      "LIST",
                                      "ENUM",
                                      "DECIMAL",
                                      "DATE",
                                      "TIME_MILLIS",
                                      "TIME_MICROS",
                                      "TIMESTAMP_MILLIS",
                                      "TIMESTAMP_MICROS",
                                      "UINT_8",
                                      "UINT_16",
                                      "UINT_32",
                                      "UINT_64",
                                      "INT_8",
                                      "INT_16",
                                      "INT_32",
                                      "INT_64",
                                      "JSON",
                                      "BSON",
                                      "INTERVAL"};
  return LOOKUP(names, ct, "converted type", buf, cap);
}

const char *es_pq_logical_name(int lt, char *buf, unsigned cap) {
  static const char *const names[] = {NULL,      "STRING",         "MAP",      "LIST",      "ENUM",
                                      "DECIMAL", "DATE",           "TIME",     "TIMESTAMP", NULL,
                                      "INTEGER", "UNKNOWN (null)", "JSON",     "BSON",      "UUID",
                                      "FLOAT16", "VARIANT",        "GEOMETRY", "GEOGRAPHY", "FILE"};
  return LOOKUP(names, lt, "logical type", buf, cap);
}

const char *es_pq_encoding_name(int enc, char *buf, unsigned cap) {
  static const char *const names[] = {"PLAIN",
                                      NULL,
                                      "PLAIN_DICTIONARY",
                                      "RLE",
                                      "BIT_PACKED",
                                      "DELTA_BINARY_PACKED",
                                      "DELTA_LENGTH_BYTE_ARRAY",
                                      "DELTA_BYTE_ARRAY",
                                      "RLE_DICTIONARY",
                                      "BYTE_STREAM_SPLIT",
                                      "ALP"};
  return LOOKUP(names, enc, "encoding", buf, cap);
}

const char *es_pq_codec_name(int codec, char *buf, unsigned cap) {
  static const char *const names[] = {"UNCOMPRESSED",         "SNAPPY", "GZIP",   "LZO", "BROTLI",
                                      "LZ4 (Hadoop framing)", "ZSTD",   "LZ4_RAW"};
  return LOOKUP(names, codec, "compression codec", buf, cap);
}

const char *es_pq_page_type_name(int type, char *buf, unsigned cap) {
  static const char *const names[] = {"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE", "DATA_PAGE_V2"};
  return LOOKUP(names, type, "page type", buf, cap);
}
