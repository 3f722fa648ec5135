/* test_pickle_columns.c - the pickle loader's column rules (issue 9): missing, unknown and dropped
   columns, row dicts with differing keys, nulls in the key, the vector and other fields.
   Lists of dicts and dicts of lists are written here; DataFrames are pandas' own pickles from
   tests/unit/data (make_pickles.py). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "load/loader.h"
#include "load_testutil.h"
#include "tap.h"

/* ---- a small pickle writer (protocol 2 opcodes) for lists of dicts and dicts of lists ---- */

typedef struct pk {
  unsigned char b[8192];
  size_t n;
} pk;

static void pk_raw(pk *p, const void *s, size_t n) {
  if (p->n + n > sizeof(p->b)) {
    fprintf(stderr, "test pickle too big\n");
    exit(1);
  }
  memcpy(p->b + p->n, s, n);
  p->n += n;
}
#define PK_OP(p, lit) pk_raw(p, lit, sizeof(lit) - 1)

static void pk_str(pk *p, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  unsigned char h[5] = {'X', (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
                        (unsigned char)(n >> 24)};
  pk_raw(p, h, 5);
  pk_raw(p, s, n);
}

static void pk_float(pk *p, double d) {
  unsigned char h[9] = {'G'};
  uint64_t u;
  int i;
  memcpy(&u, &d, 8);
  for (i = 0; i < 8; i++) h[1 + i] = (unsigned char)(u >> (56 - 8 * i));
  pk_raw(p, h, 9);
}

/* One value by a short spec: "s:TEXT" a str, "i:N" an int, "N" None, "nan" NaN, "NA"
   pandas.NA, "v" the vector [1.5, -2.0], "l" the list ['a', 'b'], "[SPEC]" a list of one SPEC. */
static void pk_value(pk *p, const char *spec) {
  size_t n = strlen(spec);
  if (spec[0] == '[' && n > 2 && spec[n - 1] == ']') {
    char inner[64];
    snprintf(inner, sizeof(inner), "%.*s", (int)(n - 2), spec + 1);
    PK_OP(p, "](");
    pk_value(p, inner);
    PK_OP(p, "e");
  } else if (!strncmp(spec, "s:", 2)) {
    pk_str(p, spec + 2);
  } else if (!strncmp(spec, "i:", 2)) {
    int32_t v = (int32_t)atoi(spec + 2);
    unsigned char h[5] = {'J', (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    pk_raw(p, h, 5);
  } else if (!strcmp(spec, "N")) {
    PK_OP(p, "N");
  } else if (!strcmp(spec, "nan")) {
    pk_float(p, NAN);
  } else if (!strcmp(spec, "NA")) {
    PK_OP(p, "cpandas._libs.missing\nNA\n");
  } else if (!strcmp(spec, "v")) {
    PK_OP(p, "](");
    pk_float(p, 1.5);
    pk_float(p, -2.0);
    PK_OP(p, "e");
  } else if (!strcmp(spec, "l")) {
    PK_OP(p, "](");
    pk_str(p, "a");
    pk_str(p, "b");
    PK_OP(p, "e");
  } else {
    fprintf(stderr, "bad value spec %s\n", spec);
    exit(1);
  }
}

/* A dict from key, spec, key, spec, ..., NULL. */
static void pk_dict(pk *p, const char *const *kv) {
  PK_OP(p, "}(");
  for (; *kv; kv += 2) {
    pk_str(p, kv[0]);
    pk_value(p, kv[1]);
  }
  PK_OP(p, "u");
}

/* A dict (as for pk_dict) as a whole pickle: a dict of lists with "[...]" specs. */
static void pk_columns(pk *p, const char *const *kv) {
  p->n = 0;
  PK_OP(p, "\x80\x02");
  pk_dict(p, kv);
  PK_OP(p, ".");
}

/* A list of n dicts (rows[i] as for pk_dict), as a whole pickle. */
static void pk_rows(pk *p, const char *const *const *rows, size_t n) {
  size_t i;
  p->n = 0;
  PK_OP(p, "\x80\x02](");
  for (i = 0; i < n; i++) pk_dict(p, rows[i]);
  PK_OP(p, "e.");
}

/* ---- loading through es_loader_open, as the CLI does ---- */

typedef struct got {
  long open_rc; /* es_loader_open's code */
  long rows;    /* rows read, or the first negative code of next() */
  es_error err;
  es_chunk c;
} got;

/* Loads every row of path (one per next()) with the column option given. */
static void load_path(got *g, const char *path, const char *domain, int ignore_unknown) {
  const es_domain *d = es_domain_find(domain);
  es_loader_opts opts = {.ignore_unknown_columns = ignore_unknown};
  es_loader *l = NULL;
  int k;
  es_chunk_init(&g->c, d);
  es_err_clear(&g->err);
  g->rows = 0;
  g->open_rc = es_loader_open(path, d, &opts, &l, &g->err);
  if (g->open_rc) return;
  while ((k = es_loader_next(l, &g->c, 1, &g->err)) > 0) g->rows += k;
  if (k < 0) g->rows = k;
  es_loader_close(l);
}

/* Writes bytes to t.pkl and loads it. */
static void load(got *g, const void *bytes, size_t n, const char *domain, int ignore_unknown) {
  load_path(g, tu_write_n("t.pkl", bytes, n), domain, ignore_unknown);
}

/* A DataFrame pickled by pandas (tests/unit/data/make_pickles.py). */
static const char *data_file(const char *name) {
  static char path[1024];
  const char *src = getenv("ES_SOURCE_DIR");
  if (!src) {
    fprintf(stderr, "ES_SOURCE_DIR is not set (ctest sets it)\n");
    exit(1);
  }
  snprintf(path, sizeof(path), "%s/tests/unit/data/%s", src, name);
  return path;
}

static void got_free(got *g) { es_chunk_free(&g->c); }

/* Row i of g is (skill, position_category, [v0, v1]), the skill_embedding_dic fields. */
static void check_skill_row(const got *g, long i, const char *skill, const char *pc, float v0,
                            float v1) {
  const es_value *r;
  CHECK(i < g->rows);
  if (i >= g->rows) return;
  r = es_chunk_row(&g->c, (size_t)i);
  CHECK_STR(r[0].s, skill);
  CHECK_STR(r[1].s, pc);
  CHECK(r[2].vec.n == 2 && r[2].vec.v[0] == v0 && r[2].vec.v[1] == v1);
}

/* The file is refused by es_loader_open (no row ever comes out), with needle in the message. */
static void path_refused_at_open(const char *path, const char *domain, int ignore_unknown,
                                 const char *needle) {
  got g;
  load_path(&g, path, domain, ignore_unknown);
  CHECK_EQ_INT(g.open_rc, ES_EINVAL);
  CHECK_CONTAINS(g.err.msg, needle);
  got_free(&g);
}

static void refused_at_open(const void *bytes, size_t n, const char *domain, int ignore_unknown,
                            const char *needle) {
  path_refused_at_open(tu_write_n("t.pkl", bytes, n), domain, ignore_unknown, needle);
}

#define ROW(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A list of the n dicts rows, refused when opened as skill_embedding_dic with needle said. */
static void rows_refused(const char *const *const *rows, size_t n, int ignore_unknown,
                         const char *needle) {
  pk p;
  pk_rows(&p, rows, n);
  refused_at_open(p.b, p.n, "skill_embedding_dic", ignore_unknown, needle);
}

/* ---- lists of dicts ---- */

static void test_rows_missing_column_refused_at_open(void) {
  const char *const *rows[] = {ROW("skill", "s:py", "vector", "v")};
  rows_refused(rows, 1, 1,
               "/t.pkl: missing column position_category (the skill_embedding_dic domain");
}

static void test_rows_unknown_column_refused_with_suggestion(void) {
  const char *const *rows[] = {
      ROW("skil", "s:py", "position_category", "s:be", "vector", "v", "colour", "s:red")};
  rows_refused(
      rows, 1, 0,
      "missing column skill; unknown columns 'skil' (did you mean 'skill'?), 'colour' (pass "
      "--ignore-unknown-columns");
}

static void test_rows_unknown_column_dropped_with_ignore_option(void) {
  const char *const *rows[] = {
      ROW("skill", "s:py", "extra", "i:7", "position_category", "s:be", "vector", "v"),
      ROW("skill", "s:go", "position_category", "s:fe", "vector", "v", "extra", "N")};
  pk p;
  got g;
  pk_rows(&p, rows, 2);
  load(&g, p.b, p.n, "skill_embedding_dic", 1);
  CHECK_EQ_INT(g.open_rc, 0);
  CHECK_EQ_INT(g.rows, 2);
  check_skill_row(&g, 0, "py", "be", 1.5f, -2.0f);
  check_skill_row(&g, 1, "go", "fe", 1.5f, -2.0f);
  got_free(&g);
  refused_at_open(p.b, p.n, "skill_embedding_dic", 0, "unknown column 'extra'");
}

/* Row 0 fits; a later row that lacks a field fails naming its index, and still before any row
   comes out (nothing of the file is sent). */
static void test_rows_later_row_lacking_field_refused_at_open_naming_row(void) {
  const char *const *rows[] = {ROW("skill", "s:a", "position_category", "s:p", "vector", "v"),
                               ROW("skill", "s:b", "position_category", "s:p", "vector", "v"),
                               ROW("skill", "s:c", "vector", "v")};
  rows_refused(rows, 3, 1,
               "/t.pkl: row index 2: missing column position_category (the skill_embedding_dic");
}

static void test_rows_later_row_unknown_key_refused_at_open_unless_dropped(void) {
  const char *const *rows[] = {
      ROW("skill", "s:a", "position_category", "s:p", "vector", "v"),
      ROW("skill", "s:b", "position_categry", "s:p", "vector", "v", "position_category", "s:q")};
  pk p;
  got g;
  pk_rows(&p, rows, 2);
  refused_at_open(
      p.b, p.n, "skill_embedding_dic", 0,
      "row index 1: unknown column 'position_categry' (did you mean 'position_category'?)");
  load(&g, p.b, p.n, "skill_embedding_dic", 1);
  CHECK_EQ_INT(g.rows, 2);
  check_skill_row(&g, 1, "b", "q", 1.5f, -2.0f);
  got_free(&g);
}

/* ---- nulls ---- */

/* The rows of a list of dicts are refused when read, with needle in the message. */
static void refused_reading(const char *const *const *rows, size_t n, const char *domain,
                            const char *needle) {
  pk p;
  got g;
  pk_rows(&p, rows, n);
  load(&g, p.b, p.n, domain, 0);
  CHECK_EQ_INT(g.open_rc, 0);
  CHECK_EQ_INT(g.rows, ES_EINVAL);
  CHECK_CONTAINS(g.err.msg, needle);
  got_free(&g);
}

static void test_null_key_is_an_error(void) {
  static const char *const nulls[] = {"N", "nan", "NA"};
  size_t i;
  for (i = 0; i < 3; i++) {
    const char *const *rows[] = {ROW("skill", "s:a", "position_category", "s:p", "vector", "v"),
                                 ROW("skill", nulls[i], "position_category", "s:p", "vector", "v")};
    refused_reading(
        rows, 2, "skill_embedding_dic",
        "row index 1: field 'skill': null (None, NaN or pandas.NA), but the key must be present");
  }
}

static void test_null_vector_is_an_error(void) {
  const char *const *rows[] = {ROW("skill", "s:a", "position_category", "s:p", "vector", "NA")};
  refused_reading(
      rows, 1, "skill_embedding_dic",
      "row index 0: field 'vector': null (None, NaN or pandas.NA), but the vector must be present");
}

/* None, NaN and pandas.NA anywhere else are the proto default: "", 0, []. */
static void test_null_in_other_fields_is_the_proto_default(void) {
  const char *const *rows[] = {
      ROW("candidate_id", "s:0190a8c2-abcd-7ef0-8000-0000000000c1", "position_category", "N",
          "experience_years", "nan", "original_resume", "NA", "skills", "N", "vector", "v"),
      ROW("candidate_id", "s:0190a8c2-abcd-7ef0-8000-0000000000c2", "position_category", "nan",
          "experience_years", "NA", "original_resume", "N", "skills", "l", "vector", "v")};
  pk p;
  got g;
  pk_rows(&p, rows, 2);
  load(&g, p.b, p.n, "candidate", 0);
  CHECK_EQ_INT(g.rows, 2);
  if (g.rows == 2) {
    es_value *r0 = es_chunk_row(&g.c, 0), *r1 = es_chunk_row(&g.c, 1);
    CHECK_STR(r0[1].s, "");
    CHECK_EQ_INT(r0[2].i, 0);
    CHECK_STR(r0[3].s, "");
    CHECK_EQ_INT((long)r0[4].list.n, 0);
    CHECK_STR(r1[1].s, "");
    CHECK_EQ_INT(r1[2].i, 0);
    CHECK_STR(r1[3].s, "");
    CHECK_EQ_INT((long)r1[4].list.n, 2);
  }
  got_free(&g);
}

/* ---- dicts of lists ---- */

static void test_dict_of_lists_missing_and_unknown_named(void) {
  pk p;
  /* "extra" is never read when dropped: not even a list. */
  pk_columns(&p, ROW("skill", "[s:a]", "vectr", "[v]", "extra", "N"));
  refused_at_open(
      p.b, p.n, "skill_embedding_dic", 0,
      "missing columns position_category, vector; unknown columns 'vectr' (did you mean 'vector'?), "
      "'extra'");
  /* Dropping unknown columns does not make up missing ones. */
  refused_at_open(p.b, p.n, "skill_embedding_dic", 1,
                  "missing columns position_category, vector (the skill_embedding_dic");
}

static void test_dict_of_lists_unknown_dropped_with_ignore_option(void) {
  pk p;
  got g;
  pk_columns(&p,
             ROW("extra", "N", "skill", "[s:a]", "position_category", "[s:p]", "vector", "[v]"));
  load(&g, p.b, p.n, "skill_embedding_dic", 1);
  CHECK_EQ_INT(g.rows, 1);
  check_skill_row(&g, 0, "a", "p", 1.5f, -2.0f);
  got_free(&g);
  refused_at_open(p.b, p.n, "skill_embedding_dic", 0, "unknown column 'extra'");
}

/* ---- DataFrames (pandas' own pickles) ---- */

static void test_dataframe_unknown_column_refused_or_dropped(void) {
  const char *path = data_file("df_extra.pkl");
  got g;
  path_refused_at_open(
      path, "skill_embedding_dic", 0,
      "/df_extra.pkl: unknown column 'n0te' (pass --ignore-unknown-columns to drop columns the "
      "skill_embedding_dic domain does not have)");
  load_path(&g, path, "skill_embedding_dic", 1);
  CHECK_EQ_INT(g.rows, 2);
  check_skill_row(&g, 0, "py", "be", 1.5f, -2.0f);
  check_skill_row(&g, 1, "go", "", 0.25f, 3.0f);
  got_free(&g);
}

/* vector_0 .. vector_N are the vector field together, not unknown columns. */
static void test_dataframe_split_vector_columns_are_the_vector(void) {
  const char *path = data_file("df_split_extra.pkl");
  got g;
  path_refused_at_open(path, "skill_embedding_dic", 0,
                       "/df_split_extra.pkl: unknown column 'extra' (pass");
  load_path(&g, path, "skill_embedding_dic", 0);
  CHECK(!strstr(g.err.msg, "vector_"));
  got_free(&g);
  load_path(&g, path, "skill_embedding_dic", 1);
  CHECK_EQ_INT(g.rows, 2);
  check_skill_row(&g, 0, "py", "be", 1.5f, -2.0f);
  check_skill_row(&g, 1, "go", "fe", 0.25f, 3.0f);
  got_free(&g);
  /* recruit has no skill column: its vector still comes from vector_N, the rest is named. */
  path_refused_at_open(
      path, "recruit", 0,
      "missing columns id, company_name, exp_years, english_level, primary_keyword; "
      "unknown columns 'skill', 'position_category', 'extra'");
}

int main(void) {
  tu_init();
  test_rows_missing_column_refused_at_open();
  test_rows_unknown_column_refused_with_suggestion();
  test_rows_unknown_column_dropped_with_ignore_option();
  test_rows_later_row_lacking_field_refused_at_open_naming_row();
  test_rows_later_row_unknown_key_refused_at_open_unless_dropped();
  test_null_key_is_an_error();
  test_null_vector_is_an_error();
  test_null_in_other_fields_is_the_proto_default();
  test_dict_of_lists_missing_and_unknown_named();
  test_dict_of_lists_unknown_dropped_with_ignore_option();
  test_dataframe_unknown_column_refused_or_dropped();
  test_dataframe_split_vector_columns_are_the_vector();
  tu_cleanup();
  return tap_done("test_pickle_columns");
}
