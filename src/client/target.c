/* target.c - what --server names, as the target a gRPC channel dials. One HOST:PORT goes to
   gRPC as it is (its DNS resolver: every address of the name is a backend); a URI with a
   scheme gRPC resolves (dns:///h:p, ipv4:, ipv6:, unix:) too; a comma list of HOST:PORT is
   resolved here, one address per item, into gRPC's own multi-address form (ipv4:a:p,b:p).
   Channels spread calls over the backends with the round_robin policy (call.c). */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "client/client.h"
#include "core/buf.h"
#include "core/net.h"

/* The target schemes gRPC's C core resolves; anything else with "://" is passed on too. */
static int is_uri(const char *s) {
  static const char *const schemes[] = {
      "dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:", "xds:"};
  size_t i;
  if (strstr(s, "://")) return 1;
  for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
    size_t n = strlen(schemes[i]);
    /* "dns:50052" would be a host named dns; a scheme is followed by a path, not a port */
    if (!strncasecmp(s, schemes[i], n) && s[n] && (s[n] < '0' || s[n] > '9')) return 1;
  }
  return 0;
}

/* Calls fn on each comma-separated item of s (spaces around items dropped). */
static int each_item(const char *s, int (*fn)(void *ctx, const char *item, es_error *err),
                     void *ctx, es_error *err) {
  char item[300];
  int rc;
  while (*s) {
    const char *end = strchr(s, ','), *b = s, *e;
    if (!end) end = s + strlen(s);
    e = end;
    while (b < e && *b == ' ') b++;
    while (e > b && e[-1] == ' ') e--;
    if ((size_t)(e - b) >= sizeof(item))
      return es_err_set(err, ES_EUSAGE, "server address too long");
    memcpy(item, b, (size_t)(e - b));
    item[e - b] = '\0';
    if ((rc = fn(ctx, item, err))) return rc;
    s = *end ? end + 1 : end;
  }
  return 0;
}

static int check_item(void *ctx, const char *item, es_error *err) {
  char host[256];
  const char *port;
  char *end;
  long p;
  (void)ctx;
  if (es_net_split("--server", item, host, sizeof(host), &port, err)) return ES_EUSAGE;
  p = strtol(port, &end, 10);
  if (*end || p < 0 || p > 65535)
    return es_err_set(err, ES_EUSAGE, "--server '%s': the port is not 0..65535", item);
  return 0;
}

int es_client_target_check(const char *server, es_error *err) {
  if (!server || !*server) return es_err_set(err, ES_EUSAGE, "no server address given");
  if (is_uri(server)) return 0;
  return each_item(server, check_item, NULL, err);
}

/* One resolved item: its first IPv4 address, else its first IPv6 one. */
typedef struct resolved {
  char addr[INET6_ADDRSTRLEN];
  const char *port;
  int v6;
} resolved;

typedef struct list_ctx {
  resolved *items;
  size_t n, cap;
  char ports[64][8];
} list_ctx;

static int resolve_item(void *ctx, const char *item, es_error *err) {
  list_ctx *l = ctx;
  struct addrinfo hints, *res = NULL, *a, *pick = NULL;
  char host[256];
  const char *port;
  resolved *r;
  int gai;
  if (check_item(NULL, item, err)) return ES_EUSAGE;
  es_net_split("--server", item, host, sizeof(host), &port, err);
  if (l->n == l->cap) return es_err_set(err, ES_EUSAGE, "--server: more than %zu servers", l->cap);
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if ((gai = getaddrinfo(host, port, &hints, &res)) || !res)
    return es_err_set(err, ES_EUNAVAIL, "--server %s: cannot resolve %s: %s", item, host,
                      gai_strerror(gai));
  for (a = res; a && !pick; a = a->ai_next)
    if (a->ai_family == AF_INET) pick = a;
  if (!pick) pick = res;
  r = &l->items[l->n];
  r->v6 = pick->ai_family == AF_INET6;
  inet_ntop(pick->ai_family,
            r->v6 ? (void *)&((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr
                  : (void *)&((struct sockaddr_in *)pick->ai_addr)->sin_addr,
            r->addr, sizeof(r->addr));
  snprintf(l->ports[l->n], sizeof(l->ports[0]), "%s", port);
  r->port = l->ports[l->n];
  l->n++;
  freeaddrinfo(res);
  return 0;
}

/* gRPC's ipv4: list when every item has an IPv4 address, else ipv6: with v4-mapped ones. */
static int list_target(const list_ctx *l, char **out, es_error *err) {
  es_buf b = ES_BUF_INIT;
  size_t i;
  int any_v6 = 0;
  for (i = 0; i < l->n; i++) any_v6 |= l->items[i].v6;
  es_buf_puts(&b, any_v6 ? "ipv6:" : "ipv4:");
  for (i = 0; i < l->n; i++) {
    const resolved *r = &l->items[i];
    if (!any_v6)
      es_buf_printf(&b, "%s%s:%s", i ? "," : "", r->addr, r->port);
    else
      es_buf_printf(&b, "%s[%s%s]:%s", i ? "," : "", r->v6 ? "" : "::ffff:", r->addr, r->port);
  }
  if (b.oom) {
    es_buf_free(&b);
    return es_err_set(err, ES_ENOMEM, "out of memory");
  }
  *out = b.ptr;
  return 0;
}

int es_client_target(const char *server, char **out, es_error *err) {
  resolved items[64];
  list_ctx l;
  int rc;
  *out = NULL;
  if ((rc = es_client_target_check(server, err))) return rc;
  if (is_uri(server) || !strchr(server, ',')) {
    if (!(*out = strdup(server))) return es_err_set(err, ES_ENOMEM, "out of memory");
    return 0;
  }
  memset(&l, 0, sizeof(l));
  l.items = items;
  l.cap = sizeof(items) / sizeof(items[0]);
  if ((rc = each_item(server, resolve_item, &l, err))) return rc;
  return list_target(&l, out, err);
}
