/* page.h - a page header (Thrift PageHeader with its data, dictionary or v2 part), checked
   against the column chunk it lies in before the reader allocates or decompresses anything. */
#ifndef ES_PQ_PAGE_H
#define ES_PQ_PAGE_H

#include <stdint.h>

#include "core/error.h"

/* No writer makes pages this big (they aim at 1 MiB); a header claiming more is refused before
   anything is allocated for it. */
#define ES_PQ_PAGE_MAX ((uint32_t)256 << 20)

typedef struct es_pq_page {
  int32_t type;                /* PageType */
  uint32_t usize, csize;       /* uncompressed and compressed size of what follows the header */
  int32_t num_values;          /* levels (data pages) or entries (dictionary pages) */
  int32_t encoding;            /* of the values */
  int32_t def_enc, rep_enc;    /* v1: of the levels */
  int32_t num_nulls, num_rows; /* v2 */
  uint32_t def_len, rep_len;   /* v2: level bytes, stored uncompressed in front of the values */
  int compressed;              /* v2: whether the values are compressed (is_compressed) */
  uint64_t off;                /* the header's offset in the file */
  uint64_t body;               /* the offset of the bytes after it */
} es_pq_page;

/* Decodes the header at file offset at; its page must end by end (the chunk's end). */
int es_pq_page_read(const uint8_t *file, uint64_t at, uint64_t end, es_pq_page *pg, es_error *err);

#endif
