/* The half pass (pass.h): f16 and bf16 become float32 computations, so
 * the C backend compiles them with its float32 rules. The evaluator
 * computes an f16/bf16 operation in float32 and rounds the result to the
 * 2-byte format when it stores it (eval/array.c array_set_f); the pass
 * writes that down: every f16/bf16 variable of every jaxpr becomes f32,
 * and an equation that computes a new value is followed by the round trip
 *   convert_element_type[new_dtype=float16] ; convert_element_type[new_dtype=float32]
 * (XLA's float-normalization pass inserts the same converts around bf16
 * operations a backend lacks). Not lax.reduce_precision: XLA's flushes
 * the reduced format's subnormals to zero, and the evaluator's f16 keeps
 * them (numpy's float16). Equations that only move or pick values
 * (reshape, gather, sort, max, select_n ...) need no rounding: their
 * values already are the format's.
 *
 * The top-level jaxpr's interface keeps its 2-byte inputs and outputs
 * (the caller's buffers): converted to f32 on entry and back on exit.
 * Where the evaluator rounds at every step of a loop rather than once
 * (cumsum, cumprod, reduce_sum, reduce_prod, reduce_window_sum and
 * scatter-add/sub/mul), the equation stays in the 2-byte format between
 * converts, and its C rule rounds each step (kept_half). */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "prims.h"
#include "util.h"

/* Kept in the 2-byte format (PF_KEEPS_HALF): the evaluator rounds every
 * step and so does the C rule (cumsum, cumprod: cum_rt.c; reduce_sum,
 * reduce_prod: half_rt.c; reduce_window_sum: window_rt.c;
 * scatter-add/sub/mul: scatter_rt.c or the generated loop), or the rule
 * works on the format's own bits (reduce_precision, as XLA's on an f16
 * operand). */
static bool kept_half(int prim) { return prims[prim].flags & PF_KEEPS_HALF; }

/* Results that are some operand's values, or a callee's results (its body
 * rounds): no rounding after them (PF_MOVES). */
static bool moves_values(int prim) { return prims[prim].flags & PF_MOVES; }

/* ---- rewriting ---- */

typedef struct half_ctx {
  ir_module *m;
  tj_dtype *orig;           /* per variable as traced (before widening) */
  uint32_t norig;
} half_ctx;

static tj_dtype orig_dtype(const half_ctx *h, uint32_t v) { return v < h->norig ? h->orig[v] : h->m->vars[v].dtype; }

static uint32_t new_var_like(ir_module *m, uint32_t v, tj_dtype t) {
  tj_aval a = m->vars[v];
  a.dtype = t;
  return ir_new_var(m, &a);
}

static void push_convert(ir_module *m, ir_jaxpr *j, ir_atom in, uint32_t out, tj_span span) {
  ir_eqn *e = ir_add_eqn(m, j, P_convert_element_type, 1, 1, 2, span);
  e->in[0] = in, e->out[0] = out;
  e->params[0] = (ir_param){"new_dtype", pv_dtype(m, m->vars[out].dtype)};
  e->params[1] = (ir_param){"weak_type", pv_bool(m, m->vars[out].weak)};
}

/* v (now f32, a value of format t) rounded: v's definer wrote tmp, which
 * goes to format t and back into v. */
static void push_rounding(half_ctx *h, ir_jaxpr *j, uint32_t tmp, uint32_t v, tj_dtype t, tj_span span) {
  uint32_t narrow = new_var_like(h->m, v, t);
  push_convert(h->m, j, ATOM_VAR(tmp), narrow, span);
  push_convert(h->m, j, ATOM_VAR(narrow), v, span);
}

/* A literal of a 2-byte dtype as the f32 literal of its value. */
static ir_atom widen_lit(ir_module *m, ir_atom a) {
  ir_lit l = m->lits[ATOM_INDEX(a)];
  if (!dtype_is_half(l.dtype)) return a;
  l.f = tj_round_to_float(l.dtype, l.f), l.dtype = DT_F32;
  return ir_new_lit(m, &l);
}

