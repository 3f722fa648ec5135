/* lz4raw.c - one LZ4 block (Parquet's LZ4_RAW page) decoded in a single pass from the file
   mapping straight into the page buffer, the consumed input dropped every ES_PQ_IN_STEP bytes.
   liblz4 decodes a block only whole (LZ4_decompress_safe and its _partial, _continue and
   _usingDict forms each take a complete block and report no input position), so a 100 MiB
   page kept all its compressed input resident beside the output until the end. The output is
   the whole page, so matches need no window of their own. The block rules are liblz4's (and the
   format's): no offset 0 or before the block's start, the last sequence literals only, no match
   starting in the last 12 bytes or ending in the last 5, exactly the stated size. */
#include <string.h>

#include "load/parquet/stream.h"

#define MIN_MATCH 4
#define LAST_LITERALS 5 /* the block's last bytes are literals ... */
#define MF_LIMIT 12     /* ... and no match starts this close to its end */
#define TAIL_INPUT 8    /* input left after literals that only the last sequence may leave */

/* The decoder's place: input at ip (of in's bytes, up to end), output at dst + op of want. */
typedef struct dec {
  es_pq_in *in;
  const uint8_t *ip, *end;
  uint8_t *dst;
  size_t op, want;
  size_t next_drop; /* input offset at which the pages behind go back next */
} dec;

/* The input pages behind ip go back every ES_PQ_IN_STEP bytes. */
static void dropping(dec *d) {
  size_t used = (size_t)(d->ip - d->in->p);
  if (used < d->next_drop) return;
  es_pq_in_drop(d->in, used);
  d->next_drop = used + ES_PQ_IN_STEP;
}

/* A length's extra bytes (255 means another follows) added to *len; -1 past the input, or once
   the length exceeds what the page has room for. */
static int more_len(dec *d, size_t *len) {
  uint8_t b;
  do {
    if (d->ip == d->end) return -1;
    b = *d->ip++;
    *len += b;
    if (*len > d->want) return -1;
  } while (b == 255);
  return 0;
}

/* len bytes at dst from off bytes back (off <= what is written): overlapping copies repeat the
   last off bytes, copied in runs that double as the repeated stretch grows. */
static void copy_match(uint8_t *dst, size_t off, size_t len) {
  size_t k;
  while (len) {
    k = off < len ? off : len;
    memcpy(dst, dst - off, k);
    dst += k;
    len -= k;
    off += k;
  }
}

/* The token's literals: 0 to go on to a match, 1 at the block's end. Copied a step at a time:
   an incompressible page is one literal run as long as the page. */
static int literals(dec *d, unsigned token) {
  size_t lit = token >> 4, k;
  if (lit == 15 && more_len(d, &lit)) return -1;
  if (lit > (size_t)(d->end - d->ip) || lit > d->want - d->op) return -1;
  for (; lit; lit -= k) {
    k = lit < ES_PQ_IN_STEP ? lit : ES_PQ_IN_STEP;
    memcpy(d->dst + d->op, d->ip, k);
    d->ip += k;
    d->op += k;
    dropping(d);
  }
  if (d->want - d->op >= MF_LIMIT && (size_t)(d->end - d->ip) >= TAIL_INPUT) return 0;
  return d->ip == d->end ? 1 : -1; /* only the last sequence comes this near either end */
}

static int match(dec *d, unsigned token) {
  size_t off, len = token & 15;
  off = (size_t)d->ip[0] | (size_t)d->ip[1] << 8; /* literals() left at least TAIL_INPUT */
  d->ip += 2;
  if (off == 0 || off > d->op) return -1;
  if (len == 15 && more_len(d, &len)) return -1;
  len += MIN_MATCH;
  if (len > d->want - d->op || d->want - d->op - len < LAST_LITERALS) return -1;
  copy_match(d->dst + d->op, off, len);
  d->op += len;
  return 0;
}

int es_pq_lz4_stream(es_pq_in *in, uint8_t *dst, size_t want) {
  dec d = {in, in->p, in->p + in->n, dst, 0, want, ES_PQ_IN_STEP};
  unsigned token;
  int rc;
  /* An empty page is the one token 0, as liblz4 has it: a token also naming a match is not. */
  if (want == 0 && (in->n != 1 || in->p[0] != 0)) return -1;
  for (;;) {
    if (d.ip == d.end) return -1;
    token = *d.ip++;
    if ((rc = literals(&d, token))) break;
    if (match(&d, token)) return -1;
    dropping(&d);
  }
  if (rc != 1 || d.op != want) return -1;
  es_pq_in_drop(in, in->n);
  return 0;
}
