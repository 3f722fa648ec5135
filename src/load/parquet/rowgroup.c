/* rowgroup.c - RowGroup, ColumnChunk and ColumnMetaData, keeping the few fields the reader needs
   and refusing column data it cannot read (another file, encryption). */
#include "load/parquet/rowgroup.h"

#include <stdio.h>
#include <string.h>

#include "load/parquet/fail.h"
#include "load/parquet/names.h"
#include "load/parquet/thrift.h"

enum {
  HAVE_TYPE = 1,
  HAVE_CODEC = 2,
  HAVE_VALUES = 4,
  HAVE_SIZE = 8,
  HAVE_DATA = 16,
  HAVE_ALL = 31
};

typedef struct raw_meta {
  es_pq_chunk c;
  int64_t size, data_off, dict_off;
  unsigned have;
} raw_meta;

static int meta_field(es_pq_tr *t, int16_t id, int type, raw_meta *m) {
  switch (id) {
  case 1: m->have |= HAVE_TYPE; return es_pq_tr_i32(t, type, &m->c.type);
  case 4: m->have |= HAVE_CODEC; return es_pq_tr_i32(t, type, &m->c.codec);
  case 5: m->have |= HAVE_VALUES; return es_pq_tr_i64(t, type, &m->c.num_values);
  case 7: m->have |= HAVE_SIZE; return es_pq_tr_i64(t, type, &m->size);
  case 9: m->have |= HAVE_DATA; return es_pq_tr_i64(t, type, &m->data_off);
  case 11: return es_pq_tr_i64(t, type, &m->dict_off);
  default: return es_pq_tr_skip(t, type);
  }
}

/* The chunk's pages start at the dictionary page when there is one (0 means none: some writers
   put 0 there) and span total_compressed_size bytes, all inside the column data. */
static int place(es_pq_tr *t, const es_pq_footer *f, raw_meta *m, uint64_t at) {
  int64_t start = m->dict_off > 0 && m->dict_off < m->data_off ? m->dict_off : m->data_off;
  if (m->have != HAVE_ALL) return es_pq_fail(t->err, at, "ColumnMetaData lacks a required field");
  if (m->c.num_values < 0 || m->size < 0)
    return es_pq_fail(t->err, at, "ColumnMetaData with a negative count or size");
  if (start < 4 || (uint64_t)start >= f->data_end ||
      (uint64_t)m->size > f->data_end - (uint64_t)start)
    return es_pq_fail(
        t->err, at, "a column chunk at bytes %lld..+%lld, outside the column data (bytes 4..%llu)",
        (long long)start, (long long)m->size, (unsigned long long)f->data_end);
  m->c.start = (uint64_t)start;
  m->c.end = (uint64_t)start + (uint64_t)m->size;
  if ((uint64_t)m->data_off >= m->c.end)
    return es_pq_fail(t->err, at, "the first data page (byte %lld) lies outside its column chunk",
                      (long long)m->data_off);
  return 0;
}

static int read_meta(es_pq_tr *t, int type, const es_pq_footer *f, es_pq_chunk *out) {
  uint64_t at = (uint64_t)(t->p - t->base);
  raw_meta m;
  int16_t id;
  int rc;
  memset(&m, 0, sizeof(m));
  if (type != ES_PQ_T_STRUCT) return es_pq_tr_fail(t, "meta_data is not a struct");
  if ((rc = es_pq_tr_begin(t, "ColumnMetaData"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) break;
    if ((rc = meta_field(t, id, type, &m))) return rc;
  }
  if ((rc = place(t, f, &m, at))) return rc;
  *out = m.c;
  return 0;
}

/* One ColumnChunk; out NULL when the reader does not need the column (it is only skipped). */
static int read_chunk(es_pq_tr *t, const es_pq_footer *f, int32_t want_type, es_pq_chunk *out) {
  uint64_t at = (uint64_t)(t->p - t->base);
  int16_t id;
  int type, rc, have = 0;
  if ((rc = es_pq_tr_begin(t, "ColumnChunk"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) break;
    if (out && id == 1)
      return es_pq_tr_fail(t, "the column's data is in another file (file_path); not supported");
    if (out && (id == 8 || id == 9))
      return es_pq_tr_fail(t, "the column is encrypted; encrypted Parquet is not supported");
    if (out && id == 3) {
      rc = read_meta(t, type, f, out);
      have = 1;
    } else {
      rc = es_pq_tr_skip(t, type);
    }
    if (rc) return rc;
  }
  if (out && !have) return es_pq_fail(t->err, at, "a column chunk without meta_data");
  if (out && out->type != want_type) {
    char b1[48], b2[48];
    return es_pq_fail(t->err, at, "the column chunk's type %s is not the schema's %s",
                      es_pq_type_name(out->type, b1, sizeof(b1)),
                      es_pq_type_name(want_type, b2, sizeof(b2)));
  }
  return 0;
}

static int read_columns(es_pq_tr *t, int type, const es_pq_footer *f, const int *slot,
                        const int32_t *leaf_type, uint32_t nleaves, es_pq_chunk *out) {
  uint32_t n, i;
  int elem, rc;
  if ((rc = es_pq_tr_list(t, type, &elem, &n))) return rc;
  if (n != nleaves) {
    char msg[96];
    snprintf(msg, sizeof(msg), "%u column chunks for a schema of %u columns", n, nleaves);
    return es_pq_tr_fail(t, msg);
  }
  if (n && elem != ES_PQ_T_STRUCT) return es_pq_tr_fail(t, "columns is not a list of structs");
  for (i = 0; i < n; i++)
    if ((rc = read_chunk(t, f, leaf_type[i], slot[i] >= 0 ? &out[slot[i]] : NULL))) return rc;
  return 0;
}

void es_pq_rgs_start(es_pq_rgs *it, const es_pq_footer *f, es_error *err) {
  int elem;
  uint32_t n;
  es_pq_tr_init(&it->t, f->file, f->row_groups, f->end, err);
  /* Checked by es_pq_footer_read: this cannot fail, and leaves t at the first element. */
  es_pq_tr_list(&it->t, ES_PQ_T_LIST, &elem, &n);
  it->index = 0;
}

int es_pq_rgs_next(es_pq_rgs *it, const es_pq_footer *f, const int *slot, const int32_t *leaf_type,
                   uint32_t nleaves, es_pq_chunk *out, int64_t *nrows) {
  es_pq_tr *t = &it->t;
  uint64_t at = (uint64_t)(t->p - t->base);
  int16_t id;
  int type, rc, have_cols = 0, have_rows = 0;
  if (it->index == f->nrow_groups) return 0;
  if ((rc = es_pq_tr_begin(t, "RowGroup"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) break;
    if (id == 1 && !have_cols) {
      rc = read_columns(t, type, f, slot, leaf_type, nleaves, out);
      have_cols = 1;
    } else if (id == 3) {
      rc = es_pq_tr_i64(t, type, nrows);
      have_rows = 1;
    } else {
      rc = es_pq_tr_skip(t, type);
    }
    if (rc) return rc;
  }
  if (!have_cols || !have_rows)
    return es_pq_fail(t->err, at, "a row group without its %s", have_cols ? "num_rows" : "columns");
  if (*nrows < 0) return es_pq_fail(t->err, at, "a row group of %lld rows", (long long)*nrows);
  it->index++;
  return 1;
}
