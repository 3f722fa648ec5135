/* health.h - the standard gRPC health service (grpc.health.v1.Health: Check and Watch). */
#ifndef ES_SERVER_HEALTH_H
#define ES_SERVER_HEALTH_H

#include <grpc/grpc.h>

#include "core/error.h"

#define ES_HEALTH_SERVICE "grpc.health.v1.Health"

/* Answers on its own thread and completion queue, so health calls never wait behind streams
   and never count against --max-streams. Reports "" (the whole server) and
   embedding.EmbeddingStreamService; any other service: Check says NOT_FOUND, Watch
   SERVICE_UNKNOWN (as the protocol asks). */
typedef struct es_health es_health;

/* Registers Check, Watch and the service's completion queue; before grpc_server_start. */
int es_health_register(grpc_server *server, es_health **out, es_error *err);
/* Starts answering; after grpc_server_start. */
int es_health_start(es_health *h, es_error *err);
/* SERVING -> NOT_SERVING (on SIGINT/SIGTERM, before the server shuts down). Open Watch calls
   get the new status within a poll interval (50 ms). */
void es_health_set_not_serving(es_health *h);
/* Ends every open Watch call (after its last status) with UNAVAILABLE "server shutting down",
   waiting up to timeout_s for them to end. Returns how many are still open. */
int es_health_end_watches(es_health *h, double timeout_s);
/* After the server's shutdown completed or the server was never started: stops the thread
   and frees h. NULL is fine. */
void es_health_free(es_health *h);

#endif
