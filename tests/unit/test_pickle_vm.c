/* test_pickle_vm.c - the pickle interpreter and loader: real pandas pickles, opcodes, limits,
 * damaged input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/domain.h"
#include "load/pickle/testing.h"
#include "tap.h"
#include "test_pickle_fixtures.h"

/* Runs the VM over an exact-size copy of bytes (ASan sees reads past the end); returns its code. */
static int run_vm(const void *bytes, size_t n, es_pkl_vm *vm, uint8_t **copy, es_error *err) {
  *copy = malloc(n ? n : 1);
  memcpy(*copy, bytes, n);
  es_pkl_vm_init(vm, *copy, n, "t.pkl");
  return es_pkl_vm_run(vm, err);
}

static int vm_error(const void *bytes, size_t n, const char *needle) {
  es_pkl_vm vm;
  es_error err;
  uint8_t *copy;
  int rc = run_vm(bytes, n, &vm, &copy, &err);
  CHECK(rc == ES_EINVAL);
  if (rc) CHECK_CONTAINS(err.msg, needle);
  es_pkl_vm_free(&vm);
  free(copy);
  return rc;
}
#define VM_ERROR(lit, needle) vm_error(lit, sizeof(lit) - 1, needle)

/* Opens bytes for domain d and reads every row, chunks of 1; returns rows or a negative code. */
static long load_all(const void *bytes, size_t n, const char *domain, es_chunk *keep,
                     es_error *err) {
  const es_domain *d = es_domain_find(domain);
  uint8_t *copy = malloc(n ? n : 1);
  es_loader *l;
  es_chunk c;
  long rows = 0;
  int got;
  memcpy(copy, bytes, n);
  if (es_pickle_open_mem(copy, n, "t.pkl", d, NULL, &l, err)) {
    free(copy);
    return err->code;
  }
  es_chunk_init(&c, d);
  while ((got = l->next(l, keep ? keep : &c, 1, err)) > 0) {
    rows += got;
    if (!keep) es_chunk_reset(&c);
  }
  if (got < 0) rows = got;
  es_chunk_free(&c);
  l->close(l);
  free(copy);
  return rows;
}

static void test_allowlist(void) {
  CHECK_EQ_INT(es_pkl_global_find("numpy", 5, "dtype", 5), ES_PKL_G_DTYPE);
  CHECK_EQ_INT(es_pkl_global_find("__builtin__", 11, "slice", 5), ES_PKL_G_SLICE);
  CHECK_EQ_INT(es_pkl_global_find("os", 2, "system", 6), 0);
  CHECK_EQ_INT(es_pkl_global_find("numpy", 5, "dtypes", 6), 0);
  CHECK_EQ_INT(es_pkl_global_find("numpy.core.multiarray", 21, "_reconstruct", 12),
               ES_PKL_G_RECONSTRUCT);
  VM_ERROR(
      "\x80\x02"
      "cos\nsystem\n"
      "N\x85R.",
      "global 'os.system' is not allowed");
  VM_ERROR(
      "\x80\x02"
      "cnumpy\nndarray\n"
      ")R.",
      "calling numpy.ndarray is not supported");
  VM_ERROR(
      "\x80\x02"
      "cpandas._libs.missing\nNA\n"
      ")\x81.",
      "NEWOBJ of pandas.NA is not supported");
  VM_ERROR(
      "\x80\x02"
      "cbuil\x01tins\nx\n.",
      "global 'buil?tins.x' is not allowed");
}

