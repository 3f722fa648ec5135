/* vm.c - the opcode loop: protocols 2 to 5, a fixed opcode set, every length checked. */
#include "load/pickle/vm.h"

#include <stdlib.h>
#include <string.h>

#include "load/pickle/fail.h"
#include "load/pickle/globals.h"
#include "load/pickle/np.h"
#include "load/pickle/opcodes.h"

#define PROGRESS_STEP (16u << 20)

void es_pkl_vm_init(es_pkl_vm *vm, const uint8_t *buf, size_t len, const char *name) {
  memset(vm, 0, sizeof(*vm));
  vm->buf = buf;
  vm->len = len;
  vm->name = name;
  es_pkl_heap_init(&vm->heap, len <= (SIZE_MAX - ES_PKL_BUDGET_FLOOR) / ES_PKL_BUDGET_FACTOR
                                  ? len * ES_PKL_BUDGET_FACTOR + ES_PKL_BUDGET_FLOOR
                                  : SIZE_MAX);
}

void es_pkl_vm_free(es_pkl_vm *vm) {
  es_pkl_heap_free(&vm->heap);
  free(vm->stack);
  free(vm->memo);
  memset(vm, 0, sizeof(*vm));
}

/* ---- reading the byte stream ---- */

static inline int need(es_pkl_vm *vm, size_t n, es_error *err) {
  if (vm->len - vm->pos < n) return es_pkl_fail(err, "truncated: the file ends inside an opcode");
  return 0;
}

static inline uint64_t read_le(es_pkl_vm *vm, size_t n) {
  uint64_t v = 0;
  size_t i;
  for (i = 0; i < n; i++) v |= (uint64_t)vm->buf[vm->pos + i] << (8 * i);
  vm->pos += n;
  return v;
}

/* Length-prefixed data: the length is checked against what is left of the file. */
static inline int read_sized(es_pkl_vm *vm, size_t lenbytes, const uint8_t **p, uint64_t *n,
                             es_error *err) {
  int rc = need(vm, lenbytes, err);
  if (rc) return rc;
  *n = read_le(vm, lenbytes);
  if (*n > vm->len - vm->pos)
    return es_pkl_fail(err, "declared length %llu runs past the end of the file",
                       (unsigned long long)*n);
  *p = vm->buf + vm->pos;
  vm->pos += (size_t)*n;
  return 0;
}

/* ---- stack, marks, memo ---- */

static inline int push(es_pkl_vm *vm, es_pkl_val v, es_error *err) {
  if (vm->sp == vm->scap) {
    size_t ncap = vm->scap ? vm->scap * 2 : 256;
    size_t more = (ncap - vm->scap) * sizeof(es_pkl_val);
    es_pkl_val *s;
    if (es_pkl_heap_charge(&vm->heap, more)) return es_pkl_over_budget(err);
    s = realloc(vm->stack, ncap * sizeof(es_pkl_val));
    if (!s) return es_pkl_over_budget(err);
    vm->stack = s;
    vm->scap = ncap;
  }
  vm->stack[vm->sp++] = v;
  return 0;
}

static inline size_t floor_sp(const es_pkl_vm *vm) {
  return vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
}

static inline int pop(es_pkl_vm *vm, es_pkl_val *out, es_error *err) {
  if (vm->sp <= floor_sp(vm)) return es_pkl_fail(err, "stack underflow");
  *out = vm->stack[--vm->sp];
  return 0;
}

static inline es_pkl_val *top(es_pkl_vm *vm, es_error *err) {
  if (vm->sp <= floor_sp(vm)) {
    es_pkl_fail(err, "stack underflow");
    return NULL;
  }
  return &vm->stack[vm->sp - 1];
}

/* Pops to the last MARK: the items are stack[*start .. vm->sp) until the next push. */
static int pop_mark(es_pkl_vm *vm, size_t *start, es_error *err) {
  if (!vm->nmarks) return es_pkl_fail(err, "no MARK on the stack");
  *start = vm->marks[--vm->nmarks];
  return 0;
}

