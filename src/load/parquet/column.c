/* column.c - a column chunk's pages in order: index pages skipped, the dictionary page kept,
   each data page (v1 or v2) decompressed whole and its levels and values decoded on demand. */
#include "load/parquet/column.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "load/parquet/codec.h"
#include "load/parquet/fail.h"
#include "load/parquet/names.h"

static size_t width_of(int type) {
  return type == ES_PQ_INT32 || type == ES_PQ_FLOAT    ? 4
         : type == ES_PQ_INT64 || type == ES_PQ_DOUBLE ? 8
                                                       : 0;
}

/* Gives the file's pages before offset to back to the kernel: a read-only file mapping faults
   them in again if anything touches them, so this only ever costs a re-read. */
static void release(es_pq_col *c, uint64_t to) {
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
  if (!c->mapped || to <= c->released) return;
  lo = ((uintptr_t)c->file + c->released) & ~(page - 1);
  hi = ((uintptr_t)c->file + to) & ~(page - 1);
  if (hi <= lo) return;
  madvise((void *)lo, hi - lo, MADV_DONTNEED);
  c->released = (uint64_t)(hi - (uintptr_t)c->file);
}

int es_pq_col_open(es_pq_col *c, const es_pq_colspec *spec, const es_pq_chunk *ch,
                   const uint8_t *file, int mapped, const uint64_t *budget, es_error *err) {
  int rc;
  es_pq_ahead_wait(&c->ahead, NULL); /* one left running by an error in the last chunk */
  c->ahead_on = c->decoded = 0;
  es_pq_dict_free(&c->dict);
  c->spec = spec;
  c->file = file;
  c->mapped = mapped;
  c->pos = c->released = ch->start;
  c->end = ch->end;
  c->codec = ch->codec;
  c->levels_left = ch->num_values;
  c->data_seen = 0;
  c->page_left = 0;
  c->nb = c->ib = 0;
  c->budget = budget;
  if ((rc = es_pq_codec_check(ch->codec, ch->start, err))) return rc;
  if (!c->reps && !(c->reps = malloc(ES_PQ_LEVEL_BATCH))) return es_pq_oom(err);
  if (!c->defs && !(c->defs = malloc(ES_PQ_LEVEL_BATCH))) return es_pq_oom(err);
  return 0;
}

/* Both buffers grow to the largest page seen, so that pages of different sizes taking turns
   do not map fresh memory (and fault it in) each time. */
static int reserve(es_pq_col *c, es_pq_pagebuf *b, size_t need) {
  if (need > c->largest) c->largest = need;
  return es_pq_pagebuf_reserve(b, need, c->largest);
}

/* A page decompressed in place goes into the buffer that holds the most already (its memory is
   reused, not faulted in afresh), and the other one keeps no more than a page decompressed
   ahead does: two big pages are never resident at once (issue 13's bound is 64 MiB plus one
   page). Nothing is decompressing ahead at this point. */
static es_pq_pagebuf *in_place_buffer(es_pq_col *c) {
  if (c->pb[!c->cur].touched > c->pb[c->cur].touched) c->cur = !c->cur;
  if (c->pb[!c->cur].touched > ES_PQ_AHEAD_MAX) es_pq_pagebuf_drop(&c->pb[!c->cur]);
  return &c->pb[c->cur];
}

/* The page's bytes: in the file when stored uncompressed, else decompressed into the current
   page buffer (or already there, decompressed ahead). A v2 page keeps its levels (the first lv
   bytes) uncompressed in front of the values: they are copied in front of the decompressed
   values, so the compressed page can go at once. */
static int body(es_pq_col *c, const es_pq_page *pg, uint32_t lv, const uint8_t **out, size_t *len,
                es_error *err) {
  const uint8_t *src = c->file + pg->body;
  size_t n = pg->csize - lv, want = pg->usize - lv;
  es_pq_pagebuf *b;
  int rc;
  if (pg->usize > c->largest_read) c->largest_read = pg->usize;
  if (c->codec == ES_PQ_UNCOMPRESSED || !pg->compressed) {
    if (n != want)
      return es_pq_fail(err, pg->off, "an uncompressed page of %zu bytes whose header says %zu", n,
                        want);
    *out = src;
    *len = pg->csize;
    return 0;
  }
  if (!c->decoded) {
    if ((rc = es_pq_codec_check_size(c->codec, src + lv, n, want, pg->off, err))) return rc;
    if (reserve(c, b = in_place_buffer(c), pg->usize)) return es_pq_oom(err);
    if (lv) memcpy(b->p, src, lv);
    es_pq_in in = {src + lv, n, c->mapped, 0, 0, 0};
    if ((rc = es_pq_decompress(c->codec, &in, b->p + lv, want, pg->off, err))) return rc;
  }
  c->decoded = 0;
  release(c, pg->body + pg->csize); /* the compressed page is not needed any more */
  *out = c->pb[c->cur].p;
  *len = pg->usize;
  return 0;
}

