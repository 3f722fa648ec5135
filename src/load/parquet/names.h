/* names.h - Parquet's enumerations (parquet.thrift: Type, ConvertedType, FieldRepetitionType,
   Encoding, CompressionCodec, PageType, LogicalType members) and their names for messages, so a
   refusal says "DECIMAL", not "6". */
#ifndef ES_PQ_NAMES_H
#define ES_PQ_NAMES_H

enum { /* Type */
       ES_PQ_BOOLEAN = 0,
       ES_PQ_INT32 = 1,
       ES_PQ_INT64 = 2,
       ES_PQ_INT96 = 3,
       ES_PQ_FLOAT = 4,
       ES_PQ_DOUBLE = 5,
       ES_PQ_BYTE_ARRAY = 6,
       ES_PQ_FIXED_LEN_BYTE_ARRAY = 7
};

enum { /* FieldRepetitionType */
       ES_PQ_REQUIRED = 0,
       ES_PQ_OPTIONAL = 1,
       ES_PQ_REPEATED = 2
};

enum { /* ConvertedType, the ones the reader tells apart */
       ES_PQ_CT_UTF8 = 0,
       ES_PQ_CT_MAP = 1,
       ES_PQ_CT_MAP_KEY_VALUE = 2,
       ES_PQ_CT_LIST = 3,
       ES_PQ_CT_ENUM = 4,
       ES_PQ_CT_UINT_8 = 11,
       ES_PQ_CT_UINT_64 = 14,
       ES_PQ_CT_INT_8 = 15,
       ES_PQ_CT_INT_64 = 18,
       ES_PQ_CT_JSON = 19
};

enum { /* LogicalType union members (their field ids) */
       ES_PQ_LT_STRING = 1,
       ES_PQ_LT_MAP = 2,
       ES_PQ_LT_LIST = 3,
       ES_PQ_LT_ENUM = 4,
       ES_PQ_LT_INTEGER = 10,
       ES_PQ_LT_JSON = 12
};

enum { /* Encoding */
       ES_PQ_PLAIN = 0,
       ES_PQ_PLAIN_DICTIONARY = 2,
       ES_PQ_RLE = 3,
       ES_PQ_BIT_PACKED = 4,
       ES_PQ_DELTA_BINARY_PACKED = 5,
       ES_PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
       ES_PQ_DELTA_BYTE_ARRAY = 7,
       ES_PQ_RLE_DICTIONARY = 8,
       ES_PQ_BYTE_STREAM_SPLIT = 9
};

enum { /* CompressionCodec */
       ES_PQ_UNCOMPRESSED = 0,
       ES_PQ_SNAPPY = 1,
       ES_PQ_GZIP = 2,
       ES_PQ_LZO = 3,
       ES_PQ_BROTLI = 4,
       ES_PQ_LZ4 = 5,
       ES_PQ_ZSTD = 6,
       ES_PQ_LZ4_RAW = 7
};

enum { /* PageType */
       ES_PQ_DATA_PAGE = 0,
       ES_PQ_INDEX_PAGE = 1,
       ES_PQ_DICTIONARY_PAGE = 2,
       ES_PQ_DATA_PAGE_V2 = 3
};

/* "DOUBLE", "unknown type 12", ...: into buf (when the value has no name) or a static string. */
const char *es_pq_type_name(int type, char *buf, unsigned cap);
const char *es_pq_converted_name(int ct, char *buf, unsigned cap);
const char *es_pq_logical_name(int lt, char *buf, unsigned cap);
const char *es_pq_encoding_name(int enc, char *buf, unsigned cap);
const char *es_pq_codec_name(int codec, char *buf, unsigned cap);
const char *es_pq_page_type_name(int type, char *buf, unsigned cap);

#endif