static inline int memo_put(es_pkl_vm *vm, uint64_t idx, es_error *err) {
  es_pkl_val *t = top(vm, err);
  if (!t) return err->code;
  if (idx >= vm->mcap) {
    size_t ncap = vm->mcap ? vm->mcap : 64, more;
    es_pkl_val *m;
    while (ncap <= idx) {
      if (ncap > SIZE_MAX / 2 / sizeof(es_pkl_val)) return es_pkl_over_budget(err);
      ncap *= 2;
    }
    more = (ncap - vm->mcap) * sizeof(es_pkl_val);
    if (es_pkl_heap_charge(&vm->heap, more))
      return es_pkl_fail(err, "memo index %llu is too large", (unsigned long long)idx);
    es_pkl_prefault_fence(vm->heap.pf); /* realloc may move what the worker is faulting in */
    m = realloc(vm->memo, ncap * sizeof(es_pkl_val));
    if (!m) return es_pkl_over_budget(err);
    vm->memo = m;
    vm->mcap = ncap;
  }
  /* Only entries below nmemo are ever read: a gap left by an explicit index is marked unset,
     the capacity beyond is never touched (so never faulted in). */
  if (idx > vm->nmemo)
    memset(vm->memo + vm->nmemo, 0, (size_t)(idx - vm->nmemo) * sizeof(es_pkl_val));
  es_pkl_heap_ahead(&vm->heap, vm->memo, sizeof(es_pkl_val), vm->mcap, (size_t)idx + 1,
                    &vm->memo_faulted);
  vm->memo[idx] = *t;
  if (idx >= vm->nmemo) vm->nmemo = (size_t)idx + 1;
  return 0;
}

static inline int memo_get(es_pkl_vm *vm, uint64_t idx, es_error *err) {
  if (idx >= vm->nmemo || vm->memo[idx].tag == ES_PKL_V_UNSET)
    return es_pkl_fail(err, "memo entry %llu is not set", (unsigned long long)idx);
  return push(vm, vm->memo[idx], err);
}

/* ---- value opcodes ---- */

static es_pkl_val val_int(int64_t i) {
  es_pkl_val v = {ES_PKL_V_INT, 0, 0, {.i = i}};
  return v;
}

