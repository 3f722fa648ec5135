/* pickle_np.h - reading NumPy elements out of the graph: typed numbers, UCS-4 text, array views. */
#ifndef ES_PICKLE_NP_H
#define ES_PICKLE_NP_H

#include <stddef.h>
#include <stdint.h>

#include "load/pickle_vm.h"

/* Whether elements of this dtype are stored in the other byte order than this machine's. */
int es_pnp_swapped(const es_pdtype *dt);
/* Reads one numeric element ('f', 'i', 'u', 'b'): as a double, or as an exact integer.
   es_pnp_int returns -1 for a float that is not integral or an unsigned value over INT64_MAX. */
double es_pnp_double(const es_pdtype *dt, const uint8_t *p);
int es_pnp_int(const es_pdtype *dt, const uint8_t *p, int64_t *out, int *is_nan);
/* One element as float32, bit for bit when the element already is float32. */
float es_pnp_float32(const es_pdtype *dt, const uint8_t *p);

/* UTF-8 of one 'U' element (trailing NULs dropped, as NumPy does) into out, which holds
   es_pnp_ucs4_cap(dt) bytes; NUL-terminated. -1: a code unit that is not a Unicode scalar value. */
static inline size_t es_pnp_ucs4_cap(const es_pdtype *dt) { return (size_t)dt->size + 1; }
int es_pnp_ucs4(const es_pdtype *dt, const uint8_t *p, char *out, size_t *outlen);

/* UTF-8 (code points below 256) to bytes. dst must hold one byte more than the decoded length
   (continuation bytes store into the next slot, which the next character overwrites). -1 if
   not latin-1. */
int es_pnp_latin1(const uint8_t *src, size_t n, uint8_t *dst, size_t *outn);
/* Decodes a protocol 2 array's data into graph memory, so its elements can be read by index. */
int es_pnp_decode_array(es_pvm *vm, es_parray *a, es_error *err);

/* The array's numeric element (i, j) of a 2-D array (j ignored for 1-D). */
const uint8_t *es_pnp_elem2(const es_parray *a, uint64_t i, uint64_t j);
/* The object cell (i, j) of an object array. */
es_pval es_pnp_cell2(const es_parray *a, uint64_t i, uint64_t j);

#endif
