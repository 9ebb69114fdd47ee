/* tjit export --dialect linalg: a jaxpr as upstream MLIR (func, arith,
 * math, tensor, linalg) on tensors, so that mlir-opt verifies and lowers
 * it and mlir-cpu-runner runs it. Every equation becomes ops of its own
 * (no fusion: mlir-opt's passes may fuse); elementwise primitives and
 * broadcasts become linalg.generic ops whose indexing maps broadcast the
 * 1-sized dimensions lax's binary ops broadcast, and scalar literals
 * rank-0 tensors read through the empty map. Names are generated: %argK
 * for @fn's inputs, %N for every other value, in the order written. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "export.h"
#include "mlir_linalg.h"
#include "prims.h"

#define ELEM(p, f, i, b)
#define CMP(p, f, i, b)
#define BODY(p, fn) static lw_body fn;
#define RULE(p, fn) static lw_rule fn;
#define DATA_BODY(p, fn) /* mlir_linalg_data.c's, declared in mlir_linalg.h */
#define DATA_RULE(p, fn)
#include "linalg.def"
#undef ELEM
#undef CMP
#undef BODY
#undef RULE
#undef DATA_BODY
#undef DATA_RULE

typedef struct lw_row {
  const char *op[3];   /* ELEM's op, CMP's predicate, by lw_class */
  bool compare;
  lw_body *body;
  lw_rule *rule;
} lw_row;

static const lw_row lw_rows[P_COUNT] = {
#define ELEM(p, f, i, b) [P_##p] = {.op = {f, i, b}},
#define CMP(p, f, i, b) [P_##p] = {.op = {f, i, b}, .compare = true},
#define BODY(p, fn) [P_##p] = {.body = fn},
#define RULE(p, fn) [P_##p] = {.rule = fn},
#define DATA_BODY(p, fn) [P_##p] = {.body = fn},
#define DATA_RULE(p, fn) [P_##p] = {.rule = fn},
#include "linalg.def"
#undef ELEM
#undef CMP
#undef BODY
#undef RULE
#undef DATA_BODY
#undef DATA_RULE
};

/* ---- types and names ---- */

enum lw_class { LC_FLOAT, LC_INT, LC_BOOL };
static enum lw_class lw_class_of(tj_dtype t) { return dtype_is_float(t) ? LC_FLOAT : t == DT_BOOL ? LC_BOOL : LC_INT; }

/* The dtypes this writer handles: f32, f64, i32 and bool (i1). */
static const char *elem_type(tj_dtype t) {
  switch (t) {
  case DT_F32: return "f32";
  case DT_F64: return "f64";
  case DT_I32: return "i32";
  case DT_BOOL: return "i1";
  default: return NULL;
  }
}

static void put_tensor_type(tj_buf *b, const tj_aval *a) {
  buf_puts(b, "tensor<");
  for (int i = 0; i < a->rank; i++) buf_printf(b, "%" PRId64 "x", a->dims[i]);
  buf_printf(b, "%s>", elem_type(a->dtype));
}

static void fresh(lw *w, lw_name out) { snprintf(out, NAME_MAX_LEN, "%%%u", w->next++); }

static bool not_exportable(lw *w, const ir_eqn *e, const char *why) {
  return diag_error(w->d, w->m->src, e ? e->span : span_make(0, 0), "not exportable: %s%s",
                    e ? prims[e->prim].name : "", why);
}

/* ---- constants ---- */

/* A float in MLIR's syntax, exactly: %.9g (f32) or %.17g (f64) round-trip,
 * with the '.' (before any exponent) MLIR's float literals need; NaN and infinities by their bits. */
static void put_float(tj_buf *b, tj_dtype t, double v) {
  bool f32 = t == DT_F32;
  if (isnan(v)) buf_puts(b, f32 ? "0x7FC00000" : "0x7FF8000000000000");
  else if (isinf(v)) buf_puts(b, v > 0 ? (f32 ? "0x7F800000" : "0x7FF0000000000000") : (f32 ? "0xFF800000" : "0xFFF0000000000000"));
  else {
    char s[40];
    snprintf(s, sizeof s, f32 ? "%.9g" : "%.17g", v);
    char *exp = strchr(s, 'e');
    if (strchr(s, '.')) buf_puts(b, s);
    else if (exp) buf_putn(b, s, (size_t)(exp - s)), buf_printf(b, ".0%s", exp); /* MLIR's 1.0e+10, not 1e+10 */
    else buf_printf(b, "%s.0", s);
  }
}

static void put_scalar(tj_buf *b, tj_dtype t, double f, int64_t i) {
  if (dtype_is_float(t)) put_float(b, t, f);
  else buf_printf(b, "%" PRId64, t == DT_BOOL ? i != 0 : i); /* i1 as 0/1: `arith.constant true : i1` does not parse */
}

/* Element k of row-major data of dtype t (one of elem_type's). */
static void put_element(tj_buf *b, tj_dtype t, const void *data, int64_t k) {
  switch (t) {
  case DT_F32: put_float(b, t, ((const float *)data)[k]); break;
  case DT_F64: put_float(b, t, ((const double *)data)[k]); break;
  case DT_I32: buf_printf(b, "%" PRId32, ((const int32_t *)data)[k]); break;
  default: buf_puts(b, ((const uint8_t *)data)[k] ? "true" : "false"); break;
  }
}

/* The nested lists of dense<...> for dimensions dim.. of an array. */
static void put_dense_items(tj_buf *b, const tj_aval *a, const void *data, int dim, int64_t *k) {
  if (dim == a->rank) {
    put_element(b, a->dtype, data, (*k)++);
    return;
  }
  buf_putc(b, '[');
  for (int64_t i = 0; i < a->dims[dim]; i++) {
    if (i) buf_puts(b, ", ");
    put_dense_items(b, a, data, dim + 1, k);
  }
  buf_putc(b, ']');
}

static void put_dense_constant(lw *w, lw_name res, const tj_aval *a, const void *data) {
  int64_t k = 0;
  fresh(w, res);
  buf_printf(w->out, "    %s = arith.constant dense<", res);
  put_dense_items(w->out, a, data, 0, &k);
  buf_puts(w->out, "> : ");
  put_tensor_type(w->out, a);
  buf_putc(w->out, '\n');
}

static void put_scalar_constant(lw *w, lw_name res, tj_dtype t, double f, int64_t i) {
  fresh(w, res);
  buf_printf(w->out, "    %s = arith.constant ", res);
  put_scalar(w->out, t, f, i);
  buf_printf(w->out, " : %s\n", elem_type(t));
}

/* An operand as a tensor: a variable's name, or a literal as a rank-0
 * dense constant. */
static void atom_tensor(lw *w, ir_atom a, lw_name out) {
  if (!ATOM_IS_LIT(a)) {
    memcpy(out, w->names[ATOM_INDEX(a)], NAME_MAX_LEN);
    return;
  }
  const ir_lit *l = &w->m->lits[ATOM_INDEX(a)];
  tj_aval av = aval_scalar(l->dtype, l->weak);
  fresh(w, out);
  buf_printf(w->out, "    %s = arith.constant dense<", out);
  put_scalar(w->out, l->dtype, l->f, l->i);
  buf_puts(w->out, "> : ");
  put_tensor_type(w->out, &av);
  buf_putc(w->out, '\n');
}

/* ---- linalg.generic ---- */

/* An indexing map over nloops loops: result i is loop res[i], or the
 * constant 0 where res[i] < 0 (a 1-sized dimension broadcast). */
static void put_map(tj_buf *b, int nloops, const int *res, int nres) {
  buf_puts(b, "affine_map<(");
  for (int i = 0; i < nloops; i++) buf_printf(b, "%sd%d", i ? ", " : "", i);
  buf_puts(b, ") -> (");
  for (int i = 0; i < nres; i++) {
    if (res[i] < 0) buf_printf(b, "%s0", i ? ", " : "");
    else buf_printf(b, "%sd%d", i ? ", " : "", res[i]);
  }
  buf_puts(b, ")>");
}

