/* pickle_graph.c - the pickle object graph: budgeted allocation, tuples, lists (with float runs), dicts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "load/pickle_vm.h"

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
void es_pvm_hint_huge(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20, page = 4096;
  uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1), hi = ((uintptr_t)p + n) & ~(page - 1);
  if (n >= 2 * huge && hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
  (void)p, (void)n;
#endif
}

static int budget_take(es_pvm *vm, size_t n) {
  if (vm->used > vm->budget || n > vm->budget - vm->used) return -1;
  return 0;
}

struct es_pblock {
  struct es_pblock *next;
  size_t size, used;
};

#define BLOCK_FIRST (64u << 10)
#define BLOCK_MAX (64u << 20)
#define BLOCK_HDR ((sizeof(struct es_pblock) + 15) & ~(size_t)15)

static struct es_pblock *map_block(es_pvm *vm, size_t size) {
  struct es_pblock *b;
  void *m;
  if (budget_take(vm, size)) return NULL;
  m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  es_pvm_hint_huge(m, size);
  POISON((char *)m + BLOCK_HDR, size - BLOCK_HDR);
  b = m;
  b->size = size;
  b->used = BLOCK_HDR;
  b->next = NULL;
  vm->used += size;
  return b;
}

/* Blocks double from 64 KiB to 64 MiB: small pickles stay cheap, big ones take few faults.
   With a prefault worker (big files), the next block is mapped as soon as this one is taken,
   and faulted in on the other core while this one fills. */
static struct es_pblock *new_block(es_pvm *vm, size_t need) {
  size_t size = vm->next_block ? vm->next_block : BLOCK_FIRST;
  struct es_pblock *b;
  if (need > SIZE_MAX - BLOCK_HDR - 4095) return NULL;
  if (vm->ready && vm->ready->size - BLOCK_HDR >= need) {
    b = vm->ready;
    vm->ready = NULL;
  } else {
    if (size < need + BLOCK_HDR) size = (need + BLOCK_HDR + 4095) & ~(size_t)4095;
    if (!(b = map_block(vm, size))) return NULL;
  }
  b->next = vm->blocks;
  vm->blocks = b;
  if (vm->next_block < BLOCK_MAX) vm->next_block = vm->next_block ? vm->next_block * 2 : 2 * BLOCK_FIRST;
  if (vm->pf && !vm->ready && (vm->ready = map_block(vm, vm->next_block)))
    es_prefault_add(vm->pf, vm->ready, vm->ready->size);
  return b;
}

void es_pvm_ahead(es_pvm *vm, void *arr, size_t elem, size_t cap, size_t used, size_t *faulted) {
  size_t want;
  if (!vm->pf || *faulted >= cap || (*faulted > used && *faulted - used >= ES_PVM_AHEAD / 2 / elem)) return;
  if (*faulted < used) *faulted = used;
  want = ES_PVM_AHEAD / elem;
  if (want > cap - *faulted) want = cap - *faulted;
  es_prefault_add(vm->pf, (char *)arr + *faulted * elem, want * elem);
  *faulted += want;
}

void *es_pvm_alloc(es_pvm *vm, size_t n) {
  struct es_pblock *b = vm->blocks;
  size_t want = n;
  void *p;
  if (n > SIZE_MAX - 15) return NULL;
  n = n ? (n + 15) & ~(size_t)15 : 16;
  if (!b || b->size - b->used < n) {
    if (!(b = new_block(vm, n))) return NULL;
  }
  p = (char *)b + b->used;
  b->used += n;
  UNPOISON(p, want);
  return p;
}

void es_pvm_end_prefault(es_pvm *vm) {
  es_prefault_stop(vm->pf);
  vm->pf = NULL;
  if (vm->ready) { /* mapped ahead and never needed */
    vm->used -= vm->ready->size;
    UNPOISON(vm->ready, vm->ready->size);
    munmap(vm->ready, vm->ready->size);
    vm->ready = NULL;
  }
}

void es_pvm_free_blocks(es_pvm *vm) {
  struct es_pblock *b, *next;
  es_pvm_end_prefault(vm);
  b = vm->blocks;
  for (; b; b = next) {
    next = b->next;
    UNPOISON(b, b->size);
    munmap(b, b->size);
  }
  vm->blocks = NULL;
}

es_ptuple *es_pvm_tuple(es_pvm *vm, size_t n) {
  es_ptuple *t;
  if (n > (SIZE_MAX - sizeof(*t)) / sizeof(es_pval)) return NULL;
  t = es_pvm_alloc(vm, sizeof(*t) + n * sizeof(es_pval));
  if (!t) return NULL;
  t->h.kind = ES_PO_TUPLE;
  t->n = n;
  return t;
}

es_plist *es_pvm_list(es_pvm *vm) {
  es_plist *l = es_pvm_alloc(vm, sizeof(*l));
  if (!l) return NULL;
  memset(l, 0, sizeof(*l));
  l->h.kind = ES_PO_LIST;
  l->next_alloc = vm->lists;
  vm->lists = l;
  return l;
}

es_pdict *es_pvm_dict(es_pvm *vm) {
  es_pdict *d = es_pvm_alloc(vm, sizeof(*d));
  if (!d) return NULL;
  memset(d, 0, sizeof(*d));
  d->h.kind = ES_PO_DICT;
  d->next_alloc = vm->dicts;
  vm->dicts = d;
  return d;
}

