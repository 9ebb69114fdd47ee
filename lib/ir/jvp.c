/* Forward-mode autodiff (issue 15): the JVP interpreter over a jaxpr and
 * its rules (jvp.def), after jax/_src/interpreters/ad.py.
 *
 * Why an interpreter that replays equations rather than a rewrite of the
 * jaxpr in place: JAX's make_jaxpr of jax.jvp is itself a trace-time
 * interpretation. JVPTrace.process_primitive runs each primitive's rule
 * as f binds it, and the rule binds the primal equation and then the
 * tangent ones on the trace below, so the listing interleaves them in the
 * rules' order. Replaying f's traced jaxpr equation by equation through
 * the same rules, each rule appending with the builder, yields that order
 * exactly; the same replay makes the new jaxpr of a jit (ad.jvp_jaxpr), and
 * is what linearize, transpose and vmap can build on later.
 *
 * Each rule's comment names the JAX rule it follows; the order in which a
 * rule appends equations is the order in which Python evaluates the JAX
 * rule's calls (arguments left to right, innermost first). C leaves the
 * order of a call's arguments unspecified, so no call here has two
 * arguments that append equations: such operands are made first, in
 * separate declarators or statements (each a sequence point). */
#include "jvp_rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "ir_build.h"
#include "prims.h"
#include "util.h"

typedef void (*jvp_rule)(jq *q);

/* jvp.def's JVP rows are rules here; its JVP_EXTERN rows are in
 * jvp_control.c and jvp_data.c (declared by jvp_rules.h). */
#define JVP(id, rule) static void rule(jq *q);
#define JVP_EXTERN(id, rule) /* declared in jvp_rules.h */
#include "jvp.def"
#undef JVP
#undef JVP_EXTERN

static const jvp_rule jvp_rules[P_COUNT] = {
#define JVP(id, rule) [P_##id] = rule,
#define JVP_EXTERN(id, rule) [P_##id] = rule,
#include "jvp.def"
#undef JVP
#undef JVP_EXTERN
};

bool jvp_has_rule(int prim) { return prim >= 0 && prim < P_COUNT && jvp_rules[prim] != NULL; }

/* ---- appending equations ---- */

/* Appends prim(in) with params, its outputs to outs (may be NULL for one
 * output, then returned as the atom). After a failure nothing is appended
 * and a harmless atom comes back: the rule runs on, its result unused. */
static ir_atom build_n(jq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np,
                       const tj_aval *hint, int nout, ir_atom *outs) {
  return lax_bind_n(&q->b, prim, in, nin, ps, np, hint, nout, outs);
}

ir_atom jvp_build_n(jq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                    int nout, ir_atom *outs) {
  return build_n(q, prim, in, nin, ps, np, hint, nout, outs);
}

static ir_atom build(jq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint) {
  return build_n(q, prim, in, nin, ps, np, hint, 1, NULL);
}

static ir_atom un(jq *q, int prim, ir_atom a) { return build(q, prim, &a, 1, NULL, 0, NULL); }

static ir_atom bin(jq *q, int prim, ir_atom a, ir_atom b) {
  ir_atom in[2] = {a, b};
  return build(q, prim, in, 2, NULL, 0, NULL);
}

static tj_aval aval_of(jq *q, ir_atom a) { return lax_aval(&q->b, a); }

/* The equation itself on the primals (primitive.bind(*primals, **params)),
 * its outputs' avals given as the hint (broadcast_in_dim's shape). */
static void primal(jq *q) {
  const ir_eqn *e = q->e;
  tj_aval small[8], *hint = e->nout <= 8 ? small : malloc(sizeof *hint * e->nout);
  if (!hint) TJ_OOM();
  for (uint32_t i = 0; i < e->nout; i++) hint[i] = q->b.t->m->vars[e->out[i]];
  build_n(q, e->prim, q->p, (int)e->nin, e->params, e->nparams, e->nout ? hint : NULL, (int)e->nout, q->po);
  if (hint != small) free(hint);
}

/* A scalar literal of dtype dt (lax._const: strongly typed unless weak). */
static ir_atom lit(jq *q, tj_dtype dt, bool weak, double v) { return lax_lit(&q->b, dt, weak, v); }

/* _const(x, v): v in x's dtype. */
static ir_atom const_like(jq *q, ir_atom x, double v) { return lit(q, aval_of(q, x).dtype, false, v); }

/* full of aval a with v (lax.full, zeros_like_shaped_array); full_like(x,
 * v) (_zeros, _ones, _twos). */
static ir_atom full(jq *q, const tj_aval *a, double v) { return lax_full(&q->b, a, v); }
static ir_atom full_like(jq *q, ir_atom x, double v) { return lax_full_like(&q->b, x, v); }

static ir_atom instantiate(jq *q, ir_atom tangent, ir_atom primal_atom) {
  return tangent != JVP_ZERO ? tangent : full_like(q, primal_atom, 0);
}

/* ad.py add_tangents: a symbolic zero adds nothing; else add_any. */
static ir_atom add_tangents(jq *q, ir_atom a, ir_atom b) {
  return a == JVP_ZERO ? b : b == JVP_ZERO ? a : bin(q, P_add_any, a, b);
}

bool jvp_zeros(const jvp_target *t, const tj_aval *a, tj_span span, ir_atom *out) {
  ir_eqn at = {.span = span};
  jq q = {.b = {t, span, false}, .e = &at};
  *out = full(&q, a, 0);
  return !q.b.failed;
}

/* ---- the interpreter ---- */

typedef struct env {
  ir_atom *p, *t;   /* per source variable: its primal and tangent atoms */
} env;

static ir_atom read_p(const env *v, ir_atom a) { return ATOM_IS_LIT(a) ? a : v->p[ATOM_INDEX(a)]; }
static ir_atom read_t(const env *v, ir_atom a) { return ATOM_IS_LIT(a) ? JVP_ZERO : v->t[ATOM_INDEX(a)]; }

/* JVPTrace.process_primitive: all tangents zero binds the primitive on
 * the primals alone; else the primitive's rule, or NotImplementedError. */
