/* The tracer's expressions: static folding (Python arithmetic, C integer
 * division), jnp-style promotion of dtypes and ranks, and equations for
 * traced operands. */
#include "half.h"
#include "ir_build.h"
#include "limits.h"
#include "prims.h"
#include "trace.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tj_aval value_aval(tracer *t, const value *v) {
  switch (v->kind) {
  case V_TRACED: return t->m->vars[v->var];
  case V_BOOL: return aval_scalar(DT_BOOL, false);
  case V_INT: case V_FLOAT:
    if (v->strong) return aval_scalar(v->dtype, false); /* a numpy scalar */
    return aval_scalar(v->kind == V_FLOAT ? DT_F32 : DT_I32, true);
  default: return aval_scalar(DT_I32, true);
  }
}

bool to_atom(tracer *t, const value *v, tj_dtype dt, bool weak, tj_span span, ir_atom *out) {
  if (v->kind == V_TRACED) { *out = ATOM_VAR(v->var); return true; }
  t->literal_prov |= v->prov;
  note_use(t, v->prov, USE_LITERAL);
  ir_lit lit = {.dtype = dt, .weak = weak};
  double f = v->kind == V_FLOAT ? v->f : (double)v->i;
  if (dtype_is_float(dt)) lit.f = tj_round_to_float(dt, f);
  else if (dt == DT_BOOL) lit.i = f != 0;
  else if (v->kind == V_FLOAT) {
    if (!(fabs(f) < 9.2e18)) return tracer_error(t, span, "OverflowError: cannot convert float %g to %s", f, dtype_long(dt));
    lit.i = (int64_t)f;
  } else if (!dtype_int_fits(v->i, dt))
    return tracer_error(t, span, "OverflowError: Python int %lld too large to convert to %s",
                        (long long)v->i, dtype_long(dt));
  else lit.i = v->i;
  *out = ir_new_lit(t->m, &lit);
  return true;
}

static bool room_for_eqn(tracer *t, tj_span span) {
  if (t->neqns < TJ_MAX_EQNS) return true;
  return tracer_error(t, span, "too many equations (limit is %d) in function '%s'", TJ_MAX_EQNS,
                      name_str(t->prog->names, t->entry->name));
}

/* The equation through the builder (ir_build.h), its operands first taken
 * to the current level (outer variables captured), within the trace's
 * equation budget; the rule's type errors go to the tracer's diagnostics. */
static ir_eqn *emit_eqn(tracer *t, const ir_eqn_desc *desc) {
  if (!room_for_eqn(t, desc->span)) return NULL;
  ir_atom small[16], *in = desc->nin <= 16 ? small : malloc(sizeof *in * desc->nin);
  if (!in) TJ_OOM();
  for (uint32_t i = 0; i < desc->nin; i++)
    in[i] = ATOM_IS_LIT(desc->in[i]) ? desc->in[i] : frame_atom(t, ATOM_INDEX(desc->in[i]));
  ir_eqn_desc here = *desc;
  here.in = in;
  ir_eqn *e = ir_build(t->m, t->jaxpr, &here, t->diags);
  if (in != small) free(in);
  if (e) t->neqns++;
  return e;
}

bool emit(tracer *t, int prim, const ir_atom *ins, int nin, const tj_aval *hint,
          const ir_param *params, int nparams, tj_span span, value *out) {
  ir_eqn_desc desc = {.prim = prim, .in = ins, .nin = (uint32_t)nin, .params = params,
                      .nparams = (uint16_t)nparams, .nout = 1, .hint = hint, .span = span};
  ir_eqn *e = emit_eqn(t, &desc);
  if (!e) return false;
  *out = value_traced(e->out[0]);
  return true;
}

bool emit_n(tracer *t, int prim, const ir_atom *ins, int nin, int nout, const ir_param *params,
            int nparams, tj_span span, uint32_t *outs) {
  ir_eqn_desc desc = {.prim = prim, .in = ins, .nin = (uint32_t)nin, .params = params,
                      .nparams = (uint16_t)nparams, .nout = (uint32_t)nout, .span = span};
  ir_eqn *e = emit_eqn(t, &desc);
  if (!e) return false;
  if (nout) memcpy(outs, e->out, sizeof *outs * (size_t)nout);
  return true;
}

bool convert(tracer *t, value *v, tj_dtype dt, bool weak, tj_span span) {
  if (v->kind != V_TRACED) return true;
  tj_aval a = t->m->vars[v->var];
  if (a.dtype == dt && a.weak == weak) return true;
  if (a.dtype == DT_KEY || dt == DT_KEY) /* a PRNG key is on no promotion path (dtypes.py _least_upper_bound) */
    return tracer_error(t, span, "ValueError: dtype=key<fry> is not a valid dtype for JAX type promotion.");
  ir_param ps[2] = {{"new_dtype", pv_dtype(t->m, dt)}, {"weak_type", pv_bool(t->m, weak)}};
  ir_atom in = ATOM_VAR(v->var);
  return emit(t, P_convert_element_type, &in, 1, NULL, ps, 2, span, v);
}

