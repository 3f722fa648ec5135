/* opts.c - getopt_long driven by a command's option table, with the messages a user needs:
   the unknown option wherever it stands, "did you mean", a missing value named as such. */
#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/domain.h"
#include "core/log.h"
#include "core/suggest.h"
#include "load/loader.h"

#define LONG_BASE 0x1000 /* getopt_long's val for long-only options: above any char */

int es_opts_usage_error(const es_cmd_spec *spec, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "embedstream %s: ", spec->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see 'embedstream %s --help')\n", spec->name);
  return ES_OPTS_USAGE;
}

void es_opts_fatal(const es_cmd_spec *spec, const char *msg) {
  es_log_field f[] = {ES_LF_W("command", spec->name)};
  if (es_log_format() == ES_LOG_JSON)
    es_log_fields(ES_LOG_ERROR, msg, f, 1);
  else
    fprintf(stderr, "embedstream %s: %s\n", spec->name, msg);
}

int es_opts_bad(es_opts_why *why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
  va_end(ap);
  return -1;
}

int es_opts_long(const char *s, long lo, long hi, long *out, es_opts_why *why) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return es_opts_bad(why, "expected an integer in %ld..%ld", lo, hi);
  *out = v;
  return 0;
}

int es_opts_int(const char *s, int lo, int hi, int *out, es_opts_why *why) {
  long v = 0; /* gcc -O3 cannot see that es_opts_long sets it whenever it returns 0 */
  if (es_opts_long(s, lo, hi, &v, why)) return -1;
  *out = (int)v;
  return 0;
}

int es_opts_double(const char *s, double lo, double hi, double *out, es_opts_why *why) {
  char *end;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
    return es_opts_bad(why, "expected a number in %g..%g", lo, hi);
  *out = v;
  return 0;
}

int es_opts_hostport(const char *s, es_opts_why *why) {
  const char *colon = strrchr(s, ':');
  const char *port_only = s[0] == ':' ? s + 1 : s; /* "50052" or ":50052" */
  long port = 0;                                   /* as v above */
  es_opts_why ignored;
  /* A port alone is the common slip: name the address it most likely meant. */
  if ((!colon || colon == s) && !es_opts_long(port_only, 0, 65535, &port, &ignored))
    return es_opts_bad(why, "expected HOST:PORT, not a port alone (did you mean 127.0.0.1:%ld?)",
                       port);
  if (!colon || colon == s || es_opts_long(colon + 1, 0, 65535, &port, &ignored))
    return es_opts_bad(why, "expected HOST:PORT with a port in 0..65535");
  return 0;
}

int es_opts_log_format(const char *s, es_opts_why *why) {
  int format;
  if (es_log_parse_format(s, &format)) return es_opts_bad(why, "expected text or json");
  es_log_set_format(format);
  return 0;
}

int es_opts_domain(const char *s, es_opts_why *why) {
  const char *names[8], *hint;
  size_t i;
  if (es_domain_find(s)) return 0;
  for (i = 0; i < es_domain_count && i < 8; i++) names[i] = es_domains[i]->name;
  if ((hint = es_suggest(s, strlen(s), names, i)))
    return es_opts_bad(why, "unknown domain (did you mean %s?)", hint);
  return es_opts_bad(why, "unknown domain (known: %s)", es_domain_names());
}

int es_opts_format(const char *s, const char **out, es_opts_why *why) {
  if (!es_loader_format_known(s)) return es_opts_bad(why, "unknown format (expected csv or jsonl)");
  *out = s;
  return 0;
}

static const es_opt *find_long(const es_cmd_spec *spec, const char *name, size_t n) {
  size_t i;
  for (i = 0; i < spec->nopts; i++)
    if (strlen(spec->opts[i].name) == n && !strncmp(spec->opts[i].name, name, n))
      return &spec->opts[i];
  return NULL;
}

static const es_opt *find_short(const es_cmd_spec *spec, int c) {
  size_t i;
  for (i = 0; i < spec->nopts; i++)
    if (spec->opts[i].short_name == c) return &spec->opts[i];
  return NULL;
}

/* The option an abbreviation stands for, when only one starts with it. */
static const char *unique_prefix(const char *const *names, size_t k, const char *p, size_t n) {
  const char *hit = NULL;
  size_t i;
  for (i = 0; i < k; i++)
    if (!strncmp(names[i], p, n)) {
      if (hit) return NULL;
      hit = names[i];
    }
  return hit;
}

