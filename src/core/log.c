/* log.c - stderr logging as text or JSON lines; one write() per record so threads do not
   interleave lines. */
#include "core/log.h"

#include <grpc/support/log.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/validate.h"

#define VALUE_MAX 2000 /* bytes of one message or value shown; the rest is cut */

static int log_level = -1;
static int log_format = ES_LOG_TEXT;
static void (*interpose_before)(void *), (*interpose_after)(void *);
static void *interpose_ud;

void es_log_set_interpose(void (*before)(void *), void (*after)(void *), void *ud) {
  interpose_before = before;
  interpose_after = after;
  interpose_ud = ud;
}

/* EMBEDSTREAM_LOG_LEVEL, or ES_LOG_LEVEL (its older name, still honoured). */
static int level_from_env(void) {
  const char *v = getenv("EMBEDSTREAM_LOG_LEVEL");
  if (!v || !*v) v = getenv("ES_LOG_LEVEL");
  if (!v) return ES_LOG_INFO;
  if (!strcasecmp(v, "debug")) return ES_LOG_DEBUG;
  if (!strcasecmp(v, "warn")) return ES_LOG_WARN;
  if (!strcasecmp(v, "error")) return ES_LOG_ERROR;
  if (!strcasecmp(v, "off")) return ES_LOG_OFF;
  return ES_LOG_INFO;
}

void es_log_set_level(int level) { log_level = level; }

int es_log_level(void) {
  if (log_level < 0) log_level = level_from_env();
  return log_level;
}

void es_log_set_format(int format) { log_format = format; }

int es_log_format(void) { return log_format; }

int es_log_parse_format(const char *s, int *format) {
  if (!strcasecmp(s, "text"))
    *format = ES_LOG_TEXT;
  else if (!strcasecmp(s, "json"))
    *format = ES_LOG_JSON;
  else
    return -1;
  return 0;
}

static size_t cut(const char *s) {
  size_t n = strlen(s);
  return n > VALUE_MAX ? VALUE_MAX : n;
}

/* A JSON string; bytes that are not UTF-8 (a peer's, cut mid-character) become '?'. */
static void json_str(es_buf *b, const char *s) {
  size_t i, n = cut(s);
  char tmp[VALUE_MAX];
  if (es_utf8_valid(s, n)) {
    es_buf_json_strn(b, s, n);
    return;
  }
  for (i = 0; i < n; i++) tmp[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
  es_buf_json_strn(b, tmp, n);
}

/* Text for a log line that someone else may have chosen (a peer's field, a file's name in a
   message): control characters become '?' so that nothing can start a line of its own or send
   escape sequences to a terminal; with quoted, '"' too, so a field cannot be forged. */
static void text_clean(es_buf *b, const char *s, int quoted) {
  size_t i, n = cut(s);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char out = (c < 0x20 || c == 0x7f || (quoted && c == '"')) ? '?' : (char)c;
    es_buf_put(b, &out, 1);
  }
}

static void text_quoted(es_buf *b, const char *s) {
  es_buf_puts(b, "\"");
  text_clean(b, s, 1);
  es_buf_puts(b, "\"");
}

static void text_field(es_buf *b, const es_log_field *f) {
  es_buf_printf(b, " %s=", f->key);
  switch (f->type) {
  case ES_LF_WORD: es_buf_put(b, f->s ? f->s : "-", f->s ? cut(f->s) : 1); break;
  case ES_LF_QUOTED: text_quoted(b, f->s ? f->s : ""); break;
  case ES_LF_UINT: es_buf_printf(b, "%llu", (unsigned long long)f->u); break;
  case ES_LF_SECONDS: es_buf_printf(b, "%.3fs", f->d); break;
  }
}

static void json_field(es_buf *b, const es_log_field *f) {
  es_buf_printf(b, ",\"%s%s\":", f->key, f->type == ES_LF_SECONDS ? "_s" : "");
  switch (f->type) {
  case ES_LF_WORD:
  case ES_LF_QUOTED:
    if (f->s)
      json_str(b, f->s);
    else
      es_buf_puts(b, "null");
    break;
  case ES_LF_UINT: es_buf_printf(b, "%llu", (unsigned long long)f->u); break;
  case ES_LF_SECONDS: es_buf_printf(b, "%.3f", f->d); break;
  }
}

static void emit(int level, const char *msg, const es_log_field *f, size_t n) {
  static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"},
                    *lower[] = {"debug", "info", "warn", "error"};
  char iso[ES_CLOCK_ISO_LEN];
  es_buf b = ES_BUF_INIT;
  size_t i, shown = 0;
  es_clock_iso(es_clock_wall(), iso);
  if (log_format == ES_LOG_JSON) {
    es_buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", iso, lower[level]);
    json_str(&b, msg);
    for (i = 0; i < n; i++) json_field(&b, &f[i]);
    es_buf_puts(&b, "}\n");
  } else {
    es_buf_printf(&b, "%s %-5s ", iso, names[level]);
    text_clean(&b, msg, 0);
    for (i = 0; i < n; i++)
      if (!f[i].json_only) {
        if (!shown++) es_buf_puts(&b, ":");
        text_field(&b, &f[i]);
      }
    es_buf_puts(&b, "\n");
  }
  if (interpose_before) interpose_before(interpose_ud);
  if (!b.oom && write(STDERR_FILENO, b.ptr, b.len) < 0) { /* nowhere left to report it */
  }
  if (interpose_after) interpose_after(interpose_ud);
  es_buf_free(&b);
}

void es_log_fields(int level, const char *msg, const es_log_field *f, size_t n) {
  if (level < es_log_level() || level >= ES_LOG_OFF) return;
  emit(level, msg, f, n);
}

void es_log(int level, const char *fmt, ...) {
  char msg[VALUE_MAX + 1];
  va_list ap;
  if (level < es_log_level() || level >= ES_LOG_OFF) return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  emit(level, msg, NULL, 0);
}

void es_log_external(void *cls, const char *fmt, va_list ap) {
  char line[512];
  size_t n;
  vsnprintf(line, sizeof(line), fmt, ap);
  n = strlen(line);
  while (n && line[n - 1] == '\n') line[--n] = '\0';
  es_warn("%s: %s", cls ? (const char *)cls : "library", line);
}

static void from_grpc(gpr_log_func_args *a) {
  const char *file = a->file ? strrchr(a->file, '/') : NULL;
  int level = ES_LOG_DEBUG;
  es_log_field f[] = {ES_LF_W("source", "grpc"), ES_LF_W("file", file ? file + 1 : a->file),
                      ES_LF_U("line", a->line > 0 ? a->line : 0)};
  if (a->severity == GPR_LOG_SEVERITY_ERROR && a->message &&
      !strncmp(a->message, "assertion failed", 16))
    level = ES_LOG_ERROR;
  es_log_fields(level, a->message ? a->message : "", f, sizeof(f) / sizeof(f[0]));
}

void es_log_route_grpc(void) {
  gpr_set_log_function(from_grpc);
  /* gRPC formats only what could be shown: everything at debug, else errors (for assertions). */
  gpr_set_log_verbosity(es_log_level() == ES_LOG_DEBUG ? GPR_LOG_SEVERITY_DEBUG
                                                       : GPR_LOG_SEVERITY_ERROR);
}
