/* cmd_api.c - `embedstream api`: the HTTP trigger API over a data folder, until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "client/client.h"
#include "core/log.h"
#include "http/api.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: embedstream api --data-dir DIR [options]\n\n"
          "HTTP API that streams files of DIR to an ingestion server:\n"
          "  POST /data/ingest/{domain}?file_name=NAME[&async=true]   GET /data/jobs[/{id}]\n"
          "  GET /data/files   GET /healthz   GET /openapi.json   GET / (status page)\n\n"
          "options:\n"
          "  --listen HOST:PORT      address to serve on (default %s; port 0 picks one)\n"
          "  --data-dir DIR          the only folder files are read from (required)\n"
          "  --server HOST:PORT      gRPC ingestion server (default %s)\n"
          "  --max-jobs N            ingests in flight at once; more get 429 (default 4)\n"
          "  --retries N             attempts per ingest (default 3)\n"
          "  --timeout S             deadline of one attempt in seconds (default 600)\n"
          "  --chunk-size N|auto     rows per chunk message (default auto)\n"
          "  --bandwidth-mbps X      for auto chunk sizing (default 1000)\n"
          "  --grace S               on shutdown, wait this long for cancelled jobs (default 10)\n"
          "  --help                  this text\n",
          ES_API_DEFAULT_LISTEN, ES_DEFAULT_SERVER);
}

static int bad(const char *flag, const char *value, const char *what) {
  fprintf(stderr, "embedstream api: %s %s: %s\n", flag, value, what);
  return ES_EXIT_USAGE;
}

static int num(const char *flag, const char *v, double lo, double hi, double *out) {
  char *end;
  double d;
  errno = 0;
  d = strtod(v, &end);
  if (errno || end == v || *end || !(d >= lo && d <= hi)) {
    char what[96];
    snprintf(what, sizeof(what), "expected a number in %g..%g", lo, hi);
    return bad(flag, v, what);
  }
  *out = d;
  return 0;
}

static int integer(const char *flag, const char *v, long lo, long hi, long *out) {
  double d;
  int rc = num(flag, v, (double)lo, (double)hi, &d);
  if (rc) return rc;
  if (d != (double)(long)d) return bad(flag, v, "expected an integer");
  *out = (long)d;
  return 0;
}

enum { O_LISTEN = 1, O_DATA, O_SERVER, O_JOBS, O_RETRIES, O_TIMEOUT, O_CHUNK, O_BW, O_GRACE, O_HELP };

static int apply(es_api_config *c, int opt, const char *v) {
  long n;
  int rc = 0;
  switch (opt) {
  case O_LISTEN: c->listen = v; break;
  case O_DATA: c->data_dir = v; break;
  case O_SERVER: c->server = v; break;
  case O_JOBS: if (!(rc = integer("--max-jobs", v, 1, 1024, &n))) c->max_jobs = (int)n; break;
  case O_RETRIES: if (!(rc = integer("--retries", v, 1, 100, &n))) c->retries = (int)n; break;
  case O_TIMEOUT: rc = num("--timeout", v, 0.001, 86400, &c->timeout_s); break;
  case O_CHUNK:
    if (!strcasecmp(v, "auto")) c->chunk_rows = 0;
    else if (!(rc = integer("--chunk-size", v, 1, 1000000, &n))) c->chunk_rows = (size_t)n;
    break;
  case O_BW: rc = num("--bandwidth-mbps", v, 0.001, 1e6, &c->bandwidth_mbps); break;
  case O_GRACE: rc = num("--grace", v, 0, 3600, &c->grace_s); break;
  default: rc = ES_EXIT_USAGE;
  }
  return rc;
}

/* 0 to run, ES_EXIT_OK after --help (*done set), ES_EXIT_USAGE on a bad command line. */
static int parse(int argc, char **argv, es_api_config *c, int *done) {
  static const struct option opts[] = {
      {"listen", required_argument, 0, O_LISTEN},   {"data-dir", required_argument, 0, O_DATA},
      {"server", required_argument, 0, O_SERVER},   {"max-jobs", required_argument, 0, O_JOBS},
      {"retries", required_argument, 0, O_RETRIES}, {"timeout", required_argument, 0, O_TIMEOUT},
      {"chunk-size", required_argument, 0, O_CHUNK}, {"bandwidth-mbps", required_argument, 0, O_BW},
      {"grace", required_argument, 0, O_GRACE},     {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  int opt, rc;
  *done = 0;
  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (opt == O_HELP || opt == 'h') {
      usage(stdout);
      *done = 1;
      return ES_EXIT_OK;
    }
    if (opt == '?' || opt == ':') {
      fprintf(stderr, "embedstream api: bad option '%s'\n\n", argv[optind - 1]);
      usage(stderr);
      return ES_EXIT_USAGE;
    }
    if ((rc = apply(c, opt, optarg))) return rc;
  }
  if (optind < argc) {
    fprintf(stderr, "embedstream api: unexpected argument '%s'\n", argv[optind]);
    return ES_EXIT_USAGE;
  }
  if (!c->data_dir) {
    fprintf(stderr, "embedstream api: --data-dir is required\n\n");
    usage(stderr);
    return ES_EXIT_USAGE;
  }
  return 0;
}

int es_cmd_api(int argc, char **argv) {
  es_api_config cfg;
  es_api *api = NULL;
  es_error err;
  sigset_t stop;
  int rc, done, sig = 0;
  es_api_config_init(&cfg);
  if ((rc = parse(argc, argv, &cfg, &done)) || done) return rc;
  /* Blocked before any thread starts, so every thread inherits the mask and only sigwait
     below sees the signals. */
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  es_err_clear(&err);
  if ((rc = es_api_start(&cfg, &api, &err))) {
    fprintf(stderr, "embedstream api: %s\n", err.msg);
    return rc == ES_EUSAGE ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  es_info("listening on %s (data folder %s, server %s, max %d jobs)", es_api_address(api),
          cfg.data_dir, cfg.server, cfg.max_jobs);
  while (sigwait(&stop, &sig) != 0) {
  }
  es_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (es_api_stop(api)) return ES_EXIT_FAIL;
  es_info("stopped");
  return ES_EXIT_OK;
}
