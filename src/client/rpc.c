/* rpc.c - the pieces every client call (the ingest stream, the health check) sets up the same way:
   what it receives and the ops that do, reading a response's bytes, closing the completion queue.
 */
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/time.h>
#include <string.h>

#include "client/client_int.h"

void es_client_recv_init(es_client_recv *r) {
  memset(r, 0, sizeof(*r));
  r->details = grpc_empty_slice();
  grpc_metadata_array_init(&r->initial_md);
  grpc_metadata_array_init(&r->trailing_md);
}

void es_client_recv_free(es_client_recv *r) {
  if (r->response) grpc_byte_buffer_destroy(r->response);
  r->response = NULL;
  grpc_metadata_array_destroy(&r->initial_md);
  grpc_metadata_array_destroy(&r->trailing_md);
  grpc_slice_unref(r->details);
}

void es_client_recv_ops(grpc_op ops[3], es_client_recv *r) {
  memset(ops, 0, 3 * sizeof(*ops));
  ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[0].data.recv_initial_metadata.recv_initial_metadata = &r->initial_md;
  ops[1].op = GRPC_OP_RECV_MESSAGE;
  ops[1].data.recv_message.recv_message = &r->response;
  ops[2].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[2].data.recv_status_on_client.trailing_metadata = &r->trailing_md;
  ops[2].data.recv_status_on_client.status = &r->status;
  ops[2].data.recv_status_on_client.status_details = &r->details;
}

int es_client_bytes(grpc_byte_buffer *bb, grpc_slice *out) {
  grpc_byte_buffer_reader r;
  if (!bb || !grpc_byte_buffer_reader_init(&r, bb)) return -1;
  *out = grpc_byte_buffer_reader_readall(&r);
  grpc_byte_buffer_reader_destroy(&r);
  return 0;
}

void es_client_cq_close(grpc_completion_queue *cq) {
  if (!cq) return;
  /* Shutdown completes only once every event has been taken from the queue. */
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
         GRPC_QUEUE_SHUTDOWN) {}
  grpc_completion_queue_destroy(cq);
}
