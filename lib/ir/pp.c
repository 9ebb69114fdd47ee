/* The layout engine: see pp.h for the rule. Both walks keep an explicit
 * stack of frames, and a concatenation frame holds a cursor into its
 * children instead of pushing them all, so `fits` touches only what it
 * measures (it stops as soon as the width is exceeded) and a 100,000-way
 * concatenation costs no extra stack. */
#include "pp.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum { PP_TEXT, PP_BRK, PP_CONCAT, PP_GROUP, PP_NEST } pp_kind;

struct pp_doc {
  uint8_t kind;
  int indent;                 /* PP_NEST */
  size_t len;                 /* PP_TEXT, PP_BRK: bytes; PP_CONCAT: children */
  union {
    const char *text;         /* PP_TEXT, PP_BRK */
    const pp_doc *child;      /* PP_GROUP, PP_NEST */
    pp_doc *const *kids;      /* PP_CONCAT */
  } u;
};

static pp_doc *pp_new(tj_arena *a, pp_kind kind) {
  pp_doc *d = ARENA_NEW(a, pp_doc);
  d->kind = (uint8_t)kind;
  return d;
}

pp_doc *pp_nil(tj_arena *a) { return pp_new(a, PP_CONCAT); }

pp_doc *pp_textn(tj_arena *a, const char *s, size_t n) {
  pp_doc *d = pp_new(a, PP_TEXT);
  d->u.text = s;
  d->len = n;
  return d;
}

pp_doc *pp_text(tj_arena *a, const char *s) { return pp_textn(a, s, strlen(s)); }

pp_doc *pp_brk(tj_arena *a, const char *t) {
  pp_doc *d = pp_textn(a, t, strlen(t));
  d->kind = PP_BRK;
  return d;
}

pp_doc *pp_concat(tj_arena *a, pp_doc *const *docs, size_t n) {
  pp_doc *d = pp_new(a, PP_CONCAT);
  if (n == 0) return d;
  pp_doc **kids = ARENA_ARRAY(a, pp_doc *, n);
  memcpy(kids, docs, n * sizeof *kids);
  d->u.kids = kids;
  d->len = n;
  return d;
}

pp_doc *pp_join(tj_arena *a, pp_doc *sep, pp_doc *const *docs, size_t n) {
  pp_doc *d = pp_new(a, PP_CONCAT);
  if (n == 0) return d;
  pp_doc **kids = ARENA_ARRAY(a, pp_doc *, 2 * n - 1);
  for (size_t i = 0; i < n; i++) {
    if (i) kids[2 * i - 1] = sep;
    kids[2 * i] = docs[i];
  }
  d->u.kids = kids;
  d->len = 2 * n - 1;
  return d;
}

pp_doc *pp_group(tj_arena *a, pp_doc *child) {
  pp_doc *d = pp_new(a, PP_GROUP);
  d->u.child = child;
  return d;
}

pp_doc *pp_nest(tj_arena *a, int n, pp_doc *child) {
  pp_doc *d = pp_new(a, PP_NEST);
  d->indent = n;
  d->u.child = child;
  return d;
}

/* One pending piece of work: a doc, or the rest of a concatenation from
 * child `next` on. */
typedef struct frame {
  const pp_doc *doc;
  size_t next;
  long indent;
  bool flat;
} frame;

typedef struct stack {
  frame *f;
  size_t len, cap;
} stack;

static void push(stack *s, const pp_doc *d, long indent, bool flat) {
  if (s->len == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    frame *f = realloc(s->f, cap * sizeof *f);
    if (!f) TJ_OOM();
    s->f = f;
    s->cap = cap;
  }
  s->f[s->len++] = (frame){d, 0, indent, flat};
}

/* Pops the next doc to process, advancing concatenation cursors. */
static bool next_doc(stack *s, frame *out) {
  while (s->len) {
    frame *top = &s->f[s->len - 1];
    if (top->doc->kind != PP_CONCAT) {
      *out = *top;
      s->len--;
      return true;
    }
    if (top->next == top->doc->len) {
      s->len--;
      continue;
    }
    const pp_doc *kid = top->doc->u.kids[top->next++];
    *out = (frame){kid, 0, top->indent, top->flat};
    return true;
  }
  return false;
}

/* Whether doc, laid out flat, takes at most width columns. */
static bool fits(stack *s, const pp_doc *doc, long width) {
  s->len = 0;
  push(s, doc, 0, true);
  frame f;
  while (width >= 0 && next_doc(s, &f)) {
    switch (f.doc->kind) {
    case PP_TEXT:
    case PP_BRK: width -= (long)f.doc->len; break;
    case PP_CONCAT: push(s, f.doc, 0, true); break;
    default: push(s, f.doc->u.child, 0, true); break;
    }
  }
  return width >= 0;
}

static void newline(tj_buf *out, long indent) {
  static const char spaces[] = "                                ";
  buf_putc(out, '\n');
  for (; indent > 0; indent -= (long)sizeof spaces - 1)
    buf_putn(out, spaces, indent < (long)sizeof spaces - 1 ? (size_t)indent
                                                            : sizeof spaces - 1);
}

void pp_format(tj_buf *out, const pp_doc *doc, int width) {
  stack work = {0}, measure = {0};
  long column = 0;
  frame f;
  push(&work, doc, 0, false);
  while (next_doc(&work, &f)) {
    const pp_doc *d = f.doc;
    switch (d->kind) {
    case PP_TEXT:
      buf_putn(out, d->u.text, d->len);
      column += (long)d->len;
      break;
    case PP_BRK:
      if (f.flat) {
        buf_putn(out, d->u.text, d->len);
        column += (long)d->len;
      } else {
        newline(out, f.indent);
        column = f.indent;
      }
      break;
    case PP_CONCAT: push(&work, d, f.indent, f.flat); break;
    case PP_GROUP:
      push(&work, d->u.child, f.indent,
           fits(&measure, d->u.child, (long)width - column));
      break;
    case PP_NEST: push(&work, d->u.child, f.indent + d->indent, f.flat); break;
    }
  }
  free(work.f);
  free(measure.f);
}
