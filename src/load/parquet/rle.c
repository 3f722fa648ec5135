/* rle.c - the RLE/bit-packed hybrid: run headers, RLE runs filled with memset-speed loops,
   bit-packed runs unpacked LSB first, every byte read checked against the stream's end. */
#include "load/parquet/rle.h"

#include <string.h>

#include "load/parquet/fail.h"

void es_pq_rle_init(es_pq_rle *r, const uint8_t *p, const uint8_t *end, int bw, uint32_t max,
                    uint64_t off) {
  memset(r, 0, sizeof(*r));
  r->p = p;
  r->end = end;
  r->bw = bw;
  r->max = max;
  r->off = off;
}

int es_pq_bit_width(uint32_t max) {
  int w = 0;
  while (max) {
    w++;
    max >>= 1;
  }
  return w;
}

/* The next run header: an RLE run (count, value) or a bit-packed run of groups of 8. */
static int next_run(es_pq_rle *r, es_error *err) {
  uint64_t h = 0, bytes;
  unsigned shift = 0, i, vbytes = (unsigned)(r->bw + 7) / 8;
  for (;;) {
    if (r->p == r->end)
      return es_pq_fail(err, r->off, "the RLE/bit-packed data ends before its values do");
    if (shift > 28)
      return es_pq_fail(err, r->off, "an RLE/bit-packed run header longer than 32 bits");
    h |= (uint64_t)(*r->p & 0x7f) << shift;
    shift += 7;
    if (!(*r->p++ & 0x80)) break;
  }
  if (h & 1) { /* bit-packed: a last run may be cut short, only the values present count */
    bytes = (h >> 1) * (uint64_t)r->bw;
    if (bytes > (uint64_t)(r->end - r->p)) bytes = (uint64_t)(r->end - r->p);
    r->packed = 1;
    r->bp = r->p;
    r->bp_end = r->p + bytes;
    r->bit = 0;
    r->left = r->bw ? (uint32_t)(bytes * 8 / (uint64_t)r->bw) : (uint32_t)((h >> 1) * 8);
    if (r->left > (h >> 1) * 8) r->left = (uint32_t)((h >> 1) * 8);
    r->p += bytes;
    return 0;
  }
  if (vbytes > (size_t)(r->end - r->p))
    return es_pq_fail(err, r->off, "an RLE run's value runs past the end of the data");
  r->packed = 0;
  r->value = 0;
  for (i = 0; i < vbytes; i++) r->value |= (uint32_t)r->p[i] << (8 * i);
  r->p += vbytes;
  r->left = (uint32_t)(h >> 1);
  if (r->left && r->value > r->max)
    return es_pq_fail(err, r->off, "an RLE run of value %u, above the largest allowed (%u)",
                      r->value, r->max);
  return 0;
}

/* Value at bit offset bit of a packed run: up to 32 bits from up to 5 bytes, none past the end. */
static inline uint32_t unpack(const uint8_t *bp, const uint8_t *bp_end, uint64_t bit, int bw) {
  const uint8_t *q = bp + (bit >> 3);
  uint64_t w = 0;
  size_t avail = (size_t)(bp_end - q), i, need = ((bit & 7) + (unsigned)bw + 7) / 8;
  if (avail >= 8) {
    memcpy(&w, q, 8);
  } else {
    for (i = 0; i < need && i < avail; i++) w |= (uint64_t)q[i] << (8 * i);
  }
  return (uint32_t)((w >> (bit & 7)) & ((bw == 32) ? 0xffffffffu : ((1u << bw) - 1)));
}

/* One byte of a bit-packed run of 1- or 2-bit values spread to one value per output byte, LSB
   first (the hot case: repetition and definition levels of lists, 8 or 4 values per step). */
static inline uint64_t spread1(uint8_t b) {
  uint64_t v = b;
  v = (v | (v << 28)) & 0x0000000F0000000Full;
  v = (v | (v << 14)) & 0x0003000300030003ull;
  return (v | (v << 7)) & 0x0101010101010101ull;
}

static inline uint32_t spread2(uint8_t b) {
  uint32_t v = b;
  v = (v | (v << 12)) & 0x000F000Fu;
  return (v | (v << 6)) & 0x03030303u;
}

/* Whole bytes of a packed run of 1- or 2-bit levels; returns how many values it wrote. */
static size_t packed_bytes(es_pq_rle *r, uint8_t *out, size_t k) {
  const uint8_t *q = r->bp + (r->bit >> 3);
  size_t per, nb, i;
  if ((r->bit & 7) || (r->bw != 1 && r->bw != 2)) return 0;
  per = 8 / (size_t)r->bw;
  nb = k / per;
  if (nb > (size_t)(r->bp_end - q)) nb = (size_t)(r->bp_end - q);
  for (i = 0; i < nb; i++) {
    if (r->bw == 1) {
      uint64_t v = spread1(q[i]);
      memcpy(out + 8 * i, &v, 8);
    } else {
      uint32_t v = spread2(q[i]);
      memcpy(out + 4 * i, &v, 4);
    }
  }
  r->bit += 8 * nb;
  return nb * per;
}

/* Both getters in one body; wide is a constant in each caller, so each gets its own loop. */
static inline __attribute__((always_inline)) int get(es_pq_rle *r, void *out, size_t n, int wide,
                                                     es_error *err) {
  size_t done = 0, k, i, j;
  int rc;
  while (done < n) {
    if (!r->left && (rc = next_run(r, err))) return rc;
    k = n - done < r->left ? n - done : r->left;
    if (!r->packed && !wide) {
      memset((uint8_t *)out + done, (int)r->value, k);
    } else if (!r->packed) {
      for (i = 0; i < k; i++) ((uint32_t *)out)[done + i] = r->value;
    } else {
      i = wide ? 0 : packed_bytes(r, (uint8_t *)out + done, k);
      if (i && r->max < (1u << r->bw) - 1) { /* values the width allows but the column does not */
        uint8_t top = 0;
        for (j = 0; j < i; j++)
          top = ((uint8_t *)out)[done + j] > top ? ((uint8_t *)out)[done + j] : top;
        if (top > r->max)
          return es_pq_fail(err, r->off, "a bit-packed value %u above the largest allowed (%u)",
                            top, r->max);
      }
      for (; i < k; i++) {
        uint32_t v = r->bw ? unpack(r->bp, r->bp_end, r->bit, r->bw) : 0;
        if (v > r->max)
          return es_pq_fail(err, r->off, "a bit-packed value %u above the largest allowed (%u)", v,
                            r->max);
        if (wide)
          ((uint32_t *)out)[done + i] = v;
        else
          ((uint8_t *)out)[done + i] = (uint8_t)v;
        r->bit += (unsigned)r->bw;
      }
    }
    r->left -= (uint32_t)k;
    done += k;
  }
  return 0;
}

int es_pq_rle_u8(es_pq_rle *r, uint8_t *out, size_t n, es_error *err) {
  return get(r, out, n, 0, err);
}

int es_pq_rle_u32(es_pq_rle *r, uint32_t *out, size_t n, es_error *err) {
  return get(r, out, n, 1, err);
}