bool emit_slice(tracer *t, ir_atom in, int rank, const int64_t *start, const int64_t *limit, const int64_t *strides,
                tj_span span, value *out) {
  ir_param ps[3] = {{"start_indices", pv_ints(t->m, PV_TUPLE, start, rank)},
                    {"limit_indices", pv_ints(t->m, PV_TUPLE, limit, rank)},
                    {"strides", strides ? pv_ints(t->m, PV_TUPLE, strides, rank) : pv_none(t->m)}};
  return emit(t, P_slice, &in, 1, NULL, ps, 3, span, out);
}

bool emit_slice_in_dim(tracer *t, ir_atom in, const tj_aval *a, int axis, int64_t lo, int64_t hi, bool strides_none,
                       tj_span span, value *out) {
  int64_t start[TJ_MAX_RANK] = {0}, limit[TJ_MAX_RANK], strides[TJ_MAX_RANK];
  for (int d = 0; d < a->rank; d++) limit[d] = a->dims[d], strides[d] = 1;
  start[axis] = lo, limit[axis] = hi;
  return emit_slice(t, in, a->rank, start, limit, strides_none ? NULL : strides, span, out);
}

void values_result_type(tracer *t, const value *vals, int n, tj_dtype *dt, bool *weak) {
  tj_aval a = value_aval(t, &vals[0]);
  *dt = a.dtype;
  *weak = a.weak;
  for (int i = 1; i < n; i++) {
    tj_aval b = value_aval(t, &vals[i]);
    *dt = dtype_promote(*dt, *weak, b.dtype, b.weak, weak);
  }
}

static bool check_operand(tracer *t, const value *v, tj_span span) {
  if (v->kind == V_TRACED || value_is_number(v)) return true;
  return tracer_error(t, span, "TypeError: a %s cannot be an operand of an array operation", value_type_name(v));
}

/* dtypes.py lattice_result_type: float0 is no node of the promotion
 * lattice, so _least_upper_bound raises for it unless every operand has
 * the same dtype (the trivial case; float0 is never weak). */
static bool float0_unpromotable(tracer *t, const value *vals, int n, tj_span span) {
  bool any = false, mixed = false;
  for (int i = 0; i < n; i++) {
    tj_dtype d = value_aval(t, &vals[i]).dtype;
    any |= d == DT_FLOAT0;
    mixed |= d != value_aval(t, &vals[0]).dtype;
  }
  if (!any || !mixed) return false;
  tracer_error(t, span, "ValueError: dtype=dtype([('float0', 'V')]) is not a valid dtype for JAX type promotion.");
  return true;
}

bool promote_values(tracer *t, value *vals, int n, tj_span span, tj_dtype *dt, bool *weak) {
  for (int i = 0; i < n; i++)
    if (!check_operand(t, &vals[i], span)) return false;
  if (float0_unpromotable(t, vals, n, span)) return false;
  values_result_type(t, vals, n, dt, weak);
  for (int i = 0; i < n; i++)
    if (!convert(t, &vals[i], *dt, *weak, span)) return false;
  return true;
}

/* lax.broadcast_shapes over the rank-padded shapes, as _promote_shapes
 * calls it before padding. */
static bool ranks_broadcast(tracer *t, value *vals, int n, int rank, tj_span span) {
  tj_aval acc = value_aval(t, &vals[0]);
  bool ok = true;
  for (int i = 1; i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]);
    ok = ok && shape_broadcast(&acc, &a, &acc);
  }
  if (ok) return true;
  tj_buf b = {0};
  for (int i = 0; i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]);
    buf_puts(&b, i ? ", (" : "(");
    for (int d = 0; d < rank; d++) {
      int lead = rank - a.rank;
      buf_printf(&b, "%s%lld", d ? ", " : "", (long long)(d < lead ? 1 : a.dims[d - lead]));
    }
    buf_puts(&b, rank == 1 ? ",)" : ")");
  }
  tracer_error(t, span, "TypeError: broadcast_shapes got incompatible shapes for broadcasting: %s.", b.data);
  buf_free(&b);
  return false;
}

/* jnp's _promote_shapes: when operands of two different nonzero ranks meet,
 * every operand gets leading 1-sized dimensions (lax.broadcast_to_rank). */
