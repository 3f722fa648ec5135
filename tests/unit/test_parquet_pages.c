/* test_parquet_pages.c - column chunks built here page by page: page headers, v1 and v2 data
   pages, dictionaries, every codec Debian decodes for us, and the checks that come before any
   allocation (a page past its chunk, a size claim its compressed bytes cannot hold). */
#include <lz4.h>
#include <snappy-c.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "load/parquet/column.h"
#include "load/parquet/names.h"
#include "load/parquet/page.h"
#include "pq_build.h"
#include "tap.h"

/* Compresses src with codec into out; returns the compressed size. */
static size_t compress_with(int codec, const uint8_t *src, size_t n, uint8_t *out, size_t cap) {
  size_t len = cap;
  z_stream zs;
  switch (codec) {
  case ES_PQ_SNAPPY: snappy_compress((const char *)src, n, (char *)out, &len); return len;
  case ES_PQ_ZSTD: return ZSTD_compress(out, cap, src, n, 3);
  case ES_PQ_LZ4_RAW:
    return (size_t)LZ4_compress_default((const char *)src, (char *)out, (int)n, (int)cap);
  case ES_PQ_GZIP:
    memset(&zs, 0, sizeof(zs));
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY); /* + 16: a gzip header */
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    len = zs.total_out;
    deflateEnd(&zs);
    return len;
  default: memcpy(out, src, n); return n;
  }
}

/* One page: header (with its data, dictionary or v2 part) and body. */
typedef struct page_spec {
  int type, codec, encoding, nvals, nulls;
  const uint8_t *body; /* uncompressed: levels (v1: with lengths) and values */
  size_t n;
  size_t lv;            /* v2: level bytes at the front, never compressed */
  int32_t usize, csize; /* when non-zero: lie about the sizes */
} page_spec;

static void page(pqb *f, const page_spec *ps) {
  size_t cap = ps->n * 2 + 1024, clen;
  uint8_t *comp = malloc(cap);
  pqb h = {0};
  if (!comp) abort();
  memcpy(comp, ps->body, ps->lv);
  clen = ps->lv +
         compress_with(ps->codec, ps->body + ps->lv, ps->n - ps->lv, comp + ps->lv, cap - ps->lv);
  pqb_begin(&h);
  pqb_i32(&h, 1, ps->type);
  pqb_i32(&h, 2, ps->usize ? ps->usize : (int32_t)ps->n);
  pqb_i32(&h, 3, ps->csize ? ps->csize : (int32_t)clen);
  pqb_struct(&h, ps->type == ES_PQ_DICTIONARY_PAGE ? 7 : ps->type == ES_PQ_DATA_PAGE_V2 ? 8 : 5);
  pqb_i32(&h, 1, ps->nvals);
  if (ps->type == ES_PQ_DATA_PAGE_V2) {
    pqb_i32(&h, 2, ps->nulls);
    pqb_i32(&h, 3, ps->nvals);
    pqb_i32(&h, 4, ps->encoding);
    pqb_i32(&h, 5, (int64_t)ps->lv); /* all levels are definition levels here */
    pqb_i32(&h, 6, 0);
  } else {
    pqb_i32(&h, 2, ps->encoding);
    if (ps->type == ES_PQ_DATA_PAGE) {
      pqb_i32(&h, 3, ES_PQ_RLE);
      pqb_i32(&h, 4, ES_PQ_RLE);
    }
  }
  pqb_end(&h);
  pqb_end(&h);
  pqb_bytes(f, h.p, h.n);
  pqb_bytes(f, comp, clen);
  pqb_free(&h);
  free(comp);
}

/* Reads every value of an INT32 column chunk file[4, f->n) as int64; returns the count or the
   negative error. */
/* After read_ints: the bytes its page buffers took fresh from the kernel (zero-filled on first
   write), and what the buffer holding less held at the end. */
static uint64_t last_fresh;
static size_t last_idle;

static long read_ints(const pqb *f, int codec, int max_def, int64_t num_values, int64_t *out,
                      es_error *err) {
  es_pq_colspec spec;
  es_pq_chunk ch;
  es_pq_col c;
  uint64_t budget = 1 << 20;
  long n = 0;
  int rc;
  memset(&spec, 0, sizeof(spec));
  memset(&c, 0, sizeof(c));
  spec.name = "exp_years";
  spec.type = ES_PQ_INT32;
  spec.max_def = max_def;
  ch.type = ES_PQ_INT32;
  ch.codec = codec;
  ch.num_values = num_values;
  ch.start = 4;
  ch.end = f->n;
  es_err_clear(err);
  rc = es_pq_col_open(&c, &spec, &ch, f->p, 0, &budget, err);
  while (!rc && (rc = es_pq_col_more(&c, err)) > 0) {
    size_t k = c.nb - c.ib, present = 0, i;
    for (i = 0; i < k; i++) present += c.defs[c.ib + i] == max_def;
    if ((rc = es_pq_vals_i64(&c.vals, out + n, present, 0, err))) break;
    n += (long)present;
    c.ib = c.nb;
  }
  last_fresh = c.pb[0].fresh + c.pb[1].fresh;
  last_idle = c.pb[0].touched < c.pb[1].touched ? c.pb[0].touched : c.pb[1].touched;
  es_pq_col_free(&c);
  return rc < 0 ? rc : n;
}

