/* np.h - what calling or building an allowlisted global makes: NumPy arrays and dtypes, pandas
   instances (arguments and state only), slices, bytes. */
#ifndef ES_PKL_NP_H
#define ES_PKL_NP_H

#include "core/error.h"
#include "load/pickle/graph.h"

/* REDUCE / NEWOBJ of global g with args (a tuple): the object made, in *out. */
int es_pkl_np_reduce(es_pkl_heap *h, int g, const es_pkl_val *args, es_pkl_val *out, es_error *err);
int es_pkl_np_newobj(es_pkl_heap *h, int g, const es_pkl_val *args, es_pkl_val *out, es_error *err);
/* BUILD: gives a fresh array, dtype or instance its state. */
int es_pkl_np_build(es_pkl_heap *h, es_pkl_val *obj, const es_pkl_val *state, es_error *err);
/* Decodes a protocol 2 array's data into graph memory, so its elements can be read by index. */
int es_pkl_np_decode_array(es_pkl_heap *h, es_pkl_array *a, es_error *err);

#endif
