/* The equation builder (ir_build.h): shape rule, output variables and
 * limits for one equation, for any producer of jaxprs. */
#include "ir_build.h"
#include "prims.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The avals the shape rule fills: the hint's, or a placeholder the rules
 * that compute their result overwrite. */
static void start_avals(const ir_eqn_desc *desc, tj_aval *avals) {
  for (uint32_t i = 0; i < desc->nout; i++)
    avals[i] = desc->hint ? desc->hint[i] : aval_scalar(DT_F32, false);
}

/* An output beyond the element limit is an error of the program, where
 * the limit keeps every later size computation from overflowing; so is a
 * key array whose data (one dimension more) would pass the rank limit. */
static bool within_limits(const ir_module *m, const ir_eqn_desc *desc, const tj_aval *avals,
                          diag_list *diags) {
  for (uint32_t i = 0; i < desc->nout; i++)
    if (!aval_within_limits(&avals[i]))
      return diag_error(diags, m->src, desc->span, "too many elements in one array (limit is %lld)",
                        (long long)TJ_MAX_ELEMENTS);
    else if (avals[i].dtype == DT_KEY && avals[i].rank >= TJ_MAX_RANK) /* its data has one more dimension */
      return diag_error(diags, m->src, desc->span, "a PRNG key array has at most %d dimensions", TJ_MAX_RANK - 1);
  return true;
}

/* lax.py's text for a float0 operand (unop_dtype_rule's; naryop_dtype_rule
 * adds the position), less its "Called {name} with a float0" head. */
#define FLOAT0_REFUSAL                                                                                       \
  "float0s do not support any operations by design, because they are not compatible with non-trivial "     \
  "vector spaces. No implicit dtype conversion is done. You can use np.zeros_like(arr, dtype=np.float) to " \
  "cast a float0 array to a regular zeros array. \nIf you didn't expect to get a float0 you might have "     \
  "accidentally taken a gradient with respect to an integer argument."

/* The elementwise primitives whose dtype rule is lax.py's unop_dtype_rule
 * or naryop_dtype_rule (standard_unop, standard_naryop, naryop, unop,
 * _integer_pow_dtype_rule): the ones with float0's TypeError. */
static bool lax_float0_rule(tj_prim p, uint32_t i) {
  switch (p) {
  case P_select_n: case P_clamp: case P_convert_element_type: case P_bitcast_convert_type:
  case P_reduce_precision: case P_copy: case P_stop_gradient: case P_add_any:
    return false; /* rules of their own */
  default:
    return (prims[p].flags & PF_ELEMENTWISE) && prim_accepted_at(p, i);
  }
}

/* float0 (the tangent type of integers, dtype.h) supports no operation:
 * the elementwise primitives raise lax.py's TypeError from their dtype
 * rules; for the others (their own dtype rules, or shape rules that let
 * JAX go on) tjit stops with its own error. Calls (jit, custom_jvp_call)
 * pass float0 through, as pjit does. */
static bool float0_refused(const ir_module *m, const ir_eqn_desc *desc, diag_list *diags) {
  if (prims[desc->prim].shape == shape_call) return false;
  for (uint32_t i = 0; i < desc->nin; i++) {
    if (ir_atom_aval(m, desc->in[i]).dtype != DT_FLOAT0) continue;
    const char *name = prims[desc->prim].name;
    if (!lax_float0_rule(desc->prim, i))
      diag_error(diags, m->src, desc->span,
                 "%s of a float0 array is not supported by tjit: float0 values (integer tangents) can only "
                 "be passed through and returned", name);
    else if (prims[desc->prim].nin == 1)
      diag_error(diags, m->src, desc->span, "TypeError: Called %s with a float0 array. " FLOAT0_REFUSAL, name);
    else
      diag_error(diags, m->src, desc->span, "TypeError: Called %s with a float0 at position %u. " FLOAT0_REFUSAL,
                 name, i);
    return true;
  }
  return false;
}

/* Nor does an equation make one (convert_element_type to float0 and the
 * like): tjit's evaluators and code generator never see a float0 value
 * other than one passed through. */
static bool float0_made(const ir_module *m, const ir_eqn_desc *desc, const tj_aval *avals, diag_list *diags) {
  if (prims[desc->prim].shape == shape_call) return false;
  for (uint32_t i = 0; i < desc->nout; i++)
    if (avals[i].dtype == DT_FLOAT0) {
      diag_error(diags, m->src, desc->span, "%s to a float0 array is not supported by tjit",
                 prims[desc->prim].name);
      return true;
    }
  return false;
}

