/* schema.c - walks the footer's depth-first schema into top-level columns and leaves, matches the
   columns to the domain's fields (load/columns.h), and works out each field's shape: a flat
   column, or a list in the standard 3-level form or a legacy 2- or 1-level form. */
#include "load/parquet/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/columns.h"
#include "load/parquet/fail.h"
#include "load/parquet/names.h"

/* Walks the tree: each top-level column's element and first leaf, and each leaf's type. */
static int walk(const es_pq_footer *f, es_pq_schema *s, uint32_t *top, uint32_t *top_leaf,
                es_error *err) {
  uint32_t rem[ES_PQ_NEST_MAX], depth = 1, i = 1, ntop = 0;
  rem[0] = (uint32_t)f->schema[0].num_children;
  while (depth > 0) {
    const es_pq_selem *e;
    if (rem[depth - 1] == 0) {
      depth--;
      continue;
    }
    if (i == f->nschema)
      return es_pq_fail(err, f->schema[i - 1].off, "the schema ends inside a group");
    e = &f->schema[i];
    rem[depth - 1]--;
    if (depth == 1) {
      top[ntop] = i;
      top_leaf[ntop++] = s->nleaves;
    }
    if (e->num_children == 0) {
      if (e->type < 0) return es_pq_fail(err, e->off, "a schema leaf without a type");
      s->leaf_type[s->nleaves++] = e->type;
    } else {
      if (depth == ES_PQ_NEST_MAX)
        return es_pq_fail(err, e->off, "the schema nests more than %d deep", ES_PQ_NEST_MAX);
      rem[depth++] = (uint32_t)e->num_children;
    }
    i++;
  }
  if (i != f->nschema)
    return es_pq_fail(err, f->schema[i].off, "schema elements after the end of the tree");
  return 0;
}

/* What the leaf holds, for messages: "DECIMAL INT64", "BYTE_ARRAY". */
static void describe(const es_pq_selem *e, char *out, size_t cap) {
  char b1[48], b2[48];
  const char *ann = e->logical          ? es_pq_logical_name(e->logical, b1, sizeof(b1))
                    : e->converted >= 0 ? es_pq_converted_name(e->converted, b1, sizeof(b1))
                                        : NULL;
  snprintf(out, cap, "%s%s%s", ann ? ann : "", ann ? " " : "",
           es_pq_type_name(e->type, b2, sizeof(b2)));
}

static int is_text(const es_pq_selem *e) {
  int lt = e->logical, ct = e->converted;
  return e->type == ES_PQ_BYTE_ARRAY &&
         (lt == 0 || lt == ES_PQ_LT_STRING || lt == ES_PQ_LT_ENUM || lt == ES_PQ_LT_JSON) &&
         (ct < 0 || ct == ES_PQ_CT_UTF8 || ct == ES_PQ_CT_ENUM || ct == ES_PQ_CT_JSON);
}

static int is_int(const es_pq_selem *e, int *is_unsigned) {
  int lt = e->logical, ct = e->converted;
  if (e->type == ES_PQ_FLOAT || e->type == ES_PQ_DOUBLE) return lt == 0 && ct < 0;
  if (e->type != ES_PQ_INT32 && e->type != ES_PQ_INT64) return 0;
  if (lt != 0 && lt != ES_PQ_LT_INTEGER) return 0;
  if (ct >= 0 && !(ct >= ES_PQ_CT_UINT_8 && ct <= ES_PQ_CT_INT_64)) return 0;
  *is_unsigned = (lt == ES_PQ_LT_INTEGER && !e->int_signed) ||
                 (ct >= ES_PQ_CT_UINT_8 && ct <= ES_PQ_CT_UINT_64);
  return 1;
}

static int check_type(const es_pq_selem *leaf, es_pq_colspec *c, const char *path, es_error *err) {
  const char *want;
  char what[128];
  int ok;
  switch (c->ftype) {
  case ES_T_TEXT:
    want = "text (BYTE_ARRAY, STRING)";
    ok = is_text(leaf);
    break;
  case ES_T_STRLIST:
    want = "a list of text (BYTE_ARRAY, STRING)";
    ok = is_text(leaf);
    break;
  case ES_T_INT:
    want = "integers (INT32 or INT64)";
    ok = is_int(leaf, &c->is_unsigned);
    break;
  default:
    want = "a list of FLOAT or DOUBLE";
    ok = (leaf->type == ES_PQ_FLOAT || leaf->type == ES_PQ_DOUBLE) && leaf->logical == 0 &&
         leaf->converted < 0;
  }
  if (ok) return 0;
  describe(leaf, what, sizeof(what));
  return es_err_set(err, ES_EINVAL, "%s: byte %llu: column '%s' holds %s%s; the field takes %s",
                    path, (unsigned long long)leaf->off, c->name, c->list ? "lists of " : "", what,
                    want);
}

static int nullable(const es_pq_selem *e) { return e->repetition != ES_PQ_REQUIRED; }

static int refuse(const es_pq_selem *e, const es_pq_colspec *c, const char *path, const char *why,
                  es_error *err) {
  return es_err_set(err, ES_EINVAL, "%s: byte %llu: column '%s' is %s", path,
                    (unsigned long long)e->off, c->name, why);
}

/* A group column must be a list: one repeated child, itself the element (2-level, legacy) or a
   group around one element (3-level; also the legacy "array"/"_tuple" forms, which read alike). */
