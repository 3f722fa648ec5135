/* tokens.h - bearer tokens: the token file (`NAME SHA256HEX [DOMAIN,...]` lines), a presented
   token matched by its SHA-256 in constant time, and what a match may do. Shared by the gRPC
   server and the HTTP API, so both read the same file the same way. */
#ifndef ES_AUTH_TOKENS_H
#define ES_AUTH_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "core/domain.h"
#include "core/error.h"
#include "core/limits.h"

#define ES_TOKENS_HASH_BYTES 32   /* SHA-256 */
#define ES_TOKENS_RANDOM_BYTES 32 /* a new token: 256 random bits, written as 64 hex digits */
#define ES_TOKENS_ALL_DOMAINS UINT32_MAX

typedef struct es_token {
  char name[ES_TOKEN_NAME_MAX + 1];
  unsigned char hash[ES_TOKENS_HASH_BYTES];
  uint32_t domains; /* bit i: es_domains[i]; ES_TOKENS_ALL_DOMAINS when the line names none */
} es_token;

typedef struct es_token_list {
  es_token *v;
  size_t n;
} es_token_list;

/* Parses a token file's text; `what` (the path) starts every message, with the line: "FILE:3:
   ...". Blank lines and `#` comments (to the end of a line) are skipped. A malformed line, a
   name or a hash given twice, an unknown domain: ES_EINVAL, and *out is left empty. */
int es_tokens_parse(const char *text, size_t len, const char *what, es_token_list *out,
                    es_error *err);
/* Reads and parses the file at path (at most ES_TOKENS_FILE_MAX bytes). */
int es_tokens_read(const char *path, es_token_list *out, es_error *err);
void es_tokens_list_free(es_token_list *l);

/* SHA-256 of the token's bytes, through OpenSSL's libcrypto. */
int es_tokens_hash(const char *token, size_t n, unsigned char out[ES_TOKENS_HASH_BYTES],
                   es_error *err);
/* 1 when a and b hold the same n bytes; the time taken depends on n only. */
int es_tokens_equal(const void *a, const void *b, size_t n);
/* The entry whose hash is the token's, or NULL. Every entry is compared whether or not an
   earlier one matched, so the time taken does not say which entry (or how much of it) matched. */
const es_token *es_tokens_match(const es_token_list *l, const char *token, size_t n);
/* The token of an `Authorization: Bearer TOKEN` value (scheme in any case, then blanks);
   0 with *tok and *tn pointing into value, or -1 when it is not one (another scheme, an empty or
   too long token, a blank or control character inside it). */
int es_tokens_bearer(const char *value, size_t n, const char **tok, size_t *tn);
/* 1 when a token with these domains may use d. */
int es_tokens_allows(uint32_t domains, const es_domain *d);
/* "all domains" or "recruit,candidate" into out. */
void es_tokens_domains_text(uint32_t domains, char *out, size_t cap);
/* 0 when name may be a token's name (1..ES_TOKEN_NAME_MAX of A-Z a-z 0-9 . _ @ -), else -1
   with why filled. */
int es_tokens_check_name(const char *name, size_t n, es_error *why);
/* Parses "recruit,candidate" into a domain mask: 0, or ES_EINVAL naming the bad item. */
int es_tokens_parse_domains(const char *s, size_t n, uint32_t *mask, es_error *err);

/* A new token (ES_TOKENS_RANDOM_BYTES from OpenSSL's RAND_bytes, as lower-case hex) into
   token[ES_TOKENS_TEXT], and its token file line "NAME SHA256HEX[ DOMAINS]\n" into line. */
#define ES_TOKENS_TEXT (2 * ES_TOKENS_RANDOM_BYTES + 1)
#define ES_TOKENS_LINE_MAX 256
int es_tokens_new(const char *name, uint32_t domains, char token[ES_TOKENS_TEXT],
                  char line[ES_TOKENS_LINE_MAX], es_error *err);
/* Appends a new token named name to the token file at path (created with mode 0600), under an
   exclusive lock: refused when the file is not a valid token file or already has the name. The
   token, which the file never holds, goes to token[ES_TOKENS_TEXT]. */
int es_tokens_add(const char *path, const char *name, uint32_t domains, char token[ES_TOKENS_TEXT],
                  es_error *err);

#endif