bool promote_ranks(tracer *t, value *vals, int n, tj_dtype dt, bool weak, tj_span span) {
  int rank = 0, first_rank = -1;
  bool mixed = false;
  for (int i = 0; i < n; i++) {
    int r = value_aval(t, &vals[i]).rank;
    if (r > rank) rank = r;
    if (r && first_rank < 0) first_rank = r;
    else if (r && r != first_rank) mixed = true;
  }
  if (mixed && !ranks_broadcast(t, vals, n, rank, span)) return false;
  for (int i = 0; mixed && i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]);
    if (a.rank == rank) continue;
    ir_atom in;
    if (!to_atom(t, &vals[i], dt, weak, span, &in)) return false;
    tj_aval out = value_aval(t, &vals[i]);
    int lead = rank - a.rank;
    int64_t bdims[TJ_MAX_RANK];
    for (int d = 0; d < rank; d++) out.dims[d] = d < lead ? 1 : a.dims[d - lead];
    for (int d = 0; d < a.rank; d++) bdims[d] = lead + d;
    out.rank = (uint8_t)rank;
    ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, bdims, a.rank)};
    if (!emit(t, P_broadcast_in_dim, &in, 1, &out, &p, a.rank > 0, span, &vals[i])) return false;
  }
  return true;
}

bool apply_binary(tracer *t, int prim, value a, value b, tj_span span, value *out) {
  value v[2] = {a, b};
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, v, 2, span, &dt, &weak) || !promote_ranks(t, v, 2, dt, weak, span)) return false;
  ir_atom in[2];
  if (!to_atom(t, &v[0], dt, weak, span, &in[0]) || !to_atom(t, &v[1], dt, weak, span, &in[1]))
    return false;
  return emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

/* ---- static folding (Python semantics, C integer division; Python's %) ---- */

static bool fold_error(tracer *t, ast_op op, const value *a, const value *b, tj_span span) {
  return tracer_error(t, span, "TypeError: unsupported operand type(s) for %s: '%s' and '%s'",
                      op_text(op), value_type_name(a), value_type_name(b));
}

static bool fold_compare(ast_op op, int c, value *out) {
  bool r = op == OP_EQ ? c == 0 : op == OP_NE ? c != 0 : op == OP_LT ? c < 0
         : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0;
  *out = value_bool(r);
  return true;
}

/* Python's float ** (floatobject.c float_pow): a zero base with a negative
 * exponent raises; a negative base with a fractional exponent is complex
 * in Python, a type tjit lacks. */
static bool fold_float_pow(tracer *t, double x, double y, tj_span span, value *out) {
  if (x == 0 && y < 0) return tracer_error(t, span, "ZeroDivisionError: 0.0 cannot be raised to a negative power");
  if (x < 0 && isfinite(x) && isfinite(y) && y != floor(y))
    return tracer_error(t, span, "TypeError: (%g) ** %g is a complex number, which tjit has no dtype for", x, y);
  *out = value_float(pow(x, y));
  return true;
}

/* Python's int ** int: exact for a nonnegative exponent, a float otherwise. */
static bool fold_int_pow(tracer *t, int64_t x, int64_t y, tj_span span, value *out) {
  if (y < 0) return fold_float_pow(t, (double)x, (double)y, span, out);
  int64_t r = 1;
  for (; y; y >>= 1) {
    if ((y & 1) && __builtin_mul_overflow(r, x, &r)) break;
    if (y > 1 && __builtin_mul_overflow(x, x, &x)) break;
  }
  if (y) return tracer_error(t, span, "OverflowError: static integer arithmetic overflows 64 bits");
  *out = value_int(r);
  return true;
}

static bool fold_float(tracer *t, ast_op op, double x, double y, tj_span span, value *out) {
  switch (op) {
  case OP_ADD: *out = value_float(x + y); return true;
  case OP_SUB: *out = value_float(x - y); return true;
  case OP_MUL: *out = value_float(x * y); return true;
  case OP_DIV:
    if (y == 0) return tracer_error(t, span, "ZeroDivisionError: float division by zero");
    *out = value_float(x / y);
    return true;
  case OP_MOD: /* Python's float modulo (floatobject.c float_rem): the divisor's sign */
    if (y == 0) return tracer_error(t, span, "ZeroDivisionError: float modulo");
    *out = value_float(fmod(x, y));
    if (out->f != 0 && (out->f < 0) != (y < 0)) out->f += y;
    else if (out->f == 0) out->f = copysign(0.0, y);
    return true;
  case OP_POW: return fold_float_pow(t, x, y, span, out);
  case OP_EQ: *out = value_bool(x == y); return true;
  case OP_NE: *out = value_bool(x != y); return true;
  case OP_LT: *out = value_bool(x < y); return true;
  case OP_LE: *out = value_bool(x <= y); return true;
  case OP_GT: *out = value_bool(x > y); return true;
  case OP_GE: *out = value_bool(x >= y); return true;
  default: return tracer_error(t, span, "TypeError: unsupported operand type(s) for %s: 'float'", op_text(op));
  }
}