/* Grows *arr (of elem-byte items, *cap of them) to hold need, charging the budget. */
static int grow(es_pvm *vm, void **arr, size_t *cap, size_t need, size_t elem) {
  size_t ncap = *cap ? *cap : 8;
  void *p;
  if (need <= *cap) return 0;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) return -1;
    ncap *= 2;
  }
  if (ncap > SIZE_MAX / elem) return -1;
  if (budget_take(vm, (ncap - *cap) * elem)) return -1;
  es_prefault_fence(vm->pf); /* realloc may move what the worker is faulting in */
  p = realloc(*arr, ncap * elem);
  if (!p) return -1;
  vm->used += (ncap - *cap) * elem;
  *arr = p;
  *cap = ncap;
  return 0;
}



/* Turns a list held as float runs into ordinary items, so anything may be appended. */
static int materialize(es_pvm *vm, es_plist *l) {
  size_t r, k, at = 0;
  if (l->items || !l->n) return 0;
  if (grow(vm, (void **)&l->items, &l->cap, l->n, sizeof(es_pval))) return -1;
  for (r = 0; r < l->nruns; r++)
    for (k = 0; k < l->runs[r].n; k++, at++) {
      l->items[at].tag = ES_PV_FLOATP;
      l->items[at].u.p = l->runs[r].p + 9 * k;
    }
  free(l->runs);
  vm->used -= l->runcap * sizeof(es_pfrun);
  l->runs = NULL;
  l->nruns = l->runcap = 0;
  return 0;
}

static int all_floatp(const es_pval *items, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (items[i].tag != ES_PV_FLOATP) return 0;
  return n > 0;
}

static int append_runs(es_pvm *vm, es_plist *l, const es_pval *items, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    es_pfrun *last = l->nruns ? &l->runs[l->nruns - 1] : NULL;
    if (last && items[i].u.p == last->p + 9 * last->n) {
      last->n++;
    } else {
      if (grow(vm, (void **)&l->runs, &l->runcap, l->nruns + 1, sizeof(es_pfrun))) return -1;
      l->runs[l->nruns].p = items[i].u.p;
      l->runs[l->nruns].n = 1;
      l->runs[l->nruns].first = l->n + i;
      l->nruns++;
    }
  }
  l->n += n;
  /* Runs broken up (by FRAMEs or a hand-made file) cost more than plain items: give up on them. */
  if (l->nruns > 4 + l->n / 32) return materialize(vm, l);
  return 0;
}

int es_plist_append(es_pvm *vm, es_plist *l, const es_pval *items, size_t n) {
  if (!n) return 0;
  if (!l->items && all_floatp(items, n)) return append_runs(vm, l, items, n);
  if (materialize(vm, l)) return -1;
  if (l->n > SIZE_MAX - n) return -1;
  if (grow(vm, (void **)&l->items, &l->cap, l->n + n, sizeof(es_pval))) return -1;
  es_pvm_ahead(vm, l->items, sizeof(es_pval), l->cap, l->n + n, &l->faulted);
  memcpy(l->items + l->n, items, n * sizeof(es_pval));
  l->n += n;
  return 0;
}

es_pval es_plist_get_run(const es_plist *l, size_t i) {
  es_pval v;
  size_t lo = 0, hi = l->nruns;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->runs[mid].first <= i)
      lo = mid;
    else
      hi = mid;
  }
  v.tag = ES_PV_FLOATP;
  v.g = 0;
  v.len = 0;
  v.u.p = l->runs[lo].p + 9 * (i - l->runs[lo].first);
  return v;
}

int es_pdict_set(es_pvm *vm, es_pdict *d, const es_pval *kv, size_t npairs) {
  if (!npairs) return 0;
  if (d->n > SIZE_MAX / 2 - npairs) return -1;
  if (grow(vm, (void **)&d->kv, &d->cap, 2 * (d->n + npairs), sizeof(es_pval))) return -1;
  memcpy(d->kv + 2 * d->n, kv, 2 * npairs * sizeof(es_pval));
  d->n += npairs;
  return 0;
}

int es_pval_is_str(const es_pval *v, const char *s) {
  size_t n = strlen(s);
  return v->tag == ES_PV_STR && v->len == n && !memcmp(v->u.s, s, n);
}

const es_pval *es_pdict_get(const es_pdict *d, const char *key) {
  size_t i = d->n;
  while (i-- > 0)
    if (es_pval_is_str(&d->kv[2 * i], key)) return &d->kv[2 * i + 1];
  return NULL;
}

int es_pval_number(const es_pval *v, double *out) {
  switch (v->tag) {
  case ES_PV_INT: *out = (double)v->u.i; return 0;
  case ES_PV_FLOAT: *out = v->u.f; return 0;
  case ES_PV_FLOATP: *out = es_pval_floatp(v->u.p); return 0;
  default: return -1;
  }
}

static const char *inst_type(const es_pinst *in) { return es_pglobal_name(in->cls); }

const char *es_pval_type(const es_pval *v) {
  switch (v->tag) {
  case ES_PV_NONE: return "None";
  case ES_PV_BOOL: return "bool";
  case ES_PV_INT: return "int";
  case ES_PV_BIGINT: return "int beyond 64 bits";
  case ES_PV_FLOAT:
  case ES_PV_FLOATP: return "float";
  case ES_PV_STR: return "str";
  case ES_PV_GLOBAL: return es_pglobal_name(v->g);
  case ES_PV_OBJ: break;
  default: return "nothing";
  }
  switch (v->u.o->kind) {
  case ES_PO_BYTES: return "bytes";
  case ES_PO_TUPLE: return "tuple";
  case ES_PO_LIST: return "list";
  case ES_PO_DICT: return "dict";
  case ES_PO_DTYPE: return "numpy.dtype";
  case ES_PO_ARRAY: return "numpy.ndarray";
  case ES_PO_SLICE: return "slice";
  case ES_PO_INST: return inst_type((const es_pinst *)v->u.o);
  default: return "object";
  }
}
