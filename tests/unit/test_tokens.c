/* test_tokens.c - the token file parser (comments, domains, malformed lines, names and hashes
   given twice), matching by SHA-256, the constant-time compare, Bearer values, and a reloaded
   set that keeps its old tokens when the new file is bad. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/tokens.h"
#include "auth/tokenset.h"
#include "core/readfile.h"
#include "tap.h"
#include "tmpdir.h"

/* The hex SHA-256 of "secret-one" and "secret-two". */
static char h1[65], h2[65];

static void hex_of(const char *token, char out[65]) {
  unsigned char h[ES_TOKENS_HASH_BYTES];
  size_t i;
  CHECK(es_tokens_hash(token, strlen(token), h, NULL) == 0);
  for (i = 0; i < sizeof(h); i++) sprintf(out + 2 * i, "%02x", h[i]);
}

static int parse(const char *text, es_token_list *l, es_error *err) {
  es_err_clear(err);
  return es_tokens_parse(text, strlen(text), "t.tokens", l, err);
}

/* The hash is libcrypto's SHA-256: a known vector ("abc", FIPS 180-2). */
static void test_hash(void) {
  char abc[65];
  hex_of("abc", abc);
  CHECK_STR(abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_parse_ok(void) {
  char text[1024];
  es_token_list l = {NULL, 0};
  es_error err;
  snprintf(text, sizeof(text),
           "# deploy tokens\n"
           "\n"
           "   \t\n"
           "ci-loader %s   # all domains\r\n"
           "\tjobs.bot@example  %s recruit,skill_embedding_dic\n"
           "last %s candidate", /* no final newline */
           h1, h2, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  CHECK(parse(text, &l, &err) == 0);
  CHECK_EQ_INT(l.n, 3);
  if (l.n == 3) {
    CHECK_STR(l.v[0].name, "ci-loader");
    CHECK(l.v[0].domains == ES_TOKENS_ALL_DOMAINS);
    CHECK_STR(l.v[1].name, "jobs.bot@example");
    CHECK(es_tokens_allows(l.v[1].domains, es_domain_find("recruit")));
    CHECK(es_tokens_allows(l.v[1].domains, es_domain_find("skill_embedding_dic")));
    CHECK(!es_tokens_allows(l.v[1].domains, es_domain_find("candidate")));
    CHECK(l.v[2].hash[0] == 0xaa && l.v[2].hash[31] == 0xaa); /* upper-case hex */
  }
  es_tokens_list_free(&l);
  CHECK(parse("# only comments\n\n#x\n", &l, &err) == 0 && l.n == 0);
  CHECK(parse("", &l, &err) == 0 && l.n == 0);
}

/* Each bad file is refused whole, naming the file, the line and what is wrong. */
static void test_parse_bad(void) {
  static const struct {
    const char *fmt, *says;
  } cases[] = {
      {"a\n", "t.tokens:1: expected NAME SHA256HEX [DOMAIN,...], found 1 field"},
      {"# c\na %s recruit extra\n",
       "t.tokens:2: expected NAME SHA256HEX [DOMAIN,...], found 4 fields"},
      {"a %.63s\n", "t.tokens:1: the second field must be the token's SHA-256 as 64 hex digits"},
      {"a %sa\n", "64 hex digits"},
      {"a zz%.62s\n", "64 hex digits"},
      {"a b3f1d1c5e9a7f0b2d4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9x\n", "64 hex digits"},
      {"bad/name %s\n", "t.tokens:1: token name 'bad/name': character 4 is not one of"},
      {"a %s recruits\n", "t.tokens:1: unknown domain 'recruits' (did you mean recruit?)"},
      {"a %s recruit,,candidate\n", "empty domain in 'recruit,,candidate'"},
      {"a %s recruit,\n", "empty domain"},
      {"a %s bogus\n", "unknown domain 'bogus' (known: recruit, candidate, skill_embedding_dic)"},
      {"a %s\nb %s\na %s\n", "t.tokens:3: token name 'a' again (first on line 1)"},
  };
  char text[1024];
  es_token_list l = {NULL, 0};
  es_error err;
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(text, sizeof(text), cases[i].fmt, h1, h2, h1);
    CHECK(parse(text, &l, &err) == ES_EINVAL);
    CHECK_CONTAINS(err.msg, cases[i].says);
    CHECK(l.v == NULL && l.n == 0);
  }
  /* One token under two names: which name would its streams carry? */
  snprintf(text, sizeof(text), "a %s\nb %s\n", h1, h1);
  CHECK(parse(text, &l, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, "t.tokens:2: the hash of 'b' again (line 1)");
  /* Too long a name. */
  snprintf(text, sizeof(text), "%065d %s\n", 0, h1);
  CHECK(parse(text, &l, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, "longer than 64 characters");
  /* A NUL byte: a binary file given by mistake. */
  CHECK(es_tokens_parse("a\0b\n", 4, "t.tokens", &l, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, "NUL byte");
}

static void test_match(void) {
  char text[512];
  es_token_list l = {NULL, 0};
  es_error err;
  const es_token *t;
  snprintf(text, sizeof(text), "one %s recruit\ntwo %s\n", h1, h2);
  CHECK(parse(text, &l, &err) == 0);
  t = es_tokens_match(&l, "secret-one", 10);
  CHECK(t && !strcmp(t->name, "one"));
  t = es_tokens_match(&l, "secret-two", 10);
  CHECK(t && !strcmp(t->name, "two"));
  CHECK(es_tokens_match(&l, "secret-on", 9) == NULL);    /* a prefix */
  CHECK(es_tokens_match(&l, "secret-one ", 11) == NULL); /* one byte more */
  CHECK(es_tokens_match(&l, "SECRET-ONE", 10) == NULL);
  CHECK(es_tokens_match(&l, "", 0) == NULL);
  CHECK(es_tokens_match(&l, h1, 64) == NULL); /* the hash itself is not the token */
  CHECK(es_tokens_match(NULL, "secret-one", 10) == NULL);
  es_tokens_list_free(&l);
}

static void test_equal(void) {
  unsigned char a[32], b[32];
  size_t i;
  memset(a, 0x5a, sizeof(a));
  memcpy(b, a, sizeof(b));
  CHECK(es_tokens_equal(a, b, sizeof(a)));
  for (i = 0; i < sizeof(a); i++) { /* a difference anywhere, first byte to last, is seen */
    b[i] ^= 0x01;
    CHECK(!es_tokens_equal(a, b, sizeof(a)));
    b[i] ^= 0x81;
    CHECK(!es_tokens_equal(a, b, sizeof(a)));
    b[i] ^= 0x80;
  }
  CHECK(es_tokens_equal(a, b, sizeof(a)));
  CHECK(es_tokens_equal(a, b, 0));
}

static int bearer(const char *v, const char **tok, size_t *n) {
  return es_tokens_bearer(v, strlen(v), tok, n);
}

static void test_bearer(void) {
  const char *t = NULL;
  size_t n = 0;
  CHECK(bearer("Bearer abc", &t, &n) == 0 && n == 3 && !memcmp(t, "abc", 3));
  CHECK(bearer("bearer \t abc \t", &t, &n) == 0 && n == 3 && !memcmp(t, "abc", 3));
  CHECK(bearer("BEARER x", &t, &n) == 0 && n == 1);
  CHECK(bearer("Bearer", &t, &n) < 0);
  CHECK(bearer("Bearer ", &t, &n) < 0);
  CHECK(bearer("Bearerabc", &t, &n) < 0);
  CHECK(bearer("Basic YTpi", &t, &n) < 0);
  CHECK(bearer("Bearer a b", &t, &n) < 0);
  CHECK(bearer("Bearer a\x01", &t, &n) < 0);
  CHECK(bearer("abc", &t, &n) < 0);
  {
    char big[ES_TOKEN_MAX_BYTES + 16];
    memcpy(big, "Bearer ", 7);
    memset(big + 7, 'x', ES_TOKEN_MAX_BYTES);
    big[7 + ES_TOKEN_MAX_BYTES] = '\0';
    CHECK(bearer(big, &t, &n) == 0 && n == ES_TOKEN_MAX_BYTES);
    big[7 + ES_TOKEN_MAX_BYTES] = 'x';
    big[8 + ES_TOKEN_MAX_BYTES] = '\0';
    CHECK(bearer(big, &t, &n) < 0);
  }
}

static void test_domains_text(void) {
  char out[128];
  uint32_t mask = 0;
  es_error err;
  es_tokens_domains_text(ES_TOKENS_ALL_DOMAINS, out, sizeof(out));
  CHECK_STR(out, "all domains");
  CHECK(es_tokens_parse_domains("candidate,recruit,candidate", 27, &mask, &err) == 0);
  es_tokens_domains_text(mask, out, sizeof(out));
  CHECK_STR(out, "recruit,candidate");
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* A reload replaces the set; a reload of a bad (or vanished) file keeps the old one. */
static void test_tokenset_reload(void) {
  char dir[200], path[256], text[512];
  es_tokenset *s = NULL;
  es_token who;
  es_error err;
  td_make(dir, sizeof(dir), "tokens");
  snprintf(path, sizeof(path), "%s/t", dir);
  snprintf(text, sizeof(text), "one %s\n", h1);
  write_file(path, text);
  CHECK(es_tokenset_open(path, &s, &err) == 0);
  if (!s) return;
  CHECK(es_tokenset_check(s, "secret-one", 10, &who) == 0 && !strcmp(who.name, "one"));
  CHECK(es_tokenset_check(s, "secret-two", 10, &who) < 0);
  snprintf(text, sizeof(text), "two %s candidate\n", h2);
  write_file(path, text);
  CHECK(es_tokenset_reload(s, &err) == 0);
  CHECK(es_tokenset_check(s, "secret-one", 10, &who) < 0); /* removed: refused at once */
  CHECK(es_tokenset_check(s, "secret-two", 10, &who) == 0 && !strcmp(who.name, "two"));
  write_file(path, "two not-a-hash\n");
  CHECK(es_tokenset_reload(s, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, ":1: the second field");
  CHECK(es_tokenset_check(s, "secret-two", 10, &who) == 0); /* the old set stays */
  CHECK_EQ_INT(es_tokenset_count(s), 1);
  unlink(path);
  CHECK(es_tokenset_reload(s, &err) == ES_ENOTFOUND);
  CHECK(es_tokenset_check(s, "secret-two", 10, &who) == 0);
  es_tokenset_free(s);
  CHECK(es_tokenset_open(path, &s, &err) == ES_ENOTFOUND && s == NULL);
  td_remove(dir);
}

static int is_hex64(const char *s) {
  size_t i;
  for (i = 0; i < 64; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return s[64] == '\0';
}

/* `token new`: the file is made 0600, holds the hash and never the token, takes further tokens,
   refuses a name twice and will not append to a file that is not a token file. */
static void test_add(void) {
  char dir[200], path[256], tok1[ES_TOKENS_TEXT], tok2[ES_TOKENS_TEXT];
  char *text = NULL;
  es_token_list l = {NULL, 0};
  es_error err;
  struct stat st;
  uint32_t mask = 0;
  td_make(dir, sizeof(dir), "tokens");
  snprintf(path, sizeof(path), "%s/tokens", dir);
  CHECK(es_tokens_add(path, "first", ES_TOKENS_ALL_DOMAINS, tok1, &err) == 0);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(is_hex64(tok1));
  CHECK(es_tokens_parse_domains("candidate", 9, &mask, &err) == 0);
  CHECK(es_tokens_add(path, "second", mask, tok2, &err) == 0);
  CHECK(strcmp(tok1, tok2) != 0);
  CHECK(es_tokens_read(path, &l, &err) == 0 && l.n == 2);
  CHECK(es_tokens_match(&l, tok1, 64) == &l.v[0] && l.v[0].domains == ES_TOKENS_ALL_DOMAINS);
  CHECK(es_tokens_match(&l, tok2, 64) == &l.v[1] && l.v[1].domains == mask);
  es_tokens_list_free(&l);
  {
    size_t len = 0;
    CHECK(es_readfile(path, 4096, "a token file", &text, &len, &err) == 0);
    CHECK(text && !strstr(text, tok1) && !strstr(text, tok2)); /* hashes only */
    CHECK_CONTAINS(text, " candidate\n");
    free(text);
  }
  CHECK(es_tokens_add(path, "first", ES_TOKENS_ALL_DOMAINS, tok2, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, "has a token named 'first' already");
  CHECK(es_tokens_add(path, "bad name", ES_TOKENS_ALL_DOMAINS, tok2, &err) == ES_EINVAL);
  /* A last line without its newline: the new line still starts on a line of its own. */
  write_file(path,
             "# hand-written\nx 0000000000000000000000000000000000000000000000000000000000000000");
  CHECK(es_tokens_add(path, "third", ES_TOKENS_ALL_DOMAINS, tok1, &err) == 0);
  CHECK(es_tokens_read(path, &l, &err) == 0 && l.n == 2 && !strcmp(l.v[1].name, "third"));
  es_tokens_list_free(&l);
  write_file(path, "not a token file\n");
  CHECK(es_tokens_add(path, "fourth", ES_TOKENS_ALL_DOMAINS, tok1, &err) == ES_EINVAL);
  CHECK_CONTAINS(err.msg, ":1: expected NAME SHA256HEX");
  td_remove(dir);
}

int main(void) {
  hex_of("secret-one", h1);
  hex_of("secret-two", h2);
  test_hash();
  test_parse_ok();
  test_parse_bad();
  test_match();
  test_equal();
  test_bearer();
  test_domains_text();
  test_tokenset_reload();
  test_add();
  return tap_done("test_tokens");
}
