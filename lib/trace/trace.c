/* The tracer's statements, scopes, user calls, the entry's scope made from
 * a call bound by bind.c, and the concretization errors. Expressions are in
 * trace_expr.c, builtins in trace_builtin.c. */
#include "half.h"
#include "trace.h"
#include "trace_tree.h"
#include "limits.h"
#include "print.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

bool tracer_error(tracer *t, tj_span span, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tj_buf b = {0};
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  diag_error(t->diags, t->src, span, "%s", b.data);
  buf_free(&b);
  return false;
}

bool enter(tracer *t, tj_span span) {
  if (++t->depth > TJ_MAX_EVAL_DEPTH) {
    t->depth--;
    return tracer_error(t, span, "program nests too deeply while tracing (limit is %d)",
                        TJ_MAX_EVAL_DEPTH);
  }
  return true;
}

/* Frames: levels of tracing. */
bool frame_push(tracer *t, trace_frame *f, tj_span span) {
  if (t->jaxpr_depth >= TJ_MAX_JAXPR_NEST)
    return tracer_error(t, span, "too many nested sub-jaxprs (limit is %d) while tracing", TJ_MAX_JAXPR_NEST);
  t->jaxpr_depth++;
  f->parent = t->frame;
  f->jaxpr = ir_jaxpr_new(t->m);
  f->first_var = t->m->nvars;
  t->frame = f;
  t->jaxpr = f->jaxpr;
  return true;
}

void frame_pop(tracer *t) {
  t->jaxpr_depth--;
  t->frame = t->frame->parent;
  t->jaxpr = t->frame->jaxpr;
}

ir_atom frame_atom(tracer *t, uint32_t var) {
  trace_frame *f = t->frame;
  if (var >= f->first_var && !const_source(t, var)) return ATOM_VAR(var);
  for (int i = 0; i < f->nconst; i++)
    if (f->outer[i] == var) return ATOM_VAR(f->inner[i]);
  if (f->nconst == f->capconst) {
    int cap = f->capconst ? 2 * f->capconst : 4;
    f->outer = arena_grow(&t->scratch, f->outer, sizeof *f->outer * (size_t)f->capconst, sizeof *f->outer * (size_t)cap);
    f->inner = arena_grow(&t->scratch, f->inner, sizeof *f->inner * (size_t)f->capconst, sizeof *f->inner * (size_t)cap);
    f->capconst = cap;
  }
  tj_aval a = t->m->vars[var];
  f->outer[f->nconst] = var;
  f->inner[f->nconst++] = ir_new_var(t->m, &a);
  return ATOM_VAR(f->inner[f->nconst - 1]);
}

void frame_seal(tracer *t, trace_frame *f, const uint32_t *args, int nargs) {
  ir_jaxpr *j = f->jaxpr;
  consts_prune(t, f);
  j->nin = (uint32_t)(f->nconst + nargs);
  j->invars = ARENA_ARRAY(&t->m->arena, uint32_t, j->nin ? j->nin : 1);
  for (int i = 0; i < f->nconst; i++) j->invars[i] = f->inner[i];
  for (int i = 0; i < nargs; i++) j->invars[f->nconst + i] = args[i];
}

/* Scopes. */
scope *scope_new(tracer *t, scope *parent) {
  scope *s = t->free_scopes;
  if (s) { /* its arrays are kept for the names it will bind */
    t->free_scopes = s->parent;
    s->n = 0;
    s->captured = false;
  } else {
    s = ARENA_NEW(&t->scratch, scope);
  }
  s->parent = parent;
  return s;
}

void scope_release(tracer *t, scope *s) {
  if (s->captured) return;
  s->parent = t->free_scopes;
  t->free_scopes = s;
}

void scope_capture(scope *s) {
  for (; s && !s->captured; s = s->parent) s->captured = true;
}

