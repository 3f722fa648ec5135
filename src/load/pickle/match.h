/* match.h - a pickle's column names (DataFrame labels, dict keys) held against the domain with
   load/columns.h, the rules every loader shares. */
#ifndef ES_PKL_MATCH_H
#define ES_PKL_MATCH_H

#include "core/domain.h"
#include "core/error.h"
#include "load/columns.h"
#include "load/pickle/graph.h"

/* Room es_pkl_colname may need to spell a label that is not a str. */
#define ES_PKL_COLNAME_BUF 32

/* A label or key as a column name: a str as it lies in the file, anything else spelled out in
   buf, ES_PKL_COLNAME_BUF bytes (an int as its digits, None, True, or the type in parentheses). */
es_colname es_pkl_colname(const es_pkl_val *v, char *buf);

/* Maps dict's keys to d's fields (dict->fmap, built once per dict object, so a dict shared by
   many rows is matched once). ES_EINVAL from es_columns_match, its message starting "where: ",
   when a field has no key or, unless ignore_unknown, a key is not a field. */
int es_pkl_match_dict(const es_domain *d, int ignore_unknown, es_pkl_dict *dict, const char *where,
                      es_error *err);

#endif
