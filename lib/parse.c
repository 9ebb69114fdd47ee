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
 *    parentheses. Statement spans include their `;`. */
#include "ast.h"
#include "hashmap.h"
#include "lex.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const op_texts[OP_COUNT] = {
    [OP_ADD] = "+",      [OP_SUB] = "-",       [OP_MUL] = "*",
    [OP_DIV] = "/",      [OP_MOD] = "%",       [OP_BITAND] = "&",
    [OP_BITOR] = "|",    [OP_BITXOR] = "^",    [OP_SHL] = "<<",
    [OP_SHR] = ">>",     [OP_EQ] = "==",       [OP_NE] = "!=",
    [OP_LT] = "<",       [OP_LE] = "<=",       [OP_GT] = ">",
    [OP_GE] = ">=",      [OP_LOGAND] = "&&",   [OP_LOGOR] = "||",
    [OP_NEG] = "-",      [OP_PLUS] = "+",      [OP_NOT] = "!",
    [OP_BITNOT] = "~",   [OP_PREINC] = "++",   [OP_PREDEC] = "--",
    [OP_POSTINC] = "++", [OP_POSTDEC] = "--",  [OP_ASSIGN] = "=",
};

const char *op_text(ast_op op) {
  return (unsigned)op < OP_COUNT && op_texts[op] ? op_texts[op] : "?";
}

/* C's binary operators, loosest first (Lua's priority[]). The compound
 * assignments are the rows up to OP_SHR with "=" appended. */
static const struct binop {
  ast_op op;
  int prio;
} binops[] = {
    {OP_LOGOR, 1}, {OP_LOGAND, 2}, {OP_BITOR, 3}, {OP_BITXOR, 4},
    {OP_BITAND, 5}, {OP_EQ, 6},    {OP_NE, 6},    {OP_LT, 7},
    {OP_LE, 7},    {OP_GT, 7},     {OP_GE, 7},    {OP_SHL, 8},
    {OP_SHR, 8},   {OP_ADD, 9},    {OP_SUB, 9},   {OP_MUL, 10},
    {OP_DIV, 10},  {OP_MOD, 10},
};

static const struct {
  const char *text;
  ast_op op;
} unops[] = {
    {"-", OP_NEG}, {"+", OP_PLUS}, {"!", OP_NOT},
    {"~", OP_BITNOT}, {"++", OP_PREINC}, {"--", OP_PREDEC},
};

static const char *const keywords[] = {
    "if", "else", "for", "while", "do", "break", "continue", "return",
    "static", "jit", "auto", "let", "void", "true", "false", "None", "null",
};

/* ---- tokens ---------------------------------------------------------- */

static token *peek_n(parser *p, int k) {
  token *t = p->tok;
  while (k-- > 0 && t < p->last) t++;
  return t;
}

static token *advance(parser *p) {
  token *t = p->tok;
  if (t < p->last) p->tok++;
  return t;
}

static bool is(parser *p, const token *t, const char *s) { return tok_is(p->src, t, s); }
static bool at(parser *p, const char *s) { return is(p, p->tok, s); }

static bool accept(parser *p, const char *s) {
  if (!at(p, s)) return false;
  advance(p);
  return true;
}

static bool is_keyword(parser *p, const token *t) {
  for (size_t i = 0; i < TJ_COUNT(keywords); i++)
    if (is(p, t, keywords[i])) return true;
  return false;
}

/* float double int long bool, or a dtype name: f32 float32 ... */
static bool is_scalar_type(parser *p, const token *t, tj_dtype *dt) {
  tj_dtype ignored;
  return t->kind == TK_IDENT &&
         dtype_parse(p->src->text + t->span.start, t->span.end - t->span.start,
                     dt ? dt : &ignored);
}

/* A name that can be declared: not a keyword, not a type. */
static bool is_name(parser *p, const token *t) {
  return t->kind == TK_IDENT && !is_keyword(p, t) && !is_scalar_type(p, t, NULL);
}

/* 'name' for a message, cut short if it is very long. */
static const char *quote_name(parser *p, name_id id) {
  const char *s = name_str(p->names, id);
  return lex_quote(p->arena, s, (uint32_t)strlen(s));
}

/* ---- errors: worded here and nowhere else ---------------------------- */

/* Reports at t; a lexical error token reports its own message instead,
 * since it is what went wrong first. */
