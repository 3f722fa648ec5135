/* test_parquet_loader.c - the .parquet loader over the committed fixtures
   (tests/fixtures/parquet/, made by make_fixtures.py): row counts and exact values, the column
   rules, errors naming row group, row and column, and every truncation and many corruptions of
   each file refused cleanly (the suite runs this under ASan and UBSan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "core/validate.h"
#include "load/loader.h"
#include "load/parquet/parquet.h"
#include "load_testutil.h"
#include "tap.h"

static uint8_t *slurp(const char *name, size_t *len) {
  const char *src = getenv("ES_SOURCE_DIR");
  char path[1024];
  FILE *f;
  uint8_t *buf;
  long n;
  snprintf(path, sizeof(path), "%s/tests/fixtures/parquet/%s", src ? src : ".", name);
  if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET)) {
    perror(path);
    exit(1);
  }
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(1);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Every row the loader hands out passes the server's checks at the first row's dimension (the
   loader says it checks them; this holds it to that independently, for mangled files too). */
static int valid_rows(es_chunk *c, size_t from, int32_t *dim) {
  size_t i;
  es_error err;
  for (i = from; i < c->nrows; i++) {
    es_value *row = es_chunk_row(c, i);
    if (!*dim) *dim = (int32_t)row[c->domain->vector].vec.n;
    if (es_validate_row(c->domain, row, *dim, &err)) {
      fprintf(stderr, "# a row the server refuses: %s\n", err.msg);
      return 0;
    }
  }
  return 1;
}

/* Reads every row of buf into c (chunks of max_rows); the row count or the negative error. */
static long load(const uint8_t *buf, size_t len, const char *domain, int ignore, size_t max_rows,
                 es_chunk *c, es_error *err) {
  const es_domain *d = es_domain_find(domain);
  es_loader_opts opts = {ignore};
  es_loader *l;
  long total = 0;
  int32_t dim = 0;
  int n;
  es_chunk_init(c, d);
  es_err_clear(err);
  if ((n = es_parquet_open_mem(buf, len, "f.parquet", d, &opts, &l, err))) return n;
  while ((n = es_loader_next(l, c, max_rows, err)) > 0) {
    total += n;
    if (!valid_rows(c, (size_t)(total - n), &dim)) {
      n = ES_EINTERNAL;
      break;
    }
  }
  es_loader_close(l);
  return n < 0 ? n : total;
}

static void test_good(void) {
  static const struct {
    const char *file, *domain;
    long rows;
  } good[] = {{"legacy2_skill.parquet", "skill_embedding_dic", 6},
              {"legacy1_candidate.parquet", "candidate", 7},
              {"encodings_recruit.parquet", "recruit", 300},
              {"pandas_ints.parquet", "recruit", 5},
              {"codec_snappy.parquet", "recruit", 40},
              {"codec_zstd.parquet", "recruit", 40},
              {"codec_lz4_raw.parquet", "recruit", 40},
              {"codec_brotli.parquet", "recruit", 40}};
  size_t i, len, max_rows;
  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    uint8_t *buf = slurp(good[i].file, &len);
    es_chunk c;
    es_error err;
    for (max_rows = 1; max_rows <= 1000; max_rows *= 7) { /* chunks across row groups and pages */
      CHECK_EQ_INT(load(buf, len, good[i].domain, 0, max_rows, &c, &err), good[i].rows);
      if (err.code) fprintf(stderr, "%s: %s\n", good[i].file, err.msg);
      es_chunk_free(&c);
    }
    free(buf);
  }
}

