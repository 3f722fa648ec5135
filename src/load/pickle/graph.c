/* graph.c - the pickle object graph: budgeted allocation, tuples, lists (with float runs), dicts.
 */
#include "load/pickle/graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "load/pickle/globals.h"

/* Under ASan the padding after each object stays poisoned, so reading or writing one byte past
   an object is reported even though objects share blocks. */
#if defined(__SANITIZE_ADDRESS__)
#define ES_PKL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ES_PKL_ASAN 1
#endif
#endif
#ifdef ES_PKL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A big pickle's graph is hundreds of MB written once: on 2 MB pages it faults 512 x less
   often. Only the whole pages inside [p, p + n) are advised; a hint, so failure is ignored. */
static void hint_huge(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20, page = 4096;
  uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1), hi = ((uintptr_t)p + n) & ~(page - 1);
  if (n >= 2 * huge && hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
  (void)p, (void)n;
#endif
}

static int budget_take(const es_pkl_heap *h, size_t n) {
  if (h->used > h->budget || n > h->budget - h->used) return -1;
  return 0;
}

void es_pkl_heap_init(es_pkl_heap *h, size_t budget) {
  memset(h, 0, sizeof(*h));
  h->budget = budget;
}

int es_pkl_heap_charge(es_pkl_heap *h, size_t n) {
  if (budget_take(h, n)) return -1;
  h->used += n;
  return 0;
}

struct es_pkl_block {
  struct es_pkl_block *next;
  size_t size, used;
};

#define BLOCK_FIRST (64u << 10)
#define BLOCK_MAX (64u << 20)
#define BLOCK_HDR ((sizeof(struct es_pkl_block) + 15) & ~(size_t)15)

static struct es_pkl_block *map_block(es_pkl_heap *h, size_t size) {
  struct es_pkl_block *b;
  void *m;
  if (budget_take(h, size)) return NULL;
  m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  hint_huge(m, size);
  POISON((char *)m + BLOCK_HDR, size - BLOCK_HDR);
  b = m;
  b->size = size;
  b->used = BLOCK_HDR;
  b->next = NULL;
  h->used += size;
  return b;
}

/* Blocks double from 64 KiB to 64 MiB: small pickles stay cheap, big ones take few faults.
   With a prefault worker (big files), the next block is mapped as soon as this one is taken,
   and faulted in on the other core while this one fills. */
static struct es_pkl_block *new_block(es_pkl_heap *h, size_t need) {
  size_t size = h->next_block ? h->next_block : BLOCK_FIRST;
  struct es_pkl_block *b;
  if (need > SIZE_MAX - BLOCK_HDR - 4095) return NULL;
  if (h->ready && h->ready->size - BLOCK_HDR >= need) {
    b = h->ready;
    h->ready = NULL;
  } else {
    if (size < need + BLOCK_HDR) size = (need + BLOCK_HDR + 4095) & ~(size_t)4095;
    if (!(b = map_block(h, size))) return NULL;
  }
  b->next = h->blocks;
  h->blocks = b;
  if (h->next_block < BLOCK_MAX)
    h->next_block = h->next_block ? h->next_block * 2 : 2 * BLOCK_FIRST;
  if (h->pf && !h->ready && (h->ready = map_block(h, h->next_block)))
    es_pkl_prefault_add(h->pf, h->ready, h->ready->size);
  return b;
}

void es_pkl_heap_ahead(es_pkl_heap *h, void *arr, size_t elem, size_t cap, size_t used,
                       size_t *faulted) {
  size_t want;
  if (!h->pf || *faulted >= cap || (*faulted > used && *faulted - used >= ES_PKL_AHEAD / 2 / elem))
    return;
  if (*faulted < used) *faulted = used;
  want = ES_PKL_AHEAD / elem;
  if (want > cap - *faulted) want = cap - *faulted;
  es_pkl_prefault_add(h->pf, (char *)arr + *faulted * elem, want * elem);
  *faulted += want;
}

void *es_pkl_alloc(es_pkl_heap *h, size_t n) {
  struct es_pkl_block *b = h->blocks;
  size_t want = n;
  void *p;
  if (n > SIZE_MAX - 15) return NULL;
  n = n ? (n + 15) & ~(size_t)15 : 16;
  if (!b || b->size - b->used < n) {
    if (!(b = new_block(h, n))) return NULL;
  }
  p = (char *)b + b->used;
  b->used += n;
  UNPOISON(p, want);
  return p;
}

