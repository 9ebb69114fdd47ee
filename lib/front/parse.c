/* The parser of the function language (DESIGN.md §3), written like
 * chibicc's and Lua's: one function per grammar rule with the rule as its
 * comment, binary operators from one priority table, and syntax errors
 * worded in one place (cproc's "expected %s %s, saw %s").
 *
 * Every rule returns NULL (or false) after reporting the first error; the
 * callers pass that up without reporting anything else. Recursion goes
 * through parse_stmt, parse_expr and parse_operand (of a unary operator or
 * cast), which count the depth against TJ_MAX_NEST, so no input can
 * overflow the C stack: `((x))` is two levels, `-(-x)` four.
 *
 * AST choices the header leaves open:
 *  - `int i = 0, j = 1;` is one ND_DECL with nnames == 2 and the inits in
 *    items[] (nitems == nnames, NULL where a name has no init); rhs is NULL.
 *    With one name the init is in rhs and items is NULL. A declaration's
 *    names share one type, so their C-style shapes must agree.
 *  - A parenthesized expression's span includes its parentheses.
 *  - A `void` or tuple return type, `auto` and `let` have present == false;
 *    the span still covers the text. An untyped parameter's type.span is
 *    its name.
 *  - op_span: the operator; the keyword of if/for/while/do/return/break/
 *    continue; the type of a declaration; `[...]` of an index; the first
 *    `:` of a slice; the `.` of a member; `(float)` of a cast; the callee
 *    of a call; `{` of a block; the name of a nested function; for other
 *    nodes the node's span. An `if`'s cond->span is the text inside the
 *    parentheses. Statement spans include their `;`.
 *
 * This file holds the statements, the functions and the program; the
 * expressions are in parse_expr.c, the types in parse_type.c, the token
 * cursor, the errors and the nodes in parse_base.c (parse_int.h, private to
 * the four). */
#include "parse_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- statements ------------------------------------------------------ */

static node *parse_stmt(parser *p);
static node *parse_block(parser *p);
static ast_func *parse_func(parser *p);

static bool same_shape(const ast_type *a, const ast_type *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i].name != b->dims[i].name || a->dims[i].size != b->dims[i].size)
      return false;
  return true;
}

static void add_name(parser *p, node *decl, const token *t, int *cap) {
  int n = decl->nnames, c = *cap;
  ARENA_PUSH(p->arena, decl->names, n, c, t->name);
  n = decl->nnames;
  c = *cap;
  ARENA_PUSH(p->arena, decl->name_spans, n, c, t->span);
  decl->nnames = n;
  *cap = c;
}

/* A C-style shape after a name: `float x[3][4]`. The names of one
 * declaration share its type, so their shapes must agree. */
static bool parse_declarator_shape(parser *p, node *decl, bool type_shaped,
                                   const token *name) {
  ast_type shape = {.rank = -1};
  if (ps_at(p, "[")) {
    token *open = p->tok;
    if (!parse_shape(p, &shape)) return false;
    if (type_shaped)
      return ps_error_span(p, ps_span_to_prev(p, open->span.start),
                           "shape of %s given twice", ps_quote_name(p, name->name)), false;
  }
  if (type_shaped) return true;
  if (decl->nnames == 1) {
    memcpy(decl->type.dims, shape.dims, sizeof shape.dims);
    decl->type.rank = shape.rank;
  } else if (!same_shape(&decl->type, &shape)) {
    return ps_error_at(p, name, "%s has a different shape from %s (declare it separately)",
                       ps_quote_name(p, name->name), ps_quote_name(p, decl->names[0])), false;
  }
  return true;
}

/* destructure = "(" NAME ("," NAME)* ")" "=" expr   after let/auto */
static node *parse_destructure(parser *p, node *decl) {
  token *open = ps_advance(p);
  int cap = 0;
  decl->is_destructure = true;
  do {
    if (!ps_is_name(p, p->tok)) return ps_error_expected(p, "variable name", "");
    add_name(p, decl, ps_advance(p), &cap);
  } while (ps_accept(p, ","));
  if (!ps_expect_close(p, ")", open) || !ps_expect(p, "=", "after names to unpack"))
    return NULL;
  return (decl->rhs = parse_expr(p)) ? decl : NULL;
}

