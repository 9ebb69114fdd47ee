/* The primitive table and its shape/dtype rules. */
#include "prims.h"
#include "util.h"
#include "limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

static bool raise_v(diag_list *d, const ir_module *m, const ir_eqn *e, const char *exception, const char *fmt,
                    va_list ap) {
  tj_buf b = {0};
  buf_vprintf(&b, fmt, ap);
  diag_error(d, m->src, e->span, "%s: %s", exception, b.data);
  buf_free(&b);
  return false;
}

bool shape_rule_error(diag_list *d, const ir_module *m, const ir_eqn *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  raise_v(d, m, e, "TypeError", fmt, ap);
  va_end(ap);
  return false;
}

bool shape_rule_value_error(diag_list *d, const ir_module *m, const ir_eqn *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  raise_v(d, m, e, "ValueError", fmt, ap);
  va_end(ap);
  return false;
}

const char *shape_rule_operand_shapes(diag_list *d, const ir_module *m, const ir_eqn *e, const char *sep) {
  tj_buf b = {0};
  for (uint32_t i = 0; i < e->nin; i++) {
    tj_aval a = ir_atom_aval(m, e->in[i]);
    buf_printf(&b, "%s%s", i ? sep : "", shape_rule_tuple(d, a.dims, a.rank));
  }
  char *text = arena_strdup(d->arena, b.data ? b.data : "");
  buf_free(&b);
  return text;
}

const char *shape_rule_tuple(diag_list *d, const int64_t *v, int n) {
  tj_buf b = {0};
  buf_puts(&b, "(");
  for (int i = 0; i < n; i++) buf_printf(&b, i ? ", %lld" : "%lld", (long long)v[i]);
  buf_puts(&b, n == 1 ? ",)" : ")");
  char *text = arena_strdup(d->arena, b.data);
  buf_free(&b);
  return text;
}

static tj_aval operand(const ir_module *m, const ir_eqn *e, uint32_t i) {
  return ir_atom_aval(m, e->in[i]);
}

unsigned dtype_type_classes(tj_dtype t) {
  switch (dtype_kindof(t)) {
  case DK_BOOL: return TC_BOOL;
  case DK_SIGNED: return TC_INTEGER | TC_SIGNEDINTEGER | TC_NUMBER;
  case DK_UNSIGNED: return TC_INTEGER | TC_NUMBER;
  case DK_FLOAT: return TC_FLOATING | TC_NUMBER;
  case DK_KEY: return 0; /* a PRNG key is no number: every group refuses it */
  case DK_VOID: return 0; /* float0 is in no type class */
  }
  return 0;
}

unsigned prim_accepted_at(tj_prim p, uint32_t i) {
  unsigned at1 = (prims[p].flags >> 16) & 0xffu;
  return i == 1 && at1 ? at1 : (prims[p].flags >> 8) & 0xffu;
}

const char *shape_rule_type_classes(diag_list *d, unsigned group) {
  static const char *const names[TC_COUNT] = {
#define X(id, name) [TC_BIT_##id] = name,
      TJ_TYPE_CLASSES(X)
#undef X
  };
  tj_buf b = {0};
  for (int c = 0; c < TC_COUNT; c++)
    if (group & (1u << c)) buf_printf(&b, "%s%s", b.len ? ", " : "", names[c]);
  char *text = arena_strdup(d->arena, b.data ? b.data : "");
  buf_free(&b);
  return text;
}

/* lax.py unop_dtype_rule and naryop_dtype_rule: one operand's message
 * has no position (the reductions' and cumulative ones' say the same). */
bool shape_rule_dtype_accepted(const ir_module *m, const ir_eqn *e, uint32_t i, tj_dtype t, diag_list *diags) {
  unsigned group = prim_accepted_at(e->prim, i);
  if (!group || (dtype_type_classes(t) & group)) return true;
  const char *name = prims[e->prim].name, *names = shape_rule_type_classes(diags, group);
  if (prims[e->prim].nin == 1)
    return REJECT("%s does not accept dtype %s. Accepted dtypes are subtypes of %s.", name, dtype_long(t), names);
  return REJECT("%s does not accept dtype %s at position %u. Accepted dtypes at position %u are subtypes of %s.",
                name, dtype_long(t), i, i, names);
}

