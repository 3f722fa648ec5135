/* names.h - Parquet's enumerations (parquet.thrift: Type, ConvertedType, FieldRepetitionType,
   Encoding, CompressionCodec, PageType, LogicalType members) and their names for messages, so a
   refusal says "DECIMAL", not "6". Each enumeration is one list of X(NAME, value[, " note"]):
   its ES_PQ_ constants below and its name table in names.c are both made from it. */
#ifndef ES_PQ_NAMES_H
#define ES_PQ_NAMES_H

// clang-format off
#define ES_PQ_TYPES(X)                                                                            \
  X(BOOLEAN, 0) X(INT32, 1) X(INT64, 2) X(INT96, 3) X(FLOAT, 4) X(DOUBLE, 5) X(BYTE_ARRAY, 6)      \
  X(FIXED_LEN_BYTE_ARRAY, 7)

#define ES_PQ_REPETITIONS(X) X(REQUIRED, 0) X(OPTIONAL, 1) X(REPEATED, 2)

#define ES_PQ_CONVERTED_TYPES(X)                                                                  \
  X(UTF8, 0) X(MAP, 1) X(MAP_KEY_VALUE, 2) X(LIST, 3) X(ENUM, 4) X(DECIMAL, 5) X(DATE, 6)         \
  X(TIME_MILLIS, 7) X(TIME_MICROS, 8) X(TIMESTAMP_MILLIS, 9) X(TIMESTAMP_MICROS, 10)              \
  X(UINT_8, 11) X(UINT_16, 12) X(UINT_32, 13) X(UINT_64, 14)                                      \
  X(INT_8, 15) X(INT_16, 16) X(INT_32, 17) X(INT_64, 18) X(JSON, 19) X(BSON, 20) X(INTERVAL, 21)

/* LogicalType's union members, by field id (UNKNOWN is its NullType member). */
#define ES_PQ_LOGICAL_TYPES(X)                                                                    \
  X(STRING, 1) X(MAP, 2) X(LIST, 3) X(ENUM, 4) X(DECIMAL, 5) X(DATE, 6) X(TIME, 7)                \
  X(TIMESTAMP, 8) X(INTEGER, 10) X(UNKNOWN, 11, " (null)") X(JSON, 12) X(BSON, 13) X(UUID, 14)    \
  X(FLOAT16, 15) X(VARIANT, 16) X(GEOMETRY, 17) X(GEOGRAPHY, 18) X(FILE, 19)

#define ES_PQ_ENCODINGS(X)                                                                        \
  X(PLAIN, 0) X(PLAIN_DICTIONARY, 2) X(RLE, 3) X(BIT_PACKED, 4) X(DELTA_BINARY_PACKED, 5)         \
  X(DELTA_LENGTH_BYTE_ARRAY, 6) X(DELTA_BYTE_ARRAY, 7) X(RLE_DICTIONARY, 8)                       \
  X(BYTE_STREAM_SPLIT, 9) X(ALP, 10)

#define ES_PQ_CODECS(X)                                                                           \
  X(UNCOMPRESSED, 0) X(SNAPPY, 1) X(GZIP, 2) X(LZO, 3) X(BROTLI, 4) X(LZ4, 5, " (Hadoop framing)") \
  X(ZSTD, 6) X(LZ4_RAW, 7)

#define ES_PQ_PAGE_TYPES(X) X(DATA_PAGE, 0) X(INDEX_PAGE, 1) X(DICTIONARY_PAGE, 2) X(DATA_PAGE_V2, 3)

#define ES_PQ_ENUM_(id, v, ...) ES_PQ_##id = v,
#define ES_PQ_ENUM_CT_(id, v, ...) ES_PQ_CT_##id = v,
#define ES_PQ_ENUM_LT_(id, v, ...) ES_PQ_LT_##id = v,
enum { ES_PQ_TYPES(ES_PQ_ENUM_) };
enum { ES_PQ_REPETITIONS(ES_PQ_ENUM_) };
enum { ES_PQ_CONVERTED_TYPES(ES_PQ_ENUM_CT_) };
enum { ES_PQ_LOGICAL_TYPES(ES_PQ_ENUM_LT_) };
enum { ES_PQ_ENCODINGS(ES_PQ_ENUM_) };
enum { ES_PQ_CODECS(ES_PQ_ENUM_) };
enum { ES_PQ_PAGE_TYPES(ES_PQ_ENUM_) };
#undef ES_PQ_ENUM_
#undef ES_PQ_ENUM_CT_
#undef ES_PQ_ENUM_LT_
// clang-format on

/* "DOUBLE", "unknown type 12", ...: into buf (when the value has no name) or a static string. */
const char *es_pq_type_name(int type, char *buf, unsigned cap);
const char *es_pq_converted_name(int ct, char *buf, unsigned cap);
const char *es_pq_logical_name(int lt, char *buf, unsigned cap);
const char *es_pq_encoding_name(int enc, char *buf, unsigned cap);
const char *es_pq_codec_name(int codec, char *buf, unsigned cap);
const char *es_pq_page_type_name(int type, char *buf, unsigned cap);

#endif