static bool fold_int(tracer *t, ast_op op, int64_t x, int64_t y, tj_span span, value *out) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
  case OP_ADD: overflow = __builtin_add_overflow(x, y, &r); break;
  case OP_SUB: overflow = __builtin_sub_overflow(x, y, &r); break;
  case OP_MUL: overflow = __builtin_mul_overflow(x, y, &r); break;
  case OP_DIV:
    if (y == 0) return tracer_error(t, span, "ZeroDivisionError: integer division or modulo by zero");
    overflow = x == INT64_MIN && y == -1;
    r = overflow ? 0 : x / y;
    break;
  case OP_MOD: /* Python's: the result has the divisor's sign */
    if (y == 0) return tracer_error(t, span, "ZeroDivisionError: integer modulo by zero");
    r = y == -1 ? 0 : x % y;
    if (r != 0 && (r < 0) != (y < 0)) r += y;
    break;
  case OP_POW: return fold_int_pow(t, x, y, span, out);
  case OP_BITAND: r = x & y; break;
  case OP_BITOR: r = x | y; break;
  case OP_BITXOR: r = x ^ y; break;
  case OP_SHL: case OP_SHR:
    if (y < 0) return tracer_error(t, span, "ValueError: negative shift count");
    if (op == OP_SHR) { r = y >= 64 ? (x < 0 ? -1 : 0) : x >> y; break; }
    overflow = y >= 63 ? x != 0 : (x > (INT64_MAX >> y) || x < (INT64_MIN >> y));
    if (!overflow) r = (int64_t)((uint64_t)x << y);
    break;
  default: return fold_compare(op, x < y ? -1 : x > y, out);
  }
  if (overflow)
    return tracer_error(t, span, "OverflowError: static integer arithmetic overflows 64 bits");
  *out = value_int(r);
  return true;
}

/* The dtype of a static result with a strongly typed operand: a numpy
 * scalar of the promoted dtype (np.float32(0.1) * 3 is an np.float32);
 * false when the result stays a Python number. */
static bool fold_strong_dtype(tracer *t, const value *a, const value *b, tj_dtype *dt) {
  if (!a->strong && !b->strong) return false;
  tj_aval x = value_aval(t, a), y = value_aval(t, b);
  bool weak;
  *dt = dtype_promote(x.dtype, x.weak, y.dtype, y.weak, &weak);
  return !weak && *dt != DT_BOOL;
}

/* The operand as the promoted dtype holds it (NEP 50: a Python float
 * meeting an np.float32 is made a float32 first). */
static value fold_operand(const value *v, tj_dtype dt) {
  if (dt != DT_F32 || v->kind == V_BOOL) return *v;
  value r = *v;
  r.kind = V_FLOAT;
  r.f = (double)(float)(v->kind == V_FLOAT ? v->f : (double)v->i);
  return r;
}

/* Rounds a static result to the strong dtype dt and marks it so. */
static void fold_dtype(value *out, tj_dtype dt) {
  if (out->kind != V_INT && out->kind != V_FLOAT) return;
  if (dtype_is_float(dt)) {
    double f = out->kind == V_FLOAT ? out->f : (double)out->i;
    *out = value_float(tj_round_to_float(dt, f));
  } else if (out->kind == V_INT)
    out->i = dtype_wrap_int(out->i, dt); /* numpy's scalar arithmetic wraps (with a RuntimeWarning) */
  *out = value_strong(*out, dt);
}

static bool fold_numbers(tracer *t, ast_op op, const value *a, const value *b, tj_span span, value *out) {
  bool is_float = a->kind == V_FLOAT || b->kind == V_FLOAT;
  bool bitwise = op == OP_BITAND || op == OP_BITOR || op == OP_BITXOR || op == OP_SHL || op == OP_SHR;
  if ((is_float && bitwise) || op == OP_MATMUL) return fold_error(t, op, a, b, span);
  if (is_float)
    return fold_float(t, op, a->kind == V_FLOAT ? a->f : (double)a->i,
                      b->kind == V_FLOAT ? b->f : (double)b->i, span, out);
  if (!fold_int(t, op, a->i, b->i, span, out)) return false;
  if (a->kind == V_BOOL && b->kind == V_BOOL && out->kind == V_INT &&
      (op == OP_BITAND || op == OP_BITOR || op == OP_BITXOR))
    *out = value_bool(out->i);
  return true;
}

static bool fold_binary(tracer *t, ast_op op, const value *a, const value *b, tj_span span, value *out) {
  if (value_is_number(a) && value_is_number(b)) {
    tj_dtype dt;
    if (!fold_strong_dtype(t, a, b, &dt)) return fold_numbers(t, op, a, b, span, out);
    for (const value *v = a; v; v = v == a ? b : NULL) /* NEP 50: the Python int becomes a dt first */
      if (!v->strong && v->kind == V_INT && dtype_is_int(dt) && !dtype_int_fits(v->i, dt))
        return tracer_error(t, span, "OverflowError: Python integer %lld out of bounds for %s", (long long)v->i,
                            dtype_long(dt));
    if (op == OP_POW && dtype_is_int(dt) && b->kind != V_FLOAT && b->i < 0)
      return tracer_error(t, span, "ValueError: Integers to negative integer powers are not allowed.");
    value x = fold_operand(a, dt), y = fold_operand(b, dt);
    if (!fold_numbers(t, op, &x, &y, span, out)) return false;
    fold_dtype(out, dt);
    return true;
  }
  if ((op == OP_EQ || op == OP_NE) && a->kind != V_TRACED && b->kind != V_TRACED) {
    bool eq = value_equal(a, b);
    *out = value_bool(op == OP_EQ ? eq : !eq);
    return true;
  }
  if (a->kind == V_STR && b->kind == V_STR && op >= OP_LT && op <= OP_GE) {
    uint32_t n = a->slen < b->slen ? a->slen : b->slen;
    int c = memcmp(a->s, b->s, n);
    return fold_compare(op, c ? c : (a->slen > b->slen) - (a->slen < b->slen), out);
  }
  return fold_error(t, op, a, b, span);
}

