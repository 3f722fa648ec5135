/* client_opts.c - applying and describing the options shared by ingest and api. */
#include "cli/client_opts.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int es_cli_client_apply(es_ingest_opts *o, int id, const char *v, es_opts_why *why) {
  long n;
  switch (id) {
  case ES_CO_SERVER: {
    es_error err;
    /* One address is checked as every HOST:PORT option is (a port alone gets its suggestion);
       a list or a gRPC URI as the client reads it. */
    if (es_client_target_check(v, &err)) {
      if (!strchr(v, ',')) return es_opts_hostport(v, why);
      return es_opts_bad(why, "%s", err.msg);
    }
    o->server = v;
    return 0;
  }
  case ES_CO_CHUNK:
    if (!strcasecmp(v, "auto")) {
      o->chunk_rows = 0;
      return 0;
    }
    if (es_opts_long(v, 1, 1000000, &n, why))
      return es_opts_bad(why, "expected auto or 1..1000000");
    o->chunk_rows = (size_t)n;
    return 0;
  case ES_CO_BANDWIDTH: return es_opts_double(v, 1e-3, 1e9, &o->bandwidth_mbps, why);
  case ES_CO_TIMEOUT: return es_opts_double(v, 1e-3, 1e8, &o->timeout_s, why);
  case ES_CO_RETRIES: return es_opts_int(v, 1, 100, &o->retries, why);
  case ES_CO_MAX_MESSAGE:
    if (es_opts_long(v, ES_MIN_MAX_MESSAGE, INT_MAX, &n, why)) return -1;
    o->max_message_bytes = (size_t)n;
    return 0;
  case ES_CO_BACKOFF_MIN: return es_opts_double(v, 0, 3600, &o->backoff_min_s, why);
  case ES_CO_BACKOFF_MAX: return es_opts_double(v, 0, 3600, &o->backoff_max_s, why);
  case ES_CO_BUSY_TIMEOUT: return es_opts_double(v, 0, 1e8, &o->busy_timeout_s, why);
  case ES_CO_TLS: o->tls = 1; return 0;
  case ES_CO_TLS_CA: o->tls_ca = v; return 0;
  case ES_CO_TLS_CERT: o->tls_cert = v; return 0;
  case ES_CO_TLS_KEY: o->tls_key = v; return 0;
  case ES_CO_TLS_SERVER_NAME:
    if (!*v) return es_opts_bad(why, "expected a host name or address");
    o->tls_server_name = v;
    return 0;
  case ES_CO_TOKEN_FILE: o->token_file = v; return 0;
  }
  return 1;
}

void es_cli_client_env(es_ingest_opts *o) {
  const char *t = getenv(ES_CLI_TOKEN_ENV);
  if (!o->token_file && t && *t) o->token = t;
}

int es_cli_client_default(int id, char *out, size_t cap) {
  es_ingest_opts d;
  es_ingest_opts_init(&d);
  switch (id) {
  case ES_CO_SERVER: snprintf(out, cap, "%s", d.server); return 0;
  case ES_CO_CHUNK: snprintf(out, cap, "auto"); return 0;
  case ES_CO_BANDWIDTH: snprintf(out, cap, "%g", d.bandwidth_mbps); return 0;
  case ES_CO_TIMEOUT: snprintf(out, cap, "%g", d.timeout_s); return 0;
  case ES_CO_RETRIES: snprintf(out, cap, "%d", d.retries); return 0;
  case ES_CO_MAX_MESSAGE: snprintf(out, cap, "%zu", d.max_message_bytes); return 0;
  case ES_CO_BACKOFF_MIN: snprintf(out, cap, "%g, the spec's", d.backoff_min_s); return 0;
  case ES_CO_BACKOFF_MAX: snprintf(out, cap, "%g, the spec's", d.backoff_max_s); return 0;
  case ES_CO_BUSY_TIMEOUT: snprintf(out, cap, "%g", d.busy_timeout_s); return 0;
  }
  return 1;
}
