/* pg_url.c - store URLs for PostgreSQL: our es_* options split out, the rest left to libpq.

   libpq refuses parameters it does not know, so options of ours travel in the same URL under
   an es_ prefix (no libpq keyword will ever start with it) and are removed before connecting:
     postgresql://user@host:5432/db?sslmode=require&es_copy=off
     postgres:host=/run/postgresql dbname=vectors es_pool_max=32
   Messages and stats show the URL with its password masked. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

#define OPTIONS_HELP "es_copy=on|off, es_vector=auto|pgvector|array, es_pool_max=N"

static int is_on(const char *v) {
  return !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1");
}
static int is_off(const char *v) {
  return !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0");
}

static int parse_count(const char *v, int *out) {
  char *end;
  long n;
  if (!isdigit((unsigned char)*v)) return -1;
  n = strtol(v, &end, 10);
  if (*end || n < 0 || n > 10000) return -1;
  *out = (int)n;
  return 0;
}

/* One es_* option; key and value are NUL-terminated copies. */
static int set_option(es_pg_opts *o, const char *key, const char *val, const char *url,
                      es_error *err) {
  if (!strcmp(key, "es_copy")) {
    if (is_on(val))
      o->copy = 1;
    else if (is_off(val))
      o->copy = 0;
    else
      goto bad;
  } else if (!strcmp(key, "es_vector")) {
    if (!strcmp(val, "auto"))
      o->vector_mode = ES_PG_VEC_AUTO;
    else if (!strcmp(val, "pgvector") || !strcmp(val, "vector"))
      o->vector_mode = ES_PG_VEC_PGVECTOR;
    else if (!strcmp(val, "array"))
      o->vector_mode = ES_PG_VEC_ARRAY;
    else
      goto bad;
  } else if (!strcmp(key, "es_pool_max")) {
    if (parse_count(val, &o->pool_max)) goto bad;
  } else {
    return es_err_set(err, ES_EUSAGE, "store '%s': unknown option '%s' (known: " OPTIONS_HELP ")",
                      url, key);
  }
  return 0;
bad:
  return es_err_set(err, ES_EUSAGE, "store '%s': bad value '%s' for %s (known: " OPTIONS_HELP ")",
                    url, val, key);
}

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

/* ---------------------------------------------------------------- URI form */

/* url[0..n) with userinfo "user:secret@" shown as "user:***@": no password in logs or stats. */
static void mask_uri_password(es_buf *out, const char *url, size_t n) {
  const char *auth = strstr(url, "://"), *end, *at = NULL, *colon = NULL, *p;
  if (!auth || (size_t)(auth - url) >= n) {
    es_buf_put(out, url, n);
    return;
  }
  auth += 3;
  end = auth + strcspn(auth, "/?");
  for (p = auth; p < end; p++)
    if (*p == '@') at = p;
  if (at)
    for (p = auth; p < at && !colon; p++)
      if (*p == ':') colon = p;
  if (!colon) {
    es_buf_put(out, url, n);
  } else {
    es_buf_put(out, url, (size_t)(colon + 1 - url));
    es_buf_puts(out, "***");
    es_buf_put(out, at, n - (size_t)(at - url));
  }
}

static int parse_uri(const char *url, es_buf *conninfo, es_buf *display, es_pg_opts *o,
                     es_error *err) {
  const char *q = strchr(url, '?'), *p;
  size_t base = q ? (size_t)(q - url) : strlen(url);
  int kept = 0, rc = 0;
  mask_uri_password(display, url, base);
  es_buf_put(conninfo, url, base);
  if (!q) return 0;
  for (p = q + 1; *p && !rc;) {
    size_t n = strcspn(p, "&");
    const char *eq = memchr(p, '=', n);
    size_t kn = eq ? (size_t)(eq - p) : n;
    int secret = kn == 8 && !strncmp(p, "password", 8);
    es_buf_puts(display, kept || p > q + 1 ? "&" : "?");
    if (secret)
      es_buf_puts(display, "password=***");
    else
      es_buf_put(display, p, n);
    if (kn > 3 && !strncmp(p, "es_", 3)) {
      char *k = dup_n(p, kn), *v = dup_n(eq ? eq + 1 : p + n, eq ? n - kn - 1 : 0);
      rc = k && v ? set_option(o, k, v, url, err) : es_err_set(err, ES_ENOMEM, "out of memory");
      free(k);
      free(v);
    } else if (n) {
      es_buf_puts(conninfo, kept++ ? "&" : "?");
      es_buf_put(conninfo, p, n);
    }
    p += n;
    if (*p == '&') p++;
  }
  return rc;
}