/* tensor.empty of aval, and, when init, filled with that scalar. */
static void put_init(lw *w, lw_name res, const tj_aval *a, const lw_name init) {
  fresh(w, res);
  buf_printf(w->out, "    %s = tensor.empty() : ", res);
  put_tensor_type(w->out, a);
  buf_putc(w->out, '\n');
  if (!init) return;
  lw_name filled;
  fresh(w, filled);
  buf_printf(w->out, "    %s = linalg.fill ins(%s : %s) outs(%s : ", filled, init, elem_type(a->dtype), res);
  put_tensor_type(w->out, a);
  buf_puts(w->out, ") -> ");
  put_tensor_type(w->out, a);
  buf_putc(w->out, '\n');
  memcpy(res, filled, NAME_MAX_LEN);
}

/* `RES = linalg.generic {...} ins(...) outs(OUT) {` and the block's
 * arguments into args[0..nin] (the last the output's). */
static void put_generic_head(lw *w, lw_name res, int nloops, const bool *reduction, const lw_operand *in, int nin,
                             const lw_operand *out, lw_name *args) {
  tj_buf *b = w->out;
  fresh(w, res);
  buf_printf(b, "    %s = linalg.generic {indexing_maps = [", res);
  for (int k = 0; k <= nin; k++) {
    const lw_operand *o = k < nin ? &in[k] : out;
    if (k) buf_puts(b, ", ");
    put_map(b, nloops, o->map, o->aval.rank);
  }
  buf_puts(b, "], iterator_types = [");
  for (int i = 0; i < nloops; i++) buf_printf(b, "%s\"%s\"", i ? ", " : "", reduction && reduction[i] ? "reduction" : "parallel");
  buf_puts(b, "]}");
  if (nin) {
    buf_puts(b, " ins(");
    for (int k = 0; k < nin; k++) buf_printf(b, "%s%s", k ? ", " : "", in[k].name);
    buf_puts(b, " : ");
    for (int k = 0; k < nin; k++) {
      if (k) buf_puts(b, ", ");
      put_tensor_type(b, &in[k].aval);
    }
    buf_putc(b, ')');
  }
  buf_printf(b, " outs(%s : ", out->name);
  put_tensor_type(b, &out->aval);
  buf_puts(b, ") {\n    ^bb0(");
  for (int k = 0; k <= nin; k++) {
    const lw_operand *o = k < nin ? &in[k] : out;
    fresh(w, args[k]);
    buf_printf(b, "%s%s: %s", k ? ", " : "", args[k], elem_type(o->aval.dtype));
  }
  buf_puts(b, "):\n");
}

static void put_generic_tail(lw *w, const lw_name value, const tj_aval *out) {
  buf_printf(w->out, "      linalg.yield %s : %s\n    } -> ", value, elem_type(out->dtype));
  put_tensor_type(w->out, out);
  buf_putc(w->out, '\n');
}

/* ---- elementwise bodies ---- */

static void put_op(lw *w, lw_name res, const char *op, const lw_name *in, int nin, tj_dtype t) {
  fresh(w, res);
  buf_printf(w->out, "      %s = %s ", res, op);
  for (int k = 0; k < nin; k++) buf_printf(w->out, "%s%s", k ? ", " : "", in[k]);
  buf_printf(w->out, " : %s\n", elem_type(t));
}

static void body_constant(lw *w, lw_name res, tj_dtype t, double f, int64_t i) {
  fresh(w, res);
  buf_printf(w->out, "      %s = arith.constant ", res);
  put_scalar(w->out, t, f, i);
  buf_printf(w->out, " : %s\n", elem_type(t));
}

/* An ELEM or CMP row's op on the operands' class. */
static bool body_row(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, lw_name res) {
  const lw_row *r = &lw_rows[e->prim];
  enum lw_class c = lw_class_of(in_dt[0]);
  if (!*r->op[c]) return not_exportable(w, e, c == LC_FLOAT ? " on floats" : c == LC_INT ? " on integers" : " on bool");
  if (e->prim == P_pow && in_dt[1] != in_dt[0]) { /* an integer exponent: as a float, as lax.py's _pow_lower converts it */
    lw_name conv[2];
    memcpy(conv[0], in[0], NAME_MAX_LEN);
    fresh(w, conv[1]);
    buf_printf(w->out, "      %s = arith.sitofp %s : %s to %s\n", conv[1], in[1], elem_type(in_dt[1]), elem_type(in_dt[0]));
    put_op(w, res, r->op[c], conv, 2, in_dt[0]);
    return true;
  }
  if (!r->compare) {
    put_op(w, res, r->op[c], in, (int)e->nin, in_dt[0]);
    return true;
  }
  fresh(w, res);
  buf_printf(w->out, "      %s = arith.%s %s, %s, %s : %s\n", res, c == LC_FLOAT ? "cmpf" : "cmpi", r->op[c], in[0], in[1],
             elem_type(in_dt[0]));
  return true;
}

/* lax.logistic: 1 / (1 + exp(-x)) (lax.py's logistic_impl). */
static bool lw_logistic(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)out_dt;
  if (!dtype_is_float(in_dt[0])) return not_exportable(w, e, " on integers");
  lw_name neg, ex, one, den;
  put_op(w, neg, "arith.negf", in, 1, in_dt[0]);
  put_op(w, ex, "math.exp", &neg, 1, in_dt[0]);
  body_constant(w, one, in_dt[0], 1.0, 1);
  lw_name sum_in[2], div_in[2];
  memcpy(sum_in[0], one, NAME_MAX_LEN), memcpy(sum_in[1], ex, NAME_MAX_LEN);
  put_op(w, den, "arith.addf", sum_in, 2, in_dt[0]);
  memcpy(div_in[0], one, NAME_MAX_LEN), memcpy(div_in[1], den, NAME_MAX_LEN);
  put_op(w, res, "arith.divf", div_in, 2, in_dt[0]);
  return true;
}

/* x^y by repeated squaring, as lax.py's _integer_pow lowering does (its
 * _integer_pow_jvp aside): 1/x^-y for a negative y. */
static bool lw_integer_pow(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)out_dt;
  tj_dtype t = in_dt[0];
  bool fl = dtype_is_float(t);
  int64_t y = ir_param_int(e, "y", 1);
  if (t == DT_BOOL || (y < 0 && !fl) || y > 1 << 20 || y < -(1 << 20)) return not_exportable(w, e, " of this dtype or exponent");
  const char *mul = fl ? "arith.mulf" : "arith.muli";
  lw_name acc = "", base, pair[2];
  memcpy(base, in[0], NAME_MAX_LEN);
  for (int64_t n = y < 0 ? -y : y; n > 0; n >>= 1) {
    if (n & 1) {
      if (!*acc) memcpy(acc, base, NAME_MAX_LEN);
      else memcpy(pair[0], acc, NAME_MAX_LEN), memcpy(pair[1], base, NAME_MAX_LEN), put_op(w, acc, mul, pair, 2, t);
    }
    if (n > 1) memcpy(pair[0], base, NAME_MAX_LEN), memcpy(pair[1], base, NAME_MAX_LEN), put_op(w, base, mul, pair, 2, t);
  }
  if (!*acc) body_constant(w, acc, t, 1.0, 1);
  if (y >= 0) memcpy(res, acc, NAME_MAX_LEN);
  if (y < 0) {
    lw_name one;
    body_constant(w, one, t, 1.0, 1);
    memcpy(pair[0], one, NAME_MAX_LEN), memcpy(pair[1], acc, NAME_MAX_LEN);
    put_op(w, res, "arith.divf", pair, 2, t);
  }
  return true;
}

/* rsqrt: 1 / sqrt(x) (math.rsqrt has no lowering to LLVM in MLIR 19). */
static bool lw_rsqrt(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)out_dt;
  if (!dtype_is_float(in_dt[0])) return not_exportable(w, e, " on integers");
  lw_name pair[2];
  put_op(w, pair[1], "math.sqrt", in, 1, in_dt[0]);
  body_constant(w, pair[0], in_dt[0], 1.0, 1);
  put_op(w, res, "arith.divf", pair, 2, in_dt[0]);
  return true;
}

/* clamp(lo, x, hi): min(max(x, lo), hi), as XLA's Clamp (and lax.py's
 * _clamp_lower, hlo.clamp). */