static int list_shape(const es_pq_footer *f, uint32_t at, es_pq_colspec *c, const char *path,
                      const es_pq_selem **leaf, es_error *err) {
  const es_pq_selem *e = &f->schema[at], *r = &f->schema[at + 1], *l;
  if (e->repetition < 0 || r->repetition < 0)
    return refuse(e, c, path, "without a repetition type", err);
  if (e->converted == ES_PQ_CT_MAP || e->converted == ES_PQ_CT_MAP_KEY_VALUE ||
      e->logical == ES_PQ_LT_MAP)
    return refuse(e, c, path, "a MAP, not a list", err);
  if (e->repetition == ES_PQ_REPEATED)
    return refuse(e, c, path, "a repeated group (a list of structs)", err);
  if (e->num_children != 1 || r->repetition != ES_PQ_REPEATED)
    return refuse(e, c, path, "a struct, not a list", err);
  c->list = 1;
  c->max_rep = 1;
  c->def_elem = nullable(e) + 1;
  if (r->num_children == 0) {
    *leaf = r;
    c->max_def = c->def_elem;
    return 0;
  }
  l = &f->schema[at + 2];
  if (r->num_children != 1 || l->num_children != 0 || l->repetition == ES_PQ_REPEATED)
    return refuse(e, c, path, "a list of structs or of lists", err);
  *leaf = l;
  c->max_def = c->def_elem + nullable(l);
  return 0;
}

static int shape(const es_pq_footer *f, uint32_t at, es_pq_colspec *c, const char *path,
                 es_error *err) {
  const es_pq_selem *e = &f->schema[at], *leaf = e;
  int rc;
  if (e->num_children) {
    if ((rc = list_shape(f, at, c, path, &leaf, err))) return rc;
  } else if (e->repetition == ES_PQ_REPEATED) { /* 1-level legacy list: the column repeats */
    c->list = c->max_rep = c->max_def = c->def_elem = 1;
  } else {
    c->max_def = nullable(e);
  }
  if (c->list != (c->ftype == ES_T_VECTOR || c->ftype == ES_T_STRLIST))
    return refuse(
        e, c, path,
        c->list ? "a list; the field takes one value" : "not a list; the field takes a list", err);
  if (leaf->repetition < 0) return refuse(leaf, c, path, "without a repetition type", err);
  c->type = leaf->type;
  c->type_length = leaf->type_length;
  c->off = leaf->off;
  return check_type(leaf, c, path, err);
}

static int alloc(const es_pq_footer *f, es_pq_schema *s, uint32_t **top, uint32_t **top_leaf,
                 es_colname **names, int **col_field, es_error *err) {
  uint32_t n = (uint32_t)f->schema[0].num_children, m = f->nschema;
  if (n > m - 1)
    return es_pq_fail(err, f->schema[0].off, "a root with %u columns in a schema of %u elements", n,
                      m);
  s->leaf_type = malloc(m * sizeof(*s->leaf_type));
  s->slot = malloc(m * sizeof(*s->slot));
  *top = malloc((n + 1) * sizeof(**top));
  *top_leaf = malloc((n + 1) * sizeof(**top_leaf));
  *names = malloc((n + 1) * sizeof(**names));
  *col_field = malloc((n + 1) * sizeof(**col_field));
  if (!s->leaf_type || !s->slot || !*top || !*top_leaf || !*names || !*col_field)
    return es_pq_oom(err);
  return 0;
}

int es_pq_schema_map(const es_pq_footer *f, const es_domain *d, const char *path,
                     int ignore_unknown, es_pq_schema *s, es_error *err) {
  uint32_t *top = NULL, *top_leaf = NULL, ntop, k, i;
  es_colname *names = NULL;
  int *col_field = NULL, rc;
  memset(s, 0, sizeof(*s));
  /* es_columns_match and the shape checks name the file themselves; these do not. */
  if ((rc = alloc(f, s, &top, &top_leaf, &names, &col_field, err)) ||
      (rc = walk(f, s, top, top_leaf, err))) {
    es_err_prefix(err, "%s: ", path);
    goto done;
  }
  ntop = (uint32_t)f->schema[0].num_children;
  for (i = 0; i < s->nleaves; i++) s->slot[i] = -1;
  for (k = 0; k < ntop; k++) {
    names[k].s = (const char *)f->schema[top[k]].name;
    names[k].n = f->schema[top[k]].name_len;
  }
  if ((rc = es_columns_match(d, path, names, ntop, ignore_unknown, col_field, err))) goto done;
  for (k = 0; k < ntop; k++) {
    es_pq_colspec *c;
    if (col_field[k] < 0) continue; /* dropped: never read */
    c = &s->cols[col_field[k]];
    c->name = d->fields[col_field[k]].name;
    c->ftype = d->fields[col_field[k]].type;
    c->leaf = top_leaf[k];
    if ((rc = shape(f, top[k], c, path, err))) goto done;
    s->slot[c->leaf] = col_field[k];
  }
done:
  free(top);
  free(top_leaf);
  free(names);
  free(col_field);
  if (rc) es_pq_schema_free(s);
  return rc;
}

void es_pq_schema_free(es_pq_schema *s) {
  free(s->leaf_type);
  free(s->slot);
  s->leaf_type = NULL;
  s->slot = NULL;
}