static void widen_params(ir_module *m, ir_eqn *e) {
  for (int p = 0; p < e->nparams; p++)
    if (e->params[p].val->kind == PV_DTYPE && dtype_is_half(e->params[p].val->dtype))
      e->params[p].val = pv_dtype(m, DT_F32);
}

/* Operand i of e (an f32 value of a 2-byte format now) in its format
 * again, for an equation that reads the 2-byte bits. */
static void narrow_operand(half_ctx *h, ir_jaxpr *j, ir_eqn *e, uint32_t i) {
  ir_atom a = e->in[i];
  if (ATOM_IS_LIT(a)) {
    ir_lit l = h->m->lits[ATOM_INDEX(a)];
    if (!dtype_is_half(l.dtype)) return;
    uint32_t t = ir_new_var(h->m, &(tj_aval){.dtype = l.dtype, .weak = l.weak});
    push_convert(h->m, j, widen_lit(h->m, a), t, e->span);
    e->in[i] = ATOM_VAR(t);
    return;
  }
  uint32_t v = ATOM_INDEX(a);
  if (!dtype_is_half(orig_dtype(h, v)) || dtype_is_half(h->m->vars[v].dtype)) return; /* a top-level input is */
  uint32_t t = new_var_like(h->m, v, orig_dtype(h, v));
  push_convert(h->m, j, a, t, e->span);
  e->in[i] = ATOM_VAR(t);
}

/* An equation that reads and writes the 2-byte bits (cumsum, cumprod, a
 * bitcast): its 2-byte operands narrowed, its 2-byte outputs widened. */
static void rewrite_in_half(half_ctx *h, ir_jaxpr *j, ir_eqn e) {
  for (uint32_t i = 0; i < e.nin; i++) narrow_operand(h, j, &e, i);
  uint32_t *wide = ARENA_ARRAY(&h->m->arena, uint32_t, e.nout + 1u);
  for (uint32_t o = 0; o < e.nout; o++) {
    uint32_t v = wide[o] = e.out[o];
    if (dtype_is_half(orig_dtype(h, v))) e.out[o] = new_var_like(h->m, v, orig_dtype(h, v));
  }
  ARENA_PUSH(&h->m->arena, j->eqns, j->neqns, j->capeqns, e);
  for (uint32_t o = 0; o < e.nout; o++)
    if (e.out[o] != wide[o]) push_convert(h->m, j, ATOM_VAR(e.out[o]), wide[o], e.span);
}

/* Whether e read or wrote a 2-byte value as traced. */
static bool eqn_was_half(const half_ctx *h, const ir_eqn *e) {
  for (uint32_t i = 0; i < e->nin; i++) {
    ir_atom a = e->in[i];
    if (ATOM_IS_LIT(a) ? dtype_is_half(h->m->lits[ATOM_INDEX(a)].dtype) : dtype_is_half(orig_dtype(h, ATOM_INDEX(a))))
      return true;
  }
  for (uint32_t o = 0; o < e->nout; o++)
    if (dtype_is_half(orig_dtype(h, e->out[o]))) return true;
  return false;
}

/* convert_element_type to a 2-byte format t: from f32 or f64 straight to
 * t (one rounding: f64 to f16 must not round twice), else to f32 first. */
static void rewrite_convert_to_half(half_ctx *h, ir_jaxpr *j, ir_eqn e, tj_dtype t) {
  uint32_t y = e.out[0];
  tj_dtype from = ir_atom_aval(h->m, e.in[0]).dtype;
  uint32_t narrow = new_var_like(h->m, y, t);
  if (from != DT_F32 && from != DT_F64) {
    uint32_t wide = new_var_like(h->m, y, DT_F32);
    push_convert(h->m, j, e.in[0], wide, e.span);
    push_convert(h->m, j, ATOM_VAR(wide), narrow, e.span);
  } else push_convert(h->m, j, e.in[0], narrow, e.span);
  push_convert(h->m, j, ATOM_VAR(narrow), y, e.span);
}

