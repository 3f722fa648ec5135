/* net.h - "HOST:PORT" listen addresses resolved for servers that bind their own sockets. */
#ifndef ES_NET_H
#define ES_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/error.h"

/* Splits "host:port" or "[v6]:port": the host into host[cap], *port pointing into addr. */
int es_net_split(const char *label, const char *addr, char *host, size_t cap, const char **port,
                 es_error *err);

/* Resolves "host:port" or "[v6]:port" (numeric port, passive) into ss and copies the host into
   host[cap]. `label` names the option in messages ("--listen"). ES_EUSAGE on a bad address. */
int es_net_resolve_listen(const char *label, const char *addr, struct sockaddr_storage *ss,
                          char *host, size_t cap, es_error *err);

/* Why a server could not listen on addr, found by binding a socket there ourselves (gRPC says
   only that it failed): "address already in use", "not an address of this machine", ... into
   out; "" when the bind works now. */
void es_net_why_no_listen(const char *addr, char *out, size_t cap);

/* Whether listening on addr ("host:port", "[v6]:port") would take calls from this machine only:
   *loopback is 1 when every address the host resolves to is 127.0.0.0/8 or ::1. A wildcard
   (0.0.0.0, [::]), any other address, or a name that resolves to one is not. */
int es_net_is_loopback(const char *label, const char *addr, int *loopback, es_error *err);

#endif
