/* stream.c - one IngestDataStream: metadata first, then validated chunks staged into one store
   transaction that commits when the client half-closes. Any failure rolls it all back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/testhook.h"
#include "core/trailer.h"
#include "core/validate.h"
#include "server/call.h"
#include "server/message.h"
#include "server/rowsrc.h"
#include "server/server_int.h"
#include "server/stream_log.h"

/* The note of a stream committed whose response did not reach the client. */
#define UNDELIVERED "committed, but the response was not delivered"

/* Decoded rows staged at a time from a chunk message (see on_rows). */
#define ES_STAGE_ROWS 1024

typedef struct es_stream {
  es_worker *w;
  es_srv *srv;
  es_call io;
  char peer[128];
  const es_domain *domain; /* NULL until metadata arrived */
  char *file_name;
  int32_t dim;
  es_txn *txn;
  es_stream_totals tot;
  uint64_t msgs;
  es_chunk chunk; /* rows of the current message; reset after each */
  es_msgview view;
  es_rowsrc rows;
  double t0;      /* monotonic */
  int64_t log_id; /* the committed stream's ingest_log entry (0: none) */
  int delivered;  /* the success response reached a live call */
  int accounted;  /* outcome and duration went to the metrics */
} es_stream;

/* The domain a oneof case belongs to, for messages like "a candidate_chunk". */
static const char *case_domain(int chunk_case) {
  const es_domain *d = es_domain_by_case(chunk_case);
  return d ? d->name : "unknown";
}

static int begin(es_stream *s, const es_meta *m, es_error *err) {
  const char *name = m->domain ? m->domain : "";
  const es_domain *d = es_domain_find(name);
  es_stream_info info;
  if (!d) /* the name is text (checked on the wire): quoted whole characters only */
    return es_err_set(err, ES_EINVAL, "unknown domain '%.*s' in metadata (expected one of: %s)",
                      (int)es_utf8_cut(name, strlen(name), 100), name, es_domain_names());
  /* Before anything else about the stream: a token that may not use this domain learns no
     more than that, and nothing reaches the store. */
  if (es_security_permit(&s->w->caller, d, err)) return err->code;
  if (m->dim < ES_DIM_MIN || m->dim > ES_DIM_MAX)
    return es_err_set(err, ES_EINVAL, "metadata vector_dimension %d is out of range (%d..%d)",
                      (int)m->dim, ES_DIM_MIN, ES_DIM_MAX);
  s->file_name = strdup(m->file_name ? m->file_name : "");
  if (!s->file_name) return es_err_set(err, ES_ENOMEM, "out of memory");
  s->domain = d;
  s->dim = m->dim;
  /* Later messages decode straight into rows of this domain; others stay unappended. */
  if (es_chunk_set_domain(&s->chunk, d)) return es_err_set(err, ES_EINTERNAL, "chunk not empty");
  info.domain = d;
  info.file_name = s->file_name;
  info.dim = m->dim;
  info.started_at = s->w->accepted_at;
  info.client = s->w->caller.text[0] ? s->w->caller.text : NULL;
  if (s->srv->store->begin(s->srv->store, &info, &s->txn, err)) return err->code;
  es_stream_log_start(s->w->id, s->peer, s->w->caller.text, d->name, s->file_name, s->dim);
  es_testhook_pause("metadata", 0);
  return 0;
}

static int too_large(es_error *err) {
  return es_err_set(err, ES_EINVAL,
                    "stream too large: more than %d rows or chunks (the response counts them in "
                    "int32); split the file",
                    INT32_MAX);
}

/* Counts one chunk message. */
static int count_chunk(es_stream *s, es_error *err) {
  if (s->tot.chunks >= INT32_MAX) return too_large(err);
  s->tot.chunks++;
  es_server_stats_add(&s->srv->stats.chunks_received, 1);
  return 0;
}

/* Validates the rows decoded into s->chunk (the current message's rows from `first` on) and
   hands them to the transaction. */