/* One equation of j, appended to j's new list. */
static void rewrite_eqn(half_ctx *h, ir_jaxpr *j, ir_eqn e) {
  if ((kept_half(e.prim) || e.prim == P_bitcast_convert_type) && eqn_was_half(h, &e)) {
    rewrite_in_half(h, j, e);
    return;
  }
  for (uint32_t i = 0; i < e.nin; i++)
    if (ATOM_IS_LIT(e.in[i])) e.in[i] = widen_lit(h->m, e.in[i]);
  tj_dtype out0 = e.nout ? orig_dtype(h, e.out[0]) : DT_F32;
  if (e.prim == P_convert_element_type && dtype_is_half(out0)) {
    rewrite_convert_to_half(h, j, e, out0);
    return;
  }
  widen_params(h->m, &e);
  uint32_t *v = ARENA_ARRAY(&h->m->arena, uint32_t, e.nout + 1u);
  for (uint32_t o = 0; o < e.nout; o++) {
    v[o] = e.out[o];
    if (!moves_values(e.prim) && dtype_is_half(orig_dtype(h, v[o]))) e.out[o] = new_var_like(h->m, v[o], DT_F32);
  }
  ARENA_PUSH(&h->m->arena, j->eqns, j->neqns, j->capeqns, e);
  for (uint32_t o = 0; o < e.nout; o++)
    if (e.out[o] != v[o]) push_rounding(h, j, e.out[o], v[o], orig_dtype(h, v[o]), e.span);
}

/* j's equations rewritten; rename[v], when not UINT32_MAX, replaces
 * operand v (the top level's 2-byte inputs, widened on entry). A
 * sub-jaxpr's 2-byte literal outputs become f32 ones (its callers read
 * f32); the top level's stay (rewrite_top narrows them). */
static void rewrite_jaxpr(half_ctx *h, ir_jaxpr *j, const uint32_t *rename) {
  ir_eqn *old = j->eqns;
  uint32_t n = j->neqns;
  j->eqns = NULL, j->neqns = j->capeqns = 0;
  for (uint32_t k = 0; k < n; k++) {
    bool reads_bits = kept_half(old[k].prim) || old[k].prim == P_bitcast_convert_type; /* the input's own bits */
    for (uint32_t i = 0; rename && !reads_bits && i < old[k].nin; i++)
      if (!ATOM_IS_LIT(old[k].in[i]) && rename[ATOM_INDEX(old[k].in[i])] != UINT32_MAX)
        old[k].in[i] = ATOM_VAR(rename[ATOM_INDEX(old[k].in[i])]);
    rewrite_eqn(h, j, old[k]);
  }
  for (uint32_t k = 0; !rename && k < j->nout; k++)
    if (ATOM_IS_LIT(j->outs[k])) j->outs[k] = widen_lit(h->m, j->outs[k]);
}

/* When j's v is the widening of a 2-byte variable (the second convert of
 * a rounding), that variable, else UINT32_MAX. */
static uint32_t rounded_from(const ir_module *m, const ir_jaxpr *j, uint32_t v) {
  for (uint32_t k = j->neqns; k-- > 0;) {
    const ir_eqn *e = &j->eqns[k];
    if (e->nout != 1 || e->out[0] != v) continue;
    if (e->prim != P_convert_element_type || ATOM_IS_LIT(e->in[0])) return UINT32_MAX;
    return dtype_is_half(m->vars[ATOM_INDEX(e->in[0])].dtype) ? ATOM_INDEX(e->in[0]) : UINT32_MAX;
  }
  return UINT32_MAX;
}

/* The top level: its 2-byte inputs stay (the caller's buffers) and are
 * widened first; its 2-byte outputs are narrowed last. */
