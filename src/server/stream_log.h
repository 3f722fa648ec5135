/* stream_log.h - the two log lines every stream gets (when its metadata arrives, and at its end),
   and the one of a stream refused because the server is full. */
#ifndef ES_SERVER_STREAM_LOG_H
#define ES_SERVER_STREAM_LOG_H

#include <stdint.h>

/* client is who made the call ("token:NAME cert:SUBJECT"; "" or NULL without credentials). */
void es_stream_log_start(uint64_t id, const char *peer, const char *client, const char *domain,
                         const char *file_name, int dim);
/* status is the gRPC status the client was sent; detail (may be NULL) says why. */
void es_stream_log_end(uint64_t id, const char *peer, const char *client, const char *domain,
                       const char *file_name, uint64_t rows, uint64_t chunks, double seconds,
                       int status, const char *detail);

/* status: what the refusal was (RESOURCE_EXHAUSTED when full, UNAUTHENTICATED...); pushback_ms:
   the grpc-retry-pushback-ms it carried, as sent, or NULL when it carried none. */
void es_stream_log_refused(uint64_t id, const char *peer, int status, const char *pushback_ms,
                           const char *why);

#endif