static int stage_rows(es_stream *s, size_t first, es_error *err) {
  size_t n = s->chunk.nrows;
  if (n > (uint64_t)INT32_MAX - s->tot.rows) return too_large(err);
  s->tot.rows += n;
  if (es_validate_chunk(&s->chunk, s->dim, s->tot.chunks, first, err)) return err->code;
  if (n && s->txn->stage(s->txn, &s->chunk, err)) return err->code;
  return 0;
}

static void log_staged(const es_stream *s, size_t nrows) {
  es_debug("stream %llu: chunk %llu staged (%zu rows)", (unsigned long long)s->w->id,
           (unsigned long long)s->tot.chunks, nrows);
  es_testhook_pause("chunk", s->tot.chunks);
}

/* A chunk decoded whole (the general path). */
static int stage(es_stream *s, size_t nrows, es_error *err) {
  int rc = count_chunk(s, err);
  if (!rc) rc = stage_rows(s, 0, err);
  if (!rc) log_staged(s, nrows);
  return rc;
}

/* Applies one decoded message to the stream's state. */
static int apply(es_stream *s, const es_request_info *in, es_error *err) {
  unsigned long long no = (unsigned long long)s->msgs;
  if (in->has_meta) {
    if (s->domain)
      return es_err_set(err, ES_EINVAL,
                        "message %llu carries metadata again: metadata must come "
                        "only in the first message",
                        no);
    if (in->chunk_case)
      return es_err_set(err, ES_EINVAL,
                        "the metadata message also carries a %s_chunk: metadata must "
                        "come alone, rows in the messages after it",
                        case_domain(in->chunk_case));
    return begin(s, &in->meta, err);
  }
  if (!s->domain) {
    if (in->chunk_case)
      return es_err_set(err, ES_EINVAL,
                        "a %s_chunk arrived before metadata: the first message must "
                        "carry metadata",
                        case_domain(in->chunk_case));
    return es_err_set(err, ES_EINVAL,
                      "message 1 carries neither metadata nor a chunk: the first "
                      "message must carry metadata");
  }
  if (!in->chunk_case)
    return es_err_set(err, ES_EINVAL, "message %llu carries neither metadata nor a chunk", no);
  if (!in->appended)
    return es_err_set(err, ES_EINVAL,
                      "message %llu carries a %s_chunk, but the stream's domain is "
                      "%s (expected %s_chunk)",
                      no, case_domain(in->chunk_case), s->domain->name, s->domain->name);
  return stage(s, in->rows, err);
}

/* Counted once the message is applied: the metadata message belongs to its own domain. */
static void count_bytes(es_stream *s, size_t len) {
  es_server_stats *st = &s->srv->stats;
  es_server_stats_add(&st->domain_bytes[es_server_stats_domain_slot(s->domain)], len);
}

/* The usual message after metadata, one chunk of rows (s->rows holds it): decoded row by row
   from gRPC's slices, each slice given back once its rows are decoded, and staged ES_STAGE_ROWS
   rows at a time. So the decoded rows held are a batch (in cache while validated), not a whole
   10 MB message, which leaves room to receive the next message meanwhile. */
static int on_rows(es_stream *s, int chunk_case, size_t len, es_error *err) {
  const uint8_t *row;
  size_t n, first = 0;
  int rc = 0;
  es_server_stats_add(&s->srv->stats.bytes_received, len);
  if (chunk_case != s->domain->chunk_case) {
    es_request_info info;
    memset(&info, 0, sizeof(info));
    info.chunk_case = chunk_case;
    rc = apply(s, &info, err); /* names both domains */
  } else if (!(rc = count_chunk(s, err))) {
    for (;;) {
      es_codec_fault fault = ES_CODEC_UNDECODABLE;
      if ((rc = es_rowsrc_next(&s->rows, &row, &n, err)) == 0) break; /* no more rows */
      if (rc > 0) rc = es_codec_unpack_row(&s->chunk, row, n, &fault, err);
      if (rc) {
        if (rc == ES_EINVAL)
          es_err_prefix(err, "chunk %llu, row %zu: ", (unsigned long long)s->tot.chunks,
                        first + s->chunk.nrows);
        else
          es_err_prefix(err, "message %llu: ", (unsigned long long)s->msgs);
        break;
      }
      if (s->chunk.nrows == ES_STAGE_ROWS) {
        if ((rc = stage_rows(s, first, err))) break;
        first += s->chunk.nrows;
        es_chunk_reset(&s->chunk);
        es_testhook_pause("rows", s->tot.chunks); /* part of the chunk is in the store */
      }
    }
    if (!rc) rc = stage_rows(s, first, err);
    if (!rc) log_staged(s, first + s->chunk.nrows);
  }
  es_rowsrc_close(&s->rows);
  count_bytes(s, len);
  es_chunk_reset(&s->chunk);
  return rc;
}