/* Whether the current page's values go back as they are read: fixed-width PLAIN values (the
   vector's floats) of a page stored uncompressed, read in the file mapping (refill). */
static int shrinking(const es_pq_col *c) {
  return c->vals.enc == ES_PQ_PLAIN && c->vals.type != ES_PQ_BYTE_ARRAY &&
         (uintptr_t)c->values - (uintptr_t)c->file < c->end;
}

/* The next page, when it is a compressed data page of ES_PQ_AHEAD_MIN to ES_PQ_AHEAD_MAX
   bytes, is decompressed into the other buffer on another thread meanwhile. A bigger one is
   decompressed in place when its turn comes: ahead, it would be a second whole page in memory
   (and handing the current one back as it is read, to make room, costs the kernel's zero-fill
   of every page decompressed, more than the decompression itself). Anything wrong with it is
   left for load_page to find and report in order. */
static void start_ahead(es_pq_col *c) {
  es_pq_page *pg = &c->next;
  es_pq_pagebuf *b = &c->pb[!c->cur];
  es_error ignored;
  uint32_t lv;
  if (c->pos >= c->end || es_pq_page_read(c->file, c->pos, c->end, pg, &ignored)) return;
  if ((pg->type != ES_PQ_DATA_PAGE && pg->type != ES_PQ_DATA_PAGE_V2) || !pg->num_values ||
      pg->usize < ES_PQ_AHEAD_MIN || pg->usize > ES_PQ_AHEAD_MAX ||
      c->codec == ES_PQ_UNCOMPRESSED || !pg->compressed)
    return;
  lv = pg->type == ES_PQ_DATA_PAGE_V2 ? pg->rep_len + pg->def_len : 0;
  if (es_pq_codec_check_size(c->codec, c->file + pg->body + lv, pg->csize - lv, pg->usize - lv,
                             pg->off, &ignored) ||
      reserve(c, b, pg->usize))
    return;
  if (lv) memcpy(b->p, c->file + pg->body, lv);
  es_pq_in in = {c->file + pg->body + lv, pg->csize - lv, c->mapped, 0, 0, 0};
  es_pq_ahead_start(&c->ahead, c->codec, &in, b->p + lv, pg->usize - lv, pg->off);
  c->ahead_on = 1;
}

/* The header of the page at c->pos: read now, or taken with its page decompressed ahead. */
static int next_header(es_pq_col *c, es_pq_page *pg, es_error *err) {
  int rc;
  if (!c->ahead_on) return es_pq_page_read(c->file, c->pos, c->end, pg, err);
  c->ahead_on = 0;
  if ((rc = es_pq_ahead_wait(&c->ahead, err))) return rc;
  *pg = c->next;
  c->cur = !c->cur;
  c->decoded = 1;
  return 0;
}

static int read_dict(es_pq_col *c, const es_pq_page *pg, es_error *err) {
  const uint8_t *p;
  size_t len;
  char buf[48];
  int rc;
  if (c->data_seen) return es_pq_fail(err, pg->off, "a dictionary page after data pages");
  if (pg->encoding != ES_PQ_PLAIN && pg->encoding != ES_PQ_PLAIN_DICTIONARY)
    return es_pq_fail(err, pg->off, "a dictionary page encoded %s",
                      es_pq_encoding_name(pg->encoding, buf, sizeof(buf)));
  if ((rc = body(c, pg, 0, &p, &len, err))) return rc;
  return es_pq_dict_load(&c->dict, c->spec->type, width_of(c->spec->type), p, len, pg->num_values,
                         pg->off, err);
}

/* v1 levels: a 4-byte length, then the RLE/bit-packed hybrid. */
static int levels_v1(const es_pq_page *pg, const uint8_t **p, const uint8_t *end, int max, int enc,
                     es_pq_rle *r, es_error *err) {
  uint32_t len;
  char buf[48];
  if (!max) return 0;
  if (enc != ES_PQ_RLE)
    return es_pq_fail(err, pg->off, "levels encoded %s (only RLE is supported)",
                      es_pq_encoding_name(enc, buf, sizeof(buf)));
  if (end - *p < 4) return es_pq_fail(err, pg->off, "the page ends before its levels");
  memcpy(&len, *p, 4);
  *p += 4;
  if (len > (size_t)(end - *p))
    return es_pq_fail(err, pg->off, "levels of %u bytes, more than the page holds", len);
  es_pq_rle_init(r, *p, *p + len, es_pq_bit_width((uint32_t)max), (uint32_t)max, pg->off);
  *p += len;
  return 0;
}

