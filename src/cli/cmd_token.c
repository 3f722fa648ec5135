/* cmd_token.c - `embedstream token new NAME`: a random 256-bit token whose hash goes into a token
   file (created 0600); the token itself is printed once and kept nowhere. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/tokens.h"
#include "cli/cli.h"
#include "cli/opts.h"

enum { O_DOMAINS, O_TOKENS };

typedef struct token_cmd {
  const char *file;
  uint32_t domains;
} token_cmd;

static const es_opt opts[] = {
    {O_DOMAINS, "domains", 0, "D,...",
     "the domains the token may ingest into, comma separated\n(default: all of them)", NULL},
    {O_TOKENS, "tokens", 0, "FILE", "the token file to add the token's line to (required)",
     "EMBEDSTREAM_TOKENS"},
};

static int apply(void *ctx, int id, const char *v, es_opts_why *why) {
  token_cmd *t = ctx;
  es_error err;
  switch (id) {
  case O_DOMAINS:
    if (es_tokens_parse_domains(v, strlen(v), &t->domains, &err))
      return es_opts_bad(why, "%s", err.msg);
    return 0;
  case O_TOKENS: t->file = v; return 0;
  }
  return es_opts_bad(why, "unhandled option");
}

static const es_cmd_spec spec = {
    .name = "token",
    .synopsis = "new NAME [--domains D,...] --tokens FILE",
    .description =
        "Makes a random 256-bit token for the callers named NAME, appends the line\n"
        "`NAME SHA256HEX [DOMAINS]` to FILE (created with mode 0600) and prints the token\n"
        "once on stdout: FILE holds its hash only. `serve --tokens FILE` and\n"
        "`api --tokens FILE` take it after a SIGHUP (or a restart). NAME: 1..64 of\n"
        "A-Z a-z 0-9 . _ @ -; it names the caller in logs and in ingest_log.client.",
    ES_CMD_OPTS(opts),
    .examples =
        "embedstream token new ci-loader --tokens /etc/embedstream/tokens > ci-loader.token\n"
        "embedstream token new jobs-bot --domains recruit,skill_embedding_dic --tokens tokens\n"
        "EMBEDSTREAM_TOKEN=$(cat ci-loader.token) embedstream ingest -d recruit -f r.csv --tls",
    .footer =
        "Exit codes: 0 added, 1 could not write FILE, 2 usage error (a bad name or domain,\n"
        "a name FILE has already, FILE not a token file).",
    .max_args = 2,
    .apply = apply,
};

int es_cmd_token(int argc, char **argv) {
  token_cmd t = {NULL, ES_TOKENS_ALL_DOMAINS};
  char token[ES_TOKENS_TEXT];
  char **args = NULL;
  es_error err;
  int rc, nargs = 0;
  if ((rc = es_opts_parse(&spec, &t, argc, argv, &args, &nargs)))
    return rc == ES_OPTS_DONE ? ES_EXIT_OK : ES_EXIT_USAGE;
  if (nargs < 1 || strcmp(args[0], "new")) {
    es_opts_usage_error(&spec,
                        nargs ? "unknown action '%s' (expected: new)" : "expected: new NAME%s",
                        nargs ? args[0] : "");
    return ES_EXIT_USAGE;
  }
  if (nargs < 2) return es_opts_usage_error(&spec, "new: expected the token's NAME"), ES_EXIT_USAGE;
  if (!t.file) return es_opts_usage_error(&spec, "--tokens FILE is required"), ES_EXIT_USAGE;
  es_err_clear(&err);
  if ((rc = es_tokens_add(t.file, args[1], t.domains, token, &err))) {
    fprintf(stderr, "embedstream token: %s\n", err.msg);
    return rc == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAIL;
  }
  rc = printf("%s\n", token) < 0 || fflush(stdout) ? ES_EXIT_FAIL : ES_EXIT_OK;
  OPENSSL_cleanse(token, sizeof(token));
  fprintf(
      stderr,
      "embedstream token: added '%s' to %s; the token above is shown this once. A running server "
      "takes it on SIGHUP.\n",
      args[1], t.file);
  return rc;
}