static void test_opcodes(void) {
  VM_ERROR("N.", "no PROTO opcode");
  VM_ERROR("\x80\x01N.", "pickle protocol 1 is not supported");
  VM_ERROR("\x80\x02", "ends before STOP");
  VM_ERROR("\x80\x02.", "STOP with an empty stack");
  VM_ERROR(
      "\x80\x02"
      "0.",
      "stack underflow");
  VM_ERROR(
      "\x80\x02"
      "(a.",
      "stack underflow");
  VM_ERROR(
      "\x80\x02"
      "t.",
      "no MARK");
  VM_ERROR(
      "\x80\x02"
      "Na.",
      "stack underflow");
  VM_ERROR(
      "\x80\x02"
      "NNa.",
      "APPEND to a None");
  VM_ERROR(
      "\x80\x02"
      "]NNs.",
      "SETITEM on a list");
  VM_ERROR(
      "\x80\x02"
      "}(Nu.",
      "odd number");
  VM_ERROR(
      "\x80\x02"
      "NN\x85R.",
      "REDUCE of a non-global");
  VM_ERROR(
      "\x80\x02"
      "c__builtin__\nslice\nNR.",
      "not a tuple");
  VM_ERROR(
      "\x80\x02"
      "NNb.",
      "BUILD on a None");
  VM_ERROR(
      "\x80\x02"
      "h\x00.",
      "memo entry 0 is not set");
  VM_ERROR(
      "\x80\x02"
      "q\x00.",
      "stack underflow");
  VM_ERROR(
      "\x80\x02"
      "I1\n.",
      "opcode INT (0x49) is not supported");
  VM_ERROR(
      "\x80\x02"
      "c__builtin__\nslice\n"
      "\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09"
      "\x85R.",
      "slice: arguments must be int or None");
  VM_ERROR(
      "\x80\x02"
      "c"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nx\n.",
      "longer than 255 bytes");
}

static void test_values(void) {
  /* [1.0, 2.0, 3.0] as consecutive BINFLOATs: one run, no per-item storage. */
  static const char floats[] =
      "\x80\x04]\x94(G?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00"
      "G@\x08\x00\x00\x00\x00\x00\x00"
      "e.";
  /* -1 as LONG1, 300 as BININT2, a POP on a MARK, DUP, memo round trip. */
  static const char ints[] =
      "\x80\x02(\x8a\x01\xff"
      "M,\x01"
      "(0"
      "N0"
      "q\x07"
      "0"
      "h\x07"
      "2"
      "t.";
  es_pkl_vm vm;
  es_error err;
  uint8_t *copy;
  es_pkl_list *l;
  es_pkl_tuple *t;
  es_pkl_val v;
  CHECK_EQ_INT(run_vm(floats, sizeof(floats) - 1, &vm, &copy, &err), 0);
  l = (es_pkl_list *)es_pkl_val_obj(&vm.root, ES_PKL_O_LIST);
  CHECK(l && l->n == 3 && l->nruns == 1 && !l->items);
  if (l && l->n == 3) {
    v = es_pkl_list_get(l, 2);
    CHECK(v.tag == ES_PKL_V_FLOATP && es_pkl_floatp(v.u.p) == 3.0);
  }
  es_pkl_vm_free(&vm);
  free(copy);
  CHECK_EQ_INT(run_vm(ints, sizeof(ints) - 1, &vm, &copy, &err), 0);
  t = (es_pkl_tuple *)es_pkl_val_obj(&vm.root, ES_PKL_O_TUPLE);
  CHECK(t && t->n == 3);
  if (t && t->n == 3) {
    CHECK(t->items[0].tag == ES_PKL_V_INT && t->items[0].u.i == -1);
    CHECK(t->items[1].tag == ES_PKL_V_INT && t->items[1].u.i == 300);
    CHECK(t->items[2].tag == ES_PKL_V_INT && t->items[2].u.i == 300);
  }
  es_pkl_vm_free(&vm);
  free(copy);
}

static void test_limits(void) {
  size_t n = 2 + ES_PKL_MAX_MARKS + 1 + 1, i;
  char *deep = malloc(n);
  deep[0] = '\x80';
  deep[1] = 2;
  for (i = 2; i < n - 1; i++) deep[i] = '(';
  deep[n - 1] = '.';
  vm_error(deep, n, "nesting deeper than 100 marks");
  free(deep);
  VM_ERROR("\x80\x02Nr\xff\xff\xff\xff.", "memo index 4294967295 is too large");
  VM_ERROR(
      "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f"
      "ab.",
      "runs past the end of the file");
  VM_ERROR(
      "\x80\x02X\x05\x00\x00\x00"
      "ab",
      "runs past the end of the file");
  VM_ERROR(
      "\x80\x02"
      "cnumpy\ndtype\nX\x02\x00\x00\x00M8\x85R.",
      "numpy dtype 'M8' is not supported");
  VM_ERROR(
      "\x80\x02"
      "cnumpy.core.multiarray\nscalar\n"
      "cnumpy\ndtype\nX\x02\x00\x00\x00i1\x85R"
      "(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
      "c_codecs\nencode\nX\x02\x00\x00\x00\xe2\x82X\x06\x00\x00\x00latin1\x86R\x86R.",
      "str is not latin-1");
}

