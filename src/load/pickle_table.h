/* pickle_table.h - a pickled DataFrame, dict of lists or list of dicts seen as rows x domain fields. */
#ifndef ES_PICKLE_TABLE_H
#define ES_PICKLE_TABLE_H

#include <stdint.h>

#include "core/domain.h"
#include "core/error.h"
#include "core/limits.h"
#include "load/pickle_vm.h"


/* Where one field's cells come from. */
typedef enum {
  ES_PC_ARRAY,  /* element r of a 1-D array, or (k, r) of a pandas block (numeric, str or object) */
  ES_PC_LIST,   /* item r of a Python list or tuple */
  ES_PC_CAT,    /* pandas Categorical: categories[codes[r]], code -1 is missing */
  ES_PC_MASKED, /* pandas IntegerArray: data[r] unless mask[r] */
  ES_PC_VCOLS,  /* vector from numeric columns vector_0, vector_1, ... */
  ES_PC_ROWS2D, /* vector: row r of a 2-D numeric array of shape (rows, dim) */
  ES_PC_DICTS   /* list of dicts: the row's dict under the field's name */
} es_pcol_kind;

typedef struct es_pref {
  const es_parray *a;
  uint64_t k;      /* row of a 2-D pandas block, which holds one column */
  int block;       /* 1: element r is (k, r); 0: element r of a 1-D array */
} es_pref;

typedef struct es_pcol {
  int kind;
  es_pref ref;             /* ARRAY, CAT codes, MASKED data, ROWS2D */
  es_pref aux;             /* CAT categories (1-D), MASKED mask */
  const es_pval *items;    /* LIST over a tuple */
  const es_plist *list;    /* LIST over a list, DICTS over the row list */
  es_pref *comps;          /* VCOLS: one per vector component ... */
  size_t ncomps;
  const uint8_t **cbase;   /* ... component j of row r at cbase[j] + r * cstride[j] */
  uint64_t *cstride;
  const es_pdtype *cdt;    /* the components' dtype when they all share one, else NULL */
} es_pcol;

typedef struct es_ptable {
  uint64_t nrows;
  size_t nfields;
  size_t key, vector; /* a row dict must have these two keys (as a JSONL object must) */
  const char *names[ES_MAX_FIELDS];
  es_pcol cols[ES_MAX_FIELDS]; /* in the domain's field order */
} es_ptable;

/* Interprets vm->root for domain d. ES_EINVAL naming the shape or column that does not fit. */
int es_ptable_build(es_pvm *vm, const es_domain *d, es_ptable *t, es_error *err);
void es_ptable_free(es_ptable *t);

/* One cell, before it is converted to the field's type. */
typedef enum { ES_CELL_VAL, ES_CELL_NUM, ES_CELL_MISSING, ES_CELL_STRIDED, ES_CELL_GATHER } es_pcell_kind;

typedef struct es_pcell {
  int kind;
  es_pval v;                /* VAL */
  const es_pdtype *dt;      /* NUM: one element at p; STRIDED: n elements every stride bytes */
  const uint8_t *p;
  uint64_t n, stride;
  const es_pcol *col;       /* GATHER: vector components of row */
  uint64_t row;
} es_pcell;

/* Cell of field f in row r (r < nrows); ES_EINVAL for a cell the shape cannot give. */
int es_ptable_cell(const es_ptable *t, size_t f, uint64_t r, es_pcell *out, es_error *err);
/* File addresses row r of field f reads (one per vector component for VCOLS); the loader drops
   the pages behind them. Returns how many were written to out (at most max). */
size_t es_ptable_addrs(const es_ptable *t, size_t f, uint64_t r, const uint8_t **out, size_t max);

#endif
