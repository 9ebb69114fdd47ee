/* Colour in the text forms (diagnostics, explain-recompile's report):
 * an element of text wrapped in SGR escapes as gcc wraps it, chosen by
 * the caller's tj_colors (tjit.h). The library keeps no colour state: a
 * formatter is handed the colours, or NULL for plain text. */
#ifndef TJ_COLOR_H
#define TJ_COLOR_H
#include <stddef.h>

#include "tjit.h"
#include "util.h"

/* The SGR parameters of a role when colors are given and name one, else
 * NULL (plain): COLOR_OF(colors, error). color_sgr: params, or NULL for
 * NULL or "". */
#define COLOR_OF(colors, role) ((colors) ? color_sgr((colors)->role) : NULL)
const char *color_sgr(const char *params);

/* Appends s[0..n) to b, wrapped in ESC[<sgr>m ESC[K ... ESC[m ESC[K when sgr
 * is not NULL (gcc's start and end: the ESC[K keeps a background colour
 * from running to the line's end when the terminal wraps). */
void color_putn(tj_buf *b, const char *sgr, const char *s, size_t n);
void color_puts(tj_buf *b, const char *sgr, const char *s);
/* Appends the start or the end escape alone (nothing when sgr is NULL). */
void color_start(tj_buf *b, const char *sgr);
void color_stop(tj_buf *b, const char *sgr);
/* Appends a message whose names in single quotes ('x', as the messages
 * quote names and Python reprs) get colour quote, the quotes staying
 * plain as gcc leaves them. A quote opens at the start or after a
 * character that is not a letter or digit, and closes before one that is
 * not either, on the same line, so the apostrophe of "can't" opens
 * nothing. */
void color_put_message(tj_buf *b, const char *quote, const char *msg);

#endif
