/* Builtins (the jnp/lax vocabulary). Unlike operators, builtins record
 * equations even on static operands, as jnp functions do. */
#include "prims.h"
#include "trace.h"
#include "util.h"

#include <string.h>

typedef enum { B_INEXACT, B_NUMERIC, B_ROUNDING, B_BINARY, B_POW, B_WHERE, B_CLAMP, B_LATER } builtin_kind;

static const struct builtin {
  const char *name;
  builtin_kind kind;
  int prim;
  int nargs;
} builtins[] = {
    {"sin", B_INEXACT, P_sin, 1},       {"cos", B_INEXACT, P_cos, 1},
    {"tan", B_INEXACT, P_tan, 1},       {"asin", B_INEXACT, P_asin, 1},
    {"acos", B_INEXACT, P_acos, 1},     {"atan", B_INEXACT, P_atan, 1},
    {"tanh", B_INEXACT, P_tanh, 1},     {"exp", B_INEXACT, P_exp, 1},
    {"exp2", B_INEXACT, P_exp2, 1},     {"log", B_INEXACT, P_log, 1},
    {"log1p", B_INEXACT, P_log1p, 1},   {"expm1", B_INEXACT, P_expm1, 1},
    {"sqrt", B_INEXACT, P_sqrt, 1},     {"rsqrt", B_INEXACT, P_rsqrt, 1},
    {"logistic", B_INEXACT, P_logistic, 1}, {"erf", B_INEXACT, P_erf, 1},
    {"abs", B_NUMERIC, P_abs, 1},       {"sign", B_NUMERIC, P_sign, 1},
    {"floor", B_ROUNDING, P_floor, 1},  {"ceil", B_ROUNDING, P_ceil, 1},
    {"round", B_ROUNDING, P_round, 1},
    {"maximum", B_BINARY, P_max, 2},    {"minimum", B_BINARY, P_min, 2},
    {"pow", B_POW, P_pow, 2},           {"where", B_WHERE, P_select_n, 3},
    {"clamp", B_CLAMP, P_clamp, 3},
    /* the array vocabulary, still to come */
    {"sum", B_LATER, 0, 0}, {"max", B_LATER, 0, 0}, {"min", B_LATER, 0, 0},
    {"prod", B_LATER, 0, 0}, {"mean", B_LATER, 0, 0}, {"argmax", B_LATER, 0, 0},
    {"argmin", B_LATER, 0, 0}, {"dot", B_LATER, 0, 0}, {"matmul", B_LATER, 0, 0},
    {"transpose", B_LATER, 0, 0}, {"reshape", B_LATER, 0, 0}, {"broadcast_to", B_LATER, 0, 0},
    {"expand_dims", B_LATER, 0, 0}, {"squeeze", B_LATER, 0, 0}, {"concatenate", B_LATER, 0, 0},
    {"zeros", B_LATER, 0, 0}, {"ones", B_LATER, 0, 0}, {"full", B_LATER, 0, 0},
    {"arange", B_LATER, 0, 0}, {"iota", B_LATER, 0, 0}, {"astype", B_LATER, 0, 0},
    {"zeros_like", B_LATER, 0, 0}, {"ones_like", B_LATER, 0, 0}, {"cond", B_LATER, 0, 0},
    {"switch", B_LATER, 0, 0}, {"fori_loop", B_LATER, 0, 0}, {"while_loop", B_LATER, 0, 0},
    {"scan", B_LATER, 0, 0},
};

/* The operand as an atom of its own aval (static numbers become literals). */
static bool own_atom(tracer *t, const value *v, tj_span span, ir_atom *out) {
  tj_aval a = value_aval(t, v);
  return to_atom(t, v, a.dtype, a.weak, span, out);
}

static bool unary_inexact(tracer *t, int prim, value v, tj_span span, value *out) {
  tj_aval a = value_aval(t, &v);
  tj_dtype dt = dtype_is_float(a.dtype) ? a.dtype : DT_F32;
  ir_atom in;
  if (!convert(t, &v, dt, a.weak, span) || !to_atom(t, &v, dt, a.weak, span, &in)) return false;
  return emit(t, prim, &in, 1, NULL, NULL, 0, span, out);
}

