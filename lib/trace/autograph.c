/* Autograph (options.autograph, --autograph): control flow on a traced
 * condition is recorded as structured control flow instead of failing.
 *   if      -> cond: the variables either branch assigns become its outputs;
 *              a branch that returns takes the rest of the block with it
 *   while   -> while: the variables the body assigns are the carries
 *   for     -> while, with the increment in the body (fori_loop's form)
 *   c ? a : b -> select_n
 * Branch and loop bodies are traced with the enclosing variables rebound in
 * a scope of their own, so reads of other variables are closures (consts). */
#include "prims.h"
#include "trace.h"
#include "util.h"

#include <string.h>

/* ---- which variables a statement assigns ---- */

typedef struct names {
  name_id *v;
  int n, cap;
} names;

static bool has_name(const names *ns, name_id id) {
  for (int i = 0; i < ns->n; i++)
    if (ns->v[i] == id) return true;
  return false;
}

static void add_name(tracer *t, names *ns, name_id id) {
  if (has_name(ns, id)) return;
  ARENA_PUSH(&t->scratch, ns->v, ns->n, ns->cap, id);
}

static name_id target_name(const node *n) {
  while (n && n->kind == ND_INDEX) n = n->lhs;
  return n && n->kind == ND_IDENT ? n->name : 0;
}

/* A statement the tracer runs in a scope of its own (exec_block, a for
 * with its init), and the statements it runs in one (a branch, a loop's
 * body): what they declare ends with them. */
static bool scoped(const node *n) { return n->kind == ND_BLOCK || n->kind == ND_FOR || n->kind == ND_FOREACH; }

static bool opens_scope(const node *parent, const node *kid) {
  return scoped(kid) || kid == parent->then || kid == parent->els || kid == parent->body;
}

/* Names n assigns as whole variables that no declaration made before the
 * assignment, in a scope still open, hides: those are the enclosing
 * scope's variables. declared holds the names of the open scopes; a
 * declaration counts from its end (exec_decl evaluates the initialiser
 * first), a nested function's name from its definition, whose body is
 * not entered. The children are walked in the order the tracer runs
 * them (a for's init before its increment). */
static void walk_assigned(tracer *t, const node *n, names *assigned, names *declared) {
  if (!n) return;
  if (n->kind == ND_FUNC) { add_name(t, declared, n->func->name); return; }
  name_id target = (n->kind == ND_ASSIGN || n->kind == ND_INCDEC) ? target_name(n->lhs) : 0;
  if (target && !has_name(declared, target)) add_name(t, assigned, target);
  if (n->kind == ND_FOREACH) add_name(t, declared, n->names[0]); /* the loop's own variable */
  const node *kids[] = {n->init, n->lhs, n->rhs, n->cond, n->then, n->els, n->body, n->inc};
  for (size_t i = 0; i < TJ_COUNT(kids); i++) {
    if (!kids[i]) continue;
    int open = declared->n;
    walk_assigned(t, kids[i], assigned, declared);
    if (opens_scope(n, kids[i])) declared->n = open;
  }
  for (int i = 0; i < n->nitems; i++) walk_assigned(t, n->items[i], assigned, declared);
  if (n->kind == ND_DECL)
    for (int i = 0; i < n->nnames; i++) add_name(t, declared, n->names[i]);
}

/* The enclosing variables the statements assign, in order of appearance
 * (the statements run in one scope, as a block's do). */
static names assigned_outer(tracer *t, scope *s, node **stmts, int n) {
  names assigned = {0}, declared = {0}, out = {0};
  for (int i = 0; i < n; i++) {
    int open = declared.n;
    walk_assigned(t, stmts[i], &assigned, &declared);
    if (stmts[i] && scoped(stmts[i])) declared.n = open;
  }
  for (int i = 0; i < assigned.n; i++)
    if (scope_lookup(s, assigned.v[i])) add_name(t, &out, assigned.v[i]);
  return out;
}

/* ---- return analysis ---- */

static bool always_returns(const node *n) {
  if (!n) return false;
  switch (n->kind) {
  case ND_RETURN: return true;
  case ND_BLOCK:
    for (int i = 0; i < n->nitems; i++)
      if (always_returns(n->items[i])) return true;
    return false;
  case ND_IF: return always_returns(n->then) && always_returns(n->els);
  default: return false;
  }
}

static bool has_return(const node *n) {
  if (!n || n->kind == ND_FUNC) return false;
  if (n->kind == ND_RETURN) return true;
  const node *kids[] = {n->then, n->els, n->body};
  for (size_t i = 0; i < TJ_COUNT(kids); i++)
    if (has_return(kids[i])) return true;
  for (int i = 0; i < n->nitems; i++)
    if (has_return(n->items[i])) return true;
  return false;
}