/* ---------------------------------------------------------------- key=value form */

/* libpq's conninfo syntax: key = value, value bare (backslash escapes) or 'single quoted'. */
typedef struct kv_pair {
  const char *start, *end; /* the whole pair in the input */
  const char *key;
  size_t key_len;
  const char *val_start; /* raw value text, quotes included */
} kv_pair;

static const char *skip_space(const char *p) {
  while (isspace((unsigned char)*p)) p++;
  return p;
}

/* Reads one pair at p (after whitespace); NULL at the end; *bad set on a syntax error. */
static const char *next_pair(const char *p, kv_pair *kv, int *bad) {
  p = skip_space(p);
  *bad = 0;
  if (!*p) return NULL;
  kv->start = kv->key = p;
  while (*p && *p != '=' && !isspace((unsigned char)*p)) p++;
  kv->key_len = (size_t)(p - kv->key);
  p = skip_space(p);
  if (*p != '=' || !kv->key_len) {
    *bad = 1;
    return NULL;
  }
  p = skip_space(p + 1);
  kv->val_start = p;
  if (*p == '\'') {
    for (p++; *p && *p != '\''; p++)
      if (*p == '\\' && p[1]) p++;
    if (*p != '\'') {
      *bad = 1;
      return NULL;
    }
    p++;
  } else {
    for (; *p && !isspace((unsigned char)*p); p++)
      if (*p == '\\' && p[1]) p++;
  }
  kv->end = p;
  return p;
}

/* The value with quotes and escapes removed. */
static char *kv_value(const kv_pair *kv) {
  const char *p = kv->val_start, *end = kv->end;
  char *v = malloc((size_t)(end - p) + 1), *w = v;
  if (!v) return NULL;
  if (*p == '\'') {
    p++;
    end--;
  }
  for (; p < end; p++) {
    if (*p == '\\' && p + 1 < end) p++;
    *w++ = *p;
  }
  *w = '\0';
  return v;
}

static int parse_kv(const char *url, const char *rest, es_buf *conninfo, es_buf *display,
                    es_pg_opts *o, es_error *err) {
  const char *p = rest;
  kv_pair kv;
  int bad = 0, rc = 0;
  es_buf_puts(display, "postgres:");
  while (!rc && (p = next_pair(p, &kv, &bad))) {
    int ours = kv.key_len > 3 && !strncmp(kv.key, "es_", 3);
    int secret = kv.key_len == 8 && !strncmp(kv.key, "password", 8);
    if (display->len > 9) es_buf_puts(display, " ");
    if (secret)
      es_buf_puts(display, "password=***");
    else
      es_buf_put(display, kv.start, (size_t)(kv.end - kv.start));
    if (ours) {
      char *k = dup_n(kv.key, kv.key_len), *v = kv_value(&kv);
      rc = k && v ? set_option(o, k, v, url, err) : es_err_set(err, ES_ENOMEM, "out of memory");
      free(k);
      free(v);
    } else {
      if (conninfo->len) es_buf_puts(conninfo, " ");
      es_buf_put(conninfo, kv.start, (size_t)(kv.end - kv.start));
    }
  }
  if (!rc && bad)
    rc = es_err_set(err, ES_EUSAGE,
                    "store '%s': expected key=value pairs after 'postgres:' (libpq syntax)",
                    display->ptr ? display->ptr : "postgres:");
  return rc;
}

int es_pg_url_parse(const char *url, const char *rest, char **conninfo, char **display,
                    es_pg_opts *o, es_error *err) {
  es_buf ci = ES_BUF_INIT, disp = ES_BUF_INIT;
  int rc;
  *conninfo = *display = NULL;
  o->copy = 1;
  o->vector_mode = ES_PG_VEC_AUTO;
  o->pool_max = 0;
  if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
    rc = parse_uri(url, &ci, &disp, o, err);
  else
    rc = parse_kv(url, rest, &ci, &disp, o, err);
  if (!rc) {
    /* An empty key=value list is valid libpq (every setting from PG* variables). */
    es_buf_puts(&ci, "");
    es_buf_puts(&disp, "");
    if (ci.oom || disp.oom) rc = es_err_set(err, ES_ENOMEM, "out of memory");
  }
  if (!rc) {
    *conninfo = ci.ptr;
    *display = disp.ptr;
    return 0;
  }
  es_buf_free(&ci);
  es_buf_free(&disp);
  return rc;
}
