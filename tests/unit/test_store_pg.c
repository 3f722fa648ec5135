/* test_store_pg.c - the PostgreSQL store's offline parts: URL options, binary formats, duplicates,
 * SQL. */
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "tap.h"

static void test_uri(void) {
  char *ci = NULL, *disp = NULL;
  es_pg_opts o;
  es_error err;
  es_err_clear(&err);
  CHECK_EQ_INT(
      es_pg_url_parse("postgresql://u:s3cret@h:5/db?sslmode=disable&es_copy=off&es_pool_max=3",
                      "u:s3cret@h:5/db?...", &ci, &disp, &o, &err),
      0);
  CHECK_STR(ci, "postgresql://u:s3cret@h:5/db?sslmode=disable");
  CHECK_STR(disp, "postgresql://u:***@h:5/db?sslmode=disable&es_copy=off&es_pool_max=3");
  CHECK_EQ_INT(o.copy, 0);
  CHECK_EQ_INT(o.pool_max, 3);
  CHECK_EQ_INT(o.vector_mode, ES_PG_VEC_AUTO);
  free(ci);
  free(disp);

  CHECK_EQ_INT(es_pg_url_parse("postgres://h/db?es_vector=array", "", &ci, &disp, &o, &err), 0);
  CHECK_STR(ci, "postgres://h/db");
  CHECK_EQ_INT(o.vector_mode, ES_PG_VEC_ARRAY);
  CHECK_EQ_INT(o.copy, 1);
  free(ci);
  free(disp);

  CHECK_EQ_INT(
      es_pg_url_parse("postgres://h/db?password=x&es_vector=pgvector", "", &ci, &disp, &o, &err),
      0);
  CHECK_STR(ci, "postgres://h/db?password=x");
  CHECK_STR(disp, "postgres://h/db?password=***&es_vector=pgvector");
  CHECK_EQ_INT(o.vector_mode, ES_PG_VEC_PGVECTOR);
  free(ci);
  free(disp);

  CHECK_EQ_INT(es_pg_url_parse("postgres://h/db?es_colour=red", "", &ci, &disp, &o, &err),
               ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "unknown option 'es_colour'");
  CHECK(ci == NULL && disp == NULL);
  CHECK_EQ_INT(es_pg_url_parse("postgres://h/db?es_copy=maybe", "", &ci, &disp, &o, &err),
               ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "bad value 'maybe' for es_copy");
  CHECK_EQ_INT(es_pg_url_parse("postgres://h/db?es_pool_max=-1", "", &ci, &disp, &o, &err),
               ES_EUSAGE);
}

static void test_keyvalue(void) {
  const char *rest = "host=/tmp  dbname='my db' password='a b\\'c' es_vector=array es_copy='off'";
  char *ci = NULL, *disp = NULL;
  es_pg_opts o;
  es_error err;
  es_err_clear(&err);
  CHECK_EQ_INT(es_pg_url_parse("postgres:x", rest, &ci, &disp, &o, &err), 0);
  CHECK_STR(ci, "host=/tmp dbname='my db' password='a b\\'c'");
  CHECK_STR(disp, "postgres:host=/tmp dbname='my db' password=*** es_vector=array es_copy='off'");
  CHECK_EQ_INT(o.vector_mode, ES_PG_VEC_ARRAY);
  CHECK_EQ_INT(o.copy, 0);
  free(ci);
  free(disp);
  CHECK_EQ_INT(es_pg_url_parse("postgres:", "", &ci, &disp, &o, &err), 0);
  CHECK_STR(ci, "");
  CHECK_STR(disp, "postgres:");
  free(ci);
  free(disp);
  CHECK_EQ_INT(es_pg_url_parse("postgres:host", "host", &ci, &disp, &o, &err), ES_EUSAGE);
  CHECK_CONTAINS(err.msg, "key=value");
  CHECK_EQ_INT(es_pg_url_parse("postgres:x", "dbname='open", &ci, &disp, &o, &err), ES_EUSAGE);
}

static int bytes_eq(const es_buf *b, const unsigned char *want, size_t n) {
  return b->len == n && !memcmp(b->ptr, want, n);
}

