/* A Wadler–Lindig document engine with JAX's layout rule (jaxlib's
 * _pretty_printer.cc): the top level starts in break mode; a group prints
 * flat iff its own contents, every break rendered as its text, fit in the
 * columns left on the line (what follows the group is not measured); in a
 * broken group each break becomes a newline plus the current indentation.
 *
 * Documents are immutable trees (DAGs: a node may be shared) allocated in
 * an arena. pp_format is iterative and linear in the document's size, so
 * a listing of 100,000 equations needs no deep C stack. */
#ifndef TJ_PP_H
#define TJ_PP_H
#include <stddef.h>

#include "arena.h"
#include "util.h"

typedef struct pp_doc pp_doc;

/* The empty document. */
pp_doc *pp_nil(tj_arena *a);
/* Literal text (no newlines); s is not copied and must outlive the doc. */
pp_doc *pp_text(tj_arena *a, const char *s);
pp_doc *pp_textn(tj_arena *a, const char *s, size_t n);
/* A break: its text t when flat, a newline and indentation when broken. */
pp_doc *pp_brk(tj_arena *a, const char *t);
/* Concatenation of docs[0..n) (the array is copied). */
pp_doc *pp_concat(tj_arena *a, pp_doc *const *docs, size_t n);
/* docs[0..n) with sep between each pair. */
pp_doc *pp_join(tj_arena *a, pp_doc *sep, pp_doc *const *docs, size_t n);
/* A unit that is laid out flat or broken as a whole. */
pp_doc *pp_group(tj_arena *a, pp_doc *d);
/* Adds n columns to the indentation of breaks inside d. */
pp_doc *pp_nest(tj_arena *a, int n, pp_doc *d);

/* pp_concat over a literal list: PP_CAT(a, x, y, z). */
#define PP_CAT(a, ...)                                                        \
  pp_concat((a), (pp_doc *[]){__VA_ARGS__},                                   \
            sizeof((pp_doc *[]){__VA_ARGS__}) / sizeof(pp_doc *))

/* Appends the layout of doc at the given line width to out. */
void pp_format(tj_buf *out, const pp_doc *doc, int width);

#endif
