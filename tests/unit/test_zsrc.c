/* test_zsrc.c - .gz and .zst input: the same rows as the plain file (also parsed in parallel),
   concatenated members and frames, truncated or corrupt data refused naming the file, and a
   decompression bomb read in bounded memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

#include "load/reader.h"
#include "load_testutil.h"
#include "tap.h"

/* data gzipped (one member) into a malloc'd buffer. */
static unsigned char *gzip_bytes(const void *data, size_t n, size_t *out_len) {
  z_stream s;
  size_t cap = compressBound((uLong)n) + 64;
  unsigned char *out = malloc(cap);
  memset(&s, 0, sizeof(s));
  if (!out || deflateInit2(&s, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(1);
  s.next_in = (Bytef *)(uintptr_t)data;
  s.avail_in = (uInt)n;
  s.next_out = out;
  s.avail_out = (uInt)cap;
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) exit(1);
  *out_len = s.total_out;
  deflateEnd(&s);
  return out;
}

static unsigned char *zstd_bytes(const void *data, size_t n, size_t *out_len) {
  size_t cap = ZSTD_compressBound(n);
  unsigned char *out = malloc(cap);
  if (!out) exit(1);
  *out_len = ZSTD_compress(out, cap, data, n, 3);
  if (ZSTD_isError(*out_len)) exit(1);
  return out;
}

/* Everything a reader gives for path, or the error. */
static int read_all(const char *path, es_buf *out, es_error *err) {
  es_reader r;
  int rc;
  es_buf_clear(out);
  if ((rc = es_reader_open(&r, path, err))) return rc;
  for (;;) {
    es_buf_put(out, r.buf + r.pos, r.len - r.pos);
    r.pos = r.len;
    if ((rc = es_reader_more(&r, err)) != 0) break;
  }
  es_reader_close(&r);
  return rc < 0 ? rc : 0;
}

static const char text[] =
    "id,company_name,exp_years,english_level,primary_keyword,vector\n"
    "018cc261-3640-761a-9ba6-eeddd364f291,\"Umbrella,\nInc.\",27,,gRPC,\"[1, 2]\"\n"
    "018cc261-3640-761a-9ba6-eeddd364f292,Acme,3,B2,C,\"[3, 4]\"\n";

static void round_trips(void) {
  unsigned char *a, *b;
  size_t na, nb;
  es_buf got = ES_BUF_INIT, both = ES_BUF_INIT;
  es_error err;
  a = gzip_bytes(text, sizeof(text) - 1, &na);
  CHECK_EQ_INT(read_all(tu_write_n("r.csv.gz", (char *)a, na), &got, &err), 0);
  CHECK(got.len == sizeof(text) - 1 && !memcmp(got.ptr, text, got.len));
  /* Two members one after the other (cat a.gz b.gz, pigz) read as one stream. */
  es_buf_put(&both, (char *)a, na);
  es_buf_put(&both, (char *)a, na);
  CHECK_EQ_INT(read_all(tu_write_n("two.csv.gz", both.ptr, both.len), &got, &err), 0);
  CHECK_EQ_INT(got.len, 2 * (sizeof(text) - 1));
  b = zstd_bytes(text, sizeof(text) - 1, &nb);
  CHECK_EQ_INT(read_all(tu_write_n("r.csv.ZST", (char *)b, nb), &got, &err), 0);
  CHECK(got.len == sizeof(text) - 1 && !memcmp(got.ptr, text, got.len));
  es_buf_clear(&both);
  es_buf_put(&both, (char *)b, nb);
  es_buf_put(&both, (char *)b, nb);
  CHECK_EQ_INT(read_all(tu_write_n("two.csv.zst", both.ptr, both.len), &got, &err), 0);
  CHECK_EQ_INT(got.len, 2 * (sizeof(text) - 1));
  free(a);
  free(b);
  es_buf_free(&got);
  es_buf_free(&both);
}

/* Cut short anywhere, or damaged, or not compressed at all: refused, naming the file. */
static void broken(void) {
  unsigned char *a, *b;
  size_t na, nb, cut;
  es_buf got = ES_BUF_INIT;
  es_error err;
  int bad = 0;
  a = gzip_bytes(text, sizeof(text) - 1, &na);
  b = zstd_bytes(text, sizeof(text) - 1, &nb);
  for (cut = 0; cut < na; cut++)
    if (read_all(tu_write_n("cut.csv.gz", (char *)a, cut), &got, &err) != ES_EINVAL ||
        !strstr(err.msg, "cut.csv.gz"))
      bad++;
  CHECK_EQ_INT(bad, 0);
  CHECK_CONTAINS(err.msg, "truncated gzip data");
  for (bad = 0, cut = 0; cut < nb; cut++)
    if (read_all(tu_write_n("cut.csv.zst", (char *)b, cut), &got, &err) != ES_EINVAL ||
        !strstr(err.msg, "cut.csv.zst"))
      bad++;
  CHECK_EQ_INT(bad, 0);
  CHECK_CONTAINS(err.msg, "truncated zstd data");
  a[na / 2] ^= 0x55;
  CHECK_EQ_INT(read_all(tu_write_n("bad.csv.gz", (char *)a, na), &got, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "bad.csv.gz");
  CHECK_EQ_INT(read_all(tu_write("plain.jsonl.zst", "{\"id\": 1}\n"), &got, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "plain.jsonl.zst: not valid zstd data");
  /* Through the loader the same message reaches the user. */
  {
    es_chunk c;
    CHECK_EQ_INT(tu_load(tu_write_n("cut2.csv.gz", (char *)a, na / 3), "recruit", &c, 10, &err),
                 ES_EINVAL);
    CHECK_CONTAINS(err.msg, "cut2.csv.gz");
    es_chunk_free(&c);
  }
  free(a);
  free(b);
  es_buf_free(&got);
}

/* The same rows and lines from plain, .gz and .zst, on one thread and on three. */
static void same_rows(void) {
  unsigned char *a, *b;
  size_t na, nb;
  es_loader_opts par = {0};
  es_buf plain = ES_BUF_INIT, got = ES_BUF_INIT;
  const char *gz, *zst;
  tu_dump(tu_write("r.csv", text), NULL, "recruit", NULL, &plain);
  CHECK_CONTAINS(plain.ptr, "end");
  a = gzip_bytes(text, sizeof(text) - 1, &na);
  b = zstd_bytes(text, sizeof(text) - 1, &nb);
  gz = tu_write_n("rows.csv.gz", (char *)a, na);
  zst = tu_write_n("rows.csv.zst", (char *)b, nb);
  tu_dump(gz, NULL, "recruit", NULL, &got);
  CHECK_STR(got.ptr, plain.ptr);
  tu_dump(zst, NULL, "recruit", NULL, &got);
  CHECK_STR(got.ptr, plain.ptr);
  par.threads = 3;
  setenv("ES_PAR_PIECE_BYTES", "16", 1);
  tu_dump(gz, NULL, "recruit", &par, &got);
  CHECK_STR(got.ptr, plain.ptr);
  unsetenv("ES_PAR_PIECE_BYTES");
  free(a);
  free(b);
  es_buf_free(&plain);
  es_buf_free(&got);
}

static long max_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* 256 MiB of newlines in a file of a quarter MiB: read through whole, memory does not follow. */
static void bomb(void) {
  const size_t piece = 1 << 20, total = (size_t)256 << 20;
  char *zeros = malloc(piece);
  unsigned char out[1 << 16];
  es_buf file = ES_BUF_INIT;
  es_reader r;
  es_error err;
  z_stream s;
  size_t fed;
  uint64_t seen = 0;
  long before;
  int rc;
  memset(zeros, '\n', piece);
  memset(&s, 0, sizeof(s));
  deflateInit2(&s, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY);
  for (fed = 0; fed < total; fed += piece) {
    s.next_in = (Bytef *)zeros;
    s.avail_in = (uInt)piece;
    do {
      s.next_out = out;
      s.avail_out = sizeof(out);
      deflate(&s, fed + piece == total ? Z_FINISH : Z_NO_FLUSH);
      es_buf_put(&file, (char *)out, sizeof(out) - s.avail_out);
    } while (s.avail_out == 0);
  }
  deflateEnd(&s);
  free(zeros);
  CHECK(file.len < total / 500);
  tu_write_n("bomb.csv.gz", file.ptr, file.len);
  es_buf_free(&file);
  before = max_rss_kib();
  CHECK_EQ_INT(es_reader_open(&r, tu_path("bomb.csv.gz"), &err), 0);
  do {
    seen += r.len - r.pos;
    r.pos = r.len;
  } while ((rc = es_reader_more(&r, &err)) == 0);
  CHECK_EQ_INT(rc, 1);
  CHECK_EQ_INT(seen, total);
  CHECK(es_reader_progress(&r) > 0);
  es_reader_close(&r);
  /* The reader's 1 MiB buffer and zlib's window, not the data: well under 16 MiB more. */
  CHECK(max_rss_kib() - before < 16 * 1024);
}

int main(void) {
  tu_init();
  round_trips();
  broken();
  same_rows();
  bomb();
  tu_cleanup();
  return tap_done("test_zsrc");
}