/* naryop_dtype_rule's order: every position's accepted group, then one
 * dtype for all. */
static bool operands_accepted(const ir_module *m, const ir_eqn *e, diag_list *diags) {
  for (uint32_t i = 0; i < e->nin; i++)
    if (!shape_rule_dtype_accepted(m, e, i, operand(m, e, i).dtype, diags)) return false;
  return true;
}

/* lax's rule for n-ary elementwise operands: equal ranks with each dimension
 * equal or 1, or rank-0 operands mixed in. Writes the result shape to out. */
static bool broadcast_operands(const ir_module *m, const ir_eqn *e, uint32_t first,
                               tj_aval *out, diag_list *diags) {
  bool have = false;
  for (uint32_t i = first; i < e->nin; i++) {
    tj_aval a = operand(m, e, i);
    if (a.rank == 0) continue;
    if (!have) { *out = a; have = true; continue; }
    bool ok = a.rank == out->rank;
    for (int d = 0; ok && d < a.rank; d++) {
      if (a.dims[d] == out->dims[d] || a.dims[d] == 1) continue;
      if (out->dims[d] == 1) out->dims[d] = a.dims[d];
      else ok = false;
    }
    if (!ok) {
      tj_aval first_aval = operand(m, e, first);
      return REJECT("%s got incompatible shapes for broadcasting: %s, %s.", prims[e->prim].name,
                    shape_rule_tuple(diags, first_aval.dims, first_aval.rank),
                    shape_rule_tuple(diags, a.dims, a.rank));
    }
  }
  if (!have) *out = operand(m, e, first), out->rank = 0;
  return true;
}

/* lax.py _JNP_FUNCTION_EQUIVALENTS, the entries whose key is a
 * primitive's or check_same_dtypes caller's name tjit has: X(lax name,
 * jnp name) */
#define LAX_JNP_EQUIVALENTS(X)                                                                      \
  X("abs", "fabs") X("acos", "arccos") X("acosh", "arccosh") X("add", "add") X("asin", "arcsin")    \
  X("asinh", "arcsinh") X("atan", "arctan") X("atan2", "arctan2") X("atanh", "arctanh")           \
  X("cbrt", "cbrt") X("ceil", "ceil") X("concatenate", "concatenate") X("cos", "cos")              \
  X("cosh", "cosh") X("div", "divide") X("eq", "equal") X("exp", "exp") X("expm1", "expm1")        \
  X("floor", "floor") X("log", "log") X("log1p", "log1p") X("max", "maximum") X("min", "minimum") \
  X("mul", "multiply") X("ne", "not_equal") X("neg", "negative") X("pow", "float_power")          \
  X("round", "round") X("select", "where") X("shift_left", "left_shift")                          \
  X("shift_right_logical", "right_shift") X("shift_right_arithmetic", "right_shift")               \
  X("sign", "sign") X("sin", "sin") X("sinh", "sinh") X("sqrt", "sqrt") X("sub", "subtract")        \
  X("tan", "tan") X("tanh", "tanh")

static const char *jnp_equivalent(const char *lax_name) {
  static const char *const names[][2] = {
#define X(lax, jnp) {lax, jnp},
      LAX_JNP_EQUIVALENTS(X)
#undef X
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(names[i][0], lax_name) == 0) return names[i][1];
  return NULL;
}

