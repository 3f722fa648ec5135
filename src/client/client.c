/* client.c - es_client_ingest: checks options and the file's first row, then sends the whole
   stream, again from the start of the file after a backoff when the status is retryable. */
#include <grpc/grpc.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client_int.h"
#include "core/clock.h"
#include "core/status.h"
#include "core/log.h"
#include "core/validate.h"
#include "load/reader.h"

/* The smallest limit that still holds a metadata message and a small row. */
#define ES_MIN_MESSAGE 1024

static int is_stdin(const char *path) { return !strcmp(path, ES_READER_STDIN); }

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  if (is_stdin(path)) return "stdin";
  return slash ? slash + 1 : path;
}

static int check_opts(const es_ingest_opts *o, es_error *err) {
  int rc;
  if (!o->domain || (strcmp(o->domain, ES_DOMAIN_AUTO) && !es_domain_find(o->domain)))
    return es_err_set(err, ES_EUSAGE, "unknown domain '%s' (expected one of: %s, or auto)",
                      o->domain ? o->domain : "", es_domain_names());
  if (!o->file || !*o->file) return es_err_set(err, ES_EUSAGE, "no input file given");
  if ((rc = es_client_target_check(o->server, err))) return rc;
  if (o->dim && (o->dim < ES_DIM_MIN || o->dim > ES_DIM_MAX))
    return es_err_set(err, ES_EUSAGE, "dimension %d is outside %d..%d", o->dim, ES_DIM_MIN,
                      ES_DIM_MAX);
  if (o->max_message_bytes < ES_MIN_MESSAGE || o->max_message_bytes > INT_MAX)
    return es_err_set(err, ES_EUSAGE, "message limit %zu is outside %d..%d bytes",
                      o->max_message_bytes, ES_MIN_MESSAGE, INT_MAX);
  if (o->retries < 1)
    return es_err_set(err, ES_EUSAGE, "retries must be at least 1 (attempts in all)");
  if (!(o->busy_timeout_s >= 0))
    return es_err_set(err, ES_EUSAGE, "the busy timeout must be 0 or more seconds");
  return 0;
}

/* The spec's check: the file's vectors must have the dimension announced in the metadata. */
static int check_first_row(const es_producer *p, int dim, const char *path, es_error *err) {
  const es_value *row = es_producer_first_row(p);
  size_t n = row[p->domain->vector].vec.n;
  uint64_t line = p->chunk.lines ? p->chunk.lines[0] : 0;
  if (n != (size_t)dim)
    return es_err_set(err, ES_EINVAL,
                      "%s:%llu: vector dimension mismatch: the first row's vector has %zu values, "
                      "expected %d (--dim or the %s default)",
                      path, (unsigned long long)line, n, dim, p->domain->name);
  return 0;
}

/* Sleeps up to seconds; returns early (non-zero) when the cancel flag goes up. */
static int pause_for(double seconds, volatile int *cancel) {
  double end = es_clock_mono() + seconds;
  for (;;) {
    double left = end - es_clock_mono();
    struct timespec ts;
    if (cancel && *cancel) return 1;
    if (left <= 0) return 0;
    if (left > 0.1) left = 0.1;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)(left * 1e9);
    nanosleep(&ts, NULL);
  }
}

static void describe_status(const es_attempt *a, char *out, size_t cap) {
  snprintf(out, cap, "%s: %s", es_grpc_status_name(a->grpc_status),
           a->details[0] ? a->details : "(no details)");
}

/* Turns a finished call into the result; returns the es_code to give the caller. A rejected
   row is named in the file's terms when the server said which it was. */
