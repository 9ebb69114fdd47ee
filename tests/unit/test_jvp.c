/* Every JVP rule (lib/ir/jvp.def) against central finite differences:
 * one table of cases, each one equation of a primitive on f64 operands,
 * built by hand (ir_build), replayed by jvp_replay into a jaxpr of
 * (primals, tangents), and run by the reference evaluator; its tangent
 * must match (f(x + h t) - f(x - h t)) / (2 h) with h = 1e-6. In f64 the
 * difference's error is about h^2/6 |f'''| + 2^-52 |f| / h, under 1e-8 for
 * these operands (kept away from kinks and poles), so the tolerance is
 * 1e-6 relative; a wrong rule is off by O(1). Binary cases run with both
 * tangents nonzero and with each one a symbolic zero (their rules have a
 * branch per case). stop_gradient's tangent is zero by definition (its
 * finite difference is not). A last check says every rule has a case. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "eval.h"
#include "harness.h"
#include "ir_build.h"
#include "jvp.h"
#include "vjp.h"
#include "prims.h"
#include "util.h"

enum { MAXIN = 3 };

typedef struct jcase {
  const char *name;
  int prim;
  int nin;
  int64_t shapes[MAXIN][3];   /* per operand: rank, dims */
  double lo, hi;              /* the primals' range (away from kinks) */
  int params;                 /* which param set (make_params) */
  bool bool_first;            /* operand 0 is a bool predicate (select_n) */
  bool stops;                 /* stop_gradient: the tangent is zero, whatever f does */
  bool int_last;              /* the last operand is an int32 index (dynamic_slice's start) */
  double shift[MAXIN];        /* added to operand i's primals (clamp's bounds) */
  bool int1;                  /* operand 1 is an int32 index array (the scatters') */
  int nout;                   /* the equation's outputs (0: one); the first is checked */
} jcase;

#define V(n) {1, n, 0}
#define M(a, b) {2, a, b}
#define S {0, 0, 0}

enum { P0, PY0, PY1, PY2, PY3, PYM2, PCONV, PAX1, PAX0, PBCAST, PRESHAPE, PTRANS, PSQUEEZE, PCAT, PSLICE, PREV, PDOT, PJIT, PDSLICE, PCUMSUM, PRELU, PRELU6, PLAE, PGATHER, PPAD,
       PPROD, PCUMREV, PSCAT, PSCATU, PSORT, PTOPK, PSTACK, PSPLIT, PTILE, PRWIN, PRPREC, PSELGA, PAX1P, PUNSTACK, PSELSC };

