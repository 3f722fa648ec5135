/* tokenset.h - a token file loaded once and read again on demand (SIGHUP), shared by threads.
   A reload that fails keeps the set it would have replaced: a half-edited file never locks
   everyone out, nor lets anyone in. */
#ifndef ES_AUTH_TOKENSET_H
#define ES_AUTH_TOKENSET_H

#include <stddef.h>

#include "auth/tokens.h"

typedef struct es_tokenset es_tokenset;

/* Reads path; an unreadable or malformed file is an error (ES_EINVAL, ES_ENOTFOUND, ES_EIO). */
int es_tokenset_open(const char *path, es_tokenset **out, es_error *err);
/* Reads the file again: 0 with the new tokens in force for every later check, or the error,
   with the tokens loaded before still in force. */
int es_tokenset_reload(es_tokenset *s, es_error *err);
/* SIGHUP in a server (serve, api): es_tokenset_reload, the outcome logged; s NULL (no --tokens)
   is logged as nothing to read. */
void es_tokenset_sighup(es_tokenset *s);
/* 0 with the matching entry copied into *who (its hash too), or -1 when no token matches. */
int es_tokenset_check(es_tokenset *s, const char *token, size_t n, es_token *who);
size_t es_tokenset_count(es_tokenset *s);
const char *es_tokenset_path(const es_tokenset *s);
void es_tokenset_free(es_tokenset *s);

#endif
