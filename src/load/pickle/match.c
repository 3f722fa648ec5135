/* match.c - a pickle's column names held against the domain: labels spelled out, dict keys mapped.
 */
#include "load/pickle/match.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/pickle/fail.h"

es_colname es_pkl_colname(const es_pkl_val *v, char *buf) {
  es_colname c = {buf, 0};
  double f;
  if (v->tag == ES_PKL_V_STR) {
    c.s = v->u.s;
    c.n = v->len;
    return c;
  }
  if (v->tag == ES_PKL_V_INT)
    snprintf(buf, ES_PKL_COLNAME_BUF, "%" PRId64, v->u.i);
  else if (v->tag == ES_PKL_V_BOOL)
    snprintf(buf, ES_PKL_COLNAME_BUF, "%s", v->u.i ? "True" : "False");
  else if (v->tag == ES_PKL_V_NONE)
    snprintf(buf, ES_PKL_COLNAME_BUF, "None");
  else if (!es_pkl_val_number(v, &f))
    snprintf(buf, ES_PKL_COLNAME_BUF, "%g", f);
  else
    snprintf(buf, ES_PKL_COLNAME_BUF, "(%s)", es_pkl_val_type(v));
  c.n = strlen(buf);
  return c;
}

/* Dicts of up to this many keys are matched without an allocation. */
#define SMALL 16

int es_pkl_match_dict(const es_domain *d, int ignore_unknown, es_pkl_dict *dict, const char *where,
                      es_error *err) {
  es_colname small_names[SMALL], *names = small_names;
  int small_field[SMALL], *field = small_field;
  char small_txt[SMALL][ES_PKL_COLNAME_BUF], (*txt)[ES_PKL_COLNAME_BUF] = small_txt;
  int64_t *fmap = NULL;
  size_t i;
  int rc = 0;
  if (dict->fmap) return 0;
  /* A spelled-out name is the largest of the three per-key items, so this bounds them all. */
  if (dict->n > SIZE_MAX / sizeof(*txt)) return es_pkl_no_memory(err);
  if (dict->n > SMALL) {
    names = malloc(dict->n * sizeof(*names));
    field = malloc(dict->n * sizeof(*field));
    txt = malloc(dict->n * sizeof(*txt));
  }
  if (!names || !field || !txt || !(fmap = malloc(d->nfields * sizeof(*fmap)))) {
    rc = es_pkl_no_memory(err);
    goto done;
  }
  for (i = 0; i < dict->n; i++) names[i] = es_pkl_colname(&dict->kv[2 * i], txt[i]);
  if ((rc = es_columns_match(d, where, names, dict->n, ignore_unknown, field, err))) goto done;
  for (i = 0; i < d->nfields; i++) fmap[i] = -1;
  for (i = 0; i < dict->n; i++)
    if (field[i] >= 0) fmap[field[i]] = (int64_t)i;
  dict->fmap = fmap;
  fmap = NULL;
done:
  if (names != small_names) free(names);
  if (field != small_field) free(field);
  if (txt != small_txt) free(txt);
  free(fmap);
  return rc;
}