static const jcase cases[] = {
    {"neg", P_neg, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"exp", P_exp, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"log", P_log, 1, {V(5)}, 0.5, 3, P0, false, false, false, {0}, false, 0},
    {"sin", P_sin, 1, {V(5)}, -3, 3, P0, false, false, false, {0}, false, 0},
    {"cos", P_cos, 1, {V(5)}, -3, 3, P0, false, false, false, {0}, false, 0},
    {"tanh", P_tanh, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"logistic", P_logistic, 1, {V(5)}, -3, 3, P0, false, false, false, {0}, false, 0},
    {"sqrt", P_sqrt, 1, {V(5)}, 0.5, 4, P0, false, false, false, {0}, false, 0},
    {"rsqrt", P_rsqrt, 1, {V(5)}, 0.5, 4, P0, false, false, false, {0}, false, 0},
    {"abs", P_abs, 1, {V(5)}, 0.2, 2, P0, false, false, false, {0}, false, 0},
    {"abs negative", P_abs, 1, {V(5)}, -2, -0.2, P0, false, false, false, {0}, false, 0},
    {"square", P_square, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"sign", P_sign, 1, {V(5)}, 0.2, 2, P0, false, false, false, {0}, false, 0},
    {"floor", P_floor, 1, {V(5)}, 0.1, 0.9, P0, false, false, false, {0}, false, 0},
    {"ceil", P_ceil, 1, {V(5)}, 0.1, 0.9, P0, false, false, false, {0}, false, 0},
    {"round", P_round, 1, {V(5)}, 0.1, 0.4, P0, false, false, false, {0}, false, 0},
    {"stop_gradient", P_stop_gradient, 1, {V(5)}, -2, 2, P0, false, true, false, {0}, false, 0},
    {"copy", P_copy, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"integer_pow y=0", P_integer_pow, 1, {V(5)}, -2, 2, PY0, false, false, false, {0}, false, 0},
    {"integer_pow y=1", P_integer_pow, 1, {V(5)}, -2, 2, PY1, false, false, false, {0}, false, 0},
    {"integer_pow y=2", P_integer_pow, 1, {V(5)}, -2, 2, PY2, false, false, false, {0}, false, 0},
    {"integer_pow y=3", P_integer_pow, 1, {V(5)}, -2, 2, PY3, false, false, false, {0}, false, 0},
    {"integer_pow y=-2", P_integer_pow, 1, {V(5)}, 0.5, 2, PYM2, false, false, false, {0}, false, 0},
    {"convert_element_type", P_convert_element_type, 1, {V(5)}, -2, 2, PCONV, false, false, false, {0}, false, 0},
    {"add", P_add, 2, {V(5), V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"add scalar", P_add, 2, {V(5), S}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"sub", P_sub, 2, {V(5), V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"sub scalar", P_sub, 2, {S, V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"mul", P_mul, 2, {V(5), V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"div", P_div, 2, {V(5), V(5)}, 0.5, 2, P0, false, false, false, {0}, false, 0},
    {"max", P_max, 2, {V(5), V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"min", P_min, 2, {V(5), V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"add_any", P_add_any, 2, {V(5), V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"select_n", P_select_n, 3, {V(5), V(5), V(5)}, -2, 2, P0, true, false, false, {0}, false, 0},
    {"reduce_sum", P_reduce_sum, 1, {M(2, 3)}, -2, 2, PAX1, false, false, false, {0}, false, 0},
    {"reduce_max", P_reduce_max, 1, {M(2, 3)}, -2, 2, PAX1, false, false, false, {0}, false, 0},
    {"reduce_min", P_reduce_min, 1, {M(2, 3)}, -2, 2, PAX0, false, false, false, {0}, false, 0},
    {"broadcast_in_dim", P_broadcast_in_dim, 1, {V(3)}, -2, 2, PBCAST, false, false, false, {0}, false, 0},
    {"reshape", P_reshape, 1, {M(2, 3)}, -2, 2, PRESHAPE, false, false, false, {0}, false, 0},
    {"transpose", P_transpose, 1, {M(2, 3)}, -2, 2, PTRANS, false, false, false, {0}, false, 0},
    {"squeeze", P_squeeze, 1, {M(1, 3)}, -2, 2, PSQUEEZE, false, false, false, {0}, false, 0},
    {"concatenate", P_concatenate, 2, {V(2), V(3)}, -2, 2, PCAT, false, false, false, {0}, false, 0},
    {"slice", P_slice, 1, {V(5)}, -2, 2, PSLICE, false, false, false, {0}, false, 0},
    {"rev", P_rev, 1, {V(5)}, -2, 2, PREV, false, false, false, {0}, false, 0},
    {"dot_general", P_dot_general, 2, {M(2, 3), M(3, 2)}, -2, 2, PDOT, false, false, false, {0}, false, 0},
    {"jit", P_jit, 2, {V(5), V(5)}, -2, 2, PJIT, false, false, false, {0}, false, 0},
    {"log1p", P_log1p, 1, {V(5)}, -0.5, 2, P0, false, false, false, {0}, false, 0},
    {"expm1", P_expm1, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"exp2", P_exp2, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"tan", P_tan, 1, {V(5)}, -1.2, 1.2, P0, false, false, false, {0}, false, 0},
    {"asin", P_asin, 1, {V(5)}, -0.8, 0.8, P0, false, false, false, {0}, false, 0},
    {"acos", P_acos, 1, {V(5)}, -0.8, 0.8, P0, false, false, false, {0}, false, 0},
    {"atan", P_atan, 1, {V(5)}, -3, 3, P0, false, false, false, {0}, false, 0},
    {"sinh", P_sinh, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"cosh", P_cosh, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"asinh", P_asinh, 1, {V(5)}, -3, 3, P0, false, false, false, {0}, false, 0},
    {"acosh", P_acosh, 1, {V(5)}, 1.2, 4, P0, false, false, false, {0}, false, 0},
    {"atanh", P_atanh, 1, {V(5)}, -0.8, 0.8, P0, false, false, false, {0}, false, 0},
    {"cbrt", P_cbrt, 1, {V(5)}, 0.3, 3, P0, false, false, false, {0}, false, 0},
    {"erf", P_erf, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"erfc", P_erfc, 1, {V(5)}, -2, 2, P0, false, false, false, {0}, false, 0},
    {"erf_inv", P_erf_inv, 1, {V(5)}, -0.9, 0.9, P0, false, false, false, {0}, false, 0},
    {"atan2", P_atan2, 2, {V(5), V(5)}, 0.5, 2, P0, false, false, false, {0}, false, 0},
    {"rem", P_rem, 2, {V(5), V(5)}, 0.5, 2, P0, false, false, false, {0}, false, 0},
    {"clamp", P_clamp, 3, {V(5), V(5), V(5)}, -1, 1, P0, false, false, false, {-0.8, 0, 0.8}, false, 0},
    {"cumsum", P_cumsum, 1, {V(5)}, -2, 2, PCUMSUM, false, false, false, {0}, false, 0},
    {"pow", P_pow, 2, {V(5), V(5)}, 0.5, 2, P0, false, false, false, {0}, false, 0},
    {"dynamic_slice", P_dynamic_slice, 2, {V(5), S}, -2, 2, PDSLICE, false, false, true, {0}, false, 0},
    {"gather", P_gather, 2, {V(5), M(3, 1)}, -2, 2, PGATHER, false, false, true, {0}, false, 0},
    {"pad", P_pad, 2, {V(5), S}, -2, 2, PPAD, false, false, false, {0}, false, 0},
    {"custom_jvp_call relu", P_custom_jvp_call, 1, {V(5)}, -2, 2, PRELU, false, false, false, {0}, false, 0},
    {"custom_jvp_call relu6", P_custom_jvp_call, 1, {V(5)}, -2, 7.5, PRELU6, false, false, false, {0}, false, 0},
    {"custom_jvp_call logaddexp", P_custom_jvp_call, 2, {V(5), V(5)}, -3, 3, PLAE, false, false, false, {0}, false, 0},
    /* the data rules (jvp_data.c); scatter indices are [0, 1], updates of 2 */
    {"reduce_prod", P_reduce_prod, 1, {M(3, 2)}, 0.5, 2, PPROD, false, false, false, {0}, false, 0},
    {"reduce_prod axis 1", P_reduce_prod, 1, {M(3, 2)}, 0.5, 2, PAX1P, false, false, false, {0}, false, 0},
    {"cumprod", P_cumprod, 1, {V(5)}, 0.5, 2, PCUMSUM, false, false, false, {0}, false, 0},
    {"cumprod reverse", P_cumprod, 1, {V(5)}, -2, 2, PCUMREV, false, false, false, {0}, false, 0},
    {"cummax", P_cummax, 1, {V(5)}, -2, 2, PCUMSUM, false, false, false, {0}, false, 0},
    {"cummin reverse", P_cummin, 1, {V(5)}, -2, 2, PCUMREV, false, false, false, {0}, false, 0},
    {"scatter", P_scatter, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCAT, false, false, false, {0}, true, 0},
    {"scatter unique", P_scatter, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCATU, false, false, false, {0}, true, 0},
    {"scatter-add", P_scatter_add, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCAT, false, false, false, {0}, true, 0},
    {"scatter-sub", P_scatter_sub, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCAT, false, false, false, {0}, true, 0},
    {"scatter-mul", P_scatter_mul, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCATU, false, false, false, {0}, true, 0},
    {"scatter-min", P_scatter_min, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCAT, false, false, false, {0}, true, 0},
    {"scatter-max", P_scatter_max, 3, {V(5), M(2, 1), V(2)}, -2, 2, PSCAT, false, false, false, {0}, true, 0},
    {"sort", P_sort, 1, {V(5)}, -2, 2, PSORT, false, false, false, {0}, false, 0},
    {"top_k", P_top_k, 1, {V(5)}, -2, 2, PTOPK, false, false, false, {0}, false, 2},
    {"stack", P_stack, 2, {V(3), V(3)}, -2, 2, PSTACK, false, false, false, {0}, false, 0},
    {"split", P_split, 1, {V(5)}, -2, 2, PSPLIT, false, false, false, {0}, false, 2},
    {"tile", P_tile, 1, {V(3)}, -2, 2, PTILE, false, false, false, {0}, false, 0},
    {"reduce_window_sum", P_reduce_window_sum, 1, {V(5)}, -2, 2, PRWIN, false, false, false, {0}, false, 0},
    {"reduce_window_max", P_reduce_window_max, 1, {V(5)}, -2, 2, PRWIN, false, false, false, {0}, false, 0},
    {"reduce_window_min", P_reduce_window_min, 1, {V(5)}, -2, 2, PRWIN, false, false, false, {0}, false, 0},
    {"select_and_gather_add", P_select_and_gather_add, 2, {V(5), V(5)}, -2, 2, PSELGA, false, false, false, {0}, false, 0},
    {"reduce_precision", P_reduce_precision, 1, {V(5)}, -2, 2, PRPREC, false, false, false, {0}, false, 0},
    /* the primitives transposes bind (reverse over reverse) */
    {"unstack", P_unstack, 1, {M(3, 2)}, -2, 2, PUNSTACK, false, false, false, {0}, false, 3},
    {"dynamic_update_slice", P_dynamic_update_slice, 3, {V(5), V(2), S}, -2, 2, P0, false, false, true, {0}, false, 0},
    {"select_and_scatter_add", P_select_and_scatter_add, 2, {V(4), V(5)}, -2, 2, PSELSC, false, false, false, {0}, false, 0},
};

static tj_aval aval_of_shape(const int64_t *s, tj_dtype dt) {
  tj_aval a = aval_scalar(dt, false);
  a.rank = (uint8_t)s[0];
  for (int d = 0; d < a.rank; d++) a.dims[d] = s[1 + d];
  return a;
}

/* A jit body: sin(x) * y. */
static ir_jaxpr *jit_body(ir_module *m) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval a = aval_scalar(DT_F64, false);
  a.rank = 1, a.dims[0] = 5;
  tj_aval two[2] = {a, a};
  uint32_t xy[2];
  ir_build_invars(m, j, two, 2, xy);
  ir_atom x = ATOM_VAR(xy[0]);
  ir_eqn *s = ir_build(m, j, &(ir_eqn_desc){.prim = P_sin, .in = &x, .nin = 1, .nout = 1}, harness_at()->d);
  ir_atom in[2] = {ATOM_VAR(s->out[0]), ATOM_VAR(xy[1])};
  ir_eqn *p = ir_build(m, j, &(ir_eqn_desc){.prim = P_mul, .in = in, .nin = 2, .nout = 1}, harness_at()->d);
  ir_atom o = ATOM_VAR(p->out[0]);
  ir_build_outs(m, j, &o, 1);
  return j;
}

static ir_atom op1(ir_module *m, ir_jaxpr *j, int prim, ir_atom a) {
  return ATOM_VAR(ir_build(m, j, &(ir_eqn_desc){.prim = prim, .in = &a, .nin = 1, .nout = 1}, harness_at()->d)->out[0]);
}

static ir_atom op2(ir_module *m, ir_jaxpr *j, int prim, ir_atom a, ir_atom b) {
  ir_atom in[2] = {a, b};
  return ATOM_VAR(ir_build(m, j, &(ir_eqn_desc){.prim = prim, .in = in, .nin = 2, .nout = 1}, harness_at()->d)->out[0]);
}

/* A custom_jvp function's primal body: relu's max(x, 0), relu6's
 * min(max(x, 0), 6), or log(exp(x) + exp(y)) for logaddexp (the rule is
 * found by name; the finite difference runs this body). */
static ir_jaxpr *custom_body(ir_module *m, int k) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval a = aval_scalar(DT_F64, false);
  a.rank = 1, a.dims[0] = 5;
  tj_aval two[2] = {a, a};
  uint32_t xy[2];
  ir_build_invars(m, j, two, k == PLAE ? 2 : 1, xy);
  ir_atom x = ATOM_VAR(xy[0]), o;
  ir_lit zero = {.dtype = DT_F64, .weak = true, .f = 0}, six = {.dtype = DT_F64, .weak = true, .f = 6};
  if (k == PLAE) o = op1(m, j, P_log, op2(m, j, P_add, op1(m, j, P_exp, x), op1(m, j, P_exp, ATOM_VAR(xy[1]))));
  else o = op2(m, j, P_max, x, ir_new_lit(m, &zero));
  if (k == PRELU6) o = op2(m, j, P_min, o, ir_new_lit(m, &six));
  ir_build_outs(m, j, &o, 1);
  return j;
}

/* A scatter's update jaxpr: { lambda ; a:f64[] b:f64[]. let c = op a b in (c,) }. */
static ir_jaxpr *update_body(ir_module *m, int prim) {
  int op = prim == P_scatter_add ? P_add : prim == P_scatter_sub ? P_sub : prim == P_scatter_mul ? P_mul
         : prim == P_scatter_min ? P_min : P_max;
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval two[2] = {aval_scalar(DT_F64, false), aval_scalar(DT_F64, false)};
  uint32_t ab[2];
  ir_build_invars(m, j, two, 2, ab);
  ir_atom o = op2(m, j, op, ATOM_VAR(ab[0]), ATOM_VAR(ab[1]));
  ir_build_outs(m, j, &o, 1);
  return j;
}

/* Scatter params: one index per update into dimension 0. */
static int scatter_params(ir_module *m, int prim, bool unique, ir_param *ps) {
  ir_scatter_dims d = {.inserted = {0}, .to_operand = {0}, .ninserted = 1, .nto = 1};
  ps[0] = (ir_param){"dimension_numbers", ir_scatter_dims_new(m, &d)};
  ps[1] = (ir_param){"indices_are_sorted", pv_bool(m, false)};
  ps[2] = (ir_param){"mode", pv_name(m, "GatherScatterMode.FILL_OR_DROP")};
  ps[3] = (ir_param){"unique_indices", pv_bool(m, unique)};
  ps[4] = (ir_param){"update_consts", pv_seq(m, PV_TUPLE, 0)};
  ps[5] = (ir_param){"update_jaxpr", prim == P_scatter ? pv_none(m) : pv_jaxpr(m, update_body(m, prim))};
  return 6;
}

/* reduce_window params: a window of 2, stride 1, no padding or dilation. */
static int window_params(ir_module *m, ir_param *ps) {
  static const int64_t one[] = {1}, two[] = {2}, none[] = {0, 0};
  pval *pad = pv_seq(m, PV_TUPLE, 1);
  pad->items[0] = pv_ints(m, PV_TUPLE, none, 2);
  ps[0] = (ir_param){"base_dilation", pv_ints(m, PV_TUPLE, one, 1)}, ps[1] = (ir_param){"padding", pad};
  ps[2] = (ir_param){"window_dilation", pv_ints(m, PV_TUPLE, one, 1)};
  ps[3] = (ir_param){"window_dimensions", pv_ints(m, PV_TUPLE, two, 1)};
  ps[4] = (ir_param){"window_strides", pv_ints(m, PV_TUPLE, one, 1)};
  return 5;
}

/* The params of set k (for prim) into ps; their number. */
static int make_params(ir_module *m, int k, int prim, ir_param *ps, tj_aval *hint) {
  static const int64_t one[] = {1}, zero[] = {0}, six[] = {6}, perm[] = {1, 0}, start[] = {1}, limit[] = {4};
  static const int64_t y[] = {[PY0] = 0, [PY1] = 1, [PY2] = 2, [PY3] = 3, [PYM2] = -2};
  switch (k) {
  case PY0: case PY1: case PY2: case PY3: case PYM2: ps[0] = (ir_param){"y", pv_int(m, y[k])}; return 1;
  case PCONV:
    ps[0] = (ir_param){"new_dtype", pv_dtype(m, DT_F64)}, ps[1] = (ir_param){"weak_type", pv_bool(m, false)};
    return 2;
  case PAX1: case PAX0:
    ps[0] = (ir_param){"axes", pv_ints(m, PV_TUPLE, k == PAX1 ? one : zero, 1)};
    ps[1] = (ir_param){"out_sharding", pv_none(m)};
    return 2;
  case PBCAST:
    hint->rank = 2, hint->dims[0] = 2, hint->dims[1] = 3;
    ps[0] = (ir_param){"broadcast_dimensions", pv_ints(m, PV_TUPLE, one, 1)};
    return 1;
  case PRESHAPE:
    ps[0] = (ir_param){"dimensions", pv_none(m)}, ps[1] = (ir_param){"new_sizes", pv_ints(m, PV_TUPLE, six, 1)};
    ps[2] = (ir_param){"sharding", pv_none(m)};
    return 3;
  case PTRANS: ps[0] = (ir_param){"permutation", pv_ints(m, PV_TUPLE, perm, 2)}; return 1;
  case PSQUEEZE: ps[0] = (ir_param){"dimensions", pv_ints(m, PV_TUPLE, zero, 1)}; return 1;
  case PCAT: ps[0] = (ir_param){"dimension", pv_int(m, 0)}; return 1;
  case PSLICE:
    ps[0] = (ir_param){"start_indices", pv_ints(m, PV_TUPLE, start, 1)};
    ps[1] = (ir_param){"limit_indices", pv_ints(m, PV_TUPLE, limit, 1)}, ps[2] = (ir_param){"strides", pv_none(m)};
    return 3;
  case PDSLICE: { static const int64_t three[] = {3}; ps[0] = (ir_param){"slice_sizes", pv_ints(m, PV_TUPLE, three, 1)}; return 1; }
  case PCUMSUM: ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"reverse", pv_bool(m, false)}; return 2;
  case PREV: ps[0] = (ir_param){"dimensions", pv_ints(m, PV_TUPLE, zero, 1)}; return 1;
  case PDOT: {
    ir_dot_dims d = {.lc = {1}, .rc = {0}, .nlc = 1, .nrc = 1};
    pval *dn = pv_seq(m, PV_TUPLE, 2), *c = pv_seq(m, PV_TUPLE, 2), *b = pv_seq(m, PV_TUPLE, 2);
    c->items[0] = pv_ints(m, PV_LIST, d.lc, 1), c->items[1] = pv_ints(m, PV_LIST, d.rc, 1);
    b->items[0] = pv_ints(m, PV_LIST, NULL, 0), b->items[1] = pv_ints(m, PV_LIST, NULL, 0);
    dn->items[0] = c, dn->items[1] = b;
    ps[0] = (ir_param){"dimension_numbers", dn}, ps[1] = (ir_param){"preferred_element_type", pv_dtype(m, DT_F64)};
    return 2;
  }
  case PRELU: case PRELU6: case PLAE:
    ps[0] = (ir_param){"name", pv_name(m, k == PLAE ? "logaddexp" : k == PRELU ? "relu" : "relu6")};
    ps[1] = (ir_param){"call_jaxpr", pv_jaxpr(m, custom_body(m, k))};
    ps[2] = (ir_param){"jvp", pv_name(m, k == PLAE ? "_logaddexp_jvp" : "jvp")};
    ps[3] = (ir_param){"symbolic_zeros", pv_bool(m, false)};
    return 4;
  case PGATHER: {
    ir_gather_dims d = {.collapsed = {0}, .start_map = {0}, .ncollapsed = 1, .nstart_map = 1};
    ps[0] = (ir_param){"dimension_numbers", ir_gather_dims_new(m, &d)}, ps[1] = (ir_param){"fill_value", pv_none(m)};
    ps[2] = (ir_param){"indices_are_sorted", pv_bool(m, false)};
    ps[3] = (ir_param){"mode", pv_name(m, "GatherScatterMode.CLIP")};
    ps[4] = (ir_param){"slice_sizes", pv_ints(m, PV_TUPLE, one, 1)}, ps[5] = (ir_param){"unique_indices", pv_bool(m, false)};
    return 6;
  }
  case PPAD: {
    static const int64_t cfg[] = {1, 2, 1};
    pval *pc = pv_seq(m, PV_TUPLE, 1);
    pc->items[0] = pv_ints(m, PV_TUPLE, cfg, 3);
    ps[0] = (ir_param){"padding_config", pc};
    return 1;
  }
  case PJIT: ps[0] = (ir_param){"name", pv_name(m, "f")}, ps[1] = (ir_param){"jaxpr", pv_jaxpr(m, jit_body(m))}; return 2;
  case PPROD: case PAX1P: ps[0] = (ir_param){"axes", pv_ints(m, PV_TUPLE, k == PPROD ? zero : one, 1)}; return 1;
  case PCUMREV: ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"reverse", pv_bool(m, true)}; return 2;
  case PSCAT: case PSCATU: return scatter_params(m, prim, k == PSCATU, ps);
  case PSORT:
    ps[0] = (ir_param){"dimension", pv_int(m, 0)}, ps[1] = (ir_param){"is_stable", pv_bool(m, true)};
    ps[2] = (ir_param){"num_keys", pv_int(m, 1)};
    return 3;
  case PTOPK: ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"k", pv_int(m, 3)}; return 2;
  case PSTACK: ps[0] = (ir_param){"axis", pv_int(m, 0)}; return 1;
  case PSPLIT: {
    static const int64_t sizes[] = {2, 3};
    ps[0] = (ir_param){"axis", pv_int(m, 0)}, ps[1] = (ir_param){"sizes", pv_ints(m, PV_TUPLE, sizes, 2)};
    return 2;
  }
  case PTILE: { static const int64_t reps[] = {2}; ps[0] = (ir_param){"reps", pv_ints(m, PV_TUPLE, reps, 1)}; return 1; }
  case PRWIN: return window_params(m, ps);
  case PSELGA: { /* the window params with select_prim=ge third */
    ir_param w[5];
    window_params(m, w);
    ps[0] = w[0], ps[1] = w[1], ps[2] = (ir_param){"select_prim", pv_name(m, "ge")}, ps[3] = w[2], ps[4] = w[3], ps[5] = w[4];
    return 6;
  }
  case PUNSTACK: ps[0] = (ir_param){"axis", pv_int(m, 0)}; return 1;
  case PSELSC: { /* padding, select_prim=ge, window (2,), strides (1,) */
    ir_param w[5];
    window_params(m, w);
    ps[0] = w[1], ps[1] = (ir_param){"select_prim", pv_name(m, "ge")}, ps[2] = w[3], ps[3] = w[4];
    return 4;
  }
  case PRPREC: /* f64's own format: the identity, so the finite difference is the tangent */
    ps[0] = (ir_param){"exponent_bits", pv_int(m, 11)}, ps[1] = (ir_param){"mantissa_bits", pv_int(m, 52)};
    return 2;
  default: return 0;
  }
}

static bool is_int(const jcase *c, int i) { return (c->int_last && i == c->nin - 1) || (c->int1 && i == 1); }

static bool is_index(const jcase *c, int i) { return (c->bool_first && i == 0) || is_int(c, i); }

static tj_dtype operand_dtype(const jcase *c, int i) {
  return c->bool_first && i == 0 ? DT_BOOL : is_int(c, i) ? DT_I32 : DT_F64;
}

/* The case's equation as m->top: invars the operands, out its result. */
static bool build_case(ir_module *m, const jcase *c) {
  tj_aval in[MAXIN];
  for (int i = 0; i < c->nin; i++) in[i] = aval_of_shape(c->shapes[i], operand_dtype(c, i));
  uint32_t vars[MAXIN];
  ir_build_invars(m, m->top, in, (uint32_t)c->nin, vars);
  ir_atom atoms[MAXIN];
  for (int i = 0; i < c->nin; i++) atoms[i] = ATOM_VAR(vars[i]);
  ir_param ps[6];
  tj_aval hint = aval_scalar(DT_F64, false);
  int np = make_params(m, c->params, c->prim, ps, &hint);
  ir_eqn_desc d = {.prim = c->prim, .in = atoms, .nin = (uint32_t)c->nin, .params = ps, .nparams = (uint16_t)np,
                   .nout = c->nout ? (uint32_t)c->nout : 1, .hint = c->params == PBCAST ? &hint : NULL};
  ir_eqn *e = ir_build(m, m->top, &d, harness_at()->d);
  if (!e) return false;
  ir_atom o = ATOM_VAR(e->out[0]);
  ir_build_outs(m, m->top, &o, 1);
  return true;
}

/* jvp of m->top as a new jaxpr of (primals..., tangents...) -> tangent,
 * the tangent of operand i a symbolic zero unless nonzero[i]. */
static ir_jaxpr *build_jvp(ir_module *m, const bool *nonzero) {
  const ir_jaxpr *src = m->top;
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval av[2 * MAXIN];
  uint32_t n = src->nin, vars[2 * MAXIN];
  for (uint32_t i = 0; i < n; i++) av[i] = av[n + i] = m->vars[src->invars[i]];
  ir_build_invars(m, j, av, 2 * n, vars);
  ir_atom p[MAXIN], t[MAXIN], op, ot;
  for (uint32_t i = 0; i < n; i++) p[i] = ATOM_VAR(vars[i]), t[i] = nonzero[i] ? ATOM_VAR(vars[n + i]) : JVP_ZERO;
  uint32_t neqns = 0;
  struct jvp_memo *memo = NULL;
  jvp_target tg = {m, j, harness_at()->d, &neqns, 1000, "test", &memo, NULL, NULL, NULL};
  if (!jvp_replay(&tg, src, p, t, &op, &ot)) return NULL;
  tj_aval oa = ir_atom_aval(m, op);
  if (ot == JVP_ZERO && !jvp_zeros(&tg, &oa, (tj_span){0, 0}, &ot)) return NULL;
  ir_build_outs(m, j, &ot, 1);
  return j;
}

static double frand(unsigned *seed, double lo, double hi) {
  *seed = *seed * 1103515245u + 12345u;
  return lo + (hi - lo) * ((*seed >> 8) & 0xffff) / 65535.0;
}

/* Runs j on arrays in[0..n) and returns its first output (or NULL). */
static tj_array *run1(const ir_module *m, const ir_jaxpr *j, tj_array **in) {
  tj_array *out[1] = {NULL};
  if (eval_jaxpr(harness_at(), m, j, (const tj_array *const *)in, out) != TJ_OK) return NULL;
  return out[0];
}

/* x + s t for the differentiated operands (the predicate stays). */
static void shifted(const jcase *c, tj_array **x, tj_array **t, double s, tj_array **out) {
  for (int i = 0; i < c->nin; i++) {
    out[i] = array_copy(x[i]);
    if (is_index(c, i)) continue;
    for (int64_t k = 0; k < x[i]->size; k++) array_set_f(out[i], k, array_get_f(x[i], k) + s * array_get_f(t[i], k));
  }
}

static double max_error(const tj_array *jv, const tj_array *fp, const tj_array *fm, double h, bool stops) {
  double worst = 0;
  for (int64_t k = 0; k < jv->size; k++) {
    double fd = stops ? 0 : (array_get_f(fp, k) - array_get_f(fm, k)) / (2 * h), g = array_get_f(jv, k);
    double err = fabs(g - fd) / fmax(1.0, fabs(g));
    worst = fmax(worst, err);
  }
  return worst;
}

/* The case with tangents where nonzero says: the jvp's tangent vs the
 * finite difference along the same tangents (zero where symbolic). */
static void check_case(const jcase *c, const bool *nonzero) {
  ir_module *m = ir_new(NULL);
  ir_jaxpr *j = build_case(m, c) ? build_jvp(m, nonzero) : NULL;
  CHECK(j != NULL);
  if (!j) { fprintf(stderr, "  case %s: %s\n", c->name, harness_error()); ir_free(m); return; }
  unsigned seed = 7;
  tj_array *x[MAXIN], *t[MAXIN], *xp[MAXIN], *xm[MAXIN], *both[2 * MAXIN];
  for (int i = 0; i < c->nin; i++) {
    tj_aval a = m->vars[m->top->invars[i]];
    x[i] = array_new(&a), t[i] = array_new(&a);
    for (int64_t k = 0; k < x[i]->size; k++) {
      bool pred = is_index(c, i);
      array_set_f(x[i], k, pred ? (double)(k % 2) : c->shift[i] + frand(&seed, c->lo, c->hi));
      array_set_f(t[i], k, pred || !nonzero[i] ? 0 : frand(&seed, -1, 1));
    }
    both[i] = x[i], both[c->nin + i] = t[i];
  }
  const double h = 1e-6;
  shifted(c, x, t, h, xp);
  shifted(c, x, t, -h, xm);
  tj_array *jv = run1(m, j, both), *fp = run1(m, m->top, xp), *fm = run1(m, m->top, xm);
  CHECK(jv && fp && fm);
  double err = jv && fp && fm ? max_error(jv, fp, fm, h, c->stops) : 1;
  CHECK(err < 1e-6);
  if (err >= 1e-6) fprintf(stderr, "  case %s (tangents %d%d): relative error %g\n", c->name, nonzero[0],
                           c->nin > 1 && nonzero[1], err);
  for (int i = 0; i < c->nin; i++) array_free(x[i]), array_free(t[i]), array_free(xp[i]), array_free(xm[i]);
  array_free(jv), array_free(fp), array_free(fm);
  ir_free(m);
}

static void test_rules_against_finite_differences(void) {
  for (size_t i = 0; i < TJ_COUNT(cases); i++) {
    const jcase *c = &cases[i];
    int first = c->bool_first ? 1 : 0, last = c->int_last ? c->nin - 1 : c->nin;
    bool all[MAXIN];
    for (int k = 0; k < MAXIN; k++) all[k] = k < c->nin && !is_index(c, k);
    check_case(c, all);
    if (last - first < 2) continue;
    for (int z = first; z < last; z++) { /* each differentiable tangent a symbolic zero in turn */
      bool nz[MAXIN];
      memcpy(nz, all, sizeof nz);
      nz[z] = false;
      check_case(c, nz);
    }
  }
}

/* ---- control flow (jvp_control.c): cond, while and scan built by hand ---- */

static tj_aval f64_shape(int rank, int64_t d0, int64_t d1) {
  tj_aval a = aval_scalar(DT_F64, false);
  a.rank = (uint8_t)rank, a.dims[0] = d0, a.dims[1] = d1;
  return a;
}

static ir_atom f64_lit(ir_module *m, double v) {
  ir_lit l = {.dtype = DT_F64, .f = v};
  return ir_new_lit(m, &l);
}

/* A jaxpr of n invars of avals in, built by body(m, j, ins, outs) with nout outputs. */
typedef void (*body_fn)(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out);
static ir_jaxpr *sub_jaxpr(ir_module *m, const tj_aval *in, uint32_t n, uint32_t nout, body_fn body) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  uint32_t vars[4];
  ir_atom ins[4], outs[4];
  ir_build_invars(m, j, in, n, vars);
  for (uint32_t i = 0; i < n; i++) ins[i] = ATOM_VAR(vars[i]);
  body(m, j, ins, outs);
  ir_build_outs(m, j, outs, nout);
  return j;
}

/* cond's branches: sin(a) * b, and b * b (a's tangent never reaches it). */
static void branch0(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_mul, op1(m, j, P_sin, in[0]), in[1]);
}
static void branch1(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_mul, in[1], in[1]);
}
/* while: v < 10 and v * c + sin(v) (c a body const); scan: (carry * x + sin(x), carry + x). */
static void while_cond(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  out[0] = op2(m, j, P_lt, in[0], f64_lit(m, 10));
}
static void while_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  ir_atom vc = op2(m, j, P_mul, in[1], in[0]);
  out[0] = op2(m, j, P_add, vc, op1(m, j, P_sin, in[1]));
}
static void scan_body(ir_module *m, ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  ir_atom cx = op2(m, j, P_mul, in[0], in[1]);
  out[0] = op2(m, j, P_add, cx, op1(m, j, P_sin, in[1]));
  out[1] = op2(m, j, P_add, in[0], in[1]);
}

