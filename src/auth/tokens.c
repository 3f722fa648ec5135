/* tokens.c - the token file's lines, and matching a presented token by its SHA-256. SHA-256 and
   the constant-time compare come from OpenSSL's libcrypto (Debian's libssl3, which gRPC links
   already), never from code of our own. */
#include "auth/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "core/log.h"
#include "core/readfile.h"
#include "core/suggest.h"

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

int es_tokens_check_name(const char *name, size_t n, es_error *why) {
  size_t i;
  if (n == 0) return es_err_set(why, ES_EINVAL, "empty token name");
  if (n > ES_TOKEN_NAME_MAX)
    return es_err_set(why, ES_EINVAL, "token name longer than %d characters", ES_TOKEN_NAME_MAX);
  for (i = 0; i < n; i++)
    if (!name_char(name[i]))
      return es_err_set(why, ES_EINVAL,
                        "token name '%.*s': character %zu is not one of A-Z a-z 0-9 . _ @ -",
                        (int)n, name, i + 1);
  return 0;
}

static int domain_bit(const char *s, size_t n, uint32_t *bit, es_error *err) {
  const char *names[32], *hint;
  size_t i;
  for (i = 0; i < es_domain_count && i < 32; i++) {
    names[i] = es_domains[i]->name;
    if (strlen(names[i]) == n && !memcmp(names[i], s, n)) {
      *bit = (uint32_t)1 << i;
      return 0;
    }
  }
  if ((hint = es_suggest(s, n, names, i)))
    return es_err_set(err, ES_EINVAL, "unknown domain '%.*s' (did you mean %s?)", (int)n, s, hint);
  return es_err_set(err, ES_EINVAL, "unknown domain '%.*s' (known: %s)", (int)n, s,
                    es_domain_names());
}

int es_tokens_parse_domains(const char *s, size_t n, uint32_t *mask, es_error *err) {
  size_t i = 0;
  *mask = 0;
  while (i <= n) {
    size_t j = i;
    uint32_t bit = 0;
    while (j < n && s[j] != ',') j++;
    if (j == i) return es_err_set(err, ES_EINVAL, "empty domain in '%.*s'", (int)n, s);
    if (domain_bit(s + i, j - i, &bit, err)) return err->code;
    *mask |= bit;
    i = j + 1;
  }
  return 0;
}

static int parse_hash(const char *s, size_t n, unsigned char out[ES_TOKENS_HASH_BYTES],
                      es_error *err) {
  size_t i;
  if (n == 2 * ES_TOKENS_HASH_BYTES) {
    for (i = 0; i < ES_TOKENS_HASH_BYTES; i++) {
      int hi = es_hex_digit(s[2 * i]), lo = es_hex_digit(s[2 * i + 1]);
      if (hi < 0 || lo < 0) break;
      out[i] = (unsigned char)(hi << 4 | lo);
    }
    if (i == ES_TOKENS_HASH_BYTES) return 0;
  }
  return es_err_set(err, ES_EINVAL,
                    "the second field must be the token's SHA-256 as 64 hex digits (the file holds "
                    "hashes, never tokens; `embedstream token new` writes such lines)");
}

/* Splits line[0, n) at blanks into at most 4 fields; returns how many there are. */
static size_t split_fields(const char *line, size_t n, const char *f[4], size_t fn[4]) {
  size_t i = 0, k = 0;
  while (i < n) {
    size_t j;
    while (i < n && is_blank(line[i])) i++;
    if (i == n) break;
    for (j = i; j < n && !is_blank(line[j]); j++) {}
    if (k < 4) {
      f[k] = line + i;
      fn[k] = j - i;
    }
    k++;
    i = j;
  }
  return k;
}

/* One line without its comment: 0 with *t filled and *empty clear, or a blank line. */
static int parse_line(const char *line, size_t n, es_token *t, int *empty, es_error *err) {
  const char *f[4];
  size_t fn[4], k = split_fields(line, n, f, fn);
  *empty = k == 0;
  if (k == 0) return 0;
  if (k < 2 || k > 3)
    return es_err_set(err, ES_EINVAL, "expected NAME SHA256HEX [DOMAIN,...], found %zu field%s", k,
                      es_plural(k));
  memset(t, 0, sizeof(*t));
  if (es_tokens_check_name(f[0], fn[0], err) || parse_hash(f[1], fn[1], t->hash, err))
    return err->code;
  memcpy(t->name, f[0], fn[0]);
  t->domains = ES_TOKENS_ALL_DOMAINS;
  if (k == 3 && es_tokens_parse_domains(f[2], fn[2], &t->domains, err)) return err->code;
  return 0;
}

/* A name or a hash seen on an earlier line: both must be unique, or one token would have two
   names (or one name two sets of domains). */
static int check_unique(const es_token_list *l, const es_token *t, const size_t *lines,
                        es_error *err) {
  size_t i;
  for (i = 0; i < l->n; i++) {
    if (!strcmp(l->v[i].name, t->name))
      return es_err_set(err, ES_EINVAL, "token name '%s' again (first on line %zu)", t->name,
                        lines[i]);
    if (!memcmp(l->v[i].hash, t->hash, sizeof(t->hash)))
      return es_err_set(err, ES_EINVAL, "the hash of '%s' again (line %zu): one token, two names",
                        t->name, lines[i]);
  }
  return 0;
}

