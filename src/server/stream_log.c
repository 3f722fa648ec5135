/* stream_log.c - per-stream log records, with their fields named so that the JSON log format
   carries them as members. Client-supplied text (file names, domains, messages that quote them)
   is made safe by the logger: quoted and cleaned in text, escaped in JSON. */
#include "server/stream_log.h"

#include <stdio.h>

#include "core/log.h"
#include "core/status.h"

#define FIELDS(a) (sizeof(a) / sizeof((a)[0]))

void es_stream_log_start(uint64_t id, const char *peer, const char *domain, const char *file_name,
                         int dim) {
  char msg[64];
  es_log_field f[] = {{"stream", ES_LF_UINT, NULL, id, 0, 1}, ES_LF_W("event", "start"),
                      ES_LF_W("peer", peer), ES_LF_W("domain", domain), ES_LF_Q("file", file_name),
                      ES_LF_U("dim", dim > 0 ? dim : 0)};
  f[1].json_only = 1;
  snprintf(msg, sizeof(msg), "stream %llu start", (unsigned long long)id);
  es_log_fields(ES_LOG_INFO, msg, f, FIELDS(f));
}

void es_stream_log_end(uint64_t id, const char *peer, const char *domain, const char *file_name,
                       uint64_t rows, uint64_t chunks, double seconds, int status,
                       const char *detail) {
  char msg[64];
  es_log_field f[] = {{"stream", ES_LF_UINT, NULL, id, 0, 1}, ES_LF_W("event", "end"),
                      ES_LF_W("peer", peer), ES_LF_W("domain", domain), ES_LF_Q("file", file_name),
                      ES_LF_U("rows", rows), ES_LF_U("chunks", chunks), ES_LF_SECS("duration", seconds),
                      ES_LF_W("outcome", status == 0 ? "success" : es_grpc_status_name(status)),
                      /* A successful stream can still carry a note (its response was not delivered). */
                      ES_LF_Q(status ? "error" : "note", detail)};
  f[1].json_only = 1;
  snprintf(msg, sizeof(msg), "stream %llu end", (unsigned long long)id);
  es_log_fields(status == 0 ? ES_LOG_INFO : ES_LOG_WARN, msg, f, FIELDS(f) - (detail ? 0 : 1));
}

void es_stream_log_refused(uint64_t id, const char *peer, const char *pushback_ms, const char *why) {
  char msg[64];
  es_log_field f[] = {{"stream", ES_LF_UINT, NULL, id, 0, 1}, ES_LF_W("event", "refused"),
                      ES_LF_W("peer", peer), ES_LF_W("outcome", "RESOURCE_EXHAUSTED"),
                      ES_LF_W("pushback_ms", pushback_ms), ES_LF_Q("error", why)};
  f[1].json_only = 1;
  snprintf(msg, sizeof(msg), "stream %llu refused", (unsigned long long)id);
  es_log_fields(ES_LOG_WARN, msg, f, FIELDS(f));
}
