/* test_client_split.c - messages never exceed the limit: chunks split at exact row boundaries,
   and a row too large for any message is an input error naming its line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "core/codec.h"
#include "core/domain.h"
#include "rowfix.h"
#include "tap.h"

/* Rows of varying size (the company name grows), on source lines 2, 3, ... */
static void fill_recruit(es_chunk *c, size_t nrows, int dim) {
  size_t r;
  int k;
  for (r = 0; r < nrows; r++) {
    char id[37], name[256];
    float *v = es_arena_calloc(&c->arena, (size_t)dim, sizeof(float));
    for (k = 0; k < dim; k++) v[k] = (float)k * 0.25f - (float)r;
    fx_id(id, r);
    memset(name, 'x', sizeof(name));
    name[(r * 37) % 200] = '\0';
    fx_recruit(c, r + 2, id, name, (int32_t)r, "Intermediate", "Go", v, (size_t)dim);
  }
}

static size_t rows_bytes(const es_chunk *c, size_t from, size_t to) {
  size_t s = 0;
  for (; from < to; from++) s += es_codec_row_size(c, from);
  return s;
}

/* Packs [from, to) as the split said and decodes it back: the size must be exact. */
static void check_message(const es_chunk *c, size_t from, size_t to, size_t bytes, size_t limit) {
  es_chunk out;
  es_request_info info;
  es_error err;
  uint8_t *buf = malloc(bytes);
  size_t written = 0;
  CHECK(bytes <= limit);
  CHECK_EQ_INT(es_codec_pack_chunk(c, from, to, buf, bytes, &written, &err), 0);
  CHECK_EQ_INT(written, bytes);
  es_chunk_init(&out, c->domain);
  CHECK_EQ_INT(es_codec_unpack_request(&out, buf, written, &info, &err), 0);
  CHECK_EQ_INT(out.nrows, to - from);
  if (out.nrows == to - from && out.nrows)
    CHECK_STR(es_chunk_row(&out, 0)[0].s, es_chunk_row(c, from)[0].s);
  es_chunk_free(&out);
  free(buf);
}

static void test_exact_fit(void) {
  es_chunk c;
  es_error err;
  size_t to = 0, bytes = 0, k = 7, limit;
  es_chunk_init(&c, es_domain_find("recruit"));
  fill_recruit(&c, 20, 384);
  /* a limit of exactly k rows' request takes k rows; one byte less takes k - 1 */
  limit = es_codec_chunk_request_size(rows_bytes(&c, 0, k));
  CHECK_EQ_INT(es_client_split(&c, 0, limit, &to, &bytes, &err), 0);
  CHECK_EQ_INT(to, k);
  CHECK_EQ_INT(bytes, limit);
  check_message(&c, 0, to, bytes, limit);
  CHECK_EQ_INT(es_client_split(&c, 0, limit - 1, &to, &bytes, &err), 0);
  CHECK_EQ_INT(to, k - 1);
  check_message(&c, 0, to, bytes, limit - 1);
  /* from the middle */
  limit = es_codec_chunk_request_size(rows_bytes(&c, 5, 8));
  CHECK_EQ_INT(es_client_split(&c, 5, limit, &to, &bytes, &err), 0);
  CHECK_EQ_INT(to, 8);
  check_message(&c, 5, to, bytes, limit);
  /* a generous limit takes the rest of the chunk in one message */
  CHECK_EQ_INT(es_client_split(&c, 3, 16u << 20, &to, &bytes, &err), 0);
  CHECK_EQ_INT(to, 20);
  CHECK_EQ_INT(bytes, es_codec_chunk_request_size(rows_bytes(&c, 3, 20)));
  es_chunk_free(&c);
}

/* Walking a chunk with a small limit covers every row once, in order, within the limit. */
static void test_walk(void) {
  es_chunk c;
  es_error err;
  size_t from = 0, to, bytes, msgs = 0, limit = 5000;
  es_chunk_init(&c, es_domain_find("recruit"));
  fill_recruit(&c, 50, 384); /* rows of 1.6..1.8 KB: two or three per message */
  while (from < c.nrows) {
    int rc = es_client_split(&c, from, limit, &to, &bytes, &err);
    CHECK_EQ_INT(rc, 0);
    if (rc) break;
    CHECK(to > from);
    check_message(&c, from, to, bytes, limit);
    /* maximal: one more row would not have fitted */
    if (to < c.nrows) CHECK(es_codec_chunk_request_size(rows_bytes(&c, from, to + 1)) > limit);
    from = to;
    msgs++;
  }
  CHECK_EQ_INT(from, 50);
  CHECK(msgs >= 17 && msgs <= 25);
  es_chunk_free(&c);
}

static void test_row_over_limit(void) {
  es_chunk c;
  es_error err;
  size_t to = 99, bytes = 99, one;
  es_chunk_init(&c, es_domain_find("recruit"));
  fill_recruit(&c, 3, 384);
  one = es_codec_chunk_request_size(es_codec_row_size(&c, 1));
  /* row 1 (line 3) alone needs `one` bytes: a limit one byte short refuses it */
  es_err_clear(&err);
  CHECK_EQ_INT(es_client_split(&c, 1, one - 1, &to, &bytes, &err), ES_EINVAL);
  CHECK_EQ_INT(err.code, ES_EINVAL);
  CHECK_CONTAINS(err.msg, "line 3");
  CHECK_CONTAINS(err.msg, "message limit");
  CHECK_EQ_INT(to, 99); /* untouched on error */
  CHECK_EQ_INT(es_client_split(&c, 1, one, &to, &bytes, &err), 0);
  CHECK_EQ_INT(to, 2);
  CHECK_EQ_INT(bytes, one);
  /* a hand-made chunk without line numbers still names the row */
  c.lines[0] = 0;
  CHECK_EQ_INT(es_client_split(&c, 0, 100, &to, &bytes, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "row 0");
  /* nothing left to split is a caller bug, not an input error */
  CHECK_EQ_INT(es_client_split(&c, 3, 1 << 20, &to, &bytes, &err), ES_EINTERNAL);
  es_chunk_free(&c);
}

int main(void) {
  test_exact_fit();
  test_walk();
  test_row_over_limit();
  return tap_done("test_client_split");
}
