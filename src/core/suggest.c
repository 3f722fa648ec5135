/* suggest.c - nearest-name suggestions by optimal string alignment distance. */
#include "core/suggest.h"

#include <ctype.h>
#include <string.h>

/* Longer names than this are never typos of ours (and keep the rows on the stack). */
#define SUGGEST_MAX_LEN 64

static int same(char a, char b) { return tolower((unsigned char)a) == tolower((unsigned char)b); }

static size_t min3(size_t a, size_t b, size_t c) {
  size_t m = a < b ? a : b;
  return m < c ? m : c;
}

size_t es_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t cap) {
  size_t rows[3][SUGGEST_MAX_LEN + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
  size_t i, j;
  if (alen > SUGGEST_MAX_LEN || blen > SUGGEST_MAX_LEN) return cap + 1;
  if ((alen > blen ? alen - blen : blen - alen) > cap) return cap + 1;
  for (j = 0; j <= blen; j++) prev[j] = j;
  for (i = 1; i <= alen; i++) {
    size_t best;
    cur[0] = best = i;
    for (j = 1; j <= blen; j++) {
      size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]) &&
          prev2[j - 2] + 1 < cur[j])
        cur[j] = prev2[j - 2] + 1; /* a swap of neighbours is one typo, not two */
      if (cur[j] < best) best = cur[j];
    }
    if (best > cap) return cap + 1;
    {
      size_t *t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
  }
  return prev[blen] > cap ? cap + 1 : prev[blen];
}

static size_t allowed(size_t len) { return len <= 4 ? 1 : len <= 8 ? 2 : 3; }

const char *es_suggest(const char *word, size_t len, const char *const *candidates, size_t n) {
  const char *best = NULL;
  size_t i, best_d = allowed(len) + 1;
  for (i = 0; i < n; i++) {
    size_t d;
    if (!candidates[i]) continue;
    d = es_edit_distance(word, len, candidates[i], strlen(candidates[i]), best_d - 1);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  return best;
}
