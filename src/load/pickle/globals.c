/* globals.c - the allowlist of globals a pickle may name, and their names for messages. */
#include "load/pickle/globals.h"

#include <string.h>

typedef struct {
  const char *module, *name;
  int g;
} global_entry;

/* Exactly what pandas 1.5 / NumPy 1.24 DataFrame pickles name (found with pickletools.dis),
   plus the numpy._core spelling NumPy 2 writes for the same functions. */
static const global_entry allowlist[] = {
    {"builtins", "slice", ES_PKL_G_SLICE},
    {"__builtin__", "slice", ES_PKL_G_SLICE},
    {"builtins", "bytes", ES_PKL_G_BYTES},
    {"__builtin__", "bytes", ES_PKL_G_BYTES},
    {"_codecs", "encode", ES_PKL_G_ENCODE},
    {"numpy.core.multiarray", "_reconstruct", ES_PKL_G_RECONSTRUCT},
    {"numpy._core.multiarray", "_reconstruct", ES_PKL_G_RECONSTRUCT},
    {"numpy", "ndarray", ES_PKL_G_NDARRAY},
    {"numpy", "dtype", ES_PKL_G_DTYPE},
    {"numpy.core.numeric", "_frombuffer", ES_PKL_G_FROMBUFFER},
    {"numpy._core.numeric", "_frombuffer", ES_PKL_G_FROMBUFFER},
    {"numpy.core.multiarray", "scalar", ES_PKL_G_SCALAR},
    {"numpy._core.multiarray", "scalar", ES_PKL_G_SCALAR},
    {"pandas.core.frame", "DataFrame", ES_PKL_G_DATAFRAME},
    {"pandas.core.internals.managers", "BlockManager", ES_PKL_G_BLOCKMANAGER},
    {"pandas._libs.internals", "_unpickle_block", ES_PKL_G_UNPICKLE_BLOCK},
    {"pandas.core.indexes.base", "_new_Index", ES_PKL_G_NEW_INDEX},
    {"pandas.core.indexes.base", "Index", ES_PKL_G_INDEX},
    {"pandas.core.indexes.range", "RangeIndex", ES_PKL_G_RANGEINDEX},
    {"pandas.core.indexes.numeric", "Int64Index", ES_PKL_G_INT64INDEX},
    {"pandas.core.indexes.numeric", "UInt64Index", ES_PKL_G_INT64INDEX},
    {"pandas.core.indexes.numeric", "Float64Index", ES_PKL_G_INT64INDEX},
    {"pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked", ES_PKL_G_NDARRAYBACKED},
    {"pandas.core.arrays.categorical", "Categorical", ES_PKL_G_CATEGORICAL},
    {"pandas.core.dtypes.dtypes", "CategoricalDtype", ES_PKL_G_CATDTYPE},
    {"pandas.core.arrays.string_", "StringArray", ES_PKL_G_STRINGARRAY},
    {"pandas.core.arrays.string_", "StringDtype", ES_PKL_G_STRINGDTYPE},
    {"pandas.core.arrays.integer", "IntegerArray", ES_PKL_G_INTEGERARRAY},
    {"pandas.core.arrays.integer", "Int8Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "Int16Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "Int32Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "Int64Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt8Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt16Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt32Dtype", ES_PKL_G_INTDTYPE},
    {"pandas.core.arrays.integer", "UInt64Dtype", ES_PKL_G_INTDTYPE},
    {"pandas._libs.missing", "NA", ES_PKL_G_NA},
};

static const char *const global_names[ES_PKL_G_COUNT] = {
    [ES_PKL_G_NONE] = "nothing",
    [ES_PKL_G_SLICE] = "slice",
    [ES_PKL_G_BYTES] = "bytes",
    [ES_PKL_G_ENCODE] = "_codecs.encode",
    [ES_PKL_G_RECONSTRUCT] = "numpy.core.multiarray._reconstruct",
    [ES_PKL_G_NDARRAY] = "numpy.ndarray",
    [ES_PKL_G_DTYPE] = "numpy.dtype",
    [ES_PKL_G_FROMBUFFER] = "numpy.core.numeric._frombuffer",
    [ES_PKL_G_SCALAR] = "numpy.core.multiarray.scalar",
    [ES_PKL_G_DATAFRAME] = "pandas.DataFrame",
    [ES_PKL_G_BLOCKMANAGER] = "pandas BlockManager",
    [ES_PKL_G_UNPICKLE_BLOCK] = "pandas block",
    [ES_PKL_G_NEW_INDEX] = "pandas.core.indexes.base._new_Index",
    [ES_PKL_G_INDEX] = "pandas.Index",
    [ES_PKL_G_RANGEINDEX] = "pandas.RangeIndex",
    [ES_PKL_G_INT64INDEX] = "pandas numeric Index",
    [ES_PKL_G_NDARRAYBACKED] = "pandas NDArrayBacked",
    [ES_PKL_G_CATEGORICAL] = "pandas.Categorical",
    [ES_PKL_G_CATDTYPE] = "pandas.CategoricalDtype",
    [ES_PKL_G_STRINGARRAY] = "pandas StringArray",
    [ES_PKL_G_STRINGDTYPE] = "pandas.StringDtype",
    [ES_PKL_G_INTEGERARRAY] = "pandas IntegerArray",
    [ES_PKL_G_INTDTYPE] = "pandas integer dtype",
    [ES_PKL_G_NA] = "pandas.NA",
};

int es_pkl_global_find(const char *module, size_t mlen, const char *name, size_t nlen) {
  size_t i;
  for (i = 0; i < sizeof(allowlist) / sizeof(allowlist[0]); i++) {
    const global_entry *e = &allowlist[i];
    if (strlen(e->module) == mlen && !memcmp(e->module, module, mlen) && strlen(e->name) == nlen &&
        !memcmp(e->name, name, nlen))
      return e->g;
  }
  return ES_PKL_G_NONE;
}

const char *es_pkl_global_name(int g) {
  return g > 0 && g < ES_PKL_G_COUNT ? global_names[g] : "global";
}