static int start_data(es_pq_col *c, const es_pq_page *pg, es_error *err) {
  const es_pq_colspec *s = c->spec;
  const uint8_t *p;
  size_t len;
  uint64_t nvals = (uint64_t)pg->num_values;
  int rc;
  if (pg->num_values > c->levels_left)
    return es_pq_fail(err, pg->off,
                      "the pages hold more values than the column chunk's metadata says");
  c->levels_left -= pg->num_values;
  if (pg->type == ES_PQ_DATA_PAGE) {
    const uint8_t *end;
    if ((rc = body(c, pg, 0, &p, &len, err))) return rc;
    end = p + len;
    if ((rc = levels_v1(pg, &p, end, s->max_rep, pg->rep_enc, &c->rep, err)) ||
        (rc = levels_v1(pg, &p, end, s->max_def, pg->def_enc, &c->def, err)))
      return rc;
    len = (size_t)(end - p);
  } else {
    uint32_t nlv = pg->rep_len + pg->def_len;
    if ((rc = body(c, pg, nlv, &p, &len, err))) return rc;
    es_pq_rle_init(&c->rep, p, p + pg->rep_len, es_pq_bit_width((uint32_t)s->max_rep),
                   (uint32_t)s->max_rep, pg->off);
    es_pq_rle_init(&c->def, p + pg->rep_len, p + nlv, es_pq_bit_width((uint32_t)s->max_def),
                   (uint32_t)s->max_def, pg->off);
    nvals -= (uint64_t)pg->num_nulls;
    p += nlv;
    len -= nlv;
  }
  c->page_left = (uint32_t)pg->num_values;
  c->page_off = pg->off;
  c->values = p;
  return es_pq_vals_init(&c->vals, pg->encoding, s->type, width_of(s->type), p, p + len, nvals,
                         &c->dict, c->budget, pg->off, err);
}

/* The next data page with levels: 1, or 0 at the end of the chunk. */
static int load_page(es_pq_col *c, es_error *err) {
  es_pq_page pg;
  int rc;
  for (;;) {
    if (c->pos >= c->end) {
      if (c->levels_left)
        return es_pq_fail(err, c->end,
                          "the column chunk ends %lld values short of what its metadata says",
                          (long long)c->levels_left);
      return 0;
    }
    release(c, c->pos); /* everything before the next header is read */
    if ((rc = next_header(c, &pg, err))) return rc;
    c->pos = pg.body + pg.csize;
    if (pg.type == ES_PQ_INDEX_PAGE) continue;
    if (pg.type == ES_PQ_DICTIONARY_PAGE) {
      if ((rc = read_dict(c, &pg, err))) return rc;
      continue;
    }
    c->data_seen = 1;
    if (!pg.num_values) continue;
    if ((rc = start_data(c, &pg, err))) return rc;
    start_ahead(c);
    return 1;
  }
}

static int refill(es_pq_col *c, es_error *err) {
  const es_pq_colspec *s = c->spec;
  size_t k = c->page_left < ES_PQ_LEVEL_BATCH ? c->page_left : ES_PQ_LEVEL_BATCH;
  int rc;
  if (s->max_rep && (rc = es_pq_rle_u8(&c->rep, c->reps, k, err))) return rc;
  if (!s->max_def)
    memset(c->defs, 0, k);
  else if ((rc = es_pq_rle_u8(&c->def, c->defs, k, err)))
    return rc;
  c->page_left -= (uint32_t)k;
  c->nb = k;
  c->ib = 0;
  /* The fixed-width values read so far (the vector's floats) are not needed again: a page
     stored uncompressed is read in the file, whose pages go back as for a page behind. */
  if (shrinking(c)) release(c, (uint64_t)(c->vals.p - c->file));
  return 0;
}

int es_pq_col_more(es_pq_col *c, es_error *err) {
  int rc;
  while (c->ib >= c->nb) {
    if (!c->page_left && (rc = load_page(c, err)) <= 0) return rc;
    if ((rc = refill(c, err))) return rc;
  }
  return 1;
}

int es_pq_col_finish(es_pq_col *c, es_error *err) {
  int rc = es_pq_col_more(c, err);
  es_pq_ahead_wait(&c->ahead, NULL);
  c->ahead_on = 0;
  if (rc > 0)
    return es_pq_fail(err, c->page_off, "the column holds more values than its row group's rows");
  if (rc == 0) release(c, c->end);
  return rc;
}

void es_pq_col_free(es_pq_col *c) {
  es_pq_dict_free(&c->dict);
  es_pq_vals_free(&c->vals);
  es_pq_ahead_wait(&c->ahead, NULL);
  es_pq_pagebuf_free(&c->pb[0]);
  es_pq_pagebuf_free(&c->pb[1]);
  free(c->reps);
  free(c->defs);
  memset(c, 0, sizeof(*c));
}
