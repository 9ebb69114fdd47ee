/* Scans whose body is one step of a cumulative operation or a first-order
 * linear recurrence on one carry: cumsum/cumprod/cummax/cummin written
 * as lax.scan (c' = c op x, y = c' or y = c), and discounted returns
 * (c' = a * c + b, a and b each a constant, a literal or the step's x).
 * libtcc keeps every value of a generated loop in memory, so such a scan
 * runs several loads and stores per element on the carry's chain; the
 * call of cum_rt.c's tj_rt_scan (built with the kernels' flags) runs the
 * body's operations in its order, on its operands in their order, as a
 * compiled loop, which gives the evaluator's bits (ev_scan running the
 * body equation by equation).
 *
 * The body is read as the passes left it: a convert_element_type to the
 * dtype its operand already has (the weak type's, which the tracer
 * leaves) changes no bit and is looked through; any other equation, or a
 * carry the body reads twice, is not the pattern and the scan is
 * compiled as a loop (cg_control.c). */
#include "codegen.h"
#include "cum_rt.h"

/* The equation of body j defining atom a, or NULL (an input, a literal). */
static const ir_eqn *defining(const ir_jaxpr *j, ir_atom a) {
  if (ATOM_IS_LIT(a)) return NULL;
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t o = 0; o < j->eqns[k].nout; o++)
      if (ATOM_VAR(j->eqns[k].out[o]) == a) return &j->eqns[k];
  return NULL;
}

static bool is_noop_convert(const cg *g, const ir_eqn *e) {
  return e->prim == P_convert_element_type && e->nin == 1 && e->nout == 1 &&
         cg_aval(g, e->in[0]).dtype == g->m->vars[e->out[0]].dtype;
}

/* a with the no-op converts that made it looked through. */
static ir_atom through_converts(const cg *g, const ir_jaxpr *j, ir_atom a) {
  const ir_eqn *e;
  while ((e = defining(j, a)) && is_noop_convert(g, e)) a = e->in[0];
  return a;
}

/* What the body's step is: its kind and operand order (cum_rt.h), its
 * operands (body invars or literals: b the cumulative operand or the
 * added term, a the factor), and the ys holding the new and the old
 * carry (-1: none). */
typedef struct step {
  int kind, flags;
  ir_atom a, b;
  int y_new, y_old;
  const ir_eqn *op, *mul;
} step;

/* The body's indices of the scan's carry invar and its first x. */
static uint32_t nconsts(const ir_eqn *e) { return (uint32_t)ir_param_int(e, "num_consts", 0); }

/* Whether body atom a is the scan's const (its index in *i) or a literal. */
static bool is_const(const ir_eqn *e, const ir_jaxpr *body, ir_atom a, uint32_t *i) {
  for (*i = 0; *i < nconsts(e); ++*i)
    if (ATOM_VAR(body->invars[*i]) == a) return true;
  return ATOM_IS_LIT(a);
}

/* Equations of a coefficient computed from consts: gamma * lam, a float32
 * gamma converted to a float64 carry's dtype. */
enum { MAX_COEFFICIENT_EQNS = 8, MAX_COEFFICIENT_OPERANDS = 3 };

/* Whether body atom a is computed from the scan's consts and literals
 * alone, by at most *budget rank-0 elementwise equations: the call
 * computes it once, as every iteration of the loop would. */
static bool is_coefficient(const cg *g, const ir_eqn *e, const ir_jaxpr *body, ir_atom a, int *budget) {
  uint32_t i;
  if (is_const(e, body, a, &i)) return true;
  const ir_eqn *q = defining(body, a);
  if (!q || !(prims[q->prim].flags & PF_ELEMENTWISE) || q->nout != 1 || q->nin > MAX_COEFFICIENT_OPERANDS ||
      g->m->vars[q->out[0]].rank != 0 || --*budget < 0)
    return false;
  for (uint32_t k = 0; k < q->nin; k++)
    if (!is_coefficient(g, e, body, q->in[k], budget)) return false;
  return true;
}

/* Whether body atom a may be an operand of the step: a literal, a const
 * or an x of the body (not the carry), a scalar or of the carry's shape,
 * or a scalar coefficient computed from consts. */
static bool is_operand(const cg *g, const ir_eqn *e, const ir_jaxpr *body, ir_atom a) {
  ir_atom carry = ATOM_VAR(body->invars[nconsts(e)]);
  if (a == carry) return false;
  tj_aval av = cg_aval(g, a), ca = cg_aval(g, carry);
  if (av.dtype != ca.dtype || (av.rank != 0 && !aval_same_shape(&av, &ca))) return false;
  if (ATOM_IS_LIT(a)) return true;
  for (uint32_t i = 0; i < body->nin; i++)
    if (ATOM_VAR(body->invars[i]) == a) return true;
  int budget = MAX_COEFFICIENT_EQNS;
  return av.rank == 0 && is_coefficient(g, e, body, a, &budget);
}

