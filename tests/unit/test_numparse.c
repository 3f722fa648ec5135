/* test_numparse.c - exactness of the number parser (vs strtod), float32 narrowing as protobuf's
   Python binding does it, and shortest round-trip float32 formatting. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/numfmt.h"
#include "load/numparse.h"
#include "load/numparse_fast.h"
#include "tap.h"

static uint32_t tu_bits32(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

static uint64_t rng = 0x12345678abcdefull;

static uint64_t next(void) {
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t bits64(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof(u));
  return u;
}

static uint32_t bits32(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

static int parse(const char *s, double *d) {
  const char *end;
  unsigned flags;
  int rc = es_num_parse(s, s + strlen(s), d, &flags, &end);
  return rc ? rc : (*end ? -3 : 0);
}

static int mismatches;

/* es_num_parse must equal glibc's correctly rounded strtod bit for bit. */
static void same_as_strtod(const char *s) {
  double a, b = strtod(s, NULL);
  if (parse(s, &a) || bits64(a) != bits64(b)) {
    if (mismatches++ < 10) fprintf(stderr, "mismatch for '%s': %.17g vs strtod %.17g\n", s, a, b);
  }
}

static void hard_cases(void) {
  static const char *cases[] = {"0",
                                "-0",
                                "0.0",
                                "-0.0",
                                "1",
                                "-1",
                                "0.1",
                                "0.2",
                                "0.3",
                                "3e-05",
                                "1e22",
                                "1e23",
                                "1e-22",
                                "1e-23",
                                "9007199254740993",
                                "9007199254740992",
                                "9007199254740991",
                                "18446744073709551615",
                                "18446744073709551616",
                                "123456789012345678901234567890",
                                "0.10000000149011612",
                                "0.30000001192092896",
                                "-0.12345678901234567",
                                "3.4028234663852886e38",
                                "3.4028235677973366e38",
                                "3.4028235677973367e38",
                                "1.7976931348623157e308",
                                "1.7976931348623158e308",
                                "1.7976931348623159e308",
                                "2e308",
                                "1e400",
                                "-1e400",
                                "2.2250738585072011e-308",
                                "2.2250738585072014e-308",
                                "4.9406564584124654e-324",
                                "2.4703282292062327e-324",
                                "2.4703282292062328e-324",
                                "1e-400",
                                "1e-45",
                                "1.401298464324817e-45",
                                "7.006492321624085e-46",
                                "7.006492321624086e-46",
                                "1.1754943508222875e-38",
                                "1.1754942106924411e-38",
                                "0.000000000000000000000000000001",
                                "1e0000000000000000000001",
                                "1e-99999999999999999999",
                                "1e99999999999999999999",
                                "123.456e-7",
                                "0.9999999999999999",
                                "0.99999999999999995",
                                "0.99999999999999994",
                                "2.5",
                                "1.5e+10",
                                "5e-324",
                                "8.98846567431158e307",
                                "17976931348623157e292",
                                "1.00000005960464477539",
                                "1.00000017881393432617",
                                "1.000000059604644775390625",
                                "1.0000000596046447753906250001",
                                "4503599627370496.5",
                                "4503599627370497.5",
                                "9.5e-5",
                                "0.000123456789012345678",
                                "1448997445238699",
                                "7.2057594037927933e16",
                                "1.2345678901234567e-300",
                                "6.103515625e-05"};
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) same_as_strtod(cases[i]);
}

/* Random decimals of every shape: up to 25 integer and 20 fraction digits, exponents near the
   edges of the double range. */
static void random_cases(int n) {
  char s[96];
  int i, j;
  for (i = 0; i < n; i++) {
    int ni = (int)(next() % 26), nf = (int)(next() % 21), k = 0;
    if (next() & 1) s[k++] = '-';
    if (ni == 0) s[k++] = '0';
    for (j = 0; j < ni; j++) s[k++] = (char)('0' + (j ? next() % 10 : 1 + next() % 9));
    if (nf) s[k++] = '.';
    for (j = 0; j < nf; j++) s[k++] = (char)('0' + next() % 10);
    if (next() % 4) {
      int e = (int)(next() % 700) - 350;
      k += sprintf(s + k, "e%d", (next() & 1) ? e : e / 20);
    }
    s[k] = '\0';
    same_as_strtod(s);
  }
}