static bool unary_rounding(tracer *t, int prim, value v, tj_span span, value *out) {
  tj_aval a = value_aval(t, &v);
  if (!dtype_is_float(a.dtype)) { *out = v; return true; } /* jnp returns integers as they are */
  ir_atom in;
  if (!own_atom(t, &v, span, &in)) return false;
  ir_param p = {"rounding_method", pv_int(t->m, 1)}; /* TO_NEAREST_EVEN, as jnp.round */
  return emit(t, prim, &in, 1, NULL, &p, prim == P_round, span, out);
}

static bool builtin_pow(tracer *t, value *args, tj_span span, value *out) {
  if (args[1].kind == V_INT) { /* a static integer exponent: integer_pow */
    ir_atom in;
    if (!own_atom(t, &args[0], span, &in)) return false;
    if (value_aval(t, &args[0]).dtype == DT_BOOL)
      return tracer_error(t, span, "TypeError: integer_pow does not accept dtype bool");
    ir_param p = {"y", pv_int(t->m, args[1].i)};
    return emit(t, P_integer_pow, &in, 1, NULL, &p, 1, span, out);
  }
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, args, 2, span, &dt, &weak)) return false;
  if (!dtype_is_float(dt))
    return tracer_error(t, span, "pow on %s needs a static integer exponent", dtype_long(dt));
  return apply_binary(t, P_pow, args[0], args[1], span, out);
}

/* jnp's _broadcast_arrays: numpy broadcasting to one shape. */
static bool broadcast_arrays(tracer *t, value *vals, int n, tj_span span) {
  tj_aval shape = value_aval(t, &vals[0]);
  bool equal = true;
  for (int i = 1; i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]);
    equal = equal && aval_same_shape(&a, &shape);
    if (!shape_broadcast(&shape, &a, &shape))
      return tracer_error(t, span, "ValueError: Incompatible shapes for broadcasting");
  }
  for (int i = 0; !equal && i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]), target = shape;
    if (aval_same_shape(&a, &shape)) continue;
    int lead = shape.rank - a.rank;
    int64_t dims[TJ_MAX_RANK];
    for (int d = 0; d < a.rank; d++) dims[d] = lead + d;
    ir_atom in = ATOM_VAR(vals[i].var);
    /* JAX's listing drops an empty broadcast_dimensions, so it is not stored */
    ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, dims, a.rank)};
    if (!emit(t, P_broadcast_in_dim, &in, 1, &target, &p, a.rank > 0, span, &vals[i])) return false;
  }
  return true;
}

/* jnp.where is a jitted function in JAX, so it records a nested
 * jit[name=_where] whose body converts, broadcasts and selects. */
static bool builtin_where(tracer *t, value *args, tj_span span, value *out) {
  ir_jaxpr *inner = ir_jaxpr_new(t->m), *outer = t->jaxpr;
  ir_atom outer_in[3];
  value v[3];
  inner->invars = ARENA_ARRAY(&t->m->arena, uint32_t, 3);
  inner->nin = 3;
  for (int i = 0; i < 3; i++) {
    if (args[i].kind != V_TRACED && !value_is_number(&args[i]))
      return tracer_error(t, span, "TypeError: where() takes arrays or numbers, not a %s", value_type_name(&args[i]));
    tj_aval a = value_aval(t, &args[i]);
    if (!own_atom(t, &args[i], span, &outer_in[i])) return false;
    inner->invars[i] = ir_new_var(t->m, &a);
    v[i] = value_traced(inner->invars[i]);
  }
  t->jaxpr = inner;
  bool ok = true;
  if (value_aval(t, &v[0]).dtype != DT_BOOL) ok = apply_binary(t, P_ne, v[0], value_int(0), span, &v[0]);
  tj_dtype dt;
  bool weak;
  ok = ok && promote_values(t, v + 1, 2, span, &dt, &weak);
  bool scalar_pred = ok && value_aval(t, &v[0]).rank == 0;
  ok = ok && broadcast_arrays(t, scalar_pred ? v + 1 : v, scalar_pred ? 2 : 3, span);
  ir_atom sel[3] = {ATOM_VAR(v[0].var), ATOM_VAR(v[2].var), ATOM_VAR(v[1].var)};
  value result;
  ok = ok && emit(t, P_select_n, sel, 3, NULL, NULL, 0, span, &result);
  t->jaxpr = outer;
  if (!ok) return false;
  inner->outs = ARENA_ARRAY(&t->m->arena, ir_atom, 1);
  inner->outs[0] = ATOM_VAR(result.var);
  inner->nout = 1;
  ir_param ps[2] = {{"name", pv_name(t->m, "_where")}, {"jaxpr", pv_jaxpr(t->m, inner)}};
  return emit(t, P_jit, outer_in, 3, NULL, ps, 2, span, out);
}

