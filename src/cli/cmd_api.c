/* cmd_api.c - `embedstream api`: the HTTP trigger API over a data folder, until SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/client_opts.h"
#include "client/client.h"
#include "core/log.h"
#include "http/api.h"

enum {
  O_LISTEN,
  O_DATA,
  O_JOBS,
  O_HISTORY,
  O_GRACE,
  O_LOG_FORMAT,
  O_TLS_CERT,
  O_TLS_KEY,
  O_TOKENS,
  O_INSECURE
};

static const es_opt opts[] = {
    {O_LISTEN, "listen", 'l', "HOST:PORT", "address to serve on; port 0 picks one",
     "EMBEDSTREAM_API_LISTEN"},
    {O_DATA, "data-dir", 0, "DIR", "the only folder files are read from (required)",
     "EMBEDSTREAM_DATA_DIR"},
    {O_JOBS, "max-jobs", 0, "N", "ingests in flight at once; more get 429", NULL},
    {O_HISTORY, "job-history", 0, "N", "finished jobs GET /data/jobs keeps (the oldest go first)",
     NULL},
    {O_GRACE, "grace", 0, "SECONDS", "on shutdown, how long to wait for cancelled jobs", NULL},
    ES_OPTS_LOG_FORMAT(O_LOG_FORMAT),
    {O_TLS_CERT, "tls-cert", 0, "FILE", "serve HTTPS with this PEM certificate (then its chain)",
     "EMBEDSTREAM_API_TLS_CERT"},
    {O_TLS_KEY, "tls-key", 0, "FILE", "PEM private key of --tls-cert", "EMBEDSTREAM_API_TLS_KEY"},
    {O_TOKENS, "tokens", 0, "FILE",
     "require 'Authorization: Bearer TOKEN' on every route but /,\n/healthz and /readyz; FILE as for "
     "serve --tokens. SIGHUP reads it again",
     "EMBEDSTREAM_API_TOKENS"},
    {O_INSECURE, "insecure", 0, NULL,
     "listen on a non-loopback address without TLS and tokens (else\nrefused, exit 2)", NULL},
    ES_CLI_CLIENT_OPTS,
    ES_CLI_SERVER_TLS_OPTS,
};

static const es_opt_bind binds[] = {
    ES_BIND(O_LISTEN, HOSTPORT, es_api_config, listen),
    ES_BIND(O_DATA, STRING, es_api_config, data_dir),
    ES_BIND_RANGE(O_JOBS, INT, es_api_config, max_jobs, 1, 1024),
    ES_BIND_RANGE(O_HISTORY, SIZE, es_api_config, history, 0, 100000),
    ES_BIND_RANGE(O_GRACE, DOUBLE, es_api_config, grace_s, 0, 3600),
    ES_BIND(O_TLS_CERT, STRING, es_api_config, tls_cert),
    ES_BIND(O_TLS_KEY, STRING, es_api_config, tls_key),
    ES_BIND(O_TOKENS, STRING, es_api_config, tokens),
    ES_BIND(O_INSECURE, FLAG, es_api_config, insecure),
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  es_api_config *c = ctx;
  int rc;
  if (id == O_LOG_FORMAT) return es_opts_log_format(v, why);
  rc = es_cli_client_apply(&c->client, id, v, why);
  return rc > 0 ? es_opts_bad(why, "unhandled option") : rc;
}

static void show_default(int id, char *out, size_t cap) {
  es_api_config d;
  es_api_config_init(&d);
  switch (id) {
  case O_LISTEN: snprintf(out, cap, "%s", d.listen); break;
  case O_JOBS: snprintf(out, cap, "%d", d.max_jobs); break;
  case O_HISTORY: snprintf(out, cap, "%zu", d.history); break;
  case O_GRACE: snprintf(out, cap, "%g", d.grace_s); break;
  case O_LOG_FORMAT: snprintf(out, cap, "%s", ES_OPTS_LOG_FORMAT_DEFAULT); break;
  default: es_cli_client_default(id, out, cap);
  }
}

static const es_cmd_spec spec = {
    .name = "api",
    .synopsis = "--data-dir DIR [options]",
    .description =
        "HTTP API that streams files of DIR to an ingestion server:\n"
        "  POST /data/ingest/{domain}?file_name=NAME[&async=true]\n"
        "  GET /data/jobs[?limit=N&offset=M]   GET /data/jobs/{id}   DELETE /data/jobs/{id}\n"
        "  GET /data/files   GET /healthz (the API runs)   GET /readyz (the server answers)\n"
        "  GET / (status page)   GET /docs (this API described)   GET /openapi.json\n"
        "An address other machines can reach needs HTTPS (--tls-cert, --tls-key) and tokens\n"
        "(--tokens), or --insecure. The --server-* options are how the API's own calls reach\n"
        "the gRPC server (as ingest's --tls* and --token-file; the token may also come from\n"
        "EMBEDSTREAM_TOKEN).",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream api --data-dir ./data\n"
        "curl -X POST 'http://127.0.0.1:8000/data/ingest/recruit?file_name=recruit.csv'\n"
        "embedstream api --data-dir /srv/embeddings -l 0.0.0.0:8443 --tls-cert api.pem --tls-key api.key \\\n"
        "  --tokens /etc/embedstream/api-tokens --server-tls-ca ca.pem --server-token-file api.token",
    .footer = "Exit codes: 0 clean stop, 1 could not serve, 2 usage error.",
    .apply = apply,
    .show_default = show_default,
    ES_CMD_BINDS(binds),
};

int es_cmd_api(int argc, char **argv) {
  es_api_config cfg;
  es_api *api = NULL;
  es_error err;
  sigset_t stop;
  int rc, sig = 0;
  es_api_config_init(&cfg);
  if ((rc = es_opts_parse(&spec, &cfg, argc, argv, NULL, NULL)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (!cfg.data_dir) return es_opts_usage_error(&spec, "--data-dir is required");
  es_cli_client_env(&cfg.client);
  /* Blocked before any thread starts, so every thread inherits the mask and only sigwait
     below sees the signals. */
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  es_err_clear(&err);
  if ((rc = es_api_start(&cfg, &api, &err))) {
    es_opts_fatal(&spec, err.msg);
    return rc == ES_EUSAGE ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  es_info("listening on %s (data folder %s, server %s, max %d jobs)", es_api_address(api),
          cfg.data_dir, cfg.client.server, cfg.max_jobs);
  for (;;) {
    if (sigwait(&stop, &sig)) continue;
    if (sig != SIGHUP) break;
    es_api_reload(api); /* tokens read again; the API keeps serving */
  }
  es_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (es_api_stop(api)) return ES_EXIT_FAIL;
  es_info("stopped");
  return ES_EXIT_OK;
}