/* m->top: (x, y) -> one control-flow equation (and for scan, carry +
 * sum(ys)). which: 0, 1 cond with that index; 2 while; 3 scan. */
static bool build_control(ir_module *m, int which) {
  tj_aval v5 = f64_shape(1, 5, 0), s = f64_shape(0, 0, 0), v2 = f64_shape(1, 2, 0), xs = f64_shape(2, 3, 2);
  tj_aval in[2] = {which < 2 ? v5 : which == 2 ? s : v2, which < 2 ? v5 : which == 2 ? s : xs};
  uint32_t vars[2];
  ir_build_invars(m, m->top, in, 2, vars);
  ir_atom x = ATOM_VAR(vars[0]), y = ATOM_VAR(vars[1]), outs[2];
  ir_param ps[6];
  ir_eqn_desc d = {.in = outs, .nin = 2, .params = ps, .nout = 1};
  ir_atom ins[3];
  if (which < 2) {
    ir_lit idx = {.dtype = DT_I32, .i = which};
    pval *br = pv_seq(m, PV_TUPLE, 2);
    br->items[0] = pv_jaxpr(m, sub_jaxpr(m, in, 2, 1, branch0));
    br->items[1] = pv_jaxpr(m, sub_jaxpr(m, in, 2, 1, branch1));
    ps[0] = (ir_param){"branches", br};
    ins[0] = ir_new_lit(m, &idx), ins[1] = x, ins[2] = y;
    d.prim = P_cond, d.in = ins, d.nin = 3, d.nparams = 1;
  } else if (which == 2) {
    tj_aval cb[2] = {s, s};
    ps[0] = (ir_param){"body_jaxpr", pv_jaxpr(m, sub_jaxpr(m, cb, 2, 1, while_body))};
    ps[1] = (ir_param){"body_nconsts", pv_int(m, 1)};
    ps[2] = (ir_param){"cond_jaxpr", pv_jaxpr(m, sub_jaxpr(m, &s, 1, 1, while_cond))};
    ps[3] = (ir_param){"cond_nconsts", pv_int(m, 0)};
    ins[0] = y, ins[1] = x; /* y is the body's const c, x the carry's start */
    d.prim = P_while, d.in = ins, d.nparams = 4;
  } else {
    tj_aval sb[2] = {v2, v2};
    ps[0] = (ir_param){"jaxpr", pv_jaxpr(m, sub_jaxpr(m, sb, 2, 2, scan_body))};
    ps[1] = (ir_param){"length", pv_int(m, 3)}, ps[2] = (ir_param){"num_carry", pv_int(m, 1)};
    ps[3] = (ir_param){"num_consts", pv_int(m, 0)}, ps[4] = (ir_param){"reverse", pv_bool(m, false)};
    ps[5] = (ir_param){"unroll", pv_int(m, 1)};
    ins[0] = x, ins[1] = y;
    d.prim = P_scan, d.in = ins, d.nparams = 6, d.nout = 2;
  }
  ir_eqn *e = ir_build(m, m->top, &d, harness_at()->d);
  if (!e) return false;
  ir_atom o = ATOM_VAR(e->out[0]);
  if (which == 3) {
    int64_t axis = 0;
    ir_param rp[2] = {{"axes", pv_ints(m, PV_TUPLE, &axis, 1)}, {"out_sharding", pv_none(m)}};
    ir_atom ys = ATOM_VAR(e->out[1]);
    ir_eqn_desc rd = {.prim = P_reduce_sum, .in = &ys, .nin = 1, .params = rp, .nparams = 2, .nout = 1};
    ir_eqn *r = ir_build(m, m->top, &rd, harness_at()->d);
    o = op2(m, m->top, P_add, o, ATOM_VAR(r->out[0]));
  }
  ir_build_outs(m, m->top, &o, 1);
  return true;
}

