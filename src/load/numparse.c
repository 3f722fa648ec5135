/* numparse.c - exact decimal parsing: fast paths that are provably exact, strtod_l otherwise. */
#include "load/numparse.h"
#include "load/numparse_fast.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TWO53 ((uint64_t)1 << 53)
#define MAX_SIG 19 /* digits that always fit a uint64 */

static const double pow10_d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct decimal {
  uint64_t mant; /* the first MAX_SIG significant digits */
  int64_t e10;   /* value = mant * 10^e10 (when !inexact) */
  int neg;
  int inexact; /* a non-zero digit beyond MAX_SIG was dropped */
} decimal;

static inline int is_digit(const char *p, const char *end) {
  return p < end && (unsigned)(*p - '0') < 10u;
}

/* One mantissa digit; frac says whether it lies after the decimal point. */
static inline void add_digit(decimal *d, int *nd, unsigned c, int frac) {
  if (d->mant == 0 && c == 0) {
    if (frac) d->e10--; /* a leading zero of the fraction: scale only */
    return;
  }
  if (*nd < MAX_SIG) {
    d->mant = d->mant * 10 + c;
    (*nd)++;
    if (frac) d->e10--;
  } else {
    if (c) d->inexact = 1;
    if (!frac) d->e10++;
  }
}

/* Fraction digits at p: two 8-byte loads and no data-dependent branches when 16 bytes are
   there (the length of fractions varies from number to number, so a loop would mispredict). */
static inline __attribute__((always_inline)) const char *fraction(const char *p, const char *end,
                                                                  uint64_t *m, int64_t *fd) {
  if (end - p >= 16) {
    uint64_t a = es_num_load8(p), b = es_num_load8(p + 8);
    unsigned na = es_num_digit_run(a), nb = es_num_digit_run(b) & (0u - (na == 8));
    if (nb < 8) {
      *m = (*m * es_num_pow10[na] + es_num_digits_value(a, na)) * es_num_pow10[nb] +
           es_num_digits_value(b, nb);
      *fd = na + nb;
      return p + na + nb;
    }
  }
  *fd = 0;
  for (; is_digit(p, end) && *fd < MAX_SIG; ++*fd) *m = *m * 10 + (uint64_t)(*p++ - '0');
  return p;
}

/* The common case, up to 19 digits in all (leading zeros included): every digit goes straight
   into the mantissa. Returns 0 to leave anything else (longer numbers, bad syntax) to the
   careful scan below. */
static inline __attribute__((always_inline)) int scan_fast(const char *s, const char *end,
                                                           decimal *d, unsigned *flags,
                                                           const char **endp) {
  const char *p = s;
  uint64_t m = 0;
  int64_t nd = 0, fd = 0;
  *flags = ES_NUM_INTEGRAL;
  d->neg = p < end && *p == '-';
  p += d->neg;
  if (!is_digit(p, end)) return 0;
  if (*p == '0') {
    p++;
  } else {
    while (is_digit(p, end) && nd < MAX_SIG) {
      m = m * 10 + (uint64_t)(*p++ - '0');
      nd++;
    }
  }
  if (p < end && *p == '.') {
    p = fraction(p + 1, end, &m, &fd);
    if (!fd) return 0;
    nd += fd;
    *flags = 0;
  }
  if (nd > MAX_SIG || is_digit(p, end)) return 0;
  d->mant = m;
  d->e10 = -fd;
  d->inexact = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    int64_t ex = 0, sign = 1;
    p++;
    *flags = 0;
    if (p < end && (*p == '+' || *p == '-')) sign = *p++ == '-' ? -1 : 1;
    if (!is_digit(p, end)) return 0;
    while (is_digit(p, end)) {
      if (ex < 100000000) ex = ex * 10 + (*p - '0');
      p++;
    }
    d->e10 += sign * ex;
  }
  *endp = p;
  return 1;
}

static int scan(const char *s, const char *end, decimal *d, unsigned *flags, const char **endp) {
  const char *p = s;
  int nd = 0;
  memset(d, 0, sizeof(*d));
  *flags = ES_NUM_INTEGRAL;
  if (p < end && *p == '-') {
    d->neg = 1;
    p++;
  }
  if (!is_digit(p, end)) goto bad;
  if (*p == '0') {
    p++;
  } else {
    while (is_digit(p, end)) add_digit(d, &nd, (unsigned)(*p++ - '0'), 0);
  }
  if (p < end && *p == '.') {
    p++;
    *flags = 0;
    if (!is_digit(p, end)) goto bad;
    while (is_digit(p, end)) add_digit(d, &nd, (unsigned)(*p++ - '0'), 1);
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    int64_t ex = 0, sign = 1;
    p++;
    *flags = 0;
    if (p < end && (*p == '+' || *p == '-')) sign = *p++ == '-' ? -1 : 1;
    if (!is_digit(p, end)) goto bad;
    /* Clamped: beyond 10^100000000 every value is 0 or inf anyway, and e10 must not overflow. */
    while (is_digit(p, end)) {
      if (ex < 100000000) ex = ex * 10 + (*p - '0');
      p++;
    }
    d->e10 += sign * ex;
  }
  *endp = p;
  return 0;
bad:
  *endp = p;
  return -1;
}