static bool list_always_returns(node **stmts, int n) {
  for (int i = 0; i < n; i++)
    if (always_returns(stmts[i])) return true;
  return false;
}

/* ---- branch bodies ---- */

/* Statements run in a scope of their own, with the enclosing variables
 * they assign (tracked) rebound there so that no assignment reaches the
 * enclosing scope: a value traced in a branch or a loop body is not
 * defined outside it. */
typedef struct stmts {
  node **items;
  int n;
  scope *outer;
  const names *tracked;
  bool returns;            /* the statements return the result, else it is the tracked values */
  node *cond, *inc;        /* loops: the condition, the increment */
  const char *construct;   /* "if", "while", "for": for messages */
} stmts;

static scope *rebind(tracer *t, const stmts *c, const value *carry) {
  scope *bs = scope_new(t, c->outer);
  for (int i = 0; c->tracked && i < c->tracked->n; i++) {
    value v = carry ? carry->items[i] : *scope_lookup(c->outer, c->tracked->v[i]);
    scope_bind(t, bs, c->tracked->v[i], v);
  }
  return bs;
}

static value tracked_values(tracer *t, const stmts *c, scope *bs) {
  value v = {.kind = V_TUPLE, .n = c->tracked->n};
  v.items = ARENA_ARRAY(&t->scratch, value, v.n + 1);
  for (int i = 0; i < v.n; i++) v.items[i] = *scope_lookup(bs, c->tracked->v[i]);
  return v;
}

static bool run_statements(tracer *t, const stmts *c, scope *bs, node *at, bool *returned) {
  *returned = false;
  scope *inner = scope_new(t, bs); /* what they declare does not hide a tracked variable in bs */
  for (int i = 0; i < c->n; i++) {
    flow f = exec_stmt(t, inner, c->items[i]);
    if (f == FLOW_ERROR) return false;
    if (f == FLOW_BREAK || f == FLOW_CONTINUE)
      return tracer_error(t, t->jump_span, "'%s' inside a%s %s on a traced condition is not supported by autograph",
                          t->jump_is_break ? "break" : "continue", c->construct[0] == 'i' ? "n" : "",
                          c->construct);
    if (f == FLOW_RETURN) {
      if (!c->returns) return tracer_error(t, at->span, "'return' inside a %s on a traced condition is not "
                                          "supported by autograph", c->construct);
      *returned = true;
      return true;
    }
  }
  return true;
}

static bool branch_body(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)args, (void)nargs;
  const stmts *c = ctx;
  scope *bs = rebind(t, c, NULL);
  bool returned;
  if (!run_statements(t, c, bs, call, &returned)) return false;
  if (!c->returns) *result = tracked_values(t, c, bs);
  else if (returned) *result = t->retval;
  else return tracer_error(t, call->span, "autograph: this branch of a traced if does not return a value");
  return true;
}

/* The statement list of a branch, followed by the rest of the block when
 * the branch does not return by itself. */
static stmts branch_stmts(tracer *t, node *branch, node **rest, int nrest, bool with_rest) {
  stmts c = {0};
  c.n = (branch != NULL) + (with_rest ? nrest : 0);
  c.items = ARENA_ARRAY(&t->scratch, node *, c.n + 1);
  int k = 0;
  if (branch) c.items[k++] = branch;
  for (int i = 0; with_rest && i < nrest; i++) c.items[k++] = rest[i];
  return c;
}

flow autograph_if(tracer *t, scope *s, node *n, value pred, node **rest, int nrest, bool *consumed_rest) {
  *consumed_rest = false;
  bool rt = always_returns(n->then), re = always_returns(n->els);
  if (rt || re) { /* a returning branch takes the rest of the block with it */
    stmts a = branch_stmts(t, n->then, rest, nrest, !rt), b = branch_stmts(t, n->els, rest, nrest, !re);
    if (!list_always_returns(a.items, a.n) || !list_always_returns(b.items, b.n)) {
      tracer_error(t, n->span, "autograph: one branch of this traced if returns, so the code after it must "
                   "return too");
      return FLOW_ERROR;
    }
    names tracked_a = assigned_outer(t, s, a.items, a.n), tracked_b = assigned_outer(t, s, b.items, b.n);
    a.outer = b.outer = s;
    a.tracked = &tracked_a, b.tracked = &tracked_b;
    a.returns = b.returns = true;
    a.construct = b.construct = "if";
    value result;
    if (!record_cond(t, pred, branch_body, &a, branch_body, &b, n, &result)) return FLOW_ERROR;
    *consumed_rest = true;
    t->retval = result;
    return FLOW_RETURN;
  }
  if (has_return(n->then) || has_return(n->els)) {
    tracer_error(t, n->span, "autograph: a 'return' on only some paths of a traced if is not supported");
    return FLOW_ERROR;
  }
  node *both[2] = {n->then, n->els};
  names tracked = assigned_outer(t, s, both, n->els ? 2 : 1);
  stmts a = branch_stmts(t, n->then, NULL, 0, false), b = branch_stmts(t, n->els, NULL, 0, false);
  a.outer = b.outer = s;
  a.tracked = b.tracked = &tracked;
  a.construct = b.construct = "if";
  value result;
  if (!record_cond(t, pred, branch_body, &a, branch_body, &b, n, &result)) return FLOW_ERROR;
  for (int i = 0; i < tracked.n; i++) *scope_lookup(s, tracked.v[i]) = result.items[i];
  return FLOW_NORMAL;
}