static void test_latin1(void) {
  uint8_t out[8];
  size_t n = 99;
  CHECK(es_pkl_latin1((const uint8_t *)"a\xc3\xa9\xc2\x80z", 6, out, &n) == 0);
  CHECK(n == 4 && out[0] == 'a' && out[1] == 0xe9 && out[2] == 0x80 && out[3] == 'z');
  CHECK(es_pkl_latin1((const uint8_t *)"\xc3", 1, out, &n) == -1);         /* lead at the end */
  CHECK(es_pkl_latin1((const uint8_t *)"\xa9", 1, out, &n) == -1);         /* lone continuation */
  CHECK(es_pkl_latin1((const uint8_t *)"\xe2\x82\xac", 3, out, &n) == -1); /* U+20AC: not latin-1 */
  CHECK(es_pkl_latin1((const uint8_t *)"\xc3"
                                       "a",
                      2, out, &n) == -1); /* lead without continuation */
}

static void test_dataframe(const unsigned char *p, size_t n, const char *what) {
  es_chunk c;
  es_error err;
  const es_domain *d = es_domain_find("skill_embedding_dic");
  long rows;
  es_chunk_init(&c, d);
  rows = load_all(p, n, "skill_embedding_dic", &c, &err);
  CHECK_EQ_INT(rows, 2);
  if (rows != 2) {
    fprintf(stderr, "%s: %s\n", what, err.msg);
  } else {
    es_value *r0 = es_chunk_row(&c, 0), *r1 = es_chunk_row(&c, 1);
    CHECK_STR(r0[0].s, "py");
    CHECK_STR(r0[1].s, "be");
    CHECK_STR(r1[0].s, "\xeb\x8d\xb0\xec\x9d\xb4\xed\x84\xb0");
    CHECK_STR(r1[1].s, ""); /* NaN in a text column: empty, like an empty CSV cell */
    CHECK(r0[2].vec.n == 2 && r0[2].vec.v[0] == 1.5f && r0[2].vec.v[1] == -2.0f);
    CHECK(r1[2].vec.n == 2 && r1[2].vec.v[0] == 0.25f && r1[2].vec.v[1] == 3.0f);
    CHECK_EQ_INT(c.lines[1], 2);
  }
  es_chunk_free(&c);
  /* The wrong domain names every missing and every unknown column, before any row. */
  CHECK(load_all(p, n, "recruit", NULL, &err) == ES_EINVAL);
  CHECK_CONTAINS(
      err.msg,
      "t.pkl: missing columns id, company_name, exp_years, english_level, primary_keyword; "
      "unknown columns 'skill', 'position_category'");
}

static void test_list_of_dicts(void) {
  es_chunk c;
  es_error err;
  const es_domain *d = es_domain_find("candidate");
  es_chunk_init(&c, d);
  CHECK_EQ_INT(load_all(dicts_p4, sizeof(dicts_p4), "candidate", &c, &err), 1);
  if (c.nrows == 1) {
    es_value *r = es_chunk_row(&c, 0);
    CHECK_STR(r[0].s, "0190a8c2-abcd-7ef0-8000-0000000000c1");
    CHECK_EQ_INT(r[2].i, 7);
    CHECK_STR(r[3].s, "");
    CHECK(r[4].list.n == 2 && !strcmp(r[4].list.items[1], "b"));
    CHECK(r[5].vec.n == 3 && r[5].vec.v[0] == (float)0.1 && r[5].vec.v[2] == -3.5f);
  }
  es_chunk_free(&c);
}