void scope_bind(tracer *t, scope *s, name_id name, value v) {
  for (int i = 0; i < s->n; i++)
    if (s->names[i] == name) { s->vals[i] = v; return; }
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 4;
    s->names = arena_grow(&t->scratch, s->names, sizeof *s->names * (size_t)s->cap,
                          sizeof *s->names * (size_t)cap);
    s->vals = arena_grow(&t->scratch, s->vals, sizeof *s->vals * (size_t)s->cap,
                         sizeof *s->vals * (size_t)cap);
    s->cap = cap;
  }
  s->names[s->n] = name;
  s->vals[s->n++] = v;
}

value *scope_lookup(scope *s, name_id name) {
  for (; s; s = s->parent)
    for (int i = s->n - 1; i >= 0; i--)
      if (s->names[i] == name) return &s->vals[i];
  return NULL;
}

/* Which variables of jaxpr j a variable depends on: a backward walk over
 * the equations (done only when reporting an error). */
static void mark_deps(const ir_jaxpr *j, uint32_t var, uint8_t *needed) {
  needed[var] = 1;
  for (uint32_t k = j->neqns; k-- > 0;) {
    const ir_eqn *e = &j->eqns[k];
    bool used = false;
    for (uint32_t i = 0; i < e->nout && !used; i++) used = needed[e->out[i]];
    if (!used) continue;
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) needed[ATOM_INDEX(e->in[i])] = 1;
  }
}

/* The arguments of frame f that a marked variable depends on. */
static int dependent_args(const trace_frame *f, const uint8_t *needed, const char **names) {
  int n = 0;
  for (int i = 0; i < f->nargs && n < TJ_MAX_PARAMS; i++)
    if (needed[f->args[i]]) names[n++] = f->arg_names[i];
  return n;
}

/* "x", "x and y", "x, y, and z" */
static void put_name_list(tj_buf *b, const char **names, int n, const char *quote) {
  for (int i = 0; i < n; i++) {
    if (i) buf_puts(b, n == 2 ? " and " : (i == n - 1 ? ", and " : ", "));
    buf_printf(b, "%s%s%s", quote, names[i], quote);
  }
}

/* Whether var is f's capture of an array constant (a constvar). */
static bool is_constant(tracer *t, const trace_frame *f, uint32_t var) {
  for (int i = 0; i < f->nconst; i++)
    if (f->inner[i] == var) return const_source(t, f->outer[i]) != NULL;
  return false;
}

/* "This value became a tracer due to JAX operations on these lines": the
 * equations with only literals and constants as operands (find_progenitors'
 * const_eqns) that the value grew from. */
static void put_progenitors(tracer *t, const trace_frame *f, const uint8_t *needed, tj_buf *b) {
  const ir_jaxpr *top = f->jaxpr;
  int shown = 0;
  buf_puts(b, "This value became a tracer due to JAX operations on these lines:\n");
  for (uint32_t k = 0; k < top->neqns; k++) {
    const ir_eqn *e = &top->eqns[k];
    bool root = needed[e->out[0]];
    for (uint32_t i = 0; i < e->nin && root; i++)
      root = ATOM_IS_LIT(e->in[i]) || is_constant(t, f, ATOM_INDEX(e->in[i]));
    if (!root) continue;
    if (shown == 5) {
      buf_puts(b, "\n\n(Additional originating lines are not shown.)");
      break;
    }
    char *text = print_eqn(t->m, top, e);
    uint32_t l, c;
    source_position(t->src, e->span.start, &l, &c);
    buf_printf(b, "\n  operation %s\n    from line %s:%u:%u (%s)", text, t->src->name, l, c,
               name_str(t->prog->names, f->func->name));
    free(text);
    shown++;
  }
}

/* The frame whose jaxpr defines var. */
static trace_frame *owner(tracer *t, uint32_t var) {
  trace_frame *f = t->frame;
  while (f->parent && var < f->first_var) f = f->parent;
  return f;
}

/* The parameters the inputs names[0..n) are leaves of ("params['w']" is
 * one of params), each once: what static_argnames can name. */
static int leaf_params(tracer *t, const char **names, int n, const char **out) {
  int k = 0;
  for (int i = 0; i < n; i++) {
    const char *name = arena_strndup(&t->scratch, names[i], strcspn(names[i], "["));
    bool seen = false;
    for (int j = 0; j < k && !seen; j++) seen = strcmp(out[j], name) == 0;
    if (!seen) out[k++] = name;
  }
  return k;
}