/* decl = ("let" | "auto") destructure
 *      | type declarator ("," declarator)*
 * declarator = NAME shape? ("=" expr)? */
static node *parse_decl(parser *p) {
  token *first = p->tok;
  node *n = ps_new_node(p, ND_DECL, first->span);
  bool untyped = ps_at(p, "let") || ps_at(p, "auto");
  if (!parse_type(p, &n->type)) return NULL;
  n->op_span = n->type.span;
  if (untyped && ps_at(p, "(")) n = parse_destructure(p, n);
  bool type_shaped = n && n->type.rank >= 0;
  int mark = p->nscratch, cap = 0;
  while (n && !n->is_destructure) {
    token *name = p->tok;
    if (!ps_is_name(p, name)) return ps_error_expected(p, "variable name", "");
    add_name(p, n, ps_advance(p), &cap);
    if (!parse_declarator_shape(p, n, type_shaped, name)) return NULL;
    node *init = NULL;
    if (ps_accept(p, "=") && !(init = parse_expr(p))) return NULL;
    ps_scratch_push(p, init);
    if (!ps_accept(p, ",")) break;
  }
  if (!n) return NULL;
  if (p->nscratch - mark == 1) n->rhs = p->scratch[--p->nscratch];
  else if (!n->is_destructure) n->items = ps_scratch_finish(p, mark, &n->nitems);
  n->span = ps_span_to_prev(p, first->span.start);
  return n;
}

static node *expr_stmt(parser *p, node *e) {
  node *n = ps_new_node(p, ND_EXPR_STMT, e->span);
  n->op_span = e->op_span;
  n->lhs = e;
  return n;
}

/* cond = "(" expr ")"   after if / while */
static node *parse_cond(parser *p, const token *kw) {
  const char *context =
      arena_printf(p->arena, "after %s", tok_describe(p->arena, p->src, kw));
  token *open = ps_expect(p, "(", context);
  node *cond = open ? parse_expr(p) : NULL;
  return cond && ps_expect_close(p, ")", open) ? cond : NULL;
}

/* if = "if" cond stmt ("else" stmt)? */
static node *parse_if(parser *p) {
  token *kw = ps_advance(p);
  node *n = ps_new_node(p, ND_IF, kw->span);
  if (!(n->cond = parse_cond(p, kw)) || !(n->then = parse_stmt(p))) return NULL;
  if (ps_accept(p, "else") && !(n->els = parse_stmt(p))) return NULL;
  n->span = ps_span_to_prev(p, kw->span.start);
  return n;
}

/* foreach = "for" "(" ("auto" | "let") NAME ":" expr ")" stmt, from "(" on */
static node *parse_foreach(parser *p, node *n, token *open) {
  n->kind = ND_FOREACH;
  ps_advance(p); /* auto / let */
  int cap = 0;
  add_name(p, n, ps_advance(p), &cap);
  n->op_span = n->span;
  ps_advance(p); /* : */
  if (!(n->rhs = parse_expr(p))) return NULL;
  if (!ps_expect_close(p, ")", open) || !(n->body = parse_stmt(p))) return NULL;
  n->span = ps_span_to_prev(p, n->op_span.start);
  return n;
}

static bool looks_like_foreach(parser *p) {
  return (ps_at(p, "auto") || ps_at(p, "let")) && ps_is_name(p, ps_peek_n(p, 1)) &&
         ps_is(p, ps_peek_n(p, 2), ":");
}

/* for = "for" "(" (decl | simple)? ";" expr? ";" simple? ")" stmt | foreach */
static node *parse_for(parser *p) {
  token *kw = ps_advance(p);
  node *n = ps_new_node(p, ND_FOR, kw->span);
  token *open = ps_expect(p, "(", "after 'for'");
  if (!open) return NULL;
  if (looks_like_foreach(p)) return parse_foreach(p, n, open);
  if (!ps_at(p, ";")) {
    node *init = ps_looks_like_decl(p) ? parse_decl(p) : parse_simple(p);
    if (!init) return NULL;
    n->init = init->kind == ND_DECL ? init : expr_stmt(p, init);
  }
  if (!ps_expect(p, ";", "in 'for' statement")) return NULL;
  if (!ps_at(p, ";") && !(n->cond = parse_expr(p))) return NULL;
  if (!ps_expect(p, ";", "in 'for' statement")) return NULL;
  if (!ps_at(p, ")") && !(n->inc = parse_simple(p))) return NULL;
  if (!ps_expect_close(p, ")", open) || !(n->body = parse_stmt(p))) return NULL;
  n->span = ps_span_to_prev(p, kw->span.start);
  return n;
}