static bool replay_eqn(const jvp_target *t, const env *v, const ir_eqn *e) {
  uint32_t n = e->nin ? e->nin : 1, no = e->nout ? e->nout : 1;
  ir_atom *buf = malloc(sizeof *buf * (2 * (size_t)n + 2 * (size_t)no));
  if (!buf) TJ_OOM();
  jq q = {.b = {t, e->span, false}, .e = e, .p = buf, .dt = buf + n, .po = buf + 2 * n, .to = buf + 2 * n + no};
  bool any = false;
  for (uint32_t i = 0; i < e->nin; i++) {
    buf[i] = read_p(v, e->in[i]);
    buf[n + i] = read_t(v, e->in[i]);
    any |= buf[n + i] != JVP_ZERO;
  }
  for (uint32_t i = 0; i < e->nout; i++) q.to[i] = JVP_ZERO;
  int hooked = any && t->hook ? t->hook(t, e, q.p, q.dt, q.po, q.to) : -1;
  if (hooked >= 0) q.b.failed = !hooked;
  else if (!any) primal(&q);
  else if (jvp_rules[e->prim]) jvp_rules[e->prim](&q);
  else q.b.failed = !diag_error(t->diags, t->m->src, e->span,
                              "NotImplementedError: Differentiation rule for '%s' not implemented",
                              prims[e->prim].name);
  for (uint32_t i = 0; !q.b.failed && i < e->nout; i++) {
    v->p[e->out[i]] = q.po[i];
    v->t[e->out[i]] = q.to[i];
  }
  free(buf);
  return !q.b.failed;
}

bool jvp_replay(const jvp_target *t, const ir_jaxpr *src, const ir_atom *primals, const ir_atom *tangents,
                ir_atom *out_p, ir_atom *out_t) {
  uint32_t nvars = t->m->nvars ? t->m->nvars : 1;
  env v = {calloc(nvars, sizeof *v.p), calloc(nvars, sizeof *v.t)};
  if (!v.p || !v.t) TJ_OOM();
  for (uint32_t i = 0; i < src->nconst; i++) {
    v.p[src->constvars[i]] = ATOM_VAR(src->constvars[i]);
    v.t[src->constvars[i]] = JVP_ZERO;
  }
  for (uint32_t i = 0; i < src->nin; i++) {
    v.p[src->invars[i]] = primals[i];
    v.t[src->invars[i]] = tangents[i];
  }
  bool ok = true;
  for (uint32_t i = 0; ok && i < src->neqns; i++) ok = replay_eqn(t, &v, &src->eqns[i]);
  for (uint32_t i = 0; ok && i < src->nout; i++) {
    out_p[i] = read_p(&v, src->outs[i]);
    out_t[i] = read_t(&v, src->outs[i]);
  }
  free(v.p);
  free(v.t);
  return ok;
}

/* ---- jvp_jaxpr: a jit's body made anew, shared per (body, nonzeros) ---- */

typedef struct jvp_memo {
  const ir_jaxpr *src;
  const bool *nonzero, *instantiate, *nonzero_out;
  ir_jaxpr *out;
  struct jvp_memo *next;
} jvp_memo;

/* instantiate[i], NULL standing for all false. */
static bool inst_at(const bool *instantiate, uint32_t i) { return instantiate && instantiate[i]; }

static bool same_instantiate(const bool *a, const bool *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (inst_at(a, i) != inst_at(b, i)) return false;
  return true;
}

static jvp_memo *memo_find(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate) {
  for (jvp_memo *c = t->memo ? *t->memo : NULL; c; c = c->next)
    if (c->src == src && memcmp(c->nonzero, nonzero, sizeof *nonzero * src->nin) == 0 &&
        same_instantiate(c->instantiate, instantiate, src->nout))
      return c;
  return NULL;
}

/* The new jaxpr's interface: src's constvars, the primals, the nonzero
 * tangents as new invars; outputs the primal outputs, then the nonzero
 * output tangents, those asked for instantiated (ad.jvp's
 * instantiate_zeros, after the body, in output order). */
static ir_jaxpr *jvp_jaxpr_make(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero,
                                const bool *instantiate, tj_span span, bool *nonzero_out) {
  ir_module *m = t->m;
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->constvars = src->constvars, j->nconst = src->nconst;
  uint32_t nin = src->nin, nt = 0;
  ir_atom *ins = ARENA_ARRAY(&m->arena, ir_atom, 2 * nin + 1), *tins = ins + nin;
  for (uint32_t i = 0; i < nin; i++) ins[i] = ATOM_VAR(ir_new_var(m, &m->vars[src->invars[i]]));
  for (uint32_t i = 0; i < nin; i++) tins[i] = nonzero[i] ? ATOM_VAR(ir_new_var(m, &m->vars[src->invars[i]])) : JVP_ZERO;
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, 2 * nin + 1);
  for (uint32_t i = 0; i < nin; i++) j->invars[j->nin++] = ATOM_INDEX(ins[i]);
  for (uint32_t i = 0; i < nin; i++)
    if (nonzero[i]) j->invars[j->nin++] = ATOM_INDEX(tins[i]);
  jvp_target inner = *t;
  inner.dst = j;
  uint32_t no = src->nout;
  ir_atom *op = ARENA_ARRAY(&m->arena, ir_atom, 2 * no + 1), *ot = op + no;
  if (!jvp_replay(&inner, src, ins, tins, op, ot)) return NULL;
  for (uint32_t i = 0; i < no; i++) {
    tj_aval a = ir_atom_aval(m, op[i]);
    if (ot[i] == JVP_ZERO && inst_at(instantiate, i) && !jvp_zeros(&inner, &a, span, &ot[i])) return NULL;
  }
  for (uint32_t i = 0; i < no; i++)
    if ((nonzero_out[i] = ot[i] != JVP_ZERO)) op[no + nt++] = ot[i];
  ir_build_outs(m, j, op, no + nt);
  return j;
}

