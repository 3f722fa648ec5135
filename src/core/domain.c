/* domain.c - field tables for recruit, candidate and skill_embedding_dic, tied to protobuf-c. */
#include "core/domain.h"

#include <pthread.h>
#include <string.h>

#include "embedding_stream.pb-c.h"

#define FIELD(n, t, f) \
  { .name = (n), .type = (t), .flags = (f) }

static es_field recruit_fields[] = {
    FIELD("id", ES_T_TEXT, ES_F_KEY | ES_F_UUID), FIELD("company_name", ES_T_TEXT, 0),
    FIELD("exp_years", ES_T_INT, ES_F_NONNEG),    FIELD("english_level", ES_T_TEXT, 0),
    FIELD("primary_keyword", ES_T_TEXT, 0),       FIELD("vector", ES_T_VECTOR, 0),
};

static es_field candidate_fields[] = {
    FIELD("candidate_id", ES_T_TEXT, ES_F_KEY | ES_F_UUID),
    FIELD("position_category", ES_T_TEXT, 0),
    FIELD("experience_years", ES_T_INT, ES_F_NONNEG),
    FIELD("original_resume", ES_T_TEXT, 0),
    FIELD("skills", ES_T_STRLIST, 0),
    FIELD("vector", ES_T_VECTOR, 0),
};

static es_field skill_fields[] = {
    FIELD("skill", ES_T_TEXT, ES_F_KEY | ES_F_NONEMPTY),
    FIELD("position_category", ES_T_TEXT, 0),
    FIELD("vector", ES_T_VECTOR, 0),
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static es_domain recruit = {
    .name = "recruit",
    .chunk_case = EMBEDDING__INGEST_DATA_REQUEST__CHUNK_DATA_RECRUIT_CHUNK,
    .default_dim = 384,
    .nfields = NFIELDS(recruit_fields),
    .fields = recruit_fields,
    .key = 0,
    .vector = 5,
    .pb_row = &embedding__recruit_row__descriptor,
    .pb_chunk = &embedding__recruit_row_chunk__descriptor,
};
static es_domain candidate = {
    .name = "candidate",
    .chunk_case = EMBEDDING__INGEST_DATA_REQUEST__CHUNK_DATA_CANDIDATE_CHUNK,
    .default_dim = 768,
    .nfields = NFIELDS(candidate_fields),
    .fields = candidate_fields,
    .key = 0,
    .vector = 5,
    .pb_row = &embedding__candidate_row__descriptor,
    .pb_chunk = &embedding__candidate_row_chunk__descriptor,
};
static es_domain skill = {
    .name = "skill_embedding_dic",
    .chunk_case = EMBEDDING__INGEST_DATA_REQUEST__CHUNK_DATA_SKILL_EMBEDDING_DIC_CHUNK,
    .default_dim = 768,
    .nfields = NFIELDS(skill_fields),
    .fields = skill_fields,
    .key = 0,
    .vector = 2,
    .pb_row = &embedding__skill_embedding_dic_row__descriptor,
    .pb_chunk = &embedding__skill_embedding_dic_row_chunk__descriptor,
};

const es_domain *const es_domains[] = {&recruit, &candidate, &skill};
const size_t es_domain_count = sizeof(es_domains) / sizeof(es_domains[0]);

/* Offsets come from protobuf-c's own descriptors, so the tables above cannot drift from the
   generated structs: a renamed field makes this lookup fail loudly in the unit tests. */
static void bind_offsets(es_domain *d) {
  const ProtobufCMessageDescriptor *md = d->pb_row;
  size_t i;
  for (i = 0; i < d->nfields; i++) {
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(md, d->fields[i].name);
    if (!f) continue;
    d->fields[i].pb_offset = f->offset;
    d->fields[i].pb_qoffset = f->quantifier_offset;
  }
}

static void bind_all(void) {
  bind_offsets(&recruit);
  bind_offsets(&candidate);
  bind_offsets(&skill);
}

static void init_once(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, bind_all);
}

const es_domain *es_domain_find(const char *name) {
  size_t i;
  init_once();
  if (!name) return NULL;
  for (i = 0; i < es_domain_count; i++)
    if (!strcmp(es_domains[i]->name, name)) return es_domains[i];
  return NULL;
}

const es_domain *es_domain_by_case(int chunk_case) {
  size_t i;
  init_once();
  for (i = 0; i < es_domain_count; i++)
    if (es_domains[i]->chunk_case == chunk_case) return es_domains[i];
  return NULL;
}

int es_domain_field_index(const es_domain *d, const char *name) {
  size_t i;
  for (i = 0; i < d->nfields; i++)
    if (!strcmp(d->fields[i].name, name)) return (int)i;
  return -1;
}

const char *es_domain_names(void) { return "recruit, candidate, skill_embedding_dic"; }