static bool lw_clamp(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)out_dt;
  enum lw_class c = lw_class_of(in_dt[1]);
  const char *mx = lw_rows[P_max].op[c], *mn = lw_rows[P_min].op[c];
  if (c == LC_BOOL) return not_exportable(w, e, " on bool");
  lw_name pair[2], low;
  memcpy(pair[0], in[1], NAME_MAX_LEN), memcpy(pair[1], in[0], NAME_MAX_LEN);
  put_op(w, low, mx, pair, 2, in_dt[1]); /* not into pair[0]: put_op names its result before it reads its operands */
  memcpy(pair[0], low, NAME_MAX_LEN), memcpy(pair[1], in[2], NAME_MAX_LEN);
  put_op(w, res, mn, pair, 2, in_dt[1]);
  return true;
}

/* lax.square: x * x (lax.py lowers square_p to stablehlo.multiply). */
static bool lw_square(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)out_dt;
  if (in_dt[0] == DT_BOOL) return not_exportable(w, e, " on bool");
  lw_name pair[2];
  memcpy(pair[0], in[0], NAME_MAX_LEN), memcpy(pair[1], in[0], NAME_MAX_LEN);
  put_op(w, res, dtype_is_float(in_dt[0]) ? "arith.mulf" : "arith.muli", pair, 2, in_dt[0]);
  return true;
}

/* lax.bitwise_not: x xor all ones (true for bool). */
static bool lw_not(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)out_dt, (void)e;
  lw_name pair[2];
  memcpy(pair[0], in[0], NAME_MAX_LEN);
  body_constant(w, pair[1], in_dt[0], 0, in_dt[0] == DT_BOOL ? 1 : -1);
  put_op(w, res, "arith.xori", pair, 2, in_dt[0]);
  return true;
}

/* select_n(which, case0, case1): case1 where which is true (or nonzero). */
static bool lw_select_n(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  if (e->nin != 3) return lw_select_cases(w, e, in, in_dt, out_dt, res);
  lw_name which;
  memcpy(which, in[0], NAME_MAX_LEN);
  if (in_dt[0] != DT_BOOL) {
    lw_name zero;
    body_constant(w, zero, in_dt[0], 0, 0);
    fresh(w, which);
    buf_printf(w->out, "      %s = arith.cmpi ne, %s, %s : %s\n", which, in[0], zero, elem_type(in_dt[0]));
  }
  fresh(w, res);
  buf_printf(w->out, "      %s = arith.select %s, %s, %s : %s\n", res, which, in[2], in[1], elem_type(out_dt));
  return true;
}

/* Float to i32 as XLA converts (and tjit's evaluator): NaN to 0, values
 * at or beyond 2^31 (or below -2^31) saturated; arith.fptosi alone is
 * poison there. */
static bool float_to_int(lw *w, const char *x, tj_dtype from, tj_dtype to, lw_name res) {
  const char *ft = elem_type(from), *it = elem_type(to);
  lw_name conv, lo, hi, big, small, nan, imax, imin, zero, s1, s2;
  fresh(w, conv);
  buf_printf(w->out, "      %s = arith.fptosi %s : %s to %s\n", conv, x, ft, it);
  body_constant(w, hi, from, 2147483648.0, 0);
  body_constant(w, lo, from, -2147483648.0, 0);
  body_constant(w, imax, to, 0, INT32_MAX);
  body_constant(w, imin, to, 0, INT32_MIN);
  body_constant(w, zero, to, 0, 0);
  fresh(w, big), buf_printf(w->out, "      %s = arith.cmpf oge, %s, %s : %s\n", big, x, hi, ft);
  fresh(w, small), buf_printf(w->out, "      %s = arith.cmpf olt, %s, %s : %s\n", small, x, lo, ft);
  fresh(w, nan), buf_printf(w->out, "      %s = arith.cmpf uno, %s, %s : %s\n", nan, x, x, ft);
  fresh(w, s1), buf_printf(w->out, "      %s = arith.select %s, %s, %s : %s\n", s1, big, imax, conv, it);
  fresh(w, s2), buf_printf(w->out, "      %s = arith.select %s, %s, %s : %s\n", s2, small, imin, s1, it);
  fresh(w, res), buf_printf(w->out, "      %s = arith.select %s, %s, %s : %s\n", res, nan, zero, s2, it);
  return true;
}

/* convert_element_type between f32, f64, i32 and bool: floats to ints
 * truncate toward zero, to bool compare with zero (x != 0), as XLA's
 * ConvertElementType does for values in range. */
static bool lw_convert(lw *w, const ir_eqn *e, const lw_name *in, const tj_dtype *in_dt, tj_dtype out_dt, lw_name res) {
  (void)e;
  tj_dtype from = in_dt[0];
  enum lw_class a = lw_class_of(from), b = lw_class_of(out_dt);
  const char *op = NULL;
  if (from == out_dt) {
    memcpy(res, in[0], NAME_MAX_LEN);
    return true;
  }
  if (b == LC_BOOL) {
    lw_name zero;
    body_constant(w, zero, from, 0, 0);
    fresh(w, res);
    buf_printf(w->out, "      %s = arith.%s, %s, %s : %s\n", res, a == LC_FLOAT ? "cmpf une" : "cmpi ne", in[0], zero,
               elem_type(from));
    return true;
  }
  if (a == LC_FLOAT && b == LC_FLOAT) op = dtype_size(out_dt) > dtype_size(from) ? "arith.extf" : "arith.truncf";
  else if (a == LC_FLOAT) return float_to_int(w, in[0], from, out_dt, res);
  else if (b == LC_FLOAT) op = a == LC_BOOL ? "arith.uitofp" : "arith.sitofp";
  else op = a == LC_BOOL ? "arith.extui" : "arith.extsi"; /* i1 -> i32 (i32 -> i32 is from == out_dt) */
  fresh(w, res);
  buf_printf(w->out, "      %s = %s %s : %s to %s\n", res, op, in[0], elem_type(from), elem_type(out_dt));
  return true;
}

/* An elementwise equation: one linalg.generic over the output's shape;
 * an operand of lower rank is a scalar (the empty map), one of equal rank
 * reads index 0 along its 1-sized broadcast dimensions. */
static bool write_elementwise(lw *w, const ir_eqn *e) {
  const tj_aval *out = &w->m->vars[e->out[0]];
  lw_operand ops[8], res;
  lw_name args[9], value;
  tj_dtype dts[8];
  if (e->nin > 8) return not_exportable(w, e, " with more than 8 operands");
  for (uint32_t k = 0; k < e->nin; k++) {
    ops[k].aval = ir_atom_aval(w->m, e->in[k]);
    dts[k] = ops[k].aval.dtype;
    atom_tensor(w, e->in[k], ops[k].name);
    for (int i = 0; i < ops[k].aval.rank; i++) ops[k].map[i] = ops[k].aval.dims[i] == out->dims[i] ? i : -1;
    if (ops[k].aval.rank && ops[k].aval.rank != out->rank) return not_exportable(w, e, " of operands of unequal ranks");
  }
  res.aval = *out;
  for (int i = 0; i < out->rank; i++) res.map[i] = i;
  put_init(w, res.name, out, NULL);
  lw_name result;
  put_generic_head(w, result, out->rank, NULL, ops, (int)e->nin, &res, args);
  const lw_row *r = &lw_rows[e->prim];
  bool ok = r->body ? r->body(w, e, args, dts, out->dtype, value) : body_row(w, e, args, dts, value);
  if (!ok) return false;
  put_generic_tail(w, value, out);
  memcpy(w->names[e->out[0]], result, NAME_MAX_LEN);
  return true;
}

/* ---- whole-equation rules ---- */

/* copy, stop_gradient: the operand's value itself. */
static bool lw_alias(lw *w, const ir_eqn *e) {
  atom_tensor(w, e->in[0], w->names[e->out[0]]);
  return true;
}

/* A linalg.generic that copies its one operand, read through map. */
static void put_copy_generic(lw *w, const ir_eqn *e, const int *map) {
  const tj_aval *out = &w->m->vars[e->out[0]];
  lw_operand in, res;
  lw_name args[2], result;
  in.aval = ir_atom_aval(w->m, e->in[0]);
  atom_tensor(w, e->in[0], in.name);
  memcpy(in.map, map, sizeof in.map);
  res.aval = *out;
  for (int i = 0; i < out->rank; i++) res.map[i] = i;
  put_init(w, res.name, out, NULL);
  put_generic_head(w, result, out->rank, NULL, &in, 1, &res, args);
  put_generic_tail(w, args[0], out);
  memcpy(w->names[e->out[0]], result, NAME_MAX_LEN);
}