static int append(es_token_list *l, size_t **lines, size_t *cap, const es_token *t, size_t line_no,
                  es_error *err) {
  if (l->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    es_token *v = ncap < SIZE_MAX / sizeof(*v) ? realloc(l->v, ncap * sizeof(*v)) : NULL;
    size_t *ln = v && ncap < SIZE_MAX / sizeof(*ln) ? realloc(*lines, ncap * sizeof(*ln)) : NULL;
    if (v) l->v = v;
    if (ln) *lines = ln;
    if (!v || !ln) return es_err_set(err, ES_ENOMEM, "out of memory");
    *cap = ncap;
  }
  l->v[l->n] = *t;
  (*lines)[l->n++] = line_no;
  return 0;
}

int es_tokens_parse(const char *text, size_t len, const char *what, es_token_list *out,
                    es_error *err) {
  es_token_list l = {NULL, 0};
  size_t *lines = NULL, cap = 0, pos = 0, line_no = 0;
  int rc = 0;
  while (pos < len && !rc) {
    const char *line = text + pos, *nl = memchr(line, '\n', len - pos), *hash;
    size_t n = nl ? (size_t)(nl - line) : len - pos;
    es_token t;
    int empty = 0;
    pos += n + (nl ? 1 : 0);
    line_no++;
    if (memchr(line, '\0', n)) rc = es_err_set(err, ES_EINVAL, "a NUL byte: not a token file");
    if ((hash = memchr(line, '#', n))) n = (size_t)(hash - line);
    if (n && line[n - 1] == '\r') n--;
    if (!rc) rc = parse_line(line, n, &t, &empty, err);
    if (!rc && !empty && !(rc = check_unique(&l, &t, lines, err)))
      rc = append(&l, &lines, &cap, &t, line_no, err);
    if (rc) es_err_prefix(err, "%s:%zu: ", what, line_no);
  }
  free(lines);
  if (rc) {
    es_tokens_list_free(&l);
    return rc;
  }
  *out = l;
  return 0;
}

int es_tokens_read(const char *path, es_token_list *out, es_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = es_readfile(path, ES_TOKENS_FILE_MAX, "a token file", &text, &len, err);
  if (rc) return rc;
  rc = es_tokens_parse(text, len, path, out, err);
  free(text);
  return rc;
}

void es_tokens_list_free(es_token_list *l) {
  if (!l) return;
  if (l->v) OPENSSL_cleanse(l->v, l->n * sizeof(*l->v));
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

int es_tokens_hash(const char *token, size_t n, unsigned char out[ES_TOKENS_HASH_BYTES],
                   es_error *err) {
  unsigned int len = 0;
  if (!EVP_Digest(token, n, out, &len, EVP_sha256(), NULL) || len != ES_TOKENS_HASH_BYTES)
    return es_err_set(err, ES_EINTERNAL, "SHA-256 failed (libcrypto)");
  return 0;
}

int es_tokens_equal(const void *a, const void *b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

const es_token *es_tokens_match(const es_token_list *l, const char *token, size_t n) {
  unsigned char h[ES_TOKENS_HASH_BYTES];
  const es_token *hit = NULL;
  size_t i;
  if (!l || es_tokens_hash(token, n, h, NULL)) return NULL;
  for (i = 0; i < l->n; i++) {
    int eq = es_tokens_equal(h, l->v[i].hash, sizeof(h));
    /* No branch on the compare's outcome beyond keeping the (unique) hit. */
    hit = eq ? &l->v[i] : hit;
  }
  OPENSSL_cleanse(h, sizeof(h));
  return hit;
}

int es_tokens_bearer(const char *value, size_t n, const char **tok, size_t *tn) {
  size_t i = 6, start, end = n;
  if (!value || n < 7 || strncasecmp(value, "Bearer", 6) || !is_blank(value[6])) return -1;
  while (i < n && is_blank(value[i])) i++;
  while (end > i && is_blank(value[end - 1])) end--;
  if (end == i || end - i > ES_TOKEN_MAX_BYTES) return -1;
  for (start = i; i < end; i++)
    if ((unsigned char)value[i] <= 0x20 || value[i] == 0x7f) return -1;
  *tok = value + start;
  *tn = end - start;
  return 0;
}

int es_tokens_allows(uint32_t domains, const es_domain *d) {
  size_t i;
  for (i = 0; i < es_domain_count && i < 32; i++)
    if (es_domains[i] == d) return (domains >> i) & 1u;
  return 0;
}

void es_tokens_domains_text(uint32_t domains, char *out, size_t cap) {
  size_t i, used = 0;
  if (cap) out[0] = '\0';
  if (domains == ES_TOKENS_ALL_DOMAINS) {
    snprintf(out, cap, "all domains");
    return;
  }
  for (i = 0; i < es_domain_count && i < 32; i++) {
    int w;
    if (!((domains >> i) & 1u) || used >= cap) continue;
    w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", es_domains[i]->name);
    used += w > 0 ? (size_t)w : 0;
  }
}
