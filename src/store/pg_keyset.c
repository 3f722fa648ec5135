/* pg_keyset.c - duplicate keys: a chunk's own, and the keys a stream has written (sorted 64-bit
   hashes).

   It answers "has this stream written this key before?" without asking the database, so a
   stream into an empty table can keep one COPY open from its first chunk to its last. A hit may
   be a hash collision: the caller then asks the database, which is exact; a miss is certain.
   8 bytes per key, up to ES_PG_KEYSET_MAX keys; past that the set turns itself off and every
   chunk is checked in the database instead (slower, still exact). Hashes are uniform, so a
   lookup starts where the value should be (interpolation) and gallops from there. */
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

/* FNV-1a, then splitmix64's finalizer: every bit of the key reaches every bit of the hash. */
uint64_t es_pg_key_hash(const char *s) {
  uint64_t h = 14695981039346656037ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

int es_pg_keyset_contains(const es_pg_keyset *s, uint64_t h) {
  size_t n = s->n, g, lo, hi, step;
  if (!n || s->off) return 0;
  g = (size_t)(((unsigned __int128)h * n) >>
               64); /* where h would sit if hashes were evenly spread */
  if (s->h[g] == h) return 1;
  if (s->h[g] < h) { /* gallop right, keeping s->h[lo] < h, until s->h[hi] >= h or hi == n */
    for (lo = g, step = 1;; lo = hi, step *= 2) {
      hi = step < n - g ? g + step : n;
      if (hi == n || s->h[hi] >= h) break;
    }
    lo++;
  } else { /* gallop left, keeping s->h[hi] > h, until s->h[lo] <= h or lo == 0 */
    for (hi = g, step = 1;; hi = lo, step *= 2) {
      lo = step < g ? g - step : 0;
      if (lo == 0 || s->h[lo] <= h) break;
    }
  }
  while (lo < hi) { /* binary search in [lo, hi) */
    size_t mid = lo + (hi - lo) / 2;
    if (s->h[mid] < h)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && s->h[lo] == h;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void es_pg_keyset_add(es_pg_keyset *s, uint64_t *hs, size_t m) {
  size_t i, j, k, u = 0;
  if (s->off || !m) return;
  qsort(hs, m, sizeof(*hs), cmp_u64);
  for (i = 0; i < m; i++)
    if (!u || hs[u - 1] != hs[i]) hs[u++] = hs[i];
  if (s->n + u > ES_PG_KEYSET_MAX) {
    es_pg_keyset_free(s);
    s->off = 1;
    return;
  }
  if (s->n + u > s->cap) {
    size_t cap = s->cap ? s->cap : 8192;
    uint64_t *p;
    while (cap < s->n + u) cap *= 2;
    if (cap > ES_PG_KEYSET_MAX) cap = ES_PG_KEYSET_MAX;
    if (!(p = realloc(s->h, cap * sizeof(*p)))) {
      es_pg_keyset_free(s);
      s->off = 1; /* no memory for it: the database checks every chunk instead */
      return;
    }
    s->h = p;
    s->cap = cap;
  }
  /* Merge from the back, in place: the larger of the two tails moves to the free end. */
  i = s->n;
  j = u;
  k = s->n + u;
  while (j > 0) {
    if (i > 0 && s->h[i - 1] > hs[j - 1])
      s->h[--k] = s->h[--i];
    else
      s->h[--k] = hs[--j];
  }
  s->n += u;
}

void es_pg_keyset_free(es_pg_keyset *s) {
  free(s->h);
  s->h = NULL;
  s->n = s->cap = 0;
}

/* ---------------------------------------------------------------- a chunk's own duplicates */

static int cmp_rows(const void *a, const void *b, void *arg) {
  const es_chunk *c = arg;
  uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
  size_t k = c->domain->key;
  int r = strcmp(es_chunk_row(c, i)[k].s, es_chunk_row(c, j)[k].s);
  if (r) return r;
  return i < j ? -1 : i > j;
}

int es_pg_last_rows(const es_chunk *c, uint32_t **rows, size_t *n, es_error *err) {
  size_t i, m = 0, k = c->domain->key;
  uint32_t *idx = NULL, *out = NULL;
  unsigned char *keep = NULL;
  *rows = NULL;
  *n = 0;
  if (!c->nrows) return 0;
  if (c->nrows > UINT32_MAX || c->nrows > SIZE_MAX / sizeof(uint32_t))
    return es_err_set(err, ES_ENOMEM, "chunk too large");
  idx = malloc(c->nrows * sizeof(*idx));
  out = malloc(c->nrows * sizeof(*out));
  keep = calloc(c->nrows, 1);
  if (!idx || !out || !keep) {
    free(idx);
    free(out);
    free(keep);
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  for (i = 0; i < c->nrows; i++) idx[i] = (uint32_t)i;
  qsort_r(idx, c->nrows, sizeof(*idx), cmp_rows, (void *)c);
  for (i = 0; i < c->nrows; i++) /* the last of each run of equal keys is its latest row */
    if (i + 1 == c->nrows || strcmp(es_chunk_row(c, idx[i])[k].s, es_chunk_row(c, idx[i + 1])[k].s))
      keep[idx[i]] = 1;
  for (i = 0; i < c->nrows; i++) /* in key order */
    if (keep[idx[i]]) out[m++] = idx[i];
  free(idx);
  free(keep);
  *rows = out;
  *n = m;
  return 0;
}
