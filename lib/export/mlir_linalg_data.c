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

#include "conv.h"
#include "mlir_linalg.h"
#include "prims.h"
#include "prims_window.h"

/* ---- small writers of one line ---- */

static void copy_name(lw_name to, const lw_name from) { memcpy(to, from, NAME_MAX_LEN); }

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

/* ---- index arithmetic in a body (type index) ---- */

static void put_index_constant(lw *w, lw_name res, int64_t v) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.constant %" PRId64 " : index\n", res, v);
}

/* RES = OP A, B : index (arith.addi, subi, divsi, remsi, andi on i1 ...). */
static void put_index_op(lw *w, lw_name res, const char *op, const char *a, const char *b) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = %s %s, %s : index\n", res, op, a, b);
}

static void put_index_cmp(lw *w, lw_name res, const char *pred, const char *a, const char *b) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.cmpi %s, %s, %s : index\n", res, pred, a, b);
}

/* RES = tensor.extract SRC[IDX...] : T */
static void put_extract(lw *w, lw_name res, const char *src, const tj_aval *a, lw_name *idx) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = tensor.extract %s[", res, src);
  for (int i = 0; i < a->rank; i++) buf_printf(w->out, "%s%s", i ? ", " : "", idx[i]);
  buf_puts(w->out, "] : ");
  lw_put_tensor_type(w->out, a);
  buf_putc(w->out, '\n');
}

/* The head of a linalg.generic over out (nloops loops, the first
 * out->rank parallel and mapped to out, any more reductions: an operand
 * in[] must then span them), the output from init when given, else
 * tensor.empty, and the loops' indices into idx; args[0..nin] are the
 * block's arguments (args[nin] the output's element so far). Other
 * operands are read in the body with tensor.extract. */
static void put_index_generic_in(lw *w, lw_name res, const tj_aval *out, int nloops, const lw_name init,
                                 const lw_operand *in, int nin, lw_name *idx, lw_name *args) {
  lw_operand o;
  bool reduction[2 * TJ_MAX_RANK] = {false};
  o.aval = *out;
  for (int i = 0; i < out->rank; i++) o.map[i] = i;
  for (int i = out->rank; i < nloops; i++) reduction[i] = true;
  if (init) copy_name(o.name, init);
  else lw_put_init(w, o.name, out, NULL);
  lw_put_generic_head(w, res, nloops, reduction, in, nin, &o, args);
  for (int i = 0; i < nloops; i++) {
    lw_fresh(w, idx[i]);
    buf_printf(w->out, "      %s = linalg.index %d : index\n", idx[i], i);
  }
}

/* The same without operands: *acc the output's element so far. */
static void put_index_generic(lw *w, lw_name res, const tj_aval *out, int nloops, const lw_name init, lw_name *idx,
                              lw_name acc) {
  put_index_generic_in(w, res, out, nloops, init, NULL, 0, idx, (lw_name *)acc);
}

/* ---- data movement ---- */

static void put_index_list(lw *w, const int64_t *v, int n) {
  buf_putc(w->out, '[');
  for (int i = 0; i < n; i++) buf_printf(w->out, "%s%" PRId64, i ? ", " : "", v[i]);
  buf_putc(w->out, ']');
}

/* RES = tensor.insert_slice SRC into DST[offsets] [src's sizes] [1...],
 * an offset a number (offs) or, where dyn[i] is set, that name. */
static void put_insert_slice(lw *w, lw_name res, const char *src, const tj_aval *sa, const char *dst, const tj_aval *da,
                             const int64_t *offs, lw_name *dyn) {
  int64_t ones[TJ_MAX_RANK];
  lw_fresh(w, res);
  buf_printf(w->out, "    %s = tensor.insert_slice %s into %s[", res, src, dst);
  for (int i = 0; i < da->rank; i++) {
    if (dyn) buf_printf(w->out, "%s%s", i ? ", " : "", dyn[i]);
    else buf_printf(w->out, "%s%" PRId64, i ? ", " : "", offs[i]);
    ones[i] = 1;
  }
  buf_puts(w->out, "] ");
  put_index_list(w, sa->dims, sa->rank);
  buf_putc(w->out, ' ');
  put_index_list(w, ones, sa->rank);
  buf_puts(w->out, " : ");
  lw_put_tensor_type(w->out, sa);
  buf_puts(w->out, " into ");
  lw_put_tensor_type(w->out, da);
  buf_putc(w->out, '\n');
}

/* concatenate[dimension]: each operand inserted into tensor.empty at its
 * offset along the dimension (lax.py's _concatenate_lower is
 * hlo.concatenate: the operands in order). */
bool lw_concatenate(lw *w, const ir_eqn *e) {
  const tj_aval *out = &w->m->vars[e->out[0]];
  int64_t dim = ir_param_int(e, "dimension", -1), offs[TJ_MAX_RANK] = {0};
  if (dim < 0 || dim >= out->rank) return lw_not_exportable(w, e, " (its dimension)");
  lw_name cur, next, src;
  lw_put_init(w, cur, out, NULL);
  for (uint32_t k = 0; k < e->nin; k++) {
    tj_aval a = ir_atom_aval(w->m, e->in[k]);
    lw_atom_tensor(w, e->in[k], src);
    put_insert_slice(w, next, src, &a, cur, out, offs, NULL);
    copy_name(cur, next);
    offs[dim] += a.dims[dim];
  }
  copy_name(w->names[e->out[0]], cur);
  return true;
}

/* pad[padding_config] (operand, padding value): output element o of a
 * dimension is operand element q where o - lo = q * (interior + 1), 0 <=
 * q < size, else the padding value (eval_window.c's pad_target, negative
 * lo/hi cutting off); read by tensor.extract at q clamped to 0, selected. */
