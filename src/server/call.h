/* call.h - one server call driven synchronously: each operation is a batch on the call's own
   completion queue, waited for before the next one starts. */
#ifndef ES_SERVER_CALL_H
#define ES_SERVER_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "core/error.h"

typedef struct es_call {
  grpc_call *call;
  grpc_completion_queue *cq; /* bound to this call only */
  gpr_timespec deadline;
  int close_started, close_done;
  int cancelled;    /* from RECV_CLOSE_ON_SERVER: the call failed before our status went out */
  int initial_sent; /* initial metadata went out (alone, or with the status) */
  int finished;     /* status sent, or sending was attempted */
  int recv_started, recv_done, recv_ok; /* the one RECV_MESSAGE of es_call_recv_start */
  grpc_byte_buffer *recv_bb;            /* what it received, until es_call_recv_wait takes it */
  double idle_s;  /* > 0: a receive waited for longer than this ends the call (set after open) */
  int idle_ended; /* it did: es_call_finish ends the call by cancelling it with the status */
  const grpc_metadata *trailers; /* sent with the status by es_call_finish (may be NULL) */
  size_t ntrailers;
} es_call;

/* Takes ownership of call and cq. Starts watching for the call's end (RECV_CLOSE_ON_SERVER),
   which is how a client cancel is told apart from a half-close. */
int es_call_open(es_call *c, grpc_call *call, grpc_completion_queue *cq, gpr_timespec deadline,
                 es_error *err);
/* Next request message: *bb is NULL once the stream ended. ES_ECANCELLED when the call failed. */
int es_call_recv(es_call *c, grpc_byte_buffer **bb, es_error *err);
/* The same in two steps. Starting the next receive before decoding the current message is what
   lets it arrive meanwhile: gRPC opens the flow-control window for a message only once it is
   asked for one, and without BDP probing the connection window is otherwise 64 KiB. */
int es_call_recv_start(es_call *c, es_error *err);
/* ES_EDEADLINE when idle_s passed first: the receive stays under way, and es_call_finish (which
   must follow) ends the call with the status it is given, normally DEADLINE_EXCEEDED. */
int es_call_recv_wait(es_call *c, grpc_byte_buffer **bb, es_error *err);
/* After a NULL message: 0 only if the client really half-closed. A cancel or deadline also ends
   the message stream; sending initial metadata fails on such a call, a half-closed one takes it. */
int es_call_confirm_half_close(es_call *c, es_error *err);
/* Sends the response (resp may be NULL), the status and c->trailers, then waits for the call's end.
   Returns 0 when the status was sent to a live call. */
int es_call_finish(es_call *c, grpc_status_code code, const char *details, const void *resp,
                   size_t resp_len);
/* 1 once the call has ended from outside (peer cancel or reset, lost connection, deadline),
   without waiting: events already queued are taken in. A half-close alone does not end it. */
int es_call_gone(es_call *c);
/* "ipv4:127.0.0.1:5555" into out. */
void es_call_peer(es_call *c, char *out, size_t n);
/* 1 when the call's deadline has passed. */
int es_call_deadline_passed(const es_call *c);
/* Releases the call and its queue (after es_call_finish, or after a failed es_call_open). */
void es_call_close(es_call *c);
/* Shuts a completion queue down, drains it and destroys it. */
void es_cq_destroy(grpc_completion_queue *cq);

#endif