/* while = "while" cond stmt */
static node *parse_while(parser *p) {
  token *kw = ps_advance(p);
  node *n = ps_new_node(p, ND_WHILE, kw->span);
  if (!(n->cond = parse_cond(p, kw)) || !(n->body = parse_stmt(p))) return NULL;
  n->span = ps_span_to_prev(p, kw->span.start);
  return n;
}

/* do = "do" stmt "while" cond ";" */
static node *parse_do(parser *p) {
  token *kw = ps_advance(p);
  node *n = ps_new_node(p, ND_DO, kw->span);
  if (!(n->body = parse_stmt(p))) return NULL;
  token *w = ps_expect(p, "while", "after 'do' body");
  if (!w || !(n->cond = parse_cond(p, w))) return NULL;
  if (!ps_expect(p, ";", "after do-while statement")) return NULL;
  n->span = ps_span_to_prev(p, kw->span.start);
  return n;
}

/* jump = ("break" | "continue") ";" | "return" expr? ";" */
static node *parse_jump(parser *p, node_kind kind) {
  token *kw = ps_advance(p);
  node *n = ps_new_node(p, kind, kw->span);
  if (kind == ND_RETURN && !ps_at(p, ";") && !(n->lhs = parse_expr(p))) return NULL;
  const char *context = kind == ND_RETURN ? "after return statement"
                        : kind == ND_BREAK ? "after 'break'" : "after 'continue'";
  if (!ps_expect(p, ";", context)) return NULL;
  n->span = ps_span_to_prev(p, kw->span.start);
  return n;
}

/* A statement that ends with ";": a declaration or a simple statement. */
static node *parse_semi_stmt(parser *p) {
  token *first = p->tok;
  bool decl = ps_looks_like_decl(p);
  node *n = decl ? parse_decl(p) : parse_simple(p);
  if (!n || !ps_expect(p, ";", decl ? "after declaration" : "after expression"))
    return NULL;
  if (!decl) n = expr_stmt(p, n);
  n->span = ps_span_to_prev(p, first->span.start);
  return n;
}

static node *parse_nested_func(parser *p) {
  ast_func *fn = parse_func(p);
  if (!fn) return NULL;
  node *n = ps_new_node(p, ND_FUNC, fn->span);
  n->op_span = fn->name_span;
  n->name = fn->name;
  n->func = fn;
  return n;
}

static node *parse_stmt_inner(parser *p) {
  if (ps_at(p, "{")) return parse_block(p);
  if (ps_at(p, "if")) return parse_if(p);
  if (ps_at(p, "for")) return parse_for(p);
  if (ps_at(p, "while")) return parse_while(p);
  if (ps_at(p, "do")) return parse_do(p);
  if (ps_at(p, "break")) return parse_jump(p, ND_BREAK);
  if (ps_at(p, "continue")) return parse_jump(p, ND_CONTINUE);
  if (ps_at(p, "return")) return parse_jump(p, ND_RETURN);
  if (ps_at(p, ";")) return ps_new_node(p, ND_EMPTY, ps_advance(p)->span);
  if (ps_unsupported_type(p, p->tok)) return NULL; /* a declaration `f16 y = ...` */
  if (ps_looks_like_funcdef(p)) return parse_nested_func(p);
  return parse_semi_stmt(p);
}

/* stmt = block | if | for | while | do | jump | ";" | funcdef
 *      | decl ";" | simple ";" */
static node *parse_stmt(parser *p) {
  if (!ps_enter(p)) return NULL;
  node *n = parse_stmt_inner(p);
  p->depth--;
  return n;
}