static void rewrite_top(half_ctx *h, ir_jaxpr *j) {
  ir_module *m = h->m;
  uint32_t *rename = malloc((m->nvars + 1u) * sizeof *rename);
  if (!rename) TJ_OOM();
  memset(rename, 0xff, (m->nvars + 1u) * sizeof *rename);
  ir_eqn *old = j->eqns;
  uint32_t n = j->neqns;
  j->eqns = NULL, j->neqns = j->capeqns = 0;
  for (uint32_t i = 0; i < j->nin; i++) {
    uint32_t v = j->invars[i];
    if (!dtype_is_half(m->vars[v].dtype) || rename[v] != UINT32_MAX) continue;
    rename[v] = new_var_like(m, v, DT_F32);
    push_convert(m, j, ATOM_VAR(v), rename[v], span_make(0, 0));
  }
  ir_eqn *entry = j->eqns;
  uint32_t nentry = j->neqns;
  j->eqns = old, j->neqns = j->capeqns = n;
  rewrite_jaxpr(h, j, rename);
  ir_eqn *body = j->eqns;
  uint32_t nbody = j->neqns;
  j->eqns = entry, j->neqns = j->capeqns = nentry;
  for (uint32_t k = 0; k < nbody; k++) ARENA_PUSH(&m->arena, j->eqns, j->neqns, j->capeqns, body[k]);
  for (uint32_t k = 0; k < j->nout; k++) {
    ir_atom a = j->outs[k];
    tj_dtype t = ATOM_IS_LIT(a) ? m->lits[ATOM_INDEX(a)].dtype : orig_dtype(h, ATOM_INDEX(a));
    if (!dtype_is_half(t) || (!ATOM_IS_LIT(a) && dtype_is_half(m->vars[ATOM_INDEX(a)].dtype))) continue;
    uint32_t narrow = ATOM_IS_LIT(a) ? UINT32_MAX : rounded_from(m, j, ATOM_INDEX(a));
    if (narrow != UINT32_MAX && m->vars[narrow].dtype == t) {
      j->outs[k] = ATOM_VAR(narrow); /* the rounding's 2-byte value itself */
      continue;
    }
    tj_aval av = ir_atom_aval(m, a);
    av.dtype = t;
    narrow = ir_new_var(m, &av);
    push_convert(m, j, ATOM_IS_LIT(a) ? widen_lit(m, a) : a, narrow, span_make(0, 0));
    j->outs[k] = ATOM_VAR(narrow);
  }
  free(rename);
}

/* A 2-byte constvar's elements as float32 (exact). */
static void widen_const(ir_module *m, ir_const *c) {
  const tj_aval *a = &m->vars[c->var];
  size_t n = ir_aval_bytes(a) / 2;
  float *f = ARENA_ARRAY(&m->arena, float, n + 1u);
  const uint16_t *src = c->data;
  for (size_t i = 0; i < n; i++) f[i] = a->dtype == DT_F16 ? tj_f16_to_f32(src[i]) : tj_bf16_to_f32(src[i]);
  c->data = f;
}

static bool has_half(const ir_module *m) {
  for (uint32_t v = 0; v < m->nvars; v++)
    if (dtype_is_half(m->vars[v].dtype)) return true;
  return false;
}

void pass_half(ir_module *m, pass_facts *f) {
  (void)f;
  if (!has_half(m)) return;
  half_ctx h = {m, malloc((m->nvars + 1u) * sizeof(tj_dtype)), m->nvars};
  if (!h.orig) TJ_OOM();
  for (uint32_t v = 0; v < m->nvars; v++) h.orig[v] = m->vars[v].dtype;
  for (uint32_t c = 0; c < m->nconsts; c++)
    if (dtype_is_half(m->vars[m->consts[c].var].dtype)) widen_const(m, &m->consts[c]);
  bool *top_in = calloc(m->nvars + 1u, sizeof *top_in);
  if (!top_in) TJ_OOM();
  for (uint32_t i = 0; i < m->top->nin; i++) top_in[m->top->invars[i]] = true;
  for (uint32_t v = 0; v < h.norig; v++)
    if (dtype_is_half(m->vars[v].dtype) && !top_in[v]) m->vars[v].dtype = DT_F32;
  free(top_in);
  uint32_t n;
  ir_jaxpr **js = pass_reachable(m, &n);
  for (uint32_t i = 0; i < n; i++)
    if (js[i] == m->top) rewrite_top(&h, js[i]);
    else rewrite_jaxpr(&h, js[i], NULL);
  free(js);
  free(h.orig);
}