/* Every prefix and many one-byte corruptions of real pickles: an error or rows, never a crash
   (the ASan build runs this too). */
static void test_damage(const unsigned char *p, size_t n) {
  static const unsigned char subst[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '(', '.', 'h', 'R', 'b'};
  es_error err;
  size_t i, k;
  unsigned char *m = malloc(n);
  for (i = 0; i < n; i++) CHECK(load_all(p, i, "skill_embedding_dic", NULL, &err) < 0);
  for (i = 0; i < n; i++)
    for (k = 0; k < sizeof(subst); k++) {
      memcpy(m, p, n);
      m[i] = subst[k];
      load_all(m, n, "skill_embedding_dic", NULL, &err);
      load_all(m, n, "candidate", NULL, &err);
    }
  free(m);
}

/* Appends n bytes to a growing buffer. */
static void put(unsigned char **b, size_t *len, const void *p, size_t n) {
  *b = realloc(*b, *len + n);
  memcpy(*b + *len, p, n);
  *len += n;
}
#define PUT(lit) put(&b, &len, lit, sizeof(lit) - 1)

static void put_str(unsigned char **b, size_t *len, const char *s, size_t n) {
  unsigned char h[5] = {'X', (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
                        (unsigned char)(n >> 24)};
  put(b, len, h, 5);
  put(b, len, s, n);
}

/* Small files that would expand without bound: one big dict shared by every row, and an
   index of a million rows over zero-sized elements. */
static void test_bombs(void) {
  unsigned char *b = NULL;
  size_t len = 0, i, big = 200000;
  char *s = malloc(big);
  es_error err;
  memset(s, 'x', big);
  PUT("\x80\x02](}(");
  put_str(&b, &len, "skill", 5);
  put_str(&b, &len, s, big);
  put_str(&b, &len, "position_category", 17);
  put_str(&b, &len, "p", 1);
  put_str(&b, &len, "vector", 6);
  PUT("]G?\xf0\x00\x00\x00\x00\x00\x00"
      "au"
      "q\x00");
  for (i = 0; i < 1999; i++) PUT("h\x00");
  PUT("e.");
  CHECK(load_all(b, len, "skill_embedding_dic", NULL, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, "expand to more than 256 x the file size");
  free(b);
  free(s);
  b = NULL;
  len = 0;
  /* {'skill': U0[1000000], 'position_category': <same>, 'vector': f4[1000000, 0]} */
  PUT("\x80\x02}(X\x05\x00\x00\x00skill"
      "cnumpy.core.numeric\n_frombuffer\nq\x01(C\x00"
      "cnumpy\ndtype\nq\x02X\x02\x00\x00\x00U0\x85R(K\x03X\x01\x00\x00\x00<NNNK\x00K\x04K\x08tb"
      "J\x40\x42\x0f\x00\x85X\x01\x00\x00\x00"
      "CtRq\x03"
      "X\x11\x00\x00\x00position_categoryh\x03"
      "X\x06\x00\x00\x00vectorh\x01(C\x00h\x02X\x02\x00\x00\x00"
      "f4\x85R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xff"
      "J\xff\xff\xff\xffK\x00tbJ\x40\x42\x0f\x00K\x00\x86X\x01\x00\x00\x00"
      "CtRu.");
  CHECK(load_all(b, len, "skill_embedding_dic", NULL, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, "1000000 rows in a file of");
  free(b);
}

int main(void) {
  test_allowlist();
  test_opcodes();
  test_values();
  test_latin1();
  test_limits();
  test_dataframe(df_p5, sizeof(df_p5), "protocol 5");
  test_dataframe(df_p2, sizeof(df_p2), "protocol 2");
  test_list_of_dicts();
  test_bombs();
  test_damage(df_p5, sizeof(df_p5));
  test_damage(df_p2, sizeof(df_p2));
  test_damage(dicts_p4, sizeof(dicts_p4));
  return tap_done("test_pickle_vm");
}