/* op's operands, converts looked through: the carry and an operand, in
 * either order; sets s->b and the order flag. */
static bool carry_and_operand(const cg *g, const ir_eqn *e, const ir_jaxpr *body, const ir_eqn *op, ir_atom *other,
                              bool *operand_first) {
  if (op->nin != 2 || op->nout != 1) return false;
  ir_atom carry = ATOM_VAR(body->invars[nconsts(e)]);
  ir_atom p = through_converts(g, body, op->in[0]), q = through_converts(g, body, op->in[1]);
  if (p == carry && is_operand(g, e, body, q)) { *other = q, *operand_first = false; return true; }
  if (q == carry && is_operand(g, e, body, p)) { *other = p, *operand_first = true; return true; }
  return false;
}

/* The step computing the new carry: op(c, x) for a cumulative op, or
 * add(mul(a, c), b) in any operand order. */
static bool read_step(const cg *g, const ir_eqn *e, const ir_jaxpr *body, step *s) {
  const ir_eqn *op = defining(body, through_converts(g, body, body->outs[0]));
  if (!op) return false;
  bool first = false;
  s->op = op;
  bool add = op->prim == P_add || op->prim == P_add_any; /* add_any: a transposed scan's cotangent sum */
  int kind = add ? TJ_CUM_SUM : op->prim == P_mul ? TJ_CUM_PROD
           : op->prim == P_max ? TJ_CUM_MAX : op->prim == P_min ? TJ_CUM_MIN : -1;
  if (kind < 0) return false;
  if (carry_and_operand(g, e, body, op, &s->b, &first)) {
    s->kind = kind, s->flags = first ? TJ_SCAN_OPERAND_FIRST : 0, s->a = s->b;
    return true;
  }
  if (!add || op->nin != 2) return false;
  for (int side = 0; side < 2; side++) { /* the term a * c on either side of the add */
    const ir_eqn *mul = defining(body, through_converts(g, body, op->in[side]));
    ir_atom b = through_converts(g, body, op->in[1 - side]);
    if (!mul || mul->prim != P_mul || !is_operand(g, e, body, b) ||
        !carry_and_operand(g, e, body, mul, &s->a, &first))
      continue;
    s->kind = TJ_SCAN_LINEAR, s->b = b, s->mul = mul;
    s->flags = (side ? TJ_SCAN_OPERAND_FIRST : 0) | (first ? 0 : TJ_SCAN_CARRY_FIRST);
    return true;
  }
  return false;
}

/* Every equation is the step's, a no-op convert or a coefficient's; each
 * y is the new or the old carry, at most one of each. */
static bool read_rest(const cg *g, const ir_eqn *e, const ir_jaxpr *body, step *s) {
  for (uint32_t k = 0; k < body->neqns; k++) {
    const ir_eqn *q = &body->eqns[k];
    int budget = MAX_COEFFICIENT_EQNS;
    if (q != s->op && q != s->mul && !is_noop_convert(g, q) &&
        !(q->nout == 1 && is_coefficient(g, e, body, ATOM_VAR(q->out[0]), &budget)))
      return false;
  }
  ir_atom carry = ATOM_VAR(body->invars[nconsts(e)]), next = ATOM_VAR(s->op->out[0]);
  s->y_new = s->y_old = -1;
  for (uint32_t k = 1; k < body->nout; k++) {
    ir_atom y = through_converts(g, body, body->outs[k]);
    int *slot = y == next ? &s->y_new : y == carry ? &s->y_old : NULL;
    if (!slot || *slot >= 0) return false;
    *slot = (int)k - 1;
  }
  return true;
}

/* The C expression of coefficient a (is_coefficient): its equations'
 * rules on the texts of the consts and literals. */
static void coefficient_text(cg *g, const ir_eqn *e, const ir_jaxpr *body, ir_atom a, tj_buf *b) {
  uint32_t i;
  if (is_const(e, body, a, &i)) {
    cg_elem(g, ATOM_IS_LIT(a) ? a : e->in[i], NULL, b);
    return;
  }
  const ir_eqn *q = defining(body, a);
  tj_buf ops[MAX_COEFFICIENT_OPERANDS] = {{0}}, x = {0};
  const char *opv[MAX_COEFFICIENT_OPERANDS];
  for (uint32_t k = 0; k < q->nin; k++) {
    tj_buf t = {0};
    coefficient_text(g, e, body, q->in[k], &t);
    buf_printf(&ops[k], "(%s)", t.data);
    opv[k] = ops[k].data;
    buf_free(&t);
  }
  prims[q->prim].cg(g, q, opv, &x);
  buf_printf(b, "(%s)", x.data);
  for (uint32_t k = 0; k < q->nin; k++) buf_free(&ops[k]);
  buf_free(&x);
}