static int binary_prim(tracer *t, ast_op op, const value *a, const value *b) {
  switch (op) {
  case OP_ADD: return P_add;
  case OP_SUB: return P_sub;
  case OP_MUL: return P_mul;
  case OP_DIV: return P_div;
  case OP_BITAND: return P_and;
  case OP_BITOR: return P_or;
  case OP_BITXOR: return P_xor;
  case OP_SHL: return P_shift_left;
  case OP_SHR: {
    tj_aval x = value_aval(t, a), y = value_aval(t, b);
    bool unsig = dtype_kindof(x.dtype) == DK_UNSIGNED || dtype_kindof(y.dtype) == DK_UNSIGNED;
    return unsig ? P_shift_right_logical : P_shift_right_arithmetic;
  }
  case OP_EQ: return P_eq;
  case OP_NE: return P_ne;
  case OP_LT: return P_lt;
  case OP_LE: return P_le;
  case OP_GT: return P_gt;
  case OP_GE: return P_ge;
  default: return -1;
  }
}

static bool binary(tracer *t, ast_op op, value a, value b, tj_span span, value *out) {
  if (a.kind != V_TRACED && b.kind != V_TRACED) {
    if (!fold_binary(t, op, &a, &b, span, out)) return false;
    out->prov = a.prov | b.prov;
    return true;
  }
  switch (op) { /* jax.Array's __mod__, __pow__, __matmul__ (array_methods.py) */
  case OP_MOD: return trace_remainder(t, a, b, span, out);
  case OP_POW: return trace_power(t, a, b, span, out);
  case OP_MATMUL: return call_builtin_values(t, "matmul", (value[2]){a, b}, 2, span, out);
  default: return apply_binary(t, binary_prim(t, op, &a, &b), a, b, span, out);
  }
}

bool binary_op(tracer *t, ast_op op, value a, value b, tj_span span, value *out) {
  return binary(t, op, a, b, span, out);
}

/* && and || need concrete operands (Python's `and` calls bool()). */
static bool eval_logical(tracer *t, scope *s, node *n, value *out) {
  static const char *fix = "combine traced conditions elementwise with & and |, or select with where()";
  bool l, r;
  uint64_t lp, rp;
  if (!eval_truth(t, s, n->lhs, fix, &l, &lp)) return false;
  *out = value_bool(l);
  out->prov = lp;
  if ((n->op == OP_LOGAND && !l) || (n->op == OP_LOGOR && l)) return true;
  if (!eval_truth(t, s, n->rhs, fix, &r, &rp)) return false;
  *out = value_bool(r);
  out->prov = lp | rp;
  return true;
}

/* Python's unary operators on a static value. */
static bool unary_static(tracer *t, ast_op op, value v, tj_span span, value *out) {
  if (op == OP_NOT) { *out = value_bool(!value_truthy(&v)); return true; }
  if (!value_is_number(&v))
    return tracer_error(t, span, "TypeError: bad operand type for unary %s: '%s'", op_text(op), value_type_name(&v));
  if (op == OP_BITNOT && v.kind == V_FLOAT)
    return tracer_error(t, span, "TypeError: bad operand type for unary ~: 'float'");
  if (v.kind == V_FLOAT) *out = value_float(op == OP_NEG ? -v.f : v.f);
  else if (op == OP_NEG && v.i == INT64_MIN)
    return tracer_error(t, span, "OverflowError: static integer arithmetic overflows 64 bits");
  else *out = value_int(op == OP_NEG ? -v.i : op == OP_BITNOT ? ~v.i : v.i);
  if (v.strong && out->kind == V_INT) out->i = dtype_wrap_int(out->i, v.dtype); /* -np.uint8(2) is 254 */
  if (v.strong) *out = value_strong(*out, v.dtype);
  return true;
}

