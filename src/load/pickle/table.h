/* table.h - a pickled DataFrame, dict of lists or list of dicts seen as rows x domain fields. */
#ifndef ES_PKL_TABLE_H
#define ES_PKL_TABLE_H

#include <stdint.h>

#include "core/domain.h"
#include "core/error.h"
#include "core/limits.h"
#include "load/pickle/vm.h"

/* Where one field's cells come from. */
typedef enum {
  ES_PKL_C_ARRAY,  /* element r of a 1-D array, or (k, r) of a pandas block (numeric, str or object)
                    */
  ES_PKL_C_LIST,   /* item r of a Python list or tuple */
  ES_PKL_C_CAT,    /* pandas Categorical: categories[codes[r]], code -1 is missing */
  ES_PKL_C_MASKED, /* pandas IntegerArray: data[r] unless mask[r] */
  ES_PKL_C_VCOLS,  /* vector from numeric columns vector_0, vector_1, ... */
  ES_PKL_C_ROWS2D, /* vector: row r of a 2-D numeric array of shape (rows, dim) */
  ES_PKL_C_DICTS   /* list of dicts: the row's dict under the field's name */
} es_pkl_col_kind;

typedef struct es_pkl_ref {
  const es_pkl_array *a;
  uint64_t k; /* row of a 2-D pandas block, which holds one column */
  int block;  /* 1: element r is (k, r); 0: element r of a 1-D array */
} es_pkl_ref;

typedef struct es_pkl_col {
  int kind;
  es_pkl_ref ref;          /* ARRAY, CAT codes, MASKED data, ROWS2D */
  es_pkl_ref aux;          /* CAT categories (1-D), MASKED mask */
  const es_pkl_val *items; /* LIST over a tuple */
  const es_pkl_list *list; /* LIST over a list, DICTS over the row list */
  es_pkl_ref *comps;       /* VCOLS: one per vector component ... */
  size_t ncomps;
  const uint8_t **cbase; /* ... component j of row r at cbase[j] + r * cstride[j] */
  uint64_t *cstride;
  const es_pkl_dtype *cdt; /* the components' dtype when they all share one, else NULL */
} es_pkl_col;

typedef struct es_pkl_table {
  uint64_t nrows;
  size_t nfields;
  const es_domain *domain;
  int ignore_unknown; /* columns (and row dict keys) the domain does not have are dropped */
  int dict_rows;      /* a list of dicts: every row's dict has its fmap (es_pkl_match_dict) */
  es_pkl_col cols[ES_MAX_FIELDS]; /* in the domain's field order */
} es_pkl_table;

/* Interprets vm->root (the graph stays the vm's) for domain d, before any row is read: every
   field must have a column (a DataFrame's vector may be split over vector_0 .. vector_N, a key
   may be the row index) and, unless ignore_unknown, every column must be a field; for a list
   of dicts, the first row's keys are the columns and every other row must have the same fields.
   ES_EINVAL, the message starting with the file's name, naming the shape or all the columns
   that do not fit (and for a later row of dicts, "row index r: "). */
int es_pkl_table_build(es_pkl_vm *vm, const es_domain *d, int ignore_unknown, es_pkl_table *t,
                       es_error *err);
void es_pkl_table_free(es_pkl_table *t);

#endif