bool shape_rule_same_dtypes(diag_list *diags, const ir_module *m, const ir_eqn *e, uint32_t first, const char *name) {
  tj_dtype t = operand(m, e, first).dtype;
  uint32_t i = first + 1;
  while (i < e->nin && operand(m, e, i).dtype == t) i++;
  if (i == e->nin) return true;
  tj_buf b = {0};
  for (i = first; i < e->nin; i++) buf_printf(&b, "%s%s", i > first ? ", " : "", dtype_long(operand(m, e, i).dtype));
  const char *jnp = jnp_equivalent(name), *got = arena_strdup(diags->arena, b.data);
  buf_free(&b);
  if (!jnp) return REJECT("lax.%s requires arguments to have the same dtypes, got %s.", name, got);
  return REJECT("lax.%s requires arguments to have the same dtypes, got %s. (Tip: jnp.%s is a similar function that "
                "does automatic type promotion on inputs).", name, got, jnp);
}

static bool same_dtypes(const ir_module *m, const ir_eqn *e, uint32_t first, diag_list *diags) {
  return shape_rule_same_dtypes(diags, m, e, first, prims[e->prim].name);
}

bool shape_same(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  out[0] = operand(m, e, 0);
  return shape_rule_dtype_accepted(m, e, 0, out[0].dtype, diags);
}

bool shape_convert(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  if (!ir_param_get(e, "new_dtype") || !ir_param_get(e, "weak_type"))
    return REJECT("convert_element_type needs new_dtype and weak_type");
  out[0] = operand(m, e, 0);
  out[0].dtype = ir_param_dtype(e, "new_dtype", out[0].dtype);
  out[0].weak = ir_param_bool(e, "weak_type", false);
  return true;
}

/* lax's standard_abstract_eval runs the shape rule (broadcasting) before
 * the dtype rule (utils.py call_shape_dtype_sharding_rule). */
bool shape_binary(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0), b = operand(m, e, 1);
  if (!broadcast_operands(m, e, 0, &out[0], diags)) return false;
  if (!operands_accepted(m, e, diags) || !same_dtypes(m, e, 0, diags)) return false;
  out[0].dtype = (prims[e->prim].flags & PF_COMPARE) ? DT_BOOL : a.dtype;
  out[0].weak = (prims[e->prim].flags & PF_COMPARE) ? false : a.weak && b.weak;
  return true;
}

/* lax.pow (jax/_src/lax/lax.py pow_p, _pow_dtype_rule): the shapes, the
 * accepted groups per position, then an inexact base with an integer
 * exponent or one of its own dtype; the base's dtype. */
bool shape_pow(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0), b = operand(m, e, 1);
  if (!broadcast_operands(m, e, 0, &out[0], diags) || !operands_accepted(m, e, diags)) return false;
  if (!dtype_is_float(a.dtype) || (!dtype_is_int(b.dtype) && b.dtype != a.dtype))
    return REJECT("the first argument to pow must have an inexact dtype (float or complex), and the second argument "
                  "must have an inexact or integer dtype, and two inexact dtypes must match, but got %s and %s "
                  "respectively.", dtype_long(a.dtype), dtype_long(b.dtype));
  out[0].dtype = a.dtype;
  out[0].weak = a.weak && b.weak;
  return true;
}

bool shape_select_n(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  if (e->nin < 2) return REJECT("select_n needs a predicate and at least one case");
  tj_aval which = operand(m, e, 0);
  /* lax.py _select_dtype_rule: the cases' dtypes, then which's */
  if (!shape_rule_same_dtypes(diags, m, e, 1, "select")) return false;
  if (which.dtype != DT_BOOL && !dtype_is_int(which.dtype))
    return REJECT("select `which` must be boolean or integer type, got %s.", dtype_long(which.dtype));
  if (which.dtype != DT_BOOL && which.dtype != DT_I32)
    return REJECT("select_n predicate must be bool or int32, got %s", dtype_long(which.dtype));
  out[0] = operand(m, e, 1);
  for (uint32_t i = 2; i < e->nin; i++) {
    tj_aval c = operand(m, e, i);
    if (!aval_same_shape(&c, &out[0]))
      return REJECT("select_n cases must have the same shapes");
    out[0].weak = out[0].weak && c.weak;
  }
  if (which.rank != 0 && !aval_same_shape(&which, &out[0]))
    return REJECT("select_n predicate must be scalar or have the shape of the cases");
  return true;
}