/* broadcast_in_dim[broadcast_dimensions]: operand dimension k is output
 * dimension bd[k], or broadcast from its size 1 (lax.py's
 * _broadcast_in_dim_shape_rule allows both). */
static bool lw_broadcast_in_dim(lw *w, const ir_eqn *e) {
  int64_t bd[TJ_MAX_RANK];
  int map[TJ_MAX_RANK] = {0};
  tj_aval in = ir_atom_aval(w->m, e->in[0]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  if (in.rank && ir_param_ints(e, "broadcast_dimensions", bd, TJ_MAX_RANK) != in.rank)
    return not_exportable(w, e, " (its dimensions)");
  for (int k = 0; k < in.rank; k++) map[k] = in.dims[k] == out->dims[bd[k]] ? (int)bd[k] : -1;
  put_copy_generic(w, e, map);
  return true;
}

/* transpose[permutation]: output dimension i is operand dimension perm[i]. */
static bool lw_transpose(lw *w, const ir_eqn *e) {
  int64_t perm[TJ_MAX_RANK];
  int map[TJ_MAX_RANK] = {0};
  tj_aval in = ir_atom_aval(w->m, e->in[0]);
  if (ir_param_ints(e, "permutation", perm, TJ_MAX_RANK) != in.rank) return not_exportable(w, e, " (its permutation)");
  for (int i = 0; i < in.rank; i++) map[perm[i]] = i;
  put_copy_generic(w, e, map);
  return true;
}

/* tensor.collapse_shape or tensor.expand_shape of src into to, between
 * rank 1 (all the dimensions one group) or rank 0 (no group) and any. */
static void put_regroup(lw *w, lw_name res, const char *src, const tj_aval *from, const tj_aval *to, bool expand) {
  const tj_aval *grouped = expand ? to : from, *flat = expand ? from : to; /* flat: rank 1 or 0 (no group) */
  fresh(w, res);
  buf_printf(w->out, "    %s = tensor.%s %s [", res, expand ? "expand_shape" : "collapse_shape", src);
  if (flat->rank) {
    buf_putc(w->out, '[');
    for (int i = 0; i < grouped->rank; i++) buf_printf(w->out, "%s%d", i ? ", " : "", i);
    buf_putc(w->out, ']');
  }
  buf_putc(w->out, ']');
  if (expand) {
    buf_puts(w->out, " output_shape [");
    for (int i = 0; i < to->rank; i++) buf_printf(w->out, "%s%" PRId64, i ? ", " : "", to->dims[i]);
    buf_putc(w->out, ']');
  }
  buf_puts(w->out, " : ");
  put_tensor_type(w->out, from);
  buf_puts(w->out, " into ");
  put_tensor_type(w->out, to);
  buf_putc(w->out, '\n');
}

/* reshape, squeeze: row-major order kept, through the flat vector:
 * collapsed to rank 1 (or from rank 0 expanded), then expanded to the
 * output's shape (or collapsed to rank 0). */
static bool lw_reshape(lw *w, const ir_eqn *e) {
  tj_aval in = ir_atom_aval(w->m, e->in[0]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  tj_aval flat = in;
  lw_name cur, next;
  atom_tensor(w, e->in[0], cur);
  if (aval_size(&in) == 0) return not_exportable(w, e, " of an empty array");
  if (e->prim == P_reshape && ir_param_get(e, "dimensions") && !ir_param_is_none(e, "dimensions"))
    return not_exportable(w, e, " with dimensions (a transpose first)"); /* the flat order would be wrong */
  flat.rank = 1, flat.dims[0] = aval_size(&in);
  if (in.rank == 0 || out->rank == 0) { /* to or from all ones: one regroup */
    put_regroup(w, next, cur, &in, out, in.rank == 0);
    memcpy(w->names[e->out[0]], next, NAME_MAX_LEN);
    return true;
  }
  if (in.rank > 1) put_regroup(w, next, cur, &in, &flat, false), memcpy(cur, next, NAME_MAX_LEN);
  if (out->rank > 1) put_regroup(w, next, cur, &flat, out, true), memcpy(cur, next, NAME_MAX_LEN);
  memcpy(w->names[e->out[0]], cur, NAME_MAX_LEN);
  return true;
}

/* iota[dimension dtype shape]: the index along dimension (linalg.index),
 * converted to the dtype. */
static bool lw_iota(lw *w, const ir_eqn *e) {
  lw_operand res;
  lw_name result, idx, wide, value;
  res.aval = w->m->vars[e->out[0]];
  int64_t dim = ir_param_int(e, "dimension", -1);
  tj_dtype t = res.aval.dtype;
  if (dim < 0 || dim >= res.aval.rank || t == DT_BOOL) return not_exportable(w, e, " of this dtype or dimension");
  for (int i = 0; i < res.aval.rank; i++) res.map[i] = i;
  put_init(w, res.name, &res.aval, NULL);
  put_generic_head(w, result, res.aval.rank, NULL, NULL, 0, &res, &idx);
  fresh(w, idx);
  buf_printf(w->out, "      %s = linalg.index %" PRId64 " : index\n", idx, dim);
  fresh(w, wide);
  buf_printf(w->out, "      %s = arith.index_cast %s : index to i64\n", wide, idx);
  fresh(w, value);
  buf_printf(w->out, "      %s = arith.%s %s : i64 to %s\n", value, dtype_is_float(t) ? "sitofp" : "trunci", wide, elem_type(t));
  put_generic_tail(w, value, &res.aval);
  memcpy(w->names[e->out[0]], result, NAME_MAX_LEN);
  return true;
}

/* slice[start_indices limit_indices strides]: tensor.extract_slice at
 * the starts, of the output's sizes, with the strides (None: all 1). */
static bool lw_slice(lw *w, const ir_eqn *e) {
  int64_t start[TJ_MAX_RANK], stride[TJ_MAX_RANK];
  tj_aval in = ir_atom_aval(w->m, e->in[0]);
  const tj_aval *out = &w->m->vars[e->out[0]];
  lw_name src, res;
  bool unit = ir_param_is_none(e, "strides");
  if (ir_param_ints(e, "start_indices", start, TJ_MAX_RANK) != in.rank ||
      (!unit && ir_param_ints(e, "strides", stride, TJ_MAX_RANK) != in.rank))
    return not_exportable(w, e, " (its indices)");
  atom_tensor(w, e->in[0], src);
  fresh(w, res);
  buf_printf(w->out, "    %s = tensor.extract_slice %s[", res, src);
  for (int i = 0; i < in.rank; i++) buf_printf(w->out, "%s%" PRId64, i ? ", " : "", start[i]);
  buf_puts(w->out, "] [");
  for (int i = 0; i < in.rank; i++) buf_printf(w->out, "%s%" PRId64, i ? ", " : "", out->dims[i]);
  buf_puts(w->out, "] [");
  for (int i = 0; i < in.rank; i++) buf_printf(w->out, "%s%" PRId64, i ? ", " : "", unit ? 1 : stride[i]);
  buf_puts(w->out, "] : ");
  put_tensor_type(w->out, &in);
  buf_puts(w->out, " to ");
  put_tensor_type(w->out, out);
  buf_putc(w->out, '\n');
  memcpy(w->names[e->out[0]], res, NAME_MAX_LEN);
  return true;
}

/* The neutral element of a reduction: 0, -inf/INT_MIN/false, +inf/INT_MAX/true
 * (lax.py's _get_sum_identity, _get_max_identity, _get_min_identity). */
static void reduce_identity(lw *w, lw_name res, int prim, tj_dtype t) {
  bool fl = dtype_is_float(t), mx = prim == P_reduce_max;
  if (prim == P_reduce_sum) put_scalar_constant(w, res, t, 0.0, 0);
  else if (fl) put_scalar_constant(w, res, t, mx ? -INFINITY : INFINITY, 0);
  else if (t == DT_BOOL) put_scalar_constant(w, res, t, 0, mx ? 0 : 1);
  else put_scalar_constant(w, res, t, 0, mx ? INT32_MIN : INT32_MAX);
}

/* reduce_sum/max/min[axes]: a linalg.generic over the operand's
 * dimensions, the axes reductions, into the identity-filled output. */
static bool lw_reduce(lw *w, const ir_eqn *e) {
  static const int combine[] = {[P_reduce_sum] = P_add, [P_reduce_max] = P_max, [P_reduce_min] = P_min};
  int64_t axes[TJ_MAX_RANK];
  bool reduced[TJ_MAX_RANK] = {false};
  lw_operand in, res;
  lw_name init, args[2], result, value;
  in.aval = ir_atom_aval(w->m, e->in[0]);
  int nax = ir_param_ints(e, "axes", axes, TJ_MAX_RANK);
  const char *op = lw_rows[combine[e->prim]].op[lw_class_of(in.aval.dtype)];
  if (nax < 0 || !*op) return not_exportable(w, e, " of this dtype");
  for (int k = 0; k < nax; k++) reduced[axes[k]] = true;
  atom_tensor(w, e->in[0], in.name);
  res.aval = w->m->vars[e->out[0]];
  for (int i = 0, r = 0; i < in.aval.rank; i++) {
    in.map[i] = i;
    if (!reduced[i]) res.map[r++] = i;
  }
  reduce_identity(w, init, e->prim, in.aval.dtype);
  put_init(w, res.name, &res.aval, init);
  put_generic_head(w, result, in.aval.rank, reduced, &in, 1, &res, args);
  put_op(w, value, op, args, 2, in.aval.dtype);
  put_generic_tail(w, value, &res.aval);
  memcpy(w->names[e->out[0]], result, NAME_MAX_LEN);
  return true;
}

/* Operand side's map of dot_general: batch dimension k is loop k, its
 * free dimensions the loops from first_free on, contracting dimension k
 * loop first_contract + k. */
static void dot_side_map(const tj_aval *a, const int64_t *batch, int nb, const int64_t *contract, int nc, int first_free,
                         int first_contract, int *map) {
  for (int i = 0, free = first_free; i < a->rank; i++) {
    map[i] = -2;
    for (int k = 0; k < nb; k++)
      if (batch[k] == i) map[i] = k;
    for (int k = 0; k < nc; k++)
      if (contract[k] == i) map[i] = first_contract + k;
    if (map[i] == -2) map[i] = free++;
  }
}

/* dot_general[dimension_numbers]: out[batch, lhs free, rhs free] = sum
 * over the contracting dimensions of lhs * rhs, as lax.py's
 * _dot_general_shape_rule orders the output (operands of the output's
 * dtype: another preferred_element_type is not exportable yet). */
static bool lw_dot_general(lw *w, const ir_eqn *e) {
  ir_dot_dims dd;
  lw_operand in[2], res;
  lw_name init, args[3], prod, value;
  bool reduction[3 * TJ_MAX_RANK] = {false};
  res.aval = w->m->vars[e->out[0]];
  in[0].aval = ir_atom_aval(w->m, e->in[0]), in[1].aval = ir_atom_aval(w->m, e->in[1]);
  tj_dtype t = res.aval.dtype;
  if (!ir_dot_dims_read(e, &dd) || in[0].aval.dtype != t || in[1].aval.dtype != t || t == DT_BOOL)
    return not_exportable(w, e, " with these dtypes");
  int nlf = in[0].aval.rank - dd.nlb - dd.nlc, nrf = in[1].aval.rank - dd.nrb - dd.nrc;
  int npar = dd.nlb + nlf + nrf, nloops = npar + dd.nlc;
  dot_side_map(&in[0].aval, dd.lb, dd.nlb, dd.lc, dd.nlc, dd.nlb, npar, in[0].map);
  dot_side_map(&in[1].aval, dd.rb, dd.nrb, dd.rc, dd.nrc, dd.nlb + nlf, npar, in[1].map);
  for (int i = 0; i < npar; i++) res.map[i] = i;
  for (int i = npar; i < nloops; i++) reduction[i] = true;
  atom_tensor(w, e->in[0], in[0].name), atom_tensor(w, e->in[1], in[1].name);
  put_scalar_constant(w, init, t, 0.0, 0);
  put_init(w, res.name, &res.aval, init);
  put_generic_head(w, value, nloops, reduction, in, 2, &res, args);
  bool fl = dtype_is_float(t);
  put_op(w, prod, fl ? "arith.mulf" : "arith.muli", args, 2, t);
  lw_name sum_in[2], sum;
  memcpy(sum_in[0], args[2], NAME_MAX_LEN), memcpy(sum_in[1], prod, NAME_MAX_LEN);
  put_op(w, sum, fl ? "arith.addf" : "arith.addi", sum_in, 2, t);
  put_generic_tail(w, sum, &res.aval);
  memcpy(w->names[e->out[0]], value, NAME_MAX_LEN);
  return true;
}

static bool write_jaxpr_body(lw *w, const ir_jaxpr *j);

/* The constvars of j (array constants JAX hoists) as dense constants. */
static bool write_consts(lw *w, const ir_jaxpr *j) {
  for (uint32_t k = 0; k < j->nconst; k++) {
    uint32_t v = j->constvars[k];
    const void *data = ir_const_data(w->m, v);
    if (!data) return not_exportable(w, NULL, "a constant without a value");
    put_dense_constant(w, w->names[v], &w->m->vars[v], data);
  }
  return true;
}

/* jit, custom_jvp_call: the callee's equations inline, as JAX's lowering
 * of a custom_jvp_call inlines its call_jaxpr (a jit becomes a private
 * func.func in JAX's module; inlined here, the same values). */
static bool lw_inline(lw *w, const ir_eqn *e) {
  const ir_jaxpr *j = ir_param_jaxpr(e, e->prim == P_jit ? "jaxpr" : "call_jaxpr");
  if (!j || j->nin != e->nin || j->nout != e->nout) return not_exportable(w, e, " (its jaxpr)");
  if (!write_consts(w, j)) return false;
  for (uint32_t k = 0; k < e->nin; k++) atom_tensor(w, e->in[k], w->names[j->invars[k]]);
  if (!write_jaxpr_body(w, j)) return false;
  for (uint32_t k = 0; k < e->nout; k++) atom_tensor(w, j->outs[k], w->names[e->out[k]]);
  return true;
}

/* ---- control flow: cond, while and scan as scf regions (tensors as
 * their values, scalars rank-0 tensors) whose ops are the sub-jaxprs'
 * equations, written by write_jaxpr_body; scf regions see the values
 * outside them, so the equation's consts are read where they are. ---- */

enum { LW_MAX_VALUES = 64 }; /* operands of one control-flow equation */
typedef lw_name lw_values[LW_MAX_VALUES];

/* The types of e's outputs, which every region of cond, while and scan
 * yields: "T0, T1" (parenthesized when paren and not one). */
static void put_out_types(lw *w, const ir_eqn *e, bool paren) {
  bool p = paren && e->nout != 1;
  if (p) buf_putc(w->out, '(');
  for (uint32_t k = 0; k < e->nout; k++) {
    if (k) buf_puts(w->out, ", ");
    put_tensor_type(w->out, &w->m->vars[e->out[k]]);
  }
  if (p) buf_putc(w->out, ')');
}

/* `%N = ` or `%N:n = ` for an op of e's results, named %N or %N#k. */
static void put_results_head(lw *w, const ir_eqn *e, lw_name res) {
  fresh(w, res);
  if (e->nout == 1) buf_printf(w->out, "    %s = ", res);
  else buf_printf(w->out, "    %s:%u = ", res, e->nout);
  for (uint32_t k = 0; k < e->nout; k++)
    if (e->nout == 1) memcpy(w->names[e->out[k]], res, NAME_MAX_LEN);
    else snprintf(w->names[e->out[k]], NAME_MAX_LEN, "%s#%u", res, k);
}

/* `KEYWORD v0, v1 : T0, T1` ending a region (scf.yield, scf.condition(p)). */
static void put_terminator(lw *w, const ir_eqn *e, const char *keyword, const lw_name *v) {
  buf_printf(w->out, "    %s", keyword);
  for (uint32_t k = 0; k < e->nout; k++) buf_printf(w->out, "%s %s", k ? "," : "", v[k]);
  if (e->nout) buf_puts(w->out, " : ");
  put_out_types(w, e, false);
  buf_putc(w->out, '\n');
}

/* Sub-jaxpr j on the values named in (its consts first): its equations,
 * its outputs' names into out. */
static bool write_sub(lw *w, const ir_jaxpr *j, const lw_name *in, lw_name *out) {
  if (!write_consts(w, j)) return false;
  for (uint32_t k = 0; k < j->nin; k++) memcpy(w->names[j->invars[k]], in[k], NAME_MAX_LEN);
  if (!write_jaxpr_body(w, j)) return false;
  for (uint32_t k = 0; k < j->nout; k++) atom_tensor(w, j->outs[k], out[k]);
  return true;
}

/* Whether j takes nin values and gives e's outputs. */
static bool sub_fits(const ir_jaxpr *j, uint32_t nin, const ir_eqn *e) { return j && j->nin == nin && j->nout == e->nout; }

/* One cond branch's region: its equations and their scf.yield. */
static bool write_branch(lw *w, const ir_eqn *e, const ir_jaxpr *j, const lw_name *args) {
  lw_values outs;
  if (!write_sub(w, j, args, outs)) return false;
  put_terminator(w, e, "scf.yield", outs);
  return true;
}

/* cond[branches](index, *args): the branch of the index, and for an index
 * outside [0, n) the last, as XLA's Conditional (and the evaluator's
 * ev_cond; lax.switch clamps before binding, conditionals.py's
 * _cond_lowering builds a stablehlo.case): scf.if for two branches,
 * scf.index_switch (its default region the last branch) for others. */
static bool lw_cond(lw *w, const ir_eqn *e) {
  const pval *br = ir_param_get(e, "branches");
  int n = ir_pval_njaxprs(br);
  tj_dtype it = ir_atom_aval(w->m, e->in[0]).dtype;
  lw_values args;
  lw_name index_t, index, test, res;
  if (n < 1 || e->nin - 1 > LW_MAX_VALUES || e->nout > LW_MAX_VALUES || (n != 2 && it != DT_I32))
    return not_exportable(w, e, " (its branches or index)");
  for (int b = 0; b < n; b++)
    if (!sub_fits(ir_pval_jaxpr(br, b), e->nin - 1, e)) return not_exportable(w, e, " (its branches)");
  for (uint32_t k = 1; k < e->nin; k++) atom_tensor(w, e->in[k], args[k - 1]);
  atom_tensor(w, e->in[0], index_t);
  fresh(w, index);
  buf_printf(w->out, "    %s = tensor.extract %s[] : tensor<%s>\n", index, index_t, elem_type(it));
  if (n == 2) { /* branch 0 for index 0, else branch 1 */
    lw_name zero;
    put_scalar_constant(w, zero, it, 0.0, 0);
    fresh(w, test);
    buf_printf(w->out, "    %s = arith.cmpi eq, %s, %s : %s\n", test, index, zero, elem_type(it));
  } else {
    fresh(w, test);
    buf_printf(w->out, "    %s = arith.index_cast %s : i32 to index\n", test, index);
  }
  put_results_head(w, e, res);
  buf_printf(w->out, "%s %s", n == 2 ? "scf.if" : "scf.index_switch", test);
  if (e->nout) buf_puts(w->out, " -> "), put_out_types(w, e, n == 2);
  for (int b = 0; b < n; b++) {
    if (n == 2) buf_puts(w->out, b ? " else {\n" : " {\n");
    else if (b < n - 1) buf_printf(w->out, "\n    case %d {\n", b);
    else buf_puts(w->out, "\n    default {\n");
    if (!write_branch(w, e, ir_pval_jaxpr(br, b), args)) return false;
    buf_puts(w->out, "    }");
  }
  buf_putc(w->out, '\n');
  return true;
}

/* Region arguments: fresh names for e's outputs' types, `(%a = %init, ...)`
 * when init is given, else `(%a: T, ...)`. */
static void put_region_args(lw *w, const ir_eqn *e, lw_name *args, const lw_name *init) {
  buf_putc(w->out, '(');
  for (uint32_t k = 0; k < e->nout; k++) {
    fresh(w, args[k]);
    buf_printf(w->out, "%s%s", k ? ", " : "", args[k]);
    if (init) buf_printf(w->out, " = %s", init[k]);
    else buf_puts(w->out, ": "), put_tensor_type(w->out, &w->m->vars[e->out[k]]);
  }
  buf_putc(w->out, ')');
}

/* while[cond_jaxpr cond_nconsts body_jaxpr body_nconsts](*cond_consts,
 * *body_consts, *carries): scf.while, its before region the cond_jaxpr on
 * the carries (scf.condition), its after region the body_jaxpr
 * (loops.py's _while_lowering, unbatched: a predicate of rank > 0, which
 * vmap makes, is not exportable yet). */
static bool lw_while(lw *w, const ir_eqn *e) {
  const ir_jaxpr *cj = ir_param_jaxpr(e, "cond_jaxpr"), *bj = ir_param_jaxpr(e, "body_jaxpr");
  int64_t cn = ir_param_int(e, "cond_nconsts", -1), bn = ir_param_int(e, "body_nconsts", -1);
  uint32_t nc = e->nout;
  lw_values in, args, outs;
  lw_name res, pred;
  if (!cj || !bj || cn < 0 || bn < 0 || e->nin > LW_MAX_VALUES || cn + bn + nc != e->nin || cj->nout != 1 ||
      cj->nin != cn + nc || !sub_fits(bj, (uint32_t)bn + nc, e))
    return not_exportable(w, e, " (its jaxprs)");
  if (ir_atom_aval(w->m, cj->outs[0]).rank) return not_exportable(w, e, " with a batched predicate");
  for (uint32_t k = 0; k < e->nin; k++) atom_tensor(w, e->in[k], in[k]);
  put_results_head(w, e, res);
  buf_puts(w->out, "scf.while ");
  put_region_args(w, e, args, in + cn + bn);
  buf_puts(w->out, " : (");
  put_out_types(w, e, false);
  buf_puts(w->out, ") -> ");
  put_out_types(w, e, true);
  buf_puts(w->out, " {\n");
  lw_values cin; /* the cond_jaxpr's inputs: its consts, the carries */
  for (uint32_t k = 0; k < cn + nc; k++) memcpy(cin[k], k < cn ? in[k] : args[k - cn], NAME_MAX_LEN);
  if (!write_sub(w, cj, cin, outs)) return false;
  fresh(w, pred);
  buf_printf(w->out, "    %s = tensor.extract %s[] : tensor<i1>\n", pred, outs[0]);
  char cond_kw[NAME_MAX_LEN + 16];
  snprintf(cond_kw, sizeof cond_kw, "scf.condition(%s)", pred);
  put_terminator(w, e, cond_kw, args);
  buf_puts(w->out, "    } do {\n    ^bb0");
  put_region_args(w, e, args, NULL);
  buf_puts(w->out, ":\n");
  for (uint32_t k = 0; k < bn + nc; k++) memcpy(cin[k], k < bn ? in[cn + k] : args[k - bn], NAME_MAX_LEN);
  if (!write_sub(w, bj, cin, outs)) return false;
  put_terminator(w, e, "scf.yield", outs);
  buf_puts(w->out, "    }\n");
  return true;
}

/* `[%t, 0, 0] [1, d1, d2] [1, 1, 1]`: the offsets, sizes and strides of
 * row t of a stacked aval. */
static void put_row_slice(lw *w, const lw_name t, const tj_aval *stacked) {
  buf_printf(w->out, "[%s", t);
  for (int i = 1; i < stacked->rank; i++) buf_puts(w->out, ", 0");
  buf_puts(w->out, "] [1");
  for (int i = 1; i < stacked->rank; i++) buf_printf(w->out, ", %" PRId64, stacked->dims[i]);
  buf_puts(w->out, "] [1");
  for (int i = 1; i < stacked->rank; i++) buf_puts(w->out, ", 1");
  buf_puts(w->out, "] : ");
}

/* A stacked aval's row: its dimensions after the first. */
static tj_aval row_aval(const tj_aval *stacked) {
  tj_aval r = *stacked;
  r.rank--;
  memmove(r.dims, r.dims + 1, sizeof r.dims[0] * (size_t)r.rank);
  return r;
}

/* The scan body's x inputs (row t of each stacked xs, by a rank-reducing
 * tensor.extract_slice) into args from first on. */
static void put_scan_xs(lw *w, const ir_eqn *e, uint32_t first_x, const lw_name *in, const lw_name t, lw_name *args,
                        uint32_t first) {
  for (uint32_t k = first_x; k < e->nin; k++) {
    tj_aval xs = ir_atom_aval(w->m, e->in[k]), x = row_aval(&xs);
    lw_name *a = &args[first + k - first_x];
    fresh(w, *a);
    buf_printf(w->out, "    %s = tensor.extract_slice %s", *a, in[k]);
    put_row_slice(w, t, &xs);
    put_tensor_type(w->out, &xs);
    buf_puts(w->out, " to ");
    put_tensor_type(w->out, &x);
    buf_putc(w->out, '\n');
  }
}

/* The body's y outputs written into row t of the stacked ys (the loop's
 * iter_args after the carries), by tensor.insert_slice, in place in outs. */
static void put_scan_ys(lw *w, const ir_eqn *e, uint32_t ncarry, const lw_name *iter, const lw_name t, lw_name *outs) {
  for (uint32_t k = ncarry; k < e->nout; k++) {
    const tj_aval *ys = &w->m->vars[e->out[k]];
    tj_aval y = row_aval(ys);
    lw_name next;
    fresh(w, next);
    buf_printf(w->out, "    %s = tensor.insert_slice %s into %s", next, outs[k], iter[k]);
    put_row_slice(w, t, ys);
    put_tensor_type(w->out, &y);
    buf_puts(w->out, " into ");
    put_tensor_type(w->out, ys);
    buf_putc(w->out, '\n');
    memcpy(outs[k], next, NAME_MAX_LEN);
  }
}

/* The loop's bounds as index constants: 0, length, 1 and length - 1 (reverse's). */
static void put_scan_bounds(lw *w, int64_t length, lw_name *c) {
  const int64_t v[4] = {0, length, 1, length - 1};
  for (int i = 0; i < 4; i++) {
    fresh(w, c[i]);
    buf_printf(w->out, "    %s = arith.constant %" PRId64 " : index\n", c[i], v[i]);
  }
}

/* scan[jaxpr length num_consts num_carry reverse](*consts, *carries, *xs):
 * scf.for over the length (from the end when reverse), its iter_args the
 * carries and the stacked ys (tensor.empty at first), the body's x row t
 * of each xs and its y written to row t of each ys, as loops.py's
 * _scan_impl runs it; unroll changes no value and is ignored. */
static bool lw_scan(lw *w, const ir_eqn *e) {
  const ir_jaxpr *j = ir_param_jaxpr(e, "jaxpr");
  int64_t length = ir_param_int(e, "length", -1), nconst = ir_param_int(e, "num_consts", -1);
  int64_t ncarry = ir_param_int(e, "num_carry", -1);
  bool reverse = ir_param_bool(e, "reverse", false);
  lw_values in, iter, args, outs; /* args: the consts', then the loop's own (nconst + nout of them) */
  lw_name bounds[4], res, i, t;
  if (!j || length < 0 || nconst < 0 || ncarry < 0 || nconst + ncarry > e->nin || ncarry > e->nout ||
      e->nin > LW_MAX_VALUES || nconst + e->nout > LW_MAX_VALUES || j->nin != e->nin || j->nout != e->nout)
    return not_exportable(w, e, " (its jaxpr)");
  for (uint32_t k = 0; k < e->nin; k++) atom_tensor(w, e->in[k], in[k]);
  for (uint32_t k = (uint32_t)ncarry; k < e->nout; k++) put_init(w, iter[k], &w->m->vars[e->out[k]], NULL);
  for (uint32_t k = 0; k < (uint32_t)ncarry; k++) memcpy(iter[k], in[nconst + k], NAME_MAX_LEN);
  put_scan_bounds(w, length, bounds);
  put_results_head(w, e, res);
  fresh(w, i);
  buf_printf(w->out, "scf.for %s = %s to %s step %s iter_args", i, bounds[0], bounds[1], bounds[2]);
  put_region_args(w, e, args + nconst, iter);
  buf_puts(w->out, " -> ");
  put_out_types(w, e, true);
  buf_puts(w->out, " {\n");
  memcpy(iter, args + nconst, sizeof(lw_name) * e->nout); /* the loop's own values from here on */
  memcpy(t, i, NAME_MAX_LEN);
  if (reverse) fresh(w, t), buf_printf(w->out, "    %s = arith.subi %s, %s : index\n", t, bounds[3], i);
  for (uint32_t k = 0; k < (uint32_t)nconst; k++) memcpy(args[k], in[k], NAME_MAX_LEN);
  put_scan_xs(w, e, (uint32_t)(nconst + ncarry), in, t, args, (uint32_t)(nconst + ncarry));
  if (!write_sub(w, j, args, outs)) return false;
  put_scan_ys(w, e, (uint32_t)ncarry, iter, t, outs);
  put_terminator(w, e, "scf.yield", outs);
  buf_puts(w->out, "    }\n");
  return true;
}

/* The equations of j with every call in them inlined, counted up to limit
 * (a call's body counts once per call: inlining is exponential in the
 * depth of calls of calls). */
static int64_t inlined_size(const ir_jaxpr *j, int64_t limit) {
  int64_t n = 0;
  for (uint32_t i = 0; i < j->neqns && n <= limit; i++) {
    const ir_eqn *e = &j->eqns[i];
    n++;
    for (uint16_t p = 0; p < e->nparams && n <= limit; p++)
      for (int b = 0; b < ir_pval_njaxprs(e->params[p].val) && n <= limit; b++)
        n += inlined_size(ir_pval_jaxpr(e->params[p].val, b), limit - n);
  }
  return n;
}

enum { LW_MAX_INLINED = 100000 }; /* equations: about 50 MB of MLIR */

/* jit, custom_jvp_call, custom_vjp_call: the callee inlined (lw_inline),
 * unless that makes more than LW_MAX_INLINED equations (20 levels of a
 * jit calling itself twice are 2^20 calls; JAX's lowering writes each
 * jaxpr once as a private func.func, which this writer does not yet). */
static bool lw_call(lw *w, const ir_eqn *e) {
  const ir_jaxpr *j = call_body(e);
  if (j && inlined_size(j, LW_MAX_INLINED) > LW_MAX_INLINED)
    return not_exportable(w, e, " (its calls inlined would be more than 100000 equations)");
  return lw_inline(w, e);
}

/* ---- the module ---- */

/* "not exportable: PRIM on u8" (the dtypes elem_type has no type for). */
static bool not_exportable_dtype(lw *w, const ir_eqn *e, const char *on, tj_dtype t) {
  char why[64];
  snprintf(why, sizeof why, "%s%s (only f32, f64, i32 and bool are)", on, dtype_short(t));
  return not_exportable(w, e, why);
}

/* Whether every operand and result of e has a dtype elem_type names. */
static bool eqn_dtypes_ok(lw *w, const ir_eqn *e) {
  for (uint32_t k = 0; k < e->nin; k++) {
    tj_dtype t = ir_atom_aval(w->m, e->in[k]).dtype;
    if (!elem_type(t)) return not_exportable_dtype(w, e, " on ", t);
  }
  for (uint32_t k = 0; k < e->nout; k++)
    if (!elem_type(w->m->vars[e->out[k]].dtype)) return not_exportable_dtype(w, e, " to ", w->m->vars[e->out[k]].dtype);
  return true;
}

static bool write_eqn(lw *w, const ir_eqn *e) {
  const lw_row *r = &lw_rows[e->prim];
  bool known = r->rule || r->body || r->op[0]; /* a row's ops are all set */
  if (!known) return not_exportable(w, e, "");
  if (!eqn_dtypes_ok(w, e)) return false;
  if (r->rule) return r->rule(w, e);
  return write_elementwise(w, e);
}

static bool write_jaxpr_body(lw *w, const ir_jaxpr *j) {
  for (uint32_t i = 0; i < j->neqns; i++)
    if (!write_eqn(w, &j->eqns[i])) return false;
  return true;
}

/* The function's inputs and outputs: of elem_type's dtypes. */
static bool check_avals(lw *w, const ir_jaxpr *j) {
  char why[80];
  for (uint32_t k = 0; k < j->nin + j->nout; k++) {
    tj_dtype t = k < j->nin ? w->m->vars[j->invars[k]].dtype : ir_atom_aval(w->m, j->outs[k - j->nin]).dtype;
    if (elem_type(t)) continue;
    snprintf(why, sizeof why, "%s %u of dtype %s (only f32, f64, i32 and bool are)", k < j->nin ? "input" : "output",
             k < j->nin ? k : k - j->nin, dtype_short(t));
    return not_exportable(w, NULL, why);
  }
  return true;
}

static void put_result_types(lw *w, const ir_jaxpr *j) {
  buf_puts(w->out, "(");
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_aval a = ir_atom_aval(w->m, j->outs[k]);
    if (k) buf_puts(w->out, ", ");
    put_tensor_type(w->out, &a);
  }
  buf_puts(w->out, ")");
}

/* func.func @fn(%arg0: T0, ...) -> (R0, ...): the top jaxpr. */
static bool write_fn(lw *w, const ir_jaxpr *j) {
  buf_puts(w->out, "  func.func @fn(");
  for (uint32_t k = 0; k < j->nin; k++) {
    snprintf(w->names[j->invars[k]], NAME_MAX_LEN, "%%arg%u", k);
    buf_printf(w->out, "%s%s: ", k ? ", " : "", w->names[j->invars[k]]);
    put_tensor_type(w->out, &w->m->vars[j->invars[k]]);
  }
  buf_puts(w->out, ") -> ");
  put_result_types(w, j);
  buf_puts(w->out, " {\n");
  if (!write_consts(w, j) || !write_jaxpr_body(w, j)) return false;
  lw_name outs[LW_MAX_OUTPUTS];
  if (j->nout > LW_MAX_OUTPUTS) return not_exportable(w, NULL, "so many outputs");
  for (uint32_t k = 0; k < j->nout; k++) atom_tensor(w, j->outs[k], outs[k]);
  buf_puts(w->out, "    return");
  for (uint32_t k = 0; k < j->nout; k++) buf_printf(w->out, "%s %s", k ? "," : "", outs[k]);
  if (j->nout) buf_puts(w->out, " : ");
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_aval a = ir_atom_aval(w->m, j->outs[k]);
    if (k) buf_puts(w->out, ", ");
    put_tensor_type(w->out, &a);
  }
  buf_puts(w->out, "\n  }\n");
  return true;
}

