/* rowsrc.h - a chunk request read row by row from gRPC's slices (see rowsrc.c). */
#ifndef ES_SERVER_ROWSRC_H
#define ES_SERVER_ROWSRC_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "core/error.h"

/* A chunk request read row by row from gRPC's slices, without joining them: each row is handed
   out where it lies (or joined in a small scratch buffer when it straddles two slices), and
   slices are given back as soon as reading has passed them, so the message is never held twice
   while its rows are decoded. */
typedef struct es_rowsrc {
  grpc_byte_buffer *bb;  /* owned from es_rowsrc_open on */
  grpc_slice_buffer *sb; /* bb's slices */
  size_t si, off;        /* the next unread byte: slice si, offset off */
  uint64_t left;         /* bytes of the chunk body not read yet */
  size_t rows;           /* rows handed out */
  uint8_t *scratch;
  size_t scap;
} es_rowsrc;

void es_rowsrc_init(es_rowsrc *r);
/* When bb is an uncompressed request made of exactly one chunk field holding only rows, framed
   as protobuf encoders write it (what conforming clients send), takes bb and returns 1 with the
   chunk's oneof case and the message length. Otherwise returns 0 and leaves bb to the caller,
   for protobuf-c to decode whole. */
int es_rowsrc_open(es_rowsrc *r, grpc_byte_buffer *bb, int *chunk_case, size_t *len);
/* 1 with the next row's bytes (valid until the next call), 0 after the last row. */
int es_rowsrc_next(es_rowsrc *r, const uint8_t **row, size_t *len, es_error *err);
/* Drops the message (whatever is left of it); keeps the scratch buffer. */
void es_rowsrc_close(es_rowsrc *r);
void es_rowsrc_free(es_rowsrc *r);

#endif