/* lax.py _clamp_shape_rule, then the dtype rule, in standard_abstract_eval's
 * order: a bound is a scalar or has the operand's shape. */
bool shape_clamp(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval x = operand(m, e, 1);
  for (int i = 0; i < 3; i += 2) {
    tj_aval b = operand(m, e, i);
    const char *name = i ? "max" : "min";
    if (b.rank && !aval_same_shape(&b, &x))
      return REJECT("clamp requires %s.shape == operand.shape or %s.shape == (), got %s.shape=%s, "
                    "operand.shape=%s.", name, name, name, shape_rule_tuple(diags, b.dims, b.rank),
                    shape_rule_tuple(diags, x.dims, x.rank));
  }
  if (!same_dtypes(m, e, 0, diags)) return false;
  out[0] = x;
  return true;
}

/* The caller gives the target aval in out[0]; the rule checks it. */
bool shape_broadcast_in_dim(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_get(e, "broadcast_dimensions") ? ir_param_ints(e, "broadcast_dimensions", dims, TJ_MAX_RANK)
                                                  : 0; /* absent when empty (a scalar's) */
  if (n != a.rank) return REJECT("broadcast_in_dim: broadcast_dimensions must have one entry per operand dimension");
  for (int i = 0; i < n; i++) {
    int64_t d = dims[i];
    if (d < 0 || d >= out[0].rank || (i && d <= dims[i - 1]) ||
        (a.dims[i] != 1 && a.dims[i] != out[0].dims[d]))
      return REJECT("broadcast_in_dim: operand dimension %d does not fit the result", i);
  }
  out[0].dtype = a.dtype;
  out[0].weak = a.weak;
  return true;
}

/* jit, custom_jvp_call: outputs are the sub-jaxpr's outputs. */
bool shape_call(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const ir_jaxpr *j = call_body(e);
  if (!j) return REJECT("%s needs a jaxpr param", prims[e->prim].name);
  if (j->nout != e->nout) return REJECT("%s: output count differs from its jaxpr", prims[e->prim].name);
  for (uint32_t i = 0; i < e->nout; i++) out[i] = ir_atom_aval(m, j->outs[i]);
  return true;
}

const prim_info prims[P_COUNT] = {
#define PRIM(id, nm, n, fl, sh, ev, c) [P_##id] = {.name = nm, .nin = n, .flags = fl, .shape = sh, .eval = ev, .cg = c},
#include "prims.def"
#undef PRIM
};

/* Each PARAMS group of prims_params.def as an array, then indexed by the
 * primitive (designated initializers: a primitive given two groups is a
 * compile error under -Wextra's override-init). */
#define PARAMS(id, ...) static const param_spec params_##id[] = {__VA_ARGS__};
#include "prims_params.def"
#undef PARAMS

const prim_param_decl prim_params[P_COUNT] = {
#define PARAMS(id, ...) [P_##id] = {params_##id, (int)TJ_COUNT(params_##id)},
#include "prims_params.def"
#undef PARAMS
};

int prim_lookup(const char *name) {
  for (int i = 0; i < P_COUNT; i++)
    if (strcmp(prims[i].name, name) == 0) return i;
  return -1;
}

/* ir_check: operands defined before use, each output defined once, params
 * as declared, and output avals as the shape rules say. Sub-jaxprs are
 * closed, so each is checked seeing only its own variables: a variable is
 * defined in the jaxpr being checked when its stamp is that check's
 * generation.
 *
 * A jaxpr shared by many equations (a jit traced once, called twice at
 * each of 28 levels) is checked once: checking it at every use doubled
 * the work per level. Its height (the nesting below it, 0 without
 * sub-jaxprs) is kept so a later use still meets the nesting limit. */
typedef struct checker {
  const ir_module *m;
  uint32_t *stamp, gen;
  int *height;             /* per jaxpr id: -1 not checked yet */
  diag_list *d;
  const ir_eqn *at;        /* the equation being checked (NULL: none) */
} checker;

