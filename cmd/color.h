/* --color=auto|always|never, NO_COLOR and GCC_COLORS: whether a stream
 * gets colours, and which (tjit(1), COLOURS). The library formats in the
 * colours it is handed (tj_colors); the command line and the environment
 * are the program's, so the choice is made here. */
#ifndef TJ_CMD_COLOR_H
#define TJ_CMD_COLOR_H
#include <stdio.h>

#include "tjit.h"

/* The values of --color, indexed as its words. */
enum cmd_color_when { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
extern const char *const cmd_color_words[];

/* Records the command line's --color (cmd_parse calls it once parsed). */
void cmd_color_set(int when);

/* The colours for stream (stdout or stderr), or NULL for plain text:
 * never: NULL; always: the colours; auto: the colours when the stream is a
 * terminal, $TERM is set and not "dumb", and $NO_COLOR is unset or empty.
 * The colours are gcc's defaults (tj_colors_default) with $GCC_COLORS's
 * capabilities over them, as gcc reads it; $GCC_COLORS set but empty
 * means no colour at all, even with --color=always, as in gcc. */
const tj_colors *cmd_colors(FILE *stream);

/* Writes "tjit NAME: error: " (NAME NULL: "tjit: error: ") to stderr, in
 * colours as gcc writes "gcc: error: ": the program's name bold, "error: "
 * in the error colour. */
void cmd_put_error_prefix(const char *name);
/* The same with another level: "tjit run: warning: ". */
void cmd_put_prefix(const char *name, const char *level);
/* Writes "LEVEL: " (error, warning, note or hint) to stderr in its colour
 * (a hint in the note colour, as the diagnostics' hints). */
void cmd_put_level(const char *level);

#endif