void es_pkl_heap_end_prefault(es_pkl_heap *h) {
  es_pkl_prefault_stop(h->pf);
  h->pf = NULL;
  if (h->ready) { /* mapped ahead and never needed */
    h->used -= h->ready->size;
    UNPOISON(h->ready, h->ready->size);
    munmap(h->ready, h->ready->size);
    h->ready = NULL;
  }
}

void es_pkl_heap_free(es_pkl_heap *h) {
  struct es_pkl_block *b, *next;
  es_pkl_list *l, *ln;
  es_pkl_dict *d, *dn;
  es_pkl_heap_end_prefault(h); /* before anything it may be faulting in goes */
  /* The lists and dicts themselves live in the blocks: their arrays go first. */
  for (l = h->lists; l; l = ln) {
    ln = l->next_alloc;
    free(l->items);
    free(l->runs);
  }
  for (d = h->dicts; d; d = dn) {
    dn = d->next_alloc;
    free(d->kv);
    free(d->fmap);
  }
  for (b = h->blocks; b; b = next) {
    next = b->next;
    UNPOISON(b, b->size);
    munmap(b, b->size);
  }
  memset(h, 0, sizeof(*h));
}

es_pkl_tuple *es_pkl_tuple_new(es_pkl_heap *h, size_t n) {
  es_pkl_tuple *t;
  if (n > (SIZE_MAX - sizeof(*t)) / sizeof(es_pkl_val)) return NULL;
  t = es_pkl_alloc(h, sizeof(*t) + n * sizeof(es_pkl_val));
  if (!t) return NULL;
  t->h.kind = ES_PKL_O_TUPLE;
  t->n = n;
  return t;
}

/* A zeroed object of n bytes and the given kind. */
static void *obj_new(es_pkl_heap *h, size_t n, int kind) {
  es_pkl_obj *o = es_pkl_alloc(h, n);
  if (o) {
    memset(o, 0, n);
    o->kind = (uint8_t)kind;
  }
  return o;
}

/* Lists and dicts own malloc'd arrays: each is chained so es_pkl_heap_free frees them. */
es_pkl_list *es_pkl_list_new(es_pkl_heap *h) {
  es_pkl_list *l = obj_new(h, sizeof(*l), ES_PKL_O_LIST);
  if (l) {
    l->next_alloc = h->lists;
    h->lists = l;
  }
  return l;
}

es_pkl_dict *es_pkl_dict_new(es_pkl_heap *h) {
  es_pkl_dict *d = obj_new(h, sizeof(*d), ES_PKL_O_DICT);
  if (d) {
    d->next_alloc = h->dicts;
    h->dicts = d;
  }
  return d;
}

/* Grows *arr (of elem-byte items, *cap of them) to hold need, charging the budget. */
static int grow(es_pkl_heap *h, void **arr, size_t *cap, size_t need, size_t elem) {
  size_t ncap = *cap ? *cap : 8;
  void *p;
  if (need <= *cap) return 0;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) return -1;
    ncap *= 2;
  }
  if (ncap > SIZE_MAX / elem) return -1;
  if (budget_take(h, (ncap - *cap) * elem)) return -1;
  es_pkl_prefault_fence(h->pf); /* realloc may move what the worker is faulting in */
  p = realloc(*arr, ncap * elem);
  if (!p) return -1;
  h->used += (ncap - *cap) * elem;
  *arr = p;
  *cap = ncap;
  return 0;
}

/* Turns a list held as float runs into ordinary items, so anything may be appended. */
static int materialize(es_pkl_heap *h, es_pkl_list *l) {
  size_t r, k, at = 0;
  if (l->items || !l->n) return 0;
  if (grow(h, (void **)&l->items, &l->cap, l->n, sizeof(es_pkl_val))) return -1;
  for (r = 0; r < l->nruns; r++)
    for (k = 0; k < l->runs[r].n; k++, at++) {
      l->items[at].tag = ES_PKL_V_FLOATP;
      l->items[at].u.p = l->runs[r].p + 9 * k;
    }
  free(l->runs);
  h->used -= l->runcap * sizeof(es_pkl_frun);
  l->runs = NULL;
  l->nruns = l->runcap = 0;
  return 0;
}

static int all_floatp(const es_pkl_val *items, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (items[i].tag != ES_PKL_V_FLOATP) return 0;
  return n > 0;
}

