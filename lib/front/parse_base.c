/* The parser's machinery (parse_int.h): its cursor over the tokens, the
 * wording of its syntax errors (here and nowhere else: cproc's "expected
 * %s %s, saw %s"), the nesting count, and node allocation with the scratch
 * stack lists are built on. */
#include "parse_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const keywords[] = {
    "if", "else", "for", "while", "do", "break", "continue", "return",
    "static", "jit", "auto", "let", "void", "true", "false", "None", "null",
};

/* ---- tokens ---------------------------------------------------------- */

token *ps_peek_n(parser *p, int k) {
  token *t = p->tok;
  while (k-- > 0 && t < p->last) t++;
  return t;
}

token *ps_advance(parser *p) {
  token *t = p->tok;
  if (t < p->last) p->tok++;
  return t;
}

bool ps_is(parser *p, const token *t, const char *s) { return tok_is(p->src, t, s); }
bool ps_at(parser *p, const char *s) { return ps_is(p, p->tok, s); }

bool ps_accept(parser *p, const char *s) {
  if (!ps_at(p, s)) return false;
  ps_advance(p);
  return true;
}

bool ps_is_keyword(parser *p, const token *t) {
  for (size_t i = 0; i < TJ_COUNT(keywords); i++)
    if (ps_is(p, t, keywords[i])) return true;
  return false;
}

/* float double int long bool, or a dtype name: f32 float32 ... */
bool ps_is_scalar_type(parser *p, const token *t, tj_dtype *dt) {
  tj_dtype ignored;
  return t->kind == TK_IDENT &&
         dtype_parse(p->src->text + t->span.start, t->span.end - t->span.start,
                     dt ? dt : &ignored);
}

/* A name that can be declared: not a keyword, not a type. */
bool ps_is_name(parser *p, const token *t) {
  return t->kind == TK_IDENT && !ps_is_keyword(p, t) && !ps_is_scalar_type(p, t, NULL);
}

/* 'name' for a message, cut short if it is very long. */
const char *ps_quote_name(parser *p, name_id id) {
  const char *s = name_str(p->names, id);
  return lex_quote(p->arena, s, (uint32_t)strlen(s));
}

/* ---- errors: worded here and nowhere else ---------------------------- */

/* Reports at t; a lexical error token reports its own message instead,
 * since it is what went wrong first. */
__attribute__((format(printf, 3, 4)))
void *ps_error_at(parser *p, const token *t, const char *fmt, ...) {
  if (p->failed) return NULL;
  p->failed = true;
  if (t->kind == TK_ERROR) {
    diag_error(p->diags, p->src, t->span, "%s", t->str);
    return NULL;
  }
  tj_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  diag_error(p->diags, p->src, t->span, "%s", b.data);
  buf_free(&b);
  return NULL;
}

__attribute__((format(printf, 3, 4)))
void *ps_error_span(parser *p, tj_span span, const char *fmt, ...) {
  if (p->failed) return NULL;
  p->failed = true;
  tj_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  diag_error(p->diags, p->src, span, "%s", b.data);
  buf_free(&b);
  return NULL;
}

/* "expected WHAT[ CONTEXT], saw TOKEN" at the current token. */
void *ps_error_expected(parser *p, const char *what, const char *context) {
  return ps_error_at(p, p->tok, "expected %s%s%s, saw %s", what, *context ? " " : "",
                     context, tok_describe(p->arena, p->src, p->tok));
}

token *ps_expect(parser *p, const char *s, const char *context) {
  if (ps_at(p, s)) return ps_advance(p);
  return ps_error_expected(p, lex_quote(p->arena, s, (uint32_t)strlen(s)), context);
}

/* A closing bracket, with a note at the one it closes (Lua's "to close"). */
token *ps_expect_close(parser *p, const char *close, const token *open) {
  if (ps_at(p, close)) return ps_advance(p);
  const char *o = tok_describe(p->arena, p->src, open);
  bool with_note = !p->failed && p->tok->kind != TK_ERROR;
  ps_error_expected(p, lex_quote(p->arena, close, (uint32_t)strlen(close)),
                    arena_printf(p->arena, "to close %s", o));
  if (with_note) diag_note_at(p->diags, p->src, open->span, "to match this %s", o);
  return NULL;
}

bool ps_enter(parser *p) {
  if (++p->depth <= TJ_MAX_NEST) return true;
  ps_error_at(p, p->tok, "too deeply nested (limit is %d)", TJ_MAX_NEST);
  return false;
}

/* ---- nodes ----------------------------------------------------------- */

node *ps_new_node(parser *p, node_kind kind, tj_span span) {
  node *n = ARENA_NEW(p->arena, node);
  n->kind = kind;
  n->span = n->op_span = span;
  return n;
}

tj_span ps_span_from(const token *first, const token *last) {
  return span_make(first->span.start, last->span.end);
}

/* The end of the last token consumed. */
tj_span ps_span_to_prev(parser *p, uint32_t start) {
  uint32_t end = p->tok > p->toks ? p->tok[-1].span.end : start;
  return span_make(start, end > start ? end : start);
}

/* Lists of nodes are built on one scratch stack and copied to the arena
 * at their final size: `int mark = p->nscratch; push... ; finish`. Inner
 * lists are finished before the outer one grows again, so they nest. */
void ps_scratch_push(parser *p, node *n) {
  if (p->nscratch == p->scratch_cap) {
    p->scratch_cap = p->scratch_cap ? p->scratch_cap * 2 : 64;
    node **grown = realloc(p->scratch, sizeof *grown * (size_t)p->scratch_cap);
    if (!grown) TJ_OOM();
    p->scratch = grown;
  }
  p->scratch[p->nscratch++] = n;
}

/* Moves the entries above mark into the arena; sets *n to their count. */
node **ps_scratch_finish(parser *p, int mark, int *n) {
  *n = p->nscratch - mark;
  node **items = *n ? ARENA_ARRAY(p->arena, node *, *n) : NULL;
  if (*n) memcpy(items, p->scratch + mark, sizeof *items * (size_t)*n);
  p->nscratch = mark;
  return items;
}