ir_jaxpr *jvp_jaxpr_inst(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate,
                         tj_span span, bool *nonzero_out) {
  jvp_memo *c = memo_find(t, src, nonzero, instantiate);
  if (c) {
    memcpy(nonzero_out, c->nonzero_out, sizeof *nonzero_out * src->nout);
    return c->out;
  }
  ir_jaxpr *j = jvp_jaxpr_make(t, src, nonzero, instantiate, span, nonzero_out);
  if (!j || !t->memo) return j;
  c = ARENA_NEW(&t->m->arena, jvp_memo);
  bool *nz = ARENA_ARRAY(&t->m->arena, bool, src->nin + 2 * src->nout + 1);
  memcpy(nz, nonzero, sizeof *nz * src->nin);
  for (uint32_t i = 0; i < src->nout; i++) nz[src->nin + i] = inst_at(instantiate, i);
  memcpy(nz + src->nin + src->nout, nonzero_out, sizeof *nz * src->nout);
  *c = (jvp_memo){src, nz, nz + src->nin, nz + src->nin + src->nout, j, *t->memo};
  *t->memo = c;
  return j;
}

ir_jaxpr *jvp_jaxpr(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, bool *nonzero_out) {
  return jvp_jaxpr_inst(t, src, nonzero, NULL, (tj_span){0, 0}, nonzero_out);
}

/* pjit.py _pjit_jvp: jit[name=the same, jaxpr=jvp_jaxpr(body)] on the
 * primals and the nonzero tangents; its outputs the primal outputs, then
 * the nonzero tangents. */
static void jvp_jit(jq *q) {
  const ir_eqn *e = q->e;
  ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  bool *nz = malloc(sizeof *nz * (e->nin + e->nout + 1)), *nzo = nz + e->nin;
  ir_atom *ins = malloc(sizeof *ins * (2 * (size_t)e->nin + 2 * (size_t)e->nout + 1)), *outs = ins + 2 * e->nin;
  if (!nz || !ins) TJ_OOM();
  int nin = 0, nout = (int)e->nout;
  for (uint32_t i = 0; i < e->nin; i++) nz[i] = q->dt[i] != JVP_ZERO, ins[nin++] = q->p[i];
  for (uint32_t i = 0; i < e->nin; i++)
    if (nz[i]) ins[nin++] = q->dt[i];
  ir_jaxpr *j = body ? jvp_jaxpr(q->b.t, body, nz, nzo) : NULL;
  if (!j) q->b.failed = true;
  for (uint32_t i = 0; j && i < e->nout; i++) nout += nzo[i];
  if (j) {
    ir_param ps[2] = {{"name", pv_name(q->b.t->m, ir_param_name(e, "name"))}, {"jaxpr", pv_jaxpr(q->b.t->m, j)}};
    build_n(q, P_jit, ins, nin, ps, 2, NULL, nout, outs);
  }
  for (uint32_t i = 0, k = e->nout; !q->b.failed && i < e->nout; i++) {
    q->po[i] = outs[i];
    q->to[i] = nzo[i] ? outs[k++] : JVP_ZERO;
  }
  free(nz);
  free(ins);
}

/* ---- custom_jvp_call: the custom rule, known by the primal's name ---- */

/* The call_jaxpr traced afresh, as the rule's own call of the custom_jvp
 * function traces it (a jaxpr of its own, fresh variables; nested jits
 * keep their shared bodies, as JAX's jit cache does): f's replay with
 * every tangent a symbolic zero rebinds each equation as it is. */
static ir_jaxpr *retraced(jq *q, const ir_jaxpr *src) {
  ir_module *m = q->b.t->m;
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->constvars = src->constvars, j->nconst = src->nconst;
  ir_atom *ins = ARENA_ARRAY(&m->arena, ir_atom, 2 * src->nin + 1), *zs = ins + src->nin;
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, src->nin + 1);
  for (uint32_t i = 0; i < src->nin; i++) {
    j->invars[j->nin++] = ir_new_var(m, &m->vars[src->invars[i]]);
    ins[i] = ATOM_VAR(j->invars[i]), zs[i] = JVP_ZERO;
  }
  jvp_target inner = *q->b.t;
  inner.dst = j;
  ir_atom *op = ARENA_ARRAY(&m->arena, ir_atom, 2 * src->nout + 1);
  if (!jvp_replay(&inner, src, ins, zs, op, op + src->nout)) return NULL;
  ir_build_outs(m, j, op, src->nout);
  return j;
}

/* primal_out = f(*primals) inside the rule: custom_jvp_call bound anew. */
static void custom_primal(jq *q) {
  const ir_eqn *e = q->e;
  ir_jaxpr *body = ir_param_jaxpr(e, "call_jaxpr"), *j = body ? retraced(q, body) : NULL;
  if (!j) { q->b.failed = true; return; }
  ir_param ps[8];
  int np = e->nparams < 8 ? e->nparams : 8;
  for (int i = 0; i < np; i++) {
    ps[i] = e->params[i];
    if (strcmp(ps[i].key, "call_jaxpr") == 0) ps[i].val = pv_jaxpr(q->b.t->m, j);
  }
  tj_aval hint = q->b.t->m->vars[e->out[0]];
  build_n(q, e->prim, q->p, (int)e->nin, ps, np, &hint, 1, q->po);
}

/* nn/functions.py: relu.defjvps(lambda g, ans, x: lax.select(x > 0, g,
 * lax.full_like(g, 0))), relu6's with (x > 0) & (x < 6); defjvps' jvp
 * calls relu first, then the rule (x > 0: jnp's gt with a weak 0.0). */
static void custom_relu(jq *q, ir_atom g, bool six) {
  custom_primal(q);
  ir_atom x = q->p[0];
  tj_dtype dt = aval_of(q, x).dtype;
  ir_atom pred = bin(q, P_gt, x, lit(q, dt, true, 0));
  if (six) {
    ir_atom lt = bin(q, P_lt, x, lit(q, dt, true, 6));
    pred = bin(q, P_and, pred, lt);
  }
  ir_atom in[3] = {pred, full_like(q, g, 0), g}; /* lax.select(p, t, f) = select_n(p, f, t) */
  q->to[0] = build(q, P_select_n, in, 3, NULL, 0, NULL);
}

/* lax/other.py _replace_inf(x): select(eq(x, _const(x, inf)), _zeros(x), x). */
static ir_atom replace_inf(jq *q, ir_atom x) {
  ir_atom eq = bin(q, P_eq, x, lit(q, aval_of(q, x).dtype, false, INFINITY));
  ir_atom in[3] = {eq, x, full_like(q, x, 0)};
  return build(q, P_select_n, in, 3, NULL, 0, NULL);
}

