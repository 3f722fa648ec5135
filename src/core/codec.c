/* codec.c - protobuf-c glue: rows are wired by field offsets taken from protobuf-c's own
   descriptors, so one generic path serves all three domains. */
#include "core/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wiretext.h"
#include "embedding_stream.pb-c.h"

/* protobuf-c allocates through this: everything lands in the chunk's arena and is released
   with it, one reset per chunk instead of a free() per string and vector. */
static void *arena_pb_alloc(void *data, size_t size) { return es_arena_alloc(data, size); }
static void arena_pb_free(void *data, void *ptr) {
  (void)data;
  (void)ptr;
}

#define AT(base, off, type) (*(type *)((char *)(base) + (off)))

static void wire_row(const es_domain *d, const void *msg, es_value *row) {
  size_t i;
  for (i = 0; i < d->nfields; i++) {
    const es_field *f = &d->fields[i];
    switch (f->type) {
    case ES_T_TEXT: row[i].s = AT(msg, f->pb_offset, char *); break;
    case ES_T_INT: row[i].i = AT(msg, f->pb_offset, int32_t); break;
    case ES_T_STRLIST:
      row[i].list.n = AT(msg, f->pb_qoffset, size_t);
      row[i].list.items = AT(msg, f->pb_offset, char **);
      break;
    case ES_T_VECTOR:
      row[i].vec.n = AT(msg, f->pb_qoffset, size_t);
      row[i].vec.v = AT(msg, f->pb_offset, float *);
      break;
    }
  }
}

static void fill_row_msg(const es_domain *d, const es_value *row, void *msg) {
  const ProtobufCMessageDescriptor *md = d->pb_row;
  size_t i;
  md->message_init((ProtobufCMessage *)msg);
  for (i = 0; i < d->nfields; i++) {
    const es_field *f = &d->fields[i];
    switch (f->type) {
    case ES_T_TEXT: AT(msg, f->pb_offset, char *) = row[i].s; break;
    case ES_T_INT: AT(msg, f->pb_offset, int32_t) = row[i].i; break;
    case ES_T_STRLIST:
      AT(msg, f->pb_qoffset, size_t) = row[i].list.n;
      AT(msg, f->pb_offset, char **) = row[i].list.items;
      break;
    case ES_T_VECTOR:
      AT(msg, f->pb_qoffset, size_t) = row[i].vec.n;
      AT(msg, f->pb_offset, float *) = row[i].vec.v;
      break;
    }
  }
}

/* The chunk messages all have one field, `repeated Row rows = 1`. */
static const ProtobufCFieldDescriptor *rows_field(const es_domain *d) {
  return protobuf_c_message_descriptor_get_field(d->pb_chunk, 1);
}

static void **chunk_slot(Embedding__IngestDataRequest *req, int chunk_case) {
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
      &embedding__ingest_data_request__descriptor, (unsigned)chunk_case);
  return f ? &AT(req, f->offset, void *) : NULL;
}

/* After protobuf-c decoded the request: its strings, on the wire. A string inside a chunk field
   sits in a row (request > chunk > row > string); any other one is in the metadata. */
static int check_request_text(const uint8_t *data, size_t len, es_request_info *info,
                              es_error *err) {
  es_wiretext_bad bad;
  int rc = es_wiretext_check(&embedding__ingest_data_request__descriptor, data, len, &bad);
  if (rc == 0) return 0;
  if (rc < 0)
    return es_err_set(err, ES_EINVAL, "message is not a valid IngestDataRequest (%zu bytes)", len);
  if (bad.depth == 3 && es_domain_by_case((int)bad.path[0].field->id)) {
    info->fault = ES_CODEC_TEXT_ROW;
    info->fault_row = bad.path[1].item;
  } else {
    info->fault = ES_CODEC_TEXT_META;
  }
  return es_wiretext_err(&bad, err);
}