/* The C pointer of step operand a (a body atom) and its steps per
 * iteration and per carry element, into call: an x's row, a constant's
 * buffer, or the address of a scalar. */
static void put_operand(cg *g, const ir_eqn *e, const ir_jaxpr *body, ir_atom a, tj_buf *call, long long st[2]) {
  uint32_t nc = nconsts(e), i = 0;
  while (!ATOM_IS_LIT(a) && i < body->nin && ATOM_VAR(body->invars[i]) != a) i++;
  if (!ATOM_IS_LIT(a) && i == body->nin) { /* a coefficient computed from consts */
    tj_buf t = {0};
    coefficient_text(g, e, body, a, &t);
    buf_printf(call, ", &(%s){%s}", cg_type(cg_aval(g, a).dtype), t.data);
    buf_free(&t);
    st[0] = st[1] = 0;
    return;
  }
  ir_atom outer = ATOM_IS_LIT(a) ? a : e->in[i]; /* the scan's operand the body's invar reads */
  tj_aval av = cg_aval(g, a), xa = cg_aval(g, outer);
  tj_buf t = {0};
  if (xa.rank == 0) {
    cg_elem(g, outer, NULL, &t);
    buf_printf(call, ", &(%s){%s}", cg_type(av.dtype), t.data);
  } else {
    cg_ptr(g, outer, &t);
    buf_printf(call, ", %s", t.data);
  }
  buf_free(&t);
  bool per_step = !ATOM_IS_LIT(a) && i > nc; /* an x: xs[t] is a row of xa */
  st[0] = per_step ? (long long)cg_size(&av) : 0;
  st[1] = av.rank == 0 ? 0 : 1;
}

static void put_y(const ir_eqn *e, uint32_t ncarry, int y, tj_buf *call) {
  if (y < 0) buf_puts(call, ", (void *)0");
  else buf_printf(call, ", v%u", e->out[ncarry + (uint32_t)y]);
}

/* The carry's initial value into the scan's carry output, then the call. */
static void emit_step(cg *g, const ir_eqn *e, const ir_jaxpr *body, const step *s) {
  uint32_t nc = nconsts(e), carry = e->out[0];
  int64_t length = ir_param_int(e, "length", 0);
  tj_aval ca = g->m->vars[carry];
  tj_buf init = {0}, call = {0};
  static const char *const names[] = {"cumsum", "cumprod", "cummax", "cummin", "linear recurrence"};
  cg_line(g, "/* scan: a %s (cum_rt.c) */", names[s->kind]);
  if (ca.rank == 0) {
    cg_elem(g, e->in[nc], NULL, &init);
    cg_line(g, "v%u = %s;", carry, init.data);
  } else {
    cg_ptr(g, e->in[nc], &init);
    cg_line(g, "%s(v%u, %s, %lld);", cg_fn(g, "memcpy"), carry, init.data,
            (long long)(cg_size(&ca) * dtype_size(ca.dtype)));
  }
  cg_charge_iterations(g, e, length);
  long long st[4];
  buf_printf(&call, "%s(%d, %d, %d, %lld, %lld, %d, %sv%u", cg_fn(g, "tj_rt_scan"), (int)ca.dtype, s->kind, s->flags,
             (long long)length, (long long)cg_size(&ca), (int)ir_param_bool(e, "reverse", false),
             ca.rank == 0 ? "&" : "", carry);
  put_operand(g, e, body, s->a, &call, st);
  put_operand(g, e, body, s->b, &call, st + 2);
  buf_printf(&call, ", (long[]){%lld, %lld, %lld, %lld}", st[0], st[1], st[2], st[3]);
  put_y(e, 1, s->y_new, &call);
  put_y(e, 1, s->y_old, &call);
  cg_line(g, "%s);", call.data);
  buf_free(&init), buf_free(&call);
}

bool cg_scan_step(cg *g, const ir_eqn *e) {
  const ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  if (!body || ir_param_int(e, "num_carry", 0) != 1 || body->nout != e->nout || body->nin != e->nin ||
      body->nin <= nconsts(e) || body->nout < 1 || ir_param_int(e, "length", -1) < 0)
    return false;
  tj_aval ca = g->m->vars[e->out[0]];
  if (!tj_rt_scan_has(ca.dtype)) return false;
  step s = {0};
  if (!read_step(g, e, body, &s) || !read_rest(g, e, body, &s)) return false;
  emit_step(g, e, body, &s);
  return true;
}