/* lax/other.py _logaddexp_jvp: primal_out = logaddexp(x1, x2), then
 * add(mul(t1, exp(sub(_replace_inf(x1), _replace_inf(primal_out)))), the
 * same for t2). */
static void custom_logaddexp(jq *q, const ir_atom *t) {
  custom_primal(q);
  ir_atom term[2];
  for (int i = 0; i < 2; i++) {
    ir_atom a = replace_inf(q, q->p[i]), b = replace_inf(q, q->po[0]);
    term[i] = bin(q, P_mul, t[i], un(q, P_exp, bin(q, P_sub, a, b)));
  }
  q->to[0] = bin(q, P_add, term[0], term[1]);
}

/* ad.py JVPTrace.process_custom_jvp_call: with a nonzero tangent the rule
 * runs on the trace below (the custom_jvp_call equation is not kept: the
 * rule binds its own), its zero tangents instantiated first
 * (symbolic_zeros=False). tjit knows the rules of its own custom_jvp
 * functions by the primal's name. */
static void jvp_custom_jvp_call(jq *q) {
  if (jvp_custom_user_rule(q)) return;
  const char *name = ir_param_name(q->e, "name");
  bool relu = name && strcmp(name, "relu") == 0, relu6 = name && strcmp(name, "relu6") == 0;
  bool lae = name && strcmp(name, "logaddexp") == 0 && q->e->nin == 2;
  if (!relu && !relu6 && !lae) {
    q->b.failed = !diag_error(q->b.t->diags, q->b.t->m->src, q->e->span,
                            "NotImplementedError: Differentiation rule for 'custom_jvp_call' not implemented");
    return;
  }
  ir_atom t[2];
  for (uint32_t i = 0; i < q->e->nin; i++) t[i] = instantiate(q, q->dt[i], q->p[i]);
  if (lae) custom_logaddexp(q, t);
  else custom_relu(q, t[0], relu6);
}

/* ---- linear and zero rules ---- */

/* ad.linear_jvp: the primal, then the primitive on the tangents, zeros
 * instantiated. */
static void jvp_linear(jq *q) {
  primal(q);
  ir_atom small[8], *ts = q->e->nin <= 8 ? small : malloc(sizeof *ts * q->e->nin);
  if (!ts) TJ_OOM();
  for (uint32_t i = 0; i < q->e->nin; i++) ts[i] = instantiate(q, q->dt[i], q->p[i]);
  q->to[0] = build(q, q->e->prim, ts, (int)q->e->nin, q->e->params, q->e->nparams, NULL);
  if (ts != small) free(ts);
}

/* ad.defjvp_zero. */
static void jvp_zero(jq *q) { primal(q); }

/* lax.py _broadcast_in_dim_jvp_rule: the same broadcast of the tangent. */
static void jvp_broadcast_in_dim(jq *q) {
  primal(q);
  tj_aval hint = q->b.t->m->vars[q->e->out[0]], ta = aval_of(q, q->dt[0]);
  hint.dtype = ta.dtype, hint.weak = ta.weak;
  q->to[0] = build(q, P_broadcast_in_dim, &q->dt[0], 1, q->e->params, q->e->nparams, &hint);
}

/* ---- elementwise (lax.py) ---- */

/* lax.py _maybe_broadcast(target, x): x itself when of the target's shape,
 * broadcast_in_dim of a scalar, else reshape to the matching dimensions
 * then broadcast_in_dim. */
static ir_atom maybe_broadcast(jq *q, const tj_aval *target, ir_atom x) {
  tj_aval a = aval_of(q, x), out = *target;
  out.dtype = a.dtype, out.weak = a.weak;
  if (aval_same_shape(&a, target)) return x;
  if (a.rank == 0) return build(q, P_broadcast_in_dim, &x, 1, NULL, 0, &out);
  int64_t dims[TJ_MAX_RANK], sizes[TJ_MAX_RANK];
  int n = 0;
  for (int i = 0; i < a.rank && i < target->rank; i++)
    if (a.dims[i] == target->dims[i]) dims[n] = i, sizes[n++] = a.dims[i];
  ir_module *m = q->b.t->m;
  ir_param rp[3] = {{"dimensions", pv_none(m)}, {"new_sizes", pv_ints(m, PV_TUPLE, sizes, n)},
                    {"sharding", pv_none(m)}};
  ir_atom r = build(q, P_reshape, &x, 1, rp, 3, NULL);
  ir_param bp[1] = {{"broadcast_dimensions", pv_ints(m, PV_TUPLE, dims, n)}};
  return build(q, P_broadcast_in_dim, &r, 1, bp, n ? 1 : 0, &out);
}

/* lax.py _add_jvp and _sub_jvp. */
static void add_sub(jq *q, bool sub) {
  primal(q);
  tj_aval target = aval_of(q, q->po[0]);
  ir_atom x = q->dt[0], y = q->dt[1];
  if (x != JVP_ZERO && y != JVP_ZERO) q->to[0] = bin(q, sub ? P_sub : P_add, x, y);
  else if (x != JVP_ZERO) q->to[0] = maybe_broadcast(q, &target, x);
  else q->to[0] = maybe_broadcast(q, &target, sub ? un(q, P_neg, y) : y);
}
static void jvp_add(jq *q) { add_sub(q, false); }
static void jvp_sub(jq *q) { add_sub(q, true); }

/* defjvp(mul_p, mul(xdot, y), mul(x, ydot)). */
static void jvp_mul(jq *q) {
  primal(q);
  ir_atom a = q->dt[0] != JVP_ZERO ? bin(q, P_mul, q->dt[0], q->p[1]) : JVP_ZERO;
  ir_atom b = q->dt[1] != JVP_ZERO ? bin(q, P_mul, q->p[0], q->dt[1]) : JVP_ZERO;
  q->to[0] = add_tangents(q, a, b);
}

/* defjvp(div_p, div(g, y), mul(mul(neg(g), x), integer_pow(y, -2))). */
static void jvp_div(jq *q) {
  primal(q);
  ir_atom x = q->p[0], y = q->p[1];
  ir_atom a = q->dt[0] != JVP_ZERO ? bin(q, P_div, q->dt[0], y) : JVP_ZERO, b = JVP_ZERO;
  if (q->dt[1] != JVP_ZERO) {
    ir_atom nx = bin(q, P_mul, un(q, P_neg, q->dt[1]), x);
    ir_param ps[1] = {{"y", pv_int(q->b.t->m, -2)}};
    b = bin(q, P_mul, nx, build(q, P_integer_pow, &y, 1, ps, 1, NULL));
  }
  q->to[0] = add_tangents(q, a, b);
}

