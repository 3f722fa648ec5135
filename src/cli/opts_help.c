/* opts_help.c - a command's --help text, laid out from its option table. */
#include <string.h>

#include "cli/opts.h"

#define HELP_COL 28 /* where an option's description starts */

/* "  -d, --domain D" into out; returns its length. */
static size_t left_column(const es_opt *o, char *out, size_t cap) {
  int n;
  if (o->short_name)
    n = snprintf(out, cap, "  -%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
  else
    n = snprintf(out, cap, "      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
  return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

#define HELP_WIDTH 96 /* a note goes on a line of its own rather than past this column */

/* Prints text line by line, the first line after first_pad spaces, the others after pad; note
   (may be "") follows the last line, or stands on a line of its own when it would not fit. */
static void print_lines(FILE *out, const char *text, int first_pad, int pad, const char *note) {
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    int n = nl ? (int)(nl - p) : (int)strlen(p);
    fprintf(out, "%*s%.*s", first_pad, "", n, p);
    p += n + (nl ? 1 : 0);
    if (!*p && *note) {
      if (pad + n + 1 + (int)strlen(note) <= HELP_WIDTH)
        fprintf(out, " %s", note);
      else
        fprintf(out, "\n%*s%s", pad, "", note);
    }
    fputc('\n', out);
    first_pad = pad;
  }
}

static void option(FILE *out, es_opts_default_fn show_default, const es_opt *o) {
  char left[96], def[128], extra[256];
  size_t n = left_column(o, left, sizeof(left));
  def[0] = extra[0] = '\0';
  if (show_default) show_default(o->id, def, sizeof(def));
  if (*def && o->env)
    snprintf(extra, sizeof(extra), "(default %s; environment: %s)", def, o->env);
  else if (*def)
    snprintf(extra, sizeof(extra), "(default %s)", def);
  else if (o->env)
    snprintf(extra, sizeof(extra), "(environment: %s)", o->env);
  fputs(left, out);
  if (n + 1 >= HELP_COL) { /* too wide: the description starts on the next line */
    fputc('\n', out);
    n = 0;
  }
  print_lines(out, o->help, HELP_COL - (int)n, HELP_COL, extra);
}

void es_opts_help(const es_cmd_spec *spec, FILE *out) {
  static const es_opt help = {0, "help", 'h', NULL, "this text", NULL};
  size_t i;
  fprintf(out, "usage: embedstream %s %s\n\n%s\n\nOptions:\n", spec->name, spec->synopsis,
          spec->description);
  for (i = 0; i < spec->nopts; i++) option(out, spec->show_default, &spec->opts[i]);
  option(out, NULL, &help);
  if (spec->examples) {
    fputs("\nExamples:\n", out);
    print_lines(out, spec->examples, 2, 2, "");
  }
  if (spec->footer) fprintf(out, "\n%s\n", spec->footer);
}
