/* codec.h - IngestDataRequest/IngestDataResponse <-> es_chunk, through protobuf-c. */
#ifndef ES_CODEC_H
#define ES_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/error.h"

typedef struct es_meta {
  const char *domain;
  const char *file_name;
  int32_t dim;
} es_meta;

/* Why a request or row was refused: protobuf-c could not decode it, or it decoded but a string
   field in it is not text (UTF-8 without NUL), in the metadata or in a row. */
typedef enum { ES_CODEC_UNDECODABLE = 0, ES_CODEC_TEXT_META, ES_CODEC_TEXT_ROW } es_codec_fault;

/* What one decoded request held. Strings live in the chunk's arena. */
typedef struct es_request_info {
  int has_meta;
  es_meta meta;
  int chunk_case;       /* oneof case of chunk_data, 0 when unset */
  size_t rows;          /* rows in that chunk message */
  int appended;         /* 1 when the rows were appended to the chunk (case matched its domain) */
  es_codec_fault fault; /* after ES_EINVAL: why */
  size_t fault_row;     /* ES_CODEC_TEXT_ROW: the row's index in its chunk message */
} es_request_info;

typedef struct es_response {
  char status[32];
  char message[1024];
  int32_t rows;
  int32_t chunks;
} es_response;

/* Server side. Decodes one request into c's arena; when the chunk case matches c->domain the
   rows are appended to c (pointers into the decoded message, nothing copied). Every string field
   must be text (core/wiretext.h): else ES_EINVAL naming the field, info->fault says where. */
int es_codec_unpack_request(es_chunk *c, const uint8_t *data, size_t len, es_request_info *info,
                            es_error *err);

/* Server side, row by row: the rows of a chunk message decoded one at a time, so the server
   never has to join a 10 MB message into one buffer first. es_codec_chunk_key tells whether a
   request's first key is a chunk field (its oneof case, or 0); ES_CODEC_ROW_KEY is the key of
   each row in a chunk message. The caller (server/rowsrc.c) reads the framing around the rows;
   every row's bytes are decoded by protobuf-c. */
#define ES_CODEC_ROW_KEY 0x0A /* field 1 (rows), length-delimited */
int es_codec_chunk_key(uint64_t key);
/* Appends the row encoded in data[0..len) to c (of c->domain). ES_EINVAL when it is not one, or
   when one of its strings is not text (*fault says which; the message names the field). */
int es_codec_unpack_row(es_chunk *c, const uint8_t *data, size_t len, es_codec_fault *fault,
                        es_error *err);

/* Client side. Sizes are exact protobuf encodings. */
size_t es_codec_meta_size(const es_meta *m);
size_t es_codec_pack_meta(const es_meta *m, uint8_t *out);
/* Bytes that row i adds to a chunk message (tag, length and body). */
size_t es_codec_row_size(const es_chunk *c, size_t i);
/* Size of the whole request for a chunk whose rows add up to rows_bytes. */
size_t es_codec_chunk_request_size(size_t rows_bytes);
/* Packs rows [from, to) as one IngestDataRequest into out (size from the two calls above). */
int es_codec_pack_chunk(const es_chunk *c, size_t from, size_t to, uint8_t *out, size_t out_len,
                        size_t *written, es_error *err);

int es_codec_pack_response(const es_response *r, es_buf *out);
int es_codec_unpack_response(const uint8_t *data, size_t len, es_response *r, es_error *err);

#endif
