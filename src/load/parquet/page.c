/* page.c - PageHeader and its DataPageHeader, DictionaryPageHeader or DataPageHeaderV2, with
   sizes and counts checked: non-negative, within ES_PQ_PAGE_MAX and within the column chunk. */
#include "load/parquet/page.h"

#include <string.h>

#include "load/parquet/fail.h"
#include "load/parquet/names.h"
#include "load/parquet/thrift.h"

/* The fields of the three kinds of header that the reader uses; ids as in parquet.thrift. */
static int data_v1_field(es_pq_tr *t, int16_t id, int type, es_pq_page *pg) {
  switch (id) {
  case 1: return es_pq_tr_i32(t, type, &pg->num_values);
  case 2: return es_pq_tr_i32(t, type, &pg->encoding);
  case 3: return es_pq_tr_i32(t, type, &pg->def_enc);
  case 4: return es_pq_tr_i32(t, type, &pg->rep_enc);
  default: return es_pq_tr_skip(t, type);
  }
}

static int dict_field(es_pq_tr *t, int16_t id, int type, es_pq_page *pg) {
  switch (id) {
  case 1: return es_pq_tr_i32(t, type, &pg->num_values);
  case 2: return es_pq_tr_i32(t, type, &pg->encoding);
  default: return es_pq_tr_skip(t, type);
  }
}

static int data_v2_field(es_pq_tr *t, int16_t id, int type, es_pq_page *pg) {
  int32_t v;
  int rc;
  switch (id) {
  case 1: return es_pq_tr_i32(t, type, &pg->num_values);
  case 2: return es_pq_tr_i32(t, type, &pg->num_nulls);
  case 3: return es_pq_tr_i32(t, type, &pg->num_rows);
  case 4: return es_pq_tr_i32(t, type, &pg->encoding);
  case 5:
  case 6:
    if ((rc = es_pq_tr_i32(t, type, &v))) return rc;
    if (v < 0) return es_pq_tr_fail(t, "a negative level length");
    *(id == 5 ? &pg->def_len : &pg->rep_len) = (uint32_t)v;
    return 0;
  case 7: return es_pq_tr_bool(t, type, &pg->compressed);
  default: return es_pq_tr_skip(t, type);
  }
}

typedef int field_fn(es_pq_tr *t, int16_t id, int type, es_pq_page *pg);

static int sub_header(es_pq_tr *t, int type, const char *name, field_fn *fn, es_pq_page *pg) {
  int16_t id;
  int rc;
  if (type != ES_PQ_T_STRUCT) return es_pq_tr_fail(t, "a page header part that is not a struct");
  if ((rc = es_pq_tr_begin(t, name))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) return 0;
    if ((rc = fn(t, id, type, pg))) return rc;
  }
}

static int size_field(es_pq_tr *t, int type, uint32_t *out) {
  int32_t v;
  int rc;
  if ((rc = es_pq_tr_i32(t, type, &v))) return rc;
  if (v < 0) return es_pq_tr_fail(t, "a negative page size");
  *out = (uint32_t)v;
  return 0;
}

static int header_field(es_pq_tr *t, int16_t id, int type, es_pq_page *pg, unsigned *have) {
  switch (id) {
  case 1: *have |= 1; return es_pq_tr_i32(t, type, &pg->type);
  case 2: *have |= 2; return size_field(t, type, &pg->usize);
  case 3: *have |= 4; return size_field(t, type, &pg->csize);
  case 5: *have |= 8; return sub_header(t, type, "DataPageHeader", data_v1_field, pg);
  case 7: *have |= 8; return sub_header(t, type, "DictionaryPageHeader", dict_field, pg);
  case 8: *have |= 8; return sub_header(t, type, "DataPageHeaderV2", data_v2_field, pg);
  default: return es_pq_tr_skip(t, type);
  }
}

static int check(const es_pq_page *pg, uint64_t end, unsigned have, es_error *err) {
  char buf[48];
  int known = pg->type == ES_PQ_DATA_PAGE || pg->type == ES_PQ_DATA_PAGE_V2 ||
              pg->type == ES_PQ_DICTIONARY_PAGE;
  if ((have & 7) != 7) return es_pq_fail(err, pg->off, "a page header without its type or sizes");
  if (pg->csize > end - pg->body)
    return es_pq_fail(err, pg->off,
                      "a page of %u bytes, past the end of its column chunk (%llu bytes left)",
                      pg->csize, (unsigned long long)(end - pg->body));
  if (pg->type == ES_PQ_INDEX_PAGE) return 0;
  if (!known)
    return es_pq_fail(err, pg->off, "a page of %s",
                      es_pq_page_type_name(pg->type, buf, sizeof(buf)));
  if (!(have & 8))
    return es_pq_fail(err, pg->off, "a %s without its header",
                      es_pq_page_type_name(pg->type, buf, sizeof(buf)));
  if (pg->usize > ES_PQ_PAGE_MAX)
    return es_pq_fail(err, pg->off, "a page of %u bytes uncompressed (more than %u)", pg->usize,
                      ES_PQ_PAGE_MAX);
  if (pg->num_values < 0) return es_pq_fail(err, pg->off, "a page of %d values", pg->num_values);
  if (pg->type == ES_PQ_DATA_PAGE_V2 &&
      (pg->num_nulls < 0 || pg->num_nulls > pg->num_values || pg->num_rows < 0 ||
       (uint64_t)pg->def_len + pg->rep_len > pg->csize ||
       (uint64_t)pg->def_len + pg->rep_len > pg->usize))
    return es_pq_fail(err, pg->off,
                      "a DATA_PAGE_V2 header with inconsistent counts or level lengths");
  return 0;
}

int es_pq_page_read(const uint8_t *file, uint64_t at, uint64_t end, es_pq_page *pg, es_error *err) {
  es_pq_tr t;
  int16_t id;
  int type, rc;
  unsigned have = 0;
  memset(pg, 0, sizeof(*pg));
  pg->compressed = 1;
  pg->off = at;
  es_pq_tr_init(&t, file, file + at, file + end, err);
  if ((rc = es_pq_tr_begin(&t, "PageHeader"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(&t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) break;
    if ((rc = header_field(&t, id, type, pg, &have))) return rc;
  }
  pg->body = (uint64_t)(t.p - file);
  return check(pg, end, have, err);
}
