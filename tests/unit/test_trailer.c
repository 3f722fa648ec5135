/* test_trailer.c - the failure trailers' values and the details' "chunk N, row M": what parses,
   what does not (signs, spaces, overflow, a position inside another word). */
#include <string.h>

#include "core/trailer.h"
#include "tap.h"

static int uint_of(const char *s, uint64_t *out) { return es_trailer_uint(s, strlen(s), out); }

static void test_uint(void) {
  uint64_t v = 77;
  CHECK(uint_of("1000", &v) == 0 && v == 1000);
  CHECK(uint_of("0", &v) == 0 && v == 0);
  CHECK(uint_of("007", &v) == 0 && v == 7);
  CHECK(uint_of("999999999999999999", &v) == 0 && v == 999999999999999999ull); /* 18 digits */
  v = 77;
  CHECK(uint_of("1000000000000000000", &v) < 0); /* 19: refused, never wraps */
  CHECK(uint_of("99999999999999999999999", &v) < 0);
  CHECK(uint_of("", &v) < 0);
  CHECK(uint_of("-1", &v) < 0); /* gRFC A6: negative means "do not retry" */
  CHECK(uint_of("+5", &v) < 0);
  CHECK(uint_of(" 5", &v) < 0);
  CHECK(uint_of("5 ", &v) < 0);
  CHECK(uint_of("5ms", &v) < 0);
  CHECK(uint_of("1.5", &v) < 0);
  CHECK(uint_of("soon", &v) < 0);
  CHECK(v == 77); /* untouched by every refusal */
  CHECK(es_trailer_uint(NULL, 3, &v) < 0);
  CHECK(es_trailer_uint("12", 1, &v) == 0 && v == 1); /* the length given, not a NUL, ends it */
}

static void test_find_pos(void) {
  uint64_t c = 0, r = 0;
  size_t start = 9, end = 9;
  const char *ours = "chunk 7, row 99: field 'vector': 383 values, expected 384";
  CHECK(es_trailer_find_pos(ours, &c, &r, &start, &end) == 1);
  CHECK(c == 7 && r == 99 && start == 0);
  CHECK_STR(ours + end, "field 'vector': 383 values, expected 384");
  /* elsewhere in the text, any case, without a colon after it */
  CHECK(es_trailer_find_pos("bad row (Chunk 12, row 0)", &c, &r, &start, &end) == 1);
  CHECK(c == 12 && r == 0 && start == 9 && end == 24);
  CHECK(es_trailer_find_pos("message 3: chunk 2, row 5: x", &c, &r, &start, &end) == 1);
  CHECK(c == 2 && r == 5 && start == 11);
  /* the first of two */
  CHECK(es_trailer_find_pos("chunk 1, row 2 then chunk 3, row 4", &c, &r, &start, &end) == 1);
  CHECK(c == 1 && r == 2);
  /* not a position */
  c = r = 42;
  CHECK(es_trailer_find_pos("", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos(NULL, &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chunk 7 row 99", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chunk , row 1", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chunk 7, row x", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chunk -7, row 1", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("subchunk 7, row 1", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chunk 99999999999999999999, row 1", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chun", &c, &r, &start, &end) == 0);
  CHECK(es_trailer_find_pos("chunk 7, row", &c, &r, &start, &end) == 0);
}

int main(void) {
  test_uint();
  test_find_pos();
  return tap_done("test_trailer");
}