/* The runner utilities' printers (mlir/ExecutionEngine/RunnerUtils.h):
 * bool is printed as i32 after arith.extui. */
static const char *printer_of(tj_dtype t) { return t == DT_F32 ? "printMemrefF32" : t == DT_F64 ? "printMemrefF64" : "printMemrefI32"; }

/* Output k of the call in main, a tensor of aval a named v, printed. */
static void put_print(lw *w, lw_name v, const tj_aval *a) {
  tj_aval shown = *a;
  lw_name cast;
  if (a->dtype == DT_BOOL) { /* extended to i32 by a linalg.generic */
    lw_operand in, res;
    lw_name args[2], ext, result;
    memcpy(in.name, v, NAME_MAX_LEN), in.aval = *a;
    shown.dtype = DT_I32, res.aval = shown;
    for (int i = 0; i < a->rank; i++) in.map[i] = res.map[i] = i;
    put_init(w, res.name, &shown, NULL);
    put_generic_head(w, result, a->rank, NULL, &in, 1, &res, args);
    fresh(w, ext);
    buf_printf(w->out, "      %s = arith.extui %s : i1 to i32\n", ext, args[0]);
    put_generic_tail(w, ext, &shown);
    memcpy(v, result, NAME_MAX_LEN);
  }
  const char *et = shown.dtype == DT_I32 ? "i32" : elem_type(shown.dtype) ? elem_type(shown.dtype) : "f32";
  fresh(w, cast);
  buf_printf(w->out, "    %s = tensor.cast %s : ", cast, v);
  put_tensor_type(w->out, &shown);
  buf_printf(w->out, " to tensor<*x%s>\n", et);
  buf_printf(w->out, "    call @%s(%s) : (tensor<*x%s>) -> ()\n", printer_of(shown.dtype), cast, et);
}

