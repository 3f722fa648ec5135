/* log.h - one-line, timestamped log records on stderr, as text or as JSON (one object a line). */
#ifndef ES_LOG_H
#define ES_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum { ES_LOG_DEBUG = 0, ES_LOG_INFO = 1, ES_LOG_WARN = 2, ES_LOG_ERROR = 3, ES_LOG_OFF = 4 };
enum { ES_LOG_TEXT = 0, ES_LOG_JSON = 1 };

/* Threshold defaults to INFO, or EMBEDSTREAM_LOG_LEVEL=debug|info|warn|error|off from the
   environment (ES_LOG_LEVEL, its older name, is read when it is unset). */
void es_log_set_level(int level);
int es_log_level(void);
/* Text (the default): "2026-01-31T12:00:00.123Z INFO  message: key=value ...". JSON:
   {"time":"...","level":"info","msg":"message","key":value,...}, the same fields. */
void es_log_set_format(int format);
int es_log_format(void);
/* "text" or "json" into *format: 0, or -1 for anything else. */
int es_log_parse_format(const char *s, int *format);

void es_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define es_debug(...) es_log(ES_LOG_DEBUG, __VA_ARGS__)
#define es_info(...) es_log(ES_LOG_INFO, __VA_ARGS__)
#define es_warn(...) es_log(ES_LOG_WARN, __VA_ARGS__)
#define es_error_log(...) es_log(ES_LOG_ERROR, __VA_ARGS__)

/* A field of a structured record. Text shows it as key=value after the message (ES_LF_QUOTED:
   key="value", quotes and control characters as '?'; ES_LF_SECONDS: key=0.123s); JSON as a member
   of its own (a string, a number; ES_LF_SECONDS as key_s). json_only: a value the text line
   already carries in its message (a stream's id). */
typedef enum { ES_LF_WORD, ES_LF_QUOTED, ES_LF_UINT, ES_LF_SECONDS } es_log_type;
typedef struct es_log_field {
  const char *key;
  es_log_type type;
  const char *s; /* WORD, QUOTED; NULL: "-" in text, null in JSON */
  uint64_t u;    /* UINT */
  double d;      /* SECONDS */
  int json_only;
} es_log_field;
#define ES_LF_W(k, v) \
  { (k), ES_LF_WORD, (v), 0, 0, 0 }
#define ES_LF_Q(k, v) \
  { (k), ES_LF_QUOTED, (v), 0, 0, 0 }
#define ES_LF_U(k, v) \
  { (k), ES_LF_UINT, NULL, (uint64_t)(v), 0, 0 }
#define ES_LF_SECS(k, v) \
  { (k), ES_LF_SECONDS, NULL, 0, (v), 0 }

/* One record: msg (may be printf-formatted by the caller beforehand) and its fields. */
void es_log_fields(int level, const char *msg, const es_log_field *f, size_t n);

/* Called around every record written (before(ud), the write, after(ud)), so that a display that
   redraws lines in place (a progress line) can step aside for it; NULLs remove them. */
void es_log_set_interpose(void (*before)(void *), void (*after)(void *), void *ud);

/* A library's printf-style logger callback (libmicrohttpd's MHD_OPTION_EXTERNAL_LOGGER): one
   warning line, prefixed with cls (a string such as "http"), trailing newlines dropped. */
void es_log_external(void *cls, const char *fmt, va_list ap);

/* Sends gRPC core's own log lines (gpr_log) through es_log, at debug level: they are diagnostics
   for developers, and every failure they describe reaches the user through our own message (a
   status, "cannot listen on ..."). An "assertion failed" line, the last before gRPC aborts, stays
   an error. Call before grpc_init; again after es_log_set_level. */
void es_log_route_grpc(void);

/* "s" unless n is 1: "1 row", "2 rows" in messages people read. */
static inline const char *es_plural(unsigned long long n) { return n == 1 ? "" : "s"; }

#endif
