/* schema.h - a file's schema tree held against a domain: which leaf column feeds each field, in
   what shape (a flat value or a list) and with which definition and repetition levels. Columns
   follow load/columns.h's rules like every other format's. */
#ifndef ES_PQ_SCHEMA_H
#define ES_PQ_SCHEMA_H

#include <stdint.h>

#include "core/domain.h"
#include "core/error.h"
#include "core/limits.h"
#include "load/parquet/footer.h"

/* Groups nested deeper than this are not a table of flat columns and lists. */
#define ES_PQ_NEST_MAX 64

/* One domain field's column. */
typedef struct es_pq_colspec {
  const char *name; /* the field's (and column's) name */
  es_type ftype;    /* the field's type */
  uint32_t leaf;    /* leaf column: index of its chunk in every row group */
  int32_t type;     /* the leaf's physical type */
  int32_t type_length;
  int list;        /* a list column (vector, skills): levels say where rows start */
  int is_unsigned; /* an integer annotated as unsigned */
  int max_def, max_rep;
  int def_elem; /* a list: from this definition level on, a row has an element here */
  uint64_t off; /* the column's schema element, for messages */
} es_pq_colspec;

typedef struct es_pq_schema {
  es_pq_colspec cols[ES_MAX_FIELDS]; /* in the domain's field order */
  uint32_t nleaves;                  /* leaf columns in the file */
  int32_t *leaf_type;                /* each leaf's physical type */
  int *slot;                         /* each leaf's field index, or -1 when the reader skips it */
} es_pq_schema;

/* Maps the footer's schema onto d: refuses (ES_EINVAL, "PATH: ..." from es_columns_match) a
   missing column, an unknown one unless ignore_unknown, and a column whose shape or type the
   field cannot take, naming both. */
int es_pq_schema_map(const es_pq_footer *f, const es_domain *d, const char *path,
                     int ignore_unknown, es_pq_schema *s, es_error *err);
void es_pq_schema_free(es_pq_schema *s);

#endif
