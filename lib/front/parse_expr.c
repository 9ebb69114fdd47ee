/* The expressions of the function language (DESIGN.md §3): one function
 * per grammar rule, binary operators from one priority table (Lua's
 * priority[]), and assignment, a statement form (parse_simple). Part of
 * the parser (parse_int.h); parse.c says what the AST's spans hold. */
#include "parse_int.h"

#include <string.h>

static const char *const op_texts[OP_COUNT] = {
    [OP_ADD] = "+",      [OP_SUB] = "-",       [OP_MUL] = "*",
    [OP_DIV] = "/",      [OP_MOD] = "%",       [OP_MATMUL] = "@",
    [OP_POW] = "**",     [OP_BITAND] = "&",
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

/* C's binary operators, loosest first (Lua's priority[]), and Python's
 * `@` with `*` (Python's precedence). The compound assignments are the
 * rows up to OP_SHR with "=" appended, and `**=` (parse_power). */
static const struct binop {
  ast_op op;
  int prio;
} binops[] = {
    {OP_LOGOR, 1}, {OP_LOGAND, 2}, {OP_BITOR, 3}, {OP_BITXOR, 4},
    {OP_BITAND, 5}, {OP_EQ, 6},    {OP_NE, 6},    {OP_LT, 7},
    {OP_LE, 7},    {OP_GT, 7},     {OP_GE, 7},    {OP_SHL, 8},
    {OP_SHR, 8},   {OP_ADD, 9},    {OP_SUB, 9},   {OP_MUL, 10},
    {OP_DIV, 10},  {OP_MOD, 10},   {OP_MATMUL, 10},
};

static const struct {
  const char *text;
  ast_op op;
} unops[] = {
    {"-", OP_NEG}, {"+", OP_PLUS}, {"!", OP_NOT},
    {"~", OP_BITNOT}, {"++", OP_PREINC}, {"--", OP_PREDEC},
};

/* ---- expressions ----------------------------------------------------- */

static node *parse_operand(parser *p);

static bool is_assignable(const node *n) {
  while (n->kind == ND_INDEX) n = n->lhs;
  return n->kind == ND_IDENT;
}

static node *check_assignable(parser *p, node *target) {
  if (is_assignable(target)) return target;
  return ps_error_span(p, target->span, "expression is not assignable");
}

/* A keyword argument `k=v` must not repeat k or come before a
 * positional one. A call passes at most TJ_MAX_PARAMS arguments, as
 * whatever receives them has at most that many parameters. */
static bool check_arg(parser *p, const node *call, int mark, const token *first,
                      const node *arg) {
  int n = p->nscratch - mark;
  if (n >= TJ_MAX_PARAMS)
    return ps_error_span(p, arg->span, "too many arguments (limit is %d) in call to %s",
                         TJ_MAX_PARAMS, ps_quote_name(p, call->name)), false;
  for (int i = 0; arg->kwname && i < n; i++)
    if (p->scratch[mark + i]->kwname == arg->kwname)
      return ps_error_at(p, first, "keyword argument %s repeated",
                         ps_quote_name(p, arg->kwname)), false;
  if (!arg->kwname && n && p->scratch[mark + n - 1]->kwname)
    return ps_error_span(p, arg->span, "positional argument follows keyword argument"), false;
  return true;
}

/* args = (arg ("," arg)*)?    arg = NAME "=" expr | expr */
static bool parse_args(parser *p, node *call, const token *open) {
  int mark = p->nscratch;
  if (!ps_at(p, ")")) {
    do {
      token *t = p->tok;
      name_id kw = 0;
      if (ps_is_name(p, t) && ps_is(p, ps_peek_n(p, 1), "="))
        kw = t->name, ps_advance(p), ps_advance(p);
      node *arg = parse_expr(p);
      if (!arg) return false;
      arg->kwname = kw;
      if (!check_arg(p, call, mark, t, arg)) return false;
      ps_scratch_push(p, arg);
    } while (ps_accept(p, ","));
  }
  if (!ps_expect_close(p, ")", open)) return false;
  call->items = ps_scratch_finish(p, mark, &call->nitems);
  return true;
}

/* string = STR+  (adjacent literals are joined, as in C) */
static node *parse_string(parser *p) {
  token *first = p->tok;
  if (ps_peek_n(p, 1)->kind != TK_STR) {
    node *n = ps_new_node(p, ND_STR, ps_advance(p)->span);
    n->str = first->str;
    n->strlen = first->len;
    return n;
  }
  tj_buf b = {0};
  while (p->tok->kind == TK_STR) {
    buf_putn(&b, p->tok->str, p->tok->len);
    ps_advance(p);
  }
  node *n = ps_new_node(p, ND_STR, ps_span_to_prev(p, first->span.start));
  n->str = arena_strndup(p->arena, b.data ? b.data : "", b.len);
  n->strlen = (uint32_t)b.len;
  buf_free(&b);
  return n;
}

/* paren = "(" ")" | "(" expr ")" | "(" expr "," (expr ("," expr)* ","?)? ")" */
static node *parse_paren(parser *p) {
  token *open = ps_advance(p);
  int mark = p->nscratch;
  bool tuple = ps_at(p, ")");
  while (!ps_at(p, ")")) {
    node *e = parse_expr(p);
    if (!e) return NULL;
    ps_scratch_push(p, e);
    if (!ps_accept(p, ",")) break;
    tuple = true;
  }
  token *close = ps_expect_close(p, ")", open);
  if (!close) return NULL;
  if (!tuple) {
    node *inner = p->scratch[--p->nscratch];
    inner->span = ps_span_from(open, close);
    return inner;
  }
  node *n = ps_new_node(p, ND_TUPLE, ps_span_from(open, close));
  n->items = ps_scratch_finish(p, mark, &n->nitems);
  return n;
}

/* One entry of a list or dict display: an expression, for a dict
 * followed by ":" and the value. */
static bool parse_display_item(parser *p, bool dict) {
  node *e = parse_expr(p);
  if (!e) return false;
  ps_scratch_push(p, e);
  if (!dict) return true;
  if (!ps_expect(p, ":", "after dict key")) return false;
  node *v = parse_expr(p);
  if (v) ps_scratch_push(p, v);
  return v != NULL;
}

/* list = "[" (expr ("," expr)* ","?)? "]"
 * dict = "{" (expr ":" expr ("," expr ":" expr)* ","?)? "}"
 * Python's displays: where an operand starts, `[` cannot be an index and
 * `{` cannot be a block (blocks are statements). */
static node *parse_display(parser *p, bool dict) {
  token *open = ps_advance(p);
  const char *close = dict ? "}" : "]";
  int mark = p->nscratch;
  while (!ps_at(p, close)) {
    if (!parse_display_item(p, dict)) return NULL;
    if (!ps_accept(p, ",")) break;
  }
  token *end = ps_expect_close(p, close, open);
  if (!end) return NULL;
  node *n = ps_new_node(p, dict ? ND_DICT : ND_LIST, ps_span_from(open, end));
  n->items = ps_scratch_finish(p, mark, &n->nitems);
  return n;
}

/* primary = INT | FLOAT | string | "true" | "false" | "None" | "null"
 *         | NAME | NAME "(" args ")" | paren | list | dict */
static node *parse_primary(parser *p) {
  token *t = p->tok;
  node *n;
  if (t->kind == TK_STR) return parse_string(p);
  if (ps_at(p, "(")) return parse_paren(p);
  if (ps_at(p, "[") || ps_at(p, "{")) return parse_display(p, ps_at(p, "{"));
  if (t->kind == TK_INT || t->kind == TK_FLOAT) {
    n = ps_new_node(p, t->kind == TK_INT ? ND_INT : ND_FLOAT, ps_advance(p)->span);
    n->ival = t->ival;
    n->fval = t->fval;
    return n;
  }
  if (ps_at(p, "true") || ps_at(p, "false")) {
    n = ps_new_node(p, ND_BOOL, ps_advance(p)->span);
    n->ival = ps_is(p, t, "true");
    return n;
  }
  if (ps_at(p, "None") || ps_at(p, "null")) return ps_new_node(p, ND_NONE, ps_advance(p)->span);
  if (t->kind != TK_IDENT || ps_is_keyword(p, t)) return ps_error_expected(p, "expression", "");
  ps_advance(p);
  if (!ps_at(p, "(")) {
    n = ps_new_node(p, ND_IDENT, t->span);
    n->name = t->name;
    return n;
  }
  token *open = ps_advance(p);
  n = ps_new_node(p, ND_CALL, t->span);
  n->name = t->name;
  if (!parse_args(p, n, open)) return NULL;
  n->span = ps_span_to_prev(p, t->span.start);
  return n;
}

/* item = "..." | expr | expr? ":" expr? (":" expr?)?   (a slice) */
static node *parse_index_item(parser *p) {
  token *first = p->tok;
  node *start = NULL;
  if (ps_at(p, "...")) return ps_new_node(p, ND_ELLIPSIS, ps_advance(p)->span);
  if (!ps_at(p, ":")) {
    start = parse_expr(p);
    if (!start || !ps_at(p, ":")) return start;
  }
  node *n = ps_new_node(p, ND_SLICE, p->tok->span);
  n->op_span = ps_advance(p)->span;
  n->lhs = start;
  if (!ps_at(p, ":") && !ps_at(p, ",") && !ps_at(p, "]") && !(n->rhs = parse_expr(p)))
    return NULL;
  if (ps_accept(p, ":") && !ps_at(p, ",") && !ps_at(p, "]") && !(n->cond = parse_expr(p)))
    return NULL;
  n->span = ps_span_to_prev(p, first->span.start);
  return n;
}

/* index = "[" item ("," item)* "]" */
static node *parse_index(parser *p, node *base) {
  token *open = ps_advance(p);
  int mark = p->nscratch;
  do {
    node *item = parse_index_item(p);
    if (!item) return NULL;
    ps_scratch_push(p, item);
  } while (ps_accept(p, ","));
  if (!ps_expect_close(p, "]", open)) return NULL;
  node *n = ps_new_node(p, ND_INDEX, ps_span_to_prev(p, base->span.start));
  n->op_span = ps_span_to_prev(p, open->span.start);
  n->lhs = base;
  n->items = ps_scratch_finish(p, mark, &n->nitems);
  return n;
}

/* A method call `x.sum(axis=1)`: a call named by the member whose lhs is
 * the receiver (the tracer passes it first). */
static node *parse_method_call(parser *p, node *member) {
  token *open = ps_advance(p);
  node *n = ps_new_node(p, ND_CALL, member->span);
  n->name = member->name;
  n->op_span = span_make(member->op_span.start, member->span.end);
  n->lhs = member->lhs;
  if (!parse_args(p, n, open)) return NULL;
  n->span = ps_span_to_prev(p, member->span.start);
  return n;
}

/* A call of the value an expression gives, `grad(f)(x)`: the tracer
 * checks that it is a function. */
static node *parse_apply(parser *p, node *callee) {
  token *open = ps_advance(p);
  node *n = ps_new_node(p, ND_APPLY, callee->span);
  n->lhs = callee;
  if (!parse_args(p, n, open)) return NULL;
  n->span = ps_span_to_prev(p, callee->span.start);
  n->op_span = ps_span_to_prev(p, open->span.start);
  return n;
}

/* postfix = primary (index | "." NAME | "." NAME "(" args ")" | "(" args ")" | "++" | "--")* */
static node *parse_postfix(parser *p) {
  node *n = parse_primary(p);
  while (n) {
    token *t = p->tok;
    if (ps_at(p, "[")) {
      n = parse_index(p, n);
    } else if (ps_accept(p, ".")) {
      if (p->tok->kind != TK_IDENT) return ps_error_expected(p, "member name", "after '.'");
      node *m = ps_new_node(p, ND_MEMBER, span_make(n->span.start, p->tok->span.end));
      m->op_span = t->span;
      m->name = ps_advance(p)->name;
      m->lhs = n;
      n = ps_at(p, "(") ? parse_method_call(p, m) : m;
    } else if (ps_at(p, "++") || ps_at(p, "--")) {
      if (!check_assignable(p, n)) return NULL;
      node *m = ps_new_node(p, ND_INCDEC, span_make(n->span.start, t->span.end));
      m->op = ps_at(p, "++") ? OP_POSTINC : OP_POSTDEC;
      m->op_span = ps_advance(p)->span;
      m->lhs = n;
      n = m;
    } else if (ps_at(p, "(")) {
      n = parse_apply(p, n);
    } else {
      break;
    }
  }
  return n;
}

/* power = postfix ("**" unary)?  Python's: tighter than a unary operator
 * on its left (-x**2 is -(x**2)), right-associative through the unary
 * operand (2**-1, a**b**c is a**(b**c)). */
static node *parse_power(parser *p) {
  node *base = parse_postfix(p);
  if (!base || !ps_at(p, "**")) return base;
  token *op = ps_advance(p);
  node *expo = parse_operand(p);
  if (!expo) return NULL;
  node *n = ps_new_node(p, ND_BINARY, span_join(base->span, expo->span));
  n->op = OP_POW;
  n->op_span = op->span;
  n->lhs = base;
  n->rhs = expo;
  return n;
}

static bool starts_unary(parser *p, const token *t) {
  if (t->kind == TK_INT || t->kind == TK_FLOAT || t->kind == TK_STR) return true;
  if (t->kind == TK_IDENT)
    return !ps_is_keyword(p, t) || ps_is(p, t, "true") || ps_is(p, t, "false") ||
           ps_is(p, t, "None") || ps_is(p, t, "null");
  if (ps_is(p, t, "(")) return true;
  for (size_t i = 0; i < TJ_COUNT(unops); i++)
    if (ps_is(p, t, unops[i].text)) return true;
  return false;
}

/* cast = "(" scalar ")" unary, told from a parenthesized name by what
 * follows: `(float)x` and `(float)-x` are casts, `(f32)` and `(f32) * 2` not. */
static bool looks_like_cast(parser *p) {
  return ps_at(p, "(") && ps_is_scalar_type(p, ps_peek_n(p, 1), NULL) &&
         ps_is(p, ps_peek_n(p, 2), ")") && starts_unary(p, ps_peek_n(p, 3));
}

/* A cast to a dtype tjit lacks, `(f16)x`: only where a parenthesized name
 * could not stand (a name or a number follows). Reports it. */
static bool unsupported_cast(parser *p) {
  char why[DTYPE_MSG_MAX];
  const token *t = ps_peek_n(p, 1), *after = ps_peek_n(p, 3);
  if (!ps_at(p, "(") || t->kind != TK_IDENT || !ps_is(p, ps_peek_n(p, 2), ")") ||
      !(after->kind == TK_INT || after->kind == TK_FLOAT || ps_is_name(p, after)) ||
      !dtype_unsupported(p->src->text + t->span.start, t->span.end - t->span.start, why))
    return false;
  ps_error_at(p, t, "%s", why);
  return true;
}

/* unary = ("-" | "+" | "!" | "~" | "++" | "--") unary | cast | postfix */
static node *parse_unary(parser *p) {
  token *t = p->tok;
  if (unsupported_cast(p)) return NULL;
  if (looks_like_cast(p)) {
    node *n = ps_new_node(p, ND_CAST, t->span);
    ps_advance(p);
    n->type.present = ps_is_scalar_type(p, p->tok, &n->type.dtype);
    n->type.rank = -1;
    n->type.span = ps_advance(p)->span;
    n->op_span = ps_span_from(t, ps_advance(p));
    if (!(n->lhs = parse_operand(p))) return NULL;
    n->span = span_make(t->span.start, n->lhs->span.end);
    return n;
  }
  for (size_t i = 0; i < TJ_COUNT(unops); i++) {
    if (!ps_is(p, t, unops[i].text)) continue;
    ps_advance(p);
    node *operand = parse_operand(p);
    if (!operand) return NULL;
    bool incdec = unops[i].op == OP_PREINC || unops[i].op == OP_PREDEC;
    if (incdec && !check_assignable(p, operand)) return NULL;
    node *n = ps_new_node(p, incdec ? ND_INCDEC : ND_UNARY,
                          span_make(t->span.start, operand->span.end));
    n->op = unops[i].op;
    n->op_span = t->span;
    n->lhs = operand;
    return n;
  }
  return parse_power(p);
}


/* The operand of a unary operator or a cast: one level deeper. */
static node *parse_operand(parser *p) {
  if (!ps_enter(p)) return NULL;
  node *n = parse_unary(p);
  p->depth--;
  return n;
}

static const struct binop *binop_at(parser *p, const token *t) {
  for (size_t i = 0; i < TJ_COUNT(binops); i++)
    if (ps_is(p, t, op_text(binops[i].op))) return &binops[i];
  return NULL;
}

/* binary(limit) = unary (BINOP binary(prio of BINOP))*  for prio > limit */
static node *parse_binary(parser *p, int limit) {
  node *lhs = parse_unary(p);
  const struct binop *b;
  while (lhs && (b = binop_at(p, p->tok)) && b->prio > limit) {
    token *op = ps_advance(p);
    node *rhs = parse_binary(p, b->prio);
    if (!rhs) return NULL;
    node *n = ps_new_node(p, ND_BINARY, span_join(lhs->span, rhs->span));
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
  if (!cond || !ps_at(p, "?")) return cond;
  node *n = ps_new_node(p, ND_TERNARY, cond->span);
  n->op_span = ps_advance(p)->span;
  n->cond = cond;
  if (!(n->then = parse_expr(p))) return NULL;
  if (!ps_expect(p, ":", "in conditional expression")) return NULL;
  if (!(n->els = parse_expr(p))) return NULL;
  n->span = span_join(cond->span, n->els->span);
  return n;
}

/* expr = ternary   (assignment is a statement form: see parse_simple) */
node *parse_expr(parser *p) {
  if (!ps_enter(p)) return NULL;
  node *n = parse_ternary(p);
  p->depth--;
  return n;
}

/* "=" or a compound assignment: the binops up to OP_SHR with "=", and "**=". */
static bool assign_op_at(parser *p, ast_op *op) {
  if (ps_at(p, "=")) return *op = OP_ASSIGN, true;
  if (ps_at(p, "**=")) return *op = OP_POW, true;
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
node *parse_simple(parser *p) {
  node *target = parse_expr(p);
  ast_op op;
  if (!target || !assign_op_at(p, &op)) return target;
  if (!check_assignable(p, target)) return NULL;
  node *n = ps_new_node(p, ND_ASSIGN, target->span);
  n->op = op;
  n->op_span = ps_advance(p)->span;
  n->lhs = target;
  if (!(n->rhs = parse_expr(p))) return NULL;
  n->span = span_join(target->span, n->rhs->span);
  return n;
}