/* Doubles printed with 15..17 digits: the shapes Python writes for float32 -> float64 values. */
static void repr_cases(int n) {
  char s[64];
  int i;
  for (i = 0; i < n; i++) {
    uint64_t u = next();
    double d;
    memcpy(&d, &u, sizeof(d));
    if (!isfinite(d)) continue;
    if (i % 2)
      d = (double)(float)(((double)(next() >> 11) * 0x1p-53 - 0.5) *
                          pow(10, (int)(next() % 20) - 10));
    snprintf(s, sizeof(s), "%.*g", 15 + (int)(next() % 3), d);
    if (strchr(s, 'n') || strchr(s, 'i')) continue;
    same_as_strtod(s);
  }
}

/* Parses the first n bytes of s only. */
static int prefix(const char *s, size_t n, double *d, unsigned *flags) {
  const char *end;
  return es_num_parse(s, s + n, d, flags, &end);
}

static void grammar(void) {
  static const char *bad[] = {"", "-", "+1", ".5", "1.", "1e", "1e+", "--1", "1.e5", "-.5", "e5"};
  static const char *stops[][2] = {
      {"01", "0"}, {"0x10", "0"}, {"1.5x", "1.5"}, {"1e5.5", "1e5"}, {"-0.0]", "-0.0"}};
  size_t i;
  double d;
  unsigned flags;
  const char *end;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    CHECK(es_num_parse(bad[i], bad[i] + strlen(bad[i]), &d, &flags, &end) == -1);
  for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
    CHECK(es_num_parse(stops[i][0], stops[i][0] + strlen(stops[i][0]), &d, &flags, &end) == 0);
    CHECK_EQ_INT(end - stops[i][0], strlen(stops[i][1]));
  }
  CHECK(prefix("12", 2, &d, &flags) == 0 && flags == ES_NUM_INTEGRAL);
  CHECK(prefix("12.0", 4, &d, &flags) == 0 && flags == 0);
  CHECK(prefix("1e2", 3, &d, &flags) == 0 && flags == 0 && d == 100.0);
  /* Bounded by end, not by a NUL. */
  CHECK(prefix("123456", 3, &d, &flags) == 0 && d == 123.0);
  CHECK(parse("-0.0", &d) == 0 && signbit(d));
  CHECK(parse("-0", &d) == 0 && signbit(d)); /* the JSON layer maps integral -0 to +0 */
}

/* float32(float64(text)), the way protobuf's Python binding narrows. */
static float f32(const char *s) {
  double d = 0;
  CHECK(parse(s, &d) == 0);
  return es_num_narrow(d);
}

