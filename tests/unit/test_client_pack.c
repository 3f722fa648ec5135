/* test_client_pack.c - a message packed batch by batch is byte for byte what protobuf-c packs
   for the same rows in one go, splits where es_client_split would, and its buffer outlives
   the pool for as long as gRPC holds the slice. */
#include <grpc/grpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_int.h"
#include "tap.h"
#include "tmpdir.h"

/* Row r: sizes vary with r (strings, list items, vector length dim + r % 3), so row encodings
   differ and their lengths cross varint boundaries. */
static void fill_row(es_chunk *c, es_value *row, size_t r, size_t dim) {
  const es_domain *d = c->domain;
  size_t f, k, n;
  char text[128];
  for (f = 0; f < d->nfields; f++) {
    switch (d->fields[f].type) {
    case ES_T_TEXT:
      n = (size_t)snprintf(text, sizeof(text), "0190a8c2-1111-7000-8000-%012zu%.*s", r,
                           (int)(r * 7 % 90),
                           "..........................................."
                           "...............................................");
      row[f].s = es_arena_strndup(&c->arena, text, n);
      break;
    case ES_T_INT: row[f].i = (int32_t)(r * 37 % 300); break;
    case ES_T_STRLIST:
      row[f].list.n = r % 4;
      row[f].list.items = es_arena_calloc(&c->arena, 4, sizeof(char *));
      for (k = 0; k < row[f].list.n; k++)
        row[f].list.items[k] = es_arena_strndup(&c->arena, "Go", 2);
      break;
    case ES_T_VECTOR:
      row[f].vec.n = dim + r % 3;
      row[f].vec.v = es_arena_calloc(&c->arena, dim + 2, sizeof(float));
      for (k = 0; k < row[f].vec.n; k++) row[f].vec.v[k] = (float)(r + k) * 0.25f;
      break;
    }
  }
}

static void make_chunk(es_chunk *c, const es_domain *d, size_t nrows, size_t dim) {
  size_t r;
  es_chunk_init(c, d);
  for (r = 0; r < nrows; r++) fill_row(c, es_chunk_add_row(c, r + 2), r, dim);
}

/* Rows [from, to) of src as a chunk of their own (values shared, not copied): one batch. */
static void batch_of(es_chunk *b, const es_chunk *src, size_t from, size_t to) {
  size_t r, nf = src->domain->nfields;
  es_chunk_reset(b);
  for (r = from; r < to; r++)
    memcpy(es_chunk_add_row(b, src->lines[r]), es_chunk_row(src, r), nf * sizeof(es_value));
}

/* Packs all of c's rows as one message in batches of `step` rows and compares the bytes with
   es_codec_pack_chunk over the same rows. */
static void check_same_bytes(const char *domain, size_t nrows, size_t dim, size_t step) {
  const es_domain *d = es_domain_find(domain);
  es_chunk c, b;
  es_bufpool *pool;
  es_msgbuf *buf;
  es_packer pk;
  es_error err;
  uint8_t *want;
  size_t i, n, rows_bytes = 0, want_len = 0, to, off = 0, len = 0;
  make_chunk(&c, d, nrows, dim);
  es_chunk_init(&b, d);
  for (i = 0; i < nrows; i++) rows_bytes += es_codec_row_size(&c, i);
  n = es_codec_chunk_request_size(rows_bytes);
  want = malloc(n);
  CHECK_EQ_INT(es_codec_pack_chunk(&c, 0, nrows, want, n, &want_len, &err), 0);
  CHECK_EQ_INT(es_bufpool_new(&pool, &err), 0);
  CHECK_EQ_INT(es_bufpool_get(pool, &buf, &err), 0);
  es_packer_begin(&pk, buf);
  for (i = 0; i < nrows; i += step) {
    size_t end = i + step < nrows ? i + step : nrows;
    batch_of(&b, &c, i, end);
    CHECK_EQ_INT(es_packer_add(&pk, &b, 0, b.nrows, (size_t)1 << 30, &to, &err), 0);
    CHECK_EQ_INT(to, end - i);
  }
  CHECK_EQ_INT(es_packer_finish(&pk, &off, &len, &err), 0);
  CHECK_EQ_INT(pk.rows, nrows);
  CHECK_EQ_INT(len, want_len);
  CHECK(len == want_len && memcmp(buf->data + off, want, len) == 0);
  es_msgbuf_put(buf);
  es_bufpool_release(pool);
  free(want);
  es_chunk_free(&b);
  es_chunk_free(&c);
}

/* With a small limit the packer ends each message where es_client_split would. */
static void check_split(void) {
  const es_domain *d = es_domain_find("recruit");
  es_chunk c, b;
  es_bufpool *pool;
  es_msgbuf *buf;
  es_packer pk;
  es_error err;
  size_t from = 0, want_to, want_bytes, to, off, len, limit = 9000, msgs = 0, i;
  make_chunk(&c, d, 200, 8);
  es_chunk_init(&b, d);
  CHECK_EQ_INT(es_bufpool_new(&pool, &err), 0);
  while (from < c.nrows && msgs < 1000) {
    CHECK_EQ_INT(es_client_split(&c, from, limit, &want_to, &want_bytes, &err), 0);
    CHECK_EQ_INT(es_bufpool_get(pool, &buf, &err), 0);
    es_packer_begin(&pk, buf);
    /* batches of 7 rows from `from` on, until the packer says the message is full */
    for (i = from; i < c.nrows; i += to) {
      batch_of(&b, &c, i, i + 7 < c.nrows ? i + 7 : c.nrows);
      CHECK_EQ_INT(es_packer_add(&pk, &b, 0, b.nrows, limit, &to, &err), 0);
      if (to < b.nrows) {
        i += to;
        break;
      }
    }
    if (i > c.nrows) i = c.nrows;
    CHECK_EQ_INT(i, want_to);
    CHECK_EQ_INT(es_packer_finish(&pk, &off, &len, &err), 0);
    CHECK_EQ_INT(len, want_bytes);
    CHECK(len <= limit);
    es_msgbuf_put(buf);
    from = want_to;
    msgs++;
  }
  CHECK(msgs > 3);
  es_bufpool_release(pool);
  es_chunk_free(&b);
  es_chunk_free(&c);
}