/* JAX's origin paragraph (partial_eval.py _origin_msg), then a hint that
 * names the parameters to mark static. A value that grew from a captured
 * const is followed to the level that owns it. */
void origin_note(tracer *t, uint32_t var, const char *fix) {
  uint8_t *needed = calloc(t->m->nvars, 1);
  if (!needed) TJ_OOM();
  trace_frame *f = owner(t, var);
  const char *names[TJ_MAX_PARAMS];
  int n;
  for (;;) {
    mark_deps(f->jaxpr, var, needed);
    n = dependent_args(f, needed, names);
    int c = -1;
    for (int i = 0; !n && c < 0 && i < f->nconst; i++) /* a constant is where a value starts */
      if (needed[f->inner[i]] && !const_source(t, f->outer[i])) c = i;
    if (c < 0) break;
    var = f->outer[c];
    f = owner(t, var);
  }
  tj_buf b = {0};
  buf_printf(&b, "The error occurred while tracing the function %s at %s:%u for %s. ",
             name_str(t->prog->names, f->func->name), t->src->name, f->func->line, f->traced_for);
  if (n) {
    buf_printf(&b, "This concrete value was not available in Python because it depends on the value%s of %s",
               n > 1 ? "s" : "", n == 1 ? "the argument " : "the arguments ");
    put_name_list(&b, names, n, "");
    buf_putc(&b, '.');
  } else {
    put_progenitors(t, f, needed, &b);
  }
  diag_note(t->diags, "%s", b.data);
  b.len = 0;
  if (n && !f->parent) {
    const char *params[TJ_MAX_PARAMS];
    buf_puts(&b, "mark ");
    put_name_list(&b, params, leaf_params(t, names, n, params), "'");
    buf_puts(&b, " static (\"static_argnames\")");
    if (fix) buf_printf(&b, ", or %s", fix);
  } else if (fix) {
    buf_puts(&b, fix);
  }
  if (b.len) diag_hint(t->diags, "%s", b.data);
  buf_free(&b);
  free(needed);
}

bool concretization_error(tracer *t, concrete_kind kind, const value *v,
                          tj_span span, const char *fix) {
  static const char *kinds[] = {[ERR_BOOL] = "TracerBoolConversionError",
                                [ERR_INTEGER] = "TracerIntegerConversionError",
                                [ERR_CONCRETE] = "ConcretizationTypeError"};
  tj_aval a = t->m->vars[v->var];
  char shape[200];
  aval_format_long(&a, shape, sizeof shape);
  if (kind == ERR_BOOL && aval_size(&a) != 1)
    return tracer_error(t, span, "ValueError: %s", aval_size(&a) == 0
        ? "The truth value of an empty array is ambiguous. Use `array.size > 0` to check that an array is not empty."
        : "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()");
  if (kind == ERR_BOOL)
    tracer_error(t, span, "%s: Attempted boolean conversion of traced array with shape %s.", kinds[kind], shape);
  else if (kind == ERR_INTEGER)
    tracer_error(t, span, "%s: The __index__() method was called on traced array with shape %s", kinds[kind], shape);
  else
    tracer_error(t, span, "%s: Abstract tracer value encountered where concrete value is expected: traced array with shape %s",
                 kinds[kind], shape);
  origin_note(t, v->var, fix);
  diag_note(t->diags, "See https://docs.jax.dev/en/latest/errors.html#jax.errors.%s", kinds[kind]);
  return false;
}

static flow exec(tracer *t, scope *s, node *n);

flow exec_stmt(tracer *t, scope *s, node *n) { return exec(t, s, n); }

static flow exec_if(tracer *t, scope *s, node *n, node **rest, int nrest, bool *consumed);

