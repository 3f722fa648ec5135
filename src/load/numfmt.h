/* numfmt.h - float32 to the shortest decimal text that reads back to the same float32. */
#ifndef ES_NUMFMT_H
#define ES_NUMFMT_H

#include <stddef.h>

#define ES_NUMFMT_MAX 32

/* Writes the shortest decimal d with es_num_narrow(strtod(d)) == f, laid out as Python's repr
   ("0.1", "-2.5e-05", "3.0", "1e+16"); NaN and infinities as json.dumps writes them ("NaN",
   "Infinity", "-Infinity"). out needs ES_NUMFMT_MAX bytes; returns the length (no NUL added). */
size_t es_num_format_f32(float f, char *out);

#endif