static int unknown_long(const es_cmd_spec *spec, const char *arg, size_t n) {
  const char *names[64], *s;
  size_t i, k = 0;
  for (i = 0; i < spec->nopts && k < 63; i++) names[k++] = spec->opts[i].name;
  names[k++] = "help";
  s = n > 2 ? unique_prefix(names, k, arg + 2, n - 2) : NULL;
  if (!s) s = es_suggest(arg + 2, n - 2, names, k);
  if (s)
    return es_opts_usage_error(spec, "unknown option '%.*s' (did you mean --%s?)", (int)n, arg, s);
  return es_opts_usage_error(spec, "unknown option '%.*s'", (int)n, arg);
}

/* getopt_long would take an abbreviation ("--dom" for "--domain"): refused here, so a script
   never depends on a prefix that a later option makes ambiguous. Walks argv as getopt does. */
static int check_long_names(const es_cmd_spec *spec, int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *eq;
    const es_opt *o;
    size_t n;
    if (!strcmp(a, "--")) return 0;
    if (a[0] == '-' && a[1] && a[1] != '-') { /* short options: does one take the next word? */
      size_t k;
      for (k = 1; a[k]; k++) {
        o = find_short(spec, a[k]);
        if (o && o->arg) {
          if (!a[k + 1]) i++;
          break;
        }
      }
      continue;
    }
    if (strncmp(a, "--", 2)) continue;
    eq = strchr(a, '=');
    n = eq ? (size_t)(eq - a) : strlen(a);
    if (n == 6 && !strncmp(a, "--help", 6)) continue;
    if (!(o = find_long(spec, a + 2, n - 2))) return unknown_long(spec, a, n);
    if (o->arg && !eq) i++;
  }
  return 0;
}

/* getopt_long's tables for spec; freed by the caller. */
static int build(const es_cmd_spec *spec, struct option **lo, char *shorts, size_t cap) {
  size_t i, k = 0;
  struct option *l = calloc(spec->nopts + 2, sizeof(*l));
  if (!l) return -1;
  shorts[k++] = ':'; /* ':' for a missing value, '?' for an unknown option */
  shorts[k++] = 'h';
  for (i = 0; i < spec->nopts; i++) {
    const es_opt *o = &spec->opts[i];
    l[i].name = o->name;
    l[i].has_arg = o->arg ? required_argument : no_argument;
    l[i].val = o->short_name ? o->short_name : LONG_BASE + (int)i;
    if (o->short_name && k + 3 < cap) {
      shorts[k++] = (char)o->short_name;
      if (o->arg) shorts[k++] = ':';
    }
  }
  shorts[k] = '\0';
  l[spec->nopts].name = "help";
  l[spec->nopts].val = 'h';
  *lo = l;
  return 0;
}

static const es_opt *by_val(const es_cmd_spec *spec, int val) {
  if (val >= LONG_BASE && (size_t)(val - LONG_BASE) < spec->nopts)
    return &spec->opts[val - LONG_BASE];
  return val > 0 && val < LONG_BASE ? find_short(spec, val) : NULL;
}

/* The message for getopt_long's '?' or ':' at argv[optind - 1]. */
static int getopt_error(const es_cmd_spec *spec, int c, char **argv) {
  const es_opt *o = by_val(spec, optopt);
  const char *a = argv[optind - 1];
  if (c == ':' && o) return es_opts_usage_error(spec, "missing value for --%s", o->name);
  if (o && !o->arg) return es_opts_usage_error(spec, "--%s takes no value", o->name);
  if (optopt && optopt < LONG_BASE)
    return es_opts_usage_error(spec, "unknown option '-%c'", optopt);
  return es_opts_usage_error(spec, "unknown option '%s'", a);
}

static const es_opt_bind *find_bind(const es_cmd_spec *spec, int id) {
  size_t i;
  for (i = 0; i < spec->nbinds; i++)
    if (spec->binds[i].id == id) return &spec->binds[i];
  return NULL;
}

