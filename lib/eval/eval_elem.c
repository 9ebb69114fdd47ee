/* Eval rules of the elementwise primitives, as XLA's CPU backend computes
 * them. The unary and binary operations are elem.def's rows (which state
 * the semantics), compiled here into one loop per row and dtype class; this
 * file adds the integer helpers the rows name, and the rules of
 * convert_element_type (float to int saturates, NaN -> 0), select_n, clamp
 * (NaN-propagating for floats) and broadcast_in_dim. */
#include "elem.h"
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

/* ---- the helpers elem.def's rows name ---- */

/* jax's integer_pow lowering: square-and-multiply, each product rounded
 * to the dtype (computed in it). */
#define IPOW_FLOAT(t, T)                                                   \
  static T ipow_##t(T x, int64_t y) {                                      \
    T acc = 1;                                                             \
    bool first = true;                                                     \
    for (uint64_t n = y < 0 ? -(uint64_t)y : (uint64_t)y; n; n >>= 1) {    \
      if (n & 1) acc = first ? x : acc * x, first = false;                 \
      if (n > 1) x = x * x;                                                \
    }                                                                      \
    return y < 0 ? 1 / acc : acc;                                          \
  }
IPOW_FLOAT(f32, float)
IPOW_FLOAT(f64, double)

static int64_t ipow_int(int64_t x, int64_t y) {
  uint64_t acc = 1, b = (uint64_t)x;
  for (uint64_t n = (uint64_t)y; y > 0 && n; n >>= 1) {
    if (n & 1) acc *= b;
    b *= b;
  }
  return (int64_t)acc;
}
#define ipow(x, y) _Generic((x), float: ipow_f32, double: ipow_f64, int64_t: ipow_int)(x, y)

/* XLA: x / 0 is -1 (all ones in the dtype), INT_MIN / -1 wraps to INT_MIN. */
static int64_t int_div(int64_t x, int64_t y, tj_dtype t) {
  if (y == 0) return -1;
  if (dtype_kindof(t) == DK_SIGNED && y == -1) return (int64_t)(0 - (uint64_t)x);
  return x / y;
}

/* XLA: x % 0 is x, INT_MIN % -1 is 0. */
static int64_t int_rem(int64_t x, int64_t y, tj_dtype t) {
  if (y == 0) return x;
  if (dtype_kindof(t) == DK_SIGNED && y == -1) return 0;
  return x % y;
}

/* Shifts on the dtype's bits (x holds the value sign- or zero-extended):
 * an amount outside [0, bits) gives 0, or the sign fill for an arithmetic
 * right shift. */
enum shift_kind { SHIFT_LEFT, SHIFT_RIGHT_LOGICAL, SHIFT_RIGHT_ARITHMETIC };
static int64_t shift(enum shift_kind kind, int64_t x, int64_t y, tj_dtype t) {
  int bits = 8 * dtype_size(t);
  uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1, ux = (uint64_t)x & mask;
  uint64_t amount = (uint64_t)y & mask;
  bool top = (ux >> (bits - 1)) & 1;
  uint64_t fill = top ? mask : 0;
  if (amount >= (uint64_t)bits) return kind == SHIFT_RIGHT_ARITHMETIC ? (int64_t)fill : 0;
  switch (kind) {
  case SHIFT_LEFT: return (int64_t)(ux << amount);
  case SHIFT_RIGHT_LOGICAL: return (int64_t)(ux >> amount);
  case SHIFT_RIGHT_ARITHMETIC: break;
  }
  return (int64_t)((ux >> amount) | (amount ? fill << (bits - amount) : 0));
}
#define shift_left(x, y, t) shift(SHIFT_LEFT, x, y, t)
#define shift_right_logical(x, y, t) shift(SHIFT_RIGHT_LOGICAL, x, y, t)
#define shift_right_arithmetic(x, y, t) shift(SHIFT_RIGHT_ARITHMETIC, x, y, t)

/* lax.clz: the leading zeros of t's bits (x holds the value sign- or
 * zero-extended), the width for 0, as XLA's count_leading_zeros. */
static int64_t count_leading_zeros(int64_t x, tj_dtype t) {
  int bits = 8 * dtype_size(t), n = bits;
  for (uint64_t ux = (uint64_t)x & (bits == 64 ? ~0ull : (1ull << bits) - 1); ux; ux >>= 1) n--;
  return n;
}

/* ---- elem.def's rows, one loop per row and dtype class ---- */

/* Element i of a, read as T (a float operand of T, or pow's integer
 * exponent), and out's element i set from a T. */
#define GET(T, a, i) ((T)array_get_f(a, i))

/* p: the row's param (elem.def), read once per equation. */
#define UNARY_FLOAT_LOOP(op, sfx, T, expr)                                 \
  static void op##_##sfx(const tj_array *a, tj_array *r, int64_t p) {       \
    (void)p;                                                               \
    for (int64_t i = 0; i < r->size; i++) {                                \
      T x = GET(T, a, i);                                                  \
      array_set_f(r, i, (expr));                                           \
    }                                                                      \
  }