/* defjvp(atan2_p, mul(g, div(y, add(square(x), square(y)))),
 * mul(g, div(neg(x), add(square(x), square(y))))) */
static void jvp_atan2(jq *q) {
  primal(q);
  ir_atom x = q->p[0], y = q->p[1], a = JVP_ZERO, b = JVP_ZERO;
  if (q->dt[0] != JVP_ZERO) {
    ir_atom sx = un(q, P_square, x), sy = un(q, P_square, y);
    a = bin(q, P_mul, q->dt[0], bin(q, P_div, y, bin(q, P_add, sx, sy)));
  }
  if (q->dt[1] != JVP_ZERO) {
    ir_atom nx = un(q, P_neg, x), sx = un(q, P_square, x), sy = un(q, P_square, y);
    b = bin(q, P_mul, q->dt[1], bin(q, P_div, nx, bin(q, P_add, sx, sy)));
  }
  q->to[0] = add_tangents(q, a, b);
}

/* defjvp(rem_p, _maybe_broadcast(shape, g),
 * mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y)))))) */
static void jvp_rem(jq *q) {
  primal(q);
  ir_atom x = q->p[0], y = q->p[1], a = JVP_ZERO, b = JVP_ZERO;
  tj_aval target = aval_of(q, q->po[0]);
  if (q->dt[0] != JVP_ZERO) a = maybe_broadcast(q, &target, q->dt[0]);
  if (q->dt[1] != JVP_ZERO) {
    ir_atom ng = un(q, P_neg, q->dt[1]);
    ir_atom sg = un(q, P_sign, bin(q, P_div, x, y));
    ir_atom fl = un(q, P_floor, un(q, P_abs, bin(q, P_div, x, y)));
    b = bin(q, P_mul, ng, bin(q, P_mul, sg, fl));
  }
  q->to[0] = add_tangents(q, a, b);
}

/* select(pred, g, _zeros(operand)) = select_n(pred, zeros, g). */
static ir_atom select_g(jq *q, ir_atom pred, ir_atom g) {
  ir_atom in[3] = {pred, full_like(q, q->p[1], 0), g};
  return build(q, P_select_n, in, 3, NULL, 0, NULL);
}

/* defjvp(clamp_p, select(and(gt(min, x), lt(min, max)), g, _zeros(x)),
 * select(and(gt(x, min), lt(x, max)), g, _zeros(x)),
 * select(lt(max, x), g, _zeros(x))). */
static void jvp_clamp(jq *q) {
  primal(q);
  ir_atom lo = q->p[0], x = q->p[1], hi = q->p[2], sum = JVP_ZERO, terms[3] = {JVP_ZERO, JVP_ZERO, JVP_ZERO};
  if (q->dt[0] != JVP_ZERO) {
    ir_atom gt = bin(q, P_gt, lo, x), lt = bin(q, P_lt, lo, hi); /* in this order: a declarator is sequenced */
    terms[0] = select_g(q, bin(q, P_and, gt, lt), q->dt[0]);
  }
  if (q->dt[1] != JVP_ZERO) {
    ir_atom gt = bin(q, P_gt, x, lo), lt = bin(q, P_lt, x, hi);
    terms[1] = select_g(q, bin(q, P_and, gt, lt), q->dt[1]);
  }
  if (q->dt[2] != JVP_ZERO) terms[2] = select_g(q, bin(q, P_lt, hi, x), q->dt[2]);
  for (int i = 0; i < 3; i++)
    sum = add_tangents(q, sum, terms[i]);
  q->to[0] = sum;
}

/* lax.py _balanced_eq(x, z, y): 1 where x is z, halved where y is too. */
static ir_atom balanced_eq(jq *q, ir_atom x, ir_atom z, ir_atom y) {
  ir_atom ex = bin(q, P_eq, x, z), one = full_like(q, z, 1), zero = full_like(q, z, 0);
  ir_atom in1[3] = {ex, zero, one};
  ir_atom top = build(q, P_select_n, in1, 3, NULL, 0, NULL);
  ir_atom ey = bin(q, P_eq, y, z), two = full_like(q, z, 2), one2 = full_like(q, z, 1);
  ir_atom in2[3] = {ey, one2, two};
  ir_atom bottom = build(q, P_select_n, in2, 3, NULL, 0, NULL);
  return bin(q, P_div, top, bottom);
}

/* defjvp2(max_p / min_p, mul(g, _balanced_eq(x, ans, y)), mul(g, _balanced_eq(y, ans, x))). */
static void jvp_maxmin(jq *q) {
  primal(q);
  ir_atom x = q->p[0], y = q->p[1], ans = q->po[0], a = JVP_ZERO, b = JVP_ZERO;
  if (q->dt[0] != JVP_ZERO) a = bin(q, P_mul, q->dt[0], balanced_eq(q, x, ans, y));
  if (q->dt[1] != JVP_ZERO) b = bin(q, P_mul, q->dt[1], balanced_eq(q, y, ans, x));
  q->to[0] = add_tangents(q, a, b);
}

/* The unary rules: primal first (standard_jvp), then the tangent. */
#define G (q->dt[0])
#define X (q->p[0])
#define ANS (q->po[0])

/* defjvp2(exp_p, mul(g, ans)) */
static void jvp_exp(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, ANS); }
/* defjvp(log_p, div(g, x)) */
static void jvp_log(jq *q) { primal(q); q->to[0] = bin(q, P_div, G, X); }
/* defjvp(sin_p, mul(g, cos(x))) */
static void jvp_sin(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, un(q, P_cos, X)); }
/* defjvp(cos_p, neg(mul(g, sin(x)))) */
static void jvp_cos(jq *q) { primal(q); q->to[0] = un(q, P_neg, bin(q, P_mul, G, un(q, P_sin, X))); }

