/* log.c - the ingest_log record a logging backend's stream keeps: one home for its fields,
   their copy at begin(), the counts stage() adds up and the numbers the row stores; and the
   begin() such backends share. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/backends.h"

int es_store_log_init(es_store_log *l, const es_stream_info *info, es_error *err) {
  memset(l, 0, sizeof(*l));
  l->domain = info->domain;
  l->dim = info->dim;
  l->started_at = info->started_at;
  l->file_name = strdup(info->file_name ? info->file_name : "");
  l->client = info->client ? strdup(info->client) : NULL;
  if (!l->file_name || (info->client && !l->client))
    return es_err_set(err, ES_ENOMEM, "out of memory");
  return 0;
}

void es_store_log_free(es_store_log *l) {
  free(l->file_name);
  free(l->client);
  l->file_name = l->client = NULL;
}

int es_store_log_check(const es_store_log *l, const es_chunk *c, es_error *err) {
  if (c->domain == l->domain) return 0;
  return es_err_set(err, ES_EINTERNAL, "chunk of domain %s staged into a %s stream",
                    c->domain ? c->domain->name : "(none)", l->domain->name);
}

void es_store_log_staged(es_store_log *l, const es_chunk *c) {
  l->rows += c->nrows;
  l->chunks++;
}

int es_store_log_dim_mismatch(const es_store_log *l, int32_t have, es_error *err) {
  return es_err_set(err, ES_EPRECOND, "table %s holds %d-d vectors, stream declares %d",
                    l->domain->name, (int)have, (int)l->dim);
}

void es_store_log_fill_row(const es_store_log *l, const es_stream_totals *tot,
                           es_store_log_row *out) {
  out->rows = tot ? tot->rows : l->rows;
  out->chunks = tot ? tot->chunks : l->chunks;
  out->finished = es_clock_wall();
  out->started = l->started_at > 0 ? l->started_at : out->finished;
}

int es_store_txn_begin(es_store *st, const es_stream_info *info, const es_store_txn_kind *kind,
                       es_txn **out, es_error *err) {
  void *p;
  int rc;
  *out = NULL;
  if ((rc = es_store_txn_new(st, info, kind->size, kind->methods, &p, err))) return rc;
  if ((rc = es_store_log_init((es_store_log *)(void *)((char *)p + kind->log_off), info, err)) ||
      (rc = kind->open(p, err))) {
    kind->free(p);
    return rc;
  }
  *out = p;
  return 0;
}
