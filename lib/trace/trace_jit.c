/* Functions declared `jit`: each call is one jit[name=f jaxpr={...}]
 * equation, its body traced once per signature (the static arguments and
 * the traced ones' avals and structure) and reused, as JAX's cache does. */
#include "prims.h"
#include "trace.h"
#include "trace_body.h"
#include "trace_tree.h"
#include "util.h"

#include <string.h>

/* A traced jit function, reused for calls with the same signature (the
 * printer then shows the shared jaxpr once, as JAX's cache does). */
typedef struct jit_entry jit_entry;
struct jit_entry {
  ast_func *func;
  scope *closure;           /* with func, the function object's identity */
  value statics;            /* tuple of the static arguments */
  value tree;               /* tuple of the traced arguments: their pytree structure */
  tj_aval *avals;
  int navals;
  ir_jaxpr *jaxpr;
  value result;             /* the output structure */
  /* The outer variables it captured, passed again on every hit as JAX
   * passes a cache entry's consts (pjit.py _infer_params), and the
   * jaxpr of the innermost level that owns one of them: the entry is
   * usable only while that level is open. */
  uint32_t *outer;
  int nconst;
  const ir_jaxpr *owner;
  jit_entry *next;
};

typedef struct jit_call {
  ast_func *func;
  scope *closure;
  const bool *is_static;
  const value *args;        /* all arguments: statics as given */
  int nargs;
} jit_call;

/* The body: the user function with statics put back in place. */
static bool jit_body(tracer *t, const void *ctx, node *call, value *traced, int ntraced, value *result) {
  (void)ntraced;
  const jit_call *c = ctx;
  value *args = ARENA_ARRAY(&t->scratch, value, c->nargs + 1);
  for (int i = 0, k = 0; i < c->nargs; i++) args[i] = c->is_static[i] ? c->args[i] : traced[k++];
  return call_user(t, c->func, c->closure, call, args, c->nargs, result);
}

/* Whether the level whose jaxpr is j is the current one or encloses it. */
static bool level_open(const tracer *t, const ir_jaxpr *j) {
  for (const trace_frame *f = t->frame; f; f = f->parent)
    if (f->jaxpr == j) return true;
  return false;
}

/* The jaxpr of the innermost open level owning one of vars (NULL for
 * none): a level owns the variables numbered from its first_var up to the
 * next open level's, those of closed levels in between being unreachable. */
static const ir_jaxpr *innermost_owner(const tracer *t, const uint32_t *vars, int n) {
  for (const trace_frame *f = t->frame; f; f = f->parent)
    for (int i = 0; i < n; i++)
      if (vars[i] >= f->first_var && !const_source(t, vars[i])) return f->jaxpr; /* a constant is everyone's */
  return NULL;
}

/* The static arguments (a tuple of them) as a cache key, each compared by
 * type and value. */
static bool same_statics(const value *a, const value *b) {
  if (a->n != b->n) return false;
  for (int i = 0; i < a->n; i++)
    if (!value_same_key(&a->items[i], &b->items[i])) return false;
  return true;
}

static jit_entry *jit_lookup(tracer *t, ast_func *f, scope *closure, const value *statics, const value *tree,
                             const tj_aval *avals, int n) {
  for (jit_entry *e = t->jit_cache; e; e = e->next) {
    if (e->func != f || e->closure != closure || e->navals != n || !same_statics(&e->statics, statics)) continue;
    if (!tree_same_structure(&e->tree, tree)) continue; /* the treedef is part of jit's cache key */
    if (e->owner && !level_open(t, e->owner)) continue; /* its consts are gone: JAX would raise, we trace again */
    bool same = true;
    for (int i = 0; i < n && same; i++) same = aval_equal(&e->avals[i], &avals[i]);
    if (same) return e;
  }
  return NULL;
}

ir_jaxpr *jit_cache_find(tracer *t, ast_func *f, const value *statics, const tj_aval *avals, int n) {
  value none = {.kind = V_TUPLE};
  jit_entry *e = jit_lookup(t, f, NULL, statics ? statics : &none, &none, avals, n);
  return e ? e->jaxpr : NULL;
}

void jit_cache_add(tracer *t, ast_func *f, const value *statics, const tj_aval *avals, int n, ir_jaxpr *j) {
  jit_entry *e = ARENA_NEW(&t->scratch, jit_entry);
  tj_aval *copy = ARENA_ARRAY(&t->scratch, tj_aval, n + 1);
  memcpy(copy, avals, sizeof *avals * (size_t)n);
  *e = (jit_entry){f, NULL, statics ? *statics : (value){.kind = V_TUPLE}, {.kind = V_TUPLE}, copy, n, j, value_none(),
                   NULL, 0, NULL, t->jit_cache};
  t->jit_cache = e;
}

