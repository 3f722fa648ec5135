/* test_arena.c - the chunk arena: alignment, big blocks, and blocks kept (not refaulted) across
 * resets. */
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "tap.h"

/* What one 10 MB chunk message decodes to: many small strings and 1.5 KB vectors. */
static void fill(es_arena *a) {
  size_t i;
  for (i = 0; i < 6000; i++) {
    char *s = es_arena_strndup(a, "0190a8c2-abcd-7ef0-8000-00000000000f", 36);
    float *v = es_arena_alloc(a, 384 * sizeof(float));
    CHECK(s && v);
    if (!s || !v) return;
    CHECK(((uintptr_t)v & 15) == 0);
    memset(v, 0x41, 384 * sizeof(float));
  }
}

int main(void) {
  es_arena a;
  size_t after_first, i;
  void *big;
  es_arena_init(&a);
  fill(&a);
  after_first = a.bytes;
  CHECK(after_first >= 6000 * (384 * sizeof(float) + 48));
  for (i = 0; i < 3; i++) {
    es_arena_reset(&a);
    CHECK_EQ_INT(a.head == NULL, 1);
    fill(&a);
    /* the same blocks serve every chunk: held memory does not grow, nothing is re-malloced */
    CHECK_EQ_INT(a.bytes, after_first);
  }
  /* a big request gets a block of its own, given back at reset */
  big = es_arena_alloc(&a, 4u << 20);
  CHECK(big != NULL);
  CHECK_EQ_INT(a.bytes, after_first + (4u << 20));
  es_arena_reset(&a);
  CHECK_EQ_INT(a.bytes, after_first);
  CHECK(es_arena_alloc(&a, SIZE_MAX - 8) == NULL); /* overflow refused */
  CHECK(es_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
  es_arena_free(&a);
  CHECK_EQ_INT(a.bytes, 0);
  return tap_done("test_arena");
}