/* The control-flow case with tangents where nonzero says, against the
 * finite difference (x in [0.5, 2], y in [1.2, 2]: while's v * c + sin(v)
 * grows, and no trip count changes within h). */
static void check_control(int which, const bool *nonzero) {
  static const char *const names[] = {"cond index 0", "cond index 1", "while", "scan"};
  ir_module *m = ir_new(NULL);
  ir_jaxpr *j = build_control(m, which) ? build_jvp(m, nonzero) : NULL;
  CHECK(j != NULL);
  if (!j) { fprintf(stderr, "  %s: %s\n", names[which], harness_error()); ir_free(m); return; }
  unsigned seed = 11;
  tj_array *x[2], *t[2], *xp[2], *xm[2], *both[4];
  const double h = 1e-6;
  for (int i = 0; i < 2; i++) {
    tj_aval a = m->vars[m->top->invars[i]];
    x[i] = array_new(&a), t[i] = array_new(&a), xp[i] = array_new(&a), xm[i] = array_new(&a);
    for (int64_t k = 0; k < x[i]->size; k++) {
      double xv = i == 0 ? frand(&seed, 0.5, 2) : frand(&seed, 1.2, 2), tv = nonzero[i] ? frand(&seed, -1, 1) : 0;
      array_set_f(x[i], k, xv), array_set_f(t[i], k, tv);
      array_set_f(xp[i], k, xv + h * tv), array_set_f(xm[i], k, xv - h * tv);
    }
    both[i] = x[i], both[2 + i] = t[i];
  }
  tj_array *jv = run1(m, j, both), *fp = run1(m, m->top, xp), *fm = run1(m, m->top, xm);
  CHECK(jv && fp && fm);
  double err = jv && fp && fm ? max_error(jv, fp, fm, h, false) : 1;
  CHECK(err < 1e-6);
  if (err >= 1e-6)
    fprintf(stderr, "  %s (tangents %d%d): relative error %g\n", names[which], nonzero[0], nonzero[1], err);
  for (int i = 0; i < 2; i++) array_free(x[i]), array_free(t[i]), array_free(xp[i]), array_free(xm[i]);
  array_free(jv), array_free(fp), array_free(fm);
  ir_free(m);
}

