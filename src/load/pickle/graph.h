/* graph.h - the inert object graph a pickle builds: values, containers, NumPy/pandas objects, and
   the budgeted heap they live in. Nothing here runs code from the file. */
#ifndef ES_PKL_GRAPH_H
#define ES_PKL_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "load/pickle/prefault.h"

#define ES_PKL_MAX_STR 0xffffffffu /* longest str a value holds; longer data must be bytes */

typedef enum {
  ES_PKL_V_UNSET = 0, /* an empty memo slot */
  ES_PKL_V_NONE,
  ES_PKL_V_BOOL,
  ES_PKL_V_INT,    /* i */
  ES_PKL_V_BIGINT, /* an int beyond 64 bits: kept as a value, refused only if a field needs it */
  ES_PKL_V_FLOAT,  /* f */
  ES_PKL_V_FLOATP, /* a BINFLOAT's 8 big-endian bytes, decoded on use (p) */
  ES_PKL_V_STR,    /* UTF-8 s, len bytes, not NUL-terminated */
  ES_PKL_V_GLOBAL, /* g: an allowlisted global (class, function or NA) */
  ES_PKL_V_OBJ     /* o */
} es_pkl_tag;

typedef struct es_pkl_obj es_pkl_obj;

/* 16 bytes: a list of a million cells costs 16 MB, not the file's size again. */
typedef struct es_pkl_val {
  uint8_t tag;
  uint8_t g;    /* es_pkl_global for ES_PKL_V_GLOBAL */
  uint32_t len; /* bytes of a str */
  union {
    int64_t i;
    double f;
    const uint8_t *p;
    const char *s;
    es_pkl_obj *o;
  } u;
} es_pkl_val;

typedef enum {
  ES_PKL_O_BYTES = 1, /* bytes or bytearray */
  ES_PKL_O_TUPLE,
  ES_PKL_O_LIST,
  ES_PKL_O_DICT,
  ES_PKL_O_DTYPE,
  ES_PKL_O_ARRAY,
  ES_PKL_O_SLICE,
  ES_PKL_O_INST /* an instance of an allowlisted class: arguments and state, nothing else */
} es_pkl_kind;

struct es_pkl_obj {
  uint8_t kind;
};

/* latin1: p holds srclen bytes of UTF-8 whose code points (all below 256) are the n bytes;
   protocol 2 writes bytes that way, and they are decoded only when read, never in the file. */
typedef struct es_pkl_bytes {
  es_pkl_obj h;
  uint8_t latin1;
  const uint8_t *p;
  uint64_t n, srclen;
} es_pkl_bytes;

typedef struct es_pkl_tuple {
  es_pkl_obj h;
  size_t n;
  es_pkl_val items[];
} es_pkl_tuple;

/* A run of n consecutive BINFLOAT opcodes (9 bytes each) in the file: a list of floats costs
   a few bytes however long it is, and is decoded only when its row is produced. */
typedef struct es_pkl_frun {
  const uint8_t *p;
  size_t n;
  size_t first; /* list index of the run's first item */
} es_pkl_frun;

typedef struct es_pkl_list {
  es_pkl_obj h;
  size_t n; /* items in all */
  size_t cap;
  es_pkl_val *items; /* NULL while the list is only float runs */
  size_t nruns, runcap;
  es_pkl_frun *runs;
  struct es_pkl_list *next_alloc; /* chain of lists whose arrays the heap frees */
  size_t faulted;                 /* items[0 .. faulted) were handed to the prefault worker */
} es_pkl_list;

typedef struct es_pkl_dict {
  es_pkl_obj h;
  size_t n, cap;
  es_pkl_val *kv; /* key, value, key, value ... (a later equal key wins on lookup) */
  int64_t *fmap;  /* per domain field: pair index or -1; built on first use by the row mapper */
  struct es_pkl_dict *next_alloc;
} es_pkl_dict;

typedef struct es_pkl_dtype {
  es_pkl_obj h;
  char kind;  /* 'f' 'i' 'u' 'b' 'O' 'U' */
  char order; /* '<' '>' '|' */
  uint8_t built;
  uint32_t size; /* bytes per element */
} es_pkl_dtype;

typedef struct es_pkl_array {
  es_pkl_obj h;
  uint8_t built;
  uint8_t fortran;
  uint8_t ndim; /* 0, 1 or 2 */
  const es_pkl_dtype *dt;
  uint8_t latin1; /* data is UTF-8 of srclen bytes still to decode (see es_pkl_bytes) */
  uint64_t shape[2];
  uint64_t count; /* product of shape */
  uint64_t srclen;
  const uint8_t *data; /* numeric: count x dt->size bytes */
  es_pkl_list *items;  /* object dtype: the cells, count of them */
} es_pkl_array;