static int settle(const es_call_cfg *cfg, const es_producer *p, const es_attempt *a,
                  es_ingest_result *res, es_error *err) {
  const es_ingest_opts *o = cfg->opts;
  char what[900];
  res->grpc_status = a->grpc_status;
  res->rows_sent = a->rows_sent;
  res->chunks_sent = a->chunks_sent;
  if (a->grpc_status == 0) {
    if (!a->have_response) {
      res->outcome = ES_INGEST_FAILED;
      return es_err_set(err, ES_EINTERNAL,
                        "the server ended the call with OK but sent no response");
    }
    res->response = a->response;
    if (strcmp(a->response.status, "success") != 0) {
      res->outcome = ES_INGEST_REJECTED;
      return es_err_set(err, ES_EINVAL, "the server answered status '%s': %s", a->response.status,
                        a->response.message);
    }
    res->rows_stored = a->response.rows > 0 ? (uint64_t)a->response.rows : 0;
    res->outcome = ES_INGEST_OK;
    return 0;
  }
  /* INTERNAL and UNKNOWN are a server's bug or crash, not a verdict on the stream. */
  res->outcome =
      a->grpc_status == ES_GRPC_INTERNAL || a->grpc_status == ES_GRPC_UNKNOWN ? ES_INGEST_FAILED
      : a->grpc_status == ES_GRPC_UNAUTHENTICATED || a->grpc_status == ES_GRPC_PERMISSION_DENIED
          ? ES_INGEST_DENIED
          : ES_INGEST_REJECTED;
  snprintf(res->response.status, sizeof(res->response.status), "failed");
  if (es_client_row_error(o, p, a, what, sizeof(what))) {
    snprintf(res->response.message, sizeof(res->response.message), "%s", what);
    return es_err_set(err, es_code_from_grpc(a->grpc_status), "%s", what);
  }
  describe_status(a, what, sizeof(what));
  if (a->grpc_status == ES_GRPC_UNAUTHENTICATED && !cfg->creds->authorization)
    snprintf(what + strlen(what), sizeof(what) - strlen(what),
             " (no token was sent: --token-file or EMBEDSTREAM_TOKEN)");
  snprintf(res->response.message, sizeof(res->response.message), "%s", what);
  return es_err_set(err, es_code_from_grpc(a->grpc_status), "the server refused the stream: %s",
                    what);
}

static int give_up(const es_ingest_opts *o, const es_attempt *a, int attempts,
                   es_ingest_result *res, es_error *err) {
  char what[640];
  describe_status(a, what, sizeof(what));
  /* The usual reason a server cannot be reached: ask the one question that settles it. */
  if (a->grpc_status == ES_GRPC_UNAVAILABLE) {
    size_t n = strlen(what);
    snprintf(what + n, sizeof(what) - n, "; is `embedstream serve` running at %s?", o->server);
  }
  res->grpc_status = a->grpc_status;
  res->rows_sent = a->rows_sent;
  res->chunks_sent = a->chunks_sent;
  res->outcome = ES_INGEST_UNREACHABLE;
  snprintf(res->response.status, sizeof(res->response.status), "failed");
  snprintf(res->response.message, sizeof(res->response.message), "%s", what);
  return es_err_set(err, ES_EUNAVAIL, "gave up after %d attempt%s: %s", attempts,
                    es_plural((unsigned long long)attempts), what);
}

/* How the retries stand: failures count against --retries; busy refusals and conflicts only
   start or extend a spell that --busy-timeout bounds. */
typedef struct retry_state {
  int counted;       /* attempts that failed otherwise than busy */
  int busy;          /* in a spell of busy refusals or conflicts ... */
  double busy_since; /* ... since this monotonic time (its first one) */
  int conflicts;     /* conflicts in this spell, for their backoff */
  uint64_t seed;     /* jitter */
} retry_state;

/* A full server's refusal: RESOURCE_EXHAUSTED with the standard pushback trailer. Without the
   trailer (a message over a limit, say) it is an ordinary retryable failure. */
static int is_busy(const es_attempt *a) {
  return a->grpc_status == ES_GRPC_RESOURCE_EXHAUSTED && a->has_pushback;
}

/* ABORTED: the stream lost a conflict to another stream on the same keys (a deadlock, a key
   inserted meanwhile, another process's write lock), which commits: progress was made, so it
   is sent again like a busy refusal, not counted against --retries. */
static int is_conflict(const es_attempt *a) { return a->grpc_status == ES_GRPC_ABORTED; }

/* Standard input is read once: a stream that failed cannot be sent again. */
static int no_retry_stdin(const es_ingest_opts *o, const es_attempt *a, int attempts,
                          es_ingest_result *res, es_error *err) {
  give_up(o, a, attempts, res, NULL);
  snprintf(
      res->response.message, sizeof(res->response.message),
      "<stdin>: %s: %s; not retried: standard input cannot be read again (give a file for retries)",
      es_grpc_status_name(a->grpc_status), a->details[0] ? a->details : "(no details)");
  return es_err_set(err, ES_EUNAVAIL, "%s", res->response.message);
}

/* After a busy refusal or a conflict: 0 with *wait (the jittered pushback or conflict backoff,
   cut to what is left of --busy-timeout), or the es_code of giving up once the spell has
   lasted that long. */