int es_codec_unpack_request(es_chunk *c, const uint8_t *data, size_t len, es_request_info *info,
                            es_error *err) {
  ProtobufCAllocator alloc = {arena_pb_alloc, arena_pb_free, &c->arena};
  Embedding__IngestDataRequest *req;
  const es_domain *d;
  void *chunk, **slot, **msgs;
  size_t i;
  memset(info, 0, sizeof(*info));
  req = embedding__ingest_data_request__unpack(&alloc, len, data);
  if (!req)
    return es_err_set(err, ES_EINVAL, "message is not a valid IngestDataRequest (%zu bytes)", len);
  if (check_request_text(data, len, info, err)) return err->code;
  if (req->metadata) {
    info->has_meta = 1;
    info->meta.domain = req->metadata->domain;
    info->meta.file_name = req->metadata->file_name;
    info->meta.dim = req->metadata->vector_dimension;
  }
  info->chunk_case = (int)req->chunk_data_case;
  if (!info->chunk_case) return 0;
  d = es_domain_by_case(info->chunk_case);
  slot = chunk_slot(req, info->chunk_case);
  if (!d || !slot || !*slot) return 0;
  chunk = *slot;
  info->rows = AT(chunk, rows_field(d)->quantifier_offset, size_t);
  if (d != c->domain) return 0;
  msgs = AT(chunk, rows_field(d)->offset, void **);
  for (i = 0; i < info->rows; i++) {
    es_value *row = es_chunk_add_row(c, 0);
    if (!row) return es_err_set(err, ES_ENOMEM, "out of memory decoding row %zu", i);
    wire_row(d, msgs[i], row);
  }
  info->appended = 1;
  return 0;
}

int es_codec_chunk_key(uint64_t key) {
  const es_domain *d;
  if ((key & 7) != 2 || key >> 3 > 64) return 0; /* length-delimited, and a small field number */
  d = es_domain_by_case((int)(key >> 3));
  return d ? d->chunk_case : 0;
}

int es_codec_unpack_row(es_chunk *c, const uint8_t *data, size_t len, es_codec_fault *fault,
                        es_error *err) {
  ProtobufCAllocator alloc = {arena_pb_alloc, arena_pb_free, &c->arena};
  const es_domain *d = c->domain;
  const ProtobufCMessageDescriptor *md = d->pb_row;
  ProtobufCMessage *msg = protobuf_c_message_unpack(md, &alloc, len, data);
  es_wiretext_bad bad;
  es_value *row;
  int text = msg ? es_wiretext_check(md, data, len, &bad) : -1;
  *fault = ES_CODEC_UNDECODABLE;
  if (text < 0)
    return es_err_set(err, ES_EINVAL, "not a valid %s (%zu bytes)", md->short_name, len);
  if (text) {
    *fault = ES_CODEC_TEXT_ROW;
    return es_wiretext_err(&bad, err);
  }
  if (!(row = es_chunk_add_row(c, 0)))
    return es_err_set(err, ES_ENOMEM, "out of memory decoding a row");
  wire_row(d, msg, row);
  return 0;
}

static void meta_msg(const es_meta *m, Embedding__IngestMetadata *md,
                     Embedding__IngestDataRequest *req) {
  embedding__ingest_metadata__init(md);
  md->domain = (char *)m->domain;
  md->file_name = (char *)(m->file_name ? m->file_name : "");
  md->vector_dimension = m->dim;
  embedding__ingest_data_request__init(req);
  req->metadata = md;
}

size_t es_codec_meta_size(const es_meta *m) {
  Embedding__IngestMetadata md;
  Embedding__IngestDataRequest req;
  meta_msg(m, &md, &req);
  return embedding__ingest_data_request__get_packed_size(&req);
}

size_t es_codec_pack_meta(const es_meta *m, uint8_t *out) {
  Embedding__IngestMetadata md;
  Embedding__IngestDataRequest req;
  meta_msg(m, &md, &req);
  return embedding__ingest_data_request__pack(&req, out);
}