/* Each with both tangents, then each a symbolic zero in turn: cond's
 * branch 1 gets an instantiated zero with (x only); while's and scan's
 * carry is nonzero only through the body with (y only), the fixed point. */
static void test_control_flow(void) {
  static const bool patterns[3][2] = {{true, true}, {true, false}, {false, true}};
  for (int which = 0; which < 4; which++)
    for (int p = 0; p < 3; p++) check_control(which, patterns[p]);
}

/* Every rule of jvp.def whose primitive gives a float result has a case
 * above (the comparisons, argmax/argmin and is_finite give float0
 * tangents, which tjit cannot instantiate: their rule is jvp_zero, tested
 * through sign, floor, ceil, round and stop_gradient). */
static void test_every_rule_has_a_case(void) {
  for (int p = 0; p < P_COUNT; p++) {
    if (!jvp_has_rule(p) || (prims[p].flags & PF_COMPARE) || p == P_argmax || p == P_argmin) continue;
    if (p == P_not || p == P_and || p == P_or || p == P_xor || p == P_shift_left || p == P_shift_right_arithmetic ||
        p == P_shift_right_logical)
      continue; /* integer-only: their tangents are float0 */
    if (p == P_bitcast_convert_type) continue; /* jvp_zero, a float to an integer result: float0 too */
    if (p == P_conv_general_dilated) continue; /* ten params: 99-jvp.bats checks it by finite differences */
    if (p == P_svd) continue; /* three outputs: 99-grad-linalg.bats checks it by finite differences */
    /* its JVP binds custom_lin, which cannot run (ad.py raise_custom_vjp_error_on_jvp): the user's rules are
     * checked in reverse mode by 99-custom-ad.bats, and custom_jvp_call's user rules there too */
    if (p == P_custom_vjp_call) continue;
    bool found = false;
    for (size_t i = 0; i < TJ_COUNT(cases) && !found; i++) found = cases[i].prim == p;
    found |= p == P_cond || p == P_while || p == P_scan; /* test_control_flow */
    CHECK(found);
    if (!found) fprintf(stderr, "  no case for the jvp rule of %s\n", prims[p].name);
  }
}

