/* vm.h - an inert pickle interpreter: opcodes build a graph of plain values, nothing runs. */
#ifndef ES_PKL_VM_H
#define ES_PKL_VM_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "load/pickle/graph.h"

/* Limits that keep a hostile file from costing more than a bounded amount of work or memory. */
#define ES_PKL_MAX_MARKS 100 /* nesting of MARK ... TUPLE/APPENDS/SETITEMS */

/* The interpreter. Memory: the heap's budget bounds the graph + memo + stack. */
typedef struct es_pkl_vm {
  const uint8_t *buf; /* the pickle; never written */
  size_t len;
  size_t pos;
  es_pkl_heap heap; /* the graph; its pf is set by the caller for big files */
  size_t memo_faulted;
  es_pkl_val *stack;
  size_t sp, scap;
  size_t marks[ES_PKL_MAX_MARKS];
  size_t nmarks;
  es_pkl_val *memo;
  size_t nmemo, mcap;
  int proto;
  uintptr_t last_skip;     /* where the last big bytes object ended (prefetch stride) */
  es_pkl_tuple *last_ints; /* the last tuple of one or two ints, shared by equal ones */
  const char *name;        /* file name for messages */
  es_pkl_val root;
  /* Called as the interpreter moves forward, so the caller can drop file pages behind it. */
  void (*progress)(void *ctx, size_t pos);
  void *progress_ctx;
} es_pkl_vm;

void es_pkl_vm_init(es_pkl_vm *vm, const uint8_t *buf, size_t len, const char *name);
/* Runs to STOP; vm->root holds the result. ES_EINVAL with err naming the byte offset and what. */
int es_pkl_vm_run(es_pkl_vm *vm, es_error *err);
void es_pkl_vm_free(es_pkl_vm *vm);

#endif