bool lw_pad(lw *w, const ir_eqn *e) {
  pad_spec p;
  tj_aval a = ir_atom_aval(w->m, e->in[0]), pa = ir_atom_aval(w->m, e->in[1]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  if (!pad_spec_read(e, a.rank, &p)) return lw_not_exportable(w, e, " (its config)");
  lw_name src, padv, res, acc, idx[TJ_MAX_RANK], q[TJ_MAX_RANK], ok = "", v, x;
  lw_atom_tensor(w, e->in[0], src), lw_atom_tensor(w, e->in[1], padv);
  put_index_generic(w, res, out, out->rank, NULL, idx, acc);
  put_extract(w, v, padv, &pa, NULL);
  for (int d = 0; d < a.rank && aval_size(&a); d++) {
    lw_name lo, j, s, r, zero, n, c1, c2, c3, both, all, qq;
    put_index_constant(w, lo, p.lo[d]), put_index_constant(w, s, p.interior[d] + 1);
    put_index_constant(w, zero, 0), put_index_constant(w, n, a.dims[d]);
    put_index_op(w, j, "arith.subi", idx[d], lo);
    put_index_op(w, r, "arith.remsi", j, s);
    put_index_op(w, qq, "arith.divsi", j, s);
    put_index_cmp(w, c1, "sge", j, zero), put_index_cmp(w, c2, "eq", r, zero), put_index_cmp(w, c3, "slt", qq, n);
    put_binary(w, both, "arith.andi", c1, c2, DT_BOOL);
    put_binary(w, all, "arith.andi", both, c3, DT_BOOL);
    if (*ok) put_binary(w, both, "arith.andi", ok, all, DT_BOOL), copy_name(ok, both);
    else copy_name(ok, all);
    lw_fresh(w, q[d]);
    buf_printf(w->out, "      %s = arith.select %s, %s, %s : index\n", q[d], all, qq, zero);
  }
  if (!aval_size(&a)) copy_name(x, v); /* nothing to read: all padding */
  else if (!a.rank) put_extract(w, x, src, &a, NULL);
  else {
    lw_name xa;
    put_extract(w, xa, src, &a, q);
    put_select(w, x, ok, xa, v, a.dtype);
  }
  lw_put_generic_tail(w, x, out);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* rev[dimensions]: element i of a reversed dimension is operand element
 * size - 1 - i. */
bool lw_rev(lw *w, const ir_eqn *e) {
  int64_t dims[TJ_MAX_RANK];
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  int n = ir_param_ints(e, "dimensions", dims, TJ_MAX_RANK);
  if (n < 0) return lw_not_exportable(w, e, " (its dimensions)");
  lw_name src, res, acc, idx[TJ_MAX_RANK], x;
  lw_atom_tensor(w, e->in[0], src);
  put_index_generic(w, res, &a, a.rank, NULL, idx, acc);
  for (int k = 0; k < n; k++) {
    lw_name last, flipped;
    put_index_constant(w, last, a.dims[dims[k]] - 1);
    put_index_op(w, flipped, "arith.subi", last, idx[dims[k]]);
    copy_name(idx[dims[k]], flipped);
  }
  if (aval_size(&a)) put_extract(w, x, src, &a, idx);
  else copy_name(x, acc);
  lw_put_generic_tail(w, x, &a);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* The start indices of dynamic_slice / dynamic_update_slice (operands
 * first.. of e, rank-0 integers) as index values, each clamped into [0,
 * dims[i] - sizes[i]] as XLA clamps them (eval_shape.c). */
static bool dynamic_starts(lw *w, const ir_eqn *e, uint32_t first, const tj_aval *a, const int64_t *sizes, lw_name *starts) {
  if (e->nin != first + (uint32_t)a->rank) return lw_not_exportable(w, e, " (its start indices)");
  for (int i = 0; i < a->rank; i++) {
    tj_aval sa = ir_atom_aval(w->m, e->in[first + (uint32_t)i]);
    if (sa.rank || !dtype_is_int(sa.dtype) || sa.dtype == DT_BOOL) return lw_not_exportable(w, e, " (its start indices)");
    lw_name st, v, lo, hi, c1, c2, w1, w2;
    lw_atom_tensor(w, e->in[first + (uint32_t)i], st);
    lw_fresh(w, v);
    buf_printf(w->out, "    %s = tensor.extract %s[] : tensor<%s>\n", v, st, lw_elem_type(sa.dtype));
    lw_put_scalar_constant(w, lo, sa.dtype, 0, 0);
    lw_put_scalar_constant(w, hi, sa.dtype, 0, a->dims[i] - sizes[i]);
    lw_fresh(w, c1), lw_fresh(w, w1);
    buf_printf(w->out, "    %s = arith.cmpi slt, %s, %s : %s\n", c1, v, lo, lw_elem_type(sa.dtype));
    buf_printf(w->out, "    %s = arith.select %s, %s, %s : %s\n", w1, c1, lo, v, lw_elem_type(sa.dtype));
    lw_fresh(w, c2), lw_fresh(w, w2);
    buf_printf(w->out, "    %s = arith.cmpi sgt, %s, %s : %s\n", c2, w1, hi, lw_elem_type(sa.dtype));
    buf_printf(w->out, "    %s = arith.select %s, %s, %s : %s\n", w2, c2, hi, w1, lw_elem_type(sa.dtype));
    lw_fresh(w, starts[i]);
    buf_printf(w->out, "    %s = arith.index_cast %s : %s to index\n", starts[i], w2, lw_elem_type(sa.dtype));
  }
  return true;
}

/* dynamic_slice[slice_sizes](operand, *starts): tensor.extract_slice at
 * the clamped starts. */
bool lw_dynamic_slice(lw *w, const ir_eqn *e) {
  int64_t sizes[TJ_MAX_RANK], ones[TJ_MAX_RANK];
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  lw_name src, starts[TJ_MAX_RANK], res;
  if (ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK) != a.rank) return lw_not_exportable(w, e, " (its slice_sizes)");
  lw_atom_tensor(w, e->in[0], src);
  if (!dynamic_starts(w, e, 1, &a, sizes, starts)) return false;
  lw_fresh(w, res);
  buf_printf(w->out, "    %s = tensor.extract_slice %s[", res, src);
  for (int i = 0; i < a.rank; i++) buf_printf(w->out, "%s%s", i ? ", " : "", starts[i]), ones[i] = 1;
  buf_puts(w->out, "] ");
  put_index_list(w, sizes, a.rank);
  buf_putc(w->out, ' ');
  put_index_list(w, ones, a.rank);
  buf_puts(w->out, " : ");
  lw_put_tensor_type(w->out, &a);
  buf_puts(w->out, " to ");
  lw_put_tensor_type(w->out, out);
  buf_putc(w->out, '\n');
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* dynamic_update_slice(operand, update, *starts): tensor.insert_slice of
 * the update at the clamped starts. */
bool lw_dynamic_update_slice(lw *w, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(w->m, e->in[0]), u = ir_atom_aval(w->m, e->in[1]);
  lw_name src, upd, starts[TJ_MAX_RANK], res;
  if (u.rank != a.rank) return lw_not_exportable(w, e, " (its update)");
  lw_atom_tensor(w, e->in[0], src), lw_atom_tensor(w, e->in[1], upd);
  if (!dynamic_starts(w, e, 2, &a, u.dims, starts)) return false;
  put_insert_slice(w, res, upd, &u, src, &a, NULL, starts);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* cumsum/cumprod/cummax/cummin[axis reverse]: a linalg.generic over the
 * output and one more (reduction) loop k along the axis, combining
 * operand element j = k (n - 1 - k when reverse) where j <= i (j >= i),
 * from the identity: the evaluator's order (eval_array.c's ev_cumred;
 * lax's associative_scan gives the same values up to rounding). */
bool lw_cumulative(lw *w, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1);
  bool reverse = ir_param_bool(e, "reverse", false), fl = dtype_is_float(a.dtype);
  int p = e->prim;
  if (axis < 0 || axis >= a.rank || a.dtype == DT_BOOL) return lw_not_exportable(w, e, " of this dtype or axis");
  const char *op = p == P_cumsum ? (fl ? "arith.addf" : "arith.addi")
                   : p == P_cumprod ? (fl ? "arith.mulf" : "arith.muli")
                   : p == P_cummax ? (fl ? "arith.maximumf" : "arith.maxsi")
                                   : (fl ? "arith.minimumf" : "arith.minsi");
  double fid = p == P_cumsum ? 0.0 : p == P_cumprod ? 1.0 : p == P_cummax ? -INFINITY : INFINITY;
  int64_t iid = p == P_cumsum ? 0 : p == P_cumprod ? 1 : p == P_cummax ? INT32_MIN : INT32_MAX;
  lw_name init, filled, res, args[2], idx[TJ_MAX_RANK + 1], rd[TJ_MAX_RANK], j, inc, x, comb, v;
  lw_operand in; /* read along the axis by the loop k: it gives the loop its bound */
  in.aval = a;
  for (int i = 0; i < a.rank; i++) in.map[i] = i == axis ? a.rank : i;
  lw_atom_tensor(w, e->in[0], in.name);
  lw_put_scalar_constant(w, init, a.dtype, fid, iid);
  lw_put_init(w, filled, &a, init);
  put_index_generic_in(w, res, &a, a.rank + 1, filled, &in, 1, idx, args);
  char *acc = args[1];
  copy_name(j, idx[a.rank]);
  if (reverse) {
    lw_name last;
    put_index_constant(w, last, a.dims[axis] - 1);
    put_index_op(w, j, "arith.subi", last, idx[a.rank]);
  }
  put_index_cmp(w, inc, reverse ? "sge" : "sle", j, idx[axis]);
  for (int i = 0; i < a.rank; i++) copy_name(rd[i], i == axis ? j : idx[i]);
  if (reverse) put_extract(w, x, in.name, &a, rd);
  else copy_name(x, args[0]);
  put_binary(w, comb, op, acc, x, a.dtype);
  put_select(w, v, inc, comb, acc, a.dtype);
  lw_put_generic_tail(w, v, &a);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* ---- gather and scatter (XLA's semantics, as eval_gather.c and
 * eval_shape.c compute them) ---- */

static bool listed(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

/* RES = arith.select C, A, B : index */
static void put_index_select(lw *w, lw_name res, const char *c, const char *a, const char *b) {
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.select %s, %s, %s : index\n", res, c, a, b);
}

/* s clamped into [0, hi] (into *s); *out_of_range, when asked, whether it was outside. */
static void clamp_index(lw *w, lw_name s, int64_t hi, lw_name out_of_range) {
  lw_name zero, top, below, above, s1, s2;
  put_index_constant(w, zero, 0), put_index_constant(w, top, hi);
  put_index_cmp(w, below, "slt", s, zero), put_index_cmp(w, above, "sgt", s, top);
  put_index_select(w, s1, below, zero, s), put_index_select(w, s2, above, top, s1);
  if (out_of_range) put_binary(w, out_of_range, "arith.ori", below, above, DT_BOOL);
  copy_name(s, s2);
}

/* Element k of the index vector at batch coordinates bc (the indices'
 * leading dimensions; the vector is their last), as an index. */
static void index_vector_element(lw *w, lw_name res, const char *ix, const tj_aval *ia, lw_name *bc, int64_t k) {
  lw_name rd[TJ_MAX_RANK], v;
  for (int i = 0; i + 1 < ia->rank; i++) copy_name(rd[i], bc[i]);
  put_index_constant(w, rd[ia->rank - 1], k);
  put_extract(w, v, ix, ia, rd);
  lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.index_cast %s : %s to index\n", res, v, lw_elem_type(ia->dtype));
}

/* A float or int param (gather's fill_value) as a body constant of t;
 * None as 0, the value the evaluator leaves there (the tracer always
 * gives FILL_OR_DROP its fill). */
static void param_constant(lw *w, lw_name res, const ir_eqn *e, const char *key, tj_dtype t) {
  const pval *p = ir_param_get(e, key);
  double f = p && p->kind == PV_FLOAT ? p->f : p && (p->kind == PV_INT || p->kind == PV_BOOL) ? (double)p->i : 0.0;
  int64_t i = p && (p->kind == PV_INT || p->kind == PV_BOOL) ? p->i : (int64_t)f;
  lw_body_constant(w, res, t, f, i);
}

/* The operand position of gather output element oc: each operand
 * dimension's start (from the index vector, or a batching coordinate)
 * clamped so the slice fits, plus the offset coordinate of the window
 * dimension; *oob whether a start was outside (FILL_OR_DROP's fill). */
static void gather_position(lw *w, const ir_gather_dims *d, const int64_t *sizes, const int64_t *window, const tj_aval *op,
                            const char *ix, const tj_aval *ia, lw_name *oc, int orank, lw_name *pos, lw_name oob) {
  lw_name bc[TJ_MAX_RANK], start[TJ_MAX_RANK];
  bool has[TJ_MAX_RANK] = {false};
  int nb = 0;
  for (int i = 0; i < orank; i++)
    if (!listed(d->offset, d->noffset, i)) copy_name(bc[nb++], oc[i]);
  for (int i = 0; i < d->nstart_map; i++)
    index_vector_element(w, start[d->start_map[i]], ix, ia, bc, i), has[d->start_map[i]] = true;
  for (int i = 0; i < d->nbatching; i++) copy_name(start[d->operand_batching[i]], bc[d->indices_batching[i]]), has[d->operand_batching[i]] = true;
  *oob = 0;
  for (int dim = 0, k = 0; dim < op->rank; dim++) {
    if (!has[dim]) put_index_constant(w, start[dim], 0);
    if (listed(d->start_map, d->nstart_map, dim)) {
      lw_name out, either;
      clamp_index(w, start[dim], op->dims[dim] - sizes[dim], out);
      if (*oob) put_binary(w, either, "arith.ori", oob, out, DT_BOOL), copy_name(oob, either);
      else copy_name(oob, out);
    }
    copy_name(pos[dim], start[dim]);
    if (k < d->noffset && window[k] == dim) put_index_op(w, pos[dim], "arith.addi", start[dim], oc[d->offset[k++]]);
  }
}

/* gather[dimension_numbers slice_sizes mode fill_value](operand,
 * indices): a linalg.generic over the output reading the operand with
 * tensor.extract at gather_position; FILL_OR_DROP selects fill_value
 * where a start was out of range, the other modes clamp (XLA on CPU). */
bool lw_gather(lw *w, const ir_eqn *e) {
  ir_gather_dims d;
  int64_t sizes[TJ_MAX_RANK], window[TJ_MAX_RANK];
  tj_aval op = ir_atom_aval(w->m, e->in[0]), ia = ir_atom_aval(w->m, e->in[1]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  if (!ir_gather_dims_read(e, &d) || ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK) != op.rank || ia.rank < 1 ||
      gather_window_dims(&d, op.rank, window) != d.noffset || out->rank - d.noffset != ia.rank - 1 || !aval_size(&op) ||
      ia.dtype == DT_BOOL)
    return lw_not_exportable(w, e, " with these dimension numbers or an empty operand");
  const char *mode = ir_param_name(e, "mode");
  bool fill = mode && strcmp(mode, "GatherScatterMode.FILL_OR_DROP") == 0;
  lw_name src, ix, res, acc, oc[TJ_MAX_RANK], pos[TJ_MAX_RANK], oob, x, v, f;
  lw_atom_tensor(w, e->in[0], src), lw_atom_tensor(w, e->in[1], ix);
  put_index_generic(w, res, out, out->rank, NULL, oc, acc);
  (void)acc;
  gather_position(w, &d, sizes, window, &op, ix, &ia, oc, out->rank, pos, oob);
  put_extract(w, x, src, &op, pos);
  if (fill && *oob) param_constant(w, f, e, "fill_value", op.dtype), put_select(w, v, oob, f, x, op.dtype);
  else copy_name(v, x);
  lw_put_generic_tail(w, v, out);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* The target of update element uc (loop indices) in the operand, as
 * eval_shape.c's scatter_target: the start from the index vector at the
 * scatter coordinates (or a batching coordinate), CLIP clamping it so the
 * window fits, plus the window offset; *dropped whether a start was
 * outside [0, size - window] (XLA drops that update). pos uses the
 * clamped start, so that reading and writing back there is safe. */
static void scatter_position(lw *w, const ir_scatter_dims *d, bool clip, const tj_aval *op, const tj_aval *u, const char *ix,
                             const tj_aval *ia, lw_name *uc, lw_name *pos, lw_name dropped) {
  lw_name sc[TJ_MAX_RANK], start[TJ_MAX_RANK];
  bool has[TJ_MAX_RANK] = {false};
  int nsc = 0;
  for (int i = 0; i < u->rank; i++)
    if (!listed(d->window, d->nwindow, i)) copy_name(sc[nsc++], uc[i]);
  for (int i = 0; i < d->nto; i++) index_vector_element(w, start[d->to_operand[i]], ix, ia, sc, i), has[d->to_operand[i]] = true;
  for (int i = 0; i < d->nbatching; i++)
    copy_name(start[d->operand_batching[i]], sc[d->indices_batching[i]]), has[d->operand_batching[i]] = true;
  *dropped = 0;
  for (int dim = 0, k = 0; dim < op->rank; dim++) {
    bool ins = listed(d->inserted, d->ninserted, dim) || listed(d->operand_batching, d->nbatching, dim);
    int64_t hi = op->dims[dim] - (ins ? 1 : u->dims[d->window[k]]);
    lw_name out, either;
    if (!has[dim]) put_index_constant(w, start[dim], 0);
    if (clip) clamp_index(w, start[dim], hi, NULL);
    clamp_index(w, start[dim], hi, out);
    if (*dropped) put_binary(w, either, "arith.ori", dropped, out, DT_BOOL), copy_name(dropped, either);
    else copy_name(dropped, out);
    copy_name(pos[dim], start[dim]);
    if (!ins) put_index_op(w, pos[dim], "arith.addi", start[dim], uc[d->window[k++]]);
  }
}

/* scatter's combination of the old element and the update (eval_shape.c's
 * scatter_combine): the update itself, or add, sub, mul, min, max (NaN
 * propagating, as lax.min/max). */
static void scatter_combine(lw *w, lw_name res, int prim, const char *old, const char *upd, tj_dtype t) {
  bool fl = dtype_is_float(t);
  const char *op = prim == P_scatter_add ? (fl ? "arith.addf" : "arith.addi")
                   : prim == P_scatter_sub ? (fl ? "arith.subf" : "arith.subi")
                   : prim == P_scatter_mul ? (fl ? "arith.mulf" : "arith.muli")
                   : prim == P_scatter_min ? (fl ? "arith.minimumf" : "arith.minsi")
                   : prim == P_scatter_max ? (fl ? "arith.maximumf" : "arith.maxsi") : NULL;
  if (op) put_binary(w, res, op, old, upd, t);
  else copy_name(res, upd);
}

/* The loops of scatter over the update's dimensions: scf.for each,
 * the result tensor carried in iter_args; ivs the induction variables,
 * *acc the tensor in the innermost body, loop_res[i] loop i's result. */
static void open_update_loops(lw *w, const tj_aval *u, const tj_aval *op, const lw_name init, lw_name *ivs, lw_name acc,
                              lw_name *loop_res) {
  lw_name c0, c1, ub, carried;
  copy_name(acc, init);
  if (!u->rank) return;
  lw_fresh(w, c0), lw_fresh(w, c1);
  buf_printf(w->out, "    %s = arith.constant 0 : index\n    %s = arith.constant 1 : index\n", c0, c1);
  for (int i = 0; i < u->rank; i++) {
    lw_fresh(w, ub);
    buf_printf(w->out, "    %s = arith.constant %" PRId64 " : index\n", ub, u->dims[i]);
    lw_fresh(w, loop_res[i]), lw_fresh(w, ivs[i]), lw_fresh(w, carried);
    buf_printf(w->out, "    %s = scf.for %s = %s to %s step %s iter_args(%s = %s) -> (", loop_res[i], ivs[i], c0, ub, c1, carried, acc);
    lw_put_tensor_type(w->out, op);
    buf_puts(w->out, ") {\n");
    copy_name(acc, carried);
  }
}

/* The loops closed: each yields the next inner loop's result (the
 * innermost body's tensor last); *res the outermost's. */
static void close_update_loops(lw *w, const tj_aval *u, const tj_aval *op, const lw_name last, lw_name *loop_res, lw_name res) {
  copy_name(res, last);
  for (int i = u->rank - 1; i >= 0; i--) {
    buf_printf(w->out, "      scf.yield %s : ", i == u->rank - 1 ? last : loop_res[i + 1]);
    lw_put_tensor_type(w->out, op);
    buf_puts(w->out, "\n    }\n");
    copy_name(res, loop_res[i]);
  }
}

/* scatter, scatter-add/sub/mul/min/max[dimension_numbers mode]: the
 * updates applied one by one in row-major order (the evaluator's, which
 * for scatter with repeated indices keeps the last), each read, combined
 * and written back with tensor.extract/insert in scf.for loops. */
bool lw_scatter(lw *w, const ir_eqn *e) {
  ir_scatter_dims d;
  tj_aval op = ir_atom_aval(w->m, e->in[0]), ia = ir_atom_aval(w->m, e->in[1]), u = ir_atom_aval(w->m, e->in[2]);
  if (!ir_scatter_dims_read(e, &d) || d.nwindow + d.ninserted + d.nbatching != op.rank || ia.rank < 1 ||
      u.rank - d.nwindow != ia.rank - 1 || d.nbatching != d.nindices_batching || !aval_size(&op) || ia.dtype == DT_BOOL)
    return lw_not_exportable(w, e, " with these dimension numbers or an empty operand");
  for (int i = 0, k = 0; i < op.rank; i++)
    if (!listed(d.inserted, d.ninserted, i) && !listed(d.operand_batching, d.nbatching, i) && u.dims[d.window[k++]] > op.dims[i])
      return lw_not_exportable(w, e, " of a window larger than the operand");
  const char *mode = ir_param_name(e, "mode");
  bool clip = mode && strcmp(mode, "GatherScatterMode.CLIP") == 0;
  lw_name src, ix, upd, acc, ivs[TJ_MAX_RANK], loop_res[TJ_MAX_RANK], pos[TJ_MAX_RANK], dropped, old, x, comb, v, ins, res;
  lw_atom_tensor(w, e->in[0], src), lw_atom_tensor(w, e->in[1], ix), lw_atom_tensor(w, e->in[2], upd);
  open_update_loops(w, &u, &op, src, ivs, acc, loop_res);
  scatter_position(w, &d, clip, &op, &u, ix, &ia, ivs, pos, dropped);
  put_extract(w, old, acc, &op, pos);
  put_extract(w, x, upd, &u, ivs);
  scatter_combine(w, comb, e->prim, old, x, op.dtype);
  put_select(w, v, dropped, old, comb, op.dtype);
  lw_fresh(w, ins);
  buf_printf(w->out, "      %s = tensor.insert %s into %s[", ins, v, acc);
  for (int i = 0; i < op.rank; i++) buf_printf(w->out, "%s%s", i ? ", " : "", pos[i]);
  buf_puts(w->out, "] : ");
  lw_put_tensor_type(w->out, &op);
  buf_putc(w->out, '\n');
  close_update_loops(w, &u, &op, ins, loop_res, res);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* ---- sort and top_k: by ranks (each position's place in the order,
 * the number of positions ordered before it), then each output position
 * p picks the element of rank p: two linalg.generic with a reduction
 * loop over the sorted dimension, O(n^2) per slice ---- */

/* The key of x in XLA's total order as an integer (eval_sort.c's
 * total_key): its bits with the sign bit set, all flipped when negative;
 * compared unsigned. */
static void total_order_key(lw *w, lw_name res, const char *x, tj_dtype t) {
  tj_dtype it = t == DT_F64 ? DT_I64 : DT_I32;
  const char *ity = t == DT_F64 ? "i64" : "i32";
  lw_name bits, zero, ones, sign, neg, flipped, signed_;
  lw_fresh(w, bits);
  buf_printf(w->out, "      %s = arith.bitcast %s : %s to %s\n", bits, x, lw_elem_type(t), ity);
  lw_fresh(w, zero), lw_fresh(w, ones), lw_fresh(w, sign);
  buf_printf(w->out, "      %s = arith.constant 0 : %s\n      %s = arith.constant -1 : %s\n", zero, ity, ones, ity);
  buf_printf(w->out, "      %s = arith.constant %s : %s\n", sign, it == DT_I64 ? "-9223372036854775808" : "-2147483648", ity);
  lw_fresh(w, neg), lw_fresh(w, flipped), lw_fresh(w, signed_), lw_fresh(w, res);
  buf_printf(w->out, "      %s = arith.cmpi slt, %s, %s : %s\n", neg, bits, zero, ity);
  buf_printf(w->out, "      %s = arith.xori %s, %s : %s\n", flipped, bits, ones, ity);
  buf_printf(w->out, "      %s = arith.xori %s, %s : %s\n", signed_, bits, sign, ity);
  buf_printf(w->out, "      %s = arith.select %s, %s, %s : %s\n", res, neg, flipped, signed_, ity);
}

/* Whether a orders strictly before b (*less) and whether they tie
 * (*same): sort's ascending order on canonicalized floats (numbers, -0.0
 * == 0.0, then every NaN, tied), top_k's descending total order. */
static void order_compare(lw *w, bool top, const char *a, const char *b, tj_dtype t, lw_name less, lw_name same) {
  if (dtype_is_float(t) && top) {
    lw_name ka, kb;
    const char *ity = t == DT_F64 ? "i64" : "i32";
    total_order_key(w, ka, a, t), total_order_key(w, kb, b, t);
    lw_fresh(w, less), lw_fresh(w, same);
    buf_printf(w->out, "      %s = arith.cmpi ugt, %s, %s : %s\n", less, ka, kb, ity);
    buf_printf(w->out, "      %s = arith.cmpi eq, %s, %s : %s\n", same, ka, kb, ity);
  } else if (dtype_is_float(t)) {
    lw_name lt, an, bn, ao, nan_last, eq, both_nan;
    put_cmp(w, lt, "olt", a, b, t), put_cmp(w, ao, "ord", a, a, t), put_cmp(w, bn, "uno", b, b, t);
    put_binary(w, nan_last, "arith.andi", ao, bn, DT_BOOL);
    put_binary(w, less, "arith.ori", lt, nan_last, DT_BOOL);
    put_cmp(w, eq, "oeq", a, b, t), put_cmp(w, an, "uno", a, a, t);
    put_binary(w, both_nan, "arith.andi", an, bn, DT_BOOL);
    put_binary(w, same, "arith.ori", eq, both_nan, DT_BOOL);
  } else {
    const char *pred = t == DT_BOOL ? (top ? "ugt" : "ult") : (top ? "sgt" : "slt");
    put_cmp(w, less, pred, a, b, t), put_cmp(w, same, "eq", a, b, t);
  }
}

/* An operand's map reading dimension dim from the extra loop nloops - 1. */
static void along_loop(lw_operand *o, int dim, int last_loop) {
  for (int i = 0; i < o->aval.rank; i++) o->map[i] = i == dim ? last_loop : i;
}

/* ranks (i32, the keys' shape): of position i along dim, the number of
 * positions j ordered before it by the keys compared in turn, ties by
 * j < i (a stable order, as eval_sort.c's merge sort). */
static void put_ranks(lw *w, lw_operand *keys, int nkeys, int dim, bool top, lw_name ranks) {
  tj_aval ra = keys[0].aval;
  int r = ra.rank;
  ra.dtype = DT_I32;
  lw_name zero, init, args[2], idx[TJ_MAX_RANK + 1], rd[TJ_MAX_RANK], before = "", tie = "", jlt, last, inc, sum;
  lw_operand bound = keys[0];
  along_loop(&bound, dim, r);
  lw_put_scalar_constant(w, zero, DT_I32, 0, 0);
  lw_put_init(w, init, &ra, zero);
  put_index_generic_in(w, ranks, &ra, r + 1, init, &bound, 1, idx, args);
  for (int i = 0; i < r; i++) copy_name(rd[i], i == dim ? idx[r] : idx[i]);
  for (int k = 0; k < nkeys; k++) {
    lw_name xj, xi, less, same, t1, t2;
    put_extract(w, xj, keys[k].name, &keys[k].aval, rd), put_extract(w, xi, keys[k].name, &keys[k].aval, idx);
    order_compare(w, top, xj, xi, keys[k].aval.dtype, less, same);
    if (!k) {
      copy_name(before, less), copy_name(tie, same);
      continue;
    }
    put_binary(w, t1, "arith.andi", tie, less, DT_BOOL), put_binary(w, t2, "arith.ori", before, t1, DT_BOOL);
    copy_name(before, t2);
    put_binary(w, t1, "arith.andi", tie, same, DT_BOOL), copy_name(tie, t1);
  }
  put_index_cmp(w, jlt, "slt", idx[r], idx[dim]);
  put_binary(w, last, "arith.andi", tie, jlt, DT_BOOL);
  put_binary(w, sum, "arith.ori", before, last, DT_BOOL);
  lw_fresh(w, inc);
  buf_printf(w->out, "      %s = arith.extui %s : i1 to i32\n", inc, sum);
  put_binary(w, last, "arith.addi", args[1], inc, DT_I32);
  lw_put_generic_tail(w, last, &ra);
}

/* out (dimension dim of any length: sort's n, top_k's k): element p along
 * dim is src's element whose rank is p, or (index) that element's
 * position, of out's dtype. */
static void put_pick(lw *w, const lw_name ranks, const lw_operand *src, int dim, const tj_aval *out, bool index,
                     lw_name res) {
  int r = out->rank;
  lw_operand in[2];
  lw_name args[3], idx[TJ_MAX_RANK + 1], p, hit, v, pos;
  copy_name(in[0].name, ranks), in[0].aval = src->aval, in[0].aval.dtype = DT_I32;
  in[1] = *src;
  along_loop(&in[0], dim, r), along_loop(&in[1], dim, r);
  put_index_generic_in(w, res, out, r + 1, NULL, in, 2, idx, args);
  lw_fresh(w, p);
  buf_printf(w->out, "      %s = arith.index_cast %s : index to i32\n", p, idx[dim]);
  put_cmp(w, hit, "eq", args[0], p, DT_I32);
  copy_name(v, args[1]);
  if (index) {
    lw_fresh(w, pos);
    buf_printf(w->out, "      %s = arith.index_cast %s : index to %s\n", pos, idx[r], lw_elem_type(out->dtype));
    copy_name(v, pos);
  }
  put_select(w, p, hit, v, args[2], out->dtype);
  lw_put_generic_tail(w, p, out);
}

/* sort[dimension num_keys](*operands): every operand permuted by the
 * stable order of the first num_keys (lax.sort's comparator,
 * _sort_lt_comparator). */
bool lw_sort(lw *w, const ir_eqn *e) {
  lw_operand ops[8];
  int64_t dim = ir_param_int(e, "dimension", -1), nkeys = ir_param_int(e, "num_keys", 1);
  if (e->nin > 8 || e->nin != e->nout) return lw_not_exportable(w, e, " of more than 8 operands");
  for (uint32_t k = 0; k < e->nin; k++) ops[k].aval = ir_atom_aval(w->m, e->in[k]), lw_atom_tensor(w, e->in[k], ops[k].name);
  if (dim < 0 || dim >= ops[0].aval.rank || nkeys < 1 || nkeys > (int64_t)e->nin) return lw_not_exportable(w, e, " (its params)");
  lw_name ranks;
  put_ranks(w, ops, (int)nkeys, (int)dim, false, ranks);
  for (uint32_t k = 0; k < e->nout; k++) put_pick(w, ranks, &ops[k], (int)dim, &w->m->vars[e->out[k]], false, w->names[e->out[k]]);
  return true;
}

/* top_k[k axis](operand): the k greatest in XLA's total order (of equal
 * ones the lower position first), and their positions (eval_sort.c's
 * ev_top_k). */
bool lw_top_k(lw *w, const ir_eqn *e) {
  lw_operand a;
  a.aval = ir_atom_aval(w->m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", a.aval.rank - 1);
  if (axis < 0 || axis >= a.aval.rank || e->nout != 2) return lw_not_exportable(w, e, " (its axis)");
  lw_atom_tensor(w, e->in[0], a.name);
  lw_name ranks;
  put_ranks(w, &a, 1, (int)axis, true, ranks);
  put_pick(w, ranks, &a, (int)axis, &w->m->vars[e->out[0]], false, w->names[e->out[0]]);
  put_pick(w, ranks, &a, (int)axis, &w->m->vars[e->out[1]], true, w->names[e->out[1]]);
  return true;
}

/* ---- more elementwise bodies ---- */

/* is_finite: neither infinite nor NaN: |x| ordered and not equal to inf
 * (eval_nn.c's ev_is_finite). */
bool lw_is_finite(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  tj_dtype t = in_dt[0];
  (void)out_dt;
  if (!dtype_is_float(t)) return lw_not_exportable(w, e, " on integers");
  lw_name mag, inf;
  lw_put_op(w, mag, "math.absf", in, 1, t);
  lw_body_constant(w, inf, t, INFINITY, 0);
  put_cmp(w, res, "one", mag, inf, t);
  return true;
}

/* shift_left, shift_right_logical/arithmetic: XLA's (eval_elem.c's
 * shift): an amount outside [0, bits) gives 0, or the sign fill (x >>
 * bits - 1) for an arithmetic right shift; arith's shifts are poison
 * there, so the amount is made safe first. */
bool lw_shift(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  tj_dtype t = in_dt[0];
  int bits = 8 * dtype_size(t);
  (void)out_dt;
  if (dtype_is_float(t) || t == DT_BOOL) return lw_not_exportable(w, e, " of this dtype");
  const char *op = e->prim == P_shift_left ? "arith.shli" : e->prim == P_shift_right_logical ? "arith.shrui" : "arith.shrsi";
  lw_name width, ok, zero, safe, shifted, fill, top;
  lw_body_constant(w, width, t, 0, bits);
  lw_body_constant(w, zero, t, 0, 0);
  put_cmp(w, ok, "ult", in[1], width, t);
  put_select(w, safe, ok, in[1], zero, t);
  put_binary(w, shifted, op, in[0], safe, t);
  if (e->prim == P_shift_right_arithmetic) {
    lw_body_constant(w, top, t, 0, bits - 1);
    put_binary(w, fill, "arith.shrsi", in[0], top, t);
  } else copy_name(fill, zero);
  put_select(w, res, ok, shifted, fill, t);
  return true;
}

/* clz: the leading zeros of the bits by halving (16, 8, 4, 2, 1 for
 * i32), the width for 0, as XLA's count_leading_zeros (eval_elem.c);
 * math.ctlz does not lower to LLVM in MLIR 19's pipeline here. */
bool lw_clz(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  tj_dtype t = in_dt[0];
  int bits = 8 * dtype_size(t);
  (void)out_dt;
  if (t != DT_I32) return lw_not_exportable(w, e, " of this dtype");
  lw_name x, n, zero, isz, width;
  copy_name(x, in[0]);
  lw_body_constant(w, n, t, 0, 0);
  lw_body_constant(w, zero, t, 0, 0);
  for (int s = bits / 2; s >= 1; s /= 2) {
    lw_name mask, part, z, step, sum, sh, amount, nx;
    lw_body_constant(w, mask, t, 0, (int64_t)(int32_t)(UINT32_MAX << (bits - s)));
    lw_body_constant(w, amount, t, 0, s);
    put_binary(w, part, "arith.andi", x, mask, t);
    put_cmp(w, z, "eq", part, zero, t);
    put_select(w, step, z, amount, zero, t);
    put_binary(w, sum, "arith.addi", n, step, t), copy_name(n, sum);
    put_binary(w, sh, "arith.shli", x, amount, t);
    put_select(w, nx, z, sh, x, t), copy_name(x, nx);
  }
  lw_body_constant(w, width, t, 0, bits);
  put_cmp(w, isz, "eq", in[0], zero, t);
  put_select(w, res, isz, width, n, t);
  return true;
}

/* ---- stack, unstack, split, tile (tjit's own primitives for jnp's
 * stack/unstack/split/tile, lib/ir/prims_stack.c) ---- */

/* RES = tensor.extract_slice SRC[offs] [sizes] [1...] : A to B (B may drop
 * unit dimensions: rank-reducing). */
static void put_extract_slice(lw *w, lw_name res, const char *src, const tj_aval *a, const int64_t *offs, const int64_t *sizes,
                              const tj_aval *to) {
  int64_t ones[TJ_MAX_RANK];
  for (int i = 0; i < a->rank; i++) ones[i] = 1;
  lw_fresh(w, res);
  buf_printf(w->out, "    %s = tensor.extract_slice %s", res, src);
  put_index_list(w, offs, a->rank);
  buf_putc(w->out, ' ');
  put_index_list(w, sizes, a->rank);
  buf_putc(w->out, ' ');
  put_index_list(w, ones, a->rank);
  buf_puts(w->out, " : ");
  lw_put_tensor_type(w->out, a);
  buf_puts(w->out, " to ");
  lw_put_tensor_type(w->out, to);
  buf_putc(w->out, '\n');
}

/* stack[axis](*operands): operand k inserted at k along the new axis
 * (a rank-reducing tensor.insert_slice: the operand lacks the unit
 * dimension). */
bool lw_stack(lw *w, const ir_eqn *e) {
  const tj_aval *out = &w->m->vars[e->out[0]];
  int64_t axis = ir_param_int(e, "axis", -1), offs[TJ_MAX_RANK] = {0}, ones[TJ_MAX_RANK];
  if (axis < 0 || axis >= out->rank) return lw_not_exportable(w, e, " (its axis)");
  tj_aval piece = *out;
  piece.dims[axis] = 1;
  lw_name cur, next, src;
  lw_put_init(w, cur, out, NULL);
  for (int i = 0; i < out->rank; i++) ones[i] = 1;
  for (uint32_t k = 0; k < e->nin; k++) {
    tj_aval a = ir_atom_aval(w->m, e->in[k]);
    lw_atom_tensor(w, e->in[k], src);
    offs[axis] = k;
    lw_fresh(w, next);
    buf_printf(w->out, "    %s = tensor.insert_slice %s into %s", next, src, cur);
    put_index_list(w, offs, out->rank), buf_putc(w->out, ' '), put_index_list(w, piece.dims, out->rank);
    buf_putc(w->out, ' '), put_index_list(w, ones, out->rank);
    buf_puts(w->out, " : "), lw_put_tensor_type(w->out, &a), buf_puts(w->out, " into "), lw_put_tensor_type(w->out, out);
    buf_putc(w->out, '\n');
    copy_name(cur, next);
  }
  copy_name(w->names[e->out[0]], cur);
  return true;
}

/* unstack[axis](x): output k is x's slice k along the axis, the axis
 * dropped (rank-reducing tensor.extract_slice). */
bool lw_unstack(lw *w, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1), offs[TJ_MAX_RANK] = {0}, sizes[TJ_MAX_RANK];
  if (axis < 0 || axis >= a.rank) return lw_not_exportable(w, e, " (its axis)");
  lw_name src;
  lw_atom_tensor(w, e->in[0], src);
  memcpy(sizes, a.dims, sizeof sizes);
  sizes[axis] = 1;
  for (uint32_t k = 0; k < e->nout; k++) {
    offs[axis] = k;
    put_extract_slice(w, w->names[e->out[k]], src, &a, offs, sizes, &w->m->vars[e->out[k]]);
  }
  return true;
}

/* split[axis sizes](x): output k is the slice of its size along the axis,
 * after the previous ones. */
bool lw_split(lw *w, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1), offs[TJ_MAX_RANK] = {0};
  if (axis < 0 || axis >= a.rank) return lw_not_exportable(w, e, " (its axis)");
  lw_name src;
  lw_atom_tensor(w, e->in[0], src);
  for (uint32_t k = 0; k < e->nout; k++) {
    const tj_aval *o = &w->m->vars[e->out[k]];
    put_extract_slice(w, w->names[e->out[k]], src, &a, offs, o->dims, o);
    offs[axis] += o->dims[axis];
  }
  return true;
}

/* tile[reps](x): output element i of a dimension is x's element i mod
 * size (read with tensor.extract). */
bool lw_tile(lw *w, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  if (out->rank != a.rank || !aval_size(&a)) return lw_not_exportable(w, e, " changing the rank or of an empty operand");
  lw_name src, res, acc, idx[TJ_MAX_RANK], rd[TJ_MAX_RANK], x;
  lw_atom_tensor(w, e->in[0], src);
  put_index_generic(w, res, out, out->rank, NULL, idx, acc);
  for (int i = 0; i < a.rank; i++) {
    lw_name n;
    put_index_constant(w, n, a.dims[i]);
    put_index_op(w, rd[i], "arith.remui", idx[i], n);
  }
  put_extract(w, x, src, &a, rd);
  lw_put_generic_tail(w, x, out);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* ---- reduce_window_sum/max/min ---- */

/* Whether window position j of output element o (dimension k) lands on
 * an operand element (not on padding or a base-dilation hole), and which
 * (0 where not): p = o * stride + j * window_dilation - lo, on an element
 * when p >= 0, p % base == 0 and p / base < size (eval_window.c). */
static void window_source(lw *w, const window_spec *ws, int k, int64_t size, const char *o, const char *j, lw_name on,
                          lw_name src) {
  lw_name st, wd, lo, base, n, zero, a, b, c, p, r, q, c1, c2, c3, both;
  put_index_constant(w, st, ws->strides[k]), put_index_constant(w, wd, ws->wdil[k]), put_index_constant(w, lo, ws->lo[k]);
  put_index_constant(w, base, ws->base[k]), put_index_constant(w, n, size), put_index_constant(w, zero, 0);
  put_index_op(w, a, "arith.muli", o, st), put_index_op(w, b, "arith.muli", j, wd);
  put_index_op(w, c, "arith.addi", a, b), put_index_op(w, p, "arith.subi", c, lo);
  put_index_op(w, r, "arith.remsi", p, base), put_index_op(w, q, "arith.divsi", p, base);
  put_index_cmp(w, c1, "sge", p, zero), put_index_cmp(w, c2, "eq", r, zero), put_index_cmp(w, c3, "slt", q, n);
  put_binary(w, both, "arith.andi", c1, c2, DT_BOOL);
  put_binary(w, on, "arith.andi", both, c3, DT_BOOL);
  put_index_select(w, src, on, q, zero);
}

/* reduce_window_sum/max/min[window_dimensions window_strides padding
 * base_dilation window_dilation]: a linalg.generic over the output and
 * the window (reduction loops, spanned by a tensor.empty of the window's
 * shape), from the identity, the window's positions on operand elements
 * combined in row-major order (eval_window.c; XLA's ReduceWindow). */
bool lw_reduce_window(lw *w, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(w->m, e->in[0]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  window_spec ws;
  int r = a.rank, p = e->prim;
  bool fl = dtype_is_float(a.dtype);
  if (!window_spec_read(e, r, &ws) || !aval_size(&a) || a.dtype == DT_BOOL) return lw_not_exportable(w, e, " (its window or dtype)");
  const char *op = p == P_reduce_window_sum ? (fl ? "arith.addf" : "arith.addi")
                   : p == P_reduce_window_max ? (fl ? "arith.maximumf" : "arith.maxsi")
                                              : (fl ? "arith.minimumf" : "arith.minsi");
  double fid = p == P_reduce_window_sum ? 0.0 : p == P_reduce_window_max ? -INFINITY : INFINITY;
  int64_t iid = p == P_reduce_window_sum ? 0 : p == P_reduce_window_max ? INT32_MIN : INT32_MAX;
  lw_operand span;
  lw_name src, init, filled, res, args[2], idx[2 * TJ_MAX_RANK], rd[TJ_MAX_RANK], ok = "", x, comb, v;
  span.aval = a;
  for (int k = 0; k < r; k++) span.aval.dims[k] = ws.dims[k], span.map[k] = r + k;
  lw_put_init(w, span.name, &span.aval, NULL);
  lw_atom_tensor(w, e->in[0], src);
  lw_put_scalar_constant(w, init, a.dtype, fid, iid);
  lw_put_init(w, filled, out, init);
  put_index_generic_in(w, res, out, 2 * r, filled, &span, 1, idx, args);
  for (int k = 0; k < r; k++) {
    lw_name on, both;
    window_source(w, &ws, k, a.dims[k], idx[k], idx[r + k], on, rd[k]);
    if (*ok) put_binary(w, both, "arith.andi", ok, on, DT_BOOL), copy_name(ok, both);
    else copy_name(ok, on);
  }
  put_extract(w, x, src, &a, rd);
  put_binary(w, comb, op, args[1], x, a.dtype);
  if (*ok) put_select(w, v, ok, comb, args[1], a.dtype);
  else copy_name(v, comb);
  lw_put_generic_tail(w, v, out);
  copy_name(w->names[e->out[0]], res);
  return true;
}

/* erf_inv, erfc: MLIR 19's math dialect has no such op (nor a libm call
 * for erf_inv), so not exportable, saying why, rather than an
 * approximation that would not be the evaluator's values. */
bool lw_no_math_op(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)in, (void)in_dt, (void)out_dt, (void)res;
  return lw_not_exportable(w, e, " (MLIR 19's math dialect has no such op)");
}

/* ---- conv_general_dilated ---- */

/* Loop k's index divided (or taken modulo) by a constant, as index. */
static void index_by(lw *w, lw_name res, const char *op, const char *x, int64_t c) {
  lw_name n;
  put_index_constant(w, n, c);
  put_index_op(w, res, op, x, n);
}

/* conv_general_dilated: a linalg.generic over the output (its own layout)
 * and reduction loops over the group's input features and the kernel's
 * positions (spanned by a tensor.empty of that shape), as eval_conv.c
 * writes the definition out: out[n, o, y...] += lhs[ln, g * Cg + c, x...]
 * * rhs[o, c, k...] where x = (y * stride + k * rhs_dilation - pad_lo) /
 * lhs_dilation divides and lies inside (else no term); feature group g =
 * o / (Cout / G), batch groups reading lhs image n + (o / (Cout / BG)) *
 * (N / BG). The sum is in the dtype (the evaluator's float sum is in
 * double: within the tolerance). */
bool lw_conv(lw *w, const ir_eqn *e) {
  tj_conv c;
  tj_aval la = ir_atom_aval(w->m, e->in[0]), ra = ir_atom_aval(w->m, e->in[1]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  if (!conv_read(e, &c) || c.batch_groups < 1 || c.feature_groups < 1 || la.dtype != out->dtype || ra.dtype != out->dtype ||
      out->dtype == DT_BOOL || !aval_size(&la) || !aval_size(&ra))
    return lw_not_exportable(w, e, " with these dtypes or params");
  const int64_t *ls = c.dn.spec[0], *rs = c.dn.spec[1], *os = c.dn.spec[2];
  int r = out->rank, nsp = r - 2;
  int64_t cin = la.dims[ls[1]], cg = cin / c.feature_groups, cout = out->dims[os[1]], nb = la.dims[ls[0]] / c.batch_groups;
  bool fl = dtype_is_float(out->dtype);
  lw_operand span;
  lw_name lsrc, rsrc, zero, init, res, args[2], idx[2 * TJ_MAX_RANK], li[TJ_MAX_RANK], ri[TJ_MAX_RANK], ok = "", g, ln, t;
  span.aval = ra, span.aval.rank = 1 + nsp, span.aval.dims[0] = ra.dims[rs[1]], span.map[0] = r;
  for (int i = 0; i < nsp; i++) span.aval.dims[1 + i] = ra.dims[rs[2 + i]], span.map[1 + i] = r + 1 + i;
  lw_put_init(w, span.name, &span.aval, NULL);
  lw_atom_tensor(w, e->in[0], lsrc), lw_atom_tensor(w, e->in[1], rsrc);
  lw_put_scalar_constant(w, zero, out->dtype, 0.0, 0);
  lw_put_init(w, init, out, zero);
  put_index_generic_in(w, res, out, r + 1 + nsp, init, &span, 1, idx, args);
  const char *n = idx[os[0]], *o = idx[os[1]], *ch = idx[r];
  index_by(w, g, "arith.divui", o, cout / c.feature_groups);
  index_by(w, t, "arith.divui", o, cout / c.batch_groups);
  index_by(w, ln, "arith.muli", t, nb);
  put_index_op(w, li[ls[0]], "arith.addi", n, ln);
  index_by(w, t, "arith.muli", g, cg);
  put_index_op(w, li[ls[1]], "arith.addi", t, ch);
  copy_name(ri[rs[0]], o), copy_name(ri[rs[1]], ch);
  for (int i = 0; i < nsp; i++) {
    window_spec ws = {.strides = {c.strides[i]}, .wdil = {c.rhs_dil[i]}, .lo = {c.pad_lo[i]}, .base = {c.lhs_dil[i]}};
    lw_name on, both;
    window_source(w, &ws, 0, la.dims[ls[2 + i]], idx[os[2 + i]], idx[r + 1 + i], on, li[ls[2 + i]]);
    copy_name(ri[rs[2 + i]], idx[r + 1 + i]);
    if (*ok) put_binary(w, both, "arith.andi", ok, on, DT_BOOL), copy_name(ok, both);
    else copy_name(ok, on);
  }
  lw_name x, y, prod, sum, v;
  put_extract(w, x, lsrc, &la, li), put_extract(w, y, rsrc, &ra, ri);
  put_binary(w, prod, fl ? "arith.mulf" : "arith.muli", x, y, out->dtype);
  put_binary(w, sum, fl ? "arith.addf" : "arith.addi", args[1], prod, out->dtype);
  if (*ok) put_select(w, v, ok, sum, args[1], out->dtype);
  else copy_name(v, sum);
  lw_put_generic_tail(w, v, out);
  copy_name(w->names[e->out[0]], res);
  return true;
}
