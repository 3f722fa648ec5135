/* dict.c - dictionary pages: every entry checked to lie inside the page before it is kept. */
#include "load/parquet/dict.h"

#include <stdlib.h>
#include <string.h>

#include "load/parquet/fail.h"

int es_pq_dict_load(es_pq_dict *d, int type, size_t width, const uint8_t *p, size_t len, int32_t n,
                    uint64_t off, es_error *err) {
  if (d->present) return es_pq_fail(err, off, "a second dictionary page in one column chunk");
  if (n < 0) return es_pq_fail(err, off, "a dictionary page of %d values", n);
  if (width && (uint64_t)n * width > len)
    return es_pq_fail(err, off, "a dictionary page of %d values of %zu bytes in %zu bytes", n,
                      width, len);
  if (!width && (uint64_t)n * 4 > len) /* every PLAIN byte array has its 4-byte length */
    return es_pq_fail(err, off, "a dictionary page of %d byte arrays in %zu bytes", n, len);
  if (!(d->data = malloc(len ? len : 1))) return es_pq_oom(err);
  memcpy(d->data, p, len);
  d->present = 1;
  d->type = type;
  d->width = width;
  d->n = (uint32_t)n;
  if (width) return 0;
  if (n && !(d->items = malloc((size_t)n * sizeof(*d->items)))) return es_pq_oom(err);
  return es_pq_plain_bytes(d->data, d->data + len, d->items, (size_t)n, off, err);
}

void es_pq_dict_free(es_pq_dict *d) {
  free(d->data);
  free(d->items);
  memset(d, 0, sizeof(*d));
}