/* A message protobuf-c could not decode, or one with a string that is not text: the message
   says where, a row as validation errors name it (the chunk it would have been). */
static int refuse_message(es_stream *s, const es_request_info *info, es_error *err) {
  if (info->fault == ES_CODEC_TEXT_ROW)
    return es_err_prefix(err, "chunk %llu, row %zu: ", (unsigned long long)s->tot.chunks + 1,
                         info->fault_row);
  if (info->fault == ES_CODEC_TEXT_META) return es_err_prefix(err, "metadata ");
  return es_err_prefix(err, "message %llu: ", (unsigned long long)s->msgs);
}

static int on_message(es_stream *s, grpc_byte_buffer *bb, es_error *err) {
  es_request_info info;
  size_t len;
  int rc, chunk_case;
  s->msgs++;
  es_chunk_reset(&s->chunk);
  if (s->domain && es_rowsrc_open(&s->rows, bb, &chunk_case, &len))
    return on_rows(s, chunk_case, len, err);
  rc = es_msgview_take(&s->view, bb, s->srv->opts.max_message_bytes, err);
  if (rc) return es_err_prefix(err, "message %llu: ", (unsigned long long)s->msgs);
  len = s->view.len;
  if (s->view.wire_len)
    es_debug("stream %llu: message %llu inflated from %zu to %zu bytes",
             (unsigned long long)s->w->id, (unsigned long long)s->msgs, s->view.wire_len, len);
  es_server_stats_add(&s->srv->stats.bytes_received, len);
  rc = es_codec_unpack_request(&s->chunk, s->view.data, s->view.len, &info, err);
  es_msgview_release(&s->view); /* protobuf-c copied what it needs into the chunk's arena */
  if (rc) {
    count_bytes(s, len);
    return refuse_message(s, &info, err);
  }
  rc = apply(s, &info, err);
  count_bytes(s, len);
  es_chunk_reset(&s->chunk); /* bounded memory: one message's rows at a time */
  return rc;
}

/* The next message is asked for before the current one is decoded, so it travels while this
   one is checked: one message in flight beside the one decoded, never more. */
static int receive_all(es_stream *s, es_error *err) {
  int rc = es_call_recv_start(&s->io, err);
  if (rc) return rc;
  for (;;) {
    grpc_byte_buffer *bb = NULL;
    rc = es_call_recv_wait(&s->io, &bb, err);
    if (rc == ES_EDEADLINE) return rc; /* idle: the message says so */
    if (rc == ES_ECANCELLED)
      return es_err_set(err, rc,
                        "receiving failed: a message over --max-message-bytes (%zu), a "
                        "client cancel, or a lost connection",
                        s->srv->opts.max_message_bytes);
    if (rc) return rc;
    if (!bb) break;
    if ((rc = es_call_recv_start(&s->io, err))) {
      grpc_byte_buffer_destroy(bb);
      return rc;
    }
    rc = on_message(s, bb, err);
    if (rc) return rc;
  }
  if (!s->domain)
    return es_err_set(err, ES_EINVAL,
                      "the stream ended before metadata: the first message must "
                      "carry metadata");
  /* gRPC ends the message sequence the same way for a half-close and a cancel. */
  if (es_call_confirm_half_close(&s->io, err))
    return es_err_set(err, ES_ECANCELLED,
                      "cancelled by the client before it half-closed the stream");
  return 0;
}

