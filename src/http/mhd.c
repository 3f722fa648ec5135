/* mhd.c - the libmicrohttpd daemon start and request framing the HTTP API and the metrics
   endpoint share. */
#include "http/mhd.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/httpauth.h"
#include "core/log.h"
#include "core/net.h"

int es_mhd_start(const es_mhd_spec *s, struct MHD_Daemon **out, char *address, size_t cap,
                 es_error *err) {
  struct sockaddr_storage ss;
  char host[256], why[300];
  const union MHD_DaemonInfo *info;
  struct MHD_OptionItem tls_opts[ES_HTTPAUTH_TLS_OPTIONS + 1];
  size_t n = 0;
  unsigned flags =
      s->flags | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  int rc;
  *out = NULL;
  memset(&ss, 0, sizeof(ss));
  if ((rc = es_net_resolve_listen(s->option, s->listen, &ss, host, sizeof(host), err))) return rc;
  /* Asked first, so that a busy port is one clear line rather than libmicrohttpd's as well. */
  es_net_why_no_listen(s->listen, why, sizeof(why));
  if (*why) return es_err_set(err, ES_EIO, "cannot listen on %s%s: %s", s->listen, s->purpose, why);
  if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  if (s->tls && s->tls->cert_pem) {
    flags |= MHD_USE_TLS;
    n = es_httpauth_tls_options(s->tls, tls_opts);
  }
  tls_opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  /* The logger goes first: MHD reports errors in the options after it through it. */
  *out = MHD_start_daemon(flags, 0, NULL, NULL, s->handler, s->cls, MHD_OPTION_EXTERNAL_LOGGER,
                          es_log_external, (void *)s->log_name, MHD_OPTION_SOCK_ADDR,
                          (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, s->max_conns,
                          MHD_OPTION_CONNECTION_TIMEOUT, s->timeout_s, MHD_OPTION_ARRAY, tls_opts,
                          MHD_OPTION_END);
  if (!*out)
    return es_err_set(err, ES_EIO, "cannot listen on %s%s (see the message above)", s->listen,
                      s->purpose);
  info = MHD_get_daemon_info(*out, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(address, cap, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
           info ? (unsigned)info->port : 0u);
  return 0;
}

int es_mhd_no_work(void **state, size_t *upload_size) {
  static int seen; /* its address marks a request whose headers were read */
  if (!*state) {
    *state = &seen;
    return 1;
  }
  if (*upload_size) {
    *upload_size = 0;
    return 1;
  }
  return 0;
}