/* A primitive without a rule: reduce_and (lax.py registers no JVP for
 * reduce_and_p), given by hand a bool operand with a nonzero tangent, which
 * no program makes (JAX turns float0 tangents into symbolic zeros,
 * ad.py maybe_jvp_tracer, as trace_ad.c does): ad.py's NotImplementedError
 * text from the replay. The rule table must not have it, or this checks
 * nothing. */
static void test_missing_rule(void) {
  CHECK(!jvp_has_rule(P_reduce_and));
  ir_module *m = ir_new(NULL);
  tj_aval a = aval_scalar(DT_BOOL, false);
  a.rank = 2, a.dims[0] = 3, a.dims[1] = 2;
  uint32_t x;
  ir_build_invars(m, m->top, &a, 1, &x);
  ir_atom in = ATOM_VAR(x);
  int64_t axes[1] = {1};
  ir_param ps[1] = {{"axes", pv_ints(m, PV_TUPLE, axes, 1)}};
  ir_eqn_desc d = {.prim = P_reduce_and, .in = &in, .nin = 1, .params = ps, .nparams = 1, .nout = 1};
  ir_eqn *e = ir_build(m, m->top, &d, harness_at()->d);
  CHECK(e != NULL);
  if (!e) { ir_free(m); return; }
  ir_atom o = ATOM_VAR(e->out[0]);
  ir_build_outs(m, m->top, &o, 1);
  bool nz[1] = {true};
  CHECK(build_jvp(m, nz) == NULL);
  CHECK_STR(harness_error(), "NotImplementedError: Differentiation rule for 'reduce_and' not implemented");
  ir_free(m);
}