/* The response's message. A long file name is cut on a character boundary and says so (the
   response must stay UTF-8); ingest_log keeps it whole. */
static void success_text(es_stream *s, char *out, size_t n) {
  int null_store = !strcmp(s->srv->store->name, "null");
  const char *name = *s->file_name ? s->file_name : "(no file name)";
  size_t len = strlen(name), cut = es_utf8_cut(name, len, 200);
  snprintf(out, n, "%s %llu row%s from %.*s%s (%s, %d-d) in %llu chunk%s%s",
           null_store ? "validated" : "stored", (unsigned long long)s->tot.rows,
           es_plural(s->tot.rows), (int)cut, name, cut < len ? "..." : "", s->domain->name,
           (int)s->dim, (unsigned long long)s->tot.chunks, es_plural(s->tot.chunks),
           null_store ? " (null store: nothing kept)" : "");
}

/* Before the final status goes out, so a client that has its answer also sees it counted. */
static void account(es_stream *s, int grpc_status) {
  if (s->accounted) return;
  s->accounted = 1;
  es_server_stats_outcome(&s->srv->stats, grpc_status);
  es_hist_observe(&s->srv->stats.stream_seconds, es_clock_mono() - s->t0);
}

/* Committed, but the call ended before the client had the response: ingest_log says so. */
static void mark_partial(es_stream *s) {
  es_store *st = s->srv->store;
  es_error err;
  es_err_clear(&err);
  if (!st->set_log_status || !s->log_id) return;
  if (st->set_log_status(st, s->log_id, ES_INGEST_PARTIAL, "; " UNDELIVERED, &err))
    es_warn("stream %llu: could not mark its ingest_log entry partial: %s",
            (unsigned long long)s->w->id, err.msg);
}

static int commit_and_respond(es_stream *s, es_error *err) {
  es_response r;
  es_buf buf = ES_BUF_INIT;
  es_txn *tx = s->txn;
  es_server_stats *st = &s->srv->stats;
  double t = es_clock_mono();
  int rc;
  /* A client that cancelled or vanished after half-closing gets no answer: rolled back, it
     matches what the client saw, and `partial` stays for a loss during the commit itself. */
  if (es_call_gone(&s->io))
    return es_err_set(err, ES_ECANCELLED,
                      "the client went away after half-closing, before the commit");
  s->txn = NULL; /* commit frees it whatever the outcome */
  es_debug("stream %llu: committing", (unsigned long long)s->w->id);
  rc = tx->commit(tx, &s->tot, &s->log_id, err);
  es_hist_observe(&st->commit_seconds, es_clock_mono() - t);
  if (rc) return err->code;
  es_worker_answering(s->w);
  es_server_stats_add(&st->streams_committed, 1);
  es_server_stats_add(&st->rows_committed, s->tot.rows);
  es_server_stats_add(&st->domain_rows[es_server_stats_domain_slot(s->domain)], s->tot.rows);
  memset(&r, 0, sizeof(r));
  snprintf(r.status, sizeof(r.status), "success");
  success_text(s, r.message, sizeof(r.message));
  r.rows = (int32_t)s->tot.rows; /* bounded by stage() */
  r.chunks = (int32_t)s->tot.chunks;
  if (es_codec_pack_response(&r, &buf)) {
    es_buf_free(&buf);
    return es_err_set(err, ES_ENOMEM, "out of memory packing the response");
  }
  account(s, GRPC_STATUS_OK);
  s->delivered = es_call_finish(&s->io, GRPC_STATUS_OK, "", buf.ptr, buf.len) == 0;
  es_buf_free(&buf);
  if (!s->delivered) mark_partial(s);
  return 0;
}

/* A dead call's reason, when it was our shutdown or its deadline rather than the peer. */
static void explain_cancel(es_stream *s, es_error *err) {
  if (atomic_load(&s->srv->cancelling))
    es_err_set(err, ES_ECANCELLED, "cancelled: server shutting down and the grace period is over");
  else if (es_call_deadline_passed(&s->io))
    es_err_set(err, ES_EDEADLINE, "deadline exceeded");
}

