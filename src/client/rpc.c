/* rpc.c - the pieces every client call (the ingest stream, the health check) sets up the same way:
   the receive ops, reading a response's bytes, and closing the completion queue. */
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/time.h>
#include <string.h>

#include "client/client_int.h"

void es_client_recv_ops(grpc_op ops[3], grpc_metadata_array *initial_md,
                        grpc_byte_buffer **response, grpc_metadata_array *trailing_md,
                        grpc_status_code *status, grpc_slice *details) {
  memset(ops, 0, 3 * sizeof(*ops));
  ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[0].data.recv_initial_metadata.recv_initial_metadata = initial_md;
  ops[1].op = GRPC_OP_RECV_MESSAGE;
  ops[1].data.recv_message.recv_message = response;
  ops[2].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[2].data.recv_status_on_client.trailing_metadata = trailing_md;
  ops[2].data.recv_status_on_client.status = status;
  ops[2].data.recv_status_on_client.status_details = details;
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