/* Reports a violation at the equation being checked (a failed check is a
 * bug in tjit, not in the user's program). Returns false. */
static bool violation(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool violation(checker *c, const char *fmt, ...) {
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  char *msg = malloc(n > 0 ? (size_t)n + 1 : 1);
  if (!msg) TJ_OOM();
  vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, again);
  va_end(again);
  va_end(ap);
  diag_kind was = diag_set_kind(c->d, DIAG_KIND_INTERNAL);
  if (c->at) diag_error(c->d, c->m->src, c->at->span, "internal error: invalid jaxpr: %s", msg);
  else diag_error(c->d, NULL, span_make(0, 0), "internal error: invalid jaxpr: %s", msg);
  diag_set_kind(c->d, was);
  free(msg);
  return false;
}

static bool check_jaxpr(checker *c, const ir_jaxpr *j, int depth);

/* Checks sub-jaxpr j at depth; *height grows to cover j's. */
static bool check_sub(checker *c, const ir_jaxpr *j, int depth, int *height) {
  if (!check_jaxpr(c, j, depth)) return false;
  if (c->height[j->id] + 1 > *height) *height = c->height[j->id] + 1;
  return true;
}

/* The declaration of param key of e's primitive, or NULL. */
static const param_spec *declared(const ir_eqn *e, const char *key) {
  const prim_param_decl *decl = &prim_params[e->prim];
  for (int i = 0; i < decl->n; i++)
    if (strcmp(decl->specs[i].key, key) == 0) return &decl->specs[i];
  return NULL;
}

/* e's params against its primitive's declarations: each param declared,
 * given once and of its kind; each required one present. */
static bool check_param_kinds(checker *c, const ir_eqn *e, uint32_t k) {
  const char *name = prims[e->prim].name;
  for (int p = 0; p < e->nparams; p++) {
    const ir_param *ep = &e->params[p];
    const param_spec *spec = declared(e, ep->key);
    if (!spec) return violation(c, "equation %u (%s): undeclared param %s", k, name, ep->key);
    for (int q = 0; q < p; q++)
      if (strcmp(e->params[q].key, ep->key) == 0)
        return violation(c, "equation %u (%s): param %s given twice", k, name, ep->key);
    if (!ir_pval_is(ep->val, spec->kind)) {
      char kind[64];
      ir_kind_text(spec->kind, kind, sizeof kind);
      return violation(c, "equation %u (%s): param %s is not %s", k, name, ep->key, kind);
    }
  }
  const prim_param_decl *decl = &prim_params[e->prim];
  for (int i = 0; i < decl->n; i++)
    if (decl->specs[i].required && !ir_param_get(e, decl->specs[i].key))
      return violation(c, "equation %u (%s): missing param %s", k, name, decl->specs[i].key);
  return true;
}

/* The sub-jaxprs in e's params, one nesting level below e. */
static bool check_sub_jaxprs(checker *c, const ir_eqn *e, int depth, int *height) {
  for (int p = 0; p < e->nparams; p++) {
    const pval *v = e->params[p].val;
    for (int i = 0; i < ir_pval_njaxprs(v); i++)
      if (!check_sub(c, ir_pval_jaxpr(v, i), depth + 1, height)) return false;
  }
  return true;
}

/* The shape rule of e, its message (with its "TypeError: ") reported as
 * a violation. */
static bool shape_rule_accepts(checker *c, const ir_eqn *e, tj_aval *out) {
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  bool ok = prims[e->prim].shape(c->m, e, out, &d);
  if (!ok) violation(c, "%s", d.tail ? d.tail->msg : "shape rule failed");
  arena_free(&a);
  return ok;
}

/* The outputs' avals against the shape rule's (every output: a loop may
 * carry hundreds of values). */
