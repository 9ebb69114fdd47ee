/* Eval rules of the elementwise primitives, as XLA's CPU backend computes
 * them: float32 math in float (sinf, expf ...; +-*÷ and sqrt in double are
 * correctly rounded to float), float64 in double; integers wrap; integer
 * division by zero gives -1 (all ones) and remainder by zero the dividend,
 * INT_MIN / -1 gives INT_MIN and INT_MIN % -1 gives 0 (XLA's
 * elemental_ir_emitter); shifts by an amount outside [0, bits) give 0, or
 * the sign fill for an arithmetic right shift; float to int conversion
 * saturates with NaN -> 0; max/min/clamp propagate NaN. */
#include "eval.h"

#include <math.h>
#include <string.h>

/* Flat index into a (a scalar, or of out's rank with 1-sized dims
 * broadcasting) of out's flat index i. */
static int64_t bcast_index(const tj_array *a, const tj_array *out, int64_t i) {
  if (a->size == out->size) return i;
  if (a->rank == 0 || a->size == 1) return 0;
  int64_t idx = 0, st = 1;
  for (int d = out->rank - 1; d >= 0; d--) {
    int64_t c = i % out->dims[d];
    i /= out->dims[d];
    int ad = d - (out->rank - a->rank);
    if (ad >= 0) {
      if (a->dims[ad] != 1) idx += c * st;
      st *= a->dims[ad];
    }
  }
  return idx;
}

static double nan_max(double x, double y) { return x != x ? x : y != y ? y : x > y ? x : y; }
static double nan_min(double x, double y) { return x != x ? x : y != y ? y : x < y ? x : y; }

/* jax's integer_pow lowering: square-and-multiply, rounding each product
 * to the dtype (exact in double for two floats, then one rounding). */
static double pow_float(double x, int64_t y, bool f32) {
  double acc = 1;
  bool first = true;
  for (uint64_t n = y < 0 ? -(uint64_t)y : (uint64_t)y; n; n >>= 1) {
    if (n & 1) acc = first ? x : f32 ? (float)(acc * x) : acc * x, first = false;
    if (n > 1) x = f32 ? (float)(x * x) : x * x;
  }
  return y < 0 ? (f32 ? (float)(1 / acc) : 1 / acc) : acc;
}

static int64_t pow_int(int64_t x, int64_t y) {
  uint64_t acc = 1, b = (uint64_t)x;
  for (uint64_t n = (uint64_t)y; y > 0 && n; n >>= 1) {
    if (n & 1) acc *= b;
    b *= b;
  }
  return (int64_t)acc;
}

/* The element rules below set *unknown for a primitive they have no rule
 * for (and the callers check one element before the loop), so a missing
 * rule is an internal error, never a plausible wrong value. */
#define F(fn) (f32 ? (double)fn##f((float)x) : fn(x))
static double unary_float(int prim, double x, bool f32, const ir_eqn *e, bool *unknown) {
  switch (prim) {
  case P_neg: return -x;
  case P_sign: return x > 0 ? 1 : x < 0 ? -1 : x; /* NaN and ±0 stay */
  case P_floor: return floor(x);
  case P_ceil: return ceil(x);
  case P_round: return ir_param_int(e, "rounding_method", 0) == 1 ? nearbyint(x) : round(x);
  case P_abs: return fabs(x);
  case P_sin: return F(sin);
  case P_cos: return F(cos);
  case P_tan: return F(tan);
  case P_asin: return F(asin);
  case P_acos: return F(acos);
  case P_atan: return F(atan);
  case P_tanh: return F(tanh);
  case P_exp: return F(exp);
  case P_exp2: return F(exp2);
  case P_log: return F(log);
  case P_log1p: return F(log1p);
  case P_expm1: return F(expm1);
  case P_erf: return F(erf);
  case P_sqrt: return sqrt(x);
  case P_rsqrt: return f32 ? 1.0f / sqrtf((float)x) : 1 / sqrt(x);
  case P_logistic: return f32 ? 1.0f / (1.0f + expf((float)-x)) : 1 / (1 + exp(-x));
  case P_integer_pow: return pow_float(x, ir_param_int(e, "y", 1), f32);
  default: *unknown = true; return 0;
  }
}
#undef F

static int64_t unary_int(int prim, int64_t x, tj_dtype t, const ir_eqn *e, bool *unknown) {
  switch (prim) {
  case P_neg: return (int64_t)(0 - (uint64_t)x);
  case P_sign: return x > 0 ? 1 : x < 0 ? -1 : 0;
  case P_abs: return x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
  case P_not: return t == DT_BOOL ? !x : ~x;
  case P_integer_pow: return pow_int(x, ir_param_int(e, "y", 1));
  default: *unknown = true; return 0;
  }
}

