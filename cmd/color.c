/* --color, NO_COLOR and GCC_COLORS (see color.h). The choice lives in
 * this file for the process, as getopt's globals do: the library itself
 * keeps none, each formatter is handed its colours. */
#include "color.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const cmd_color_words[] = {[COLOR_AUTO] = "auto", [COLOR_ALWAYS] = "always", [COLOR_NEVER] = "never",
                                       NULL};

/* The longest SGR parameters read from GCC_COLORS per capability. */
#define SGR_MAX 32

static int color_when = COLOR_AUTO;

void cmd_color_set(int when) { color_when = when; }

/* NO_COLOR (https://no-color.org): set and not empty turns auto off;
 * --color=always still colours. */
static bool auto_colors(FILE *stream) {
  const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
  if (no_color && *no_color) return false;
  /* gcc's should_colorize: emacs' M-x shell sets TERM=dumb */
  return term && strcmp(term, "dumb") != 0 && isatty(fileno(stream));
}

/* The capabilities GCC_COLORS may set: gcc's names, and tjit's own hit
 * (gcc skips names it does not know, so one GCC_COLORS serves both). */
static const struct { const char *name; size_t offset; } capabilities[] = {
    {"error", offsetof(tj_colors, error)}, {"warning", offsetof(tj_colors, warning)},
    {"note", offsetof(tj_colors, note)},   {"locus", offsetof(tj_colors, locus)},
    {"quote", offsetof(tj_colors, quote)}, {"hit", offsetof(tj_colors, hit)},
};
#define NCAPABILITIES (sizeof capabilities / sizeof capabilities[0])

/* The index of the capability named by [name, name + n), or -1. */
static int capability(const char *name, size_t n) {
  for (size_t i = 0; i < NCAPABILITIES; i++)
    if (strlen(capabilities[i].name) == n && memcmp(capabilities[i].name, name, n) == 0) return (int)i;
  return -1;
}

/* GCC_COLORS over colors, as gcc's parse_envvar_value reads it:
 * NAME=SGR pairs separated by ':', SGR only digits and ';' (anything else
 * ends the reading, keeping what was read); unknown names are skipped, a
 * later pair wins. Each value is copied into values[its capability]. */
static void read_gcc_colors(const char *spec, tj_colors *colors, char values[][SGR_MAX]) {
  for (const char *p = spec; *p;) {
    size_t item = strcspn(p, ":");
    const char *eq = memchr(p, '=', item);
    if (eq) {
      size_t vlen = item - (size_t)(eq + 1 - p);
      if (strspn(eq + 1, "0123456789;") < vlen) return;
      int cap = capability(p, (size_t)(eq - p));
      if (cap >= 0 && vlen < SGR_MAX) {
        memcpy(values[cap], eq + 1, vlen);
        values[cap][vlen] = '\0';
        *(const char **)((char *)colors + capabilities[cap].offset) = values[cap];
      }
    }
    p += item + (p[item] == ':');
  }
}

const tj_colors *cmd_colors(FILE *stream) {
  static tj_colors colors;
  static char values[NCAPABILITIES][SGR_MAX];
  static bool read;
  const char *gcc_colors = getenv("GCC_COLORS");
  if (color_when == COLOR_NEVER || (color_when == COLOR_AUTO && !auto_colors(stream))) return NULL;
  if (gcc_colors && !*gcc_colors) return NULL;
  if (!read) {
    colors = tj_colors_default();
    if (gcc_colors) read_gcc_colors(gcc_colors, &colors, values);
    read = true;
  }
  return &colors;
}

/* SGR params or NULL (plain). */
static const char *sgr_of(const char *params) { return params && *params ? params : NULL; }

void cmd_put_level(const char *level) {
  const tj_colors *c = cmd_colors(stderr);
  const char *sgr = !c ? NULL : strcmp(level, "error") == 0 ? sgr_of(c->error)
                    : strcmp(level, "warning") == 0 ? sgr_of(c->warning) : sgr_of(c->note);
  if (sgr) fprintf(stderr, "\33[%sm\33[K", sgr);
  fprintf(stderr, "%s: ", level);
  if (sgr) fputs("\33[m\33[K", stderr);
}

void cmd_put_error_prefix(const char *name) { cmd_put_prefix(name, "error"); }

void cmd_put_prefix(const char *name, const char *level) {
  const tj_colors *c = cmd_colors(stderr);
  const char *locus = c ? sgr_of(c->locus) : NULL;
  if (locus) fprintf(stderr, "\33[%sm\33[K", locus);
  if (name) fprintf(stderr, "tjit %s:", name);
  else fputs("tjit:", stderr);
  if (locus) fputs("\33[m\33[K", stderr);
  fputc(' ', stderr);
  cmd_put_level(level);
}
