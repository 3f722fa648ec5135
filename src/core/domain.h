/* domain.h - the three data domains of the spec, described once for every module. */
#ifndef ES_DOMAIN_H
#define ES_DOMAIN_H

#include <stddef.h>

typedef enum { ES_T_TEXT, ES_T_INT, ES_T_STRLIST, ES_T_VECTOR } es_type;

enum {
  ES_F_KEY = 1,      /* primary key: upserts go by it */
  ES_F_UUID = 2,     /* must be a UUID; stored lowercase */
  ES_F_NONEMPTY = 4, /* must not be empty */
  ES_F_NONNEG = 8    /* integer must not be negative */
};

typedef struct es_field {
  const char *name; /* the proto field name, also the column name */
  es_type type;
  unsigned flags;
  /* Filled from protobuf-c's descriptor at first use: where the field sits in the row struct. */
  unsigned pb_offset, pb_qoffset;
} es_field;

typedef struct es_domain {
  const char *name; /* "recruit": domain, table and oneof prefix ("recruit_chunk") */
  int chunk_case;   /* oneof case of IngestDataRequest.chunk_data: 2, 3, 4 */
  int default_dim;  /* 384 or 768, as in the spec */
  size_t nfields;
  es_field *fields;     /* in proto order */
  size_t key;           /* index of the ES_F_KEY field */
  size_t vector;        /* index of the vector field */
  const void *pb_row;   /* ProtobufCMessageDescriptor of the row message */
  const void *pb_chunk; /* ... of the chunk message */
} es_domain;

extern const es_domain *const es_domains[];
extern const size_t es_domain_count;

const es_domain *es_domain_find(const char *name);               /* NULL if unknown */
const es_domain *es_domain_by_case(int chunk_case);              /* NULL if unknown */
int es_domain_field_index(const es_domain *d, const char *name); /* -1 if none */
/* "recruit, candidate, skill_embedding_dic" for messages and --help. */
const char *es_domain_names(void);

#endif
