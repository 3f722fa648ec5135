/* elem.h - NumPy elements and protocol 2 byte strings read straight from the file's bytes. */
#ifndef ES_PKL_ELEM_H
#define ES_PKL_ELEM_H

#include <stddef.h>
#include <stdint.h>

#include "load/pickle/graph.h"

/* Whether elements of this dtype are stored in the other byte order than this machine's. */
int es_pkl_elem_swapped(const es_pkl_dtype *dt);
/* Reads one numeric element ('f', 'i', 'u', 'b'): as a double, or as an exact integer.
   es_pkl_elem_int returns -1 for a float that is not integral or an unsigned value over
   INT64_MAX; a NaN gives 0 with *is_nan set. */
double es_pkl_elem_double(const es_pkl_dtype *dt, const uint8_t *p);
int es_pkl_elem_int(const es_pkl_dtype *dt, const uint8_t *p, int64_t *out, int *is_nan);
/* One element as float32, bit for bit when the element already is float32. */
float es_pkl_elem_float32(const es_pkl_dtype *dt, const uint8_t *p);

/* UTF-8 of one 'U' element (trailing NULs dropped, as NumPy does) into out, which holds
   es_pkl_elem_ucs4_cap(dt) bytes; NUL-terminated. -1: a code unit that is not a Unicode scalar
   value. */
static inline size_t es_pkl_elem_ucs4_cap(const es_pkl_dtype *dt) { return (size_t)dt->size + 1; }
int es_pkl_elem_ucs4(const es_pkl_dtype *dt, const uint8_t *p, char *out, size_t *outlen);

/* UTF-8 (code points below 256) to bytes. dst must hold one byte more than the decoded length
   (continuation bytes store into the next slot, which the next character overwrites). -1 if
   not latin-1. */
int es_pkl_latin1(const uint8_t *src, size_t n, uint8_t *dst, size_t *outn);
/* Bytes that latin-1 UTF-8 decodes to, if it is latin-1 (checked when decoded). */
size_t es_pkl_latin1_len(const uint8_t *src, size_t n);

/* The array's numeric element (i, j) of a 2-D array (j ignored for 1-D). */
const uint8_t *es_pkl_array_elem(const es_pkl_array *a, uint64_t i, uint64_t j);
/* The object cell (i, j) of an object array. */
es_pkl_val es_pkl_array_cell(const es_pkl_array *a, uint64_t i, uint64_t j);

#endif
