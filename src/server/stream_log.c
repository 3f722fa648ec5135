/* stream_log.c - per-stream log lines. Client-supplied text (file names, domains, messages that
   quote them) is made printable first so a peer cannot forge or break log lines. */
#include "server/stream_log.h"

#include <stdio.h>

#include "core/log.h"
#include "core/status.h"

/* Copies s with control characters and quotes replaced, cut to fit out. */
static const char *printable(const char *s, char *out, size_t n) {
  size_t i = 0;
  if (!s) s = "";
  for (; *s && i + 1 < n; s++) {
    unsigned char c = (unsigned char)*s;
    out[i++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
  }
  out[i] = '\0';
  return out;
}

/* ` client="..."` (a certificate subject may hold blanks), nothing without credentials. */
static const char *client_field(const char *client, char *out, size_t n) {
  char c[400];
  if (!client || !*client) return "";
  snprintf(out, n, " client=\"%s\"", printable(client, c, sizeof(c)));
  return out;
}

void es_stream_log_start(uint64_t id, const char *peer, const char *client, const char *domain,
                         const char *file_name, int dim) {
  char f[256], d[64], c[420];
  es_info("stream %llu start: peer=%s%s domain=%s file=\"%s\" dim=%d", (unsigned long long)id, peer,
          client_field(client, c, sizeof(c)), printable(domain, d, sizeof(d)), printable(file_name, f, sizeof(f)),
          dim);
}

void es_stream_log_end(uint64_t id, const char *peer, const char *client, const char *domain,
                       const char *file_name, uint64_t rows, uint64_t chunks, double seconds, int status,
                       const char *detail) {
  char f[256], d[64], m[700], c[420];
  int level = status == 0 ? ES_LOG_INFO : ES_LOG_WARN;
  /* A successful stream can still carry a note (its response was not delivered). */
  const char *label = !detail ? "" : status ? " error=\"" : " note=\"";
  es_log(level,
         "stream %llu end: peer=%s%s domain=%s file=\"%s\" rows=%llu chunks=%llu "
         "duration=%.3fs outcome=%s%s%s%s",
         (unsigned long long)id, peer, client_field(client, c, sizeof(c)), domain ? printable(domain, d, sizeof(d)) : "-",
         printable(file_name, f, sizeof(f)), (unsigned long long)rows, (unsigned long long)chunks,
         seconds, status == 0 ? "success" : es_grpc_status_name(status), label,
         detail ? printable(detail, m, sizeof(m)) : "", detail ? "\"" : "");
}
