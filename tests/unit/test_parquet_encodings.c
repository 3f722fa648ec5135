/* test_parquet_encodings.c - the Parquet reader's value and level encodings against streams
   encoded here: the RLE/bit-packed hybrid, DELTA_BINARY_PACKED (32- and 64-bit, wrap-around),
   the DELTA byte array encodings, BYTE_STREAM_SPLIT, dictionaries and DOUBLE narrowing. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/parquet/bytes.h"
#include "load/parquet/delta.h"
#include "load/parquet/dict.h"
#include "load/parquet/names.h"
#include "load/parquet/rle.h"
#include "load/parquet/values.h"
#include "pq_build.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* ---- RLE/bit-packed hybrid: encoded here run by run, decoded in random-sized requests ---- */

static void put_bits(pqb *b, const uint32_t *v, size_t n, int bw) {
  uint64_t acc = 0;
  int have = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    acc |= (uint64_t)v[i] << have;
    have += bw;
    while (have >= 8) {
      pqb_byte(b, (uint8_t)acc);
      acc >>= 8;
      have -= 8;
    }
  }
  if (have) pqb_byte(b, (uint8_t)acc);
}

/* A random hybrid stream of n values of width bw; the values go to want. Returns how many
   values the stream holds beyond n (a last bit-packed run's padding). */
static size_t hybrid(pqb *b, uint32_t *want, size_t n, int bw) {
  size_t i = 0, k, j, pad = 0;
  uint32_t mask = bw == 32 ? 0xffffffffu : (1u << bw) - 1;
  while (i < n) {
    if (next_rand() % 2) { /* an RLE run */
      uint32_t v = (uint32_t)next_rand() & mask;
      k = 1 + next_rand() % 300;
      if (k > n - i) k = n - i;
      pqb_varint(b, k << 1);
      for (j = 0; j < (size_t)(bw + 7) / 8; j++) pqb_byte(b, (uint8_t)(v >> (8 * j)));
      for (j = 0; j < k; j++) want[i + j] = v;
    } else { /* bit-packed groups of 8, the last one padded */
      size_t groups = 1 + next_rand() % 20;
      uint32_t vals[160];
      k = groups * 8;
      for (j = 0; j < k; j++) vals[j] = (uint32_t)next_rand() & mask;
      pqb_varint(b, groups << 1 | 1);
      put_bits(b, vals, k, bw);
      if (k > n - i) {
        pad = k - (n - i);
        k = n - i;
      }
      memcpy(want + i, vals, k * sizeof(uint32_t));
    }
    i += k;
  }
  return pad;
}

static void test_rle_random(void) {
  int round;
  for (round = 0; round < 300; round++) {
    int bw = (int)(next_rand() % 33), wide = bw > 8 || next_rand() % 2;
    size_t n = 1 + next_rand() % 3000, got = 0, k, i, bad = 0, pad;
    uint32_t *want = malloc(n * 4), *out = malloc((n + 200) * 4); /* + room for the padding */
    uint8_t *out8 = malloc(n + 200);
    es_pq_rle r;
    es_error err;
    pqb b = {0};
    pad = hybrid(&b, want, n, bw);
    es_pq_rle_init(&r, b.p, b.p + b.n, bw, bw == 32 ? 0xffffffffu : (1u << bw) - 1, 77);
    while (got < n) {
      k = 1 + next_rand() % 700;
      if (k > n - got) k = n - got;
      if (wide ? es_pq_rle_u32(&r, out + got, k, &err) : es_pq_rle_u8(&r, out8 + got, k, &err))
        break;
      got += k;
    }
    CHECK_EQ_INT(got, n);
    for (i = 0; i < got; i++) bad += (wide ? out[i] : out8[i]) != want[i];
    CHECK_EQ_INT(bad, 0);
    /* Asking past the end (and the padding) is an error, not a read past the buffer. */
    CHECK_EQ_INT(
        wide ? es_pq_rle_u32(&r, out, pad + 1, &err) : es_pq_rle_u8(&r, out8, pad + 1, &err),
        ES_EINVAL);
    pqb_free(&b);
    free(want);
    free(out);
    free(out8);
  }
}

