/* tlsprobe.c - one TLS handshake with OpenSSL (libssl), set up as the failed gRPC channel was
   (the same CAs, client certificate, name and ALPN "h2"), whose outcome is put in words. */
#include "auth/tlsprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/net.h"

/* Formats why and returns 1: "there is something certain to say". */
__attribute__((format(printf, 3, 4))) static int say(char *why, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, cap, fmt, ap);
  va_end(ap);
  return 1;
}

static void set_timeouts(int fd, double s) {
  struct timeval tv;
  tv.tv_sec = (time_t)s;
  tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A connected blocking socket with timeouts, or -1. */
static int connect_one(const struct addrinfo *ai, double timeout_s) {
  struct pollfd p;
  int err = 0,
      fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  socklen_t len = sizeof(err);
  if (fd < 0) return -1;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) goto fail;
  p.fd = fd;
  p.events = POLLOUT;
  if (poll(&p, 1, (int)(timeout_s * 1000)) != 1) goto fail;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) goto fail;
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) goto fail;
  set_timeouts(fd, timeout_s);
  return fd;
fail:
  close(fd);
  return -1;
}

static int connect_to(const char *host, const char *port, double timeout_s) {
  struct addrinfo hints, *res = NULL, *ai;
  int fd = -1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
  for (ai = res; ai && fd < 0; ai = ai->ai_next) fd = connect_one(ai, timeout_s);
  freeaddrinfo(res);
  return fd;
}

/* Adds every certificate of the PEM text to the context's trust store. */
static void trust(SSL_CTX *ctx, const char *pem) {
  BIO *bio = BIO_new_mem_buf(pem, -1);
  X509 *x;
  while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x);
    X509_free(x);
  }
  BIO_free(bio);
  ERR_clear_error();
}

/* The client certificate (then its chain) and key. */
static void use_client(SSL_CTX *ctx, const es_tls_pair *p) {
  BIO *bio = BIO_new_mem_buf(p->cert_pem, -1);
  X509 *x;
  EVP_PKEY *key;
  int first = 1;
  while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
    if (first)
      SSL_CTX_use_certificate(ctx, x);
    else
      SSL_CTX_add1_chain_cert(ctx, x);
    first = 0;
    X509_free(x);
  }
  BIO_free(bio);
  bio = BIO_new_mem_buf(p->key_pem, -1);
  if (bio && (key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
    SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
  }
  BIO_free(bio);
  ERR_clear_error();
}

/* Verification keeps its verdict; this remembers, in the SSL's app data (char[64]), when the
   certificate that failed expired, which the failed handshake does not keep. */
static int note_expiry(int ok, X509_STORE_CTX *store) {
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  char *out = ssl ? SSL_get_app_data(ssl) : NULL;
  X509 *x = X509_STORE_CTX_get_current_cert(store);
  BIO *b;
  int n;
  if (ok || !out || !x || X509_STORE_CTX_get_error(store) != X509_V_ERR_CERT_HAS_EXPIRED || out[0])
    return ok;
  if (!(b = BIO_new(BIO_s_mem()))) return ok;
  memcpy(out, " on ", 4);
  ASN1_TIME_print(b, X509_get0_notAfter(x));
  n = BIO_read(b, out + 4, 59);
  out[n > 0 ? 4 + n : 0] = '\0';
  BIO_free(b);
  return ok;
}

static SSL *make_ssl(const es_tlsprobe_cfg *c, const char *name, int fd) {
  static const unsigned char alpn[] = {2, 'h', '2'};
  unsigned char ip[16];
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL *ssl = NULL;
  int is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
  if (!ctx) return NULL;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, c->tls ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, c->tls ? note_expiry : NULL);
  if (c->tls && c->ca_pem) trust(ctx, c->ca_pem);
  if (c->tls && c->client && c->client->cert_pem) use_client(ctx, c->client);
  if ((ssl = SSL_new(ctx))) {
    SSL_set_fd(ssl, fd);
    SSL_set_alpn_protos(ssl, alpn, sizeof(alpn));
    if (!is_ip) SSL_set_tlsext_host_name(ssl, name);
    if (is_ip)
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
    else
      X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), name, 0);
  }
  SSL_CTX_free(ctx); /* the SSL holds its own reference */
  return ssl;
}

static int verify_words(SSL *ssl, long v, const es_tlsprobe_cfg *c, const char *name, char *why,
                        size_t cap) {
  const char *when = SSL_get_app_data(ssl);
  switch (v) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return say(why, cap, "the server's certificate expired%s", when ? when : "");
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return say(why, cap, "the server's certificate is not valid yet");
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    if (c->server_name && *c->server_name)
      return say(why, cap, "the server's certificate is not for '%s' (--tls-server-name)", name);
    return say(
        why, cap,
        "the server's certificate is not for '%s' (connect by a name it holds, or give that name "
        "with --tls-server-name)",
        name);
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
    return say(why, cap, "the server's certificate is not signed by a CA in %s (%s)", c->ca_what,
               X509_verify_cert_error_string(v));
  }
  return say(why, cap, "the server's certificate was refused: %s",
             X509_verify_cert_error_string(v));
}

