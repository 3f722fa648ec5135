/* limits.h - every limit the modules must agree on, in one place: a peer, a file and a store
   all hold a vector to the same bounds, and a client sizes messages to the server's default. */
#ifndef ES_LIMITS_H
#define ES_LIMITS_H

/* Vector dimensions a stream may declare (pgvector's own limit for vector(N) is 16000). */
#define ES_DIM_MIN 1
#define ES_DIM_MAX 16000

/* The widest domain has 6 fields; tables sized by this never need a heap allocation. */
#define ES_MAX_FIELDS 8

/* gRPC message size both sides default to: the spec's 16 MB channel options. */
#define ES_DEFAULT_MAX_MESSAGE (16u * 1024u * 1024u)
/* Smallest --max-message-bytes accepted: one metadata message and one small row must fit. */
#define ES_MIN_MAX_MESSAGE 1024u

/* Streams a server may run at once (--max-streams). */
#define ES_MAX_STREAMS_LIMIT 4096

/* Bearer tokens (auth/tokens.h): a name in a token file, a token a peer may present (gRPC's
   default metadata limit is 8 KiB; HTTP headers are smaller still), a token file. */
#define ES_TOKEN_NAME_MAX 64
#define ES_TOKEN_MAX_BYTES 4096
#define ES_TOKENS_FILE_MAX (1024u * 1024u)
/* A PEM file (certificate chain, key, CA bundle: Debian's whole bundle is about 200 KiB). */
#define ES_PEM_FILE_MAX (4u * 1024u * 1024u)

#endif