static bool unary(tracer *t, ast_op op, value v, tj_span span, value *out) {
  if (v.kind != V_TRACED) {
    if (!unary_static(t, op, v, span, out)) return false;
    out->prov = v.prov;
    return true;
  }
  ir_atom in = ATOM_VAR(v.var);
  tj_aval a = t->m->vars[v.var];
  switch (op) {
  case OP_PLUS: *out = v; return true;
  case OP_NEG: return emit(t, P_neg, &in, 1, NULL, NULL, 0, span, out);
  case OP_BITNOT: return emit(t, P_not, &in, 1, NULL, NULL, 0, span, out);
  case OP_NOT: /* logical not: jnp.logical_not compares non-bools with 0 */
    if (a.dtype != DT_BOOL && !apply_binary(t, P_ne, v, value_int(0), span, &v)) return false;
    in = ATOM_VAR(v.var);
    return emit(t, P_not, &in, 1, NULL, NULL, 0, span, out);
  default: TJ_BUG("unary: not a unary operator");
  }
}

bool eval_condition(tracer *t, scope *s, node *n, const char *fix, bool *truth, bool *is_traced, value *pred) {
  value v;
  if (!eval(t, s, n, &v)) return false;
  *is_traced = v.kind == V_TRACED;
  if (!*is_traced) note_use(t, v.prov, USE_CONTROL);
  if (!*is_traced) *truth = value_truthy(&v);
  else if (!t->autograph) return concretization_error(t, ERR_BOOL, &v, n->span, fix);
  *pred = v;
  return true;
}

bool eval_truth(tracer *t, scope *s, node *n, const char *fix, bool *out, uint64_t *prov) {
  value v;
  if (!eval(t, s, n, &v)) return false;
  if (v.kind == V_TRACED) return concretization_error(t, ERR_BOOL, &v, n->span, fix);
  note_use(t, v.prov, USE_CONTROL);
  *out = value_truthy(&v);
  *prov = v.prov;
  return true;
}

static bool assign(tracer *t, scope *s, node *target, value v) {
  if (target->kind != ND_IDENT)
    return tracer_error(t, target->span, "only a variable can be assigned to here");
  value *slot = scope_lookup(s, target->name);
  if (!slot)
    return tracer_error(t, target->span, "assignment to undeclared variable '%s'",
                        name_str(t->prog->names, target->name));
  *slot = v;
  return true;
}

static bool eval_assign(tracer *t, scope *s, node *n, value *out) {
  value rhs, cur;
  if (n->lhs->kind == ND_INDEX) return index_assign(t, s, n->lhs, n->op, n->rhs, out);
  if (!eval(t, s, n->rhs, &rhs)) return false;
  if (n->op != OP_ASSIGN) {
    if (!eval(t, s, n->lhs, &cur) || !binary(t, n->op, cur, rhs, n->span, &rhs)) return false;
  }
  *out = rhs;
  return assign(t, s, n->lhs, rhs);
}

static bool eval_incdec(tracer *t, scope *s, node *n, value *out) {
  value cur, next;
  bool inc = n->op == OP_PREINC || n->op == OP_POSTINC;
  if (!eval(t, s, n->lhs, &cur) || !binary(t, inc ? OP_ADD : OP_SUB, cur, value_int(1), n->span, &next))
    return false;
  *out = n->op == OP_PREINC || n->op == OP_PREDEC ? next : cur;
  return assign(t, s, n->lhs, next);
}

static bool eval_member(tracer *t, scope *s, node *n, value *out) {
  value v;
  if (!eval(t, s, n->lhs, &v)) return false;
  const char *field = name_str(t->prog->names, n->name);
  if (v.kind == V_MAP) return dict_member(t, n, &v, out);
  if (v.kind != V_TRACED && !value_is_number(&v))
    return tracer_error(t, n->op_span, "AttributeError: '%s' object has no attribute '%s'", value_type_name(&v), field);
  bool found;
  if (v.kind == V_TRACED && !array_property(t, field, v, n->span, &found, out)) return false;
  if (v.kind == V_TRACED && found) return true;
  tj_aval a = value_aval(t, &v);
  if (strcmp(field, "ndim") == 0) *out = value_int(a.rank);
  else if (strcmp(field, "size") == 0) *out = value_int(aval_size(&a));
  else if (strcmp(field, "dtype") == 0) *out = (value){.kind = V_DTYPE, .dtype = a.dtype};
  else if (strcmp(field, "shape") == 0) {
    *out = (value){.kind = V_TUPLE, .n = a.rank};
    out->items = ARENA_ARRAY(&t->scratch, value, a.rank ? a.rank : 1);
    for (int i = 0; i < a.rank; i++) out->items[i] = value_int(a.dims[i]);
  } else
    return tracer_error(t, n->op_span, "AttributeError: array has no attribute '%s' (it has shape, ndim, dtype, size, T, mT)", field);
  return true;
}

static bool eval_index(tracer *t, scope *s, node *n, value *out) {
  value base;
  if (!eval(t, s, n->lhs, &base)) return false;
  if (base.kind == V_TRACED) return index_traced(t, s, n, base, out);
  return index_static(t, s, n, base, out);
}

/* A static number as a numpy scalar of dtype dt (np.float32(1.0)):
 * converted, range-checked, and strongly typed, so it meets traced values
 * as a literal of its own dtype without a weak type. */
