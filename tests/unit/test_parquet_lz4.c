/* test_parquet_lz4.c - our LZ4 block decoder (LZ4_RAW pages, lz4raw.c) against liblz4's: the same
   bytes for every block liblz4 decodes, a refusal for every block it refuses, among thousands of
   damaged blocks (offset 0 aside, which the format calls corrupt and we refuse); and the named
   corruptions each refused without reading or writing out of bounds (the ASan build runs this too,
   on buffers malloc'd to the byte). */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/parquet/stream.h"
#include "tap.h"

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void) {
  rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
  return rng;
}

/* Ours on exactly n bytes of input into exactly want bytes of output (both malloc'd to size). */
static int ours(const uint8_t *src, size_t n, uint8_t *out, size_t want) {
  uint8_t *in = malloc(n ? n : 1), *dst = malloc(want ? want : 1);
  int rc;
  if (!in || !dst) abort();
  memcpy(in, src, n);
  es_pq_in pin = {in, n, 0, 0, 0, 0};
  rc = es_pq_lz4_stream(&pin, dst, want);
  if (rc == 0) memcpy(out, dst, want);
  free(in);
  free(dst);
  return rc;
}

static int theirs(const uint8_t *src, size_t n, uint8_t *out, size_t want) {
  return LZ4_decompress_safe((const char *)src, (char *)out, (int)n, (int)want) == (int)want ? 0
                                                                                             : -1;
}

/* Text-like bytes: matches of every length and offset, literals of every length. */
static void fill(uint8_t *p, size_t n) {
  static const char *words[] = {"vector ", "skills ", "embedding ", "a", "zz", "0123456789abcdef"};
  size_t i = 0;
  while (i < n) {
    uint32_t r = next_rand();
    const char *w = words[r % 6];
    if (r % 7 == 0) {
      p[i++] = (uint8_t)(r >> 8);
      continue;
    }
    for (; *w && i < n; w++) p[i++] = (uint8_t)*w;
  }
}

/* Damaged copies of good blocks (bytes changed, cut short, asked for another size): wherever
   liblz4 decodes, we decode the same bytes; wherever it refuses, we refuse. */
static void test_against_liblz4(void) {
  enum { N = 70000, ROUNDS = 3000 };
  uint8_t *plain = malloc(N), *comp = malloc(LZ4_compressBound(N)),
          *bad = malloc(LZ4_compressBound(N));
  uint8_t *a = malloc(N + 64), *b = malloc(N + 64);
  long agree = 0, both_ok = 0;
  uint32_t r;
  if (!plain || !comp || !bad || !a || !b) abort();
  for (r = 0; r < ROUNDS; r++) {
    size_t size = 1 + next_rand() % (r % 10 ? 300 : N), n, want = size, k;
    int ra, rb;
    fill(plain, size);
    n = (size_t)LZ4_compress_default((const char *)plain, (char *)comp, (int)size,
                                     LZ4_compressBound(N));
    memcpy(bad, comp, n);
    switch (r % 4) {
    case 0: break; /* intact */
    case 1:
      for (k = 0; k < 1 + r % 3; k++) bad[next_rand() % n] = (uint8_t)next_rand();
      break;
    case 2: n -= 1 + next_rand() % n; break;        /* cut short (to nothing, at worst) */
    default: want = size + (next_rand() % 32) - 16; /* a header that lies about the size */
    }
    if (want > N) want = size;
    ra = ours(bad, n, a, want);
    rb = theirs(bad, n, b, want);
    if (ra == rb && (ra || memcmp(a, b, want) == 0))
      agree++;
    else
      fprintf(stderr, "# round %u: ours %d, liblz4 %d (%zu bytes in, %zu out)\n", r, ra, rb, n,
              want);
    both_ok += ra == 0 && rb == 0;
    if (r % 4 == 0) CHECK(ra == 0 && memcmp(a, plain, size) == 0);
  }
  fprintf(stderr, "# %ld of %d blocks decoded by both, the rest refused by both\n", both_ok,
          (int)ROUNDS);
  CHECK_EQ_INT(agree, ROUNDS);
  CHECK(both_ok > ROUNDS / 4); /* the intact ones at least */
  free(plain);
  free(comp);
  free(bad);
  free(a);
  free(b);
}