/* Everything one es_pg_put_field call takes: a field, its column, a value, the output. */
typedef struct put_case {
  es_field f;
  es_pg_col col;
  es_value v;
  es_buf b;
  es_error err;
} put_case;

static void put_case_init(put_case *p, const char *name, es_type type, es_pg_kind kind) {
  memset(p, 0, sizeof(*p));
  p->f = (es_field){name, type, 0, 0, 0};
  p->col.kind = kind;
  p->b = (es_buf)ES_BUF_INIT;
}

/* es_pg_put_field of p's value into p->b, emptied first. */
static int put(put_case *p) {
  es_buf_clear(&p->b);
  return es_pg_put_field(&p->b, &p->col, &p->v, &p->f, &p->err);
}

/* put() succeeds with exactly the bytes want: 2 checks, named by the caller's line. */
static void check_put(const char *file, int line, put_case *p, const unsigned char *want,
                      size_t n) {
  int rc = put(p);
  tap_check(rc == 0, file, line, "es_pg_put_field gave %d (%s)", rc, rc ? p->err.msg : "");
  tap_check(bytes_eq(&p->b, want, n), file, line, "%zu bytes, expected %zu or other bytes",
            p->b.len, n);
}

#define CHECK_PUT(p, want) check_put(__FILE__, __LINE__, (p), (want), sizeof(want))