/* A few values that only a right reading gives (the integration test compares every row). */
static void test_values(void) {
  size_t len;
  uint8_t *buf = slurp("legacy2_skill.parquet", &len);
  es_chunk c;
  es_error err;
  es_value *row;
  CHECK_EQ_INT(load(buf, len, "skill_embedding_dic", 0, 100, &c, &err), 6);
  row = es_chunk_row(&c, 2);
  CHECK_STR(row[0].s, "데이터 분석");
  CHECK_STR(es_chunk_row(&c, 1)[1].s, ""); /* a null text is "" */
  CHECK_EQ_INT(row[2].vec.n, 8);
  /* DOUBLE narrowed as the CSV path narrows: 0.1, -0.0, 16777217 -> 16777216, 1e-46 -> 0,
     FLT_MAX + half an ulp -> FLT_MAX */
  CHECK_EQ_INT(tu_bits(row[2].vec.v[0]), 0x3dcccccd);
  CHECK_EQ_INT(tu_bits(row[2].vec.v[1]), 0x80000000u);
  CHECK_EQ_INT(tu_bits(row[2].vec.v[2]), 0x4b800000);
  CHECK_EQ_INT(tu_bits(row[2].vec.v[3]), 0);
  CHECK_EQ_INT(tu_bits(row[2].vec.v[4]), 0x7f7fffff);
  CHECK_EQ_INT(c.lines[5], 6); /* lines count rows from 1 */
  es_chunk_free(&c);
  free(buf);
  buf = slurp("legacy1_candidate.parquet", &len);
  CHECK_EQ_INT(load(buf, len, "candidate", 0, 3, &c, &err), 7);
  es_chunk_free(&c);
  CHECK_EQ_INT(load(buf, len, "candidate", 0, 100, &c, &err), 7);
  row = es_chunk_row(&c, 6);
  CHECK_EQ_INT(row[4].list.n, 20);                /* skills */
  CHECK_EQ_INT(es_chunk_row(&c, 2)[4].list.n, 0); /* a null list is no skills */
  CHECK_EQ_INT(es_chunk_row(&c, 3)[2].i, 2147483647);
  CHECK_EQ_INT(es_chunk_row(&c, 4)[2].i, 5);
  CHECK_STR(es_chunk_row(&c, 0)[3].s, "line1\nline2");
  es_chunk_free(&c);
  free(buf);
}