static bool check_avals(checker *c, const ir_eqn *e, uint32_t k) {
  tj_aval small[16], *out = e->nout <= 16 ? small : malloc(e->nout * sizeof *out);
  if (!out) TJ_OOM();
  for (uint32_t i = 0; i < e->nout; i++) out[i] = c->m->vars[e->out[i]];
  bool ok = shape_rule_accepts(c, e, out);
  for (uint32_t i = 0; ok && i < e->nout; i++)
    if (!aval_equal(&out[i], &c->m->vars[e->out[i]]))
      ok = violation(c, "equation %u (%s): output %u has the wrong aval", k, prims[e->prim].name, i);
  if (out != small) free(out);
  return ok;
}

static bool check_eqn(checker *c, const ir_eqn *e, uint32_t k, uint32_t gen, int depth, int *height) {
  c->at = e;
  for (uint32_t i = 0; i < e->nin; i++)
    if (!ATOM_IS_LIT(e->in[i]) && c->stamp[ATOM_INDEX(e->in[i])] != gen)
      return violation(c, "equation %u (%s): operand %u used before definition", k, prims[e->prim].name, i);
  if (!check_param_kinds(c, e, k) || !check_sub_jaxprs(c, e, depth, height) || !check_avals(c, e, k))
    return false;
  for (uint32_t i = 0; i < e->nout; i++) {
    if (c->stamp[e->out[i]] == gen) return violation(c, "equation %u: output defined twice", k);
    c->stamp[e->out[i]] = gen;
  }
  return true;
}

/* j's own equations; a failure in j itself (not in one of its equations)
 * is reported at the equation that uses j, if any. */
static bool check_jaxpr(checker *c, const ir_jaxpr *j, int depth) {
  if (j->id >= c->m->njaxprs) return violation(c, "a sub-jaxpr of another module");
  int seen = c->height[j->id];
  if (depth + (seen > 0 ? seen : 0) > TJ_MAX_JAXPR_NEST)
    return violation(c, "too many nested sub-jaxprs (limit is %d)", TJ_MAX_JAXPR_NEST);
  if (seen >= 0) return true;
  const ir_eqn *user = c->at;
  uint32_t gen = ++c->gen;
  int height = 0;
  for (uint32_t i = 0; i < j->nconst; i++) {
    if (!ir_const_data(c->m, j->constvars[i])) return violation(c, "constvar %u has no value", i);
    c->stamp[j->constvars[i]] = gen;
  }
  for (uint32_t i = 0; i < j->nin; i++) c->stamp[j->invars[i]] = gen;
  for (uint32_t k = 0; k < j->neqns; k++)
    if (!check_eqn(c, &j->eqns[k], k, gen, depth, &height)) return false;
  c->at = user;
  for (uint32_t i = 0; i < j->nout; i++)
    if (!ATOM_IS_LIT(j->outs[i]) && c->stamp[ATOM_INDEX(j->outs[i])] != gen)
      return violation(c, "output %u is not defined", i);
  c->height[j->id] = height;
  return true;
}

bool ir_check(const ir_module *m, diag_list *d) {
  checker c = {m, calloc(m->nvars ? m->nvars : 1, sizeof(uint32_t)), 0, malloc(sizeof(int) * (m->njaxprs + 1u)),
               d, NULL};
  if (!c.stamp || !c.height) TJ_OOM();
  for (uint32_t i = 0; i < m->njaxprs; i++) c.height[i] = -1;
  bool ok = check_jaxpr(&c, m->top, 0);
  free(c.stamp);
  free(c.height);
  return ok;
}

/* bitcast_convert_type[new_dtype]: the bits of each element read as a
 * dtype of the same width (lax.py _bitcast_convert_type_shape_rule; tjit
 * records it only where widths are equal: jnp.signbit's). */
bool shape_bitcast(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  out[0] = operand(m, e, 0);
  tj_dtype to = ir_param_dtype(e, "new_dtype", out[0].dtype);
  if (dtype_size(to) != dtype_size(out[0].dtype))
    return REJECT("bitcast_convert_type between dtypes of different widths (%s, %s) is not supported",
                  dtype_long(out[0].dtype), dtype_long(to));
  out[0].dtype = to;
  out[0].weak = false;
  return true;
}
