/* bytes.c - BYTE_ARRAY decoding: lengths checked against the bytes left before a value is
   believed; DELTA_BYTE_ARRAY rebuilt from prefix and suffix, within the expansion budget. */
#include "load/parquet/bytes.h"

#include <stdlib.h>
#include <string.h>

#include "load/parquet/fail.h"
#include "load/parquet/names.h"

int es_pq_plain_bytes(const uint8_t *p, const uint8_t *end, es_pq_bytes *out, size_t n,
                      uint64_t off, es_error *err) {
  size_t i;
  uint32_t len;
  for (i = 0; i < n; i++) {
    if (end - p < 4)
      return es_pq_fail(err, off, "PLAIN byte array %zu: its length runs past the end of the page",
                        i);
    memcpy(&len, p, 4); /* little-endian, as the hosts this builds on */
    p += 4;
    if (len > (size_t)(end - p))
      return es_pq_fail(err, off, "PLAIN byte array %zu: %u bytes, more than the page has left", i,
                        len);
    out[i].p = p;
    out[i].n = len;
    p += len;
  }
  return 0;
}

int es_pq_barr_init(es_pq_barr *b, int enc, const uint8_t *p, const uint8_t *end,
                    const uint64_t *budget, uint64_t off, es_error *err) {
  int rc;
  b->enc = enc;
  b->p = p;
  b->end = end;
  b->off = off;
  b->budget = budget;
  b->prev_len = 0;
  if (enc == ES_PQ_PLAIN) return 0;
  if (enc == ES_PQ_DELTA_BYTE_ARRAY) {
    if ((rc = es_pq_delta_init(&b->prefix, p, end, 1, off, err)) ||
        (rc = es_pq_delta_end(&b->prefix, &p, err)))
      return rc;
  }
  return (rc = es_pq_delta_init(&b->lens, p, end, 1, off, err))
             ? rc
             : es_pq_delta_end(&b->lens, &b->p, err);
}

/* Values whose lengths come from b->lens: the bytes follow one another. */
static int delta_length(es_pq_barr *b, es_pq_bytes *out, size_t n, es_error *err) {
  int64_t len[ES_PQ_BYTES_BATCH];
  size_t i;
  int rc;
  if ((rc = es_pq_delta_get(&b->lens, len, n, err))) return rc;
  for (i = 0; i < n; i++) {
    if (len[i] < 0 || (uint64_t)len[i] > (uint64_t)(b->end - b->p))
      return es_pq_fail(err, b->off, "a byte array of %lld bytes, more than the page has left",
                        (long long)len[i]);
    out[i].p = b->p;
    out[i].n = (uint32_t)len[i];
    b->p += len[i];
  }
  return 0;
}

static int grow(uint8_t **buf, size_t *cap, size_t need) {
  uint8_t *nb;
  size_t c = *cap ? *cap : 256;
  if (need <= *cap) return 0;
  while (c < need) c = c > SIZE_MAX / 2 ? need : c * 2;
  if (!(nb = realloc(*buf, c))) return ES_ENOMEM;
  *buf = nb;
  *cap = c;
  return 0;
}

/* Values rebuilt from prefixes and suffixes into b->buf (the previous batch's are overwritten). */
static int delta_bytes(es_pq_barr *b, es_pq_bytes *out, size_t n, es_error *err) {
  int64_t pre[ES_PQ_BYTES_BATCH];
  uint64_t total = 0, plen = b->prev_len;
  size_t i, at = 0;
  int rc;
  if ((rc = es_pq_delta_get(&b->prefix, pre, n, err)) || (rc = delta_length(b, out, n, err)))
    return rc;
  for (i = 0; i < n; i++) {
    if (pre[i] < 0 || (uint64_t)pre[i] > plen)
      return es_pq_fail(err, b->off,
                        "DELTA_BYTE_ARRAY: a prefix of %lld bytes after a value of %llu",
                        (long long)pre[i], (unsigned long long)plen);
    plen = (uint64_t)pre[i] + out[i].n;
    total += plen;
  }
  if (total > *b->budget || total > UINT32_MAX)
    return es_pq_fail(
        err, b->off,
        "DELTA_BYTE_ARRAY values expand to %llu bytes, more than the file can hold (256 x its size)",
        (unsigned long long)total);
  if (grow(&b->buf, &b->buf_cap, (size_t)total)) return es_pq_oom(err);
  for (i = 0; i < n; i++) {
    const uint8_t *prev = i ? out[i - 1].p : b->prev;
    size_t k = (size_t)pre[i], sn = out[i].n;
    if (k) memcpy(b->buf + at, prev, k);
    if (sn) memcpy(b->buf + at + k, out[i].p, sn);
    out[i].p = b->buf + at;
    out[i].n = (uint32_t)(k + sn);
    at += k + sn;
  }
  /* The next batch's first prefix refers to this batch's last value. */
  if (!n) return 0;
  if (grow(&b->prev, &b->prev_cap, out[n - 1].n)) return es_pq_oom(err);
  if (out[n - 1].n) memcpy(b->prev, out[n - 1].p, out[n - 1].n);
  b->prev_len = out[n - 1].n;
  return 0;
}

int es_pq_barr_get(es_pq_barr *b, es_pq_bytes *out, size_t n, es_error *err) {
  int rc;
  if (n > ES_PQ_BYTES_BATCH)
    return es_err_set(err, ES_EINTERNAL, "%zu byte arrays asked for at once", n);
  if (b->enc == ES_PQ_DELTA_BYTE_ARRAY) return delta_bytes(b, out, n, err);
  if (b->enc == ES_PQ_DELTA_LENGTH_BYTE_ARRAY) return delta_length(b, out, n, err);
  if ((rc = es_pq_plain_bytes(b->p, b->end, out, n, b->off, err))) return rc;
  if (n) b->p = out[n - 1].p + out[n - 1].n;
  return 0;
}

void es_pq_barr_free(es_pq_barr *b) {
  free(b->prev);
  free(b->buf);
  b->prev = b->buf = NULL;
  b->prev_cap = b->buf_cap = 0;
}