static size_t varint_size(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

typedef union {
  Embedding__RecruitRow r;
  Embedding__CandidateRow c;
  Embedding__SkillEmbeddingDicRow s;
} any_row;

size_t es_codec_row_size(const es_chunk *c, size_t i) {
  any_row msg;
  size_t body;
  fill_row_msg(c->domain, es_chunk_row(c, i), &msg);
  body = protobuf_c_message_get_packed_size((const ProtobufCMessage *)&msg);
  return 1 + varint_size(body) + body;
}

size_t es_codec_chunk_request_size(size_t rows_bytes) {
  return 1 + varint_size(rows_bytes) + rows_bytes;
}

int es_codec_pack_chunk(const es_chunk *c, size_t from, size_t to, uint8_t *out, size_t out_len,
                        size_t *written, es_error *err) {
  const es_domain *d = c->domain;
  const ProtobufCMessageDescriptor *cd = d->pb_chunk;
  Embedding__IngestDataRequest req;
  any_row *rows = NULL;
  void **ptrs = NULL, **slot;
  any_row chunk_msg; /* every chunk message is smaller than a row message */
  size_t i, n = to - from, need;
  int rc = 0;
  if (to < from || to > c->nrows) return es_err_set(err, ES_EINTERNAL, "bad row range");
  if (n > SIZE_MAX / sizeof(any_row)) return es_err_set(err, ES_ENOMEM, "chunk too large");
  rows = malloc((n ? n : 1) * sizeof(any_row));
  ptrs = malloc((n ? n : 1) * sizeof(void *));
  if (!rows || !ptrs) {
    rc = es_err_set(err, ES_ENOMEM, "out of memory packing %zu rows", n);
    goto done;
  }
  for (i = 0; i < n; i++) {
    fill_row_msg(d, es_chunk_row(c, from + i), &rows[i]);
    ptrs[i] = &rows[i];
  }
  cd->message_init((ProtobufCMessage *)&chunk_msg);
  AT(&chunk_msg, rows_field(d)->quantifier_offset, size_t) = n;
  AT(&chunk_msg, rows_field(d)->offset, void **) = ptrs;
  embedding__ingest_data_request__init(&req);
  req.chunk_data_case = (Embedding__IngestDataRequest__ChunkDataCase)d->chunk_case;
  slot = chunk_slot(&req, d->chunk_case);
  *slot = &chunk_msg;
  need = embedding__ingest_data_request__get_packed_size(&req);
  if (need > out_len) {
    rc = es_err_set(err, ES_EINTERNAL, "pack buffer of %zu bytes, need %zu", out_len, need);
    goto done;
  }
  *written = embedding__ingest_data_request__pack(&req, out);
done:
  free(rows);
  free(ptrs);
  return rc;
}

int es_codec_pack_response(const es_response *r, es_buf *out) {
  Embedding__IngestDataResponse msg;
  size_t n;
  embedding__ingest_data_response__init(&msg);
  msg.status = (char *)r->status;
  msg.message = (char *)r->message;
  msg.total_rows_received = r->rows;
  msg.total_chunks_received = r->chunks;
  n = embedding__ingest_data_response__get_packed_size(&msg);
  es_buf_clear(out);
  if (es_buf_grow(out, n)) return ES_ENOMEM;
  out->len = embedding__ingest_data_response__pack(&msg, (uint8_t *)out->ptr);
  return 0;
}

int es_codec_unpack_response(const uint8_t *data, size_t len, es_response *r, es_error *err) {
  Embedding__IngestDataResponse *msg = embedding__ingest_data_response__unpack(NULL, len, data);
  if (!msg) return es_err_set(err, ES_EINVAL, "response is not a valid IngestDataResponse");
  snprintf(r->status, sizeof(r->status), "%s", msg->status ? msg->status : "");
  snprintf(r->message, sizeof(r->message), "%s", msg->message ? msg->message : "");
  r->rows = msg->total_rows_received;
  r->chunks = msg->total_chunks_received;
  embedding__ingest_data_response__free_unpacked(msg, NULL);
  return 0;
}