bool cast_static(tracer *t, value *v, tj_dtype dt, tj_span span) {
  if (dt == DT_FLOAT0) return tracer_error(t, span, FLOAT0_NOT_MADE);
  if (!value_is_number(v))
    return tracer_error(t, span, "TypeError: cannot cast a %s to %s", value_type_name(v), dtype_long(dt));
  uint64_t prov = v->prov;
  double f = v->kind == V_FLOAT ? v->f : (double)v->i;
  if (dtype_is_float(dt)) *v = value_float(tj_round_to_float(dt, f));
  else if (dt == DT_BOOL) *v = value_bool(f != 0);
  else {
    int64_t i = v->kind == V_FLOAT ? (fabs(f) < 9.2e18 ? (int64_t)f : 0) : v->i;
    if ((v->kind == V_FLOAT && !(fabs(f) < 9.2e18)) || !dtype_int_fits(i, dt))
      return tracer_error(t, span, "OverflowError: value does not fit in %s", dtype_long(dt));
    *v = value_int(i);
  }
  *v = value_strong(*v, dt);
  v->prov = prov;
  return true;
}

static bool eval_cast(tracer *t, scope *s, node *n, value *out) {
  if (!eval(t, s, n->lhs, out)) return false;
  tj_dtype dt = n->type.dtype;
  if (n->type.rank >= 0) return tracer_error(t, n->type.span, "a cast names a dtype, not a shape");
  if (out->kind == V_TRACED) return convert(t, out, dt, false, n->span);
  return cast_static(t, out, dt, n->span);
}

/* An unknown name: "did you mean" among the variables in scope (innermost
 * first, as lookup finds them) and the source's functions, then for a call
 * the builtins, for a value the dtype names. Returns false. */
static bool hint_name(tracer *t, scope *s, name_id name, bool call) {
  const char *word = name_str(t->prog->names, name);
  tj_suggest sg = suggest_start(word, strlen(word));
  for (scope *c = s; c; c = c->parent)
    for (int i = c->n - 1; i >= 0; i--)
      if (!call || c->vals[i].kind == V_FUNC) suggest_offer(&sg, name_str(t->prog->names, c->names[i]));
  for (int i = 0; i < t->prog->nfuncs; i++) suggest_offer(&sg, name_str(t->prog->names, t->prog->funcs[i]->name));
  if (call) builtin_suggest(&sg);
  else dtype_suggest(&sg);
  if (sg.best) diag_hint(t->diags, "did you mean '%s'?", sg.best);
  return false;
}

/* `float(x)`: C's type names cast as (float)x; called, the dtype's own
 * name converts (f32(x), as jnp.float32(x)). */
static bool undefined_function(tracer *t, scope *s, node *n) {
  const char *name = name_str(t->prog->names, n->name);
  tracer_error(t, n->op_span, "call to undefined function '%s'", name);
  tj_dtype dt;
  if (dtype_parse(name, (uint32_t)strlen(name), &dt))
    diag_hint(t->diags, "did you mean '%s'? (or the cast (%s)x)", dt == DT_BOOL ? "bool_" : dtype_short(dt), name);
  else
    hint_name(t, s, n->name, true);
  return false;
}

static bool eval_call(tracer *t, scope *s, node *n, value *out) {
  bool found;
  if (!index_at_call(t, s, n, &found, out)) return false;
  if (found) return true;
  if (!call_builtin(t, s, n, &found, out)) return false;
  if (found) return true;
  if (n->lhs) {
    value v;
    if (!eval(t, s, n->lhs, &v)) return false;
    return tracer_error(t, n->op_span, "AttributeError: '%s' object has no attribute '%s'",
                        v.kind == V_TRACED ? "Array" : value_type_name(&v), name_str(t->prog->names, n->name));
  }
  value *fv = scope_lookup(s, n->name);
  if (fv && fv->kind != V_FUNC)
    return tracer_error(t, n->op_span, "TypeError: '%s' object is not callable", value_type_name(fv));
  if (fv && fv->ad) return call_value_node(t, s, fv, n, out);
  ast_func *f = fv ? fv->func : ast_find_func(t->prog, n->name);
  if (!f && strcmp(name_str(t->prog->names, n->name), "dict") == 0) return eval_dict_call(t, s, n, out);
  if (!f) return undefined_function(t, s, n);
  value *args = ARENA_ARRAY(&t->scratch, value, f->nparams ? f->nparams : 1);
  if (!bind_user_args(t, s, f, fv ? fv->closure : NULL, n, args)) return false;
  if (f->is_jit) return call_jit(t, f, fv ? fv->closure : NULL, n, args, f->nparams, out);
  return call_user(t, f, fv ? fv->closure : NULL, n, args, f->nparams, out);
}