static void narrowing(void) {
  CHECK_EQ_INT(bits32(f32("1e-45")), 0x00000001);
  CHECK_EQ_INT(bits32(f32("7e-46")), 0x00000000);
  CHECK_EQ_INT(bits32(f32("7.1e-46")), 0x00000001);
  CHECK_EQ_INT(bits32(f32("1e-46")), 0x00000000);
  CHECK_EQ_INT(bits32(f32("-0.0")), 0x80000000);
  CHECK_EQ_INT(bits32(f32("0.1")), 0x3dcccccd);
  CHECK_EQ_INT(bits32(f32("1e39")), 0x7f800000);
  CHECK_EQ_INT(bits32(f32("-1e39")), 0xff800000);
  CHECK_EQ_INT(bits32(f32("1e400")), 0x7f800000);
  /* FLT_MAX + half an ulp: IEEE rounds to inf, protobuf keeps FLT_MAX; one double above is inf. */
  CHECK_EQ_INT(bits32(es_num_narrow(0x1.ffffffp+127)), 0x7f7fffff);
  CHECK_EQ_INT(bits32(es_num_narrow(-0x1.ffffffp+127)), 0xff7fffff);
  CHECK_EQ_INT(bits32(es_num_narrow(0x1.ffffff0000001p+127)), 0x7f800000);
  CHECK_EQ_INT(bits32(es_num_narrow(-0x1.ffffff0000001p+127)), 0xff800000);
  CHECK_EQ_INT(bits32(es_num_narrow(NAN)), 0x7fc00000);
  /* Float32 halfway cases: 1 + 2^-24 ties to even (1.0), 1 + 3*2^-24 ties up; a hair above the
     tie rounds up. Double rounding through float64 is what Python does, so it is what we do. */
  CHECK_EQ_INT(bits32(f32("1.000000059604644775390625")), 0x3f800000);
  CHECK_EQ_INT(bits32(f32("1.000000178813934326171875")), 0x3f800002);
  CHECK_EQ_INT(bits32(f32("1.000000059604645")), 0x3f800001);
  /* Within half a double ulp of the tie: float64 parsing lands exactly on it -> ties to even. */
  CHECK_EQ_INT(bits32(f32("1.0000000596046448")), 0x3f800000);
  CHECK_EQ_INT(bits32(f32("1.00000005960464477539062500000001")), 0x3f800000);
}

static void shortest_case(float f, const char *want) {
  char t[ES_NUMFMT_MAX + 1];
  size_t n = es_num_format_f32(f, t);
  t[n] = '\0';
  CHECK_STR(t, want);
}

/* Shortest: the fewest significant digits any %.Ne form needs to read back. */
static int min_digits(float f) {
  char t[64];
  int p;
  for (p = 1; p <= 9; p++) {
    snprintf(t, sizeof(t), "%.*e", p - 1, (double)f);
    if (es_num_narrow(strtod(t, NULL)) == f) return p;
  }
  return 99;
}

/* Significant digits of a formatted number: mantissa digits without leading/trailing zeros. */
static int sig_digits(const char *t) {
  char d[64];
  int n = 0, lo = 0;
  const char *p;
  for (p = t; *p && *p != 'e' && n < 63; p++)
    if (*p >= '0' && *p <= '9') d[n++] = *p;
  while (lo < n && d[lo] == '0') lo++;
  while (n > lo && d[n - 1] == '0') n--;
  return n - lo;
}