static bool no_rule(eval_state *s, const ir_eqn *e, tj_dtype t) {
  return eval_bug(s, "the reference evaluator has no rule for %s on %s", prims[e->prim].name, dtype_short(t));
}

bool ev_unary(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  bool fl = dtype_is_float(a->dtype), f32 = a->dtype == DT_F32, unknown = false;
  if (fl) unary_float(e->prim, 0, f32, e, &unknown);
  else unary_int(e->prim, 0, a->dtype, e, &unknown);
  if (unknown) return no_rule(s, e, a->dtype);
  for (int64_t i = 0; i < r->size; i++) {
    if (fl) array_set_f(r, i, unary_float(e->prim, array_get_f(a, i), f32, e, &unknown));
    else array_set_i(r, i, unary_int(e->prim, array_get_i(a, i), a->dtype, e, &unknown));
  }
  return true;
}

static bool compare(int prim, double x, double y, bool *unknown) {
  switch (prim) {
  case P_eq: return x == y;
  case P_ne: return x != y;
  case P_lt: return x < y;
  case P_le: return x <= y;
  case P_gt: return x > y;
  case P_ge: return x >= y;
  default: *unknown = true; return false;
  }
}

static bool compare_int(int prim, int64_t x, int64_t y, bool *unknown) {
  switch (prim) {
  case P_eq: return x == y;
  case P_ne: return x != y;
  case P_lt: return x < y;
  case P_le: return x <= y;
  case P_gt: return x > y;
  case P_ge: return x >= y;
  default: *unknown = true; return false;
  }
}

static double binary_float(int prim, double x, double y, bool f32, bool *unknown) {
  switch (prim) {
  case P_add: return x + y;
  case P_sub: return x - y;
  case P_mul: return x * y;
  case P_div: return x / y;
  case P_rem: return f32 ? fmodf((float)x, (float)y) : fmod(x, y);
  case P_pow: return f32 ? powf((float)x, (float)y) : pow(x, y);
  case P_atan2: return f32 ? atan2f((float)x, (float)y) : atan2(x, y);
  case P_max: return nan_max(x, y);
  case P_min: return nan_min(x, y);
  default: *unknown = true; return 0;
  }
}

/* Shifts on the dtype's bits (x holds the value sign- or zero-extended). */
static int64_t shift(int prim, int64_t x, int64_t y, tj_dtype t) {
  int bits = 8 * dtype_size(t);
  uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1, ux = (uint64_t)x & mask;
  uint64_t amount = (uint64_t)y & mask;
  bool top = (ux >> (bits - 1)) & 1;
  uint64_t fill = top ? mask : 0;
  if (amount >= (uint64_t)bits) return prim == P_shift_right_arithmetic ? (int64_t)fill : 0;
  if (prim == P_shift_left) return (int64_t)(ux << amount);
  if (prim == P_shift_right_logical) return (int64_t)(ux >> amount);
  return (int64_t)((ux >> amount) | (amount ? fill << (bits - amount) : 0));
}

static int64_t binary_int(int prim, int64_t x, int64_t y, tj_dtype t, bool *unknown) {
  bool is_signed = dtype_kindof(t) == DK_SIGNED;
  uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
  switch (prim) {
  case P_add: return (int64_t)(ux + uy);
  case P_sub: return (int64_t)(ux - uy);
  case P_mul: return (int64_t)(ux * uy);
  case P_div:
    if (y == 0) return -1; /* all ones in the dtype */
    if (is_signed && y == -1) return (int64_t)(0 - ux); /* INT_MIN / -1 wraps to INT_MIN */
    return x / y;
  case P_rem:
    if (y == 0) return x;
    if (is_signed && y == -1) return 0;
    return x % y;
  case P_max: return x > y ? x : y;
  case P_min: return x < y ? x : y;
  case P_and: return x & y;
  case P_or: return x | y;
  case P_xor: return x ^ y;
  case P_pow: return pow_int(x, y);
  case P_shift_left: case P_shift_right_arithmetic: case P_shift_right_logical: return shift(prim, x, y, t);
  default: *unknown = true; return 0;
  }
}

bool ev_binary(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0], *b = in[1];
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  bool fl = dtype_is_float(a->dtype), f32 = a->dtype == DT_F32, cmp = prims[e->prim].flags & PF_COMPARE;
  bool unknown = false;
  if (fl && cmp) compare(e->prim, 0, 0, &unknown);
  else if (fl) binary_float(e->prim, 0, 1, f32, &unknown);
  else if (cmp) compare_int(e->prim, 0, 0, &unknown);
  else binary_int(e->prim, 0, 1, a->dtype, &unknown);
  if (unknown) return no_rule(s, e, a->dtype);
  for (int64_t i = 0; i < r->size; i++) {
    int64_t ia = bcast_index(a, r, i), ib = bcast_index(b, r, i);
    if (fl && cmp) array_set_i(r, i, compare(e->prim, array_get_f(a, ia), array_get_f(b, ib), &unknown));
    else if (fl) array_set_f(r, i, binary_float(e->prim, array_get_f(a, ia), array_get_f(b, ib), f32, &unknown));
    else if (cmp) array_set_i(r, i, compare_int(e->prim, array_get_i(a, ia), array_get_i(b, ib), &unknown));
    else array_set_i(r, i, binary_int(e->prim, array_get_i(a, ia), array_get_i(b, ib), a->dtype, &unknown));
  }
  return true;
}