/* One jit equation calling f: is_static[i] says which arguments are static. */
static bool jit_apply(tracer *t, ast_func *f, scope *closure, const bool *is_static, node *call, value *args,
                      int nargs, value *out) {
  const char *name = name_str(t->prog->names, f->name);
  value *traced = ARENA_ARRAY(&t->scratch, value, nargs + 1), statics = {.kind = V_TUPLE};
  statics.items = ARENA_ARRAY(&t->scratch, value, nargs + 1);
  int ntraced = 0;
  for (int i = 0; i < nargs; i++) {
    if (is_static[i]) note_use(t, value_prov_deep(&args[i]), USE_CALL); /* part of the jit cache key */
    if (is_static[i]) statics.items[statics.n++] = args[i];
    else traced[ntraced++] = args[i];
  }
  leaves in = {0};
  for (int i = 0; i < ntraced; i++)
    if (!tree_flatten(t, &traced[i], &in, call->span, "arguments of a jit function")) return false;
  tj_aval *avals = ARENA_ARRAY(&t->scratch, tj_aval, in.n + 1);
  for (int i = 0; i < in.n; i++) avals[i] = value_aval(t, &in.v[i]);
  value tree = {.kind = V_TUPLE, .items = traced, .n = ntraced};
  jit_entry *e = jit_lookup(t, f, closure, &statics, &tree, avals, in.n);
  body b = {0};
  if (!e) {
    jit_call c = {f, closure, is_static, args, nargs};
    body_info info = {"jit", NULL, NULL, 0};
    value fn = {.kind = V_FUNC, .func = f, .closure = closure};
    info.user = &fn;
    info.aligned = NULL;
    if (!trace_with(t, jit_body, &c, traced, ntraced, NULL, &info, call, &b)) return false;
    consts_close_jit(t, b.jaxpr, b.outer, &b.nconst);
    e = ARENA_NEW(&t->scratch, jit_entry);
    *e = (jit_entry){f, closure, statics, tree, avals, in.n, b.jaxpr, b.result,
                     b.outer, b.nconst, innermost_owner(t, b.outer, b.nconst), t->jit_cache};
    t->jit_cache = e;
  } else {
    b.jaxpr = e->jaxpr;
    b.result = e->result;
    b.outer = e->outer;
    b.nconst = e->nconst;
  }
  int nin = b.nconst + in.n, nout = (int)b.jaxpr->nout;
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  for (int i = 0; i < b.nconst; i++) ins[i] = ATOM_VAR(b.outer[i]);
  for (int i = 0; i < in.n; i++)
    if (!own_atom(t, &in.v[i], call->span, &ins[b.nconst + i])) return false;
  ir_param ps[2] = {{"name", pv_name(t->m, name)}, {"jaxpr", pv_jaxpr(t->m, b.jaxpr)}};
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, nout + 1);
  if (!emit_n(t, P_jit, ins, nin, nout, ps, 2, call->span, outs)) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, nout + 1);
  for (int i = 0; i < nout; i++) vals[i] = value_traced(outs[i]);
  int k = 0;
  *out = tree_unflatten(t, &b.result, vals, &k);
  return true;
}

bool call_jit(tracer *t, ast_func *f, scope *closure, node *call, value *args, int nargs, value *out) {
  if (nargs != f->nparams)
    return tracer_error(t, call->span, "TypeError: %s() takes %d positional argument%s but %d %s given",
                        name_str(t->prog->names, f->name), f->nparams, f->nparams == 1 ? "" : "s", nargs,
                        nargs == 1 ? "was" : "were");
  bool *is_static = ARENA_ARRAY(&t->scratch, bool, nargs + 1);
  for (int i = 0; i < nargs; i++) is_static[i] = f->params[i].is_static;
  return jit_apply(t, f, closure, is_static, call, args, nargs, out);
}

bool jit_entry_call(tracer *t, scope *params, const bool *is_static, value *out) {
  ast_func *f = t->entry;
  value *args = ARENA_ARRAY(&t->scratch, value, f->nparams + 1);
  for (int i = 0; i < f->nparams; i++) args[i] = *scope_lookup(params, f->params[i].name);
  node at = {.span = f->name_span};
  return jit_apply(t, f, params, is_static, &at, args, f->nparams, out);
}