/* Checks v as b says and stores it at ctx + b->off; 0, or -1 with why filled. */
static int apply_bind(const es_opt_bind *b, void *ctx, const char *v, es_opts_why *why) {
  char *field = (char *)ctx + b->off;
  long n = 0; /* as in es_opts_int */
  switch (b->kind) {
  case ES_BIND_HOSTPORT:
    if (es_opts_hostport(v, why)) return -1;
    break;
  case ES_BIND_DOMAIN:
    if (es_opts_domain(v, why)) return -1;
    break;
  case ES_BIND_FLAG: *(int *)field = 1; return 0;
  case ES_BIND_INT: return es_opts_int(v, (int)b->lo, (int)b->hi, (int *)field, why);
  case ES_BIND_LONG: return es_opts_long(v, (long)b->lo, (long)b->hi, (long *)field, why);
  case ES_BIND_SIZE:
    if (es_opts_long(v, (long)b->lo, (long)b->hi, &n, why)) return -1;
    *(size_t *)field = (size_t)n;
    return 0;
  case ES_BIND_DOUBLE: return es_opts_double(v, b->lo, b->hi, (double *)field, why);
  }
  *(const char **)field = v; /* ES_BIND_STRING and the checked strings above */
  return 0;
}

static int apply_value(const es_cmd_spec *spec, void *ctx, int id, const char *v,
                       es_opts_why *why) {
  const es_opt_bind *b = find_bind(spec, id);
  return b ? apply_bind(b, ctx, v, why) : spec->apply(ctx, id, v, why);
}

static int apply_one(const es_cmd_spec *spec, void *ctx, const es_opt *o, const char *v,
                     const char *from_env) {
  es_opts_why why;
  why.msg[0] = '\0';
  if (!apply_value(spec, ctx, o->id, v, &why)) return 0;
  if (from_env) return es_opts_usage_error(spec, "%s='%s': %s", from_env, v, why.msg);
  if (!v) return es_opts_usage_error(spec, "--%s: %s", o->name, why.msg);
  return es_opts_usage_error(spec, "--%s '%s': %s", o->name, v, why.msg);
}

static int apply_env(const es_cmd_spec *spec, void *ctx, const unsigned char *seen) {
  size_t i;
  int rc;
  for (i = 0; i < spec->nopts; i++) {
    const es_opt *o = &spec->opts[i];
    const char *v = o->env && o->arg && !seen[i] ? getenv(o->env) : NULL;
    if (v && *v && (rc = apply_one(spec, ctx, o, v, o->env))) return rc;
  }
  return ES_OPTS_RUN;
}

static int run_getopt(const es_cmd_spec *spec, void *ctx, int argc, char **argv, struct option *lo,
                      const char *shorts, unsigned char *seen) {
  int c, rc;
  optind = 0; /* glibc: start over, whatever an earlier parse left behind */
  opterr = 0;
  while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
    const es_opt *o;
    if (c == 'h') {
      es_opts_help(spec, stdout);
      return ES_OPTS_DONE;
    }
    if (c == '?' || c == ':') return getopt_error(spec, c, argv);
    if (!(o = by_val(spec, c)))
      return es_opts_usage_error(spec, "unknown option '%s'", argv[optind - 1]);
    seen[o - spec->opts] = 1;
    if ((rc = apply_one(spec, ctx, o, o->arg ? optarg : NULL, NULL))) return rc;
  }
  return ES_OPTS_RUN;
}

int es_opts_parse(const es_cmd_spec *spec, void *ctx, int argc, char **argv, char ***args,
                  int *nargs) {
  struct option *lo = NULL;
  unsigned char seen[64] = {0};
  char shorts[160];
  int rc;
  if (nargs) *nargs = 0;
  if (spec->nopts > sizeof(seen)) return es_opts_usage_error(spec, "too many options (a bug)");
  if ((rc = check_long_names(spec, argc, argv))) return rc;
  if (build(spec, &lo, shorts, sizeof(shorts))) return es_opts_usage_error(spec, "out of memory");
  rc = run_getopt(spec, ctx, argc, argv, lo, shorts, seen);
  free(lo);
  if (rc) return rc;
  if (argc - optind > spec->max_args)
    return es_opts_usage_error(spec, "unexpected argument '%s'", argv[optind + spec->max_args]);
  if (args) *args = argv + optind;
  if (nargs) *nargs = argc - optind;
  return apply_env(spec, ctx, seen);
}