/* block = "{" stmt* "}" */
static node *parse_block(parser *p) {
  token *open = ps_advance(p);
  int mark = p->nscratch;
  while (!ps_at(p, "}")) {
    if (p->tok->kind == TK_EOF || p->tok->kind == TK_ERROR)
      return ps_expect_close(p, "}", open), NULL;
    node *s = parse_stmt(p);
    if (!s) return NULL;
    ps_scratch_push(p, s);
  }
  ps_advance(p);
  node *n = ps_new_node(p, ND_BLOCK, ps_span_to_prev(p, open->span.start));
  n->op_span = open->span;
  n->items = ps_scratch_finish(p, mark, &n->nitems);
  return n;
}

/* ---- functions ------------------------------------------------------- */

/* param = "static"? type? NAME shape? ("=" expr)?   (a default value) */
static bool parse_param(parser *p, ast_param *prm) {
  token *first = p->tok;
  prm->type.rank = -1;
  prm->is_static = ps_accept(p, "static");
  if ((ps_is_scalar_type(p, p->tok, NULL) || ps_at(p, "auto")) && !parse_type(p, &prm->type))
    return false;
  token *name = p->tok;
  if (ps_unsupported_type(p, name)) return false;
  if (ps_is_name(p, name) && ps_is_name(p, ps_peek_n(p, 1))) return ps_unknown_type(p, name), false;
  if (!ps_is_name(p, name)) return ps_error_expected(p, "parameter name", ""), false;
  ps_advance(p);
  prm->name = name->name;
  prm->name_span = name->span;
  if (!prm->type.present && prm->type.span.end == 0) prm->type.span = name->span;
  if (ps_at(p, "[")) {
    token *open = p->tok;
    if (prm->type.rank >= 0)
      return ps_error_at(p, open, "shape of %s given twice", ps_quote_name(p, name->name)), false;
    if (!parse_shape(p, &prm->type)) return false;
  }
  if (ps_accept(p, "=") && !(prm->default_value = parse_expr(p))) return false;
  prm->span = ps_span_to_prev(p, first->span.start);
  return true;
}

static bool check_param(parser *p, const ast_func *fn, const ast_param *params,
                        int n) {
  const ast_param *prm = &params[n - 1];
  if (n > TJ_MAX_PARAMS)
    return ps_error_span(p, prm->span, "too many parameters (limit is %d) in function %s",
                         TJ_MAX_PARAMS, ps_quote_name(p, fn->name)), false;
  for (int i = 0; i < n - 1; i++)
    if (params[i].name == prm->name) {
      ps_error_span(p, prm->name_span, "duplicate parameter %s", ps_quote_name(p, prm->name));
      diag_note_at(p->diags, p->src, params[i].name_span, "first declared here");
      return false;
    }
  if (n > 1 && params[n - 2].default_value && !prm->default_value) /* Python 3.12's text (3.11: non-default argument follows default argument) */
    return ps_error_span(p, prm->span, "SyntaxError: parameter without a default follows parameter with a default"),
           false;
  return true;
}

/* params = "(" ("void" | param ("," param)*)? ")" */
static bool parse_params(parser *p, ast_func *fn) {
  token *open = ps_expect(p, "(", "after function name");
  if (!open) return false;
  int n = 0, cap = 0;
  if (ps_at(p, "void") && ps_is(p, ps_peek_n(p, 1), ")")) ps_advance(p);
  else if (!ps_at(p, ")")) {
    do {
      ast_param prm = {0};
      if (!parse_param(p, &prm)) return false;
      ARENA_PUSH(p->arena, fn->params, n, cap, prm);
      if (!check_param(p, fn, fn->params, n)) return false;
    } while (ps_accept(p, ","));
  }
  fn->nparams = n;
  return ps_expect_close(p, ")", open) != NULL;
}

static bool func_name_eq(const void *ctx, uint32_t i, const void *key) {
  return ((const func_list *)ctx)->funcs[i]->name == *(const name_id *)key;
}

static bool add_func(parser *p, func_list *list, ast_func *fn) {
  uint32_t first = hashmap_add(&list->index, hash_u64(fn->name), func_name_eq, list, &fn->name,
                               (uint32_t)list->n);
  if (first != HASHMAP_NONE) {
    ps_error_span(p, fn->name_span, "duplicate function %s", ps_quote_name(p, fn->name));
    diag_note_at(p->diags, p->src, list->funcs[first]->name_span, "first defined here");
    return false;
  }
  ARENA_PUSH(p->arena, list->funcs, list->n, list->cap, fn);
  return true;
}

