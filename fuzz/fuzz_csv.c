/* fuzz_csv.c - libFuzzer target: any bytes through the CSV loader (header rules, quoting, cells,
 * row checks). */
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_text_run(es_csv_open_mem, "fuzz.csv", data, size);
}
