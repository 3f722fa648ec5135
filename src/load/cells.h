/* cells.h - turning one input value into a chunk field, with the rules every format shares
   (empty text is "", an empty int cell is an error, ints must be integral int32, text must be
   UTF-8 without NUL). */
#ifndef ES_CELLS_H
#define ES_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "core/error.h"
#include "load/json.h"

/* Fills err with "path:line:col: field 'name': <message>" (no field part when field is NULL)
   and returns ES_EINVAL. */
int es_load_fail(es_error *err, const char *path, uint64_t line, uint64_t col, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Copies text into the arena after checking it is UTF-8 without NUL bytes. NULL *why and
   ES_ENOMEM when out of memory; ES_EINVAL with *why otherwise. */
int es_cell_text(es_arena *a, const char *s, size_t n, char **out, const char **why);
/* Checks text already in place (e.g. decoded into the arena). */
int es_cell_check_text(const char *s, size_t n, const char **why);
/* An integer cell as pandas reads one: surrounding blanks allowed, "+4", "3.0" and "1e3"
   accepted as long as the value is integral and fits int32. An empty (or blank) cell is
   ES_EINVAL: there is no value to send, and 0 would overwrite a stored one. */
int es_cell_int(const char *s, size_t n, int32_t *out, const char **why);
/* A number already parsed (JSON, pickle) into an int32 field. */
int es_cell_int_from_double(double d, int32_t *out, const char **why);
/* Copies a parsed vector into the arena as the field's value. */
int es_cell_vector(es_arena *a, const es_fvec *v, es_value *val);

#endif