/* defjvp2(tanh_p, mul(add(g, mul(g, ans)), sub(_one(x), ans))) */
static void jvp_tanh(jq *q) {
  primal(q);
  ir_atom a = bin(q, P_add, G, bin(q, P_mul, G, ANS));
  q->to[0] = bin(q, P_mul, a, bin(q, P_sub, lit(q, aval_of(q, X).dtype, aval_of(q, X).weak, 1), ANS));
}

/* defjvp2(logistic_p, mul(g, mul(ans, sub(_one(ans), ans)))) */
static void jvp_logistic(jq *q) {
  primal(q);
  tj_aval a = aval_of(q, ANS);
  q->to[0] = bin(q, P_mul, G, bin(q, P_mul, ANS, bin(q, P_sub, lit(q, a.dtype, a.weak, 1), ANS)));
}

/* defjvp2(sqrt_p, mul(g, div(_const(x, 0.5), ans))) */
static void jvp_sqrt(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, bin(q, P_div, const_like(q, X, 0.5), ANS)); }

/* defjvp2(rsqrt_p, mul(g, mul(_const(x, -0.5), div(ans, x)))) */
static void jvp_rsqrt(jq *q) {
  primal(q);
  ir_atom d = bin(q, P_div, ANS, X);
  q->to[0] = bin(q, P_mul, G, bin(q, P_mul, const_like(q, X, -0.5), d));
}

/* _one(x): a literal 1 of x's dtype and weak type. */
static ir_atom one_like(jq *q, ir_atom x) {
  tj_aval a = aval_of(q, x);
  return lit(q, a.dtype, a.weak, 1);
}

static ir_atom square_of(jq *q, ir_atom x) { return un(q, P_square, x); }

/* defjvp(log1p_p, div(g, add(x, _one(x)))) */
static void jvp_log1p(jq *q) { primal(q); q->to[0] = bin(q, P_div, G, bin(q, P_add, X, one_like(q, X))); }
/* defjvp2(expm1_p, mul(g, add(ans, _one(ans)))) (accuracy None) */
static void jvp_expm1(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, bin(q, P_add, ANS, one_like(q, ANS))); }

/* defjvp2(exp2_p, mul(log(_const(x, 2)), mul(g, ans))) */
static void jvp_exp2(jq *q) {
  primal(q);
  ir_atom l = un(q, P_log, const_like(q, X, 2));
  q->to[0] = bin(q, P_mul, l, bin(q, P_mul, G, ANS));
}

/* defjvp2(tan_p, mul(g, add(_const(x, 1), square(ans)))) */
static void jvp_tan(jq *q) {
  primal(q);
  ir_atom sq = square_of(q, ANS);
  q->to[0] = bin(q, P_mul, G, bin(q, P_add, const_like(q, X, 1), sq));
}

/* rsqrt(sub(_const(x, 1), square(x))), asin's and acos's factor. */
static ir_atom rsqrt_one_minus_square(jq *q) {
  ir_atom sq = square_of(q, X);
  return un(q, P_rsqrt, bin(q, P_sub, const_like(q, X, 1), sq));
}

/* defjvp(asin_p, mul(g, rsqrt(sub(_const(x, 1), square(x))))) */
static void jvp_asin(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, rsqrt_one_minus_square(q)); }
/* defjvp(acos_p, mul(g, neg(rsqrt(sub(_const(x, 1), square(x)))))) */
static void jvp_acos(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, un(q, P_neg, rsqrt_one_minus_square(q))); }

/* defjvp(atan_p, div(g, add(_const(x, 1), square(x)))) */
static void jvp_atan(jq *q) {
  primal(q);
  ir_atom sq = square_of(q, X);
  q->to[0] = bin(q, P_div, G, bin(q, P_add, const_like(q, X, 1), sq));
}

/* defjvp(sinh_p, mul(g, cosh(x))) and defjvp(cosh_p, mul(g, sinh(x))) */
static void jvp_sinh(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, un(q, P_cosh, X)); }
static void jvp_cosh(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, un(q, P_sinh, X)); }

/* defjvp(asinh_p, mul(g, rsqrt(add(square(x), _one(x))))) */
static void jvp_asinh(jq *q) {
  primal(q);
  ir_atom sq = square_of(q, X);
  q->to[0] = bin(q, P_mul, G, un(q, P_rsqrt, bin(q, P_add, sq, one_like(q, X))));
}

/* defjvp(acosh_p, mul(g, rsqrt(sub(square(x), _one(x))))) */
static void jvp_acosh(jq *q) {
  primal(q);
  ir_atom sq = square_of(q, X);
  q->to[0] = bin(q, P_mul, G, un(q, P_rsqrt, bin(q, P_sub, sq, one_like(q, X))));
}

/* defjvp(atanh_p, mul(reciprocal(add(_one(x), x)), div(g, sub(_one(x), x)))),
 * lax.reciprocal being integer_pow(x, -1) */
static void jvp_atanh(jq *q) {
  primal(q);
  ir_atom s = bin(q, P_add, one_like(q, X), X);
  ir_param ps[1] = {{"y", pv_int(q->b.t->m, -1)}};
  ir_atom r = build(q, P_integer_pow, &s, 1, ps, 1, NULL);
  q->to[0] = bin(q, P_mul, r, bin(q, P_div, G, bin(q, P_sub, one_like(q, X), X)));
}

/* defjvp2(cbrt_p, mul(g, mul(_const(x, 1 / 3), integer_pow(ans, -2)))) */
static void jvp_cbrt(jq *q) {
  primal(q);
  ir_param ps[1] = {{"y", pv_int(q->b.t->m, -2)}};
  ir_atom p = build(q, P_integer_pow, &ANS, 1, ps, 1, NULL);
  q->to[0] = bin(q, P_mul, G, bin(q, P_mul, const_like(q, X, 1.0 / 3), p));
}

/* special.py defjvp(erf_p, mul(_const(x, 2 / sqrt(pi)), mul(g, exp(neg(square(x)))))),
 * erfc's the same with -2 / sqrt(pi). */
static void erf_like(jq *q, double c) {
  primal(q);
  ir_atom e = un(q, P_exp, un(q, P_neg, square_of(q, X)));
  ir_atom k = const_like(q, X, c);
  q->to[0] = bin(q, P_mul, k, bin(q, P_mul, G, e));
}
static void jvp_erf(jq *q) { erf_like(q, 1.1283791670955126); }
static void jvp_erfc(jq *q) { erf_like(q, -1.1283791670955126); }

