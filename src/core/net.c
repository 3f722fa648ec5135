/* net.c - HOST:PORT parsing shared by the listeners (HTTP API, metrics) and the client's server
   lists, and what a failed listen means. */
#include "core/net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

int es_net_split(const char *label, const char *s, char *host, size_t cap, const char **port,
                 es_error *err) {
  const char *hs = s, *he, *colon;
  if (s[0] == '[') {
    hs = s + 1;
    he = strchr(hs, ']');
    colon = he && he[1] == ':' ? he + 1 : NULL;
  } else {
    colon = strrchr(s, ':');
    he = colon;
  }
  if (!colon || he == hs || (size_t)(he - hs) >= cap || !colon[1])
    return es_err_set(err, ES_EUSAGE, "%s '%s' is not HOST:PORT", label, s);
  memcpy(host, hs, (size_t)(he - hs));
  host[he - hs] = '\0';
  *port = colon + 1;
  return 0;
}

/* getaddrinfo for a listener on addr: every address it may bind, in *res (freeaddrinfo'd by
   the caller); the host goes to host[cap]. */
static int resolve(const char *label, const char *addr, char *host, size_t cap,
                   struct addrinfo **res, es_error *err) {
  struct addrinfo hints;
  const char *port = NULL;
  int rc, gai;
  *res = NULL;
  if ((rc = es_net_split(label, addr, host, cap, &port, err))) return rc;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  gai = getaddrinfo(host, port, &hints, res);
  if (gai || !*res) return es_err_set(err, ES_EUSAGE, "%s %s: %s", label, addr, gai_strerror(gai));
  return 0;
}

int es_net_resolve_listen(const char *label, const char *addr, struct sockaddr_storage *ss,
                          char *host, size_t cap, es_error *err) {
  struct addrinfo *res = NULL;
  int rc;
  if ((rc = resolve(label, addr, host, cap, &res, err))) return rc;
  if (res->ai_addrlen > sizeof(*ss)) {
    freeaddrinfo(res);
    return es_err_set(err, ES_EUSAGE, "%s %s: unsupported address family", label, addr);
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return 0;
}

void es_net_why_no_listen(const char *addr, char *out, size_t cap) {
  struct sockaddr_storage ss;
  char host[256];
  es_error err;
  int fd, one = 1, e = 0;
  memset(&ss, 0, sizeof(ss));
  if (es_net_resolve_listen("address", addr, &ss, host, sizeof(host), &err)) {
    snprintf(out, cap, "%s", err.msg);
    return;
  }
  if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
    snprintf(out, cap, "%s", strerror(errno));
    return;
  }
  /* As gRPC binds (SO_REUSEADDR), so that a port in TIME_WAIT does not count as taken. */
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&ss,
           ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)))
    e = errno;
  close(fd);
  if (e == EADDRINUSE)
    snprintf(out, cap, "address already in use (is another server running there?)");
  else if (e == EADDRNOTAVAIL)
    snprintf(out, cap, "%s is not an address of this machine", host);
  else if (e == EACCES)
    snprintf(out, cap, "permission denied (ports below 1024 need privileges)");
  else if (e)
    snprintf(out, cap, "%s", strerror(e));
  else
    snprintf(out, cap, "%s", "");
}

static int addr_is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a)) return 1;
    return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
  }
  return 0;
}

int es_net_is_loopback(const char *label, const char *addr, int *loopback, es_error *err) {
  struct addrinfo *res = NULL, *ai;
  char host[256];
  int rc;
  *loopback = 0;
  if ((rc = resolve(label, addr, host, sizeof(host), &res, err))) return rc;
  *loopback = 1;
  for (ai = res; ai; ai = ai->ai_next)
    if (!addr_is_loopback(ai->ai_addr)) *loopback = 0;
  freeaddrinfo(res);
  return 0;
}
