/* footer.h - a Parquet file's frame (PAR1 ... footer length, PAR1) and its FileMetaData: the
   schema decoded, the row groups located (read one at a time by rowgroup.h). */
#ifndef ES_PQ_FOOTER_H
#define ES_PQ_FOOTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* A footer bigger than this is not an embedding dataset's, and its schema would cost memory in
   proportion; nor are more schema elements (columns and their groups). */
#define ES_PQ_FOOTER_MAX ((uint32_t)64 << 20)
#define ES_PQ_SCHEMA_MAX 65536u

/* One SchemaElement, with what the reader uses of it. */
typedef struct es_pq_selem {
  const uint8_t *name; /* in the file, not NUL-terminated */
  uint32_t name_len;
  int32_t type; /* physical Type, -1 for a group */
  int32_t type_length;
  int32_t repetition;           /* FieldRepetitionType, -1 when absent */
  int32_t num_children;         /* 0 for a leaf */
  int32_t converted;            /* ConvertedType, -1 when absent */
  int32_t logical;              /* the LogicalType union's member, 0 when absent */
  int32_t int_bits, int_signed; /* LogicalType INTEGER's parameters */
  uint64_t off;                 /* where it starts in the file, for messages */
} es_pq_selem;

typedef struct es_pq_footer {
  const uint8_t *file;
  size_t len;
  uint64_t data_end; /* first byte of the footer: column data lies in [4, data_end) */
  int64_t num_rows;
  es_pq_selem *schema; /* depth-first, the root first */
  uint32_t nschema;
  const uint8_t *row_groups; /* the row_groups list's header, NULL when absent */
  const uint8_t *end;        /* end of the FileMetaData bytes */
  uint32_t nrow_groups;
} es_pq_footer;

/* Checks the frame and decodes the FileMetaData of file[0, len). Refuses an encrypted file, a
   footer over ES_PQ_FOOTER_MAX and a schema over ES_PQ_SCHEMA_MAX elements. */
int es_pq_footer_read(const uint8_t *file, size_t len, es_pq_footer *f, es_error *err);
void es_pq_footer_free(es_pq_footer *f);

#endif
