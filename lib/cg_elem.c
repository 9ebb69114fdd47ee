/* C rules of the elementwise primitives: the expression of one element,
 * with the reference evaluator's (XLA's) semantics exactly (eval_elem.c):
 * float32 math in float through the same libm functions, integers
 * wrapping (computed unsigned), division and shifts through the prelude's
 * helpers, NaN-propagating max/min, saturating float-to-int conversion. */
#include "codegen.h"

#include <string.h>

/* The libm function of a unary float primitive (the double name). */
static const char *unary_fn(const ir_eqn *e) {
  switch (e->prim) {
  case P_floor: return "floor";
  case P_ceil: return "ceil";
  case P_abs: return "fabs";
  case P_sin: return "sin";
  case P_cos: return "cos";
  case P_tan: return "tan";
  case P_asin: return "asin";
  case P_acos: return "acos";
  case P_atan: return "atan";
  case P_tanh: return "tanh";
  case P_exp: return "exp";
  case P_exp2: return "exp2";
  case P_log: return "log";
  case P_log1p: return "log1p";
  case P_expm1: return "expm1";
  case P_erf: return "erf";
  case P_sqrt: return "sqrt";
  case P_round: {
    const pval *m = ir_param_get(e, "rounding_method");
    return m && m->i == 1 ? "nearbyint" : "round";
  }
  default: return NULL;
  }
}

/* fn or fn + "f" for float32, marked as used. */
static const char *math_fn(cg *g, const char *fn, bool f32) {
  char name[32];
  snprintf(name, sizeof name, "%s%s", fn, f32 ? "f" : "");
  return cg_fn(g, name);
}

static const char *unsigned_of(tj_dtype t) { return dtype_size(t) == 8 ? "unsigned long long" : "unsigned"; }

static bool unary_float(cg *g, const ir_eqn *e, const char *x, tj_dtype t, tj_buf *out) {
  bool f32 = t == DT_F32;
  const char *T = cg_type(t), *one = f32 ? "1.0f" : "1.0";
  const char *fn = unary_fn(e);
  switch (e->prim) {
  /* x in parentheses: a negative literal after "-" would read as "--" */
  case P_neg: buf_printf(out, "-(%s)", x); return true;
  case P_sign: buf_printf(out, "(%s > 0 ? (%s)1 : %s < 0 ? (%s)-1 : %s)", x, T, x, T, x); return true;
  case P_rsqrt: buf_printf(out, "%s / %s(%s)", one, math_fn(g, "sqrt", f32), x); return true;
  case P_logistic: buf_printf(out, "%s / (%s + %s(-(%s)))", one, one, math_fn(g, "exp", f32), x); return true;
  case P_integer_pow: {
    const pval *y = ir_param_get(e, "y");
    buf_printf(out, "%s(%s, %lldLL)", cg_helper(g, H_IPOW, t), x, (long long)(y ? y->i : 1));
    return true;
  }
  default:
    if (!fn) return cg_fail(g, "internal error: no C rule for %s on %s", prims[e->prim].name, T);
    buf_printf(out, "%s(%s)", math_fn(g, fn, f32), x);
    return true;
  }
}

static bool unary_int(cg *g, const ir_eqn *e, const char *x, tj_dtype t, tj_buf *out) {
  const char *T = cg_type(t), *U = unsigned_of(t);
  switch (e->prim) {
  case P_neg: buf_printf(out, "(%s)(0u - (%s)%s)", T, U, x); return true;
  case P_sign: buf_printf(out, "(%s)((%s > 0) - (%s < 0))", T, x, x); return true;
  case P_abs: buf_printf(out, "(%s)(%s < 0 ? 0u - (%s)%s : (%s)%s)", T, x, U, x, U, x); return true;
  case P_not:
    if (t == DT_BOOL) buf_printf(out, "(bool)!%s", x);
    else buf_printf(out, "(%s)~%s", T, x);
    return true;
  case P_integer_pow: {
    const pval *y = ir_param_get(e, "y");
    buf_printf(out, "%s(%s, %lldLL)", cg_helper(g, H_IPOW, t), x, (long long)(y ? y->i : 1));
    return true;
  }
  default: return cg_fail(g, "internal error: no C rule for %s on %s", prims[e->prim].name, T);
  }
}

bool cg_unary(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype t = cg_aval(g, e->in[0]).dtype;
  return dtype_is_float(t) ? unary_float(g, e, ops[0], t, out) : unary_int(g, e, ops[0], t, out);
}

static const char *compare_op(int prim) {
  switch (prim) {
  case P_eq: return "==";
  case P_ne: return "!=";
  case P_lt: return "<";
  case P_le: return "<=";
  case P_gt: return ">";
  case P_ge: return ">=";
  default: return NULL;
  }
}

