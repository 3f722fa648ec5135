/* suggest.h - "did you mean ...?" for a mistyped name (an option, a column, a domain). */
#ifndef ES_SUGGEST_H
#define ES_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word by edit distance (insertions, deletions, substitutions and
   swaps of neighbours, case ignored), if it is close enough to be a likely typo: at most 1 edit
   for words up to 4 characters, 2 up to 8, 3 beyond. NULL when none is. Candidates may be NULL
   (skipped). */
const char *es_suggest(const char *word, size_t len, const char *const *candidates, size_t n);

/* The edit distance itself, capped: returns cap + 1 as soon as the distance must exceed cap. */
size_t es_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t cap);

#endif