typedef struct es_pkl_slice {
  es_pkl_obj h;
  int64_t start, stop, step;
  uint8_t has_start, has_stop, has_step;
} es_pkl_slice;

typedef struct es_pkl_inst {
  es_pkl_obj h;
  uint8_t cls; /* es_pkl_global */
  uint8_t built;
  es_pkl_val args;  /* NEWOBJ/REDUCE arguments (a tuple) or, for _new_Index, its dict */
  es_pkl_val state; /* BUILD's state, ES_PKL_V_UNSET before */
} es_pkl_inst;

/* Where the graph lives. A budget bounds everything charged to it: blocks, list and dict
   arrays, and what the interpreter charges for its stack and memo (es_pkl_heap_charge). */
typedef struct es_pkl_heap {
  struct es_pkl_block *blocks; /* the graph's objects, bump-allocated in mapped blocks */
  struct es_pkl_block *ready;  /* the next block, mapped ahead while a prefault worker runs */
  es_pkl_prefault *pf;         /* set by the owner for big files; end_prefault stops it */
  size_t next_block;
  size_t budget, used; /* bytes allowed / bytes held */
  es_pkl_list *lists;  /* every list and dict, to free their arrays */
  es_pkl_dict *dicts;
} es_pkl_heap;

/* What a file's graph may cost: factor x the file's size + the floor. */
#define ES_PKL_BUDGET_FACTOR 16
#define ES_PKL_BUDGET_FLOOR (64u << 20)

/* An empty heap allowed budget bytes. */
void es_pkl_heap_init(es_pkl_heap *h, size_t budget);
/* Frees every object, list and dict array, and stops the prefault worker. */
void es_pkl_heap_free(es_pkl_heap *h);
/* Charges n more bytes held elsewhere (the interpreter's stack, its memo): -1 over budget. */
int es_pkl_heap_charge(es_pkl_heap *h, size_t n);
/* Stops the prefault worker (if any) and unmaps the block it prepared. */
void es_pkl_heap_end_prefault(es_pkl_heap *h);
/* For an array of cap elements filled from the front (used so far): keeps the prefault worker
   ES_PKL_AHEAD bytes ahead of the writer. *faulted tracks what was handed out. */
#define ES_PKL_AHEAD ((size_t)8 << 20)
void es_pkl_heap_ahead(es_pkl_heap *h, void *arr, size_t elem, size_t cap, size_t used,
                       size_t *faulted);

/* Graph allocation; each checks the budget. NULL when over it. Memory is 16-byte aligned and
   lives until es_pkl_heap_free. */
void *es_pkl_alloc(es_pkl_heap *h, size_t n);
es_pkl_tuple *es_pkl_tuple_new(es_pkl_heap *h, size_t n);
es_pkl_list *es_pkl_list_new(es_pkl_heap *h);
es_pkl_dict *es_pkl_dict_new(es_pkl_heap *h);
int es_pkl_list_append(es_pkl_heap *h, es_pkl_list *l, const es_pkl_val *items, size_t n);
int es_pkl_dict_set(es_pkl_heap *h, es_pkl_dict *d, const es_pkl_val *kv, size_t npairs);
/* Item i of a list (float runs decoded on the fly); i < l->n. Inline: rows read every cell. */
es_pkl_val es_pkl_list_get_run(const es_pkl_list *l, size_t i);
static inline es_pkl_val es_pkl_list_get(const es_pkl_list *l, size_t i) {
  return l->items ? l->items[i] : es_pkl_list_get_run(l, i);
}
/* The value under str key (last one wins), or NULL. */
const es_pkl_val *es_pkl_dict_get(const es_pkl_dict *d, const char *key);

/* A BINFLOAT's payload: a big-endian IEEE double. */
static inline double es_pkl_floatp(const uint8_t *p) {
  uint64_t u;
  double d;
  memcpy(&u, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  u = __builtin_bswap64(u);
#endif
  memcpy(&d, &u, sizeof(d));
  return d;
}
int es_pkl_val_is_str(const es_pkl_val *v, const char *s);
int es_pkl_val_number(const es_pkl_val *v, double *out); /* int or float: 0, else -1 */
const char *es_pkl_val_type(const es_pkl_val *v);        /* "str", "list", "numpy.ndarray" ... */
static inline es_pkl_obj *es_pkl_val_obj(const es_pkl_val *v, int kind) {
  return v->tag == ES_PKL_V_OBJ && v->u.o->kind == kind ? v->u.o : NULL;
}
static inline es_pkl_val es_pkl_val_of(void *o) {
  es_pkl_val v = {.tag = ES_PKL_V_OBJ, .u.o = o};
  return v;
}

#endif