static int on_busy(const es_ingest_opts *o, retry_state *rs, const es_attempt *a, double *wait,
                   es_ingest_result *res, es_error *err) {
  double now = es_clock_mono(), busy;
  const char *what_kind = is_conflict(a) ? "conflicted with other streams" : "was busy";
  char what[640];
  if (!rs->busy) {
    rs->busy_since = now;
    rs->conflicts = 0;
  }
  rs->busy = 1;
  res->busy_refusals++;
  busy = now - rs->busy_since;
  describe_status(a, what, sizeof(what));
  if (busy >= o->busy_timeout_s) {
    give_up(o, a, rs->counted, res, NULL);
    snprintf(res->response.message, sizeof(res->response.message),
             "the server %s for %.1f s (--busy-timeout %g, %d refusal%s): %s", what_kind, busy,
             o->busy_timeout_s, res->busy_refusals, res->busy_refusals == 1 ? "" : "s", what);
    return es_err_set(err, ES_EEXHAUSTED, "%s", res->response.message);
  }
  *wait = is_conflict(a) ? es_conflict_delay(++rs->conflicts, &rs->seed)
                         : es_pushback_delay(a->pushback_ms, &rs->seed);
  if (*wait > o->busy_timeout_s - busy) *wait = o->busy_timeout_s - busy;
  es_info("the stream %s (%s); trying again in %.1f s (for %.1f s now, --busy-timeout %g)",
          is_conflict(a) ? "conflicted with another one" : "found the server busy", what, *wait,
          busy, o->busy_timeout_s);
  return 0;
}

/* One attempt: reopen the file, check its first row, stream it. */
static int attempt(const es_ingest_opts *o, es_call_cfg *cfg, es_producer *p, int dim,
                   es_attempt *a, es_error *err) {
  int rc;
  memset(a, 0, sizeof(*a));
  if ((rc = es_producer_open(p, o->file, err)) < 0) return rc;
  if ((rc = check_first_row(p, dim, o->file, err)) < 0) return rc;
  return es_client_call(cfg, p, a, err);
}

/* An UNAVAILABLE that a TLS handshake explains (auth/tlsprobe.h): no retry would do better.
   Returns the es_code to stop with, or 0 to go on as for any UNAVAILABLE. */
static int tls_failed(const es_call_cfg *cfg, const es_attempt *a, es_ingest_result *res,
                      es_error *err) {
  char why[600];
  if (!es_client_creds_explain(cfg->opts, cfg->creds, why, sizeof(why))) return 0;
  res->grpc_status = a->grpc_status;
  res->outcome = ES_INGEST_DENIED;
  snprintf(res->response.status, sizeof(res->response.status), "failed");
  snprintf(res->response.message, sizeof(res->response.message), "%s", why);
  return es_err_set(err, ES_EUNAUTH, "%s", why);
}

/* Ends the loop on this side's failure (rc < 0) or a call without a status; 0 to go on. */
static int attempt_failed(int rc, const es_attempt *a, es_ingest_result *res, es_error *err) {
  if (rc < 0) { /* this side stopped it: bad input, cancel, gRPC setup */
    res->outcome = rc == ES_EINVAL || rc == ES_ENOTFOUND || rc == ES_EIO || rc == ES_EUSAGE
                       ? ES_INGEST_INPUT
                       : ES_INGEST_FAILED;
    res->rows_sent = a->rows_sent;
    res->chunks_sent = a->chunks_sent;
    return rc;
  }
  if (!a->got_status) {
    res->outcome = ES_INGEST_FAILED;
    return es_err_set(err, ES_EINTERNAL, "the call ended without a status");
  }
  return 0;
}

/* Attempts until one settles it: busy refusals wait their pushback, other retryable failures
   back off and count against --retries. */
static int retry_loop(const es_ingest_opts *o, es_call_cfg *cfg, es_producer *p, int dim,
                      es_ingest_result *res, es_error *err) {
  retry_state rs = {0, 0, 0, 0, 0};
  es_attempt a;
  double wait = 0;
  int rc, n;
  rs.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&rs;
  for (n = 1;; n++) {
    if (wait > 0 && pause_for(wait, o->cancel)) {
      res->outcome = ES_INGEST_FAILED;
      return es_err_set(err, ES_ECANCELLED, "cancelled while waiting to retry");
    }
    cfg->attempt = res->attempts = n;
    rc = attempt(o, cfg, p, dim, &a, err);
    if ((rc = attempt_failed(rc, &a, res, err)) < 0) return rc;
    if (is_stdin(o->file) && es_grpc_retryable(a.grpc_status))
      return no_retry_stdin(o, &a, n, res, err);
    if (is_busy(&a) || is_conflict(&a)) {
      if ((rc = on_busy(o, &rs, &a, &wait, res, err)) < 0) return rc;
      continue;
    }
    rs.busy = 0;
    rs.counted++;
    if (!es_grpc_retryable(a.grpc_status)) return settle(cfg, p, &a, res, err);
    if (a.grpc_status == ES_GRPC_UNAVAILABLE && (rc = tls_failed(cfg, &a, res, err)) < 0) return rc;
    if (rs.counted >= o->retries) return give_up(o, &a, rs.counted, res, err);
    wait = es_backoff_delay(rs.counted + 1, o->backoff_min_s, o->backoff_max_s, &rs.seed);
    es_warn("attempt %d of %d failed with %s (%s); retrying in %.1f s", rs.counted, o->retries,
            es_grpc_status_name(a.grpc_status), a.details, wait);
  }
}

