/* numparse_fast.h - the inlined fast path for embedding values ("-0.012061166"), internal to
   src/load: SWAR digit parsing and multiply-by-reciprocal with an exactness guard. */
#ifndef ES_NUMPARSE_FAST_H
#define ES_NUMPARSE_FAST_H

#include <stdint.h>
#include <string.h>

#include "load/numparse.h"

/* Nearest doubles to 10^-k, k = 0..22. */
extern const double es_num_inv10[23];

/* The value of 8 ASCII digits loaded little-endian (the trick of simdjson and fast_float). */
static inline uint32_t es_num_parse8(uint64_t v) {
  v -= 0x3030303030303030ull;
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000ff000000ffull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32)))) >>
      32;
  return (uint32_t)v;
}

static inline uint64_t es_num_load8(const char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* How many of the 8 bytes (in text order) are ASCII digits before the first non-digit. */
static inline unsigned es_num_digit_run(uint64_t v) {
  uint64_t x = v ^ 0x3030303030303030ull; /* digits become 0..9 */
  uint64_t bad =
      (((x & 0x7f7f7f7f7f7f7f7full) + 0x7676767676767676ull) | x) & 0x8080808080808080ull;
  /* Flags sit at bits 8k after the shift; the sentinel at bit 63 makes "all digits" give 8.
     No branches: how long a number's digit run is varies unpredictably. */
  return (unsigned)(__builtin_ctzll((bad >> 7) | (1ull << 63)) + 1) >> 3;
}

/* The first n (0..8) digits of v as a number: the rest is shifted out and '0's shifted in at
   the front. Shifts are split in two so that n = 0 and n = 8 stay defined. */
static inline uint64_t es_num_digits_value(uint64_t v, unsigned n) {
  unsigned s = 4 * (8 - n), t = 4 * n;
  return es_num_parse8(((v << s) << s) | ((0x3030303030303030ull >> t) >> t));
}

/* y approximates the correctly rounded double D of a decimal within a few ulps. Both narrow to
   the same float32 unless a float32 rounding midpoint lies between them; a midpoint has its 29
   bits below float32 precision equal to 0x10000000, so y within 8 ulps of that pattern is "near"
   and needs exact parsing. Valid for float32 normal magnitudes only. */
static inline int es_num_near_f32_midpoint(double y) {
  uint64_t b;
  memcpy(&b, &y, sizeof(b));
  return (uint32_t)((b & 0x1fffffff) - 0x0ffffff8u) <= 16u;
}

/* The "[-]d." that both fast paths start with, when 20 bytes are readable at p: the address of
   the digit with *neg set, or NULL for anything else. */
static inline const char *es_num_fast_head(const char *p, const char *end, unsigned *neg) {
  if (end - p < 20) return NULL;
  *neg = *p == '-';
  p += *neg;
  if ((unsigned)(p[0] - '0') > 9u || p[1] != '.') return NULL;
  return p;
}

/* *out = float32(y) negated when neg: the sign is or-ed into the bits, no branch on it (a coin
   toss in embeddings). */
static inline void es_num_put_f32(double y, unsigned neg, float *out) {
  float f = (float)y;
  uint32_t fb;
  memcpy(&fb, &f, sizeof(fb));
  fb |= neg << 31;
  memcpy(out, &fb, sizeof(fb));
}

/* 10^0 .. 10^16, every one exact in a uint64: the one table of them (numparse.c uses it too). */
static const uint64_t es_num_pow10[17] = {1ull,
                                          10ull,
                                          100ull,
                                          1000ull,
                                          10000ull,
                                          100000ull,
                                          1000000ull,
                                          10000000ull,
                                          100000000ull,
                                          1000000000ull,
                                          10000000000ull,
                                          100000000000ull,
                                          1000000000000ull,
                                          10000000000000ull,
                                          100000000000000ull,
                                          1000000000000000ull,
                                          10000000000000000ull};

/* "[-]d.ddd..." with one integer digit, 1 to 15 fraction digits and no exponent, when 20 bytes
   are readable at p: the shape of nearly every embedding value. Returns the end of the number
   with *out = float32(float64(text)), or NULL for anything else (the caller then takes
   es_num_parse_f32, which handles every case). */
static inline const char *es_num_f32_fast(const char *p, const char *end, float *out) {
  unsigned neg, na, nb, n;
  uint64_t a, b, m;
  double y;
  if (!(p = es_num_fast_head(p, end, &neg))) return NULL;
  a = es_num_load8(p + 2);
  b = es_num_load8(p + 10);
  na = es_num_digit_run(a);
  nb = es_num_digit_run(b) & (0u - (na == 8));
  n = na + nb;
  /* No fraction digit, 16 of them (maybe more), or an exponent: not this shape. */
  if (!na || nb == 8 || (p[2 + n] | 0x20) == 'e') return NULL;
  m = ((uint64_t)(p[0] - '0') * es_num_pow10[na] + es_num_digits_value(a, na)) * es_num_pow10[nb] +
      es_num_digits_value(b, nb);
  /* m < 10^16 may exceed 2^53; its conversion then rounds once more, still within the guard. */
  y = (double)(int64_t)m * es_num_inv10[n];
  if (m == 0 || es_num_near_f32_midpoint(y)) return NULL; /* m >= 1: y >= 1e-15, normal */
  es_num_put_f32(y, neg, out);
  return p + 2 + n;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <smmintrin.h>
#define ES_NUM_HAVE_SSE41 1

/* es_num_f32_fast with SSE4.1 (checked at run time by the caller): all 16 bytes after the
   point are classified and turned into one 16-digit integer at once. Digits are kept left
   aligned (the ones past the number zeroed), so the value is always m * 10^-16 and no table
   of powers is needed. m < 10^17 exceeds 2^53, so its conversion may round once more; the
   midpoint guard covers that too. */
__attribute__((target("sse4.1"))) static inline const char *es_num_f32_fast_sse41(const char *p,
                                                                                  const char *end,
                                                                                  float *out) {
  unsigned neg, n;
  uint64_t m;
  __m128i d, keep, x;
  double y;
  if (!(p = es_num_fast_head(p, end, &neg))) return NULL;
  d = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(p + 2)), _mm_set1_epi8('0'));
  n = (unsigned)__builtin_ctz(~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                                  _mm_max_epu8(d, _mm_set1_epi8(9)), _mm_set1_epi8(9))) |
                              0x10000u);
  /* No fraction digit, 16 or more, or an exponent: not this shape. */
  if (!n || n == 16 || (p[2 + n] | 0x20) == 'e') return NULL;
  keep = _mm_cmpgt_epi8(_mm_set1_epi8((char)n),
                        _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  d = _mm_and_si128(d, keep);
  x = _mm_maddubs_epi16(d, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
  x = _mm_madd_epi16(x, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  x = _mm_packus_epi32(x, x);
  x = _mm_madd_epi16(x, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
  m = (uint64_t)(p[0] - '0') * 10000000000000000ull +
      (uint64_t)(uint32_t)_mm_cvtsi128_si32(x) * 100000000ull + (uint32_t)_mm_extract_epi32(x, 1);
  y = (double)(int64_t)m * 1e-16;
  if (m == 0 || es_num_near_f32_midpoint(y)) return NULL; /* m >= 1: y >= 1e-16, normal */
  es_num_put_f32(y, neg, out);
  return p + 2 + n;
}
#endif

#endif
