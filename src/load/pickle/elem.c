/* elem.c - NumPy elements read straight from the file's bytes (numbers, float32, UCS-4 text),
   and protocol 2's latin-1 byte strings. */
#include "load/pickle/elem.h"

#include <math.h>
#include <string.h>

#include "core/utf8.h"

/* Element bytes are copied into integers low byte first below. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the pickle reader assumes a little-endian machine"
#endif

static int host_little(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 1;
}

int es_pkl_elem_swapped(const es_pkl_dtype *dt) {
  if (dt->size <= 1 && dt->kind != 'U') return 0;
  if (dt->order == '<') return !host_little();
  if (dt->order == '>') return host_little();
  return 0;
}

/* An element's bytes in this machine's order, in a buffer of 8. */
static void load(const es_pkl_dtype *dt, const uint8_t *p, uint8_t out[8]) {
  uint32_t i, n = dt->size;
  if (es_pkl_elem_swapped(dt))
    for (i = 0; i < n; i++) out[i] = p[n - 1 - i];
  else
    memcpy(out, p, n);
}

double es_pkl_elem_double(const es_pkl_dtype *dt, const uint8_t *p) {
  uint8_t b[8];
  load(dt, p, b);
  switch (dt->kind) {
  case 'f':
    if (dt->size == 4) {
      float f;
      memcpy(&f, b, 4);
      return f;
    } else {
      double d;
      memcpy(&d, b, 8);
      return d;
    }
  case 'b': return b[0] != 0;
  case 'u': {
    uint64_t u = 0;
    memcpy(&u, b, dt->size); /* little-endian host: low bytes first */
    return (double)u;
  }
  default: {
    int64_t v;
    int is_nan;
    es_pkl_elem_int(dt, p, &v, &is_nan);
    return (double)v;
  }
  }
}

static int64_t sext(uint64_t u, uint32_t size) {
  if (size < 8 && (u >> (8 * size - 1)) & 1) u |= ~(uint64_t)0 << (8 * size);
  return (int64_t)u;
}

int es_pkl_elem_int(const es_pkl_dtype *dt, const uint8_t *p, int64_t *out, int *is_nan) {
  uint8_t b[8];
  uint64_t u = 0;
  *is_nan = 0;
  if (dt->kind == 'f') {
    double d = es_pkl_elem_double(dt, p);
    if (isnan(d)) {
      *is_nan = 1;
      *out = 0;
      return 0;
    }
    if (d != floor(d) || d < -9.2e18 || d > 9.2e18) return -1;
    *out = (int64_t)d;
    return 0;
  }
  load(dt, p, b);
  memcpy(&u, b, dt->size);
  if (dt->kind == 'i') {
    *out = sext(u, dt->size);
    return 0;
  }
  if (u > (uint64_t)INT64_MAX) return -1;
  *out = (int64_t)u;
  return 0;
}

float es_pkl_elem_float32(const es_pkl_dtype *dt, const uint8_t *p) {
  if (dt->kind == 'f' && dt->size == 4) {
    uint8_t b[8];
    float f;
    load(dt, p, b);
    memcpy(&f, b, 4); /* bits kept as they are, NaN payloads included */
    return f;
  }
  return (float)es_pkl_elem_double(dt, p);
}

int es_pkl_elem_ucs4(const es_pkl_dtype *dt, const uint8_t *p, char *s, size_t *outlen) {
  size_t n = dt->size / 4, i, len = 0;
  int swap = es_pkl_elem_swapped(dt);
  uint32_t c;
  while (n > 0) { /* NumPy drops trailing NULs */
    const uint8_t *q = p + 4 * (n - 1);
    if (q[0] | q[1] | q[2] | q[3]) break;
    n--;
  }
  for (i = 0; i < n; i++) {
    const uint8_t *q = p + 4 * i;
    c = swap ? ((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3])
             : ((uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0]);
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return -1;
    len += es_utf8_put(s + len, c);
  }
  s[len] = '\0';
  *outlen = len;
  return 0;
}

/* UTF-8 of code points below 256 to their bytes; dst (decoded length + 1 bytes) may not overlap
   src. -1 for anything else.
   Each byte's role shows in the byte itself (ASCII, lead 0xc2/0xc3, or continuation), so the
   loop has no branch to mispredict on float data's random bytes. */
int es_pkl_latin1(const uint8_t *src, size_t n, uint8_t *dst, size_t *outn) {
  size_t i, o = 0;
  unsigned bad = 0, prev_lead = 0;
  for (i = 0; i < n; i++) {
    unsigned b = src[i], next = i + 1 < n ? src[i + 1] : 0;
    unsigned cont = (b & 0xc0) == 0x80, lead = b >= 0xc0;
    unsigned dec = ((b << 6) | (next & 0x3f)) & 0xff;
    bad |= (cont ^ prev_lead) | (lead & ((b & 0xfe) != 0xc2));
    dst[o] = (uint8_t)(b ^ ((b ^ dec) & (0u - lead)));
    o += 1 - cont;
    prev_lead = lead;
  }
  if (bad | prev_lead) return -1;
  *outn = o;
  return 0;
}

/* Bytes the UTF-8 decodes to: one per byte that is not a continuation byte (a loop the compiler
   vectorizes; validity is checked when the bytes are decoded). */
size_t es_pkl_latin1_len(const uint8_t *p, size_t n) {
  size_t i, k = 0;
  for (i = 0; i < n; i++) k += (p[i] & 0xc0) != 0x80;
  return k;
}

static uint64_t flat_index(const es_pkl_array *a, uint64_t i, uint64_t j, int numeric) {
  if (a->ndim < 2) return i;
  /* Numeric data follows the array's memory order; object cells are always listed in C order. */
  if (numeric && a->fortran) return j * a->shape[0] + i;
  return i * a->shape[1] + j;
}

const uint8_t *es_pkl_array_elem(const es_pkl_array *a, uint64_t i, uint64_t j) {
  return a->data + flat_index(a, i, j, 1) * a->dt->size;
}

es_pkl_val es_pkl_array_cell(const es_pkl_array *a, uint64_t i, uint64_t j) {
  return es_pkl_list_get(a->items, (size_t)flat_index(a, i, j, 0));
}
