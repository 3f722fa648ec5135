/* tokenfile.c - `embedstream token new`: a random token, and its hash appended to the token
   file under a lock, so two runs at once cannot interleave or both take a name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/tokens.h"
#include "core/readfile.h"

static void hex(const unsigned char *b, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 15];
  }
  out[2 * n] = '\0';
}

int es_tokens_new(const char *name, uint32_t domains, char token[ES_TOKENS_TEXT],
                  char line[ES_TOKENS_LINE_MAX], es_error *err) {
  unsigned char raw[ES_TOKENS_RANDOM_BYTES], h[ES_TOKENS_HASH_BYTES];
  char hash[2 * ES_TOKENS_HASH_BYTES + 1], dom[128] = "";
  int rc;
  if ((rc = es_tokens_check_name(name, strlen(name), err))) return rc;
  if (RAND_bytes(raw, sizeof(raw)) != 1)
    return es_err_set(err, ES_EINTERNAL, "no random bytes (libcrypto RAND_bytes)");
  hex(raw, sizeof(raw), token);
  OPENSSL_cleanse(raw, sizeof(raw));
  if ((rc = es_tokens_hash(token, strlen(token), h, err))) return rc;
  hex(h, sizeof(h), hash);
  if (domains != ES_TOKENS_ALL_DOMAINS) es_tokens_domains_text(domains, dom, sizeof(dom));
  snprintf(line, ES_TOKENS_LINE_MAX, "%s %s%s%s\n", name, hash, *dom ? " " : "", dom);
  return 0;
}

static int write_all(int fd, const char *path, const char *s, size_t n, es_error *err) {
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

/* With the file locked: its tokens must parse and not have name yet. *needs_nl: the file does
   not end with a newline. */
static int check_existing(int fd, const char *path, const char *name, int *needs_nl,
                          es_error *err) {
  es_token_list l = {NULL, 0};
  char *text = NULL;
  size_t len = 0, i;
  int rc = es_readfile_fd(fd, path, ES_TOKENS_FILE_MAX, "a token file", &text, &len, err);
  if (!rc) rc = es_tokens_parse(text, len, path, &l, err);
  if (rc) {
    free(text);
    return rc;
  }
  *needs_nl = len > 0 && text[len - 1] != '\n';
  for (i = 0; i < l.n && !rc; i++)
    if (!strcmp(l.v[i].name, name))
      rc = es_err_set(err, ES_EINVAL, "%s has a token named '%s' already", path, name);
  es_tokens_list_free(&l);
  free(text);
  return rc;
}

int es_tokens_add(const char *path, const char *name, uint32_t domains, char token[ES_TOKENS_TEXT],
                  es_error *err) {
  char line[ES_TOKENS_LINE_MAX];
  int rc, needs_nl = 0, fd;
  if ((rc = es_tokens_new(name, domains, token, line, err))) return rc;
  fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
  if (flock(fd, LOCK_EX) != 0) {
    rc = es_err_set(err, ES_EIO, "%s: cannot lock: %s", path, strerror(errno));
    goto done;
  }
  if ((rc = check_existing(fd, path, name, &needs_nl, err))) goto done;
  if ((needs_nl && (rc = write_all(fd, path, "\n", 1, err))) ||
      (rc = write_all(fd, path, line, strlen(line), err)))
    goto done;
  if (fsync(fd) != 0) rc = es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
done:
  close(fd); /* also releases the lock */
  if (rc) OPENSSL_cleanse(token, ES_TOKENS_TEXT);
  return rc;
}