/* special.py defjvp2(erf_inv_p, mul(_const(x, np.sqrt(np.pi) / 2.),
 * mul(g, exp(square(ans))))) */
static void jvp_erf_inv(jq *q) {
  primal(q);
  ir_atom e = un(q, P_exp, square_of(q, ANS));
  ir_atom k = const_like(q, X, 0.8862269254527579); /* np.sqrt(np.pi) / 2. */
  q->to[0] = bin(q, P_mul, k, bin(q, P_mul, G, e));
}

/* lax.py _abs_jvp_rule (real): select(ge(x, _zero(x)), g, neg(g)) */
static void jvp_abs(jq *q) {
  primal(q);
  tj_aval a = aval_of(q, X);
  ir_atom ge = bin(q, P_ge, X, lit(q, a.dtype, a.weak, 0)), ng = un(q, P_neg, G);
  ir_atom in[3] = {ge, ng, G};
  q->to[0] = build(q, P_select_n, in, 3, NULL, 0, NULL);
}

/* x * const, the factor of integer_pow's and square's rules. */
static ir_atom times_const(jq *q, int64_t c, ir_atom x) { return bin(q, P_mul, const_like(q, X, (double)c), x); }

/* lax.py _integer_pow_jvp: zeros for y=0, g for 1, mul(g, mul(2, x)) for 2,
 * else mul(g, mul(y, integer_pow(x, y - 1))). */
static void jvp_integer_pow(jq *q) {
  primal(q);
  int64_t y = ir_param_int(q->e, "y", 1);
  if (y == 0) { q->to[0] = full_like(q, G, 0); return; }
  if (y == 1) { q->to[0] = G; return; }
  if (y == 2) { q->to[0] = bin(q, P_mul, G, times_const(q, 2, X)); return; }
  ir_param ps[1] = {{"y", pv_int(q->b.t->m, y - 1)}};
  ir_atom pw = build(q, P_integer_pow, &X, 1, ps, 1, NULL);
  q->to[0] = bin(q, P_mul, G, times_const(q, y, pw));
}

/* defjvp2(square_p, mul(g, mul(_const(x, 2), x))) */
static void jvp_square(jq *q) { primal(q); q->to[0] = bin(q, P_mul, G, times_const(q, 2, X)); }

/* lax.py _convert_element_type_jvp_rule: zero for an integer or bool
 * result (float0), else the same conversion of the tangent. */
static void jvp_convert(jq *q) {
  primal(q);
  tj_dtype to = ir_param_dtype(q->e, "new_dtype", DT_F32);
  if (!dtype_is_float(to)) return;
  q->to[0] = build(q, P_convert_element_type, &G, 1, q->e->params, q->e->nparams, NULL);
}

/* lax.py _select_jvp: zeros (_zeros of the first nonzero tangent) for the
 * zero cases, select_n of the tangents. */
static void jvp_select_n(jq *q) {
  primal(q);
  uint32_t n = q->e->nin;
  ir_atom first = JVP_ZERO, z = JVP_ZERO;
  for (uint32_t i = 1; i < n && first == JVP_ZERO; i++) first = q->dt[i];
  if (first == JVP_ZERO) return;
  ir_atom small[8], *in = n <= 8 ? small : malloc(sizeof *in * n);
  if (!in) TJ_OOM();
  z = full_like(q, first, 0);
  in[0] = q->p[0];
  for (uint32_t i = 1; i < n; i++) in[i] = q->dt[i] != JVP_ZERO ? q->dt[i] : z;
  q->to[0] = build(q, P_select_n, in, (int)n, NULL, 0, NULL);
  if (in != small) free(in);
}

#undef G
#undef X
#undef ANS

/* lax.convert_element_type(x, dt): x itself when already dt and strongly
 * typed (lax.py _convert_element_type's shortcut), else the equation. */
static ir_atom convert_to(jq *q, ir_atom x, tj_dtype dt) {
  tj_aval a = aval_of(q, x);
  if (a.dtype == dt && !a.weak) return x;
  ir_param ps[2] = {{"new_dtype", pv_dtype(q->b.t->m, dt)}, {"weak_type", pv_bool(q->b.t->m, false)}};
  return build(q, P_convert_element_type, &x, 1, ps, 2, NULL);
}

/* lax.py _replace_zero(x): select(eq(x, _const(x, 0)), _ones(x), x). */
static ir_atom replace_zero(jq *q, ir_atom x) {
  ir_atom eq = bin(q, P_eq, x, const_like(q, x, 0)), ones = full_like(q, x, 1);
  ir_atom in[3] = {eq, x, ones};
  return build(q, P_select_n, in, 3, NULL, 0, NULL);
}

/* lax.py _pow_jvp_lhs: mul(g, jac) with jac = mul(y, pow(x, sub(y, _ones(y))))
 * for an inexact y; for an integer y (converted to x's dtype and
 * broadcast to one shape), select(eq(y, 0), _zeros(y), mul(_replace_zero(y),
 * pow(x, sub(y, _ones(y))))). */
static ir_atom pow_lhs(jq *q, ir_atom g, ir_atom x, ir_atom y) {
  tj_dtype yt = aval_of(q, y).dtype, rt = aval_of(q, x).dtype;
  x = convert_to(q, x, rt), y = convert_to(q, y, rt);
  if (dtype_is_float(yt)) return bin(q, P_mul, g, bin(q, P_mul, y, bin(q, P_pow, x, bin(q, P_sub, y, full_like(q, y, 1)))));
  tj_aval xa = aval_of(q, x), ya = aval_of(q, y);
  if (!aval_same_shape(&xa, &ya)) {
    const tj_aval *big = xa.rank >= ya.rank ? &xa : &ya;
    x = maybe_broadcast(q, big, x), y = maybe_broadcast(q, big, y);
  }
  ir_atom is0 = bin(q, P_eq, y, const_like(q, y, 0)), zeros = full_like(q, y, 0);
  ir_atom rz = replace_zero(q, y), p = bin(q, P_pow, x, bin(q, P_sub, y, full_like(q, y, 1)));
  ir_atom in[3] = {is0, bin(q, P_mul, rz, p), zeros};
  return bin(q, P_mul, g, build(q, P_select_n, in, 3, NULL, 0, NULL));
}