__attribute__((format(printf, 3, 4)))
static void *error_at(parser *p, const token *t, const char *fmt, ...) {
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
static void *error_span(parser *p, tj_span span, const char *fmt, ...) {
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
static void *error_expected(parser *p, const char *what, const char *context) {
  return error_at(p, p->tok, "expected %s%s%s, saw %s", what, *context ? " " : "",
                  context, tok_describe(p->arena, p->src, p->tok));
}

static token *expect(parser *p, const char *s, const char *context) {
  if (at(p, s)) return advance(p);
  return error_expected(p, lex_quote(p->arena, s, (uint32_t)strlen(s)), context);
}

/* A closing bracket, with a note at the one it closes (Lua's "to close"). */
static token *expect_close(parser *p, const char *close, const token *open) {
  if (at(p, close)) return advance(p);
  const char *o = tok_describe(p->arena, p->src, open);
  bool with_note = !p->failed && p->tok->kind != TK_ERROR;
  error_expected(p, lex_quote(p->arena, close, (uint32_t)strlen(close)),
                 arena_printf(p->arena, "to close %s", o));
  if (with_note) diag_note_at(p->diags, p->src, open->span, "to match this %s", o);
  return NULL;
}

static bool enter(parser *p) {
  if (++p->depth <= TJ_MAX_NEST) return true;
  error_at(p, p->tok, "too deeply nested (limit is %d)", TJ_MAX_NEST);
  return false;
}

/* ---- nodes ----------------------------------------------------------- */

static node *new_node(parser *p, node_kind kind, tj_span span) {
  node *n = ARENA_NEW(p->arena, node);
  n->kind = kind;
  n->span = n->op_span = span;
  return n;
}

static tj_span span_from(const token *first, const token *last) {
  return span_make(first->span.start, last->span.end);
}

/* The end of the last token consumed. */
static tj_span span_to_prev(parser *p, uint32_t start) {
  uint32_t end = p->tok > p->toks ? p->tok[-1].span.end : start;
  return span_make(start, end > start ? end : start);
}

/* Lists of nodes are built on one scratch stack and copied to the arena
 * at their final size: `int mark = p->nscratch; push... ; finish`. Inner
 * lists are finished before the outer one grows again, so they nest. */
static void scratch_push(parser *p, node *n) {
  if (p->nscratch == p->scratch_cap) {
    p->scratch_cap = p->scratch_cap ? p->scratch_cap * 2 : 64;
    node **grown = realloc(p->scratch, sizeof *grown * (size_t)p->scratch_cap);
    if (!grown) TJ_OOM();
    p->scratch = grown;
  }
  p->scratch[p->nscratch++] = n;
}

/* Moves the entries above mark into the arena; sets *n to their count. */
static node **scratch_finish(parser *p, int mark, int *n) {
  *n = p->nscratch - mark;
  node **items = *n ? ARENA_ARRAY(p->arena, node *, *n) : NULL;
  if (*n) memcpy(items, p->scratch + mark, sizeof *items * (size_t)*n);
  p->nscratch = mark;
  return items;
}

/* ---- types ----------------------------------------------------------- */

/* dim = INT | NAME */
static bool parse_dim(parser *p, ast_type *ty) {
  token *t = p->tok;
  if (t->kind != TK_INT && !is_name(p, t))
    return error_expected(p, "dimension (a number or a name)", ""), false;
  if (ty->rank >= TJ_MAX_RANK)
    return error_at(p, t, "too many dimensions (limit is %d)", TJ_MAX_RANK), false;
  ast_dim *d = &ty->dims[ty->rank++];
  d->span = advance(p)->span;
  if (t->kind == TK_INT) d->size = t->ival;
  else d->name = t->name;
  return true;
}

/* shape = ("[" dim ("," dim)* "]")+ */
static bool parse_shape(parser *p, ast_type *ty) {
  ty->rank = 0;
  while (at(p, "[")) {
    token *open = advance(p);
    do {
      if (!parse_dim(p, ty)) return false;
    } while (accept(p, ","));
    if (!expect_close(p, "]", open)) return false;
  }
  return true;
}

/* type = ("auto" | "let" | "void" | scalar) shape?   (let/void: no shape) */
static bool parse_type(parser *p, ast_type *ty) {
  token *t = p->tok;
  ty->rank = -1;
  ty->present = is_scalar_type(p, t, &ty->dtype);
  if (!ty->present && !is(p, t, "auto") && !is(p, t, "let") && !is(p, t, "void"))
    return error_expected(p, "type", ""), false;
  advance(p);
  if (at(p, "[") && !is(p, t, "let") && !is(p, t, "void") && !parse_shape(p, ty))
    return false;
  ty->span = span_to_prev(p, t->span.start);
  return true;
}

/* rettype = type | "(" type ("," type)* ")"   (a tuple is documentation) */
static bool parse_ret_type(parser *p, ast_type *ty) {
  if (!at(p, "(")) return parse_type(p, ty);
  token *open = advance(p);
  do {
    ast_type elem;
    if (!parse_type(p, &elem)) return false;
  } while (accept(p, ","));
  if (!expect_close(p, ")", open)) return false;
  ty->present = false;
  ty->rank = -1;
  ty->span = span_to_prev(p, open->span.start);
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

static bool starts_type(parser *p, const token *t) {
  return is_scalar_type(p, t, NULL) || is(p, t, "auto") || is(p, t, "void");
}

/* A dtype JAX has and tjit lacks, where a type goes: before a name, or a
 * shape and a name (`f16 x`, `f16[3] x`). Reports it and returns true. */
static bool unsupported_type(parser *p, const token *t) {
  char why[DTYPE_MSG_MAX];
  if (t->kind != TK_IDENT ||
      !dtype_unsupported(p->src->text + t->span.start, t->span.end - t->span.start, why))
    return false;
  const token *u = t + 1;
  while (u < p->last && is(p, u, "[")) { /* skip the shape's brackets */
    while (u < p->last && !is(p, u, "]")) u++;
    if (u < p->last) u++;
  }
  if (!is_name(p, u)) return false;
  error_at(p, t, "%s", why);
  return true;
}

/* An unknown type name, with the nearest dtype name as a "did you mean". */
static void *unknown_type(parser *p, const token *name) {
  error_at(p, name, "unknown type name %s", tok_describe(p->arena, p->src, name));
  tj_suggest sg = suggest_start(p->src->text + name->span.start, name->span.end - name->span.start);
  dtype_suggest(&sg);
  if (sg.best) diag_hint(p->diags, "did you mean '%s'?", sg.best);
  return NULL;
}

/* funcdef starts: "jit" | NAME "(" ... ")" "{" | rettype NAME "(" */
static bool looks_like_funcdef(parser *p) {
  token *t = p->tok;
  if (is(p, t, "jit")) return true;
  if (is_name(p, t) && is(p, peek_n(p, 1), "(")) {
    int level = 0;
    for (token *u = t + 1; u < p->last; u++) {
      if (is(p, u, "(")) level++;
      else if (is(p, u, ")") && --level == 0) return is(p, u + 1, "{");
    }
    return false;
  }
  if (!starts_type(p, t) && !(is(p, t, "(") && starts_type(p, peek_n(p, 1))))
    return false;
  token *after = skip_ret_type(p, t);
  return after && is_name(p, after) && after < p->last && is(p, after + 1, "(");
}

static bool looks_like_decl(parser *p) {
  token *t = p->tok, *next = peek_n(p, 1);
  if (is(p, t, "let") || is(p, t, "auto")) return true;
  return is_scalar_type(p, t, NULL) && !is(p, next, "(");
}

/* ---- expressions ----------------------------------------------------- */

static node *parse_expr(parser *p);
static node *parse_operand(parser *p);

static bool is_assignable(const node *n) {
  while (n->kind == ND_INDEX) n = n->lhs;
  return n->kind == ND_IDENT;
}

static node *check_assignable(parser *p, node *target) {
  if (is_assignable(target)) return target;
  return error_span(p, target->span, "expression is not assignable");
}

/* A keyword argument `k=v` must not repeat k or come before a
 * positional one. A call passes at most TJ_MAX_PARAMS arguments, as
 * whatever receives them has at most that many parameters. */
static bool check_arg(parser *p, const node *call, int mark, const token *first,
                      const node *arg) {
  int n = p->nscratch - mark;
  if (n >= TJ_MAX_PARAMS)
    return error_span(p, arg->span, "too many arguments (limit is %d) in call to %s",
                      TJ_MAX_PARAMS, quote_name(p, call->name)), false;
  for (int i = 0; arg->kwname && i < n; i++)
    if (p->scratch[mark + i]->kwname == arg->kwname)
      return error_at(p, first, "keyword argument %s repeated",
                      quote_name(p, arg->kwname)), false;
  if (!arg->kwname && n && p->scratch[mark + n - 1]->kwname)
    return error_span(p, arg->span, "positional argument follows keyword argument"), false;
  return true;
}

/* args = (arg ("," arg)*)?    arg = NAME "=" expr | expr */
static bool parse_args(parser *p, node *call, const token *open) {
  int mark = p->nscratch;
  if (!at(p, ")")) {
    do {
      token *t = p->tok;
      name_id kw = 0;
      if (is_name(p, t) && is(p, peek_n(p, 1), "=")) kw = t->name, advance(p), advance(p);
      node *arg = parse_expr(p);
      if (!arg) return false;
      arg->kwname = kw;
      if (!check_arg(p, call, mark, t, arg)) return false;
      scratch_push(p, arg);
    } while (accept(p, ","));
  }
  if (!expect_close(p, ")", open)) return false;
  call->items = scratch_finish(p, mark, &call->nitems);
  return true;
}

/* string = STR+  (adjacent literals are joined, as in C) */
static node *parse_string(parser *p) {
  token *first = p->tok;
  if (peek_n(p, 1)->kind != TK_STR) {
    node *n = new_node(p, ND_STR, advance(p)->span);
    n->str = first->str;
    n->strlen = first->len;
    return n;
  }
  tj_buf b = {0};
  while (p->tok->kind == TK_STR) {
    buf_putn(&b, p->tok->str, p->tok->len);
    advance(p);
  }
  node *n = new_node(p, ND_STR, span_to_prev(p, first->span.start));
  n->str = arena_strndup(p->arena, b.data ? b.data : "", b.len);
  n->strlen = (uint32_t)b.len;
  buf_free(&b);
  return n;
}

/* paren = "(" ")" | "(" expr ")" | "(" expr "," (expr ("," expr)* ","?)? ")" */
static node *parse_paren(parser *p) {
  token *open = advance(p);
  int mark = p->nscratch;
  bool tuple = at(p, ")");
  while (!at(p, ")")) {
    node *e = parse_expr(p);
    if (!e) return NULL;
    scratch_push(p, e);
    if (!accept(p, ",")) break;
    tuple = true;
  }
  token *close = expect_close(p, ")", open);
  if (!close) return NULL;
  if (!tuple) {
    node *inner = p->scratch[--p->nscratch];
    inner->span = span_from(open, close);
    return inner;
  }
  node *n = new_node(p, ND_TUPLE, span_from(open, close));
  n->items = scratch_finish(p, mark, &n->nitems);
  return n;
}

/* primary = INT | FLOAT | string | "true" | "false" | "None" | "null"
 *         | NAME | NAME "(" args ")" | paren */
static node *parse_primary(parser *p) {
  token *t = p->tok;
  node *n;
  if (t->kind == TK_STR) return parse_string(p);
  if (at(p, "(")) return parse_paren(p);
  if (t->kind == TK_INT || t->kind == TK_FLOAT) {
    n = new_node(p, t->kind == TK_INT ? ND_INT : ND_FLOAT, advance(p)->span);
    n->ival = t->ival;
    n->fval = t->fval;
    return n;
  }
  if (at(p, "true") || at(p, "false")) {
    n = new_node(p, ND_BOOL, advance(p)->span);
    n->ival = is(p, t, "true");
    return n;
  }
  if (at(p, "None") || at(p, "null")) return new_node(p, ND_NONE, advance(p)->span);
  if (t->kind != TK_IDENT || is_keyword(p, t)) return error_expected(p, "expression", "");
  advance(p);
  if (!at(p, "(")) {
    n = new_node(p, ND_IDENT, t->span);
    n->name = t->name;
    return n;
  }
  token *open = advance(p);
  n = new_node(p, ND_CALL, t->span);
  n->name = t->name;
  if (!parse_args(p, n, open)) return NULL;
  n->span = span_to_prev(p, t->span.start);
  return n;
}

/* item = expr | expr? ":" expr? (":" expr?)?   (a slice) */
static node *parse_index_item(parser *p) {
  token *first = p->tok;
  node *start = NULL;
  if (!at(p, ":")) {
    start = parse_expr(p);
    if (!start || !at(p, ":")) return start;
  }
  node *n = new_node(p, ND_SLICE, p->tok->span);
  n->op_span = advance(p)->span;
  n->lhs = start;
  if (!at(p, ":") && !at(p, ",") && !at(p, "]") && !(n->rhs = parse_expr(p)))
    return NULL;
  if (accept(p, ":") && !at(p, ",") && !at(p, "]") && !(n->cond = parse_expr(p)))
    return NULL;
  n->span = span_to_prev(p, first->span.start);
  return n;
}

/* index = "[" item ("," item)* "]" */
static node *parse_index(parser *p, node *base) {
  token *open = advance(p);
  int mark = p->nscratch;
  do {
    node *item = parse_index_item(p);
    if (!item) return NULL;
    scratch_push(p, item);
  } while (accept(p, ","));
  if (!expect_close(p, "]", open)) return NULL;
  node *n = new_node(p, ND_INDEX, span_to_prev(p, base->span.start));
  n->op_span = span_to_prev(p, open->span.start);
  n->lhs = base;
  n->items = scratch_finish(p, mark, &n->nitems);
  return n;
}

/* postfix = primary (index | "." NAME | "++" | "--")* */
static node *parse_postfix(parser *p) {
  node *n = parse_primary(p);
  while (n) {
    token *t = p->tok;
    if (at(p, "[")) {
      n = parse_index(p, n);
    } else if (accept(p, ".")) {
      if (p->tok->kind != TK_IDENT) return error_expected(p, "member name", "after '.'");
      node *m = new_node(p, ND_MEMBER, span_make(n->span.start, p->tok->span.end));
      m->op_span = t->span;
      m->name = advance(p)->name;
      m->lhs = n;
      n = m;
    } else if (at(p, "++") || at(p, "--")) {
      if (!check_assignable(p, n)) return NULL;
      node *m = new_node(p, ND_INCDEC, span_make(n->span.start, t->span.end));
      m->op = at(p, "++") ? OP_POSTINC : OP_POSTDEC;
      m->op_span = advance(p)->span;
      m->lhs = n;
      n = m;
    } else if (at(p, "(")) {
      return error_at(p, t, "only a function name can be called");
    } else {
      break;
    }
  }
  return n;
}

static bool starts_unary(parser *p, const token *t) {
  if (t->kind == TK_INT || t->kind == TK_FLOAT || t->kind == TK_STR) return true;
  if (t->kind == TK_IDENT)
    return !is_keyword(p, t) || is(p, t, "true") || is(p, t, "false") ||
           is(p, t, "None") || is(p, t, "null");
  if (is(p, t, "(")) return true;
  for (size_t i = 0; i < TJ_COUNT(unops); i++)
    if (is(p, t, unops[i].text)) return true;
  return false;
}

/* cast = "(" scalar ")" unary, told from a parenthesized name by what
 * follows: `(float)x` and `(float)-x` are casts, `(f32)` and `(f32) * 2` not. */
static bool looks_like_cast(parser *p) {
  return at(p, "(") && is_scalar_type(p, peek_n(p, 1), NULL) &&
         is(p, peek_n(p, 2), ")") && starts_unary(p, peek_n(p, 3));
}

/* A cast to a dtype tjit lacks, `(f16)x`: only where a parenthesized name
 * could not stand (a name or a number follows). Reports it. */
static bool unsupported_cast(parser *p) {
  char why[DTYPE_MSG_MAX];
  const token *t = peek_n(p, 1), *after = peek_n(p, 3);
  if (!at(p, "(") || t->kind != TK_IDENT || !is(p, peek_n(p, 2), ")") ||
      !(after->kind == TK_INT || after->kind == TK_FLOAT || is_name(p, after)) ||
      !dtype_unsupported(p->src->text + t->span.start, t->span.end - t->span.start, why))
    return false;
  error_at(p, t, "%s", why);
  return true;
}

/* unary = ("-" | "+" | "!" | "~" | "++" | "--") unary | cast | postfix */
static node *parse_unary(parser *p) {
  token *t = p->tok;
  if (unsupported_cast(p)) return NULL;
  if (looks_like_cast(p)) {
    node *n = new_node(p, ND_CAST, t->span);
    advance(p);
    n->type.present = is_scalar_type(p, p->tok, &n->type.dtype);
    n->type.rank = -1;
    n->type.span = advance(p)->span;
    n->op_span = span_from(t, advance(p));
    if (!(n->lhs = parse_operand(p))) return NULL;
    n->span = span_make(t->span.start, n->lhs->span.end);
    return n;
  }
  for (size_t i = 0; i < TJ_COUNT(unops); i++) {
    if (!is(p, t, unops[i].text)) continue;
    advance(p);
    node *operand = parse_operand(p);
    if (!operand) return NULL;
    bool incdec = unops[i].op == OP_PREINC || unops[i].op == OP_PREDEC;
    if (incdec && !check_assignable(p, operand)) return NULL;
    node *n = new_node(p, incdec ? ND_INCDEC : ND_UNARY,
                       span_make(t->span.start, operand->span.end));
    n->op = unops[i].op;
    n->op_span = t->span;
    n->lhs = operand;
    return n;
  }
  return parse_postfix(p);
}


/* The operand of a unary operator or a cast: one level deeper. */
static node *parse_operand(parser *p) {
  if (!enter(p)) return NULL;
  node *n = parse_unary(p);
  p->depth--;
  return n;
}

static const struct binop *binop_at(parser *p, const token *t) {
  for (size_t i = 0; i < TJ_COUNT(binops); i++)
    if (is(p, t, op_text(binops[i].op))) return &binops[i];
  return NULL;
}

/* binary(limit) = unary (BINOP binary(prio of BINOP))*  for prio > limit */
static node *parse_binary(parser *p, int limit) {
  node *lhs = parse_unary(p);
  const struct binop *b;
  while (lhs && (b = binop_at(p, p->tok)) && b->prio > limit) {
    token *op = advance(p);
    node *rhs = parse_binary(p, b->prio);
    if (!rhs) return NULL;
    node *n = new_node(p, ND_BINARY, span_join(lhs->span, rhs->span));
    n->op = b->op;
    n->op_span = op->span;
    n->lhs = lhs;
    n->rhs = rhs;
    lhs = n;
  }
  return lhs;
}

/* ternary = binary(0) ("?" expr ":" expr)? */
static node *parse_ternary(parser *p) {
  node *cond = parse_binary(p, 0);
  if (!cond || !at(p, "?")) return cond;
  node *n = new_node(p, ND_TERNARY, cond->span);
  n->op_span = advance(p)->span;
  n->cond = cond;
  if (!(n->then = parse_expr(p))) return NULL;
  if (!expect(p, ":", "in conditional expression")) return NULL;
  if (!(n->els = parse_expr(p))) return NULL;
  n->span = span_join(cond->span, n->els->span);
  return n;
}

/* expr = ternary   (assignment is a statement form: see parse_simple) */
static node *parse_expr(parser *p) {
  if (!enter(p)) return NULL;
  node *n = parse_ternary(p);
  p->depth--;
  return n;
}

/* "=" or a compound assignment: the binops up to OP_SHR with "=". */
static bool assign_op_at(parser *p, ast_op *op) {
  if (at(p, "=")) return *op = OP_ASSIGN, true;
  const token *t = p->tok;
  uint32_t n = t->span.end - t->span.start;
  if (t->kind != TK_PUNCT || n < 2 || p->src->text[t->span.end - 1] != '=') return false;
  for (size_t i = 0; i < TJ_COUNT(binops); i++) {
    const char *s = op_text(binops[i].op);
    if (binops[i].op <= OP_SHR && strlen(s) == n - 1 &&
        memcmp(s, p->src->text + t->span.start, n - 1) == 0)
      return *op = binops[i].op, true;
  }
  return false;
}

/* simple = expr (ASSIGNOP expr)? */
static node *parse_simple(parser *p) {
  node *target = parse_expr(p);
  ast_op op;
  if (!target || !assign_op_at(p, &op)) return target;
  if (!check_assignable(p, target)) return NULL;
  node *n = new_node(p, ND_ASSIGN, target->span);
  n->op = op;
  n->op_span = advance(p)->span;
  n->lhs = target;
  if (!(n->rhs = parse_expr(p))) return NULL;
  n->span = span_join(target->span, n->rhs->span);
  return n;
}

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
  if (at(p, "[")) {
    token *open = p->tok;
    if (!parse_shape(p, &shape)) return false;
    if (type_shaped)
      return error_span(p, span_to_prev(p, open->span.start),
                        "shape of %s given twice", quote_name(p, name->name)), false;
  }
  if (type_shaped) return true;
  if (decl->nnames == 1) {
    memcpy(decl->type.dims, shape.dims, sizeof shape.dims);
    decl->type.rank = shape.rank;
  } else if (!same_shape(&decl->type, &shape)) {
    return error_at(p, name, "%s has a different shape from %s (declare it separately)",
                    quote_name(p, name->name), quote_name(p, decl->names[0])), false;
  }
  return true;
}

/* destructure = "(" NAME ("," NAME)* ")" "=" expr   after let/auto */
static node *parse_destructure(parser *p, node *decl) {
  token *open = advance(p);
  int cap = 0;
  decl->is_destructure = true;
  do {
    if (!is_name(p, p->tok)) return error_expected(p, "variable name", "");
    add_name(p, decl, advance(p), &cap);
  } while (accept(p, ","));
  if (!expect_close(p, ")", open) || !expect(p, "=", "after names to unpack"))
    return NULL;
  return (decl->rhs = parse_expr(p)) ? decl : NULL;
}

/* decl = ("let" | "auto") destructure
 *      | type declarator ("," declarator)*
 * declarator = NAME shape? ("=" expr)? */
static node *parse_decl(parser *p) {
  token *first = p->tok;
  node *n = new_node(p, ND_DECL, first->span);
  bool untyped = at(p, "let") || at(p, "auto");
  if (!parse_type(p, &n->type)) return NULL;
  n->op_span = n->type.span;
  if (untyped && at(p, "(")) n = parse_destructure(p, n);
  bool type_shaped = n && n->type.rank >= 0;
  int mark = p->nscratch, cap = 0;
  while (n && !n->is_destructure) {
    token *name = p->tok;
    if (!is_name(p, name)) return error_expected(p, "variable name", "");
    add_name(p, n, advance(p), &cap);
    if (!parse_declarator_shape(p, n, type_shaped, name)) return NULL;
    node *init = NULL;
    if (accept(p, "=") && !(init = parse_expr(p))) return NULL;
    scratch_push(p, init);
    if (!accept(p, ",")) break;
  }
  if (!n) return NULL;
  if (p->nscratch - mark == 1) n->rhs = p->scratch[--p->nscratch];
  else if (!n->is_destructure) n->items = scratch_finish(p, mark, &n->nitems);
  n->span = span_to_prev(p, first->span.start);
  return n;
}

static node *expr_stmt(parser *p, node *e) {
  node *n = new_node(p, ND_EXPR_STMT, e->span);
  n->op_span = e->op_span;
  n->lhs = e;
  return n;
}

/* cond = "(" expr ")"   after if / while */
static node *parse_cond(parser *p, const token *kw) {
  const char *context =
      arena_printf(p->arena, "after %s", tok_describe(p->arena, p->src, kw));
  token *open = expect(p, "(", context);
  node *cond = open ? parse_expr(p) : NULL;
  return cond && expect_close(p, ")", open) ? cond : NULL;
}

/* if = "if" cond stmt ("else" stmt)? */
static node *parse_if(parser *p) {
  token *kw = advance(p);
  node *n = new_node(p, ND_IF, kw->span);
  if (!(n->cond = parse_cond(p, kw)) || !(n->then = parse_stmt(p))) return NULL;
  if (accept(p, "else") && !(n->els = parse_stmt(p))) return NULL;
  n->span = span_to_prev(p, kw->span.start);
  return n;
}

/* for = "for" "(" (decl | simple)? ";" expr? ";" simple? ")" stmt */
static node *parse_for(parser *p) {
  token *kw = advance(p);
  node *n = new_node(p, ND_FOR, kw->span);
  token *open = expect(p, "(", "after 'for'");
  if (!open) return NULL;
  if (!at(p, ";")) {
    node *init = looks_like_decl(p) ? parse_decl(p) : parse_simple(p);
    if (!init) return NULL;
    n->init = init->kind == ND_DECL ? init : expr_stmt(p, init);
  }
  if (!expect(p, ";", "in 'for' statement")) return NULL;
  if (!at(p, ";") && !(n->cond = parse_expr(p))) return NULL;
  if (!expect(p, ";", "in 'for' statement")) return NULL;
  if (!at(p, ")") && !(n->inc = parse_simple(p))) return NULL;
  if (!expect_close(p, ")", open) || !(n->body = parse_stmt(p))) return NULL;
  n->span = span_to_prev(p, kw->span.start);
  return n;
}

/* while = "while" cond stmt */
static node *parse_while(parser *p) {
  token *kw = advance(p);
  node *n = new_node(p, ND_WHILE, kw->span);
  if (!(n->cond = parse_cond(p, kw)) || !(n->body = parse_stmt(p))) return NULL;
  n->span = span_to_prev(p, kw->span.start);
  return n;
}

/* do = "do" stmt "while" cond ";" */
static node *parse_do(parser *p) {
  token *kw = advance(p);
  node *n = new_node(p, ND_DO, kw->span);
  if (!(n->body = parse_stmt(p))) return NULL;
  token *w = expect(p, "while", "after 'do' body");
  if (!w || !(n->cond = parse_cond(p, w))) return NULL;
  if (!expect(p, ";", "after do-while statement")) return NULL;
  n->span = span_to_prev(p, kw->span.start);
  return n;
}

/* jump = ("break" | "continue") ";" | "return" expr? ";" */
static node *parse_jump(parser *p, node_kind kind) {
  token *kw = advance(p);
  node *n = new_node(p, kind, kw->span);
  if (kind == ND_RETURN && !at(p, ";") && !(n->lhs = parse_expr(p))) return NULL;
  const char *context = kind == ND_RETURN ? "after return statement"
                        : kind == ND_BREAK ? "after 'break'" : "after 'continue'";
  if (!expect(p, ";", context)) return NULL;
  n->span = span_to_prev(p, kw->span.start);
  return n;
}

/* A statement that ends with ";": a declaration or a simple statement. */
static node *parse_semi_stmt(parser *p) {
  token *first = p->tok;
  bool decl = looks_like_decl(p);
  node *n = decl ? parse_decl(p) : parse_simple(p);
  if (!n || !expect(p, ";", decl ? "after declaration" : "after expression"))
    return NULL;
  if (!decl) n = expr_stmt(p, n);
  n->span = span_to_prev(p, first->span.start);
  return n;
}

static node *parse_nested_func(parser *p) {
  ast_func *fn = parse_func(p);
  if (!fn) return NULL;
  node *n = new_node(p, ND_FUNC, fn->span);
  n->op_span = fn->name_span;
  n->name = fn->name;
  n->func = fn;
  return n;
}

static node *parse_stmt_inner(parser *p) {
  if (at(p, "{")) return parse_block(p);
  if (at(p, "if")) return parse_if(p);
  if (at(p, "for")) return parse_for(p);
  if (at(p, "while")) return parse_while(p);
  if (at(p, "do")) return parse_do(p);
  if (at(p, "break")) return parse_jump(p, ND_BREAK);
  if (at(p, "continue")) return parse_jump(p, ND_CONTINUE);
  if (at(p, "return")) return parse_jump(p, ND_RETURN);
  if (at(p, ";")) return new_node(p, ND_EMPTY, advance(p)->span);
  if (unsupported_type(p, p->tok)) return NULL; /* a declaration `f16 y = ...` */
  if (looks_like_funcdef(p)) return parse_nested_func(p);
  return parse_semi_stmt(p);
}

/* stmt = block | if | for | while | do | jump | ";" | funcdef
 *      | decl ";" | simple ";" */
static node *parse_stmt(parser *p) {
  if (!enter(p)) return NULL;
  node *n = parse_stmt_inner(p);
  p->depth--;
  return n;
}

/* block = "{" stmt* "}" */
static node *parse_block(parser *p) {
  token *open = advance(p);
  int mark = p->nscratch;
  while (!at(p, "}")) {
    if (p->tok->kind == TK_EOF || p->tok->kind == TK_ERROR)
      return expect_close(p, "}", open), NULL;
    node *s = parse_stmt(p);
    if (!s) return NULL;
    scratch_push(p, s);
  }
  advance(p);
  node *n = new_node(p, ND_BLOCK, span_to_prev(p, open->span.start));
  n->op_span = open->span;
  n->items = scratch_finish(p, mark, &n->nitems);
  return n;
}

/* ---- functions ------------------------------------------------------- */

/* param = "static"? type? NAME shape? */
static bool parse_param(parser *p, ast_param *prm) {
  token *first = p->tok;
  prm->type.rank = -1;
  prm->is_static = accept(p, "static");
  if ((is_scalar_type(p, p->tok, NULL) || at(p, "auto")) && !parse_type(p, &prm->type))
    return false;
  token *name = p->tok;
  if (unsupported_type(p, name)) return false;
  if (is_name(p, name) && is_name(p, peek_n(p, 1))) return unknown_type(p, name), false;
  if (!is_name(p, name)) return error_expected(p, "parameter name", ""), false;
  advance(p);
  prm->name = name->name;
  prm->name_span = name->span;
  if (!prm->type.present && prm->type.span.end == 0) prm->type.span = name->span;
  if (at(p, "[")) {
    token *open = p->tok;
    if (prm->type.rank >= 0)
      return error_at(p, open, "shape of %s given twice", quote_name(p, name->name)), false;
    if (!parse_shape(p, &prm->type)) return false;
  }
  prm->span = span_to_prev(p, first->span.start);
  return true;
}

static bool check_param(parser *p, const ast_func *fn, const ast_param *params,
                        int n) {
  const ast_param *prm = &params[n - 1];
  if (n > TJ_MAX_PARAMS)
    return error_span(p, prm->span, "too many parameters (limit is %d) in function %s",
                      TJ_MAX_PARAMS, quote_name(p, fn->name)), false;
  for (int i = 0; i < n - 1; i++)
    if (params[i].name == prm->name) {
      error_span(p, prm->name_span, "duplicate parameter %s", quote_name(p, prm->name));
      diag_note_at(p->diags, p->src, params[i].name_span, "first declared here");
      return false;
    }
  return true;
}

/* params = "(" ("void" | param ("," param)*)? ")" */
static bool parse_params(parser *p, ast_func *fn) {
  token *open = expect(p, "(", "after function name");
  if (!open) return false;
  int n = 0, cap = 0;
  if (at(p, "void") && is(p, peek_n(p, 1), ")")) advance(p);
  else if (!at(p, ")")) {
    do {
      ast_param prm = {0};
      if (!parse_param(p, &prm)) return false;
      ARENA_PUSH(p->arena, fn->params, n, cap, prm);
      if (!check_param(p, fn, fn->params, n)) return false;
    } while (accept(p, ","));
  }
  fn->nparams = n;
  return expect_close(p, ")", open) != NULL;
}

static bool func_name_eq(const void *ctx, uint32_t i, const void *key) {
  return ((const func_list *)ctx)->funcs[i]->name == *(const name_id *)key;
}

static bool add_func(parser *p, func_list *list, ast_func *fn) {
  uint32_t first = hashmap_add(&list->index, hash_u64(fn->name), func_name_eq, list, &fn->name,
                               (uint32_t)list->n);
  if (first != HASHMAP_NONE) {
    error_span(p, fn->name_span, "duplicate function %s", quote_name(p, fn->name));
    diag_note_at(p->diags, p->src, list->funcs[first]->name_span, "first defined here");
    return false;
  }
  ARENA_PUSH(p->arena, list->funcs, list->n, list->cap, fn);
  return true;
}

/* The body, with fn as the parent of the functions defined inside it. */
static bool parse_func_body(parser *p, ast_func *fn) {
  if (!at(p, "{")) return error_expected(p, "'{'", "before function body"), false;
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
  fn->is_jit = accept(p, "jit");
  bool has_ret = !(is_name(p, p->tok) && is(p, peek_n(p, 1), "("));
  if (has_ret && (starts_type(p, p->tok) || at(p, "(")) && !parse_ret_type(p, &fn->ret))
    return NULL;
  token *name = p->tok;
  if (unsupported_type(p, name)) return NULL;
  if (is_name(p, name) && is_name(p, peek_n(p, 1))) return unknown_type(p, name);
  if (!is_name(p, name)) return error_expected(p, "function name", "");
  advance(p);
  fn->name = name->name;
  fn->name_span = name->span;
  uint32_t col;
  source_position(p->src, name->span.start, &fn->line, &col);
  if (!parse_params(p, fn) || !add_func(p, p->siblings, fn) || !parse_func_body(p, fn))
    return NULL;
  fn->span = span_to_prev(p, first->span.start);
  return fn;
}

/* ---- the program ----------------------------------------------------- */

/* program = funcdef+ */
static bool parse_funcs(parser *p) {
  while (p->tok->kind != TK_EOF) {
    token *t = p->tok;
    if (!is(p, t, "jit") && !starts_type(p, t) && !is(p, t, "(") && !is_name(p, t))
      return error_expected(p, "function definition", ""), false;
    if (!parse_func(p)) return false;
  }
  if (p->siblings->n == 0)
    return error_at(p, p->tok, "no function defined in the source"), false;
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