/* A linear equation of a primitive without a transpose rule (sin, which
 * is never linear in a real linearization, built by hand) stops the
 * backward pass with ad.get_primitive_transpose's text; one with a rule
 * (neg) transposes. */
static void test_missing_transpose(void) {
  ir_module *m = ir_new(NULL);
  tj_aval a = aval_scalar(DT_F32, false);
  uint32_t t;
  ir_build_invars(m, m->top, &a, 1, &t);
  for (int prim = 0; prim < 2; prim++) {
    vjp_linear lin = {.lin = ir_jaxpr_new(m), .nin = 1, .nout = 1};
    ir_atom in = ATOM_VAR(t), ct = ATOM_VAR(t), g = JVP_ZERO;
    ir_eqn_desc d = {.prim = prim ? P_neg : P_sin, .in = &in, .nin = 1, .nout = 1};
    ir_eqn *e = ir_build(m, lin.lin, &d, harness_at()->d);
    CHECK(e != NULL);
    if (!e) break;
    ir_atom out = ATOM_VAR(e->out[0]);
    lin.tin = &in, lin.tout = &out;
    uint32_t neqns = 0;
    jvp_target tg = {m, m->top, harness_at()->d, &neqns, 1000, "test", NULL, NULL, NULL, NULL};
    bool ok = vjp_backward(&tg, &lin, &ct, (tj_span){0, 0}, &g);
    CHECK(ok == (prim == 1));
    if (prim == 0)
      CHECK_STR(harness_error(),
                "NotImplementedError: Transpose rule (for reverse-mode differentiation) for 'sin' not implemented");
    else
      CHECK(g != JVP_ZERO && neqns == 1);
  }
  ir_free(m);
}

int main(void) {
  test_rules_against_finite_differences();
  test_control_flow();
  test_every_rule_has_a_case();
  test_missing_rule();
  test_missing_transpose();
  return HARNESS_REPORT();
}
