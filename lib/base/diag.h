/* Diagnostics: the one module that formats errors. Positions are byte
 * offsets into a tj_source; line and column are computed only when a
 * diagnostic is rendered. Rendered shape (gcc/clang):
 *
 *   FILE:LINE:COL: error: MESSAGE
 *       3 |   if (x > threshold) return x * 2;
 *         |       ^~~~~~~~~~~~~
 *   note: ...
 *   hint: ...
 */
#ifndef TJ_DIAG_H
#define TJ_DIAG_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

/* Where a run of a source's bytes is written in the file the user opens:
 * byte `off` is at (line, col); each later byte up to the next run is one
 * column further (step 1: ASCII text as written) or at the same place
 * (step 0: the bytes of one character written as several bytes or as an
 * escape such as \n or \u00e9 in a JSON string). Runs are sorted by off, so
 * a position is one binary search, however long the line. */
typedef struct tj_pos_run {
  uint32_t off, line, col, step;
} tj_pos_run;

/* A named text that diagnostics point into: the spec file, or the function
 * source (inline or source_file). The text's own lines are what an excerpt
 * shows; positions are those of the file `name` (for inline source, where
 * each character is written inside the spec's JSON strings). */
typedef struct tj_source {
  const char *name;        /* shown as FILE */
  const char *text;
  uint32_t len;
  uint32_t *line_starts;   /* lines of text, built by source_init */
  uint32_t nlines;
  const tj_pos_run *runs;  /* positions in the file name, built by source_init */
  uint32_t nruns;
} tj_source;

/* The runs of a source while they are found, in order (malloc'd; see
 * source_init_mapped). line and col are those of the next byte. */
typedef struct pos_map {
  tj_pos_run *runs;
  uint32_t n, cap;
  uint32_t line, col;
  uint32_t pending;        /* continuation bytes the last lead byte still expects */
} pos_map;

/* The byte c at offset off is written as itself at the map's line and col. */
void pos_map_byte(pos_map *m, uint32_t off, unsigned char c);
/* The bytes from off on (to the next run) are one character written as
 * `width` ASCII columns at the map's line and col (an escape). */
void pos_map_atom(pos_map *m, uint32_t off, uint32_t width);
void pos_map_free(pos_map *m);

/* Half-open byte range [start, end) in a source. */
typedef struct tj_span {
  uint32_t start, end;
} tj_span;

static inline tj_span span_make(uint32_t s, uint32_t e) {
  tj_span sp = {s, e};
  return sp;
}
static inline tj_span span_join(tj_span a, tj_span b) {
  return span_make(a.start < b.start ? a.start : b.start,
                   a.end > b.end ? a.end : b.end);
}

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE, DIAG_HINT } diag_level;

/* What went wrong, for machine-readable output (the "kind" of a JSON
 * error); a message that starts with a JAX error name ("TypeError: ...")
 * is reported as that kind instead. */
#define DIAG_KINDS(X)                                                  \
  X(DIAG_KIND_ERROR, "error")       /* not said */                     \
  X(DIAG_KIND_USAGE, "usage")       /* a command-line value */         \
  X(DIAG_KIND_IO, "io")             /* a file that cannot be read or written */ \
  X(DIAG_KIND_SPEC, "spec")         /* the spec's JSON, keys or values */ \
  X(DIAG_KIND_SYNTAX, "syntax")     /* the function's source */        \
  X(DIAG_KIND_TRACE, "trace")       /* tracing the function */         \
  X(DIAG_KIND_RUN, "run")           /* running or checking a call */   \
  X(DIAG_KIND_GRAPH, "graph")       /* drawing a jaxpr */              \
  X(DIAG_KIND_BUDGET, "budget")     /* compilations, memory or work */ \
  X(DIAG_KIND_INTERNAL, "internal") /* a bug in tjit */
#define DIAG_KIND_ENUM(id, name) id,
typedef enum { DIAG_KINDS(DIAG_KIND_ENUM) } diag_kind;
#undef DIAG_KIND_ENUM

typedef struct tj_diag tj_diag;
struct tj_diag {
  diag_level level;
  const tj_source *src;    /* NULL: no location */
  tj_span span;
  char *msg;               /* may contain newlines: continuation lines */
  diag_kind kind;          /* the list's kind when it was added */
  char *jax_kind;          /* the JAX error name msg starts with ("TypeError"), else NULL */
  tj_diag *next;
};