/* The body, with fn as the parent of the functions defined inside it. */
static bool parse_func_body(parser *p, ast_func *fn) {
  if (!ps_at(p, "{")) return ps_error_expected(p, "'{'", "before function body"), false;
  func_list nested = {0};
  hashmap_init(&nested.index, p->arena);
  ast_func *outer = p->func;
  func_list *outer_siblings = p->siblings;
  p->func = fn;
  p->siblings = &nested;
  fn->body = parse_block(p);
  p->func = outer;
  p->siblings = outer_siblings;
  return fn->body != NULL;
}

/* funcdef = "jit"? rettype? NAME params block */
static ast_func *parse_func(parser *p) {
  token *first = p->tok;
  ast_func *fn = ARENA_NEW(p->arena, ast_func);
  fn->ret.rank = -1;
  fn->parent = p->func;
  fn->is_jit = ps_accept(p, "jit");
  bool has_ret = !(ps_is_name(p, p->tok) && ps_is(p, ps_peek_n(p, 1), "("));
  if (has_ret && (ps_starts_type(p, p->tok) || ps_at(p, "(")) && !parse_ret_type(p, &fn->ret))
    return NULL;
  token *name = p->tok;
  if (ps_unsupported_type(p, name)) return NULL;
  if (ps_is_name(p, name) && ps_is_name(p, ps_peek_n(p, 1))) return ps_unknown_type(p, name);
  if (!ps_is_name(p, name)) return ps_error_expected(p, "function name", "");
  ps_advance(p);
  fn->name = name->name;
  fn->name_span = name->span;
  uint32_t col;
  source_position(p->src, name->span.start, &fn->line, &col);
  if (!parse_params(p, fn) || !add_func(p, p->siblings, fn) || !parse_func_body(p, fn))
    return NULL;
  fn->span = ps_span_to_prev(p, first->span.start);
  return fn;
}

/* ---- the program ----------------------------------------------------- */

/* program = funcdef+ */
static bool parse_funcs(parser *p) {
  while (p->tok->kind != TK_EOF) {
    token *t = p->tok;
    if (!ps_is(p, t, "jit") && !ps_starts_type(p, t) && !ps_is(p, t, "(") && !ps_is_name(p, t))
      return ps_error_expected(p, "function definition", ""), false;
    if (!parse_func(p)) return false;
  }
  if (p->siblings->n == 0)
    return ps_error_at(p, p->tok, "no function defined in the source"), false;
  return true;
}

bool parse_program(tj_arena *a, const tj_source *src, diag_list *d,
                   ast_program *prog) {
  memset(prog, 0, sizeof *prog);
  prog->src = src;
  prog->names = interner_new(a);
  if (src->len > TJ_MAX_SOURCE_BYTES)
    return diag_error(d, NULL, span_make(0, 0),
                      "source '%s' is too large (%u bytes; limit is %d)", src->name,
                      src->len, TJ_MAX_SOURCE_BYTES);
  uint32_t ntoks;
  token *toks = lex_source(a, src, prog->names, &ntoks);
  if (ntoks > TJ_MAX_TOKENS) { /* a limit, not a syntax error: say it first */
    diag_error(d, src, toks[ntoks - 1].span, "%s", toks[ntoks - 1].str);
    free(toks);
    return false;
  }
  func_list top = {0};
  hashmap_init(&top.index, a);
  parser p = {.arena = a, .src = src, .diags = d, .names = prog->names,
              .toks = toks, .tok = toks, .last = toks + ntoks - 1, .siblings = &top};
  bool ok = parse_funcs(&p);
  free(toks);
  free(p.scratch);
  prog->funcs = ok ? top.funcs : NULL;
  prog->nfuncs = ok ? top.n : 0;
  return ok;
}

ast_func *ast_find_func(const ast_program *prog, name_id name) {
  for (int i = 0; i < prog->nfuncs; i++)
    if (prog->funcs[i]->name == name) return prog->funcs[i];
  return NULL;
}