/* The file's domain (--domain auto: from its columns) and the dimension to declare. */
static int pick_domain(const es_ingest_opts *o, const es_domain **d, int *dim, es_error *err) {
  int rc;
  if (strcmp(o->domain, ES_DOMAIN_AUTO))
    *d = es_domain_find(o->domain);
  else if ((rc = es_loader_guess_domain(o->file, &o->loader, d, err)))
    return rc;
  else
    es_debug("%s: domain %s, from its columns", o->file, (*d)->name);
  *dim = o->dim ? o->dim : (*d)->default_dim;
  return 0;
}

/* The run's channel, or one of the ingest's own (*own, closed by the caller). */
static int channel(const es_ingest_opts *o, const es_client_creds *creds, es_client_conn **own,
                   const es_client_conn **conn, es_ingest_result *res, es_error *err) {
  int rc;
  *own = NULL;
  if ((*conn = o->conn)) return 0;
  if ((rc = es_client_conn_open(o, creds, own, err)) < 0) {
    res->outcome = rc == ES_EUSAGE     ? ES_INGEST_INPUT
                   : rc == ES_EUNAVAIL ? ES_INGEST_UNREACHABLE
                                       : ES_INGEST_FAILED;
    return rc;
  }
  *conn = *own;
  return 0;
}

static int run(const es_ingest_opts *o, const es_client_creds *creds, const es_domain *d, int dim,
               es_ingest_result *res, es_error *err) {
  es_producer p;
  es_call_cfg cfg;
  es_client_conn *own = NULL;
  size_t rows = o->chunk_rows ? o->chunk_rows : es_chunk_rows_auto(o->bandwidth_mbps, dim);
  int rc;
  memset(&cfg, 0, sizeof(cfg));
  if ((rc = channel(o, creds, &own, &cfg.conn, res, err)) < 0) return rc;
  if ((rc = es_producer_init(&p, d, rows, o->max_message_bytes, err)) < 0) {
    res->outcome = ES_INGEST_FAILED;
    es_client_conn_close(own);
    return rc;
  }
  p.lopts = o->loader;
  cfg.opts = o;
  cfg.creds = creds;
  cfg.meta.domain = d->name;
  cfg.meta.file_name = o->file_name ? o->file_name : base_name(o->file);
  cfg.meta.dim = dim;
  es_debug("ingest %s into %s: dim %d, %zu rows per chunk, limit %zu bytes, %d parsing thread%s",
           o->file, d->name, dim, rows, o->max_message_bytes,
           o->loader.threads > 1 ? o->loader.threads : 1, o->loader.threads > 1 ? "s" : "");
  rc = retry_loop(o, &cfg, &p, dim, res, err);
  es_producer_free(&p);
  es_client_conn_close(own);
  return rc;
}

int es_client_ingest(const es_ingest_opts *o, es_ingest_result *res, es_error *err) {
  const es_domain *d = NULL;
  es_client_creds creds;
  double t0 = es_clock_mono();
  int dim = 0, rc;
  memset(res, 0, sizeof(*res));
  es_err_clear(err);
  if ((rc = check_opts(o, err)) < 0 || (rc = pick_domain(o, &d, &dim, err)) < 0) {
    res->outcome = ES_INGEST_INPUT;
    res->seconds = es_clock_mono() - t0;
    return rc;
  }
  if ((rc = es_client_creds_load(o, &creds, err)) < 0) {
    res->outcome = rc == ES_ENOMEM ? ES_INGEST_FAILED : ES_INGEST_INPUT;
    res->seconds = es_clock_mono() - t0;
    return rc;
  }
  res->domain = d->name;
  grpc_init();
  rc = run(o, &creds, d, dim, res, err);
  grpc_shutdown();
  es_client_creds_free(&creds);
  res->seconds = es_clock_mono() - t0;
  return rc;
}
