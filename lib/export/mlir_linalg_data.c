/* tjit export --dialect linalg, the rows of linalg.def's DATA_BODY and
 * DATA_RULE: integer division and remainder as XLA defines them, sign,
 * round, select_n of more than two cases, the reductions beyond sum, max
 * and min, argmax/argmin, and the data-movement primitives. Each gives the
 * reference evaluator's values (lib/eval): where arith has undefined
 * behaviour (a division by zero, INT_MIN / -1) the operands are made safe
 * first and XLA's result selected. Movements whose element reads are not
 * an affine map of the loops (pad, rev, gather, dynamic starts ...) read
 * their operand with tensor.extract inside a linalg.generic over the
 * output, the indices computed from linalg.index. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "mlir_linalg.h"
#include "prims.h"

/* ---- small writers of one line ---- */

static void copy_name(lw_name to, const char *from) { snprintf(to, NAME_MAX_LEN, "%s", from); }

/* In a body: RES = arith.cmp{i,f} PRED, A, B : T (a float or int compare by t). */
static void put_cmp(lw *w, lw_name res, const char *pred, const char *a, const char *b, tj_dtype t) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.%s %s, %s, %s : %s\n", res, dtype_is_float(t) ? "cmpf" : "cmpi", pred, a, b,
             lw_elem_type(t));
}

/* RES = arith.select C, A, B : T */
static void put_select(lw *w, lw_name res, const char *c, const char *a, const char *b, tj_dtype t) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.select %s, %s, %s : %s\n", res, c, a, b, lw_elem_type(t));
}

/* RES = OP A, B : T (a binary arith op on two names). */
static void put_binary(lw *w, lw_name res, const char *op, const char *a, const char *b, tj_dtype t) {
  lw_name pair[2];
  copy_name(pair[0], a), copy_name(pair[1], b);
  lw_put_op(w, res, op, pair, 2, t);
}

/* ---- elementwise bodies ---- */

/* The divisor made safe for arith.divsi/remsi: 1 where y is 0 or -1 (XLA
 * defines both cases itself, arith leaves them undefined); *zero, *minus1
 * the conditions. */
static void safe_divisor(lw *w, const char *y, tj_dtype t, lw_name safe, lw_name zero, lw_name minus1) {
  lw_name c0, cm1, c1, either;
  lw_body_constant(w, c0, t, 0, 0);
  lw_body_constant(w, cm1, t, 0, -1);
  lw_body_constant(w, c1, t, 0, 1);
  put_cmp(w, zero, "eq", y, c0, t);
  put_cmp(w, minus1, "eq", y, cm1, t);
  put_binary(w, either, "arith.ori", zero, minus1, DT_BOOL);
  put_select(w, safe, either, c1, y, t);
}

/* div: floats arith.divf; integers XLA's (elemental_ir_emitter, and
 * eval_elem.c's int_div): x / 0 = -1, INT_MIN / -1 = INT_MIN (0 - x,
 * wrapping), else truncating. */
bool lw_div(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  tj_dtype t = in_dt[0];
  (void)out_dt;
  if (dtype_is_float(t)) {
    lw_put_op(w, res, "arith.divf", in, 2, t);
    return true;
  }
  if (t == DT_BOOL) return lw_not_exportable(w, e, " on bool");
  lw_name safe, zero, minus1, q, c0, neg, cm1, s1;
  safe_divisor(w, in[1], t, safe, zero, minus1);
  put_binary(w, q, "arith.divsi", in[0], safe, t);
  lw_body_constant(w, c0, t, 0, 0);
  lw_body_constant(w, cm1, t, 0, -1);
  put_binary(w, neg, "arith.subi", c0, in[0], t);
  put_select(w, s1, minus1, neg, q, t);
  put_select(w, res, zero, cm1, s1, t);
  return true;
}

/* rem: floats C's fmod (arith.remf, LLVM's frem); integers XLA's (and
 * eval_elem.c's int_rem): x % 0 = x, x % -1 = 0 (which x % 1 gives). */
bool lw_rem(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  tj_dtype t = in_dt[0];
  (void)out_dt;
  if (dtype_is_float(t)) {
    lw_put_op(w, res, "arith.remf", in, 2, t);
    return true;
  }
  if (t == DT_BOOL) return lw_not_exportable(w, e, " on bool");
  lw_name safe, zero, minus1, r;
  safe_divisor(w, in[1], t, safe, zero, minus1);
  put_binary(w, r, "arith.remsi", in[0], safe, t);
  put_select(w, res, zero, in[0], r, t);
  return true;
}

/* sign: 1 for x > 0, -1 for x < 0, else x itself (0, -0.0 and NaN stay),
 * as elem.def's sign row and XLA's Sign. */