/* Clinger's fast path: mant and 10^|e10| are exact doubles, so one IEEE operation rounds once. */
static int clinger(const decimal *d, double *out) {
  uint64_t m = d->mant;
  int64_t e = d->e10;
  if (m > TWO53) return 0;
  if (e > 22 && e <= 22 + 15 && m <= TWO53 / es_num_pow10[e - 22]) {
    m *= es_num_pow10[e - 22]; /* still exact: moves the excess exponent into the mantissa */
    e = 22;
  }
  if (e < -22 || e > 22) return 0;
  /* m <= 2^53: a signed conversion is exact and a single instruction */
  *out = e >= 0 ? (double)(int64_t)m * pow10_d[e] : (double)(int64_t)m / pow10_d[-e];
  return 1;
}

#if defined(__x86_64__) && LDBL_MANT_DIG == 64
/* 19 digits (Python's float32 -> float64 reprs have 16-17) in x87 extended precision: the 64-bit
   mantissa holds any uint64 and 10^0..10^27 exactly, so m * 10^e or m / 10^e is rounded once to
   64 bits. Rounding that to 53 bits gives the correctly rounded double unless the extended result
   sits exactly on a double midpoint (low 11 bits 0x400); then the true value's side is unknown
   and strtod decides. Subnormal and overflowing results also go to strtod. */
static const long double pow10_ld[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                         1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                         1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                         1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

static int extended(const decimal *d, double *out) {
  long double x;
  uint64_t bits;
  double r;
  if (d->e10 < -27 || d->e10 > 27) return 0;
  x = (long double)d->mant;
  x = d->e10 >= 0 ? x * pow10_ld[d->e10] : x / pow10_ld[-d->e10];
  memcpy(&bits, &x, sizeof(bits)); /* x87 layout: the explicit 64-bit mantissa comes first */
  if ((bits & 0x7ff) == 0x400) return 0;
  r = (double)x;
  if (r < DBL_MIN || r > DBL_MAX) return 0;
  *out = r;
  return 1;
}
#else
static int extended(const decimal *d, double *out) {
  (void)d;
  (void)out;
  return 0;
}
#endif

static locale_t c_locale;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* The correctly rounded slow path. The text was validated by scan(), so strtod reads exactly it. */
static double slow(const char *s, size_t n) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  char stack[128], *tmp = stack;
  double v;
  pthread_once(&once, make_c_locale);
  if (n >= sizeof(stack) && !(tmp = malloc(n + 1))) return NAN;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  v = c_locale ? strtod_l(tmp, NULL, c_locale) : strtod(tmp, NULL);
  if (tmp != stack) free(tmp);
  return v;
}

int es_num_parse(const char *s, const char *end, double *out, unsigned *flags, const char **endp) {
  decimal d;
  double v;
  if (!scan_fast(s, end, &d, flags, endp) && scan(s, end, &d, flags, endp)) return -1;
  if (d.mant == 0) {
    v = 0.0;
  } else if (d.inexact || (!clinger(&d, &v) && !extended(&d, &v))) {
    v = slow(s, (size_t)(*endp - s));
    if (isnan(v)) return -2; /* a huge number's copy could not be allocated */
    *out = v;
    return 0;
  }
  *out = d.neg ? -v : v;
  return 0;
}

const double es_num_inv10[23] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,
                                 1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15,
                                 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22};

int es_num_parse_f32(const char *s, const char *end, float *out, unsigned *flags,
                     const char **endp) {
  decimal d;
  double v;
  int rc;
  if (scan_fast(s, end, &d, flags, endp) && d.mant <= TWO53 && d.e10 < 0 && d.e10 >= -22) {
    /* y = m * 10^-k is within a few ulps of the correctly rounded double D (m / 10^k), so both
       narrow to the same float32 unless a float32 rounding midpoint lies between them. A
       midpoint has its 29 bits below float32 precision equal to 0x10000000; y that close to one
       takes the exact division instead. The range here (1e-22 .. 2^53) stays clear of float32
       subnormals and overflow, where that bit picture would not hold. */
    double y = (double)(int64_t)d.mant * es_num_inv10[-d.e10];
    if (d.mant && !es_num_near_f32_midpoint(y)) {
      float f = (float)y;
      uint32_t fb;
      memcpy(&fb, &f, sizeof(fb));
      fb |= (uint32_t)d.neg << 31; /* no branch on the sign, which is a coin toss in embeddings */
      memcpy(out, &fb, sizeof(fb));
      return 0;
    }
  }
  if ((rc = es_num_parse(s, end, &v, flags, endp))) return rc;
  *out = es_num_narrow(v);
  return 0;
}