/* A v1 page of n PLAIN INT32 values start, start+1, ... */
static size_t plain_ints(uint8_t *body, int start, int n) {
  int i;
  for (i = 0; i < n; i++) {
    int32_t v = start + i;
    memcpy(body + 4 * i, &v, 4);
  }
  return (size_t)n * 4;
}

static void test_codecs(void) {
  static const int codecs[] = {ES_PQ_UNCOMPRESSED, ES_PQ_SNAPPY, ES_PQ_GZIP, ES_PQ_ZSTD,
                               ES_PQ_LZ4_RAW};
  uint8_t body[4096];
  int64_t out[2000];
  es_error err;
  size_t k;
  for (k = 0; k < sizeof(codecs) / sizeof(codecs[0]); k++) {
    pqb f = {0};
    page_spec ps = {ES_PQ_DATA_PAGE, codecs[k], ES_PQ_PLAIN, 1000, 0, body, 0, 0, 0, 0};
    pqb_bytes(&f, "PAR1", 4);
    ps.n = plain_ints(body, 0, 1000);
    page(&f, &ps);
    ps.n = plain_ints(body, 1000, 500);
    ps.nvals = 500;
    page(&f, &ps);
    CHECK_EQ_INT(read_ints(&f, codecs[k], 0, 1500, out, &err), 1500);
    CHECK_EQ_INT(out[0], 0);
    CHECK_EQ_INT(out[1499], 1499);
    /* One byte less of the chunk: the second page no longer fits. */
    f.n--;
    CHECK_EQ_INT(read_ints(&f, codecs[k], 0, 1500, out, &err), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "past the end of its column chunk");
    pqb_free(&f);
  }
}