/* The list of diagnostics of one tj_ctx. */
typedef struct diag_list {
  tj_arena *arena;
  tj_diag *head, *tail;
  int nerrors;
  diag_kind kind;          /* given to the diagnostics added from now on */
} diag_list;

/* The kind of the diagnostics added from now on; returns the one before.
 * Each step of the API says what its errors are (spec, syntax, trace...). */
diag_kind diag_set_kind(diag_list *d, diag_kind kind);
/* Gives kind to the errors added after `after` (NULL: all of them). */
void diag_retag(diag_list *d, const tj_diag *after, diag_kind kind);

/* Adds an error at span of src (src may be NULL). Returns false, so callers
 * can write `return diag_error(...)`. */
bool diag_error(diag_list *d, const tj_source *src, tj_span span,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Where a lower module (the .npy reader, ...) reports its errors: the
 * list, and the place its input was named at, so the module adds each error
 * whole (no buffer to truncate it) and at the place the user wrote: a spec
 * value (its source and span, its JSON path as prefix) or nowhere (src
 * NULL, prefix NULL). */
typedef struct diag_at {
  diag_list *d;
  const tj_source *src;
  tj_span span;
  const char *prefix;      /* "args[0]" makes the message "args[0]: ..." */
} diag_at;
/* Adds an error at at's place, its message after at's prefix. Returns false. */
bool diag_error_at(const diag_at *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same from a va_list, the error of the given kind (the list's kind
 * for later errors stays as it was). */
bool diag_verror_at(const diag_at *at, diag_kind kind, const char *fmt, va_list ap);
/* An error of kind budget (TJ_ERR_BUDGET): a large allocation failed.
 * fmt starts with alloc.h's TJ_NOMEM_FMT. */
bool diag_out_of_memory(diag_list *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether the last diagnostic added is one of kind budget. */
bool diag_last_is_budget(const diag_list *d);
/* Follow-up lines attached to the last error. */
void diag_note(diag_list *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_hint(diag_list *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A note that points at a location of its own (printed with source line). */
void diag_note_at(diag_list *d, const tj_source *src, tj_span span,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Fills src and builds its line map and positions (allocated in a): the
 * text is the file name itself. */
void source_init(tj_arena *a, tj_source *src, const char *name,
                 const char *text, uint32_t len);
/* The same for a text decoded from another file: its positions are map's
 * (whose runs move to a; map is left empty). */
void source_init_mapped(tj_arena *a, tj_source *src, const char *name,
                        const char *text, uint32_t len, pos_map *map);
/* 1-based line and column in the file of a byte offset of the text
 * (columns count UTF-8 characters). O(log n). */
void source_position(const tj_source *src, uint32_t offset, uint32_t *line,
                     uint32_t *col);

/* Writes every diagnostic in the list to out in the shape above; in
 * colours when colors is not NULL (tjit.h's tj_colors, as gcc colours). */
struct tj_colors;
void diag_render(const diag_list *d, FILE *out, const struct tj_colors *colors);

/* ---- machine-readable forms (diag_format.c) ---- */
struct tj_buf;
/* The diagnostic's kind as the JSON form names it ("spec", "TypeError")
 * into *kind, and where its message starts once the kind's own words
 * ("TypeError: ", "internal error: ") are cut. */
const char *diag_split_kind(const tj_diag *g, const char **kind);
/* The first error, with the notes and hints that follow it, as one JSON
 * object (the schema is in tjit(1)); null when there is no error. */
void diag_render_json(const diag_list *d, struct tj_buf *b);
/* The number of diagnostics in the list, and diagnostic i (0-based, in the
 * order added; each error or warning before its notes and hints) as
 * tjit.h's tj_diagnostic, with the kind, message and location the JSON
 * form gives an error; false when there is no diagnostic i. */
struct tj_diagnostic;
int diag_count(const diag_list *d);
bool diag_get(const diag_list *d, int i, struct tj_diagnostic *out);
/* Every error as a GitHub workflow command, one line each:
 * ::error file=F,line=L,col=C::MESSAGE, its notes and hints as further
 * lines of MESSAGE (escaped as %0A). */
void diag_render_github(const diag_list *d, struct tj_buf *b);
/* One workflow command, ::LEVEL file=F,line=L,col=C::MESSAGE and a newline,
 * escaped as GitHub reads them; no location when file is NULL, no line
 * and column when line is 0. */
void diag_github_command(struct tj_buf *b, const char *level, const char *file, uint32_t line, uint32_t col,
                         const char *msg, size_t len);

#endif