/* A handshake (or the read after it) that failed otherwise than by our verification. */
static int failure_words(int reason, const es_tlsprobe_cfg *c, char *why, size_t cap) {
  switch (reason) {
  case SSL_R_WRONG_VERSION_NUMBER:
  case SSL_R_PACKET_LENGTH_TOO_LONG:
  case SSL_R_HTTP_REQUEST:
  case SSL_R_UNEXPECTED_EOF_WHILE_READING:
    return say(why, cap,
               "the server does not speak TLS (it serves plaintext: drop the --tls options)");
  case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    return say(why, cap, "the server requires a client certificate (--tls-cert and --tls-key)");
  case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
  case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
  case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
  case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    if (!c->client || !c->client->cert_pem)
      return say(why, cap, "the server requires a client certificate (--tls-cert and --tls-key)");
    return say(why, cap, "the server refused the client certificate in --tls-cert (%s): %s",
               c->client->subject, ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason)));
  case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
  case SSL_R_UNSUPPORTED_PROTOCOL:
    return say(why, cap, "no TLS version in common (this client speaks TLS 1.2 and 1.3)");
  }
  if (!reason) return 0; /* the connection just ended: nothing certain to say */
  return say(why, cap, "the TLS handshake failed: %s",
             ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason)));
}

/* After a handshake that worked: a TLS 1.3 server checks a client certificate only once the
   handshake is over on our side, and gRPC's then hangs up without a word (no alert). A gRPC
   server sends its HTTP/2 settings at once, so a short wait tells the two apart. */
static int after_handshake(SSL *ssl, int fd, const es_tlsprobe_cfg *c, char *why, size_t cap) {
  char b;
  int r, e, reason;
  set_timeouts(fd, c->timeout_s < 1 ? c->timeout_s : 1);
  ERR_clear_error();
  errno = 0;
  if ((r = SSL_peek(ssl, &b, 1)) > 0) return 0;
  e = SSL_get_error(ssl, r);
  reason = ERR_GET_REASON(ERR_peek_last_error());
  if (e == SSL_ERROR_WANT_READ ||
      (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)))
    return 0; /* nothing yet: no verdict */
  if (reason >= SSL_AD_REASON_OFFSET) return failure_words(reason, c, why, cap);
  if (c->client && c->client->cert_pem)
    return say(
        why, cap,
        "the server hung up right after the handshake: it does not accept the client certificate "
        "in --tls-cert (%s)",
        c->client->subject);
  return say(
      why, cap,
      "the server hung up right after the handshake: it wants a client certificate (--tls-cert and "
      "--tls-key)");
}

static int probe(SSL *ssl, int fd, const es_tlsprobe_cfg *c, const char *name, char *why,
                 size_t cap) {
  int ok = SSL_connect(ssl) == 1, reason = ERR_GET_REASON(ERR_peek_last_error());
  long v = SSL_get_verify_result(ssl);
  if (!c->tls) { /* a plaintext client: does the server answer TLS? */
    if (!ok && (reason < SSL_AD_REASON_OFFSET || !reason)) return 0;
    return say(why, cap,
               "the server speaks TLS, and this client does not: add --tls (or --tls-ca FILE)");
  }
  if (ok) return after_handshake(ssl, fd, c, why, cap);
  if (v != X509_V_OK) return verify_words(ssl, v, c, name, why, cap);
  return failure_words(reason, c, why, cap);
}

int es_tlsprobe_explain(const es_tlsprobe_cfg *c, char *why, size_t cap) {
  char host[256], words[400], expiry[64] = "";
  const char *port = NULL, *name;
  SSL *ssl = NULL;
  int fd, said = 0;
  if (es_net_split("server", c->target, host, sizeof(host), &port, NULL)) return 0;
  name = c->server_name && *c->server_name ? c->server_name : host;
  if ((fd = connect_to(host, port, c->timeout_s)) < 0) return 0;
  ERR_clear_error();
  if ((ssl = make_ssl(c, name, fd))) {
    SSL_set_app_data(ssl, expiry);
    said = probe(ssl, fd, c, name, words, sizeof(words));
  }
  SSL_free(ssl);
  ERR_clear_error();
  close(fd);
  if (said) snprintf(why, cap, "TLS with %s failed: %s", c->target, words);
  return said;
}