/* `grad(f)(x)`: a call of the function value an expression gives. */
static bool eval_apply(tracer *t, scope *s, node *n, value *out) {
  value fv;
  if (!eval(t, s, n->lhs, &fv)) return false;
  if (fv.kind != V_FUNC)
    return tracer_error(t, n->op_span, "TypeError: '%s' object is not callable",
                        fv.kind == V_TRACED ? "DynamicJaxprTracer" : value_type_name(&fv));
  return call_value_node(t, s, &fv, n, out);
}

bool call_value_node(tracer *t, scope *s, const value *fv, node *n, value *out) {
  if (fv->ad || fv->vmap) {
    value *args = ARENA_ARRAY(&t->scratch, value, n->nitems ? n->nitems : 1);
    for (int i = 0; i < n->nitems; i++) {
      if (n->items[i]->kwname)
        return tracer_error(t, n->items[i]->span, "keyword arguments to a function made by grad, vjp or vmap "
                                                  "are not supported: pass them positionally");
      if (!eval(t, s, n->items[i], &args[i])) return false;
    }
    return call_function_value(t, fv, n, args, n->nitems, out);
  }
  ast_func *f = fv->func;
  value *args = ARENA_ARRAY(&t->scratch, value, f->nparams ? f->nparams : 1);
  if (!bind_user_args(t, s, f, fv->closure, n, args)) return false;
  return call_function_value(t, fv, n, args, f->nparams, out);
}

static bool eval_inner(tracer *t, scope *s, node *n, value *out) {
  value a, b;
  switch (n->kind) {
  case ND_INT: *out = value_int(n->ival); return true;
  case ND_FLOAT: *out = value_float(n->fval); return true;
  case ND_BOOL: *out = value_bool(n->ival != 0); return true;
  case ND_NONE: *out = value_none(); return true;
  case ND_STR: *out = (value){.kind = V_STR, .s = n->str, .slen = n->strlen}; return true;
  case ND_IDENT: {
    value *v = scope_lookup(s, n->name);
    if (v) { *out = *v; return true; }
    ast_func *f = ast_find_func(t->prog, n->name);
    if (f) { *out = (value){.kind = V_FUNC, .func = f}; return true; }
    const char *id = name_str(t->prog->names, n->name);
    if (python_constant(id, out)) return true;
    tj_dtype dt; /* a dtype name as a value: astype(x, f32), zeros(3, dtype=int) */
    if (dtype_parse(id, (uint32_t)strlen(id), &dt)) {
      if (dt == DT_FLOAT0) return tracer_error(t, n->span, FLOAT0_NOT_MADE);
      *out = (value){.kind = V_DTYPE, .dtype = dt};
      return true;
    }
    char why[DTYPE_MSG_MAX];
    if (dtype_unsupported(id, (uint32_t)strlen(id), why)) return tracer_error(t, n->span, "%s", why);
    tracer_error(t, n->span, "use of undeclared identifier '%s'", id);
    return hint_name(t, s, n->name, false);
  }
  case ND_UNARY: return eval(t, s, n->lhs, &a) && unary(t, n->op, a, n->span, out);
  case ND_BINARY:
    if (n->op == OP_LOGAND || n->op == OP_LOGOR) return eval_logical(t, s, n, out);
    return eval(t, s, n->lhs, &a) && eval(t, s, n->rhs, &b) && binary(t, n->op, a, b, n->span, out);
  case ND_ASSIGN: return eval_assign(t, s, n, out);
  case ND_INCDEC: return eval_incdec(t, s, n, out);
  case ND_TERNARY: {
    bool c, traced;
    value pred;
    if (!eval_condition(t, s, n->cond, "use where(pred, a, b) for a traced condition, or enable autograph "
                        "(--autograph)", &c, &traced, &pred))
      return false;
    if (!traced) return eval(t, s, c ? n->then : n->els, out);
    return eval(t, s, n->then, &a) && eval(t, s, n->els, &b) && autograph_select(t, pred, a, b, n->span, out);
  }
  case ND_CALL: return eval_call(t, s, n, out);
  case ND_APPLY: return eval_apply(t, s, n, out);
  case ND_INDEX: return eval_index(t, s, n, out);
  case ND_MEMBER: return eval_member(t, s, n, out);
  case ND_CAST: return eval_cast(t, s, n, out);
  case ND_LIST: return eval_list(t, s, n, out);
  case ND_DICT: return eval_dict(t, s, n, out);
  case ND_TUPLE:
    *out = (value){.kind = V_TUPLE, .n = n->nitems};
    out->items = ARENA_ARRAY(&t->scratch, value, n->nitems ? n->nitems : 1);
    for (int i = 0; i < n->nitems; i++)
      if (!eval(t, s, n->items[i], &out->items[i])) return false;
    return true;
  default: return tracer_error(t, n->span, "this expression cannot be traced here");
  }
}

bool eval(tracer *t, scope *s, node *n, value *out) {
  if (!enter(t, n->span)) return false;
  bool ok = eval_inner(t, s, n, out);
  leave(t);
  return ok;
}
