/* globals.h - the only globals a pickle may name: pandas, NumPy and a few builtins, by number. */
#ifndef ES_PKL_GLOBALS_H
#define ES_PKL_GLOBALS_H

#include <stddef.h>

/* Every global the interpreter knows. Anything else is refused by name. */
typedef enum {
  ES_PKL_G_NONE = 0,
  ES_PKL_G_SLICE,          /* builtins.slice */
  ES_PKL_G_BYTES,          /* builtins.bytes (protocol 2 writes bytes() for b"") */
  ES_PKL_G_ENCODE,         /* _codecs.encode (protocol 2 writes bytes as latin-1 str) */
  ES_PKL_G_RECONSTRUCT,    /* numpy.core.multiarray._reconstruct */
  ES_PKL_G_NDARRAY,        /* numpy.ndarray */
  ES_PKL_G_DTYPE,          /* numpy.dtype */
  ES_PKL_G_FROMBUFFER,     /* numpy.core.numeric._frombuffer (protocol 5) */
  ES_PKL_G_SCALAR,         /* numpy.core.multiarray.scalar */
  ES_PKL_G_DATAFRAME,      /* pandas.core.frame.DataFrame */
  ES_PKL_G_BLOCKMANAGER,   /* pandas.core.internals.managers.BlockManager */
  ES_PKL_G_UNPICKLE_BLOCK, /* pandas._libs.internals._unpickle_block */
  ES_PKL_G_NEW_INDEX,      /* pandas.core.indexes.base._new_Index */
  ES_PKL_G_INDEX,          /* pandas.core.indexes.base.Index */
  ES_PKL_G_RANGEINDEX,     /* pandas.core.indexes.range.RangeIndex */
  ES_PKL_G_INT64INDEX,     /* pandas.core.indexes.numeric.{Int64,UInt64,Float64}Index */
  ES_PKL_G_NDARRAYBACKED,  /* pandas._libs.arrays.__pyx_unpickle_NDArrayBacked */
  ES_PKL_G_CATEGORICAL,    /* pandas.core.arrays.categorical.Categorical */
  ES_PKL_G_CATDTYPE,       /* pandas.core.dtypes.dtypes.CategoricalDtype */
  ES_PKL_G_STRINGARRAY,    /* pandas.core.arrays.string_.StringArray */
  ES_PKL_G_STRINGDTYPE,    /* pandas.core.arrays.string_.StringDtype */
  ES_PKL_G_INTEGERARRAY,   /* pandas.core.arrays.integer.IntegerArray */
  ES_PKL_G_INTDTYPE,       /* pandas.core.arrays.integer.{Int,UInt}{8,16,32,64}Dtype */
  ES_PKL_G_NA,             /* pandas._libs.missing.NA: a value, not a callable */
  ES_PKL_G_COUNT
} es_pkl_global;

/* The global module.name (lengths given: names come from the file), or ES_PKL_G_NONE. */
int es_pkl_global_find(const char *module, size_t mlen, const char *name, size_t nlen);
/* A global's name for messages ("pandas.DataFrame"). */
const char *es_pkl_global_name(int g);

#endif
