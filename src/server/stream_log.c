/* stream_log.c - per-stream log records, with their fields named so that the JSON log format
   carries them as members. Client-supplied text (file names, domains, messages that quote them)
   is made safe by the logger: quoted and cleaned in text, escaped in JSON. */
#include "server/stream_log.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/status.h"

#define FIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Fields 0..n-1 with the one at `at` left out when it is a client of no credentials: a stream
   without them has no client field at all (not client=""). Returns the new count. */
static size_t drop_no_client(es_log_field *f, size_t n, size_t at) {
  if (f[at].s && *f[at].s) return n;
  memmove(f + at, f + at + 1, (n - at - 1) * sizeof(*f));
  return n - 1;
}

void es_stream_log_start(uint64_t id, const char *peer, const char *client, const char *domain,
                         const char *file_name, int dim) {
  char msg[64];
  es_log_field f[] = {{"stream", ES_LF_UINT, NULL, id, 0, 1},
                      ES_LF_W("event", "start"),
                      ES_LF_W("peer", peer),
                      ES_LF_Q("client", client),
                      ES_LF_W("domain", domain),
                      ES_LF_Q("file", file_name),
                      ES_LF_U("dim", dim > 0 ? dim : 0)};
  f[1].json_only = 1;
  snprintf(msg, sizeof(msg), "stream %llu start", (unsigned long long)id);
  es_log_fields(ES_LOG_INFO, msg, f, drop_no_client(f, FIELDS(f), 3));
}

void es_stream_log_end(uint64_t id, const char *peer, const char *client, const char *domain,
                       const char *file_name, uint64_t rows, uint64_t chunks, double seconds,
                       int status, const char *detail) {
  char msg[64];
  es_log_field f[] = {
      {"stream", ES_LF_UINT, NULL, id, 0, 1},
      ES_LF_W("event", "end"),
      ES_LF_W("peer", peer),
      ES_LF_Q("client", client),
      ES_LF_W("domain", domain),
      ES_LF_Q("file", file_name),
      ES_LF_U("rows", rows),
      ES_LF_U("chunks", chunks),
      ES_LF_SECS("duration", seconds),
      ES_LF_W("outcome", status == 0 ? "success" : es_grpc_status_name(status)),
      /* A successful stream can still carry a note (its response was not delivered). */
      ES_LF_Q(status ? "error" : "note", detail)};
  f[1].json_only = 1;
  snprintf(msg, sizeof(msg), "stream %llu end", (unsigned long long)id);
  es_log_fields(status == 0 ? ES_LOG_INFO : ES_LOG_WARN, msg, f,
                drop_no_client(f, FIELDS(f) - (detail ? 0 : 1), 3));
}

void es_stream_log_refused(uint64_t id, const char *peer, int status, const char *pushback_ms,
                           const char *why) {
  char msg[64];
  es_log_field f[] = {{"stream", ES_LF_UINT, NULL, id, 0, 1},
                      ES_LF_W("event", "refused"),
                      ES_LF_W("peer", peer),
                      ES_LF_W("outcome", es_grpc_status_name(status)),
                      ES_LF_Q("error", why),
                      ES_LF_W("pushback_ms", pushback_ms)};
  f[1].json_only = 1;
  snprintf(msg, sizeof(msg), "stream %llu refused", (unsigned long long)id);
  es_log_fields(ES_LOG_WARN, msg, f, FIELDS(f) - (pushback_ms ? 0 : 1));
}