/* defjvp2(pow_p, _pow_jvp_lhs, _pow_jvp_rhs); the rhs is
 * convert_element_type(mul(g, mul(log(_replace_zero(x)), ans)), y.dtype). */
static void jvp_pow(jq *q) {
  primal(q);
  ir_atom a = JVP_ZERO, b = JVP_ZERO, x = q->p[0], y = q->p[1];
  if (q->dt[0] != JVP_ZERO) a = pow_lhs(q, q->dt[0], x, y);
  if (q->dt[1] != JVP_ZERO) {
    ir_atom l = un(q, P_log, replace_zero(q, x));
    b = convert_to(q, bin(q, P_mul, q->dt[1], bin(q, P_mul, l, q->po[0])), aval_of(q, y).dtype);
  }
  q->to[0] = add_tangents(q, a, b);
}

/* slicing.py _dynamic_slice_jvp: the tangent's dynamic_slice at the same
 * indices, bound BEFORE the primal's. */
static void jvp_dynamic_slice(jq *q) {
  const ir_eqn *e = q->e;
  ir_atom small[TJ_MAX_RANK + 1], *in = e->nin <= TJ_MAX_RANK + 1 ? small : malloc(sizeof *in * e->nin);
  if (!in) TJ_OOM();
  memcpy(in, q->p, sizeof *in * e->nin);
  in[0] = q->dt[0];
  ir_atom t = q->dt[0] != JVP_ZERO ? build(q, P_dynamic_slice, in, (int)e->nin, e->params, e->nparams, NULL) : JVP_ZERO;
  primal(q);
  q->to[0] = t;
  if (in != small) free(in);
}

/* slicing.py ad.defjvp(gather_p, _gather_jvp_rule, None): the primal, then
 * gather(g, indices, same params, fill_value=0); gather() passes that 0 on
 * under FILL_OR_DROP and None under any other mode. */
static void jvp_gather(jq *q) {
  primal(q);
  const ir_eqn *e = q->e;
  ir_param ps[8];
  int np = e->nparams < 8 ? e->nparams : 8;
  const char *mode = ir_param_name(e, "mode");
  bool fill = mode && strcmp(mode, "GatherScatterMode.FILL_OR_DROP") == 0;
  for (int i = 0; i < np; i++) {
    ps[i] = e->params[i];
    if (strcmp(ps[i].key, "fill_value") == 0) ps[i].val = fill ? pv_int(q->b.t->m, 0) : pv_none(q->b.t->m);
  }
  ir_atom in[2] = {q->dt[0], q->p[1]};
  q->to[0] = build(q, P_gather, in, 2, ps, np, NULL);
}

/* ---- reductions and dot_general ---- */

/* lax.py _reduce_chooser_jvp_rule: the tangent averaged over the places
 * that hold the maximum (minimum). */
static void jvp_reduce_chooser(jq *q) {
  primal(q);
  ir_module *m = q->b.t->m;
  int64_t axes[TJ_MAX_RANK], sizes[TJ_MAX_RANK];
  int nax = ir_param_ints(q->e, "axes", axes, TJ_MAX_RANK);
  tj_aval op = aval_of(q, q->p[0]), g = aval_of(q, q->dt[0]);
  for (int d = 0; d < op.rank; d++) sizes[d] = op.dims[d];
  for (int i = 0; i < nax; i++) sizes[axes[i]] = 1;
  ir_atom r = q->po[0];
  if (nax > 0) {
    ir_param rp[3] = {{"dimensions", pv_none(m)}, {"new_sizes", pv_ints(m, PV_TUPLE, sizes, op.rank)},
                      {"sharding", pv_none(m)}};
    r = build(q, P_reshape, &r, 1, rp, 3, NULL);
  }
  ir_param cp[2] = {{"new_dtype", pv_dtype(m, g.dtype)}, {"weak_type", pv_bool(m, false)}};
  ir_atom eq = bin(q, P_eq, q->p[0], r);
  ir_atom loc = build(q, P_convert_element_type, &eq, 1, cp, 2, NULL);
  ir_param sp[2] = {{"axes", pv_ints(m, PV_TUPLE, axes, nax)}, {"out_sharding", pv_none(m)}};
  ir_atom counts = build(q, P_reduce_sum, &loc, 1, sp, 2, NULL);
  ir_atom gl = bin(q, P_mul, q->dt[0], loc);
  q->to[0] = bin(q, P_div, build(q, P_reduce_sum, &gl, 1, sp, 2, NULL), counts);
}

/* defbilinear(dot_general_p): dot_general(g, y) + dot_general(x, g),
 * the same params. */
static void jvp_dot_general(jq *q) {
  primal(q);
  const ir_eqn *e = q->e;
  ir_atom a = JVP_ZERO, b = JVP_ZERO;
  if (q->dt[0] != JVP_ZERO) {
    ir_atom in[2] = {q->dt[0], q->p[1]};
    a = build(q, P_dot_general, in, 2, e->params, e->nparams, NULL);
  }
  if (q->dt[1] != JVP_ZERO) {
    ir_atom in[2] = {q->p[0], q->dt[1]};
    b = build(q, P_dot_general, in, 2, e->params, e->nparams, NULL);
  }
  q->to[0] = add_tangents(q, a, b);
}

/* ---- the helpers as the rules in other files call them (jvp_rules.h) ---- */

ir_atom jvp_build(jq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint) {
  return build(q, prim, in, nin, ps, np, hint);
}
ir_atom jvp_bin(jq *q, int prim, ir_atom a, ir_atom b) { return bin(q, prim, a, b); }
tj_aval jvp_aval_of(jq *q, ir_atom a) { return aval_of(q, a); }
void jvp_primal(jq *q) { primal(q); }
ir_atom jvp_lit(jq *q, tj_dtype dt, bool weak, double v) { return lit(q, dt, weak, v); }
ir_atom jvp_full_like(jq *q, ir_atom x, double v) { return full_like(q, x, v); }
ir_atom jvp_instantiate(jq *q, ir_atom tangent, ir_atom primal_atom) { return instantiate(q, tangent, primal_atom); }
ir_atom jvp_add_tangents(jq *q, ir_atom a, ir_atom b) { return add_tangents(q, a, b); }
