/* api.c - starts and stops the HTTP API: libmicrohttpd with a thread per connection, plus jobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/net.h"
#include "http/api_internal.h"
#include "http/mhd.h"

void es_api_config_init(es_api_config *c) {
  memset(c, 0, sizeof(*c));
  c->listen = ES_API_DEFAULT_LISTEN;
  es_ingest_opts_init(&c->client);
  c->max_jobs = 4;
  c->grace_s = 10;
  c->history = 200;
}

static int start_daemon(es_api *a, es_error *err) {
  es_mhd_spec spec = {.option = "--listen",
                      .listen = a->cfg.listen,
                      .purpose = "",
                      .log_name = "http",
                      .flags = MHD_USE_THREAD_PER_CONNECTION,
                      .max_conns = 128,
                      .timeout_s = 120,
                      .tls = &a->tls,
                      .handler = es_api_handle,
                      .cls = a};
  return es_mhd_start(&spec, &a->mhd, a->address, sizeof(a->address), err);
}

static int make_jobs(es_api *a, es_error *err) {
  return es_jobs_new(&a->cfg.client, a->cfg.max_jobs, a->cfg.history, a->dir.root, &a->jobs, err);
}

int es_api_start(const es_api_config *c, es_api **out, es_error *err) {
  es_api *a = calloc(1, sizeof(*a));
  int rc;
  *out = NULL;
  if (!a) return es_err_set(err, ES_ENOMEM, "out of memory");
  a->cfg = *c;
  if (pthread_mutex_init(&a->ready_mu, NULL)) {
    free(a);
    return es_err_set(err, ES_EINTERNAL, "cannot create a lock");
  }
  if ((rc = es_api_security_load(a, err))) goto fail;
  /* Every job reads them again (a rotated token file is followed); a missing one is an error now.
   */
  if ((rc = es_ingest_opts_check_creds(&c->client, err))) {
    es_err_prefix(err, "the API's calls to the gRPC server (--server-tls*, --server-token-file): ");
    goto fail;
  }
  if ((rc = es_datadir_open(c->data_dir, &a->dir, err))) goto fail;
  if ((rc = make_jobs(a, err))) goto fail;
  if ((rc = start_daemon(a, err))) goto fail;
  *out = a;
  return 0;
fail:
  es_jobs_free(a->jobs);
  es_datadir_close(&a->dir);
  pthread_mutex_destroy(&a->ready_mu);
  es_api_security_free(a);
  free(a);
  return rc;
}

const char *es_api_address(const es_api *a) { return a->address; }

/* Gives responses already queued (a cancelled synchronous ingest's 503, say) a moment to
   reach their clients: MHD_stop_daemon shuts every connection's socket at once. Idle
   keep-alive connections hold it up to the bound only. */
static void drain(es_api *a, double max_s) {
  const union MHD_DaemonInfo *info;
  struct timespec tick = {0, 10 * 1000 * 1000};
  int i, n = (int)(max_s / 0.01);
  for (i = 0; i < n; i++) {
    info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (!info || info->num_connections == 0) return;
    nanosleep(&tick, NULL);
  }
}

int es_api_stop(es_api *a) {
  MHD_socket listen_fd;
  int left;
  if (!a) return 0;
  listen_fd = MHD_quiesce_daemon(a->mhd); /* no new connections from here on */
  /* Jobs first: that also releases connections waiting on a synchronous ingest, which
     MHD_stop_daemon would otherwise wait for. */
  left = es_jobs_stop(a->jobs, a->cfg.grace_s);
  drain(a, 2.0);
  MHD_stop_daemon(a->mhd);
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
  if (left) return left; /* their threads still use the table and the config */
  es_jobs_free(a->jobs);
  es_datadir_close(&a->dir);
  pthread_mutex_destroy(&a->ready_mu);
  es_api_security_free(a);
  free(a);
  return 0;
}