/* func.func @main(): @fn on the call's arguments, each output printed. */
static void write_main(lw *w, const ir_jaxpr *j, struct tj_array *const *args) {
  lw_name in[TJ_MAX_INPUTS], res;
  buf_puts(w->out, "  func.func @main() {\n");
  for (uint32_t k = 0; k < j->nin; k++) put_dense_constant(w, in[k], &w->m->vars[j->invars[k]], args[k]->data);
  fresh(w, res);
  if (j->nout > 1) buf_printf(w->out, "    %s:%u = call @fn(", res, j->nout); /* %N#k: result k */
  else buf_printf(w->out, "    %s%s(", j->nout ? res : "", j->nout ? " = call @fn" : "call @fn");
  for (uint32_t k = 0; k < j->nin; k++) buf_printf(w->out, "%s%s", k ? ", " : "", in[k]);
  buf_puts(w->out, ") : (");
  for (uint32_t k = 0; k < j->nin; k++) {
    if (k) buf_puts(w->out, ", ");
    put_tensor_type(w->out, &w->m->vars[j->invars[k]]);
  }
  buf_puts(w->out, ") -> ");
  put_result_types(w, j);
  buf_putc(w->out, '\n');
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_aval a = ir_atom_aval(w->m, j->outs[k]);
    lw_name v;
    memcpy(v, res, NAME_MAX_LEN);
    if (j->nout > 1 && snprintf(v, NAME_MAX_LEN, "%s#%u", res, k) >= NAME_MAX_LEN) return; /* %N#k: fits */
    put_print(w, v, &a);
  }
  buf_puts(w->out, "    return\n  }\n");
}