static flow exec_items(tracer *t, scope *inner, node *block) {
  for (int i = 0; i < block->nitems; i++) {
    node *n = block->items[i];
    bool consumed = false;
    flow f;
    if (n->kind == ND_IF && t->autograph) { /* a returning traced if may take the rest of the block */
      if (!enter(t, n->span)) return FLOW_ERROR;
      f = exec_if(t, inner, n, block->items + i + 1, block->nitems - i - 1, &consumed);
      leave(t);
    } else {
      f = exec(t, inner, n);
    }
    if (f != FLOW_NORMAL || consumed) return f;
  }
  return FLOW_NORMAL;
}

flow exec_block(tracer *t, scope *s, node *block) {
  scope *inner = scope_new(t, s);
  flow f = exec_items(t, inner, block);
  scope_release(t, inner);
  return f;
}

/* n in a scope of its own, released after. */
static flow exec_scoped(tracer *t, scope *s, node *n) {
  scope *inner = scope_new(t, s);
  flow f = exec(t, inner, n);
  scope_release(t, inner);
  return f;
}

/* A declared type converts (dtype) and checks (shape) the initial value;
 * a static number becomes a numpy scalar of that dtype (strongly typed).
 * (A parameter takes a static argument as it is: bind_arg_type.) */
static bool apply_decl_type(tracer *t, const ast_type *ty, value *v, tj_span span) {
  if (!ty->present) return true;
  if (v->kind == V_TRACED) {
    if (!convert(t, v, ty->dtype, t->m->vars[v->var].weak && t->m->vars[v->var].dtype == ty->dtype, span))
      return false;
    tj_aval a = t->m->vars[v->var];
    if (ty->rank >= 0 && ty->rank != a.rank)
      return tracer_error(t, ty->span, "declared rank %d but the value has rank %d", ty->rank, a.rank);
    for (int i = 0; ty->rank > 0 && i < ty->rank; i++)
      if (!ty->dims[i].name && ty->dims[i].size != a.dims[i])
        return tracer_error(t, ty->dims[i].span, "declared size %lld but the value has size %lld",
                            (long long)ty->dims[i].size, (long long)a.dims[i]);
    return true;
  }
  if (!value_is_number(v)) return true;
  if (ty->dtype == DT_FLOAT0) return tracer_error(t, ty->span, FLOAT0_NOT_MADE);
  if (ty->rank > 0)
    return tracer_error(t, ty->span, "declared an array but the value is a static %s", value_type_name(v));
  double f = v->kind == V_FLOAT ? v->f : (double)v->i;
  uint64_t prov = v->prov;
  if (dtype_is_float(ty->dtype)) *v = value_float(tj_round_to_float(ty->dtype, f));
  else if (ty->dtype == DT_BOOL) *v = value_bool(f != 0);
  else if (v->kind == V_FLOAT) *v = value_int((int64_t)f);
  else if (v->kind == V_BOOL) *v = value_int(v->i);
  *v = value_strong(*v, ty->dtype); /* `f32 one = 1.0;` is one = np.float32(1.0) */
  v->prov = prov;
  return true;
}

static flow exec_decl(tracer *t, scope *s, node *n) {
  value v = value_none();
  if (n->rhs && !eval(t, s, n->rhs, &v)) return FLOW_ERROR;
  if (n->is_destructure) {
    note_use(t, v.prov, USE_SHAPE); /* its length must match */
    if (v.kind != V_TUPLE || v.n != n->nnames) {
      tracer_error(t, n->rhs ? n->rhs->span : n->span,
                   "cannot unpack %s into %d names", v.kind == V_TUPLE ? "a tuple of another length" : value_type_name(&v),
                   n->nnames);
      return FLOW_ERROR;
    }
    for (int i = 0; i < n->nnames; i++) scope_bind(t, s, n->names[i], v.items[i]);
    return FLOW_NORMAL;
  }
  if (n->nnames > 1 && !n->is_destructure) { /* `int i = 0, j = 1;`: inits in items */
    for (int i = 0; i < n->nnames; i++) {
      value vi = value_int(0);
      if (!(n->items && n->items[i]) && !n->type.present) { /* `auto a, b = x;` is no unpacking */
        tracer_error(t, n->span, "declaration of '%s' needs an initial value", name_str(t->prog->names, n->names[i]));
        diag_hint(t->diags, "to unpack a tuple, write auto (a, b) = x;");
        return FLOW_ERROR;
      }
      if (n->items && n->items[i] && !eval(t, s, n->items[i], &vi)) return FLOW_ERROR;
      if (!apply_decl_type(t, &n->type, &vi, n->span)) return FLOW_ERROR;
      scope_bind(t, s, n->names[i], vi);
    }
    return FLOW_NORMAL;
  }
  if (!n->rhs && !n->type.present) {
    tracer_error(t, n->span, "declaration of '%s' needs an initial value", name_str(t->prog->names, n->names[0]));
    return FLOW_ERROR;
  }
  if (!n->rhs) v = value_int(0); /* `int i;` is 0, as a static */
  if (!apply_decl_type(t, &n->type, &v, n->span)) return FLOW_ERROR;
  for (int i = 0; i < n->nnames; i++) scope_bind(t, s, n->names[i], v);
  return FLOW_NORMAL;
}