static bool binary_float(cg *g, const ir_eqn *e, const char *x, const char *y, tj_dtype t, tj_buf *out) {
  bool f32 = t == DT_F32;
  switch (e->prim) {
  case P_add: buf_printf(out, "%s + %s", x, y); return true;
  case P_sub: buf_printf(out, "%s - %s", x, y); return true;
  case P_mul: buf_printf(out, "%s * %s", x, y); return true;
  case P_div: buf_printf(out, "%s / %s", x, y); return true;
  case P_rem: buf_printf(out, "%s(%s, %s)", math_fn(g, "fmod", f32), x, y); return true;
  case P_pow: buf_printf(out, "%s(%s, %s)", math_fn(g, "pow", f32), x, y); return true;
  case P_atan2: buf_printf(out, "%s(%s, %s)", math_fn(g, "atan2", f32), x, y); return true;
  case P_max: buf_printf(out, "%s(%s, %s)", cg_helper(g, H_MAX, t), x, y); return true;
  case P_min: buf_printf(out, "%s(%s, %s)", cg_helper(g, H_MIN, t), x, y); return true;
  default: return cg_fail(g, "internal error: no C rule for %s on %s", prims[e->prim].name, cg_type(t));
  }
}

static bool binary_int(cg *g, const ir_eqn *e, const char *x, const char *y, tj_dtype t, tj_buf *out) {
  const char *T = cg_type(t), *U = unsigned_of(t), *op = NULL;
  enum cg_helper h = H_COUNT;
  switch (e->prim) {
  case P_add: op = "+"; break;
  case P_sub: op = "-"; break;
  case P_mul: op = "*"; break;
  case P_and: buf_printf(out, "(%s)(%s & %s)", T, x, y); return true;
  case P_or: buf_printf(out, "(%s)(%s | %s)", T, x, y); return true;
  case P_xor: buf_printf(out, "(%s)(%s ^ %s)", T, x, y); return true;
  case P_div: h = H_DIV; break;
  case P_rem: h = H_REM; break;
  case P_max: h = H_MAX; break;
  case P_min: h = H_MIN; break;
  case P_shift_left: h = H_SHL; break;
  case P_shift_right_arithmetic: h = H_SHRA; break;
  case P_shift_right_logical: h = H_SHRL; break;
  default: return cg_fail(g, "internal error: no C rule for %s on %s", prims[e->prim].name, T);
  }
  if (op) buf_printf(out, "(%s)((%s)%s %s (%s)%s)", T, U, x, op, U, y);
  else buf_printf(out, "%s(%s, %s)", cg_helper(g, h, t), x, y);
  return true;
}

bool cg_binary(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype t = cg_aval(g, e->in[0]).dtype;
  if (prims[e->prim].flags & PF_COMPARE) {
    const char *op = compare_op(e->prim);
    if (!op) return cg_fail(g, "internal error: no C rule for %s on %s", prims[e->prim].name, cg_type(t));
    buf_printf(out, "(bool)(%s %s %s)", ops[0], op, ops[1]);
    return true;
  }
  return dtype_is_float(t) ? binary_float(g, e, ops[0], ops[1], t, out)
                           : binary_int(g, e, ops[0], ops[1], t, out);
}

bool cg_convert(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype from = cg_aval(g, e->in[0]).dtype, to = g->m->vars[e->out[0]].dtype;
  if (to == DT_BOOL) buf_printf(out, "(bool)(%s != 0)", ops[0]);
  else if (dtype_is_float(from) && !dtype_is_float(to)) buf_printf(out, "%s(%s)", cg_helper(g, H_F2I, to), ops[0]);
  else buf_printf(out, "(%s)%s", cg_type(to), ops[0]);
  return true;
}

/* select_n(which, *cases): a which outside [0, n) picks the nearest end. */
bool cg_select_n(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  uint32_t n = e->nin - 1;
  (void)g;
  if (n == 1) { buf_puts(out, ops[1]); return true; }
  for (uint32_t k = 0; k + 1 < n; k++) buf_printf(out, "%s < %u ? %s : ", ops[0], k + 1, ops[1 + k]);
  buf_puts(out, ops[n]);
  return true;
}

/* clamp(lo, x, hi) = min(max(x, lo), hi). */
bool cg_clamp(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype t = g->m->vars[e->out[0]].dtype;
  buf_printf(out, "%s(%s(%s, %s), %s)", cg_helper(g, H_MIN, t), cg_helper(g, H_MAX, t), ops[1], ops[0], ops[2]);
  return true;
}