static int append_runs(es_pkl_heap *h, es_pkl_list *l, const es_pkl_val *items, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    es_pkl_frun *last = l->nruns ? &l->runs[l->nruns - 1] : NULL;
    if (last && items[i].u.p == last->p + 9 * last->n) {
      last->n++;
    } else {
      if (grow(h, (void **)&l->runs, &l->runcap, l->nruns + 1, sizeof(es_pkl_frun))) return -1;
      l->runs[l->nruns].p = items[i].u.p;
      l->runs[l->nruns].n = 1;
      l->runs[l->nruns].first = l->n + i;
      l->nruns++;
    }
  }
  l->n += n;
  /* Runs broken up (by FRAMEs or a hand-made file) cost more than plain items: give up on them. */
  if (l->nruns > 4 + l->n / 32) return materialize(h, l);
  return 0;
}

int es_pkl_list_append(es_pkl_heap *h, es_pkl_list *l, const es_pkl_val *items, size_t n) {
  if (!n) return 0;
  if (!l->items && all_floatp(items, n)) return append_runs(h, l, items, n);
  if (materialize(h, l)) return -1;
  if (l->n > SIZE_MAX - n) return -1;
  if (grow(h, (void **)&l->items, &l->cap, l->n + n, sizeof(es_pkl_val))) return -1;
  es_pkl_heap_ahead(h, l->items, sizeof(es_pkl_val), l->cap, l->n + n, &l->faulted);
  memcpy(l->items + l->n, items, n * sizeof(es_pkl_val));
  l->n += n;
  return 0;
}

es_pkl_val es_pkl_list_get_run(const es_pkl_list *l, size_t i) {
  es_pkl_val v;
  size_t lo = 0, hi = l->nruns;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->runs[mid].first <= i)
      lo = mid;
    else
      hi = mid;
  }
  v.tag = ES_PKL_V_FLOATP;
  v.g = 0;
  v.len = 0;
  v.u.p = l->runs[lo].p + 9 * (i - l->runs[lo].first);
  return v;
}

int es_pkl_dict_set(es_pkl_heap *h, es_pkl_dict *d, const es_pkl_val *kv, size_t npairs) {
  if (!npairs) return 0;
  if (d->n > SIZE_MAX / 2 - npairs) return -1;
  if (grow(h, (void **)&d->kv, &d->cap, 2 * (d->n + npairs), sizeof(es_pkl_val))) return -1;
  memcpy(d->kv + 2 * d->n, kv, 2 * npairs * sizeof(es_pkl_val));
  d->n += npairs;
  return 0;
}

int es_pkl_val_is_str(const es_pkl_val *v, const char *s) {
  size_t n = strlen(s);
  return v->tag == ES_PKL_V_STR && v->len == n && !memcmp(v->u.s, s, n);
}

const es_pkl_val *es_pkl_dict_get(const es_pkl_dict *d, const char *key) {
  size_t i = d->n;
  while (i-- > 0)
    if (es_pkl_val_is_str(&d->kv[2 * i], key)) return &d->kv[2 * i + 1];
  return NULL;
}

int es_pkl_val_number(const es_pkl_val *v, double *out) {
  switch (v->tag) {
  case ES_PKL_V_INT: *out = (double)v->u.i; return 0;
  case ES_PKL_V_FLOAT: *out = v->u.f; return 0;
  case ES_PKL_V_FLOATP: *out = es_pkl_floatp(v->u.p); return 0;
  default: return -1;
  }
}

const char *es_pkl_val_type(const es_pkl_val *v) {
  switch (v->tag) {
  case ES_PKL_V_NONE: return "None";
  case ES_PKL_V_BOOL: return "bool";
  case ES_PKL_V_INT: return "int";
  case ES_PKL_V_BIGINT: return "int beyond 64 bits";
  case ES_PKL_V_FLOAT:
  case ES_PKL_V_FLOATP: return "float";
  case ES_PKL_V_STR: return "str";
  case ES_PKL_V_GLOBAL: return es_pkl_global_name(v->g);
  case ES_PKL_V_OBJ: break;
  default: return "nothing";
  }
  switch (v->u.o->kind) {
  case ES_PKL_O_BYTES: return "bytes";
  case ES_PKL_O_TUPLE: return "tuple";
  case ES_PKL_O_LIST: return "list";
  case ES_PKL_O_DICT: return "dict";
  case ES_PKL_O_DTYPE: return "numpy.dtype";
  case ES_PKL_O_ARRAY: return "numpy.ndarray";
  case ES_PKL_O_SLICE: return "slice";
  case ES_PKL_O_INST: return es_pkl_global_name(((const es_pkl_inst *)v->u.o)->cls);
  default: return "object";
  }
}
