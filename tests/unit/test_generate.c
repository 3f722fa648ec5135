/* test_generate.c - the generator: same seed, same bytes; files load back to the very rows that
   were generated (vectors bit for bit) in both formats and all domains. */
#include <ctype.h>

#include "load/generate.h"
#include "load_testutil.h"
#include "tap.h"

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long len;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)len + 1);
  *n = fread(buf, 1, (size_t)len, f);
  buf[*n] = '\0';
  fclose(f);
  return buf;
}

static int gen(const char *domain, uint64_t rows, int dim, uint64_t seed, const char *path) {
  es_gen_stats st;
  es_error err;
  int rc = es_generate_file(es_domain_find(domain), rows, dim, seed, path, &st, &err);
  if (rc) fprintf(stderr, "generate: %s\n", err.msg);
  return rc;
}

static int same_file(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  char *x = slurp(a, &na), *y = slurp(b, &nb);
  int same = x && y && na == nb && !memcmp(x, y, na);
  free(x);
  free(y);
  return same;
}

static void determinism(void) {
  const char *a = tu_path("a.csv"), *b = tu_path("b.csv"), *c = tu_path("c.csv");
  CHECK_EQ_INT(gen("candidate", 50, 16, 7, a), 0);
  CHECK_EQ_INT(gen("candidate", 50, 16, 7, b), 0);
  CHECK_EQ_INT(gen("candidate", 50, 16, 8, c), 0);
  CHECK(same_file(a, b));
  CHECK(!same_file(a, c));
  a = tu_path("a.jsonl");
  b = tu_path("b.jsonl");
  CHECK_EQ_INT(gen("recruit", 50, 16, 7, a), 0);
  CHECK_EQ_INT(gen("recruit", 50, 16, 7, b), 0);
  CHECK(same_file(a, b));
}

static int values_equal(const es_domain *d, const es_value *x, const es_value *y) {
  size_t f, k;
  for (f = 0; f < d->nfields; f++) {
    switch (d->fields[f].type) {
    case ES_T_TEXT:
      if (strcmp(x[f].s, y[f].s)) return 0;
      break;
    case ES_T_INT:
      if (x[f].i != y[f].i) return 0;
      break;
    case ES_T_STRLIST:
      if (x[f].list.n != y[f].list.n) return 0;
      for (k = 0; k < x[f].list.n; k++)
        if (strcmp(x[f].list.items[k], y[f].list.items[k])) return 0;
      break;
    case ES_T_VECTOR:
      if (x[f].vec.n != y[f].vec.n) return 0;
      for (k = 0; k < x[f].vec.n; k++)
        if (tu_bits(x[f].vec.v[k]) != tu_bits(y[f].vec.v[k])) return 0;
      break;
    }
  }
  return 1;
}

/* Generates a file, loads it back max_rows at a time, and compares with es_gen_row. */
static void round_trip(const char *domain, const char *ext, uint64_t rows, int dim,
                       size_t max_rows) {
  const es_domain *d = es_domain_find(domain);
  char name[64];
  const char *path;
  es_chunk loaded, want;
  es_error err;
  es_gen g;
  long n;
  uint64_t i, bad = 0;
  snprintf(name, sizeof(name), "rt-%s%s", domain, ext);
  path = tu_path(name);
  CHECK_EQ_INT(gen(domain, rows, dim, 42, path), 0);
  n = tu_load(path, domain, &loaded, max_rows, &err);
  if (n < 0) fprintf(stderr, "%s\n", err.msg);
  CHECK_EQ_INT(n, (long)rows);
  es_chunk_init(&want, d);
  es_gen_init(&g, d, dim, 42);
  for (i = 0; i < rows && n == (long)rows; i++) {
    es_chunk_reset(&want);
    CHECK_EQ_INT(es_gen_row(&g, i, &want, &err), 0);
    if (!values_equal(d, es_chunk_row(&loaded, i), es_chunk_row(&want, 0)) && bad++ < 3)
      fprintf(stderr, "%s: row %llu differs\n", name, (unsigned long long)i);
  }
  CHECK_EQ_INT(bad, 0);
  es_gen_free(&g);
  es_chunk_free(&want);
  es_chunk_free(&loaded);
}

static int uuid_shaped(const char *s) {
  int i;
  if (strlen(s) != 36) return 0;
  for (i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return 0;
    } else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
      return 0;
    }
  }
  return s[14] == '7' && strchr("89ab", s[19]) != NULL;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keys are unique; recruit/candidate keys are lowercase UUIDv7 text. */
static void keys(const char *domain, uint64_t rows) {
  const es_domain *d = es_domain_find(domain);
  es_chunk c;
  es_error err;
  es_gen g;
  char **k = malloc(rows * sizeof(char *));
  uint64_t i, dup = 0, shape = 0;
  es_chunk_init(&c, d);
  es_gen_init(&g, d, 4, 9);
  for (i = 0; i < rows; i++) {
    CHECK_EQ_INT(es_gen_row(&g, i, &c, &err), 0);
    k[i] = es_chunk_row(&c, i)[d->key].s;
    if ((d->fields[d->key].flags & ES_F_UUID) && !uuid_shaped(k[i])) shape++;
    if (!*k[i]) shape++;
  }
  qsort(k, rows, sizeof(char *), cmp_str);
  for (i = 1; i < rows; i++)
    if (!strcmp(k[i - 1], k[i])) dup++;
  CHECK_EQ_INT(dup, 0);
  CHECK_EQ_INT(shape, 0);
  free(k);
  es_gen_free(&g);
  es_chunk_free(&c);
}

/* The CSV carries doubled quotes, quoted line breaks and UTF-8 beyond ASCII. */
static void exercises_quoting(void) {
  const char *p = tu_path("q.csv");
  size_t n = 0, i;
  char *s;
  int high = 0;
  CHECK_EQ_INT(gen("candidate", 200, 4, 1, p), 0);
  s = slurp(p, &n);
  CHECK(s != NULL);
  if (!s) return;
  CHECK(strstr(s,
               "candidate_id,position_category,experience_years,original_resume,skills,vector\n") ==
        s);
  CHECK(strstr(s, "\"\"") != NULL);
  CHECK(strstr(s, ".\n") != NULL); /* a sentence then a line break inside a quoted resume */
  for (i = 0; i < n; i++) high |= (unsigned char)s[i] >= 0x80;
  CHECK(high);
  CHECK(strstr(s, "\\u") != NULL); /* skills JSON escapes non-ASCII as json.dumps does */
  CHECK(strstr(s, "e-0") != NULL || strstr(s, "e-1") != NULL); /* some exponent notation */
  free(s);
  CHECK_EQ_INT(gen("recruit", 0, 4, 1, p), 0);
  s = slurp(p, &n);
  CHECK_STR(s, "id,company_name,exp_years,english_level,primary_keyword,vector\n");
  free(s);
}

int main(void) {
  tu_init();
  determinism();
  round_trip("recruit", ".csv", 300, 384, 64);
  round_trip("candidate", ".csv", 300, 768, 1000);
  round_trip("skill_embedding_dic", ".csv", 300, 768, 1);
  round_trip("recruit", ".jsonl", 300, 384, 100);
  round_trip("candidate", ".jsonl", 300, 768, 7);
  round_trip("skill_embedding_dic", ".ndjson", 300, 768, 300);
  /* Several read-buffer refills (about 14 MiB). */
  round_trip("recruit", ".csv", 3000, 384, 1000);
  keys("recruit", 20000);
  keys("candidate", 2000);
  keys("skill_embedding_dic", 20000);
  exercises_quoting();
  tu_cleanup();
  return tap_done("test_generate");
}
