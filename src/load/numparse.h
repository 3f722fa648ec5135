/* numparse.h - decimal text to the exact float32 Python's client would send for it. */
#ifndef ES_NUMPARSE_H
#define ES_NUMPARSE_H

#include <float.h>
#include <math.h>
#include <stddef.h>

enum {
  ES_NUM_INTEGRAL = 1 /* no fraction and no exponent: Python's json.loads makes it an int */
};

/* Parses one number in JSON's grammar (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) from
   [s, end) into the correctly rounded double, as Python's float() does (overflow gives +-inf,
   underflow +-0). On success returns 0, sets *endp after the number and *flags (ES_NUM_*);
   otherwise returns -1 with *endp at the first byte that does not fit the grammar (or -2 when
   memory for an absurdly long number ran out). */
int es_num_parse(const char *s, const char *end, double *out, unsigned *flags, const char **endp);

/* es_num_narrow(value) of the same text, faster: most values skip the division that exact
   double parsing needs. */
int es_num_parse_f32(const char *s, const char *end, float *out, unsigned *flags,
                     const char **endp);

/* double -> float32 as protobuf's Python binding narrows a float field: round to nearest,
   except that magnitudes up to FLT_MAX plus half an ulp give FLT_MAX (IEEE would give inf
   for that exact tie) and anything above gives inf. */
static inline float es_num_narrow(double d) {
  const double tie = 0x1.ffffffp+127; /* FLT_MAX + half an ulp */
  if (d > FLT_MAX) return d <= tie ? FLT_MAX : (float)INFINITY;
  if (d < -FLT_MAX) return d >= -tie ? -FLT_MAX : -(float)INFINITY;
  return (float)d;
}

#endif
