/* guard.c - refusing a listener that other machines could reach without TLS and tokens: the
   embeddings it moves are people's résumés, so plaintext or open access is an explicit choice. */
#include "auth/guard.h"

#include "core/log.h"
#include "core/net.h"

/* "TLS (--tls-cert and --tls-key) and tokens (--tokens)", whichever are missing. */
static const char *missing(const es_guard *g) {
  if (!g->tls && !g->tokens) return "TLS (--tls-cert and --tls-key) and tokens (--tokens)";
  return !g->tls ? "TLS (--tls-cert and --tls-key)" : "tokens (--tokens)";
}

int es_guard_listen(const es_guard *g, es_error *err) {
  int loopback = 0, rc;
  if (!g->addr || (g->tls && g->tokens)) return 0;
  if ((rc = es_net_is_loopback(g->option, g->addr, &loopback, err))) return rc;
  if (loopback) return 0;
  if (g->insecure) {
    es_warn(
        "%s %s is reachable from other machines and has no %s (--insecure): anyone who can "
        "connect can %s",
        g->option, g->addr, missing(g), g->tls ? "use it" : "read and change what is sent");
    return 0;
  }
  return es_err_set(
      err, ES_EUSAGE,
      "%s %s is not a loopback address, so other machines could connect: it needs %s; "
      "add %s, or --insecure to serve without",
      g->option, g->addr, missing(g), g->tls || g->tokens ? "it" : "them");
}