/* lax.clamp(min, x, max): static bounds take x's dtype. */
static bool builtin_clamp(tracer *t, value *args, tj_span span, value *out) {
  tj_aval x = value_aval(t, &args[1]);
  ir_atom in[3];
  for (int i = 0; i < 3; i++) {
    if (args[i].kind != V_TRACED && !value_is_number(&args[i]))
      return tracer_error(t, span, "TypeError: clamp() takes arrays or numbers, not a %s", value_type_name(&args[i]));
    bool static_bound = i != 1 && args[i].kind != V_TRACED;
    if (static_bound ? !to_atom(t, &args[i], x.dtype, x.weak, span, &in[i]) : !own_atom(t, &args[i], span, &in[i]))
      return false;
  }
  return emit(t, P_clamp, in, 3, NULL, NULL, 0, span, out);
}

static bool dispatch(tracer *t, const struct builtin *b, value *args, tj_span span, value *out) {
  switch (b->kind) {
  case B_INEXACT: return unary_inexact(t, b->prim, args[0], span, out);
  case B_NUMERIC: {
    ir_atom in;
    return own_atom(t, &args[0], span, &in) && emit(t, b->prim, &in, 1, NULL, NULL, 0, span, out);
  }
  case B_ROUNDING: return unary_rounding(t, b->prim, args[0], span, out);
  case B_BINARY: return apply_binary(t, b->prim, args[0], args[1], span, out);
  case B_POW: return builtin_pow(t, args, span, out);
  case B_WHERE: return builtin_where(t, args, span, out);
  case B_CLAMP: return builtin_clamp(t, args, span, out);
  case B_LATER: break;
  }
  return false;
}

bool call_builtin(tracer *t, scope *s, node *call, bool *found, value *out) {
  const char *name = name_str(t->prog->names, call->name);
  *found = false;
  if (scope_lookup(s, call->name)) return true; /* a local function shadows a builtin */
  const struct builtin *b = NULL;
  for (size_t i = 0; i < TJ_COUNT(builtins) && !b; i++)
    if (strcmp(builtins[i].name, name) == 0) b = &builtins[i];
  if (!b || ast_find_func(t->prog, call->name)) return true; /* user functions shadow builtins */
  *found = true;
  if (b->kind == B_LATER)
    return tracer_error(t, call->op_span, "builtin '%s' is not supported yet", name);
  if (call->nitems != b->nargs)
    return tracer_error(t, call->span, "TypeError: %s() takes %d argument%s but %d %s given", name, b->nargs,
                        b->nargs == 1 ? "" : "s", call->nitems, call->nitems == 1 ? "was" : "were");
  value args[3];
  for (int i = 0; i < call->nitems; i++) {
    if (call->items[i]->kwname)
      return tracer_error(t, call->items[i]->span, "%s() takes no keyword arguments", name);
    if (!eval(t, s, call->items[i], &args[i])) return false;
  }
  return dispatch(t, b, args, call->span, out);
}