ir_eqn *ir_build(ir_module *m, ir_jaxpr *j, const ir_eqn_desc *desc, diag_list *diags) {
  if (float0_refused(m, desc, diags)) return NULL;
  ir_eqn *e = ir_add_eqn(m, j, desc->prim, desc->nin, desc->nout, desc->nparams, desc->span);
  if (desc->nin) memcpy(e->in, desc->in, sizeof *e->in * desc->nin);
  if (desc->nparams) memcpy(e->params, desc->params, sizeof *e->params * desc->nparams);
  /* a loop may carry hundreds of values: the stack holds the usual few */
  tj_aval small[16], *avals = desc->nout <= 16 ? small : malloc(sizeof *avals * desc->nout);
  if (!avals) TJ_OOM();
  start_avals(desc, avals);
  bool ok = prims[desc->prim].shape(m, e, avals, diags) && within_limits(m, desc, avals, diags) &&
            !float0_made(m, desc, avals, diags);
  for (uint32_t i = 0; ok && i < desc->nout; i++) e->out[i] = ir_new_var(m, &avals[i]);
  if (avals != small) free(avals);
  if (ok) return e;
  j->neqns--; /* drop the half-made equation */
  return NULL;
}

void ir_build_invars(ir_module *m, ir_jaxpr *j, const tj_aval *avals, uint32_t n, uint32_t *vars) {
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, n ? n : 1);
  j->nin = n;
  for (uint32_t i = 0; i < n; i++) {
    j->invars[i] = ir_new_var(m, &avals[i]);
    if (vars) vars[i] = j->invars[i];
  }
}

void ir_build_outs(ir_module *m, ir_jaxpr *j, const ir_atom *outs, uint32_t n) {
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, n ? n : 1);
  if (n) memcpy(j->outs, outs, sizeof *outs * n);
  j->nout = n;
}

/* ---- copying a module ---- */

typedef struct cloner {
  ir_module *to;
  ir_jaxpr **done;         /* per jaxpr id of the original: its copy */
} cloner;

static void *copy_of(ir_module *to, const void *src, size_t bytes) {
  if (!src || !bytes) return NULL;
  void *p = arena_alloc(&to->arena, bytes);
  memcpy(p, src, bytes);
  return p;
}

static ir_jaxpr *clone_jaxpr(cloner *c, const ir_jaxpr *j);

static pval *clone_pval(cloner *c, const pval *v) {
  pval *n = copy_of(c->to, v, sizeof *v);
  if (v->kind == PV_NAME) n->s = arena_strdup(&c->to->arena, v->s);
  if (v->kind == PV_NAME && v->jaxpr) n->jaxpr = clone_jaxpr(c, v->jaxpr); /* a custom rule */
  if (v->kind == PV_JAXPR) n->jaxpr = clone_jaxpr(c, v->jaxpr);
  if (v->nitems) n->items = ARENA_ARRAY(&c->to->arena, pval *, v->nitems);
  for (int i = 0; i < v->nitems; i++) n->items[i] = clone_pval(c, v->items[i]);
  return n;
}

static void clone_eqn(cloner *c, ir_eqn *n, const ir_eqn *e) {
  *n = *e;
  n->in = copy_of(c->to, e->in, sizeof *e->in * e->nin);
  n->out = copy_of(c->to, e->out, sizeof *e->out * e->nout);
  n->params = copy_of(c->to, e->params, sizeof *e->params * e->nparams);
  for (uint16_t k = 0; k < e->nparams; k++) n->params[k].val = clone_pval(c, e->params[k].val);
}

static ir_jaxpr *clone_jaxpr(cloner *c, const ir_jaxpr *j) {
  if (c->done[j->id]) return c->done[j->id];
  ir_jaxpr *n = ARENA_NEW(&c->to->arena, ir_jaxpr);
  c->done[j->id] = n;
  *n = *j;
  n->constvars = copy_of(c->to, j->constvars, sizeof *j->constvars * j->nconst);
  n->invars = copy_of(c->to, j->invars, sizeof *j->invars * j->nin);
  n->outs = copy_of(c->to, j->outs, sizeof *j->outs * j->nout);
  n->eqns = j->neqns ? ARENA_ARRAY(&c->to->arena, ir_eqn, j->neqns) : NULL;
  n->capeqns = j->neqns;
  for (uint32_t k = 0; k < j->neqns; k++) clone_eqn(c, &n->eqns[k], &j->eqns[k]);
  return n;
}

ir_module *ir_clone(const ir_module *m) {
  ir_module *to = ir_new(m->src);
  to->vars = copy_of(to, m->vars, sizeof *m->vars * m->nvars);
  to->nvars = to->capvars = m->nvars;
  to->lits = copy_of(to, m->lits, sizeof *m->lits * m->nlits);
  to->nlits = to->caplits = m->nlits;
  for (uint32_t i = 0; i < m->nconsts; i++) ir_const_set(to, m->consts[i].var, m->consts[i].data);
  cloner c = {to, calloc(m->njaxprs, sizeof *c.done)};
  if (!c.done) TJ_OOM();
  to->top = clone_jaxpr(&c, m->top);
  to->njaxprs = m->njaxprs;
  free(c.done);
  return to;
}