static void check_row_too_large(void) {
  const es_domain *d = es_domain_find("recruit");
  es_chunk c;
  es_bufpool *pool;
  es_msgbuf *buf;
  es_packer pk;
  es_error err;
  size_t to = 99;
  make_chunk(&c, d, 3, 600);
  CHECK_EQ_INT(es_bufpool_new(&pool, &err), 0);
  CHECK_EQ_INT(es_bufpool_get(pool, &buf, &err), 0);
  es_packer_begin(&pk, buf);
  CHECK_EQ_INT(es_packer_add(&pk, &c, 0, c.nrows, 2000, &to, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "line 2");
  CHECK_CONTAINS(err.msg, "message limit");
  CHECK_EQ_INT(to, 0);
  es_msgbuf_put(buf);
  es_bufpool_release(pool);
  es_chunk_free(&c);
}

/* gRPC may drop a sent message after the producer (and its pool) are gone. */
static void check_slice_outlives_pool(void) {
  es_bufpool *pool;
  es_msgbuf *a, *b, *again;
  es_error err;
  grpc_slice s;
  CHECK_EQ_INT(es_bufpool_new(&pool, &err), 0);
  CHECK_EQ_INT(es_bufpool_get(pool, &a, &err), 0);
  CHECK_EQ_INT(es_msgbuf_reserve(a, 100000, &err), 0);
  CHECK(a->cap >= 100000);
  memset(a->data, 7, 100000);
  /* a returned buffer is reused, capacity and all */
  es_msgbuf_put(a);
  CHECK_EQ_INT(es_bufpool_get(pool, &again, &err), 0);
  CHECK(again == a && again->cap >= 100000);
  s = es_msgbuf_slice(again, 10, 500);
  CHECK_EQ_INT(GRPC_SLICE_LENGTH(s), 500);
  CHECK_EQ_INT(GRPC_SLICE_START_PTR(s)[0], 7);
  CHECK_EQ_INT(es_bufpool_get(pool, &b, &err), 0);
  CHECK(b != again);
  es_msgbuf_put(b);
  es_bufpool_release(pool);
  CHECK_EQ_INT(GRPC_SLICE_START_PTR(s)[499], 7); /* still valid (ASan would tell) */
  grpc_slice_unref(s);                           /* frees the buffer and, last, the pool */
}

/* A file of one chunk bigger than a batch comes out as one message per chunk. */
static void check_producer_batches(void) {
  char dir[200], path[256];
  es_producer p;
  es_error err;
  es_msg m;
  FILE *f;
  size_t r, k, rows = 0, msgs = 0, sizes[8];
  int rc;
  td_make(dir, sizeof(dir), "pack");
  snprintf(path, sizeof(path), "%s/r.csv", dir);
  f = fopen(path, "w");
  fprintf(f, "id,company_name,exp_years,english_level,primary_keyword,vector\n");
  for (r = 1; r <= 3000; r++) {
    fprintf(f, "0190a8c2-1111-7000-8000-%012zu,Co %zu,3,Intermediate,Go,\"[", r, r);
    for (k = 0; k < 4; k++) fprintf(f, "%s%zu.5", k ? ", " : "", r);
    fprintf(f, "]\"\n");
  }
  fclose(f);
  CHECK_EQ_INT(es_producer_init(&p, es_domain_find("recruit"), 1300, 1 << 20, &err), 0);
  CHECK_EQ_INT(es_producer_open(&p, path, &err), 0);
  CHECK_EQ_INT(es_producer_start(&p, &err), 0);
  while ((rc = es_producer_pop(&p, &m, &err)) > 0) {
    if (msgs < 8) sizes[msgs] = m.rows;
    rows += m.rows;
    msgs++;
    CHECK_EQ_INT(grpc_byte_buffer_length(m.bb), m.bytes);
    grpc_byte_buffer_destroy(m.bb);
  }
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(rows, 3000);
  CHECK_EQ_INT(msgs, 3);
  CHECK(msgs == 3 && sizes[0] == 1300 && sizes[1] == 1300 && sizes[2] == 400);
  es_producer_free(&p);
  td_remove(dir);
}

int main(void) {
  grpc_init();
  check_same_bytes("recruit", 1, 1, 1);       /* a message under 128 bytes */
  check_same_bytes("recruit", 300, 16, 7);    /* 2-byte length */
  check_same_bytes("candidate", 257, 64, 64); /* lists; 3-byte length */
  check_same_bytes("skill_embedding_dic", 40, 8, 512);
  check_same_bytes("recruit", 1400, 384, 512); /* over 2 MiB: 4-byte length */
  check_split();
  check_row_too_large();
  check_slice_outlives_pool();
  check_producer_batches();
  grpc_shutdown();
  return tap_done("test_client_pack");
}