#define UNARY_INT_LOOP(op, expr)                                           \
  static void op##_int(const tj_array *a, tj_array *r, int64_t p) {       \
    tj_dtype t = a->dtype;                                                 \
    (void)p, (void)t;                                                      \
    for (int64_t i = 0; i < r->size; i++) {                                \
      int64_t x = array_get_i(a, i);                                       \
      array_set_i(r, i, (expr));                                           \
    }                                                                      \
  }
#define BINARY_LOOP(op, sfx, T, get, set, expr)                            \
  static void op##_##sfx(const tj_array *a, const tj_array *b, tj_array *r) { \
    tj_dtype t = a->dtype; /* the int expressions' dtype */                \
    (void)t;                                                               \
    for (int64_t i = 0; i < r->size; i++) {                                \
      T x = get(T, a, bcast_index(a, r, i)), y = get(T, b, bcast_index(b, r, i)); \
      set(r, i, (expr));                                                   \
    }                                                                      \
  }
#define GET_I(T, a, i) array_get_i(a, i)

#define UNARY_F(op, param, libm, fe, cf, k, u32, u64) \
  UNARY_FLOAT_LOOP(op, f32, float, fe) UNARY_FLOAT_LOOP(op, f64, double, fe)
#define UNARY_I(op, param, ie, ci) UNARY_INT_LOOP(op, ie)
#define UNARY_FI(op, param, fe, ie, cf, ci, k, u32, u64) \
  UNARY_F(op, param, , fe, cf, k, u32, u64) UNARY_I(op, param, ie, ci)
#define BINARY_F(op, libm, fe, cf, k, u32, u64)                            \
  BINARY_LOOP(op, f32, float, GET, array_set_f, fe) BINARY_LOOP(op, f64, double, GET, array_set_f, fe)
#define BINARY_I(op, ie, ci) BINARY_LOOP(op, int, int64_t, GET_I, array_set_i, ie)
#define BINARY_FI(op, fe, ie, cf, ci, k, u32, u64, ik) BINARY_F(op, , fe, cf, k, u32, u64) BINARY_I(op, ie, ci)
#define COMPARE(op, cop)                                                   \
  BINARY_LOOP(op, f32, float, GET, array_set_i, x cop y)                   \
  BINARY_LOOP(op, f64, double, GET, array_set_i, x cop y) BINARY_LOOP(op, int, int64_t, GET_I, array_set_i, x cop y)
#define COMPARE_TO(op, cop, fe, cf)                                        \
  BINARY_LOOP(op, f32, float, GET, array_set_i, fe)                        \
  BINARY_LOOP(op, f64, double, GET, array_set_i, fe) BINARY_LOOP(op, int, int64_t, GET_I, array_set_i, x cop y)
#include "elem.def"
#include "elem_undef.h"

/* Each row's loops, by primitive; NULL where its row has no rule for the
 * class (or the primitive no row): an internal error, never a value. */
typedef struct unary_rule {
  const char *param;          /* the row's param, or NULL */
  int64_t param_default;
  void (*f32)(const tj_array *a, tj_array *r, int64_t p);
  void (*f64)(const tj_array *a, tj_array *r, int64_t p);
  void (*ints)(const tj_array *a, tj_array *r, int64_t p);
} unary_rule;
typedef void (*binary_loop)(const tj_array *a, const tj_array *b, tj_array *r);
typedef struct binary_rule { binary_loop f32, f64, ints; } binary_rule;

#define PARAM(key, dflt) key, dflt
#define NOPARAM NULL, 0
#define UNARY_F(op, param, libm, fe, cf, k, u32, u64) [P_##op] = {param, op##_f32, op##_f64, NULL},
#define UNARY_I(op, param, ie, ci) [P_##op] = {param, NULL, NULL, op##_int},
#define UNARY_FI(op, param, fe, ie, cf, ci, k, u32, u64) [P_##op] = {param, op##_f32, op##_f64, op##_int},
#define BINARY_F(op, libm, fe, cf, k, u32, u64)
#define BINARY_I(op, ie, ci)
#define BINARY_FI(op, fe, ie, cf, ci, k, u32, u64, ik)
#define COMPARE(op, cop)
#define COMPARE_TO(op, cop, fe, cf)
static const unary_rule unary_rules[P_COUNT] = {
#include "elem.def"
};
#include "elem_undef.h"
#undef PARAM
#undef NOPARAM

#define UNARY_F(op, param, libm, fe, cf, k, u32, u64)
#define UNARY_I(op, param, ie, ci)
#define UNARY_FI(op, param, fe, ie, cf, ci, k, u32, u64)
#define BINARY_F(op, libm, fe, cf, k, u32, u64) [P_##op] = {op##_f32, op##_f64, NULL},
#define BINARY_I(op, ie, ci) [P_##op] = {NULL, NULL, op##_int},
#define BINARY_FI(op, fe, ie, cf, ci, k, u32, u64, ik) [P_##op] = {op##_f32, op##_f64, op##_int},
#define COMPARE(op, cop) [P_##op] = {op##_f32, op##_f64, op##_int},
#define COMPARE_TO(op, cop, fe, cf) [P_##op] = {op##_f32, op##_f64, op##_int},
static const binary_rule binary_rules[P_COUNT] = {
#include "elem.def"
};
#include "elem_undef.h"