/* ---- loops ---- */

static bool loop_cond(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)call, (void)nargs;
  const stmts *c = ctx;
  scope *cs = rebind(t, c, &args[0]);
  if (!eval(t, cs, c->cond, result)) return false;
  if (result->kind != V_TRACED) *result = (value){.kind = V_BOOL, .i = value_truthy(result), .prov = result->prov};
  return true;
}

static bool loop_body(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  const stmts *c = ctx;
  scope *bs = rebind(t, c, &args[0]);
  bool returned;
  value ignored;
  if (!run_statements(t, c, bs, call, &returned)) return false;
  if (c->inc && !eval(t, bs, c->inc, &ignored)) return false;
  *result = tracked_values(t, c, bs);
  return true;
}

flow autograph_loop(tracer *t, scope *s, node *cond, node *body, node *inc, const char *what) {
  node *parts[2] = {body, inc};
  names tracked = assigned_outer(t, s, parts, inc ? 2 : 1);
  stmts c = {.items = &body, .n = 1, .outer = s, .tracked = &tracked, .cond = cond, .inc = inc, .construct = what};
  value init = {.kind = V_TUPLE, .n = tracked.n}, result;
  init.items = ARENA_ARRAY(&t->scratch, value, tracked.n + 1);
  for (int i = 0; i < tracked.n; i++) init.items[i] = *scope_lookup(s, tracked.v[i]);
  if (!record_while(t, loop_cond, &c, loop_body, &c, init, cond, &result)) return FLOW_ERROR;
  for (int i = 0; i < tracked.n; i++) *scope_lookup(s, tracked.v[i]) = result.items[i];
  return FLOW_NORMAL;
}

/* ---- c ? a : b ---- */

/* v as an operand of the joined type, broadcast to shape. */
static bool fit(tracer *t, value v, tj_dtype dt, bool weak, const tj_aval *shape, tj_span span, ir_atom *out) {
  tj_aval a = value_aval(t, &v);
  if (!to_atom(t, &v, dt, weak, span, out)) return false;
  if (aval_same_shape(&a, shape)) return true;
  tj_aval target = *shape;
  int64_t dims[TJ_MAX_RANK];
  for (int d = 0; d < a.rank; d++) dims[d] = shape->rank - a.rank + d;
  ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, dims, a.rank)};
  value b;
  if (!emit(t, P_broadcast_in_dim, out, 1, &target, &p, a.rank > 0, span, &b)) return false;
  *out = ATOM_VAR(b.var);
  return true;
}

bool autograph_select(tracer *t, value pred, value a, value b, tj_span span, value *out) {
  if (value_aval(t, &pred).dtype != DT_BOOL && !apply_binary(t, P_ne, pred, value_int(0), span, &pred)) return false;
  value v[2] = {b, a};
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, v, 2, span, &dt, &weak)) return false;
  tj_aval shape = value_aval(t, &pred), sa = value_aval(t, &v[0]), sb = value_aval(t, &v[1]);
  if (!shape_broadcast(&shape, &sa, &shape) || !shape_broadcast(&shape, &sb, &shape))
    return tracer_error(t, span, "ValueError: Incompatible shapes for broadcasting");
  ir_atom in[3];
  tj_aval pshape = shape;
  pshape.dtype = DT_BOOL;
  tj_aval scalar = aval_scalar(DT_BOOL, false);
  bool scalar_pred = value_aval(t, &pred).rank == 0; /* select_n takes a scalar predicate as it is */
  if (!fit(t, pred, DT_BOOL, false, scalar_pred ? &scalar : &pshape, span, &in[0])) return false;
  if (!fit(t, v[0], dt, weak, &shape, span, &in[1]) || !fit(t, v[1], dt, weak, &shape, span, &in[2])) return false;
  return emit(t, P_select_n, in, 3, NULL, NULL, 0, span, out);
}
