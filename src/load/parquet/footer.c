/* footer.c - the file frame and FileMetaData: version, schema, num_rows, where the row groups
   are; refuses encrypted files by name before reading further. */
#include "load/parquet/footer.h"

#include <stdlib.h>
#include <string.h>

#include "load/parquet/fail.h"
#include "load/parquet/names.h"
#include "load/parquet/thrift.h"

/* IntType {1: i8 bitWidth, 2: bool isSigned} inside LogicalType.INTEGER. */
static int read_int_type(es_pq_tr *t, es_pq_selem *e) {
  int16_t id;
  int type, rc;
  if ((rc = es_pq_tr_begin(t, "IntType"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) return 0;
    if (id == 1)
      rc = es_pq_tr_i32(t, type, &e->int_bits);
    else if (id == 2)
      rc = es_pq_tr_bool(t, type, &e->int_signed);
    else
      rc = es_pq_tr_skip(t, type);
    if (rc) return rc;
  }
}

/* A union: one field, whose id names the logical type. */
static int read_logical(es_pq_tr *t, int type, es_pq_selem *e) {
  int16_t id;
  int rc;
  if (type != ES_PQ_T_STRUCT) return es_pq_tr_fail(t, "LogicalType is not a struct");
  if ((rc = es_pq_tr_begin(t, "LogicalType"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) return 0;
    e->logical = id;
    if (id == ES_PQ_LT_INTEGER && type == ES_PQ_T_STRUCT)
      rc = read_int_type(t, e);
    else
      rc = es_pq_tr_skip(t, type);
    if (rc) return rc;
  }
}

static int read_selem(es_pq_tr *t, es_pq_selem *e) {
  int16_t id;
  int type, rc, named = 0;
  memset(e, 0, sizeof(*e));
  e->type = e->repetition = e->converted = -1;
  e->off = (uint64_t)(t->p - t->base);
  if ((rc = es_pq_tr_begin(t, "SchemaElement"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) break;
    switch (id) {
    case 1: rc = es_pq_tr_i32(t, type, &e->type); break;
    case 2: rc = es_pq_tr_i32(t, type, &e->type_length); break;
    case 3: rc = es_pq_tr_i32(t, type, &e->repetition); break;
    case 4:
      rc = es_pq_tr_binary(t, type, &e->name, &e->name_len);
      named = 1;
      break;
    case 5: rc = es_pq_tr_i32(t, type, &e->num_children); break;
    case 6: rc = es_pq_tr_i32(t, type, &e->converted); break;
    case 10: rc = read_logical(t, type, e); break;
    default: rc = es_pq_tr_skip(t, type);
    }
    if (rc) return rc;
  }
  if (!named) return es_pq_fail(t->err, e->off, "a schema element without a name");
  if (e->num_children < 0)
    return es_pq_fail(t->err, e->off, "a schema element with %d children", e->num_children);
  return 0;
}

static int read_schema(es_pq_tr *t, int type, es_pq_footer *f) {
  uint32_t n, i;
  int elem, rc;
  if (f->schema) return es_pq_tr_fail(t, "a second schema");
  if ((rc = es_pq_tr_list(t, type, &elem, &n))) return rc;
  if (elem != ES_PQ_T_STRUCT) return es_pq_tr_fail(t, "the schema is not a list of structs");
  if (n == 0) return es_pq_tr_fail(t, "an empty schema");
  if (n > ES_PQ_SCHEMA_MAX)
    return es_pq_fail(t->err, (uint64_t)(t->p - t->base), "a schema of %u elements (more than %u)",
                      n, ES_PQ_SCHEMA_MAX);
  if (!(f->schema = calloc(n, sizeof(*f->schema)))) return es_pq_oom(t->err);
  f->nschema = n;
  for (i = 0; i < n; i++)
    if ((rc = read_selem(t, &f->schema[i]))) return rc;
  return 0;
}

/* Remembers where the row groups' list is and skips it: they are decoded one at a time. */
static int note_row_groups(es_pq_tr *t, int type, es_pq_footer *f) {
  const uint8_t *at = t->p;
  uint32_t n;
  int elem, rc;
  if ((rc = es_pq_tr_list(t, type, &elem, &n))) return rc;
  if (n && elem != ES_PQ_T_STRUCT) return es_pq_tr_fail(t, "row_groups is not a list of structs");
  f->row_groups = at;
  f->nrow_groups = n;
  t->p = at;
  return es_pq_tr_skip(t, type);
}

static int read_meta(es_pq_tr *t, es_pq_footer *f) {
  int16_t id;
  int type, rc, have_rows = 0;
  if ((rc = es_pq_tr_begin(t, "FileMetaData"))) return rc;
  for (;;) {
    if ((rc = es_pq_tr_field(t, &id, &type))) return rc;
    if (type == ES_PQ_T_STOP) break;
    switch (id) {
    case 2: rc = read_schema(t, type, f); break;
    case 3:
      rc = es_pq_tr_i64(t, type, &f->num_rows);
      have_rows = 1;
      break;
    case 4: rc = note_row_groups(t, type, f); break;
    case 8:
      return es_pq_tr_fail(
          t,
          "the file is encrypted (encryption_algorithm is set); encrypted Parquet is not supported");
    default: rc = es_pq_tr_skip(t, type);
    }
    if (rc) return rc;
  }
  if (!f->schema || !have_rows || !f->row_groups)
    return es_pq_fail(t->err, (uint64_t)(t->p - t->base), "FileMetaData lacks its %s",
                      !f->schema   ? "schema"
                      : !have_rows ? "num_rows"
                                   : "row_groups");
  if (f->num_rows < 0)
    return es_pq_fail(t->err, (uint64_t)(t->p - t->base), "num_rows is %lld",
                      (long long)f->num_rows);
  return 0;
}

static uint32_t le32(const uint8_t *p) {
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int check_frame(const uint8_t *file, size_t len, uint32_t *flen, es_error *err) {
  if (len < 12)
    return es_pq_fail(err, 0, "%zu bytes is too short for a Parquet file (at least 12)", len);
  if (!memcmp(file + len - 4, "PARE", 4))
    return es_pq_fail(
        err, len - 4,
        "the file is encrypted (footer magic PARE); encrypted Parquet is not supported");
  if (memcmp(file, "PAR1", 4))
    return es_pq_fail(err, 0, "not a Parquet file (no PAR1 magic at the start)");
  if (memcmp(file + len - 4, "PAR1", 4))
    return es_pq_fail(err, len - 4,
                      "no PAR1 magic at the end (the file is truncated or not Parquet)");
  *flen = le32(file + len - 8);
  if (*flen > len - 12)
    return es_pq_fail(err, len - 8,
                      "the footer length %u is larger than the file allows (%zu bytes)", *flen,
                      len - 12);
  if (*flen > ES_PQ_FOOTER_MAX)
    return es_pq_fail(err, len - 8, "a footer of %u bytes (more than %u)", *flen, ES_PQ_FOOTER_MAX);
  return 0;
}

int es_pq_footer_read(const uint8_t *file, size_t len, es_pq_footer *f, es_error *err) {
  es_pq_tr t;
  uint32_t flen = 0;
  int rc;
  memset(f, 0, sizeof(*f));
  if ((rc = check_frame(file, len, &flen, err))) return rc;
  f->file = file;
  f->len = len;
  f->data_end = len - 8 - flen;
  f->end = file + len - 8;
  es_pq_tr_init(&t, file, file + f->data_end, f->end, err);
  if ((rc = read_meta(&t, f))) {
    es_pq_footer_free(f);
    return rc;
  }
  f->end = t.p;
  return 0;
}

void es_pq_footer_free(es_pq_footer *f) {
  free(f->schema);
  f->schema = NULL;
  f->nschema = 0;
}