static void write_printer_decls(lw *w, const ir_jaxpr *j) {
  bool used[3] = {false};
  static const tj_dtype shown[3] = {DT_F32, DT_F64, DT_I32};
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_dtype t = ir_atom_aval(w->m, j->outs[k]).dtype;
    used[t == DT_F32 ? 0 : t == DT_F64 ? 1 : 2] = true;
  }
  for (int i = 0; i < 3; i++)
    if (used[i])
      buf_printf(w->out, "  func.func private @%s(tensor<*x%s>) attributes {llvm.emit_c_interface}\n", printer_of(shown[i]),
                 elem_type(shown[i]));
}

bool export_mlir_linalg(diag_list *d, const ir_module *m, struct tj_array *const *args, tj_buf *out) {
  lw w = {.d = d, .m = m, .out = out, .names = calloc(m->nvars ? m->nvars : 1, sizeof(lw_name))};
  if (!w.names) TJ_OOM();
  const ir_jaxpr *j = m->top;
  bool ok = j->nin <= TJ_MAX_INPUTS && check_avals(&w, j);
  if (ok) {
    buf_puts(out, "module {\n");
    ok = write_fn(&w, j);
  }
  if (ok) {
    write_printer_decls(&w, j);
    write_main(&w, j, args);
    buf_puts(out, "}\n");
  }
  free(w.names);
  return ok;
}

