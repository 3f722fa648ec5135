/* test_parquet_footer.c - the Parquet reader's Thrift decoding, footer, schema mapping and row
   group metadata, against footers built by hand: well-formed ones and hostile ones. */
#include <stdio.h>
#include <string.h>

#include "core/domain.h"
#include "load/parquet/footer.h"
#include "load/parquet/names.h"
#include "load/parquet/rowgroup.h"
#include "load/parquet/schema.h"
#include "load/parquet/thrift.h"
#include "pq_build.h"
#include "tap.h"

/* ---- Thrift primitives ---- */

static int tr_skip_all(const uint8_t *p, size_t n, es_error *err) {
  es_pq_tr t;
  es_err_clear(err);
  es_pq_tr_init(&t, p, p, p + n, err);
  return es_pq_tr_skip(&t, ES_PQ_T_STRUCT);
}

static void test_thrift(void) {
  es_error err;
  pqb b = {0};
  int i;
  /* A struct with every wire type, a long-form field id and a map, skipped whole. */
  pqb_begin(&b);
  pqb_i32(&b, 1, -5);
  pqb_i64(&b, 300, 1LL << 40); /* delta too large: long form */
  pqb_str(&b, 301, "abc");
  pqb_bool(&b, 302, 1);
  pqb_field(&b, 303, ES_PQ_T_DOUBLE);
  pqb_bytes(&b, "12345678", 8);
  pqb_list(&b, 304, ES_PQ_T_TRUE, 3);
  pqb_bytes(&b, "\1\2\1", 3); /* bools in a list are bytes */
  pqb_field(&b, 305, ES_PQ_T_MAP);
  pqb_varint(&b, 1);
  pqb_byte(&b, ES_PQ_T_BINARY << 4 | ES_PQ_T_I32);
  pqb_varint(&b, 1);
  pqb_byte(&b, 'k');
  pqb_zz(&b, 7);
  pqb_struct(&b, 306);
  pqb_end(&b);
  pqb_end(&b);
  CHECK_EQ_INT(tr_skip_all(b.p, b.n, &err), 0);
  /* Cut short anywhere: an error with an offset, never a read past the end. */
  for (i = 0; i < (int)b.n; i++) {
    CHECK_EQ_INT(tr_skip_all(b.p, (size_t)i, &err), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "byte ");
  }
  pqb_free(&b);

  /* A list that claims more elements than bytes are left. */
  pqb_begin(&b);
  pqb_list(&b, 1, ES_PQ_T_I32, 1u << 31);
  pqb_byte(&b, 2);
  CHECK_EQ_INT(tr_skip_all(b.p, b.n, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "byte 7: unknown struct field 1: a list longer than the data left");
  pqb_free(&b);

  /* A string that claims 4 GiB. */
  pqb_begin(&b);
  pqb_field(&b, 1, ES_PQ_T_BINARY);
  pqb_varint(&b, 0xffffffffu);
  CHECK_EQ_INT(tr_skip_all(b.p, b.n, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a value runs past the end of the data");
  pqb_free(&b);

  /* An 11-byte varint. */
  pqb_begin(&b);
  pqb_field(&b, 1, ES_PQ_T_I64);
  pqb_bytes(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
  CHECK_EQ_INT(tr_skip_all(b.p, b.n, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a varint longer than 64 bits");
  pqb_free(&b);

  /* Structs nested 1000 deep: refused at the depth limit, not by a blown stack. */
  pqb_begin(&b);
  for (i = 0; i < 1000; i++) pqb_byte(&b, 1 << 4 | ES_PQ_T_STRUCT);
  CHECK_EQ_INT(tr_skip_all(b.p, b.n, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "structures nested too deep");
  pqb_free(&b);
  /* ... lists of lists alike. */
  pqb_begin(&b);
  pqb_list(&b, 1, ES_PQ_T_LIST, 1);
  for (i = 0; i < 1000; i++) pqb_byte(&b, 1 << 4 | ES_PQ_T_LIST);
  CHECK_EQ_INT(tr_skip_all(b.p, b.n, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "structures nested too deep");
  pqb_free(&b);

  /* An i32 field whose value does not fit 32 bits; a field of an unknown wire type. */
  {
    es_pq_tr t;
    int32_t v;
    int16_t id;
    int type;
    pqb_begin(&b);
    pqb_i64(&b, 1, 1LL << 40);
    pqb_byte(&b, 1 << 4 | 14);
    es_pq_tr_init(&t, b.p, b.p, b.p + b.n, &err);
    es_pq_tr_begin(&t, "Test");
    CHECK_EQ_INT(es_pq_tr_field(&t, &id, &type), 0);
    CHECK_EQ_INT(es_pq_tr_i32(&t, type, &v), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "Test field 1: wire type i64, expected an i32");
    t.p = b.p + 1;
    CHECK_EQ_INT(es_pq_tr_i32(&t, ES_PQ_T_I32, &v), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "an i32 out of range");
    CHECK_EQ_INT(es_pq_tr_field(&t, &id, &type), ES_EINVAL);
    CHECK_CONTAINS(err.msg, "wire type unknown, expected a field type");
    pqb_free(&b);
  }
}

/* ---- footers ---- */

enum { REQ = 0, OPT = 1, REP = 2 };

/* A schema of nelems elements whose root has skill (of the type given) and position_category
   first, then a third column the caller adds. */
static void skill_head(pqb *m, int nelems, int skill_type, int skill_ct) {
  pqb_list(m, 2, ES_PQ_T_STRUCT, (uint64_t)nelems);
  pqb_selem(m, "schema", -1, -1, 3, -1);
  pqb_selem(m, "skill", skill_type, OPT, -1, skill_ct);
  pqb_selem(m, "position_category", ES_PQ_BYTE_ARRAY, REQ, -1, -1);
}

/* The standard 3-level list column: name (LIST) > list (repeated) > element. */
static void list3(pqb *m, const char *name, int elem_type) {
  pqb_selem(m, name, -1, OPT, 1, ES_PQ_CT_LIST);
  pqb_selem(m, "list", -1, REP, 1, -1);
  pqb_selem(m, "element", elem_type, OPT, -1, -1);
}

/* The skill_embedding_dic schema: skill, position_category, and vector in the shape asked for. */
static void schema_skill(pqb *m, int vector_form) {
  skill_head(m, vector_form == 3 ? 6 : vector_form == 2 ? 5 : 4, ES_PQ_BYTE_ARRAY, ES_PQ_CT_UTF8);
  if (vector_form == 3) {
    list3(m, "vector", ES_PQ_FLOAT);
  } else if (vector_form == 2) { /* legacy: the repeated field is the element */
    pqb_selem(m, "vector", -1, REQ, 1, ES_PQ_CT_LIST);
    pqb_selem(m, "array", ES_PQ_DOUBLE, REP, -1, -1);
  } else { /* legacy: a repeated column */
    pqb_selem(m, "vector", ES_PQ_FLOAT, REP, -1, -1);
  }
}

static void chunk(pqb *m, int type, int64_t off, int64_t size) {
  pqb_begin(m);
  pqb_i64(m, 2, off);
  pqb_struct(m, 3);
  pqb_i32(m, 1, type);
  pqb_list(m, 2, ES_PQ_T_I32, 0);
  pqb_list(m, 3, ES_PQ_T_BINARY, 0);
  pqb_i32(m, 4, ES_PQ_SNAPPY);
  pqb_i64(m, 5, 10);
  pqb_i64(m, 6, size);
  pqb_i64(m, 7, size);
  pqb_i64(m, 9, off);
  pqb_end(m);
  pqb_end(m);
}

static void row_groups(pqb *m, int n, int vtype) {
  int i;
  pqb_list(m, 4, ES_PQ_T_STRUCT, (uint64_t)n);
  for (i = 0; i < n; i++) {
    pqb_begin(m);
    pqb_list(m, 1, ES_PQ_T_STRUCT, 3);
    chunk(m, ES_PQ_BYTE_ARRAY, 4, 10);
    chunk(m, ES_PQ_BYTE_ARRAY, 14, 10);
    chunk(m, vtype, 24, 40);
    pqb_i64(m, 2, 100);
    pqb_i64(m, 3, 10 + i);
    pqb_end(m);
  }
}

static void file_of(pqb *f, const pqb *meta) {
  uint8_t data[60];
  memset(data, 0, sizeof(data));
  pqb_file(f, data, sizeof(data), meta);
}

static int read_file(const pqb *f, es_pq_footer *ft, es_error *err) {
  es_err_clear(err);
  return es_pq_footer_read(f->p, f->n, ft, err);
}

static void test_footer_ok(int form) {
  const es_domain *d = es_domain_find("skill_embedding_dic");
  pqb m = {0}, f = {0};
  es_pq_footer ft;
  es_pq_schema s;
  es_pq_rgs it;
  es_pq_chunk c[3];
  int64_t nrows;
  es_error err;
  pqb_begin(&m);
  pqb_i32(&m, 1, 1);
  schema_skill(&m, form);
  pqb_i64(&m, 3, 21);
  row_groups(&m, 2, form == 2 ? ES_PQ_DOUBLE : ES_PQ_FLOAT);
  pqb_str(&m, 6, "hand-built");
  pqb_end(&m);
  file_of(&f, &m);
  CHECK_EQ_INT(read_file(&f, &ft, &err), 0);
  if (err.code) {
    fprintf(stderr, "%s\n", err.msg);
    return;
  }
  CHECK_EQ_INT(ft.num_rows, 21);
  CHECK_EQ_INT(ft.nrow_groups, 2);
  CHECK_EQ_INT(es_pq_schema_map(&ft, d, "x.parquet", 0, &s, &err), 0);
  if (err.code) {
    fprintf(stderr, "%s\n", err.msg);
    return;
  }
  CHECK_EQ_INT(s.nleaves, 3);
  CHECK_EQ_INT(s.cols[0].max_def, 1);
  CHECK_EQ_INT(s.cols[1].max_def, 0);
  CHECK_EQ_INT(s.cols[2].list, 1);
  CHECK_EQ_INT(s.cols[2].max_rep, 1);
  CHECK_EQ_INT(s.cols[2].max_def, form == 3 ? 3 : 1);
  CHECK_EQ_INT(s.cols[2].def_elem, form == 3 ? 2 : 1);
  CHECK_EQ_INT(s.cols[2].leaf, 2);
  es_pq_rgs_start(&it, &ft, &err);
  CHECK_EQ_INT(es_pq_rgs_next(&it, &ft, s.slot, s.leaf_type, s.nleaves, c, &nrows), 1);
  CHECK_EQ_INT(nrows, 10);
  CHECK_EQ_INT(c[2].start, 24);
  CHECK_EQ_INT(c[2].end, 64);
  CHECK_EQ_INT(c[2].codec, ES_PQ_SNAPPY);
  CHECK_EQ_INT(es_pq_rgs_next(&it, &ft, s.slot, s.leaf_type, s.nleaves, c, &nrows), 1);
  CHECK_EQ_INT(nrows, 11);
  CHECK_EQ_INT(es_pq_rgs_next(&it, &ft, s.slot, s.leaf_type, s.nleaves, c, &nrows), 0);
  es_pq_schema_free(&s);
  es_pq_footer_free(&ft);
  pqb_free(&m);
  pqb_free(&f);
}

static void test_frame(void) {
  es_pq_footer ft;
  es_error err;
  pqb m = {0}, f = {0};
  uint8_t small[11] = "PAR1abcPAR1";
  CHECK_EQ_INT(es_pq_footer_read(small, sizeof(small), &ft, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "too short for a Parquet file");
  pqb_begin(&m);
  schema_skill(&m, 3);
  pqb_i64(&m, 3, 0);
  row_groups(&m, 0, ES_PQ_FLOAT);
  pqb_end(&m);
  file_of(&f, &m);
  CHECK_EQ_INT(read_file(&f, &ft, &err), 0);
  es_pq_footer_free(&ft);
  /* Every truncation is refused with an offset. */
  {
    size_t n = f.n;
    for (f.n = 0; f.n < n; f.n++) {
      CHECK_EQ_INT(read_file(&f, &ft, &err), ES_EINVAL);
      CHECK_CONTAINS(err.msg, "byte ");
    }
  }
  f.p[f.n - 1] = 'E'; /* PARE: an encrypted footer */
  CHECK_EQ_INT(read_file(&f, &ft, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "encrypted (footer magic PARE)");
  f.p[f.n - 1] = '1';
  f.p[f.n - 8] = 0xff; /* a footer length past the file */
  f.p[f.n - 5] = 0x7f;
  CHECK_EQ_INT(read_file(&f, &ft, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "is larger than the file allows");
  f.p[0] = 'X';
  CHECK_EQ_INT(read_file(&f, &ft, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "byte 0: not a Parquet file");
  pqb_free(&m);
  pqb_free(&f);
}

/* A footer (schema list etc.) that hostile bytes follow: the message names what is wrong. */
static void expect_meta(void (*build)(pqb *), const char *want) {
  es_pq_footer ft;
  es_error err;
  pqb m = {0}, f = {0};
  pqb_begin(&m);
  build(&m);
  pqb_end(&m);
  file_of(&f, &m);
  CHECK_EQ_INT(read_file(&f, &ft, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, want);
  pqb_free(&m);
  pqb_free(&f);
}

static void huge_schema(pqb *m) { pqb_list(m, 2, ES_PQ_T_STRUCT, 2000000000u); }
static void encrypted(pqb *m) {
  schema_skill(m, 3);
  pqb_struct(m, 8);
  pqb_end(m);
}
static void no_rows(pqb *m) { schema_skill(m, 3); }
static void many_elems(pqb *m) {
  uint32_t i;
  pqb_list(m, 2, ES_PQ_T_STRUCT, ES_PQ_SCHEMA_MAX + 1);
  for (i = 0; i <= ES_PQ_SCHEMA_MAX; i++) {
    pqb_begin(m);
    pqb_str(m, 4, "c");
    pqb_end(m);
  }
}

static void test_footer_hostile(void) {
  expect_meta(huge_schema, "FileMetaData field 2: a list longer than the data left");
  expect_meta(encrypted, "the file is encrypted (encryption_algorithm is set)");
  expect_meta(no_rows, "FileMetaData lacks its num_rows");
  expect_meta(many_elems, "a schema of 65537 elements (more than 65536)");
}

/* ---- schema mapping ---- */

typedef void (*schema_fn)(pqb *);

static int map(schema_fn fn, const char *domain, int ignore, es_pq_schema *s, es_error *err) {
  es_pq_footer ft;
  pqb m = {0}, f = {0};
  int rc;
  pqb_begin(&m);
  fn(&m);
  pqb_i64(&m, 3, 0);
  pqb_list(&m, 4, ES_PQ_T_STRUCT, 0);
  pqb_end(&m);
  file_of(&f, &m);
  es_err_clear(err);
  rc = es_pq_footer_read(f.p, f.n, &ft, err);
  if (!rc) rc = es_pq_schema_map(&ft, es_domain_find(domain), "x.parquet", ignore, s, err);
  if (!rc) es_pq_schema_free(s);
  es_pq_footer_free(&ft);
  pqb_free(&m);
  pqb_free(&f);
  return rc;
}

/* skill (or the typo skil), position_category, a struct column the domain does not have (with
   columns of types the reader cannot read), and the vector. */
static void skill_with_struct(pqb *m, const char *first) {
  pqb_list(m, 2, ES_PQ_T_STRUCT, 9);
  pqb_selem(m, "schema", -1, -1, 4, -1);
  pqb_selem(m, first, ES_PQ_BYTE_ARRAY, OPT, -1, ES_PQ_CT_UTF8);
  pqb_selem(m, "position_category", ES_PQ_BYTE_ARRAY, REQ, -1, -1);
  pqb_selem(m, "meta", -1, OPT, 2, -1);
  pqb_selem(m, "a", ES_PQ_INT96, OPT, -1, -1);
  pqb_selem(m, "b", ES_PQ_BOOLEAN, OPT, -1, -1);
  list3(m, "vector", ES_PQ_FLOAT);
}
static void skill_extra(pqb *m) { skill_with_struct(m, "skil"); }
static void skill_only_extra(pqb *m) { skill_with_struct(m, "skill"); }

static void vector_scalar(pqb *m) {
  skill_head(m, 4, ES_PQ_BYTE_ARRAY, ES_PQ_CT_UTF8);
  pqb_selem(m, "vector", ES_PQ_FLOAT, OPT, -1, -1);
}

static void skill_int(pqb *m) {
  skill_head(m, 4, ES_PQ_INT64, -1);
  pqb_selem(m, "vector", ES_PQ_FLOAT, REP, -1, -1);
}

static void vector_map(pqb *m) {
  skill_head(m, 7, ES_PQ_BYTE_ARRAY, ES_PQ_CT_UTF8);
  pqb_selem(m, "vector", -1, OPT, 1, ES_PQ_CT_MAP);
  pqb_selem(m, "key_value", -1, REP, 2, -1);
  pqb_selem(m, "key", ES_PQ_BYTE_ARRAY, REQ, -1, -1);
  pqb_selem(m, "value", ES_PQ_FLOAT, OPT, -1, -1);
}

static void vector_ints(pqb *m) {
  skill_head(m, 6, ES_PQ_BYTE_ARRAY, ES_PQ_CT_UTF8);
  list3(m, "vector", ES_PQ_INT32);
}

static void truncated_tree(pqb *m) {
  pqb_list(m, 2, ES_PQ_T_STRUCT, 3);
  pqb_selem(m, "schema", -1, -1, 2, -1);
  pqb_selem(m, "skill", ES_PQ_BYTE_ARRAY, OPT, -1, ES_PQ_CT_UTF8);
  pqb_selem(m, "vector", -1, OPT, 1, ES_PQ_CT_LIST);
}

static void recruit_decimal(pqb *m) {
  pqb_list(m, 2, ES_PQ_T_STRUCT, 9);
  pqb_selem(m, "schema", -1, -1, 6, -1);
  pqb_selem(m, "id", ES_PQ_BYTE_ARRAY, REQ, -1, ES_PQ_CT_UTF8);
  pqb_selem(m, "company_name", ES_PQ_BYTE_ARRAY, OPT, -1, ES_PQ_CT_UTF8);
  pqb_selem(m, "exp_years", ES_PQ_INT64, OPT, -1, 5 /* DECIMAL */);
  pqb_selem(m, "english_level", ES_PQ_BYTE_ARRAY, OPT, -1, ES_PQ_CT_ENUM);
  pqb_selem(m, "primary_keyword", ES_PQ_BYTE_ARRAY, OPT, -1, -1);
  pqb_selem(m, "vector", -1, OPT, 1, ES_PQ_CT_LIST);
  pqb_selem(m, "list", -1, REP, 1, -1);
  pqb_selem(m, "element", ES_PQ_DOUBLE, REQ, -1, -1);
}

static void test_schema(void) {
  es_pq_schema s;
  es_error err;
  CHECK_EQ_INT(map(skill_extra, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(
      err.msg,
      "x.parquet: missing column skill; unknown columns 'skil' (did you mean 'skill'?), 'meta'");
  CHECK_EQ_INT(map(skill_extra, "skill_embedding_dic", 1, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "x.parquet: missing column skill (the skill_embedding_dic domain has");
  /* --ignore-unknown-columns: a struct column and columns of types the reader cannot read are
     dropped without a look at their type. */
  CHECK_EQ_INT(map(skill_only_extra, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "unknown column 'meta' (pass --ignore-unknown-columns");
  CHECK_EQ_INT(map(skill_only_extra, "skill_embedding_dic", 1, &s, &err), 0);
  CHECK_EQ_INT(map(vector_scalar, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "column 'vector' is not a list; the field takes a list");
  CHECK_EQ_INT(map(skill_int, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "column 'skill' holds INT64; the field takes text (BYTE_ARRAY, STRING)");
  CHECK_EQ_INT(map(vector_map, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "column 'vector' is a MAP, not a list");
  CHECK_EQ_INT(map(vector_ints, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg,
                 "column 'vector' holds lists of INT32; the field takes a list of FLOAT or DOUBLE");
  CHECK_EQ_INT(map(truncated_tree, "skill_embedding_dic", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "x.parquet: byte ");
  CHECK_CONTAINS(err.msg, "the schema ends inside a group");
  CHECK_EQ_INT(map(recruit_decimal, "recruit", 0, &s, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "column 'exp_years' holds DECIMAL INT64; the field takes integers");
}

/* ---- row groups ---- */

enum { RG_OK, RG_TWO_COLS, RG_OUTSIDE, RG_FILE_PATH, RG_CRYPTO, RG_TYPE, RG_NO_META };

static void bad_row_group(pqb *m, int how) {
  pqb_list(m, 4, ES_PQ_T_STRUCT, 1);
  pqb_begin(m);
  pqb_list(m, 1, ES_PQ_T_STRUCT, how == RG_TWO_COLS ? 2 : 3);
  chunk(m, ES_PQ_BYTE_ARRAY, 4, 10);
  if (how == RG_TWO_COLS) {
    chunk(m, ES_PQ_FLOAT, 24, 40);
  } else if (how == RG_FILE_PATH || how == RG_CRYPTO || how == RG_NO_META) {
    pqb_begin(m);
    if (how == RG_FILE_PATH) pqb_str(m, 1, "other.parquet");
    pqb_i64(m, 2, 14);
    if (how == RG_CRYPTO) {
      pqb_struct(m, 8);
      pqb_end(m);
    }
    pqb_end(m);
  } else {
    chunk(m, how == RG_TYPE ? ES_PQ_INT32 : ES_PQ_BYTE_ARRAY, 14, 10);
  }
  if (how != RG_TWO_COLS) chunk(m, ES_PQ_FLOAT, how == RG_OUTSIDE ? 30 : 24, 40);
  pqb_i64(m, 2, 100);
  pqb_i64(m, 3, 5);
  pqb_end(m);
}

static int read_rg(int how, es_error *err) {
  const es_domain *d = es_domain_find("skill_embedding_dic");
  pqb m = {0}, f = {0};
  es_pq_footer ft;
  es_pq_schema s;
  es_pq_rgs it;
  es_pq_chunk c[3];
  int64_t nrows;
  int rc;
  pqb_begin(&m);
  schema_skill(&m, 3);
  pqb_i64(&m, 3, 5);
  bad_row_group(&m, how);
  pqb_end(&m);
  file_of(&f, &m);
  es_err_clear(err);
  if (!(rc = es_pq_footer_read(f.p, f.n, &ft, err))) {
    if (!(rc = es_pq_schema_map(&ft, d, "x.parquet", 0, &s, err))) {
      es_pq_rgs_start(&it, &ft, err);
      rc = es_pq_rgs_next(&it, &ft, s.slot, s.leaf_type, s.nleaves, c, &nrows);
      es_pq_schema_free(&s);
    }
    es_pq_footer_free(&ft);
  }
  pqb_free(&m);
  pqb_free(&f);
  return rc;
}

static void test_row_groups(void) {
  es_error err;
  CHECK_EQ_INT(read_rg(RG_OK, &err), 1);
  CHECK_EQ_INT(read_rg(RG_TWO_COLS, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "RowGroup field 1: 2 column chunks for a schema of 3 columns");
  CHECK_EQ_INT(read_rg(RG_OUTSIDE, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a column chunk at bytes 30..+40, outside the column data (bytes 4..64)");
  CHECK_EQ_INT(read_rg(RG_FILE_PATH, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "the column's data is in another file");
  CHECK_EQ_INT(read_rg(RG_CRYPTO, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "the column is encrypted");
  CHECK_EQ_INT(read_rg(RG_TYPE, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "the column chunk's type INT32 is not the schema's BYTE_ARRAY");
  CHECK_EQ_INT(read_rg(RG_NO_META, &err), ES_EINVAL);
  CHECK_CONTAINS(err.msg, "a column chunk without meta_data");
}

int main(void) {
  test_row_groups();
  test_thrift();
  test_footer_ok(3);
  test_footer_ok(2);
  test_footer_ok(1);
  test_frame();
  test_footer_hostile();
  test_schema();
  return tap_done("test_parquet_footer");
}