bool lw_sign(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  tj_dtype t = in_dt[0];
  bool fl = dtype_is_float(t);
  (void)out_dt;
  if (t == DT_BOOL) return lw_not_exportable(w, e, " on bool");
  lw_name zero, one, minus1, pos, neg, s1;
  lw_body_constant(w, zero, t, 0.0, 0);
  lw_body_constant(w, one, t, 1.0, 1);
  lw_body_constant(w, minus1, t, -1.0, -1);
  put_cmp(w, pos, fl ? "ogt" : "sgt", in[0], zero, t);
  put_cmp(w, neg, fl ? "olt" : "slt", in[0], zero, t);
  put_select(w, s1, neg, minus1, in[0], t);
  put_select(w, res, pos, one, s1, t);
  return true;
}

/* round[rounding_method]: 0 half away from zero (math.round, C's round),
 * 1 half to even (math.roundeven, C's nearbyint in the default mode), as
 * lax.py's _round_lower picks hlo.round_nearest_afz or _even. */
bool lw_round(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  int64_t method = ir_param_int(e, "rounding_method", 0);
  (void)out_dt;
  if (!dtype_is_float(in_dt[0]) || (method != 0 && method != 1)) return lw_not_exportable(w, e, " of this dtype or method");
  lw_put_op(w, res, method ? "math.roundeven" : "math.round", in, 1, in_dt[0]);
  return true;
}

/* select_n(which, *cases) of more than two cases: which is an integer,
 * and, as XLA's tree of selects on which < k (eval_elem.c's ev_select_n),
 * one outside [0, n) picks the nearest end: case k where which <= k,
 * trying the last case first. */
bool lw_select_cases(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  int n = (int)e->nin - 1;
  tj_dtype wt = in_dt[0];
  if (wt == DT_BOOL || n < 1) return lw_not_exportable(w, e, " of these cases");
  lw_name cur, k, le, next;
  copy_name(cur, in[n]);
  for (int c = n - 2; c >= 0; c--) {
    lw_body_constant(w, k, wt, 0, c);
    put_cmp(w, le, "sle", in[0], k, wt);
    put_select(w, next, le, in[1 + c], cur, out_dt);
    copy_name(cur, next);
  }
  copy_name(res, cur);
  return true;
}

/* ---- reductions ---- */

/* reduce_prod, reduce_and, reduce_or[axes]: as mlir_linalg.c's lw_reduce,
 * from the identity (1, all ones, 0: lax.py's _get_prod_identity ...),
 * combining in row-major order as the evaluator does. */
bool lw_reduce_more(lw *w, const ir_eqn *e) {
  int64_t axes[TJ_MAX_RANK];
  bool reduced[TJ_MAX_RANK] = {false};
  lw_operand in, res;
  lw_name init, args[2], result, value;
  in.aval = ir_atom_aval(w->m, e->in[0]);
  tj_dtype t = in.aval.dtype;
  bool fl = dtype_is_float(t), prod = e->prim == P_reduce_prod;
  int nax = ir_param_ints(e, "axes", axes, TJ_MAX_RANK);
  if (nax < 0 || (fl && !prod) || (t == DT_BOOL && prod)) return lw_not_exportable(w, e, " of this dtype");
  for (int k = 0; k < nax; k++) reduced[axes[k]] = true;
  lw_atom_tensor(w, e->in[0], in.name);
  res.aval = w->m->vars[e->out[0]];
  for (int i = 0, r = 0; i < in.aval.rank; i++) {
    in.map[i] = i;
    if (!reduced[i]) res.map[r++] = i;
  }
  int64_t identity = prod ? 1 : e->prim == P_reduce_and ? (t == DT_BOOL ? 1 : -1) : 0;
  lw_put_scalar_constant(w, init, t, (double)identity, identity);
  lw_put_init(w, res.name, &res.aval, init);
  lw_put_generic_head(w, result, in.aval.rank, reduced, &in, 1, &res, args);
  lw_put_op(w, value, prod ? (fl ? "arith.mulf" : "arith.muli") : e->prim == P_reduce_and ? "arith.andi" : "arith.ori",
            args, 2, t);
  lw_put_generic_tail(w, value, &res.aval);
  copy_name(w->names[e->out[0]], result);
  return true;
}

/* An indexing map's text into b (as mlir_linalg.c's put_map). */
static void put_map_text(tj_buf *b, int nloops, const int *res, int nres) {
  buf_puts(b, "affine_map<(");
  for (int i = 0; i < nloops; i++) buf_printf(b, "%sd%d", i ? ", " : "", i);
  buf_puts(b, ") -> (");
  for (int i = 0; i < nres; i++) buf_printf(b, "%sd%d", i ? ", " : "", res[i]);
  buf_puts(b, ")>");
}

