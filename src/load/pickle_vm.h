/* pickle_vm.h - an inert pickle interpreter: opcodes build a graph of plain values, nothing runs. */
#ifndef ES_PICKLE_VM_H
#define ES_PICKLE_VM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "load/prefault.h"

/* Limits that keep a hostile file from costing more than a bounded amount of work or memory. */
#define ES_PKL_MAX_MARKS 100           /* nesting of MARK ... TUPLE/APPENDS/SETITEMS */
#define ES_PKL_MAX_STR 0xffffffffu     /* longest str; longer data must be bytes */
#define ES_PKL_BUDGET_FACTOR 16        /* graph memory <= factor x file size ... */
#define ES_PKL_BUDGET_FLOOR (64u << 20) /* ... + this floor */

/* Every global the interpreter knows. Anything else is refused by name. */
typedef enum {
  ES_G_NONE = 0,
  ES_G_SLICE,          /* builtins.slice */
  ES_G_BYTES,          /* builtins.bytes (protocol 2 writes bytes() for b"") */
  ES_G_ENCODE,         /* _codecs.encode (protocol 2 writes bytes as latin-1 str) */
  ES_G_RECONSTRUCT,    /* numpy.core.multiarray._reconstruct */
  ES_G_NDARRAY,        /* numpy.ndarray */
  ES_G_DTYPE,          /* numpy.dtype */
  ES_G_FROMBUFFER,     /* numpy.core.numeric._frombuffer (protocol 5) */
  ES_G_SCALAR,         /* numpy.core.multiarray.scalar */
  ES_G_DATAFRAME,      /* pandas.core.frame.DataFrame */
  ES_G_BLOCKMANAGER,   /* pandas.core.internals.managers.BlockManager */
  ES_G_UNPICKLE_BLOCK, /* pandas._libs.internals._unpickle_block */
  ES_G_NEW_INDEX,      /* pandas.core.indexes.base._new_Index */
  ES_G_INDEX,          /* pandas.core.indexes.base.Index */
  ES_G_RANGEINDEX,     /* pandas.core.indexes.range.RangeIndex */
  ES_G_INT64INDEX,     /* pandas.core.indexes.numeric.{Int64,UInt64,Float64}Index */
  ES_G_NDARRAYBACKED,  /* pandas._libs.arrays.__pyx_unpickle_NDArrayBacked */
  ES_G_CATEGORICAL,    /* pandas.core.arrays.categorical.Categorical */
  ES_G_CATDTYPE,       /* pandas.core.dtypes.dtypes.CategoricalDtype */
  ES_G_STRINGARRAY,    /* pandas.core.arrays.string_.StringArray */
  ES_G_STRINGDTYPE,    /* pandas.core.arrays.string_.StringDtype */
  ES_G_INTEGERARRAY,   /* pandas.core.arrays.integer.IntegerArray */
  ES_G_INTDTYPE,       /* pandas.core.arrays.integer.{Int,UInt}{8,16,32,64}Dtype */
  ES_G_NA,             /* pandas._libs.missing.NA: a value, not a callable */
  ES_G_COUNT
} es_pglobal;

typedef enum {
  ES_PV_UNSET = 0, /* an empty memo slot */
  ES_PV_NONE,
  ES_PV_BOOL,
  ES_PV_INT,    /* i */
  ES_PV_BIGINT, /* an int beyond 64 bits: kept as a value, refused only if a field needs it */
  ES_PV_FLOAT,  /* f */
  ES_PV_FLOATP, /* a BINFLOAT's 8 big-endian bytes, decoded on use (p) */
  ES_PV_STR,    /* UTF-8 s, len bytes, not NUL-terminated */
  ES_PV_GLOBAL, /* g: an allowlisted global (class, function or NA) */
  ES_PV_OBJ     /* o */
} es_pv_tag;

typedef struct es_pobj es_pobj;

/* 16 bytes: a list of a million cells costs 16 MB, not the file's size again. */
typedef struct es_pval {
  uint8_t tag;
  uint8_t g;    /* es_pglobal for ES_PV_GLOBAL */
  uint32_t len; /* bytes of a str */
  union {
    int64_t i;
    double f;
    const uint8_t *p;
    const char *s;
    es_pobj *o;
  } u;
} es_pval;