static flow exec_if(tracer *t, scope *s, node *n, node **rest, int nrest, bool *consumed) {
  bool c, traced;
  value pred;
  *consumed = false;
  if (!eval_condition(t, s, n->cond, "use where(pred, a, b) to select between traced values, or enable "
                      "autograph (--autograph) to record the if as a cond", &c, &traced, &pred))
    return FLOW_ERROR;
  if (traced) return autograph_if(t, s, n, pred, rest, nrest, consumed);
  node *branch = c ? n->then : n->els;
  if (!branch) return FLOW_NORMAL;
  return exec_scoped(t, s, branch);
}

static const char *loop_fix =
    "use fori_loop or while_loop for a loop on traced values, or enable autograph (--autograph)";

/* A loop condition: static, or (autograph) traced, in which case the
 * equations made while finding out are dropped: the loop records its own. */
static bool loop_condition(tracer *t, scope *s, node *cond, bool *truth, bool *traced) {
  uint32_t neqns = t->jaxpr->neqns, total = t->neqns;
  int nconst = t->frame->nconst;
  value pred;
  if (!eval_condition(t, s, cond, loop_fix, truth, traced, &pred)) return false;
  if (*traced) t->jaxpr->neqns = neqns, t->neqns = total, t->frame->nconst = nconst;
  return true;
}

static flow loop_body(tracer *t, scope *s, node *body, bool *stop) {
  flow f = exec_scoped(t, s, body);
  *stop = f == FLOW_BREAK || f == FLOW_RETURN || f == FLOW_ERROR;
  return f == FLOW_BREAK || f == FLOW_CONTINUE ? FLOW_NORMAL : f;
}

static flow run_for(tracer *t, scope *ls, node *n) {
  if (n->init && exec(t, ls, n->init) == FLOW_ERROR) return FLOW_ERROR;
  for (;;) {
    bool c = true, traced = false, stop;
    if (n->cond && !loop_condition(t, ls, n->cond, &c, &traced)) return FLOW_ERROR;
    if (traced) return autograph_loop(t, ls, n->cond, n->body, n->inc, "for");
    if (!c) return FLOW_NORMAL;
    flow f = loop_body(t, ls, n->body, &stop);
    if (stop) return f;
    value ignored;
    if (n->inc && !eval(t, ls, n->inc, &ignored)) return FLOW_ERROR;
  }
}

static flow exec_for(tracer *t, scope *s, node *n) {
  scope *ls = scope_new(t, s); /* the init's variables */
  flow f = run_for(t, ls, n);
  scope_release(t, ls);
  return f;
}

/* for (auto x : v): unrolled, as Python runs a loop over a static
 * container while tracing; x is bound afresh for each item. */
static flow exec_foreach(tracer *t, scope *s, node *n) {
  iter_source it;
  if (!iter_begin(t, s, n->rhs, &it)) return FLOW_ERROR;
  for (int64_t i = 0; i < it.count; i++) {
    value item;
    if (!iter_item(t, &it, i, &item)) return FLOW_ERROR;
    scope *ls = scope_new(t, s);
    scope_bind(t, ls, n->names[0], item);
    bool stop;
    flow f = loop_body(t, ls, n->body, &stop);
    scope_release(t, ls);
    if (stop) return f;
  }
  return FLOW_NORMAL;
}