/* u64 operands: the int rows read a u64 as its int64 bits, which is
 * right for the wrapping + - * and the bit operations; the rows whose
 * result depends on the order or on division are computed here, unsigned
 * (XLA: x / 0 is all ones, x % 0 is x). False: the int row applies. */
static bool u64_row(tj_prim p, uint64_t x, uint64_t y, uint64_t *r) {
  switch (p) {
  case P_div: *r = y ? x / y : UINT64_MAX; return true;
  case P_rem: *r = y ? x % y : x; return true;
  case P_max: *r = x > y ? x : y; return true;
  case P_min: *r = x < y ? x : y; return true;
  case P_lt: *r = x < y; return true;
  case P_le: *r = x <= y; return true;
  case P_lt_to: *r = x < y; return true;
  case P_le_to: *r = x <= y; return true;
  case P_gt: *r = x > y; return true;
  case P_ge: *r = x >= y; return true;
  case P_sign: *r = x != 0; return true;
  case P_abs: *r = x; return true;
  default: return false;
  }
}

/* The u64 rows of u64_row over a (and b, or a again for a unary row). */
static bool u64_loop(const ir_eqn *e, const tj_array *a, const tj_array *b, tj_array *r) {
  uint64_t probe;
  if (a->dtype != DT_U64 || !u64_row((tj_prim)e->prim, 0, 1, &probe)) return false;
  for (int64_t i = 0; i < r->size; i++) {
    uint64_t x = (uint64_t)array_get_i(a, bcast_index(a, r, i)), y = (uint64_t)array_get_i(b, bcast_index(b, r, i));
    u64_row((tj_prim)e->prim, x, y, &probe);
    array_set_i(r, i, (int64_t)probe);
  }
  return true;
}

static bool no_rule(eval_state *s, const ir_eqn *e, tj_dtype t) {
  return eval_bug(s, "the reference evaluator has no rule for %s on %s", prims[e->prim].name, dtype_short(t));
}

bool ev_unary(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const tj_array *a = in[0];
  const unary_rule *u = &unary_rules[e->prim];
  tj_dtype t = a->dtype;
  /* f16, bf16: XLA's CPU computes in f32, rounding each result (array_set_f) */
  void (*loop)(const tj_array *, tj_array *, int64_t) =
      t == DT_F32 || dtype_is_half(t) ? u->f32 : t == DT_F64 ? u->f64 : u->ints;
  if (!loop) return no_rule(s, e, t);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  if (u64_loop(e, a, a, r)) return true;
  loop(a, r, u->param ? ir_param_int(e, u->param, u->param_default) : 0);
  return true;
}

bool ev_binary(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const binary_rule *b = &binary_rules[e->prim];
  tj_dtype t = in[0]->dtype;
  binary_loop loop = t == DT_F32 || dtype_is_half(t) ? b->f32 : t == DT_F64 ? b->f64 : b->ints;
  if (!loop) return no_rule(s, e, t);
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  if (u64_loop(e, in[0], in[1], r)) return true;
  loop(in[0], in[1], r);
  return true;
}

/* The bounds of an integer dtype, for saturation. They stay integers:
 * int64's upper bound 2^63 - 1 is no double (it rounds to 2^63, which no
 * int64 holds), so comparing x with (double)hi and taking hi itself is
 * exact where casting the double bound back was undefined. */
static void int_range(tj_dtype t, int64_t *lo, int64_t *hi) {
  int bits = 8 * dtype_size(t);
  if (dtype_kindof(t) == DK_UNSIGNED && bits == 64) *lo = 0, *hi = -1; /* UINT64_MAX's bits */
  else if (dtype_kindof(t) == DK_UNSIGNED) *lo = 0, *hi = (int64_t)((1ULL << bits) - 1);
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
    if (to == DT_U64) /* 2^64 is a double; UINT64_MAX is not */
      array_set_i(r, j, x != x || x <= 0 ? 0 : x >= 0x1p64 ? hi : (int64_t)(uint64_t)x);
    else array_set_i(r, j, x != x ? 0 : x <= (double)lo ? lo : x >= (double)hi ? hi : (int64_t)x);
    return;
  }
  int64_t v = array_get_i(a, i);
  if (a->dtype == DT_U64 && dtype_is_float(to)) { /* one rounding, from the unsigned value */
    if (to == DT_F32) ((float *)r->data)[j] = (float)(uint64_t)v;
    else array_set_f(r, j, (double)(uint64_t)v);
  } else if (to == DT_F32) ((float *)r->data)[j] = (float)v; /* one rounding, not via double */
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
      x = dtype_int_less(r->dtype, x, lo) ? lo : x;
      array_set_i(r, i, dtype_int_less(r->dtype, hi, x) ? hi : x);
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

/* bitcast_convert_type: each element's bytes as they are (equal widths). */
bool ev_bitcast(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  memcpy(r->data, in[0]->data, (size_t)r->size * (size_t)dtype_size(r->dtype));
  return true;
}