/* A block by hand: `lit` literals "abcd..." then a match (offset, extra length) and 5 final
   literals; the named corruptions are variations of it. */
static size_t block(uint8_t *p, size_t lit, unsigned off, unsigned mlen, int final) {
  size_t n = 0, i;
  p[n++] = (uint8_t)((lit < 15 ? lit : 15) << 4 | (mlen - 4 < 15 ? mlen - 4 : 15));
  if (lit >= 15) p[n++] = (uint8_t)(lit - 15); /* lit < 270 here */
  for (i = 0; i < lit; i++) p[n++] = (uint8_t)('a' + i % 26);
  p[n++] = (uint8_t)(off & 0xff);
  p[n++] = (uint8_t)(off >> 8);
  if (mlen - 4 >= 15) p[n++] = (uint8_t)(mlen - 4 - 15); /* mlen < 274 here */
  if (final) {
    p[n++] = 5 << 4;
    for (i = 0; i < 5; i++) p[n++] = (uint8_t)('v' + i);
  }
  return n;
}

/* A corrupt block: refused by ours and by liblz4 alike. */
static void refused(const uint8_t *p, size_t n, size_t want, const char *what) {
  uint8_t out[1024];
  int a = ours(p, n, out, want), b = theirs(p, n, out, want);
  if (a != -1 || b != -1) fprintf(stderr, "# %s: ours %d, liblz4 %d\n", what, a, b);
  CHECK(a == -1 && b == -1);
}

static void test_corrupt_blocks(void) {
  uint8_t p[512], out[1024];
  size_t n;
  /* The well-formed one first: 20 literals, an 8-byte match 4 back, 5 literals. */
  n = block(p, 20, 4, 8, 1);
  CHECK_EQ_INT(ours(p, n, out, 33), 0);
  CHECK(memcmp(out + 20, "qrstqrst", 8) == 0 && memcmp(out + 28, "vwxyz", 5) == 0);
  CHECK_EQ_INT(theirs(p, n, out, 33), 0);
  refused(p, n, 34, "one byte more asked for");
  refused(p, n, 32, "one byte less asked for");
  /* A run: offset 1 repeats one byte (overlapping copy). */
  n = block(p, 20, 1, 100, 1);
  CHECK_EQ_INT(ours(p, n, out, 125), 0);
  CHECK(out[20] == 't' && out[119] == 't' && out[120] == 'v');
  /* Offset 0, which the format calls corrupt (liblz4 1.9.4 decodes it, copying bytes onto
     themselves: the one refusal of ours it does not share; no damaged block above has one). */
  n = block(p, 20, 0, 8, 1);
  CHECK_EQ_INT(ours(p, n, out, 33), -1);
  refused(p, block(p, 20, 21, 8, 1), 33, "an offset before the block's start");
  refused(p, block(p, 20, 4, 200, 1), 33, "a match past the stated size");
  n = block(p, 100, 4, 8, 1);
  refused(p, 60, 113, "a literal run cut short");
  refused(p, 1, 113, "a literal length cut short");
  refused(p, block(p, 20, 4, 8, 0), 28, "a block ending on a match");
  n = block(p, 20, 4, 8, 0); /* then 3 literals: the match ends in the last 5 bytes */
  p[n++] = 3 << 4;
  memcpy(p + n, "xyz", 3);
  refused(p, n + 3, 31, "a match ending in the last 5 bytes");
  memset(p, 255, 64);
  p[0] = 0xf0;
  refused(p, 64, 1000, "a literal length that never ends");
  refused(p, 0, 0, "no input at all");
  /* The empty block (one token, no literals) is an empty page. */
  p[0] = 0;
  CHECK_EQ_INT(ours(p, 1, out, 0), 0);
  CHECK_EQ_INT(theirs(p, 1, out, 0), 0);
  /* Found by fuzz_parquet in CI: a token naming a 12-byte match (no literals) was taken as an
     empty page by ours, liblz4 refuses it. */
  p[0] = 0x08;
  refused(p, 1, 0, "an empty block whose token names a match");
  p[0] = 0;
  p[1] = 0;
  refused(p, 2, 0, "an empty block with a byte after it");
}

int main(void) {
  test_corrupt_blocks();
  test_against_liblz4();
  return tap_done("test_parquet_lz4");
}