static void expect_error(const char *file, const char *domain, int ignore, const char *want) {
  size_t len;
  uint8_t *buf = slurp(file, &len);
  es_chunk c;
  es_error err;
  CHECK_EQ_INT(load(buf, len, domain, ignore, 100, &c, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, want);
  es_chunk_free(&c);
  free(buf);
}

/* Once refused, a file stays refused with the same message, which names the file once: a row
   the server's checks refuse, and one the reader itself refuses. */
static void expect_repeated(const char *file, const char *domain) {
  const es_domain *d = es_domain_find(domain);
  size_t len;
  uint8_t *buf = slurp(file, &len);
  es_loader *l = NULL;
  es_chunk c;
  es_error err, again;
  int n = 0;
  es_chunk_init(&c, d);
  CHECK_EQ_INT(es_parquet_open_mem(buf, len, "f.parquet", d, NULL, &l, &err), 0);
  while (l && (n = es_loader_next(l, &c, 100, &err)) > 0) {}
  CHECK_EQ_INT(n, ES_EINVAL);
  CHECK_EQ_INT(l ? es_loader_next(l, &c, 100, &again) : 0, ES_EINVAL);
  CHECK_STR(again.msg, err.msg);
  CHECK(!strncmp(err.msg, "f.parquet: ", 11) && !strstr(err.msg + 1, "f.parquet"));
  es_loader_close(l);
  es_chunk_free(&c);
  free(buf);
}

static void test_refusals(void) {
  size_t len;
  uint8_t *buf;
  es_chunk c;
  es_error err;
  expect_error(
      "null_vector.parquet", "skill_embedding_dic", 0,
      "f.parquet: row group 0: column 'vector': byte 88: row index 2 (row 2 in its row group): null vector");
  expect_error(
      "null_key.parquet", "skill_embedding_dic", 0,
      "column 'skill': byte 4: row index 1 (row 1 in its row group): null in the key column");
  expect_error("null_item.parquet", "skill_embedding_dic", 0, "item 1 of the list is null");
  expect_error("bit_packed_levels.parquet", "skill_embedding_dic", 0, "levels encoded BIT_PACKED");
  expect_error("int_range.parquet", "recruit", 0,
               "row group 1: column 'exp_years': byte 401: row index 2 (row 0 in its row group)");
  expect_error("unsigned.parquet", "recruit", 0, "4294967295: integer out of the int32 range");
  expect_error("missing_column.parquet", "recruit", 1, "f.parquet: missing column exp_years");
  /* rows the reader decodes but the server would refuse: named by row group, row and column */
  expect_error("negative_count.parquet", "recruit", 0,
               "f.parquet: row index 2: field 'exp_years': -1 is negative");
  expect_error("nan_vector.parquet", "skill_embedding_dic", 0,
               "f.parquet: row index 1: field 'vector': value 1 is not finite");
  expect_error(
      "double_overflow.parquet", "skill_embedding_dic", 0,
      "f.parquet: row index 2: field 'vector': value 0 is not finite (row group 0, row 2 in it)");
  expect_error(
      "ragged_vector.parquet", "skill_embedding_dic", 0,
      "f.parquet: row index 2: field 'vector': 2 values, expected 3 as in the first row (row index 0) (row group 1, row 0 in it)");
  expect_error("empty_vector.parquet", "skill_embedding_dic", 0,
               "f.parquet: row index 0: field 'vector': 0 values");
  expect_error("empty_key.parquet", "skill_embedding_dic", 0,
               "f.parquet: row index 1: field 'skill': must not be empty");
  expect_error("bad_uuid.parquet", "recruit", 0,
               "f.parquet: row index 1: field 'id': '0190a3c2-7b1e-4cc1-9a2b' is not a UUID");
  /* an unknown column: refused, or with ignore_unknown_columns dropped and never read (its
     data is LZO-compressed, which reading would refuse) */
  expect_error("extra_columns.parquet", "skill_embedding_dic", 0, "unknown column 'salary'");
  buf = slurp("extra_columns.parquet", &len);
  CHECK_EQ_INT(load(buf, len, "skill_embedding_dic", 1, 100, &c, &err), 3);
  es_chunk_free(&c);
  /* the file of another domain: its columns named */
  CHECK_EQ_INT(load(buf, len, "recruit", 0, 100, &c, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg,
                 "missing columns id, company_name, exp_years, english_level, primary_keyword");
  es_chunk_free(&c);
  free(buf);
}

/* Cut short anywhere, or with bytes overwritten: an error (or, for a byte the reader does not
   look at, the rows), never a crash, a read outside the buffer or a runaway allocation. */
static void test_mangled(const char *file, const char *domain) {
  size_t len, i, bad = 0;
  uint8_t *buf = slurp(file, &len), *copy = malloc(len);
  es_chunk c;
  es_error err;
  long n;
  for (i = 0; i < len; i++) {
    memcpy(copy, buf, i); /* a copy of exactly i bytes */
    n = load(copy, i, domain, 0, 50, &c, &err);
    es_chunk_free(&c);
    if (n != ES_EINVAL || !strstr(err.msg, "f.parquet: ")) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  for (i = 0; i < len * 3; i++) {
    memcpy(copy, buf, len);
    copy[(i * 7919) % len] ^= (uint8_t)(1u << (i % 8));
    copy[(i * 104729 + 13) % len] = (uint8_t)(i * 31);
    n = load(copy, len, domain, 0, 50, &c, &err);
    es_chunk_free(&c);
    if (n < 0 && n != ES_EINVAL) bad++;
  }
  CHECK_EQ_INT(bad, 0);
  free(copy);
  free(buf);
}

int main(void) {
  test_good();
  test_values();
  test_refusals();
  expect_repeated("negative_count.parquet", "recruit");
  expect_repeated("null_key.parquet", "skill_embedding_dic");
  test_mangled("legacy2_skill.parquet", "skill_embedding_dic");
  test_mangled("legacy1_candidate.parquet", "candidate");
  test_mangled("pandas_ints.parquet", "recruit");
  test_mangled("codec_snappy.parquet", "recruit");
  return tap_done("test_parquet_loader");
}
