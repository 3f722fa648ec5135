/* wiretext.c - string fields checked on the wire: protobuf-c decodes a string into a char *, so a
   NUL inside would silently cut it and it passes bytes that are not UTF-8; here every string is
   checked where it lies in the message, its length known, before anyone reads it as a C string.
   Only the framing is read here, with protobuf-c's descriptors telling what each field is;
   decoding stays protobuf-c's. */
#include "core/wiretext.h"

#include "core/validate.h"

/* Occurrences counted per field, by the field's index in its descriptor (ours have at most 6). */
#define COUNTED_FIELDS 16

/* A varint as protobuf-c reads one (at most 10 bytes); 0 when the input ends inside it. */
static int get_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v) {
  uint64_t r = 0;
  unsigned shift;
  for (shift = 0; shift < 70 && *off < len; shift += 7) {
    uint8_t b = p[(*off)++];
    if (shift < 64) r |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return 1;
    }
  }
  return 0;
}

static int skip(size_t len, size_t *off, uint64_t n) {
  if (n > len - *off) return 0;
  *off += (size_t)n;
  return 1;
}

static int walk(const ProtobufCMessageDescriptor *md, const uint8_t *p, size_t len, size_t depth,
                es_wiretext_bad *bad);

/* One length-delimited field (data at p[off..off+n)): a string checked, a message walked. */
static int on_field(const ProtobufCFieldDescriptor *f, size_t item, const uint8_t *p, size_t n,
                    size_t depth, es_wiretext_bad *bad) {
  int rc = 0;
  if (f->type == PROTOBUF_C_TYPE_STRING) {
    es_text_verdict v = es_text_check((const char *)p, n, &bad->at);
    if (v == ES_TEXT_OK) return 0;
    bad->nul = v == ES_TEXT_NUL;
    bad->depth = depth + 1;
    rc = 1;
  } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
    if (depth + 1 >= ES_WIRETEXT_DEPTH) return -1; /* deeper than any message we take */
    rc = walk(f->descriptor, p, n, depth + 1, bad);
  }
  if (rc == 1) {
    bad->path[depth].field = f;
    bad->path[depth].item = item;
  }
  return rc;
}

static int walk(const ProtobufCMessageDescriptor *md, const uint8_t *p, size_t len, size_t depth,
                es_wiretext_bad *bad) {
  size_t counts[COUNTED_FIELDS] = {0}, off = 0;
  while (off < len) {
    uint64_t key, n;
    const ProtobufCFieldDescriptor *f;
    if (!get_varint(p, len, &off, &key)) return -1;
    switch (key & 7) {
    case 0:
      if (!get_varint(p, len, &off, &n)) return -1;
      break;
    case 1:
      if (!skip(len, &off, 8)) return -1;
      break;
    case 5:
      if (!skip(len, &off, 4)) return -1;
      break;
    case 2: {
      size_t idx, item = 0;
      int rc;
      if (!get_varint(p, len, &off, &n) || n > len - off) return -1;
      f = key >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(md, (unsigned)(key >> 3))
                                 : NULL;
      if (f) {
        idx = (size_t)(f - md->fields);
        if (idx < COUNTED_FIELDS) item = counts[idx]++;
        if ((rc = on_field(f, item, p + off, (size_t)n, depth, bad))) return rc;
      }
      off += (size_t)n;
      break;
    }
    default: return -1; /* groups: protobuf-c refuses them */
    }
  }
  return 0;
}

int es_wiretext_check(const ProtobufCMessageDescriptor *md, const uint8_t *data, size_t len,
                      es_wiretext_bad *bad) {
  bad->depth = 0;
  return walk(md, data, len, 0, bad);
}

int es_wiretext_err(const es_wiretext_bad *bad, es_error *err) {
  const es_wiretext_step *s = &bad->path[bad->depth ? bad->depth - 1 : 0];
  const char *what = bad->nul ? "contains a NUL byte" : "is not valid UTF-8";
  if (!bad->depth) return es_err_set(err, ES_EINVAL, "a string field %s", what);
  if (s->field->label == PROTOBUF_C_LABEL_REPEATED)
    return es_err_set(err, ES_EINVAL, "field '%s': item %zu %s (byte %zu)", s->field->name, s->item,
                      what, bad->at);
  return es_err_set(err, ES_EINVAL, "field '%s': %s (byte %zu)", s->field->name, what, bad->at);
}