/* Ended from outside (peer, transport, deadline, idleness, shutdown) or refused. */
static es_ingest_status ingest_status(int code) {
  return code == ES_ECANCELLED || code == ES_EDEADLINE ? ES_INGEST_CANCELLED : ES_INGEST_FAILED;
}

/* A rejected row's place as trailers (core/trailer.h) beside the details' "chunk N, row M"
   (core/validate.c's prefix, so only at the start), for clients to name the row in their file
   without parsing text. Returns how many of md it filled; the values are the caller's to unref. */
static size_t row_trailers(const es_error *err, grpc_metadata md[2]) {
  uint64_t chunk, row;
  size_t start, end;
  char v[24];
  if (err->code != ES_EINVAL || !es_trailer_find_pos(err->msg, &chunk, &row, &start, &end) || start)
    return 0;
  memset(md, 0, 2 * sizeof(*md));
  md[0].key = grpc_slice_from_static_string(ES_TRAILER_CHUNK);
  snprintf(v, sizeof(v), "%llu", (unsigned long long)chunk);
  md[0].value = grpc_slice_from_copied_string(v);
  md[1].key = grpc_slice_from_static_string(ES_TRAILER_ROW);
  snprintf(v, sizeof(v), "%llu", (unsigned long long)row);
  md[1].value = grpc_slice_from_copied_string(v);
  return 2;
}

static void fail(es_stream *s, es_error *err) {
  /* Once the grace period is over, whatever failed failed because we cancelled it. */
  if (err->code == ES_ECANCELLED || atomic_load(&s->srv->cancelling)) explain_cancel(s, err);
  if (s->txn) s->txn->abort(s->txn, &s->tot, ingest_status(err->code), err->msg);
  s->txn = NULL;
  es_server_stats_add(&s->srv->stats.streams_failed, 1);
  account(s, es_code_to_grpc(err->code));
  es_worker_answering(s->w);
  if (!s->io.finished) {
    grpc_metadata md[2];
    size_t i, n = row_trailers(err, md);
    s->io.trailers = md;
    s->io.ntrailers = n;
    es_call_finish(&s->io, (grpc_status_code)es_code_to_grpc(err->code), err->msg, NULL, 0);
    s->io.trailers = NULL;
    s->io.ntrailers = 0;
    for (i = 0; i < n; i++) grpc_slice_unref(md[i].value);
  }
}

/* For the test hook (core/testhook.h): has the client gone while the stream was paused? */
static int call_gone(void *io) { return es_call_gone(io); }

void es_stream_run(es_worker *w) {
  es_stream s;
  es_error err;
  int rc;
  memset(&s, 0, sizeof(s));
  s.w = w;
  s.srv = w->srv;
  s.t0 = es_clock_mono();
  es_chunk_init(&s.chunk, NULL);
  es_msgview_init(&s.view);
  es_rowsrc_init(&s.rows);
  es_err_clear(&err);
  rc = es_call_open(&s.io, w->call, w->cq, w->deadline, &err);
  s.io.idle_s = s.srv->opts.idle_timeout_s;
  if (!rc) es_testhook_watch(call_gone, &s.io);
  es_call_peer(&s.io, s.peer, sizeof(s.peer));
  if (!rc) rc = receive_all(&s, &err);
  if (!rc) es_testhook_pause("half-closed", 0);
  if (!rc) rc = commit_and_respond(&s, &err);
  if (rc) fail(&s, &err);
  es_stream_log_end(w->id, s.peer, w->caller.text, s.domain ? s.domain->name : NULL, s.file_name,
                    s.tot.rows, s.tot.chunks, es_clock_mono() - s.t0,
                    rc ? es_code_to_grpc(err.code) : 0,
                    rc ? err.msg : (s.delivered ? NULL : UNDELIVERED));
  es_testhook_watch(NULL, NULL);
  es_call_close(&s.io);
  es_msgview_free(&s.view);
  es_rowsrc_free(&s.rows);
  es_chunk_free(&s.chunk);
  free(s.file_name);
}