/* Whether x (block argument) replaces best: floats as eval_array.c's
 * better (a NaN best stays, a NaN x wins, else strictly greater/less:
 * ties keep the first index, lax.py's _argminmax comparator); integers
 * and bool the strict comparison. */
static void put_argminmax_take(lw *w, lw_name take, bool max, const char *x, const char *best, tj_dtype t) {
  if (!dtype_is_float(t)) {
    put_cmp(w, take, t == DT_BOOL ? (max ? "ugt" : "ult") : (max ? "sgt" : "slt"), x, best, t);
    return;
  }
  lw_name ordered, xnan, beats, either;
  put_cmp(w, ordered, "ord", best, best, t);
  put_cmp(w, xnan, "uno", x, x, t);
  put_cmp(w, beats, max ? "ogt" : "olt", x, best, t);
  put_binary(w, either, "arith.ori", xnan, beats, DT_BOOL);
  put_binary(w, take, "arith.andi", ordered, either, DT_BOOL);
}

/* argmax/argmin[axes index_dtype]: one linalg.generic with two outputs,
 * the best value so far (from -inf/+inf, the least/greatest int, which
 * no element replaces but a NaN) and its index along the axis. */
bool lw_argminmax(lw *w, const ir_eqn *e) {
  int64_t axis;
  tj_aval in = ir_atom_aval(w->m, e->in[0]), out = w->m->vars[e->out[0]], best = out;
  tj_dtype t = in.dtype;
  bool max = e->prim == P_argmax;
  if (ir_param_ints(e, "axes", &axis, 1) != 1 || axis < 0 || axis >= in.rank || out.dtype == DT_BOOL)
    return lw_not_exportable(w, e, " (its axis or index dtype)");
  best.dtype = t;
  lw_name src, vinit, iinit, vfill, ifill, res, x, b, bi, k, ki, take, nv, ni;
  lw_atom_tensor(w, e->in[0], src);
  int64_t worst = t == DT_BOOL ? !max : max ? INT32_MIN : INT32_MAX;
  lw_put_scalar_constant(w, vinit, t, max ? -INFINITY : INFINITY, worst);
  lw_put_scalar_constant(w, iinit, out.dtype, 0, 0);
  lw_put_init(w, vfill, &best, vinit);
  lw_put_init(w, ifill, &out, iinit);
  int in_map[TJ_MAX_RANK], out_map[TJ_MAX_RANK];
  for (int i = 0, r = 0; i < in.rank; i++) {
    in_map[i] = i;
    if (i != axis) out_map[r++] = i;
  }
  tj_buf *o = w->out;
  lw_fresh(w, res);
  buf_printf(o, "    %s:2 = linalg.generic {indexing_maps = [", res);
  put_map_text(o, in.rank, in_map, in.rank);
  for (int k2 = 0; k2 < 2; k2++) buf_puts(o, ", "), put_map_text(o, in.rank, out_map, out.rank);
  buf_puts(o, "], iterator_types = [");
  for (int i = 0; i < in.rank; i++) buf_printf(o, "%s\"%s\"", i ? ", " : "", i == axis ? "reduction" : "parallel");
  buf_printf(o, "]} ins(%s : ", src);
  lw_put_tensor_type(o, &in);
  buf_printf(o, ") outs(%s, %s : ", vfill, ifill);
  lw_put_tensor_type(o, &best), buf_puts(o, ", "), lw_put_tensor_type(o, &out);
  lw_fresh(w, x), lw_fresh(w, b), lw_fresh(w, bi);
  buf_printf(o, ") {\n    ^bb0(%s: %s, %s: %s, %s: %s):\n", x, lw_elem_type(t), b, lw_elem_type(t), bi, lw_elem_type(out.dtype));
  lw_fresh(w, k), lw_fresh(w, ki);
  buf_printf(o, "      %s = linalg.index %" PRId64 " : index\n", k, axis);
  buf_printf(o, "      %s = arith.index_cast %s : index to %s\n", ki, k, lw_elem_type(out.dtype));
  put_argminmax_take(w, take, max, x, b, t);
  put_select(w, nv, take, x, b, t);
  put_select(w, ni, take, ki, bi, out.dtype);
  buf_printf(o, "      linalg.yield %s, %s : %s, %s\n    } -> (", nv, ni, lw_elem_type(t), lw_elem_type(out.dtype));
  lw_put_tensor_type(o, &best), buf_puts(o, ", "), lw_put_tensor_type(o, &out);
  buf_puts(o, ")\n");
  snprintf(w->names[e->out[0]], NAME_MAX_LEN, "%.20s#1", res);
  return true;
}