typedef enum {
  ES_PO_BYTES = 1, /* bytes or bytearray */
  ES_PO_TUPLE,
  ES_PO_LIST,
  ES_PO_DICT,
  ES_PO_DTYPE,
  ES_PO_ARRAY,
  ES_PO_SLICE,
  ES_PO_INST       /* an instance of an allowlisted class: arguments and state, nothing else */
} es_pobj_kind;

struct es_pobj {
  uint8_t kind;
};

/* latin1: p holds srclen bytes of UTF-8 whose code points (all below 256) are the n bytes;
   protocol 2 writes bytes that way, and they are decoded only when read, never in the file. */
typedef struct es_pbytes {
  es_pobj h;
  uint8_t latin1;
  const uint8_t *p;
  uint64_t n, srclen;
} es_pbytes;

typedef struct es_ptuple {
  es_pobj h;
  size_t n;
  es_pval items[];
} es_ptuple;

/* A run of n consecutive BINFLOAT opcodes (9 bytes each) in the file: a list of floats costs
   a few bytes however long it is, and is decoded only when its row is produced. */
typedef struct es_pfrun {
  const uint8_t *p;
  size_t n;
  size_t first; /* list index of the run's first item */
} es_pfrun;

typedef struct es_plist {
  es_pobj h;
  size_t n;     /* items in all */
  size_t cap;
  es_pval *items; /* NULL while the list is only float runs */
  size_t nruns, runcap;
  es_pfrun *runs;
  struct es_plist *next_alloc; /* chain of lists whose arrays the VM frees */
  size_t faulted;               /* items[0 .. faulted) were handed to the prefault worker */
} es_plist;

typedef struct es_pdict {
  es_pobj h;
  size_t n, cap;
  es_pval *kv;     /* key, value, key, value ... (a later equal key wins on lookup) */
  int64_t *fmap;   /* per domain field: pair index or -1; built on first use by the row mapper */
  struct es_pdict *next_alloc;
} es_pdict;

typedef struct es_pdtype {
  es_pobj h;
  char kind;      /* 'f' 'i' 'u' 'b' 'O' 'U' */
  char order;     /* '<' '>' '|' */
  uint8_t built;
  uint32_t size;  /* bytes per element */
} es_pdtype;

typedef struct es_parray {
  es_pobj h;
  uint8_t built;
  uint8_t fortran;
  uint8_t ndim;   /* 0, 1 or 2 */
  const es_pdtype *dt;
  uint8_t latin1;       /* data is UTF-8 of srclen bytes still to decode (see es_pbytes) */
  uint64_t shape[2];
  uint64_t count; /* product of shape */
  uint64_t srclen;
  const uint8_t *data; /* numeric: count x dt->size bytes */
  es_plist *items;     /* object dtype: the cells, count of them */
} es_parray;

typedef struct es_pslice {
  es_pobj h;
  int64_t start, stop, step;
  uint8_t has_start, has_stop, has_step;
} es_pslice;

typedef struct es_pinst {
  es_pobj h;
  uint8_t cls;    /* es_pglobal */
  uint8_t built;
  es_pval args;   /* NEWOBJ/REDUCE arguments (a tuple) or, for _new_Index, its dict */
  es_pval state;  /* BUILD's state, ES_PV_UNSET before */
} es_pinst;

/* The interpreter. Memory: a budget bounds blocks + lists + dicts + memo + stack. */
typedef struct es_pvm {
  const uint8_t *buf;   /* the pickle; never written */
  size_t len;
  size_t pos;
  struct es_pblock *blocks; /* the graph's objects, bump-allocated in mapped blocks */
  struct es_pblock *ready;  /* the next block, mapped ahead while a prefault worker runs */
  es_prefault *pf;          /* set by the caller for big files; es_pvm_free stops it */
  size_t memo_faulted;
  size_t next_block;
  size_t budget, used;  /* bytes allowed / bytes held (blocks, lists, dicts, memo, stack) */
  es_pval *stack;
  size_t sp, scap;
  size_t marks[ES_PKL_MAX_MARKS];
  size_t nmarks;
  es_pval *memo;
  size_t nmemo, mcap;
  es_plist *lists;      /* every list and dict, to free their arrays */
  es_pdict *dicts;
  int proto;
  uintptr_t last_skip;  /* where the last big bytes object ended (prefetch stride) */
  struct es_ptuple *last_ints; /* the last tuple of one or two ints, shared by equal ones */
  const char *name;     /* file name for messages */
  es_pval root;
  /* Called as the interpreter moves forward, so the caller can drop file pages behind it. */
  void (*progress)(void *ctx, size_t pos);
  void *progress_ctx;
} es_pvm;