static flow exec_while(tracer *t, scope *s, node *n, bool test_first) {
  for (bool first = true;; first = false) {
    bool c = true, traced = false, stop;
    if ((test_first || !first) && !loop_condition(t, s, n->cond, &c, &traced)) return FLOW_ERROR;
    if (traced && !test_first) {
      tracer_error(t, n->cond->span, "autograph does not convert a do-while loop on a traced condition");
      return FLOW_ERROR;
    }
    if (traced) return autograph_loop(t, s, n->cond, n->body, NULL, "while");
    if (!c) return FLOW_NORMAL;
    flow f = loop_body(t, s, n->body, &stop);
    if (stop) return f;
  }
}

static flow exec_inner(tracer *t, scope *s, node *n) {
  value v;
  switch (n->kind) {
  case ND_BLOCK: return exec_block(t, s, n);
  case ND_DECL: return exec_decl(t, s, n);
  case ND_EXPR_STMT: return eval(t, s, n->lhs, &v) ? FLOW_NORMAL : FLOW_ERROR;
  case ND_IF: {
    bool consumed;
    return exec_if(t, s, n, NULL, 0, &consumed);
  }
  case ND_FOR: return exec_for(t, s, n);
  case ND_FOREACH: return exec_foreach(t, s, n);
  case ND_WHILE: return exec_while(t, s, n, true);
  case ND_DO: return exec_while(t, s, n, false);
  case ND_BREAK: case ND_CONTINUE:
    t->jump_span = n->span;
    t->jump_is_break = n->kind == ND_BREAK;
    return n->kind == ND_BREAK ? FLOW_BREAK : FLOW_CONTINUE;
  case ND_EMPTY: return FLOW_NORMAL;
  case ND_RETURN: /* into a local: the expression may itself return from calls */
    v = value_none();
    if (n->lhs && !eval(t, s, n->lhs, &v)) return FLOW_ERROR;
    t->retval = v;
    return FLOW_RETURN;
  case ND_FUNC: { /* each definition executed is a new function object, as a Python def is: an
                    * empty scope of its own gives it an identity (jit's cache key) */
    scope_capture(s);
    value f = {.kind = V_FUNC, .func = n->func, .closure = scope_new(t, s)};
    scope_bind(t, s, n->func->name, f);
    return FLOW_NORMAL;
  }
  default:
    tracer_error(t, n->span, "this statement cannot be traced");
    return FLOW_ERROR;
  }
}

static flow exec(tracer *t, scope *s, node *n) {
  if (++t->steps > TJ_MAX_STEPS) {
    tracer_error(t, n->span, "too many statements executed while tracing (limit is %d); "
                 "is a static loop unbounded?", TJ_MAX_STEPS);
    return FLOW_ERROR;
  }
  if (!enter(t, n->span)) return FLOW_ERROR;
  flow f = exec_inner(t, s, n);
  leave(t);
  return f;
}

static bool jump_error(tracer *t) {
  return tracer_error(t, t->jump_span, "'%s' outside a loop", t->jump_is_break ? "break" : "continue");
}

/* A static argument of a called function, as of the entry function: its
 * declared type checks the Python value and changes nothing (0.001 stays
 * the double 0.001, not its float32 rounding); a traced one is converted. */
static bool bind_arg_type(tracer *t, ast_func *f, int i, value *v, tj_span span) {
  const ast_type *ty = &f->params[i].type;
  if (v->kind == V_TRACED || !ty->present) return apply_decl_type(t, ty, v, span);
  if (bind_fits_type(ty, v)) return true;
  tj_buf r = {0};
  value_repr(v, &r);
  tracer_error(t, span, "TypeError: %s() argument '%s' is declared %s%s but the value is %s (a Python %s)",
               name_str(t->prog->names, f->name), name_str(t->prog->names, f->params[i].name),
               dtype_short(ty->dtype), ty->rank > 0 ? " array" : "", r.data, value_type_name(v));
  buf_free(&r);
  return false;
}