/* ---- shared with mlir_linalg_data.c (mlir_linalg.h) ---- */

const char *lw_elem_type(tj_dtype t) { return elem_type(t); }
void lw_put_tensor_type(tj_buf *b, const tj_aval *a) { put_tensor_type(b, a); }
void lw_fresh(lw *w, lw_name out) { fresh(w, out); }
bool lw_not_exportable(lw *w, const ir_eqn *e, const char *why) { return not_exportable(w, e, why); }
void lw_put_scalar_constant(lw *w, lw_name res, tj_dtype t, double f, int64_t i) { put_scalar_constant(w, res, t, f, i); }
void lw_atom_tensor(lw *w, ir_atom a, lw_name out) { atom_tensor(w, a, out); }
void lw_put_init(lw *w, lw_name res, const tj_aval *a, const lw_name init) { put_init(w, res, a, init); }
void lw_put_generic_head(lw *w, lw_name res, int nloops, const bool *reduction, const lw_operand *in, int nin,
                         const lw_operand *out, lw_name *args) {
  put_generic_head(w, res, nloops, reduction, in, nin, out, args);
}
void lw_put_generic_tail(lw *w, const lw_name value, const tj_aval *out) { put_generic_tail(w, value, out); }
void lw_put_op(lw *w, lw_name res, const char *op, const lw_name *in, int nin, tj_dtype t) { put_op(w, res, op, in, nin, t); }
void lw_body_constant(lw *w, lw_name res, tj_dtype t, double f, int64_t i) { body_constant(w, res, t, f, i); }
