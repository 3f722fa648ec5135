/* log.h - one-line, timestamped log records on stderr. */
#ifndef ES_LOG_H
#define ES_LOG_H

#include <stdarg.h>

enum { ES_LOG_DEBUG = 0, ES_LOG_INFO = 1, ES_LOG_WARN = 2, ES_LOG_ERROR = 3, ES_LOG_OFF = 4 };

/* Threshold defaults to INFO, or EMBEDSTREAM_LOG_LEVEL=debug|info|warn|error|off from the
   environment (ES_LOG_LEVEL, its older name, is read when it is unset). */
void es_log_set_level(int level);
int es_log_level(void);
void es_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define es_debug(...) es_log(ES_LOG_DEBUG, __VA_ARGS__)
#define es_info(...) es_log(ES_LOG_INFO, __VA_ARGS__)
#define es_warn(...) es_log(ES_LOG_WARN, __VA_ARGS__)
#define es_error_log(...) es_log(ES_LOG_ERROR, __VA_ARGS__)

/* A library's printf-style logger callback (libmicrohttpd's MHD_OPTION_EXTERNAL_LOGGER): one
   warning line, prefixed with cls (a string such as "http"), trailing newlines dropped. */
void es_log_external(void *cls, const char *fmt, va_list ap);

/* "s" unless n is 1: "1 row", "2 rows" in messages people read. */
static inline const char *es_plural(unsigned long long n) { return n == 1 ? "" : "s"; }

#endif
