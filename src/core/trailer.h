/* trailer.h - the trailing metadata our server sends with a failure and our client reads: the
   standard retry pushback of a busy server, and where in the stream a rejected row was. */
#ifndef ES_TRAILER_H
#define ES_TRAILER_H

#include <stddef.h>
#include <stdint.h>

/* gRPC's own key (gRFC A6): how long a client should wait before trying again. A value that is
   not a non-negative integer means "do not retry" to gRPC's retry policy. */
#define ES_TRAILER_PUSHBACK "grpc-retry-pushback-ms"
/* Ours, on INVALID_ARGUMENT for a row: the chunk message it came in (1-based, metadata not
   counted) and its index within that message (0-based), as the details' "chunk N, row M". */
#define ES_TRAILER_CHUNK "embedstream-chunk"
#define ES_TRAILER_ROW "embedstream-row"

/* A trailer's value as an unsigned decimal: digits only, at most 18 of them (so anything read
   stays far from overflow), no sign, space or suffix. 0 or -1. */
int es_trailer_uint(const char *v, size_t n, uint64_t *out);

/* Where "chunk N, row M" (the server's wording, core/validate.c) occurs in text: the first
   occurrence, "chunk" in any case. 1 with *chunk, *row and the match's bounds [*start, *end)
   (the end is past a following ": " when there is one), 0 when there is none. */
int es_trailer_find_pos(const char *text, uint64_t *chunk, uint64_t *row, size_t *start,
                        size_t *end);

#endif