/* Calls a user function: binds parameters in a scope whose parent is the
 * function's defining scope (closures read the enclosing variables). */
bool call_user(tracer *t, ast_func *f, scope *closure, node *call, value *args,
               int nargs, value *out) {
  const char *fname = name_str(t->prog->names, f->name);
  if (nargs != f->nparams)
    return tracer_error(t, call->span, "TypeError: %s() takes %d positional argument%s but %d %s given",
                        fname, f->nparams, f->nparams == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
  if (++t->call_depth > TJ_MAX_CALL_DEPTH) {
    t->call_depth--;
    return tracer_error(t, call->span, "too many nested calls while tracing (limit is %d) in function '%s'",
                        TJ_MAX_CALL_DEPTH, fname);
  }
  scope *fs = scope_new(t, closure);
  for (int i = 0; i < nargs; i++) {
    if (!bind_arg_type(t, f, i, &args[i], call->span)) { t->call_depth--; return false; }
    scope_bind(t, fs, f->params[i].name, args[i]);
  }
  flow fl = exec_block(t, fs, f->body);
  scope_release(t, fs);
  t->call_depth--;
  if (fl == FLOW_ERROR) return false;
  if (fl == FLOW_BREAK || fl == FLOW_CONTINUE) return jump_error(t);
  *out = fl == FLOW_RETURN ? t->retval : value_none();
  return true;
}

/* ---- The entry point: the bound call's parameters, outputs ---- */

static const char *fname(tracer *t) { return name_str(t->prog->names, t->entry->name); }

/* Entry parameter i, which the call leaves out: its default, a Python
 * constant of the trace as in jax.jit (not an argument: no jaxpr input,
 * not in the cache key), checked against a declared type as a static
 * argument is; its repr is kept for drawing. */
static bool bind_default(tracer *t, scope *fs, int i) {
  value v;
  if (!trace_param_default(t, t->entry, i, &v)) return false;
  if (!bind_arg_type(t, t->entry, i, &v, t->entry->params[i].default_value->span)) return false;
  tj_buf r = {0};
  value_repr(&v, &r);
  t->param_default[i] = arena_strdup(&t->m->arena, r.data);
  buf_free(&r);
  scope_bind(t, fs, t->entry->params[i].name, v);
  return true;
}

/* Binds parameter a in the entry's scope, as bind.c checked it: a static
 * one as its Python value, a traced one as a new input of the jaxpr (after
 * the names of the dimensions its declared type sized). */
static bool bind_param(tracer *t, scope *fs, const bound_arg *a, int i) {
  if (a->defaulted) return bind_default(t, fs, i);
  if (a->is_static) {
    scope_bind(t, fs, a->param->name, a->value);
    return true;
  }
  for (int d = 0; d < a->aval.rank && !a->is_tree; d++)
    if (a->dims_named & (1u << d)) scope_bind(t, fs, a->param->type.dims[d].name, value_int(a->aval.dims[d]));
  ir_jaxpr *top = t->m->top;
  value *vars = ARENA_ARRAY(&t->scratch, value, a->nleaves ? a->nleaves : 1);
  for (int k = 0; k < a->nleaves; k++) {
    vars[k] = value_traced(ir_new_var(t->m, &a->leaf_avals[k]));
    t->invar_names[top->nin] = arena_strdup(&t->m->arena, a->leaf_names[k]);
    t->invar_json[top->nin] = a->leaf_json[k];
    top->invars[top->nin++] = vars[k].var;
  }
  int k = 0;
  scope_bind(t, fs, a->param->name, tree_unflatten(t, &a->tree, vars, &k));
  return true;
}

/* Flattens the returned value into the jaxpr's outputs, as
 * jax.tree_util.tree_flatten does: a dict's values in sorted key order,
 * None no output (an empty subtree). */
static bool add_outputs(tracer *t, const value *v, tj_span span) {
  if (v->kind == V_TUPLE || v->kind == V_MAP) {
    int n = v->kind == V_MAP ? v->n / 2 : v->n;
    int *order = ARENA_ARRAY(&t->scratch, int, n ? n : 1);
    if (v->kind == V_MAP) value_map_order(v, order);
    for (int i = 0; i < n; i++)
      if (!add_outputs(t, v->kind == V_MAP ? &v->items[2 * order[i] + 1] : &v->items[i], span)) return false;
    return true;
  }
  if (v->kind == V_NONE) return true;
  ir_atom a;
  if (v->kind == V_TRACED) a = ATOM_VAR(v->var);
  else if (value_is_number(v)) {
    tj_aval av = value_aval(t, v);
    if (!to_atom(t, v, av.dtype, av.weak, span, &a)) return false;
  } else
    return tracer_error(t, span, "TypeError: %s returned a value of type %s, which is not a valid JAX type",
                        fname(t), value_type_name(v));
  ir_jaxpr *j = t->m->top;
  j->outs = arena_grow(&t->m->arena, j->outs, sizeof *j->outs * j->nout, sizeof *j->outs * (j->nout + 1));
  j->outs[j->nout++] = a;
  return true;
}

/* Keeps every parameter's name, value and staticness with the module, for
 * tj_graph (which draws the static ones as one box). */
static void record_params(tracer *t, const bound_call *bc) {
  int n = bc->nargs;
  t->nparams = n;
  t->param_names = ARENA_ARRAY(&t->m->arena, const char *, n ? n : 1);
  t->param_json = ARENA_ARRAY(&t->m->arena, const sjson *, n ? n : 1);
  t->param_static = ARENA_ARRAY(&t->m->arena, bool, n ? n : 1);
  t->param_default = ARENA_ARRAY(&t->m->arena, const char *, n ? n : 1);
  for (int i = 0; i < n; i++) {
    t->param_default[i] = NULL;
    t->param_names[i] = arena_strdup(&t->m->arena, bc->args[i].name);
    t->param_json[i] = bc->args[i].json;
    t->param_static[i] = bc->args[i].is_static;
  }
}

/* The entry's body, or its jit equation; *ret what it returned. */
static bool trace_body(tracer *t, scope *fs, const bool *is_static, value *ret) {
  if (t->entry->is_jit) return jit_entry_call(t, fs, is_static, ret);
  flow f = exec_block(t, fs, t->entry->body);
  if (f == FLOW_ERROR) return false;
  if (f == FLOW_BREAK || f == FLOW_CONTINUE) return jump_error(t);
  *ret = f == FLOW_RETURN ? t->retval : value_none();
  return true;
}

bool trace_function(tracer *t, const bound_call *bc) {
  int n = bc->nargs, nin = 0;
  bool is_static[TJ_MAX_PARAMS];
  t->entry = bc->entry;
  note_use(t, bc->shape_prov, USE_SHAPE); /* a declared dimension read a static parameter */
  for (int i = 0; i < n; i++) nin += bc->args[i].is_static ? 0 : bc->args[i].nleaves;
  t->invar_names = ARENA_ARRAY(&t->m->arena, const char *, nin ? nin : 1);
  t->invar_json = ARENA_ARRAY(&t->m->arena, const sjson *, nin ? nin : 1);
  record_params(t, bc);
  t->m->top->invars = ARENA_ARRAY(&t->m->arena, uint32_t, nin ? nin : 1);
  scope *fs = scope_new(t, NULL);
  for (int i = 0; i < n; i++) {
    is_static[i] = bc->args[i].is_static;
    if (!bind_param(t, fs, &bc->args[i], i)) return false;
  }
  trace_frame *top = t->frame;
  top->func = t->entry;
  top->traced_for = "jit";
  top->args = t->m->top->invars;
  top->nargs = (int)t->m->top->nin;
  top->arg_names = t->invar_names;
  value ret;
  if (!trace_body(t, fs, is_static, &ret)) return false;
  if (!add_outputs(t, &ret, t->entry->name_span)) return false;
  consts_finish_top(t, top);
  tj_buf def = {0};
  tree_def_text(t, &ret, &def);
  t->out_tree = arena_strdup(&t->m->arena, def.data);
  buf_free(&def);
  return true;
}