static void test_scalars(void) {
  put_case p;
  static const unsigned char text[] = {0, 0, 0, 3, 'a', 0xc3, 0xa9};
  static const unsigned char uuid[] = {0,    0,    0,    16,   0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
                                       0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  static const unsigned char i4[] = {0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe};
  static const unsigned char i8[] = {0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
  put_case_init(&p, "x", ES_T_TEXT, ES_PG_K_TEXT);
  p.v.s = "a\xc3\xa9";
  CHECK_PUT(&p, text);
  p.col.kind = ES_PG_K_UUID;
  p.v.s = "12345678-9abc-def0-0123-456789abcdef";
  CHECK_PUT(&p, uuid);
  p.v.s = "12345678-9abc-def0-0123-456789abcdeg";
  CHECK_EQ_INT(put(&p), ES_EINVAL);
  p.v.s = "123456789abcdef00123456789abcdef";
  CHECK_EQ_INT(put(&p), ES_EINVAL);
  p.f.type = ES_T_INT;
  p.col.kind = ES_PG_K_INT4;
  p.v.i = -2;
  CHECK_PUT(&p, i4);
  p.col.kind = ES_PG_K_INT8;
  CHECK_PUT(&p, i8);
  p.col.kind = ES_PG_K_INT2;
  p.v.i = 40000;
  CHECK_EQ_INT(put(&p), ES_EINVAL);
  CHECK_CONTAINS(p.err.msg, "smallint");
  es_buf_free(&p.b);
}

static void test_arrays(void) {
  put_case p;
  char *items[] = {"a", "bc"};
  float vec[] = {1.0f, -0.0f};
  static const unsigned char list[] = {0, 0, 0, 31, 0, 0, 0, 1, 0, 0, 0,   0, 0, 0, 0, 25,  0,  0,
                                       0, 2, 0, 0,  0, 1, 0, 0, 0, 1, 'a', 0, 0, 0, 2, 'b', 'c'};
  static const unsigned char empty[] = {0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25};
  static const unsigned char reals[] = {0,    0,    0, 36, 0, 0, 0, 1, 0,    0, 0, 0, 0, 0,
                                        2,    0xbc, 0, 0,  0, 2, 0, 0, 0,    1, 0, 0, 0, 4,
                                        0x3f, 0x80, 0, 0,  0, 0, 0, 4, 0x80, 0, 0, 0};
  static const unsigned char pgvec[] = {0, 0, 0, 12, 0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x80, 0, 0, 0};
  put_case_init(&p, "skills", ES_T_STRLIST, ES_PG_K_TEXTARR);
  p.col.elem = 25;
  p.v.list.items = items;
  p.v.list.n = 2;
  CHECK_PUT(&p, list);
  p.v.list.n = 0;
  CHECK_PUT(&p, empty);
  p.f.type = ES_T_VECTOR;
  p.col.kind = ES_PG_K_FLOAT4ARR;
  p.v.vec.v = vec;
  p.v.vec.n = 2;
  CHECK_PUT(&p, reals);
  p.col.kind = ES_PG_K_VECTOR;
  CHECK_PUT(&p, pgvec);
  p.v.vec.n = 0;
  CHECK_EQ_INT(put(&p), ES_EINVAL);
  /* keys as a uuid[] parameter: no length word, element type uuid */
  {
    const char *keys[] = {"00000000-0000-0000-0000-0000000000ff"};
    static const unsigned char karr[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0,  0x0b, 0x86, 0, 0,
                                         0, 1, 0, 0, 0, 1, 0, 0, 0, 16, 0,    0,    0, 0,
                                         0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0,    0xff};
    p.col.type = 2950;
    es_buf_clear(&p.b);
    CHECK_EQ_INT(es_pg_put_key_array(&p.b, &p.col, keys, 1, &p.err), 0);
    CHECK(bytes_eq(&p.b, karr, sizeof(karr)));
  }
  es_buf_free(&p.b);
}

static void test_last_rows(void) {
  const es_domain *d = es_domain_find("skill_embedding_dic");
  const char *keys[] = {"a", "b", "a", "c", "b", "d"};
  es_chunk c;
  uint32_t *rows = NULL;
  size_t i, n = 0;
  es_error err;
  es_chunk_init(&c, d);
  for (i = 0; i < 6; i++) es_chunk_add_row(&c, i + 1)[d->key].s = (char *)keys[i];
  CHECK_EQ_INT(es_pg_last_rows(&c, &rows, &n, &err), 0);
  CHECK_EQ_INT(n, 4);
  if (n == 4) { /* the last row of each key, in key order: a b c d */
    CHECK_EQ_INT(rows[0], 2);
    CHECK_EQ_INT(rows[1], 4);
    CHECK_EQ_INT(rows[2], 3);
    CHECK_EQ_INT(rows[3], 5);
  }
  free(rows);
  es_chunk_reset(&c);
  CHECK_EQ_INT(es_pg_last_rows(&c, &rows, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  es_chunk_free(&c);
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Every added hash is found, others are not (the interpolation guess and both gallops). */
static void test_keyset(void) {
  es_pg_keyset ks;
  uint64_t seed = 42, batch[5000], probe;
  size_t i, b, missing = 0, false_hits = 0;
  memset(&ks, 0, sizeof(ks));
  CHECK_EQ_INT(es_pg_keyset_contains(&ks, 7), 0);
  for (b = 0; b < 40; b++) {
    for (i = 0; i < 5000; i++) batch[i] = next_rand(&seed);
    batch[4999] = batch[0]; /* a duplicate inside the batch */
    es_pg_keyset_add(&ks, batch, 5000);
  }
  CHECK_EQ_INT(ks.n, 40 * 4999);
  for (i = 1; i < ks.n; i++)
    if (ks.h[i - 1] >= ks.h[i]) break;
  CHECK_EQ_INT(i, ks.n); /* sorted, no duplicates */
  seed = 42;
  for (b = 0; b < 40; b++)
    for (i = 0; i < 5000; i++) {
      uint64_t h = next_rand(&seed);
      if (i < 4999) missing += !es_pg_keyset_contains(&ks, h);
    }
  CHECK_EQ_INT(missing, 0);
  probe = 99;
  for (i = 0; i < 100000; i++) false_hits += (size_t)es_pg_keyset_contains(&ks, next_rand(&probe));
  CHECK_EQ_INT(false_hits, 0);
  CHECK_EQ_INT(es_pg_keyset_contains(&ks, 0), 0);
  CHECK_EQ_INT(es_pg_keyset_contains(&ks, UINT64_MAX), 0);
  CHECK(es_pg_keyset_contains(&ks, ks.h[0]) && es_pg_keyset_contains(&ks, ks.h[ks.n - 1]));
  CHECK(!es_pg_keyset_contains(&ks, ks.h[0] - 1) &&
        !es_pg_keyset_contains(&ks, ks.h[ks.n - 1] + 1));
  es_pg_keyset_free(&ks);
  /* Past the limit it turns off: callers then ask the database. */
  {
    uint64_t *many = malloc(ES_PG_KEYSET_MAX * sizeof(*many));
    CHECK(many != NULL);
    if (many) {
      for (i = 0; i < ES_PG_KEYSET_MAX; i++) many[i] = next_rand(&seed);
      es_pg_keyset_add(&ks, many, ES_PG_KEYSET_MAX);
      CHECK_EQ_INT(ks.off, 0);
      batch[0] = next_rand(&seed);
      es_pg_keyset_add(&ks, batch, 1);
      CHECK_EQ_INT(ks.off, 1);
      CHECK(ks.h == NULL);
      free(many);
    }
  }
  es_pg_keyset_free(&ks);
  CHECK(es_pg_key_hash("a") != es_pg_key_hash("b"));
  CHECK(es_pg_key_hash("00000000-0000-4000-8000-000000000001") ==
        es_pg_key_hash("00000000-0000-4000-8000-000000000001"));
}

static void test_create_sql(void) {
  es_buf b = ES_BUF_INIT;
  CHECK_EQ_INT(es_pg_sql_create_table(&b, es_domain_find("recruit"), 384, 1), 0);
  CHECK_STR(
      b.ptr,
      "CREATE TABLE IF NOT EXISTS \"recruit\"(\"id\" uuid NOT NULL PRIMARY KEY, \"company_name\" text "
      "NOT NULL, \"exp_years\" integer NOT NULL, \"english_level\" text NOT NULL, \"primary_keyword\" "
      "text NOT NULL, \"vector\" vector(384) NOT NULL)");
  es_buf_clear(&b);
  CHECK_EQ_INT(es_pg_sql_create_table(&b, es_domain_find("candidate"), 768, 0), 0);
  CHECK_CONTAINS(b.ptr, "\"skills\" text[] NOT NULL");
  CHECK_CONTAINS(b.ptr,
                 "\"vector\" real[] NOT NULL, CONSTRAINT \"candidate_vector_dim\" CHECK "
                 "(cardinality(\"vector\") = 768))");
  es_buf_free(&b);
}

/* ---------------------------------------------------------------- COPY stream for pgvector

   With ES_PG_COPY_DUMP=DIR, writes the COPY BINARY streams this store would send for two tables
   made with pgvector (DIR/create.sql, DIR/<table>.bin) and the values they hold (expected.json).
   tests/integration/test_pgvector.py loads them into real pgvector (PGlite, COPY FROM '/dev/blob')
   and compares: PGlite's socket server cannot take COPY FROM STDIN, so this is how the vector
   COPY encoding meets the real vector_recv. */

static int file_sink(void *arg, const char *data, size_t n, es_error *err) {
  if (fwrite(data, 1, n, arg) != n) return es_err_set(err, ES_EIO, "write failed");
  return 0;
}

static void dump_value(es_buf *j, const es_field *f, const es_value *v) {
  size_t i;
  char hex[16];
  switch (f->type) {
  case ES_T_INT: es_buf_printf(j, "%d", (int)v->i); break;
  case ES_T_TEXT: es_buf_json_str(j, v->s); break;
  case ES_T_STRLIST:
    es_buf_puts(j, "[");
    for (i = 0; i < v->list.n; i++) {
      if (i) es_buf_puts(j, ",");
      es_buf_json_str(j, v->list.items[i]);
    }
    es_buf_puts(j, "]");
    break;
  case ES_T_VECTOR: /* IEEE bits, so the comparison is exact */
    es_buf_puts(j, "[");
    for (i = 0; i < v->vec.n; i++) {
      uint32_t u;
      memcpy(&u, &v->vec.v[i], 4);
      snprintf(hex, sizeof(hex), "%s\"%08x\"", i ? "," : "", (unsigned)u);
      es_buf_puts(j, hex);
    }
    es_buf_puts(j, "]");
    break;
  }
}

static void fill_dump_chunk(es_chunk *c, int dim) {
  static char *skills[] = {"a,b", "quote\"d", "{braces}", "NULL", "백엔드", ""};
  static const float sp[] = {-0.0f, 1e-39f, 3.4e38f, 1.0f / 3.0f, -2.5f, 1e-45f, 0.1f};
  const es_domain *d = c->domain;
  int r, i;
  char id[64];
  for (r = 0; r < 3; r++) {
    es_value *row = es_chunk_add_row(c, (uint64_t)r + 1);
    float *v = es_arena_alloc(&c->arena, (size_t)dim * sizeof(float));
    for (i = 0; i < dim; i++) v[i] = i < 7 ? sp[(i + r) % 7] : (float)i / 3.0f;
    snprintf(id, sizeof(id), "0000000%d-0000-4000-8000-00000000abc%d", r, r);
    row[0].s = es_arena_strndup(&c->arena, id, strlen(id));
    row[1].s = r == 1 ? "" : "line\none \"two\", \\ 백엔드";
    row[2].i = r * 7;
    row[3].s = "x";
    if (d->fields[4].type == ES_T_STRLIST) {
      row[4].list.items = skills + r;
      row[4].list.n = (size_t)(r == 2 ? 0 : 6 - r);
    } else {
      row[4].s = "kw";
    }
    row[5].vec.v = v;
    row[5].vec.n = (size_t)dim;
  }
}

static void dump_table(const char *dir, const char *name, int dim, es_buf *sql, es_buf *json) {
  static const es_pg_kind rk[] = {ES_PG_K_UUID, ES_PG_K_TEXT, ES_PG_K_INT4,
                                  ES_PG_K_TEXT, ES_PG_K_TEXT, ES_PG_K_VECTOR};
  static const es_pg_kind ck[] = {ES_PG_K_UUID, ES_PG_K_TEXT,    ES_PG_K_INT4,
                                  ES_PG_K_TEXT, ES_PG_K_TEXTARR, ES_PG_K_VECTOR};
  const es_domain *d = es_domain_find(name);
  es_pg_table t;
  es_chunk c;
  es_buf b = ES_BUF_INIT;
  es_error err;
  uint32_t rows[3] = {0, 1, 2};
  char path[512];
  size_t i, r;
  FILE *f;
  memset(&t, 0, sizeof(t));
  t.d = d;
  for (i = 0; i < d->nfields; i++) {
    t.cols[i].kind = !strcmp(name, "recruit") ? rk[i] : ck[i];
    t.cols[i].elem = 25;
  }
  es_chunk_init(&c, d);
  fill_dump_chunk(&c, dim);
  es_pg_sql_create_table(sql, d, dim, 1);
  es_buf_puts(sql, ";\n");
  snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
  f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    CHECK_EQ_INT(es_pg_copy_encode(&t, &c, rows, 3, &b, file_sink, f, &err), 0);
    CHECK_EQ_INT(fclose(f), 0);
  }
  es_buf_printf(json, "%s\"%s\":[", json->len > 1 ? "," : "", name);
  for (r = 0; r < 3; r++) {
    es_buf_puts(json, r ? ",{" : "{");
    for (i = 0; i < d->nfields; i++) {
      es_buf_printf(json, "%s\"%s\":", i ? "," : "", d->fields[i].name);
      dump_value(json, &d->fields[i], &es_chunk_row(&c, r)[i]);
    }
    es_buf_puts(json, "}");
  }
  es_buf_puts(json, "]");
  es_buf_free(&b);
  es_chunk_free(&c);
}

static void write_text(const char *dir, const char *name, const es_buf *b) {
  char path[512];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  CHECK_EQ_INT(fwrite(b->ptr, 1, b->len, f), b->len);
  CHECK_EQ_INT(fclose(f), 0);
}

static void dump_copy_streams(const char *dir) {
  es_buf sql = ES_BUF_INIT, json = ES_BUF_INIT;
  es_buf_puts(&json, "{");
  dump_table(dir, "recruit", 384, &sql, &json);
  dump_table(dir, "candidate", 9, &sql, &json);
  es_buf_puts(&json, "}");
  write_text(dir, "create.sql", &sql);
  write_text(dir, "expected.json", &json);
  es_buf_free(&sql);
  es_buf_free(&json);
}

int main(void) {
  es_domain_find("recruit"); /* binds the field tables */
  test_uri();
  test_keyvalue();
  test_scalars();
  test_arrays();
  test_last_rows();
  test_create_sql();
  test_keyset();
  if (getenv("ES_PG_COPY_DUMP")) dump_copy_streams(getenv("ES_PG_COPY_DUMP"));
  return tap_done("test_store_pg");
}
