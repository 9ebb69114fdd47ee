/* The parser's private interface, shared by its four files and by no
 * one else (the public entry is parse_program, ast.h): parse.c
 * (statements, functions, the program), parse_expr.c (expressions),
 * parse_type.c (types) and parse_base.c (the token cursor, the errors,
 * the nodes). The helpers' names carry the ps_ prefix; the grammar rules
 * keep their parse_ names.
 *
 * Every rule returns NULL (or false) after reporting the first error (one
 * report: p->failed silences the rest). */
#ifndef TJ_PARSE_INT_H
#define TJ_PARSE_INT_H

#include "ast.h"
#include "hashmap.h"
#include "lex.h"
#include "util.h"

/* The functions defined in one scope, with a hash of their names so a
 * source of many functions is not checked for duplicates in O(n^2). */
typedef struct func_list {
  ast_func **funcs;
  int n, cap;
  hashmap index;           /* name -> index into funcs */
} func_list;

typedef struct parser {
  tj_arena *arena;
  const tj_source *src;
  diag_list *diags;
  interner *names;
  token *toks;             /* the whole array */
  token *tok;              /* the current token */
  token *last;             /* TK_EOF or TK_ERROR: never passed */
  int depth;               /* nesting, against TJ_MAX_NEST */
  bool failed;             /* an error was reported: report no more */
  ast_func *func;          /* the function being parsed */
  func_list *siblings;     /* functions defined beside the current one */
  node **scratch;          /* a stack for lists being built (malloc'd) */
  int nscratch, scratch_cap;
} parser;

/* ---- tokens (parse_base.c) ---- */
token *ps_peek_n(parser *p, int k);        /* k tokens ahead, never past the last */
token *ps_advance(parser *p);              /* the current token; moves past it */
bool ps_is(parser *p, const token *t, const char *s);
bool ps_at(parser *p, const char *s);      /* the current token is s */
bool ps_accept(parser *p, const char *s);  /* at s: moves past it */
bool ps_is_keyword(parser *p, const token *t);
bool ps_is_scalar_type(parser *p, const token *t, tj_dtype *dt);
bool ps_is_name(parser *p, const token *t);
const char *ps_quote_name(parser *p, name_id id);

/* ---- errors (parse_base.c); each returns NULL ---- */
__attribute__((format(printf, 3, 4)))
void *ps_error_at(parser *p, const token *t, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void *ps_error_span(parser *p, tj_span span, const char *fmt, ...);
void *ps_error_expected(parser *p, const char *what, const char *context);
token *ps_expect(parser *p, const char *s, const char *context);
token *ps_expect_close(parser *p, const char *close, const token *open);
/* One level deeper, against TJ_MAX_NEST; the caller decrements p->depth. */
bool ps_enter(parser *p);

/* ---- nodes (parse_base.c) ---- */
node *ps_new_node(parser *p, node_kind kind, tj_span span);
tj_span ps_span_from(const token *first, const token *last);
tj_span ps_span_to_prev(parser *p, uint32_t start);
void ps_scratch_push(parser *p, node *n);
node **ps_scratch_finish(parser *p, int mark, int *n);

/* ---- types (parse_type.c) ---- */
bool parse_shape(parser *p, ast_type *ty);
bool parse_type(parser *p, ast_type *ty);
bool parse_ret_type(parser *p, ast_type *ty);
bool ps_starts_type(parser *p, const token *t);
bool ps_unsupported_type(parser *p, const token *t);
void *ps_unknown_type(parser *p, const token *name);
bool ps_looks_like_funcdef(parser *p);
bool ps_looks_like_decl(parser *p);

/* ---- expressions (parse_expr.c) ---- */
node *parse_expr(parser *p);
node *parse_simple(parser *p);

#endif
