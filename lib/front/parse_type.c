/* The type syntax of the function language (DESIGN.md §3): types, shapes
 * and return types, unsupported and unknown type names, and the looks
 * ahead that tell a declaration or a function definition from an
 * expression. Part of the parser (parse_int.h). */
#include "parse_int.h"

/* ---- types ----------------------------------------------------------- */

/* dim = INT | NAME */
static bool parse_dim(parser *p, ast_type *ty) {
  token *t = p->tok;
  if (t->kind != TK_INT && !ps_is_name(p, t))
    return ps_error_expected(p, "dimension (a number or a name)", ""), false;
  if (ty->rank >= TJ_MAX_RANK)
    return ps_error_at(p, t, "too many dimensions (limit is %d)", TJ_MAX_RANK), false;
  ast_dim *d = &ty->dims[ty->rank++];
  d->span = ps_advance(p)->span;
  if (t->kind == TK_INT) d->size = t->ival;
  else d->name = t->name;
  return true;
}

/* shape = ("[" dim ("," dim)* "]")+ */
bool parse_shape(parser *p, ast_type *ty) {
  ty->rank = 0;
  while (ps_at(p, "[")) {
    token *open = ps_advance(p);
    do {
      if (!parse_dim(p, ty)) return false;
    } while (ps_accept(p, ","));
    if (!ps_expect_close(p, "]", open)) return false;
  }
  return true;
}

/* type = ("auto" | "let" | "void" | scalar) shape?   (let/void: no shape) */
bool parse_type(parser *p, ast_type *ty) {
  token *t = p->tok;
  ty->rank = -1;
  ty->present = ps_is_scalar_type(p, t, &ty->dtype);
  if (!ty->present && !ps_is(p, t, "auto") && !ps_is(p, t, "let") && !ps_is(p, t, "void"))
    return ps_error_expected(p, "type", ""), false;
  ps_advance(p);
  if (ps_at(p, "[") && !ps_is(p, t, "let") && !ps_is(p, t, "void") && !parse_shape(p, ty))
    return false;
  ty->span = ps_span_to_prev(p, t->span.start);
  return true;
}

/* rettype = type | "(" type ("," type)* ")"   (a tuple is documentation) */
bool parse_ret_type(parser *p, ast_type *ty) {
  if (!ps_at(p, "(")) return parse_type(p, ty);
  token *open = ps_advance(p);
  do {
    ast_type elem;
    if (!parse_type(p, &elem)) return false;
  } while (ps_accept(p, ","));
  if (!ps_expect_close(p, ")", open)) return false;
  ty->present = false;
  ty->rank = -1;
  ty->span = ps_span_to_prev(p, open->span.start);
  return true;
}

/* Skips what parse_ret_type would read, without reporting anything;
 * returns the token after it or NULL. */
static token *skip_ret_type(parser *p, token *t) {
  token *save = p->tok;
  bool was_failed = p->failed;
  p->tok = t;
  p->failed = true; /* silence: this is only a look */
  ast_type ty;
  token *after = parse_ret_type(p, &ty) ? p->tok : NULL;
  p->tok = save;
  p->failed = was_failed;
  return after;
}

bool ps_starts_type(parser *p, const token *t) {
  return ps_is_scalar_type(p, t, NULL) || ps_is(p, t, "auto") || ps_is(p, t, "void");
}

/* A dtype JAX has and tjit lacks, where a type goes: before a name, or a
 * shape and a name (`f16 x`, `f16[3] x`). Reports it and returns true. */
bool ps_unsupported_type(parser *p, const token *t) {
  char why[DTYPE_MSG_MAX];
  if (t->kind != TK_IDENT ||
      !dtype_unsupported(p->src->text + t->span.start, t->span.end - t->span.start, why))
    return false;
  const token *u = t + 1;
  while (u < p->last && ps_is(p, u, "[")) { /* skip the shape's brackets */
    while (u < p->last && !ps_is(p, u, "]")) u++;
    if (u < p->last) u++;
  }
  if (!ps_is_name(p, u)) return false;
  ps_error_at(p, t, "%s", why);
  return true;
}

/* An unknown type name, with the nearest dtype name as a "did you mean". */
void *ps_unknown_type(parser *p, const token *name) {
  ps_error_at(p, name, "unknown type name %s", tok_describe(p->arena, p->src, name));
  tj_suggest sg = suggest_start(p->src->text + name->span.start, name->span.end - name->span.start);
  dtype_suggest(&sg);
  if (sg.best) diag_hint(p->diags, "did you mean '%s'?", sg.best);
  return NULL;
}

/* funcdef starts: "jit" | NAME "(" ... ")" "{" | rettype NAME "(" */
bool ps_looks_like_funcdef(parser *p) {
  token *t = p->tok;
  if (ps_is(p, t, "jit")) return true;
  if (ps_is_name(p, t) && ps_is(p, ps_peek_n(p, 1), "(")) {
    int level = 0;
    for (token *u = t + 1; u < p->last; u++) {
      if (ps_is(p, u, "(")) level++;
      else if (ps_is(p, u, ")") && --level == 0) return ps_is(p, u + 1, "{");
    }
    return false;
  }
  if (!ps_starts_type(p, t) && !(ps_is(p, t, "(") && ps_starts_type(p, ps_peek_n(p, 1))))
    return false;
  token *after = skip_ret_type(p, t);
  return after && ps_is_name(p, after) && after < p->last && ps_is(p, after + 1, "(");
}

bool ps_looks_like_decl(parser *p) {
  token *t = p->tok, *next = ps_peek_n(p, 1);
  if (ps_is(p, t, "let") || ps_is(p, t, "auto")) return true;
  return ps_is_scalar_type(p, t, NULL) && !ps_is(p, next, "(");
}