static void formatting(int n) {
  char t[ES_NUMFMT_MAX + 1];
  int i, bad = 0, longer = 0;
  shortest_case(0.1f, "0.1");
  shortest_case(-0.2f, "-0.2");
  shortest_case(3.0f, "3.0");
  shortest_case(0.0f, "0.0");
  shortest_case(-0.0f, "-0.0");
  shortest_case(3e-05f, "3e-05");
  shortest_case(0.0001f, "0.0001");
  shortest_case(1e16f, "1e+16");
  shortest_case(123456.0f, "123456.0");
  shortest_case(1.5e-7f, "1.5e-07");
  shortest_case(FLT_MAX, "3.4028235e+38");
  shortest_case(0x1p-149f, "1e-45");
  shortest_case(16777216.0f, "16777216.0");
  shortest_case(0x1.e17b78p+122f, "9.999996e+36"); /* a carry at 6 digits must not skew 7 */
  shortest_case(NAN, "NaN");
  shortest_case(INFINITY, "Infinity");
  shortest_case(-INFINITY, "-Infinity");
  for (i = 0; i < n; i++) {
    uint32_t u = (uint32_t)next();
    float f;
    double d;
    size_t len;
    memcpy(&f, &u, sizeof(f));
    if (!isfinite(f)) continue;
    if (i % 2) f = (float)(((double)(next() >> 11) * 0x1p-53 - 0.5) * 0.3);
    len = es_num_format_f32(f, t);
    t[len] = '\0';
    if (parse(t, &d) || bits32(es_num_narrow(d)) != bits32(f)) {
      if (bad++ < 5) fprintf(stderr, "format %a -> '%s' does not read back\n", (double)f, t);
    }
    if (f != 0 && sig_digits(t) > min_digits(f)) {
      if (longer++ < 5)
        fprintf(stderr, "format %a -> '%s' is not shortest (%d)\n", (double)f, t, min_digits(f));
    }
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(longer, 0);
}

/* The float32 paths (es_num_parse_f32, both inlined fast paths, the JSON array loop) must give
   exactly es_num_narrow(strtod(text)) for text in the fast paths' shape, with emphasis on values
   near float32 rounding midpoints, where their guard must send them to exact parsing. */
static int f32_bad;

static void f32_case(const char *text) {
  char padded[96];
  float want = es_num_narrow(strtod(text, NULL)), got;
  const char *q, *end;
  unsigned flags;
  size_t n = strlen(text);
  if (es_num_parse_f32(text, text + n, &got, &flags, &q) || q != text + n ||
      tu_bits32(got) != tu_bits32(want)) {
    if (f32_bad++ < 5) fprintf(stderr, "es_num_parse_f32('%s') differs\n", text);
  }
  snprintf(padded, sizeof(padded), "%s, 0.0000000000000000000000", text);
  end = padded + strlen(padded);
  if ((q = es_num_f32_fast(padded, end, &got)) &&
      (q != padded + n || tu_bits32(got) != tu_bits32(want))) {
    if (f32_bad++ < 5) fprintf(stderr, "es_num_f32_fast('%s') differs\n", text);
  }
#ifdef ES_NUM_HAVE_SSE41
  if (__builtin_cpu_supports("sse4.1") && (q = es_num_f32_fast_sse41(padded, end, &got)) &&
      (q != padded + n || tu_bits32(got) != tu_bits32(want))) {
    if (f32_bad++ < 5) fprintf(stderr, "es_num_f32_fast_sse41('%s') differs\n", text);
  }
#endif
}

static void f32_paths(int n) {
  char t[64];
  int i, fast = 0;
  float dummy;
  for (i = 0; i < n; i++) {
    /* A float32 in [1e-8, 10), or the midpoint above it, printed with 1..15 fraction digits. */
    float f = (float)((double)(next() >> 11) * 0x1p-53 * pow(10, -(int)(next() % 9)) * 10);
    double v = f;
    if (f == 0) continue;
    if (i % 2) v = f + (double)(nextafterf(f, INFINITY) - f) / 2; /* exact midpoint */
    if (i % 4 == 3) v = nextafter(v, (next() & 1) ? 0 : 20);      /* a double ulp off it */
    snprintf(t, sizeof(t), "%s%.*f", (next() & 1) ? "-" : "", 1 + (int)(next() % 15), v);
    f32_case(t);
    snprintf(t, sizeof(t), "%.*g", 6 + (int)(next() % 12), v); /* exponent forms too */
    f32_case(t);
  }
  f32_case("0.0");
  f32_case("-0.0");
  f32_case("9.999999999999999");
  f32_case("1.000000059604644775"); /* a float32 tie, truncated: just below */
  f32_case("1.0000000596046448");
  f32_case("0.1");
  f32_case("3.4028235677973366e38");
  CHECK_EQ_INT(f32_bad, 0);
  /* The fast path must actually serve the common shape. */
  for (i = 0; i < 100; i++) {
    snprintf(t, sizeof(t), "-0.%09d, 0.000000000000000000", (int)(next() % 1000000000));
    fast += es_num_f32_fast(t, t + strlen(t), &dummy) != NULL;
  }
  CHECK(fast > 90);
}

int main(void) {
  hard_cases();
  random_cases(300000);
  repr_cases(300000);
  CHECK_EQ_INT(mismatches, 0);
  grammar();
  narrowing();
  formatting(100000);
  f32_paths(200000);
  return tap_done("test_numparse");
}
