/* numfmt.c - shortest round-trip formatting of float32 values: try 6..9 significant digits,
   verifying each candidate with the exact parser, so the result is right by construction. */
#include "load/numfmt.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/numparse.h"

static const uint64_t pow10_u[11] = {1ull,         10ull,         100ull,        1000ull,
                                     10000ull,     100000ull,     1000000ull,    10000000ull,
                                     100000000ull, 1000000000ull, 10000000000ull};

static const double pow10_d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Exact up to 10^22; beyond, approximate powers still serve to choose digits, because each
   candidate is verified exactly. */
static double p10(int e) { return e <= 22 ? pow10_d[e] : pow(10.0, e); }

/* Whether m * 10^k reads back (float64 parse, float32 narrowing) as af. */
static int reads_back(float af, uint64_t m, int k) {
  char text[40];
  const char *end;
  double d;
  unsigned flags;
  if (k >= -22 && k <= 22) {
    /* m < 2^53 and 10^|k| are exact doubles: one correctly rounded operation, like strtod. */
    d = k >= 0 ? (double)m * p10(k) : (double)m / p10(-k);
    return es_num_narrow(d) == af;
  }
  snprintf(text, sizeof(text), "%llue%d", (unsigned long long)m, k);
  if (es_num_parse(text, text + strlen(text), &d, &flags, &end)) return 0;
  return es_num_narrow(d) == af;
}

/* p significant digits of a (exponent estimate *e10, corrected here) that read back as af. */
static int try_digits(float af, double a, int p, int *e10, uint64_t *m) {
  int tries;
  for (tries = 0; tries < 3; tries++) {
    int s = p - 1 - *e10;
    double sc = s >= 0 ? a * p10(s) : a / p10(-s);
    uint64_t n = (uint64_t)(sc + 0.5); /* sc >= 0 */
    if (n >= pow10_u[p]) {
      (*e10)++;
      continue;
    }
    if (n < pow10_u[p - 1]) {
      (*e10)--;
      continue;
    }
    *m = n;
    return reads_back(af, n, *e10 - p + 1);
  }
  return 0;
}

/* Digits of m (p of them) without trailing zeros into dig; returns their count. */
static int digits(uint64_t m, int p, char *dig) {
  int i;
  for (i = p - 1; i >= 0; i--) {
    dig[i] = (char)('0' + m % 10);
    m /= 10;
  }
  while (p > 1 && dig[p - 1] == '0') p--;
  return p;
}

/* The correctly rounded 9 digits from printf: always round-trips, used only if the fast digit
   choice above failed (never observed, but the output must be right regardless). */
static int slow_digits(double a, char *dig, int *e10) {
  char text[40];
  int nd = 0;
  const char *p;
  snprintf(text, sizeof(text), "%.8e", a);
  for (p = text; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') dig[nd++] = *p;
  *e10 = atoi(p + 1);
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  return nd;
}

/* Python repr layout of 0.dig * 10^(e10 + 1). */
static size_t layout(char *o, const char *dig, int nd, int e10) {
  char *s = o;
  int i;
  if (e10 >= -4 && e10 < 16) {
    if (e10 >= 0) {
      for (i = 0; i <= e10; i++) *o++ = i < nd ? dig[i] : '0';
      *o++ = '.';
      if (nd > e10 + 1) {
        memcpy(o, dig + e10 + 1, (size_t)(nd - e10 - 1));
        o += nd - e10 - 1;
      } else {
        *o++ = '0';
      }
    } else {
      *o++ = '0';
      *o++ = '.';
      for (i = -1; i > e10; i--) *o++ = '0';
      memcpy(o, dig, (size_t)nd);
      o += nd;
    }
    return (size_t)(o - s);
  }
  *o++ = dig[0];
  if (nd > 1) {
    *o++ = '.';
    memcpy(o, dig + 1, (size_t)(nd - 1));
    o += nd - 1;
  }
  o += sprintf(o, "e%c%02d", e10 < 0 ? '-' : '+', abs(e10));
  return (size_t)(o - s);
}

size_t es_num_format_f32(float f, char *out) {
  char dig[24] = "0", *o = out;
  float af = fabsf(f);
  double a = af;
  int p, nd = 0, e10;
  uint64_t m = 0;
  if (isnan(f)) return memcpy(out, "NaN", 3), 3;
  if (signbit(f)) *o++ = '-';
  if (isinf(f)) return memcpy(o, "Infinity", 8), (size_t)(o - out) + 8;
  if (af == 0) return memcpy(o, "0.0", 3), (size_t)(o - out) + 3;
  {
    /* floor(log10(a)) from the binary exponent: at most one too low, which try_digits fixes
       (and much cheaper than log10 at 384 values a row). */
    uint64_t bits;
    memcpy(&bits, &a, sizeof(bits));
    e10 = (int)floor((double)((int)((bits >> 52) & 0x7ff) - 1023) * 0.30102999566398120);
  }
  /* A decimal of six digits or fewer that reads back to a normal f is what rounding f to six
     digits gives (FLT_DIG is 6), so starting at six and dropping trailing zeros finds those too.
     Subnormals carry fewer bits, so they try every length. */
  for (p = af < FLT_MIN ? 1 : 6; p <= 9; p++) {
    int e = e10; /* a carry at one length ("999999.6" -> 10^6) must not shift the next */
    if (try_digits(af, a, p, &e, &m)) {
      e10 = e;
      break;
    }
  }
  if (p <= 9)
    nd = digits(m, p, dig);
  else
    nd = slow_digits(a, dig, &e10);
  return (size_t)(o - out) + layout(o, dig, nd, e10);
}
