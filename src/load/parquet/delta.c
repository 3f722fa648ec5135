/* delta.c - DELTA_BINARY_PACKED: header (block size, miniblocks, count, first value), then per
   block a minimum delta and one bit width per miniblock; values are the running sum, in the
   column type's width with wrap-around as the format defines. */
#include "load/parquet/delta.h"

#include <string.h>

#include "load/parquet/fail.h"

static int uleb(const uint8_t **pp, const uint8_t *end, uint64_t *v, uint64_t off, es_error *err) {
  const uint8_t *p = *pp;
  uint64_t x = 0;
  unsigned shift = 0;
  *v = 0; /* also on failure: gcc -O3 cannot see that es_pq_fail never returns 0 */
  for (;;) {
    if (p == end) return es_pq_fail(err, off, "DELTA_BINARY_PACKED data ends inside a number");
    if (shift == 63 && *p > 1)
      return es_pq_fail(err, off, "DELTA_BINARY_PACKED: a number longer than 64 bits");
    x |= (uint64_t)(*p & 0x7f) << shift;
    if (!(*p++ & 0x80)) break;
    shift += 7;
  }
  *pp = p;
  *v = x;
  return 0;
}

static uint64_t unzigzag(uint64_t u) { return (u >> 1) ^ (0 - (u & 1)); }

int es_pq_delta_init(es_pq_delta *d, const uint8_t *p, const uint8_t *end, int is32, uint64_t off,
                     es_error *err) {
  uint64_t block, nmini, total, first;
  int rc;
  memset(d, 0, sizeof(*d));
  if ((rc = uleb(&p, end, &block, off, err)) || (rc = uleb(&p, end, &nmini, off, err)) ||
      (rc = uleb(&p, end, &total, off, err)) || (rc = uleb(&p, end, &first, off, err)))
    return rc;
  if (!block || block % 128 || block > ES_PQ_DELTA_BLOCK_MAX || !nmini ||
      nmini > ES_PQ_DELTA_MINIBLOCKS_MAX || block % nmini || (block / nmini) % 8)
    return es_pq_fail(err, off, "DELTA_BINARY_PACKED with blocks of %llu values in %llu miniblocks",
                      (unsigned long long)block, (unsigned long long)nmini);
  d->p = p;
  d->end = end;
  d->off = off;
  d->is32 = is32;
  d->block = (uint32_t)block;
  d->nmini = (uint32_t)nmini;
  d->per_mini = (uint32_t)(block / nmini);
  d->left = total;
  d->last = unzigzag(first);
  d->mini = d->nmini;
  d->first = 1;
  return 0;
}

/* Starts the next miniblock, reading a block header first when the block is used up. */
static int next_mini(es_pq_delta *d, es_error *err) {
  uint64_t md, need, bytes;
  unsigned w;
  int rc;
  if (d->mini == d->nmini) {
    if ((rc = uleb(&d->p, d->end, &md, d->off, err))) return rc;
    if ((size_t)(d->end - d->p) < d->nmini)
      return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED: bit widths past the end");
    memcpy(d->widths, d->p, d->nmini);
    d->p += d->nmini;
    d->min_delta = unzigzag(md);
    d->mini = 0;
  }
  w = d->widths[d->mini];
  if (w > 64) return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED: a bit width of %u", w);
  /* The last miniblock is padded, but only the values it really holds must be there. */
  bytes = (uint64_t)d->per_mini * w / 8;
  need = ((d->left < d->per_mini ? d->left : d->per_mini) * w + 7) / 8;
  if (need > (uint64_t)(d->end - d->p))
    return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED: a miniblock past the end");
  d->mp = d->p;
  d->mbit = 0;
  d->p += bytes < (uint64_t)(d->end - d->p) ? bytes : (uint64_t)(d->end - d->p);
  d->in_mini = d->per_mini;
  d->mini++;
  return 0;
}

/* w bits (up to 64) at bit offset bit of q, reading only bytes before end. */
static inline uint64_t unpack64(const uint8_t *q, const uint8_t *end, uint64_t bit, unsigned w) {
  const uint8_t *b = q + (bit >> 3);
  unsigned s = (unsigned)(bit & 7), i, need = (s + w + 7) / 8;
  uint64_t lo = 0, hi = 0;
  if (!w) return 0;
  for (i = 0; i < need && i < 8 && b + i < end; i++) lo |= (uint64_t)b[i] << (8 * i);
  if (need == 9 && b + 8 < end) hi = b[8];
  lo >>= s;
  if (s) lo |= hi << (64 - s);
  return w == 64 ? lo : lo & (((uint64_t)1 << w) - 1);
}

int es_pq_delta_get(es_pq_delta *d, int64_t *out, size_t n, es_error *err) {
  size_t i;
  int rc;
  if (n > d->left)
    return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED holds fewer values than the page");
  for (i = 0; i < n; i++) {
    if (d->first) {
      d->first = 0;
    } else {
      unsigned w;
      if (!d->in_mini && (rc = next_mini(d, err))) return rc;
      w = d->widths[d->mini - 1];
      d->last += d->min_delta + unpack64(d->mp, d->p, d->mbit, w);
      d->mbit += w;
      d->in_mini--;
    }
    if (d->is32) d->last = (uint64_t)(int64_t)(int32_t)(uint32_t)d->last;
    out[i] = (int64_t)d->last;
    d->left--;
  }
  return 0;
}

int es_pq_delta_end(const es_pq_delta *d, const uint8_t **end, es_error *err) {
  const uint8_t *p = d->p;
  uint64_t deltas = d->left ? d->left - 1 : 0, md, bytes, k;
  uint32_t m;
  int rc;
  while (deltas) {
    if ((rc = uleb(&p, d->end, &md, d->off, err))) return rc;
    if ((size_t)(d->end - p) < d->nmini)
      return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED: bit widths past the end");
    bytes = 0;
    for (m = 0; m < d->nmini && deltas; m++) {
      k = deltas < d->per_mini ? deltas : d->per_mini;
      if (p[m] > 64) return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED: a bit width of %u", p[m]);
      bytes += (uint64_t)d->per_mini * p[m] / 8;
      deltas -= k;
    }
    p += d->nmini;
    if (bytes > (uint64_t)(d->end - p))
      return es_pq_fail(err, d->off, "DELTA_BINARY_PACKED: a miniblock past the end");
    p += bytes;
  }
  *end = p;
  return 0;
}