static void expect_page_error(const page_spec *ps, int codec, const char *want) {
  int64_t out[2000];
  es_error err;
  pqb f = {0};
  pqb_bytes(&f, "PAR1", 4);
  page(&f, ps);
  CHECK_EQ_INT(read_ints(&f, codec, 0, ps->nvals, out, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, want);
  pqb_free(&f);
}

static void test_page_lies(void) {
  uint8_t body[4096];
  size_t n = plain_ints(body, 0, 100);
  page_spec ps = {ES_PQ_DATA_PAGE, ES_PQ_SNAPPY, ES_PQ_PLAIN, 100, 0, body, n, 0, 0, 0};
  ps.usize = 0x7fffffff; /* 2 GiB claimed: refused before anything is allocated */
  expect_page_error(&ps, ES_PQ_SNAPPY,
                    "byte 4: a page of 2147483647 bytes uncompressed (more than 268435456)");
  ps.usize = 1000; /* snappy's own length header disagrees */
  expect_page_error(&ps, ES_PQ_SNAPPY,
                    "the SNAPPY data holds 400 bytes but the page header says 1000");
  ps.usize = 0;
  ps.codec = ES_PQ_GZIP; /* gzip data read as zstd */
  expect_page_error(&ps, ES_PQ_ZSTD, "corrupt ZSTD data");
  ps.codec = ES_PQ_LZ4_RAW;
  ps.usize = 400 * 1000; /* more than LZ4 can expand to */
  expect_page_error(&ps, ES_PQ_LZ4_RAW,
                    "compressed bytes cannot hold the 400000 bytes the page header claims");
  ps.usize = 0;
  ps.codec = ES_PQ_ZSTD;
  expect_page_error(&ps, ES_PQ_LZO, "compression LZO is not supported");
  expect_page_error(&ps, ES_PQ_LZ4,
                    "compression LZ4 (the deprecated Hadoop framing) is not supported");
  ps.codec = ES_PQ_UNCOMPRESSED;
  ps.usize = 404;
  expect_page_error(&ps, ES_PQ_UNCOMPRESSED,
                    "an uncompressed page of 400 bytes whose header says 404");
  ps.usize = 0;
  ps.type = 9;
  expect_page_error(&ps, ES_PQ_UNCOMPRESSED, "a page of unknown page type 9");
  ps.type = ES_PQ_DATA_PAGE;
  ps.csize = -1;
  expect_page_error(&ps, ES_PQ_UNCOMPRESSED, "a negative page size");
  ps.csize = 0;
  ps.encoding = ES_PQ_RLE_DICTIONARY;
  expect_page_error(&ps, ES_PQ_UNCOMPRESSED, "a dictionary-encoded page without a dictionary page");
}

static void test_chunk_lies(void) {
  uint8_t body[4096];
  int64_t out[300];
  es_error err;
  pqb f = {0};
  page_spec ps = {ES_PQ_DATA_PAGE, ES_PQ_UNCOMPRESSED, ES_PQ_PLAIN, 100, 0, body, 0, 0, 0, 0};
  pqb_bytes(&f, "PAR1", 4);
  ps.n = plain_ints(body, 0, 100);
  page(&f, &ps);
  CHECK_EQ_INT(read_ints(&f, ES_PQ_UNCOMPRESSED, 0, 150, out, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "the column chunk ends 50 values short of what its metadata says");
  CHECK_EQ_INT(read_ints(&f, ES_PQ_UNCOMPRESSED, 0, 50, out, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "the pages hold more values than the column chunk's metadata says");
  /* A dictionary page after a data page, and one of a second dictionary. */
  ps.type = ES_PQ_DICTIONARY_PAGE;
  ps.nvals = 10;
  ps.n = plain_ints(body, 7, 10);
  page(&f, &ps);
  CHECK_EQ_INT(read_ints(&f, ES_PQ_UNCOMPRESSED, 0, 100, out, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a dictionary page after data pages");
  pqb_free(&f);
  pqb_bytes(&f, "PAR1", 4);
  page(&f, &ps);
  page(&f, &ps);
  CHECK_EQ_INT(read_ints(&f, ES_PQ_UNCOMPRESSED, 0, 0, out, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a second dictionary page in one column chunk");
  pqb_free(&f);
}

/* A dictionary page, then a v1 page of optional values (definition levels with their length)
   and a v2 page whose levels stay uncompressed in front of zstd-compressed indices. */
static void test_dict_and_v2(void) {
  uint8_t body[256], *p;
  int64_t out[32];
  es_error err;
  pqb f = {0};
  page_spec ps = {ES_PQ_DICTIONARY_PAGE, ES_PQ_ZSTD, ES_PQ_PLAIN, 3, 0, body, 0, 0, 0, 0};
  pqb_bytes(&f, "PAR1", 4);
  ps.n = plain_ints(body, 40, 3); /* the dictionary: 40, 41, 42 */
  page(&f, &ps);
  /* v1: 8 levels 1,0,1,1,0,1,1,1 (bit-packed, width 1), then indices 2,0,1,2,2,1 (width 2) */
  p = body;
  memcpy(p, "\x02\x00\x00\x00\x03\xed", 6);
  p += 6;
  memcpy(p, "\x02\x03\x92\x06", 4);
  p += 4;
  ps.type = ES_PQ_DATA_PAGE;
  ps.encoding = ES_PQ_RLE_DICTIONARY;
  ps.nvals = 8;
  ps.n = (size_t)(p - body);
  page(&f, &ps);
  /* v2: 4 levels (RLE run of 4 ones), then indices 0,0,0,0 (an RLE run) */
  memcpy(body, "\x08\x01", 2);
  memcpy(body + 2, "\x01\x08\x00", 3);
  ps.type = ES_PQ_DATA_PAGE_V2;
  ps.nvals = 4;
  ps.n = 5;
  ps.lv = 2;
  page(&f, &ps);
  CHECK_EQ_INT(read_ints(&f, ES_PQ_ZSTD, 1, 12, out, &err), 10);
  CHECK(out[0] == 42 && out[1] == 40 && out[2] == 41 && out[3] == 42 && out[4] == 42 &&
        out[5] == 41);
  CHECK(out[6] == 40 && out[9] == 40);
  pqb_free(&f);
}

/* fuzz_parquet found: an empty compressed dictionary page (usize 0) was decompressed into a NULL
   buffer (memcpy(NULL, src, 0), undefined behaviour UBSan reports). */
static void test_empty_compressed_page(void) {
  uint8_t body[64];
  int64_t out[4];
  es_error err;
  pqb f = {0};
  page_spec ps = {ES_PQ_DICTIONARY_PAGE, ES_PQ_SNAPPY, ES_PQ_PLAIN, 0, 0, body, 0, 0, 0, 0};
  pqb_bytes(&f, "PAR1", 4);
  page(&f, &ps);
  ps.type = ES_PQ_DATA_PAGE;
  ps.nvals = 2;
  ps.n = plain_ints(body, 5, 2);
  page(&f, &ps);
  CHECK_EQ_INT(read_ints(&f, ES_PQ_SNAPPY, 0, 2, out, &err), 2);
  CHECK(out[0] == 5 && out[1] == 6);
  pqb_free(&f);
}

/* Pages of PER values: from ES_PQ_AHEAD_MIN to ES_PQ_AHEAD_MAX bytes decompressed ahead on
   another thread, bigger ones in place; either way values come out in order, a corrupt page is
   reported when (and only when) it is reached, and big pages reuse one buffer: fresh memory
   for one page, not for each (the kernel's zero-fill cost more than snappy). */
static void test_ahead(long PER) {
  enum { PAGES = 3 };
  uint8_t *body = malloc((size_t)PER * 4);
  int64_t *out = malloc((size_t)PER * PAGES * 8);
  long i, bad = 0;
  size_t last = 0;
  es_error err;
  int codec, k;
  if (!body || !out) abort();
  for (codec = ES_PQ_SNAPPY; codec <= ES_PQ_ZSTD; codec += ES_PQ_ZSTD - ES_PQ_SNAPPY) {
    pqb f = {0};
    page_spec ps = {ES_PQ_DATA_PAGE, codec, ES_PQ_PLAIN, PER, 0, body, 0, 0, 0, 0};
    pqb_bytes(&f, "PAR1", 4);
    for (k = 0; k < PAGES; k++) {
      ps.n = plain_ints(body, (int)(k * PER), (int)PER);
      last = f.n;
      page(&f, &ps);
    }
    CHECK_EQ_INT(read_ints(&f, codec, 0, (int64_t)PER * PAGES, out, &err), (long)PER * PAGES);
    for (i = 0; i < (long)PER * PAGES; i++) bad += out[i] != i;
    CHECK_EQ_INT(bad, 0);
    if (PER * 4 > (long)ES_PQ_AHEAD_MAX) {
      CHECK(last_fresh < (uint64_t)PER * 4 * 2);
      CHECK_EQ_INT(last_idle, 0);
    }
    /* The last page's compressed blocks damaged (zstd: snappy would take most bytes as literal
       data): the error comes from the decompression ahead, when its page is reached. */
    if (codec == ES_PQ_ZSTD) {
      memset(f.p + last + 40, 0xff, 64); /* past the page header and the frame header */
      CHECK_EQ_INT(read_ints(&f, codec, 0, (int64_t)PER * PAGES, out, &err), ES_EINVAL);
      CHECK_CONTAINS(err.msg, "corrupt ZSTD data");
    }
    pqb_free(&f);
  }
  free(body);
  free(out);
}

/* A big page, one decompressed ahead, a big one: the last goes into the buffer the first used,
   so the idle buffer holds no more than the page decompressed ahead (not two big pages). */
static void test_mixed_sizes(void) {
  const long per[3] = {ES_PQ_AHEAD_MAX / 4 + 1000, ES_PQ_AHEAD_MIN / 4 + 1000,
                       ES_PQ_AHEAD_MAX / 4 + 1000};
  long total = per[0] + per[1] + per[2], i, bad = 0, at = 0;
  uint8_t *body = malloc((size_t)per[0] * 4);
  int64_t *out = malloc((size_t)total * 8);
  pqb f = {0};
  es_error err;
  int k;
  if (!body || !out) abort();
  pqb_bytes(&f, "PAR1", 4);
  for (k = 0; k < 3; k++) {
    page_spec ps = {ES_PQ_DATA_PAGE, ES_PQ_SNAPPY, ES_PQ_PLAIN, per[k], 0, body, 0, 0, 0, 0};
    ps.n = plain_ints(body, (int)at, (int)per[k]);
    page(&f, &ps);
    at += per[k];
  }
  CHECK_EQ_INT(read_ints(&f, ES_PQ_SNAPPY, 0, total, out, &err), total);
  for (i = 0; i < total; i++) bad += out[i] != i;
  CHECK_EQ_INT(bad, 0);
  CHECK(last_idle <= ES_PQ_AHEAD_MAX);
  pqb_free(&f);
  free(body);
  free(out);
}

int main(void) {
  test_mixed_sizes();
  test_ahead(ES_PQ_AHEAD_MIN / 4 + 1000);
  test_ahead(ES_PQ_AHEAD_MAX / 4 + 1000);
  test_empty_compressed_page();
  test_codecs();
  test_page_lies();
  test_chunk_lies();
  test_dict_and_v2();
  return tap_done("test_parquet_pages");
}