/* The bounds of an integer dtype, for saturation. They stay integers:
 * int64's upper bound 2^63 - 1 is no double (it rounds to 2^63, which no
 * int64 holds), so comparing x with (double)hi and taking hi itself is
 * exact where casting the double bound back was undefined. */
static void int_range(tj_dtype t, int64_t *lo, int64_t *hi) {
  int bits = 8 * dtype_size(t);
  if (dtype_kindof(t) == DK_UNSIGNED) *lo = 0, *hi = (int64_t)((1ULL << bits) - 1); /* u8, u32 */
  else if (bits == 64) *lo = INT64_MIN, *hi = INT64_MAX;
  else *lo = -(1LL << (bits - 1)), *hi = (1LL << (bits - 1)) - 1;
}

/* Element i of a converted into r's dtype. */
static void convert_one(const tj_array *a, int64_t i, tj_array *r, int64_t j) {
  tj_dtype to = r->dtype;
  if (dtype_is_float(a->dtype)) {
    double x = array_get_f(a, i);
    int64_t lo, hi;
    if (to == DT_BOOL || dtype_is_float(to)) { array_set_f(r, j, x); return; }
    int_range(to, &lo, &hi);
    array_set_i(r, j, x != x ? 0 : x <= (double)lo ? lo : x >= (double)hi ? hi : (int64_t)x);
    return;
  }
  int64_t v = array_get_i(a, i);
  if (to == DT_F32) ((float *)r->data)[j] = (float)v; /* one rounding, not via double */
  else if (to == DT_F64) ((double *)r->data)[j] = (double)v;
  else array_set_i(r, j, v);
}

bool ev_convert(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int64_t i = 0; i < r->size; i++) convert_one(in[0], i, r, i);
  return true;
}

static void copy_elem(const tj_array *a, int64_t i, tj_array *r, int64_t j) {
  int sz = dtype_size(r->dtype);
  memcpy((char *)r->data + j * sz, (const char *)a->data + i * sz, (size_t)sz);
}

/* select_n(which, *cases): XLA lowers it to a tree of selects on which < k,
 * so a which outside [0, n) picks the nearest end. */
bool ev_select_n(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  int64_t n = (int64_t)e->nin - 1;
  for (int64_t i = 0; i < r->size; i++) {
    int64_t w = array_get_i(in[0], bcast_index(in[0], r, i));
    w = w < 0 ? 0 : w >= n ? n - 1 : w;
    copy_elem(in[1 + w], bcast_index(in[1 + w], r, i), r, i);
  }
  return true;
}

/* clamp(lo, x, hi) = min(max(x, lo), hi), NaN-propagating for floats. */
bool ev_clamp(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int64_t i = 0; i < r->size; i++) {
    int64_t il = bcast_index(in[0], r, i), ix = bcast_index(in[1], r, i), ih = bcast_index(in[2], r, i);
    if (dtype_is_float(r->dtype))
      array_set_f(r, i, nan_min(nan_max(array_get_f(in[1], ix), array_get_f(in[0], il)), array_get_f(in[2], ih)));
    else {
      int64_t x = array_get_i(in[1], ix), lo = array_get_i(in[0], il), hi = array_get_i(in[2], ih);
      x = x < lo ? lo : x;
      array_set_i(r, i, x > hi ? hi : x);
    }
  }
  return true;
}

bool ev_broadcast_in_dim(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  int64_t bd[TJ_MAX_RANK], ast[TJ_MAX_RANK];
  /* a scalar's broadcast carries no params (the listing prints none) */
  if (a->rank > 0 && ir_param_ints(e, "broadcast_dimensions", bd, TJ_MAX_RANK) != a->rank)
    return eval_bug(s, "broadcast_in_dim without broadcast_dimensions");
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  eval_strides(a, ast);
  for (int64_t i = 0; i < r->size; i++) {
    int64_t rest = i, c[TJ_MAX_RANK], src = 0;
    for (int d = r->rank - 1; d >= 0; d--) c[d] = rest % r->dims[d], rest /= r->dims[d];
    for (int k = 0; k < a->rank; k++)
      if (a->dims[k] != 1) src += c[bd[k]] * ast[k];
    copy_elem(a, src, r, i);
  }
  return true;
}