static void test_rle_cases(void) {
  /* The spec's example: 0..7 in 3 bits, one bit-packed group. */
  static const uint8_t spec[] = {3, 0x88, 0xc6, 0xfa};
  /* Levels of max 2 in 2 bits: a bit-packed 3 is not a level. */
  static const uint8_t above[] = {3, 0x03, 0, 0, 0};
  /* A run header of more than 32 bits; an RLE run whose value is past the end. */
  static const uint8_t long_hdr[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  static const uint8_t cut[] = {8};
  uint8_t out[16];
  es_pq_rle r;
  es_error err;
  int i;
  es_pq_rle_init(&r, spec, spec + sizeof(spec), 3, 7, 0);
  CHECK_EQ_INT(es_pq_rle_u8(&r, out, 8, &err), 0);
  for (i = 0; i < 8; i++) CHECK_EQ_INT(out[i], i);
  es_pq_rle_init(&r, above, above + sizeof(above), 2, 2, 5);
  CHECK_EQ_INT(es_pq_rle_u8(&r, out, 8, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "byte 5: a bit-packed value 3 above the largest allowed (2)");
  es_pq_rle_init(&r, long_hdr, long_hdr + sizeof(long_hdr), 1, 1, 0);
  CHECK_EQ_INT(es_pq_rle_u8(&r, out, 1, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "run header longer than 32 bits");
  es_pq_rle_init(&r, cut, cut + sizeof(cut), 1, 1, 0);
  CHECK_EQ_INT(es_pq_rle_u8(&r, out, 1, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "an RLE run's value runs past the end");
  /* A run of 2^31 values costs nothing until asked for. */
  {
    pqb b = {0};
    pqb_varint(&b, (uint64_t)0x7fffffff << 1);
    pqb_byte(&b, 1);
    es_pq_rle_init(&r, b.p, b.p + b.n, 1, 1, 0);
    CHECK_EQ_INT(es_pq_rle_u8(&r, out, 16, &err), 0);
    CHECK_EQ_INT(out[15], 1);
    pqb_free(&b);
  }
  CHECK_EQ_INT(es_pq_bit_width(0), 0);
  CHECK_EQ_INT(es_pq_bit_width(1), 1);
  CHECK_EQ_INT(es_pq_bit_width(3), 2);
  CHECK_EQ_INT(es_pq_bit_width(4), 3);
}

/* ---- DELTA_BINARY_PACKED, encoded as the spec says (blocks of 128 in 4 miniblocks) ---- */

static void put_bits64(pqb *b, const uint64_t *v, size_t n, int bw) {
  size_t i;
  int k;
  uint8_t cur = 0;
  int have = 0;
  for (i = 0; i < n; i++)
    for (k = 0; k < bw; k++) {
      cur |= (uint8_t)(((v[i] >> k) & 1) << have);
      if (++have == 8) {
        pqb_byte(b, cur);
        cur = 0;
        have = 0;
      }
    }
  if (have) pqb_byte(b, cur);
}

static int width64(uint64_t v) {
  int w = 0;
  while (v) {
    w++;
    v >>= 1;
  }
  return w;
}

static void delta_encode(pqb *b, const int64_t *v, size_t n, int is32) {
  size_t i = 1, j, m;
  pqb_varint(b, 128);
  pqb_varint(b, 4);
  pqb_varint(b, n);
  pqb_zz(b, n ? v[0] : 0);
  while (i < n) {
    uint64_t d[128], mind = 0;
    size_t k = n - i < 128 ? n - i : 128;
    for (j = 0; j < k; j++) {
      uint64_t x = (uint64_t)v[i + j] - (uint64_t)v[i + j - 1];
      d[j] = is32 ? (uint64_t)(int64_t)(int32_t)(uint32_t)x : x;
      if (!j || (int64_t)d[j] < (int64_t)mind) mind = d[j];
    }
    for (j = k; j < 128; j++) d[j] = mind; /* padding */
    pqb_zz(b, (int64_t)mind);
    for (m = 0; m < 4; m++) {
      uint64_t top = 0;
      for (j = 0; j < 32; j++) top |= d[m * 32 + j] - mind;
      pqb_byte(b, (uint8_t)(m * 32 < k ? width64(top) : 0));
    }
    for (m = 0; m * 32 < k; m++) {
      uint64_t top = 0, x[32];
      for (j = 0; j < 32; j++) top |= x[j] = d[m * 32 + j] - mind;
      put_bits64(b, x, 32, width64(top));
    }
    i += k;
  }
}

static void test_delta(void) {
  int round;
  for (round = 0; round < 200; round++) {
    int is32 = round % 2;
    size_t n = 1 + next_rand() % 1000, got = 0, k, i, bad = 0;
    int64_t *v = malloc(n * 8), *out = malloc(n * 8);
    const uint8_t *end;
    es_pq_delta d;
    es_error err;
    pqb b = {0};
    for (i = 0; i < n; i++) {
      uint64_t r = next_rand();
      int mode = (int)(r % 4);
      v[i] = mode == 0   ? (int64_t)r
             : mode == 1 ? (int64_t)(r % 1000) - 500
             : mode == 2 ? (i ? v[i - 1] + 3 : 7)
                         : INT64_MIN;
      if (is32) v[i] = (int32_t)v[i];
    }
    delta_encode(&b, v, n, is32);
    pqb_bytes(&b, "tail", 4);
    CHECK_EQ_INT(es_pq_delta_init(&d, b.p, b.p + b.n, is32, 0, &err), 0);
    CHECK_EQ_INT(es_pq_delta_end(&d, &end, &err), 0);
    CHECK(end == b.p + b.n - 4);
    while (got < n) {
      k = 1 + next_rand() % 300;
      if (k > n - got) k = n - got;
      if (es_pq_delta_get(&d, out + got, k, &err)) break;
      got += k;
    }
    CHECK_EQ_INT(got, n);
    for (i = 0; i < got; i++) bad += out[i] != v[i];
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(es_pq_delta_get(&d, out, 1, &err), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "holds fewer values than the page");
    pqb_free(&b);
    free(v);
    free(out);
  }
}

static void test_delta_hostile(void) {
  es_pq_delta d;
  es_error err;
  int64_t out[4];
  pqb b = {0};
  pqb_varint(&b, 100); /* not a multiple of 128 */
  pqb_varint(&b, 4);
  pqb_varint(&b, 1);
  pqb_zz(&b, 0);
  CHECK_EQ_INT(es_pq_delta_init(&d, b.p, b.p + b.n, 0, 9, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "byte 9: DELTA_BINARY_PACKED with blocks of 100 values in 4 miniblocks");
  pqb_free(&b);
  /* Claims 2^40 values, then a miniblock of width 64 with no data. */
  pqb_varint(&b, 128);
  pqb_varint(&b, 4);
  pqb_varint(&b, 1ull << 40);
  pqb_zz(&b, 5);
  pqb_zz(&b, 0);
  pqb_bytes(&b, "\x40\x40\x40\x40", 4);
  CHECK_EQ_INT(es_pq_delta_init(&d, b.p, b.p + b.n, 0, 0, &err), 0);
  CHECK_EQ_INT(es_pq_delta_get(&d, out, 2, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a miniblock past the end");
  pqb_free(&b);
}

/* ---- byte arrays ---- */

/* Two DELTA_BYTE_ARRAY values, first and then one that takes pre1 bytes of it and adds nothing,
   which the reader (given budget) accepts at init and refuses on the read with want. */
static void expect_dba_refused(const char *first, int64_t pre1, uint64_t budget, const char *want) {
  int64_t pre[2] = {0, pre1}, lens[2] = {(int64_t)strlen(first), 0};
  es_pq_bytes out[2];
  es_pq_barr b;
  es_error err;
  pqb s = {0};
  memset(&b, 0, sizeof(b));
  delta_encode(&s, pre, 2, 1);
  delta_encode(&s, lens, 2, 1);
  pqb_bytes(&s, first, strlen(first));
  CHECK_EQ_INT(es_pq_barr_init(&b, ES_PQ_DELTA_BYTE_ARRAY, s.p, s.p + s.n, &budget, 0, &err), 0);
  CHECK_EQ_INT(es_pq_barr_get(&b, out, 2, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, want);
  es_pq_barr_free(&b);
  pqb_free(&s);
}

static void test_bytes(void) {
  static const char *words[] = {"apple", "applesauce", "apply", "", "banana", "band", "bandana"};
  enum { N = 7 };
  int64_t lens[N], pre[N];
  es_pq_bytes out[N];
  es_pq_barr b;
  es_error err;
  uint64_t budget = 1000;
  pqb s = {0};
  int i, enc;
  for (enc = 0; enc < 3; enc++) {
    int e = enc == 0   ? ES_PQ_PLAIN
            : enc == 1 ? ES_PQ_DELTA_LENGTH_BYTE_ARRAY
                       : ES_PQ_DELTA_BYTE_ARRAY;
    memset(&b, 0, sizeof(b));
    for (i = 0; i < N; i++) {
      size_t p = 0;
      if (i && e == ES_PQ_DELTA_BYTE_ARRAY)
        while (words[i][p] && words[i - 1][p] == words[i][p]) p++;
      pre[i] = (int64_t)p;
      lens[i] = (int64_t)(strlen(words[i]) - p);
    }
    if (e == ES_PQ_PLAIN) {
      for (i = 0; i < N; i++) {
        pqb_le32(&s, (uint32_t)lens[i]);
        pqb_bytes(&s, words[i], (size_t)lens[i]);
      }
    } else {
      if (e == ES_PQ_DELTA_BYTE_ARRAY) delta_encode(&s, pre, N, 1);
      delta_encode(&s, lens, N, 1);
      for (i = 0; i < N; i++) pqb_bytes(&s, words[i] + pre[i], (size_t)lens[i]);
    }
    CHECK_EQ_INT(es_pq_barr_init(&b, e, s.p, s.p + s.n, &budget, 0, &err), 0);
    /* two requests: the second's first prefix refers to the first's last value */
    CHECK_EQ_INT(es_pq_barr_get(&b, out, 3, &err), 0);
    CHECK_EQ_INT(es_pq_barr_get(&b, out + 3, N - 3, &err), 0);
    for (i = 3; i < N; i++) {
      CHECK_EQ_INT(out[i].n, strlen(words[i]));
      CHECK(!memcmp(out[i].p, words[i], out[i].n));
    }
    CHECK_EQ_INT(es_pq_barr_get(&b, out, 1, &err), ES_EINVAL);
    es_pq_barr_free(&b);
    pqb_free(&s);
  }
  /* A length past the end of the page. */
  pqb_le32(&s, 1000);
  pqb_bytes(&s, "abc", 3);
  CHECK_EQ_INT(es_pq_plain_bytes(s.p, s.p + s.n, out, 1, 3, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "byte 3: PLAIN byte array 0: 1000 bytes, more than the page has left");
  pqb_free(&s);
  /* A prefix longer than the value before it; an expansion past the budget. */
  expect_dba_refused("ab", 5, 1000, "a prefix of 5 bytes after a value of 2");
  expect_dba_refused("abcdefgh", 8, 10, "values expand to 16 bytes");
}

/* ---- values: BYTE_STREAM_SPLIT, dictionaries, DOUBLE -> float32 ---- */

static void test_values(void) {
  double d[5] = {0.1, -0.0, 3.4028235677973366e38, 1e-46, 16777217.0};
  uint8_t bss[40];
  float f[5];
  int64_t iv[4];
  es_pq_vals v;
  es_pq_dict dict;
  es_error err;
  uint64_t budget = 1 << 20;
  int i, j;
  memset(&v, 0, sizeof(v));
  for (i = 0; i < 5; i++)
    for (j = 0; j < 8; j++) bss[j * 5 + i] = ((uint8_t *)&d[i])[j];
  CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_BYTE_STREAM_SPLIT, ES_PQ_DOUBLE, 8, bss, bss + 40, 5, NULL,
                               &budget, 0, &err),
               0);
  CHECK_EQ_INT(es_pq_vals_f32(&v, f, 5, &err), 0);
  CHECK(f[0] == 0.1f && signbit(f[1]) && f[2] == FLT_MAX && f[3] == 0.0f && f[4] == 16777216.0f);
  CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_BYTE_STREAM_SPLIT, ES_PQ_DOUBLE, 8, bss, bss + 39, 5, NULL,
                               &budget, 7, &err),
               ES_EINVAL);
  CHECK_CONTAINS(err.msg, "byte 7: BYTE_STREAM_SPLIT data of 39 bytes");
  /* A dictionary of INT64 values and bit-packed indices into it. */
  {
    int64_t dv[3] = {10, -20, 3000000000LL};
    static const uint8_t idx[] = {2, 3, 0x24, 0, 0}; /* width 2: 0,1,2,0,0,... */
    static const uint8_t bad[] = {2, 3, 0x3f, 0, 0}; /* an index of 3 */
    memset(&dict, 0, sizeof(dict));
    CHECK_EQ_INT(es_pq_dict_load(&dict, ES_PQ_INT64, 8, (const uint8_t *)dv, 24, 3, 0, &err), 0);
    CHECK_EQ_INT(es_pq_dict_load(&dict, ES_PQ_INT64, 8, (const uint8_t *)dv, 24, 3, 0, &err),
                 ES_EINVAL);
    CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_RLE_DICTIONARY, ES_PQ_INT64, 8, idx, idx + sizeof(idx),
                                 4, &dict, &budget, 0, &err),
                 0);
    CHECK_EQ_INT(es_pq_vals_i64(&v, iv, 4, 0, &err), 0);
    CHECK(iv[0] == 10 && iv[1] == -20 && iv[2] == 3000000000LL && iv[3] == 10);
    CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_RLE_DICTIONARY, ES_PQ_INT64, 8, bad, bad + sizeof(bad),
                                 4, &dict, &budget, 0, &err),
                 0);
    CHECK_EQ_INT(es_pq_vals_i64(&v, iv, 4, 0, &err), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "above the largest allowed (2)");
    es_pq_dict_free(&dict);
    CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_RLE_DICTIONARY, ES_PQ_INT64, 8, idx, idx + sizeof(idx),
                                 4, &dict, &budget, 0, &err),
                 ES_EINVAL);
    CHECK_CONTAINS(err.msg, "a dictionary-encoded page without a dictionary page");
  }
  /* An unsigned INT32 above INT32_MAX stays positive; an encoding a type cannot have is named. */
  {
    uint32_t u[1] = {0xfffffffeu};
    CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_PLAIN, ES_PQ_INT32, 4, (uint8_t *)u, (uint8_t *)u + 4, 1,
                                 NULL, &budget, 0, &err),
                 0);
    CHECK_EQ_INT(es_pq_vals_i64(&v, iv, 1, 1, &err), 0);
    CHECK_EQ_INT(iv[0], 4294967294LL);
    CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_DELTA_BINARY_PACKED, ES_PQ_FLOAT, 4, (uint8_t *)u,
                                 (uint8_t *)u + 4, 1, NULL, &budget, 0, &err),
                 ES_EINVAL);
    CHECK_CONTAINS(err.msg, "encoding DELTA_BINARY_PACKED is not supported for a FLOAT column");
    CHECK_EQ_INT(es_pq_vals_init(&v, 10, ES_PQ_FLOAT, 4, (uint8_t *)u, (uint8_t *)u + 4, 1, NULL,
                                 &budget, 0, &err),
                 ES_EINVAL);
    CHECK_CONTAINS(err.msg, "encoding ALP is not supported");
    /* PLAIN values run out before the levels say. */
    CHECK_EQ_INT(es_pq_vals_init(&v, ES_PQ_PLAIN, ES_PQ_FLOAT, 4, (uint8_t *)u, (uint8_t *)u + 4, 2,
                                 NULL, &budget, 0, &err),
                 0);
    CHECK_EQ_INT(es_pq_vals_f32(&v, f, 2, &err), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "PLAIN values run past the end of the page");
  }
  es_pq_vals_free(&v);
}

int main(void) {
  test_rle_cases();
  test_rle_random();
  test_delta();
  test_delta_hostile();
  test_bytes();
  test_values();
  return tap_done("test_parquet_encodings");
}
