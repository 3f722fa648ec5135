/* fuzz_jsonl.c - libFuzzer target: any bytes through the JSONL loader (fields, nulls, JSON values,
 * row checks). */
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_text_run(es_jsonl_open_mem, "fuzz.jsonl", data, size);
}