static int op_long(es_pkl_vm *vm, size_t lenbytes, es_error *err) {
  const uint8_t *p = NULL;
  uint64_t n, u = 0;
  size_t i;
  int rc = read_sized(vm, lenbytes, &p, &n, err);
  if (rc) return rc;
  if (n > 8) {
    es_pkl_val big = {ES_PKL_V_BIGINT, 0, 0, {0}};
    return push(vm, big, err);
  }
  for (i = 0; i < n; i++) u |= (uint64_t)p[i] << (8 * i);
  if (n && n < 8 && (p[n - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
  return push(vm, val_int((int64_t)u), err);
}

static int op_str(es_pkl_vm *vm, size_t lenbytes, es_error *err) {
  const uint8_t *p = NULL;
  uint64_t n;
  es_pkl_val v = {ES_PKL_V_STR, 0, 0, {0}};
  int rc = read_sized(vm, lenbytes, &p, &n, err);
  if (rc) return rc;
  if (n > ES_PKL_MAX_STR) return es_pkl_fail(err, "str longer than 4 GiB");
  v.len = (uint32_t)n;
  v.u.s = (const char *)p;
  return push(vm, v, err);
}

static int op_bytes(es_pkl_vm *vm, size_t lenbytes, es_error *err) {
  es_pkl_bytes *b;
  const uint8_t *p = NULL;
  uint64_t n;
  int rc = read_sized(vm, lenbytes, &p, &n, err);
  if (rc) return rc;
  if (n >= 256) {
    /* A column of arrays is opcodes, a big skip, opcodes, a big skip...: the next opcodes are
       always a cache miss. Asking for those a few arrays ahead (same stride) hides it. */
    uintptr_t end = (uintptr_t)(p + n), stride = end - vm->last_skip;
    if (end > vm->last_skip && stride < ((uintptr_t)1 << 16) &&
        end - (uintptr_t)vm->buf + 4 * stride < vm->len)
      __builtin_prefetch((const void *)(end + 4 * stride));
    vm->last_skip = end;
  }
  b = es_pkl_alloc(&vm->heap, sizeof(*b));
  if (!b) return es_pkl_over_budget(err);
  b->h.kind = ES_PKL_O_BYTES;
  b->p = p;
  b->n = n;
  return push(vm, es_pkl_val_of(b), err);
}

static int op_float(es_pkl_vm *vm, es_error *err) {
  es_pkl_val v = {ES_PKL_V_FLOATP, 0, 0, {0}};
  int rc = need(vm, 8, err);
  if (rc) return rc;
  v.u.p = vm->buf + vm->pos;
  vm->pos += 8;
  return push(vm, v, err);
}

/* ---- containers ---- */

static int same_ints(const es_pkl_tuple *t, const es_pkl_val *items, size_t n) {
  size_t i;
  if (!t || t->n != n) return 0;
  for (i = 0; i < n; i++)
    if (items[i].tag != ES_PKL_V_INT || t->items[i].tag != ES_PKL_V_INT ||
        items[i].u.i != t->items[i].u.i)
      return 0;
  return 1;
}

static int op_tuple(es_pkl_vm *vm, size_t n, int from_mark, es_error *err) {
  size_t start = 0;
  es_pkl_tuple *t;
  int rc;
  if (from_mark) {
    if ((rc = pop_mark(vm, &start, err))) return rc;
    n = vm->sp - start;
  } else {
    if (vm->sp - floor_sp(vm) < n) return es_pkl_fail(err, "stack underflow");
    start = vm->sp - n;
  }
  if (n && n <= 2 && same_ints(vm->last_ints, vm->stack + start, n)) {
    /* A column of arrays repeats its shape, (384,), once per row: tuples are immutable, so
       the last one of small ints is shared instead of allocating a million equal ones. */
    vm->sp = start;
    return push(vm, es_pkl_val_of(vm->last_ints), err);
  }
  t = es_pkl_tuple_new(&vm->heap, n);
  if (!t) return es_pkl_over_budget(err);
  if (n) memcpy(t->items, vm->stack + start, n * sizeof(es_pkl_val));
  vm->sp = start;
  if (n && n <= 2 && t->items[0].tag == ES_PKL_V_INT && t->items[n - 1].tag == ES_PKL_V_INT)
    vm->last_ints = t;
  return push(vm, es_pkl_val_of(t), err);
}

/* LIST and DICT: a new list, or dict, of the items since the last MARK. */
static int op_from_mark(es_pkl_vm *vm, int kind, es_error *err) {
  size_t start = 0, n;
  es_pkl_list *l = NULL;
  es_pkl_dict *d = NULL;
  int rc = pop_mark(vm, &start, err);
  if (rc) return rc;
  n = vm->sp - start;
  if (kind == ES_PKL_O_DICT && n % 2) return es_pkl_fail(err, "DICT with an odd number of items");
  if (kind == ES_PKL_O_LIST)
    rc =
        !(l = es_pkl_list_new(&vm->heap)) || es_pkl_list_append(&vm->heap, l, vm->stack + start, n);
  else
    rc = !(d = es_pkl_dict_new(&vm->heap)) ||
         es_pkl_dict_set(&vm->heap, d, vm->stack + start, n / 2);
  if (rc) return es_pkl_over_budget(err);
  vm->sp = start;
  return push(vm, l ? es_pkl_val_of(l) : es_pkl_val_of(d), err);
}

/* The container at stack[at], below the items APPENDS/SETITEMS add to it: a list or a dict. */
static es_pkl_obj *container_at(es_pkl_vm *vm, size_t at, int kind, es_error *err) {
  es_pkl_obj *o;
  if (!at || at - 1 >= vm->sp || at - 1 < floor_sp(vm)) {
    es_pkl_fail(err, "stack underflow");
    return NULL;
  }
  o = es_pkl_val_obj(&vm->stack[at - 1], kind);
  if (!o)
    es_pkl_fail(err, "%s a %s (only %s are supported)",
                kind == ES_PKL_O_LIST ? "APPEND to" : "SETITEM on",
                es_pkl_val_type(&vm->stack[at - 1]), kind == ES_PKL_O_LIST ? "lists" : "dicts");
  return o;
}

/* APPEND(S) and SETITEM(S): the items are stack[*start ..), from the last MARK or the top n;
 *o is the list or dict below them. */
static int added_items(es_pkl_vm *vm, int from_mark, size_t n, int kind, size_t *start,
                       es_pkl_obj **o, es_error *err) {
  int rc;
  if (from_mark) {
    if ((rc = pop_mark(vm, start, err))) return rc;
  } else {
    if (vm->sp < floor_sp(vm) + n + 1) return es_pkl_fail(err, "stack underflow");
    *start = vm->sp - n;
  }
  if (kind == ES_PKL_O_DICT && (vm->sp - *start) % 2)
    return es_pkl_fail(err, "SETITEMS with an odd number of items");
  return (*o = container_at(vm, *start, kind, err)) ? 0 : err->code;
}

static int op_appends(es_pkl_vm *vm, int from_mark, es_error *err) {
  size_t start = 0;
  es_pkl_obj *l;
  int rc = added_items(vm, from_mark, 1, ES_PKL_O_LIST, &start, &l, err);
  if (rc) return rc;
  if (es_pkl_list_append(&vm->heap, (es_pkl_list *)l, vm->stack + start, vm->sp - start))
    return es_pkl_over_budget(err);
  vm->sp = start;
  return 0;
}

static int op_setitems(es_pkl_vm *vm, int from_mark, es_error *err) {
  size_t start = 0;
  es_pkl_obj *d;
  int rc = added_items(vm, from_mark, 2, ES_PKL_O_DICT, &start, &d, err);
  if (rc) return rc;
  if (es_pkl_dict_set(&vm->heap, (es_pkl_dict *)d, vm->stack + start, (vm->sp - start) / 2))
    return es_pkl_over_budget(err);
  vm->sp = start;
  return 0;
}

/* ---- globals and calls ---- */

/* A name from the file, made printable for the message. */
static void printable(char *dst, size_t cap, const char *s, size_t n) {
  size_t i;
  if (n > cap - 1) n = cap - 1;
  for (i = 0; i < n; i++) dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
  dst[n] = '\0';
}

static int push_global(es_pkl_vm *vm, const char *mod, size_t ml, const char *name, size_t nl,
                       es_error *err) {
  es_pkl_val v = {ES_PKL_V_GLOBAL, 0, 0, {0}};
  int g = es_pkl_global_find(mod, ml, name, nl);
  if (g <= 0) {
    char m[128], n[128];
    printable(m, sizeof(m), mod, ml);
    printable(n, sizeof(n), name, nl);
    return es_pkl_fail(err, "global '%s.%s' is not allowed", m, n);
  }
  v.g = (uint8_t)g;
  return push(vm, v, err);
}

static int read_line(es_pkl_vm *vm, const char **s, size_t *n, es_error *err) {
  const uint8_t *start = vm->buf + vm->pos, *nl;
  size_t left = vm->len - vm->pos;
  nl = memchr(start, '\n', left < 256 ? left : 256);
  if (!nl)
    return es_pkl_fail(err, "GLOBAL name %s", left < 256 ? "truncated" : "longer than 255 bytes");
  *s = (const char *)start;
  *n = (size_t)(nl - start);
  vm->pos += *n + 1;
  return 0;
}

static int op_global(es_pkl_vm *vm, es_error *err) {
  const char *m = NULL, *n = NULL;
  size_t ml = 0, nl = 0;
  int rc = read_line(vm, &m, &ml, err);
  if (!rc) rc = read_line(vm, &n, &nl, err);
  return rc ? rc : push_global(vm, m, ml, n, nl, err);
}

static int op_stack_global(es_pkl_vm *vm, es_error *err) {
  es_pkl_val mod = {0}, name = {0};
  int rc = pop(vm, &name, err);
  if (!rc) rc = pop(vm, &mod, err);
  if (rc) return rc;
  if (mod.tag != ES_PKL_V_STR || name.tag != ES_PKL_V_STR)
    return es_pkl_fail(err, "STACK_GLOBAL needs two str");
  return push_global(vm, mod.u.s, mod.len, name.u.s, name.len, err);
}

static int op_call(es_pkl_vm *vm, int newobj, es_error *err) {
  es_pkl_val args, *f, res;
  int rc = pop(vm, &args, err);
  if (rc) return rc;
  if (!(f = top(vm, err))) return err->code;
  if (f->tag != ES_PKL_V_GLOBAL)
    return es_pkl_fail(err, "%s of a non-global is not supported", newobj ? "NEWOBJ" : "REDUCE");
  if (!es_pkl_val_obj(&args, ES_PKL_O_TUPLE))
    return es_pkl_fail(err, "call arguments are a %s, not a tuple", es_pkl_val_type(&args));
  rc = newobj ? es_pkl_np_newobj(&vm->heap, f->g, &args, &res, err)
              : es_pkl_np_reduce(&vm->heap, f->g, &args, &res, err);
  if (rc) return rc;
  *f = res;
  return 0;
}

static int op_build(es_pkl_vm *vm, es_error *err) {
  es_pkl_val state, *obj;
  int rc = pop(vm, &state, err);
  if (rc) return rc;
  if (!(obj = top(vm, err))) return err->code;
  return es_pkl_np_build(&vm->heap, obj, &state, err);
}

/* ---- the loop ---- */

/* Every opcode's pickletools name, or NULL for a byte that is no opcode. */
static const char *opcode_name(int op) {
  switch (op) {
#define ES_PKL_OP_NAME(name, byte) \
  case ES_PKL_OP_##name: return #name;
    ES_PKL_OPCODES(ES_PKL_OP_NAME)
#undef ES_PKL_OP_NAME
  default: return NULL;
  }
}

static int unsupported(int op, es_error *err) {
  const char *n = opcode_name(op);
  if (n) return es_pkl_fail(err, "opcode %s (0x%02x) is not supported", n, op);
  return es_pkl_fail(err, "unknown opcode 0x%02x", op);
}

static int op_proto(es_pkl_vm *vm, es_error *err) {
  int rc = need(vm, 1, err);
  if (rc) return rc;
  vm->proto = vm->buf[vm->pos++];
  if (vm->proto < 2 || vm->proto > 5)
    return es_pkl_fail(err, "pickle protocol %d is not supported (2 to 5 are)", vm->proto);
  return 0;
}

static int op_mark(es_pkl_vm *vm, es_error *err) {
  if (vm->nmarks == ES_PKL_MAX_MARKS)
    return es_pkl_fail(err, "nesting deeper than %d marks", ES_PKL_MAX_MARKS);
  vm->marks[vm->nmarks++] = vm->sp;
  return 0;
}

static int op_pop(es_pkl_vm *vm, es_error *err) {
  es_pkl_val v;
  if (vm->nmarks && vm->marks[vm->nmarks - 1] == vm->sp) { /* POP on a MARK drops the mark */
    vm->nmarks--;
    return 0;
  }
  return pop(vm, &v, err);
}

static int op_frame(es_pkl_vm *vm, es_error *err) {
  uint64_t n;
  int rc = need(vm, 8, err);
  if (rc) return rc;
  n = read_le(vm, 8);
  if (n > vm->len - vm->pos)
    return es_pkl_fail(err, "truncated: a FRAME runs past the end of the file");
  return 0;
}

/* BININT (signed, 4 bytes), BININT1 and BININT2 (unsigned). */
static inline int op_int(es_pkl_vm *vm, size_t nbytes, es_error *err) {
  int rc = need(vm, nbytes, err);
  if (rc) return rc;
  if (nbytes == 4) return push(vm, val_int((int32_t)read_le(vm, 4)), err);
  return push(vm, val_int((int64_t)read_le(vm, nbytes)), err);
}

/* BINGET/LONG_BINGET and BINPUT/LONG_BINPUT: a memo index of nbytes. */
static inline int op_memo(es_pkl_vm *vm, size_t nbytes, int put, es_error *err) {
  int rc = need(vm, nbytes, err);
  if (rc) return rc;
  return put ? memo_put(vm, read_le(vm, nbytes), err) : memo_get(vm, read_le(vm, nbytes), err);
}

static int op_simple(es_pkl_vm *vm, int op, es_error *err) {
  es_pkl_val v = {0};
  size_t start = 0;
  int rc;
  switch (op) {
  case ES_PKL_OP_POP_MARK:
    if ((rc = pop_mark(vm, &start, err))) return rc;
    vm->sp = start;
    return 0;
  case ES_PKL_OP_DUP: {
    es_pkl_val *t = top(vm, err);
    return t ? push(vm, *t, err) : err->code;
  }
  case ES_PKL_OP_NONE: v.tag = ES_PKL_V_NONE; return push(vm, v, err);
  case ES_PKL_OP_NEWTRUE:
  case ES_PKL_OP_NEWFALSE:
    v.tag = ES_PKL_V_BOOL;
    v.u.i = op == ES_PKL_OP_NEWTRUE;
    return push(vm, v, err);
  case ES_PKL_OP_EMPTY_LIST: {
    es_pkl_list *l = es_pkl_list_new(&vm->heap);
    return l ? push(vm, es_pkl_val_of(l), err) : es_pkl_over_budget(err);
  }
  case ES_PKL_OP_EMPTY_DICT: {
    es_pkl_dict *d = es_pkl_dict_new(&vm->heap);
    return d ? push(vm, es_pkl_val_of(d), err) : es_pkl_over_budget(err);
  }
  default: return unsupported(op, err);
  }
}

static int step(es_pkl_vm *vm, int op, int *stop, es_error *err) {
  switch (op) {
  case ES_PKL_OP_PROTO: return op_proto(vm, err);
  case ES_PKL_OP_FRAME: return op_frame(vm, err);
  case ES_PKL_OP_STOP: *stop = 1; return 0;
  case ES_PKL_OP_MARK: return op_mark(vm, err);
  case ES_PKL_OP_POP: return op_pop(vm, err);
  case ES_PKL_OP_BININT: return op_int(vm, 4, err);
  case ES_PKL_OP_BININT1: return op_int(vm, 1, err);
  case ES_PKL_OP_BININT2: return op_int(vm, 2, err);
  case ES_PKL_OP_LONG1: return op_long(vm, 1, err);
  case ES_PKL_OP_LONG4: return op_long(vm, 4, err);
  case ES_PKL_OP_BINFLOAT: return op_float(vm, err);
  case ES_PKL_OP_BINUNICODE: return op_str(vm, 4, err);
  case ES_PKL_OP_SHORT_BINUNICODE: return op_str(vm, 1, err);
  case ES_PKL_OP_BINUNICODE8: return op_str(vm, 8, err);
  case ES_PKL_OP_BINBYTES: return op_bytes(vm, 4, err);
  case ES_PKL_OP_SHORT_BINBYTES: return op_bytes(vm, 1, err);
  case ES_PKL_OP_BINBYTES8:
  case ES_PKL_OP_BYTEARRAY8: return op_bytes(vm, 8, err);
  case ES_PKL_OP_EMPTY_TUPLE: return op_tuple(vm, 0, 0, err);
  case ES_PKL_OP_TUPLE: return op_tuple(vm, 0, 1, err);
  case ES_PKL_OP_TUPLE1: return op_tuple(vm, 1, 0, err);
  case ES_PKL_OP_TUPLE2: return op_tuple(vm, 2, 0, err);
  case ES_PKL_OP_TUPLE3: return op_tuple(vm, 3, 0, err);
  case ES_PKL_OP_LIST: return op_from_mark(vm, ES_PKL_O_LIST, err);
  case ES_PKL_OP_APPEND: return op_appends(vm, 0, err);
  case ES_PKL_OP_APPENDS: return op_appends(vm, 1, err);
  case ES_PKL_OP_DICT: return op_from_mark(vm, ES_PKL_O_DICT, err);
  case ES_PKL_OP_SETITEM: return op_setitems(vm, 0, err);
  case ES_PKL_OP_SETITEMS: return op_setitems(vm, 1, err);
  case ES_PKL_OP_GLOBAL: return op_global(vm, err);
  case ES_PKL_OP_STACK_GLOBAL: return op_stack_global(vm, err);
  case ES_PKL_OP_REDUCE: return op_call(vm, 0, err);
  case ES_PKL_OP_NEWOBJ: return op_call(vm, 1, err);
  case ES_PKL_OP_BUILD: return op_build(vm, err);
  case ES_PKL_OP_BINGET: return op_memo(vm, 1, 0, err);
  case ES_PKL_OP_LONG_BINGET: return op_memo(vm, 4, 0, err);
  case ES_PKL_OP_BINPUT: return op_memo(vm, 1, 1, err);
  case ES_PKL_OP_LONG_BINPUT: return op_memo(vm, 4, 1, err);
  case ES_PKL_OP_MEMOIZE: return memo_put(vm, vm->nmemo, err);
  default: return op_simple(vm, op, err);
  }
}

static int finish(es_pkl_vm *vm, es_error *err) {
  if (vm->sp <= floor_sp(vm)) return es_pkl_fail(err, "STOP with an empty stack");
  vm->root = vm->stack[vm->sp - 1];
  return 0;
}

/* pandas' to_pickle compresses when asked to; say so instead of "not a pickle". */
static const char *compressed(const uint8_t *b, size_t n) {
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return "gzip";
  if (n >= 3 && !memcmp(b, "BZh", 3)) return "bzip2";
  if (n >= 6 && !memcmp(b,
                        "\xfd"
                        "7zXZ\0",
                        6))
    return "xz";
  if (n >= 4 && !memcmp(b, "PK\x03\x04", 4)) return "zip";
  if (n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4)) return "zstd";
  return NULL;
}

int es_pkl_vm_run(es_pkl_vm *vm, es_error *err) {
  size_t at = 0, next_progress = PROGRESS_STEP;
  int stop = 0, rc = 0;
  const char *z = compressed(vm->buf, vm->len);
  if (z)
    return es_pkl_fail(err, "%s: %s-compressed, not a plain pickle: decompress it first", vm->name,
                       z);
  if (vm->len < 2 || vm->buf[0] != ES_PKL_OP_PROTO) {
    return es_pkl_fail(err, "%s: not a pickle of protocol 2 to 5 (no PROTO opcode at the start)",
                       vm->name);
  }
  /* The stack exists from the start, so an empty MARK range is never NULL + 0. */
  if (!vm->stack) {
    if (es_pkl_heap_charge(&vm->heap, 256 * sizeof(es_pkl_val)) ||
        !(vm->stack = malloc(256 * sizeof(es_pkl_val))))
      return es_err_set(err, ES_ENOMEM, "%s: out of memory", vm->name);
    vm->scap = 256;
  }
  while (!stop) {
    if (vm->pos >= vm->len) {
      at = vm->pos;
      rc = es_pkl_fail(err, "truncated: the file ends before STOP");
      break;
    }
    at = vm->pos;
    rc = step(vm, vm->buf[vm->pos++], &stop, err);
    if (rc) break;
    if (vm->pos >= next_progress) {
      if (vm->progress) vm->progress(vm->progress_ctx, vm->pos);
      next_progress = vm->pos + PROGRESS_STEP;
    }
  }
  if (!rc) rc = finish(vm, err);
  if (rc) {
    err->code = ES_EINVAL;
    es_err_prefix(err, "%s: byte %zu: ", vm->name, at);
  }
  return rc;
}