void es_pvm_init(es_pvm *vm, const uint8_t *buf, size_t len, const char *name);
/* Runs to STOP; vm->root holds the result. ES_EINVAL with err naming the byte offset and what. */
int es_pvm_run(es_pvm *vm, es_error *err);
void es_pvm_free(es_pvm *vm);

/* Graph allocation (pickle_graph.c); each checks the budget. NULL when over it. Memory is
   16-byte aligned and lives until es_pvm_free. */
void *es_pvm_alloc(es_pvm *vm, size_t n);
/* Asks for 2 MB pages over a big array's whole pages (a hint). */
void es_pvm_hint_huge(void *p, size_t n);
/* For an array of cap elements filled from the front (used so far): keeps the prefault worker
   ES_PVM_AHEAD bytes ahead of the writer. *faulted tracks what was handed out. */
#define ES_PVM_AHEAD ((size_t)8 << 20)
void es_pvm_ahead(es_pvm *vm, void *arr, size_t elem, size_t cap, size_t used, size_t *faulted);
void es_pvm_free_blocks(es_pvm *vm);
/* Stops the prefault worker (if any) and unmaps the block it prepared. */
void es_pvm_end_prefault(es_pvm *vm);
es_ptuple *es_pvm_tuple(es_pvm *vm, size_t n);
es_plist *es_pvm_list(es_pvm *vm);
es_pdict *es_pvm_dict(es_pvm *vm);
int es_plist_append(es_pvm *vm, es_plist *l, const es_pval *items, size_t n);
int es_pdict_set(es_pvm *vm, es_pdict *d, const es_pval *kv, size_t npairs);
/* Item i of a list (float runs decoded on the fly); i < l->n. Inline: rows read every cell. */
es_pval es_plist_get_run(const es_plist *l, size_t i);
static inline es_pval es_plist_get(const es_plist *l, size_t i) {
  return l->items ? l->items[i] : es_plist_get_run(l, i);
}
/* The value under str key (last one wins), or NULL. */
const es_pval *es_pdict_get(const es_pdict *d, const char *key);

/* Value helpers. */
/* A BINFLOAT's payload: a big-endian IEEE double. */
static inline double es_pval_floatp(const uint8_t *p) {
  uint64_t u;
  double d;
  memcpy(&u, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  u = __builtin_bswap64(u);
#endif
  memcpy(&d, &u, sizeof(d));
  return d;
}
int es_pval_is_str(const es_pval *v, const char *s);
int es_pval_number(const es_pval *v, double *out); /* int or float: 0, else -1 */
const char *es_pval_type(const es_pval *v);        /* "str", "list", "numpy.ndarray" ... */
static inline es_pobj *es_pval_obj(const es_pval *v, int kind) {
  return v->tag == ES_PV_OBJ && v->u.o->kind == kind ? v->u.o : NULL;
}
static inline int es_pval_is_inst(const es_pval *v, int cls) {
  es_pobj *o = es_pval_obj(v, ES_PO_INST);
  return o && ((es_pinst *)o)->cls == cls;
}

/* Globals (pickle_np.c): allowlist lookup, and what REDUCE / NEWOBJ / BUILD do with them. */
int es_pglobal_find(const char *module, size_t mlen, const char *name, size_t nlen);
const char *es_pglobal_name(int g);
int es_pnp_reduce(es_pvm *vm, int g, const es_pval *args, es_pval *out, es_error *err);
int es_pnp_newobj(es_pvm *vm, int g, const es_pval *args, es_pval *out, es_error *err);
int es_pnp_build(es_pvm *vm, es_pval *obj, const es_pval *state, es_error *err);

#endif
