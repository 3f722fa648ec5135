/* loader_dump.c - test helper: reads many files with the loaders in one process and prints what
   each yields, so a test can compare thousands of files against another reader without paying a
   process start per file (tests/integration/test_csv_differential.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/domain.h"
#include "load/loader.h"
#include "load/rowfmt.h"

/* One file: "F", then "R LINE {row as inspect prints it}" per row, then "K" at its end or
   "E {message as a JSON string}" when the loader refused it. */
static void dump(const es_domain *d, int ignore, const char *path, es_buf *out) {
  es_loader_opts opts = {ignore};
  es_loader *l = NULL;
  es_error err;
  es_chunk c;
  size_t k;
  int n;
  es_buf_clear(out);
  es_buf_puts(out, "F\n");
  es_chunk_init(&c, d);
  es_err_clear(&err);
  n = es_loader_open(path, d, &opts, &l, &err);
  while (n == 0 && (n = es_loader_next(l, &c, 64, &err)) > 0) {
    for (k = 0; k < c.nrows; k++) {
      es_buf_printf(out, "R %llu ", (unsigned long long)c.lines[k]);
      es_rowfmt_jsonl(out, d, es_chunk_row(&c, k), ES_ROWFMT_G9);
    }
    es_chunk_reset(&c);
  }
  if (n < 0) {
    es_buf_puts(out, "E ");
    es_buf_json_str(out, err.msg);
    es_buf_puts(out, "\n");
  } else {
    es_buf_puts(out, "K\n");
  }
  es_loader_close(l);
  es_chunk_free(&c);
}

/* stdin: one "DOMAIN IGNORE PATH" line per file (IGNORE: 1 drops unknown columns). */
int main(void) {
  char line[4096], dname[64], path[4000];
  es_buf out = ES_BUF_INIT;
  int ignore, rc = 0;
  while (fgets(line, sizeof(line), stdin)) {
    const es_domain *d;
    if (sscanf(line, "%63s %d %3999[^\n]", dname, &ignore, path) != 3 ||
        !(d = es_domain_find(dname))) {
      fprintf(stderr, "loader_dump: bad input line: %s", line);
      rc = 2;
      break;
    }
    dump(d, ignore, path, &out);
    if (out.oom || fwrite(out.ptr, 1, out.len, stdout) != out.len) {
      rc = 1;
      break;
    }
  }
  es_buf_free(&out);
  return fflush(stdout) ? 1 : rc;
}
