/* Every primitive of the table (prims.def) through every backend, for
 * every dtype it accepts: the reference evaluator, and the C code
 * generator compiled by libtcc, on a small shape (the generator's own
 * loops) and on one large enough for the block kernels (more than one
 * block of 1024). A primitive or dtype a backend has no rule for must be
 * an internal error there, never a plausible value; here it is a failure.
 *  1. the elementwise primitives, as one equation built here on random
 *     operands of each accepted dtype (every dtype pair for converts),
 *     compiled and compared with the evaluator (array_agree, as --check);
 *     where elem.def gives a block kernel for the primitive and dtype,
 *     the large shape's code must call it;
 *  2. the others, traced from a recipe of source text for each dtype it
 *     accepts, run with tj_run's --check; the recipe must produce the
 *     primitive. A primitive without a recipe fails the test, so a row
 *     added to prims.def needs one here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codegen.h"
#include "eval.h"
#include "harness.h"
#include "jit.h"
#include "kernels.h"
#include "limits.h"
#include "pass.h"
#include "tjit.h"

/* Whether every operand of prim may have dtype t (its ACCEPTS groups). */
static bool accepts(int prim, tj_dtype t) {
  for (uint32_t i = 0; i < 2; i++) {
    unsigned group = prim_accepted_at((tj_prim)prim, i);
    if (group && !(dtype_type_classes(t) & group)) return false;
  }
  return true;
}

/* ---- 1. elementwise: one equation ---- */

static tj_aval shaped(tj_dtype t, int64_t rows, int64_t cols) {
  tj_aval a = aval_scalar(t, false);
  a.rank = 2, a.dims[0] = rows, a.dims[1] = cols;
  return a;
}

/* The operand avals of prim on dtype t (select_n: a bool which first). */
static int operands(int prim, tj_dtype t, int64_t rows, int64_t cols, tj_aval *in) {
  int n = prims[prim].nin < 0 ? 3 : prims[prim].nin;
  for (int i = 0; i < n; i++) in[i] = shaped(t, rows, cols);
  if (prim == P_select_n) in[0] = shaped(DT_BOOL, rows, cols);
  return n;
}

/* One equation prim(x, ...) -> to, with the params its rule reads. */
static ir_module *one_eqn(int prim, const tj_aval *in, int nin, tj_dtype to, int variant) {
  ir_module *m = ir_new(NULL);
  ir_jaxpr *j = m->top;
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, nin);
  for (int i = 0; i < nin; i++) j->invars[i] = ir_new_var(m, &in[i]);
  j->nin = (uint32_t)nin;
  int nparams = prim == P_convert_element_type || prim == P_reduce_precision             ? 2
                : prim == P_integer_pow || prim == P_round || prim == P_bitcast_convert_type ? 1
                                                                                            : 0;
  ir_eqn *e = ir_add_eqn(m, j, prim, (uint32_t)nin, 1, (uint16_t)nparams, span_make(0, 0));
  for (int i = 0; i < nin; i++) e->in[i] = ATOM_VAR(j->invars[i]);
  if (prim == P_convert_element_type) {
    e->params[0] = (ir_param){"new_dtype", pv_dtype(m, to)};
    e->params[1] = (ir_param){"weak_type", pv_bool(m, false)};
  }
  if (prim == P_bitcast_convert_type) e->params[0] = (ir_param){"new_dtype", pv_dtype(m, to)};
  if (prim == P_integer_pow) e->params[0] = (ir_param){"y", pv_int(m, variant ? -2 : 3)};
  if (prim == P_round) e->params[0] = (ir_param){"rounding_method", pv_int(m, variant)};
  if (prim == P_reduce_precision) { /* f16's widths, then a narrower format (3 exponent bits: most flush) */
    e->params[0] = (ir_param){"exponent_bits", pv_int(m, variant ? 3 : 5)};
    e->params[1] = (ir_param){"mantissa_bits", pv_int(m, variant ? 2 : 10)};
  }
  tj_aval out = in[nin - 1];
  out.dtype = prims[prim].flags & PF_COMPARE ? DT_BOOL : to;
  e->out[0] = ir_new_var(m, &out);
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  j->outs[0] = ATOM_VAR(e->out[0]);
  j->nout = 1;
  return m;
}

/* Whether the generated C calls a block kernel of prim on t. */
static bool calls_kernel(const char *src, int prim, tj_dtype t) {
  static const enum tjk_form forms[] = {TJK_UNARY, TJK_VV, TJK_VS, TJK_SV};
  for (size_t f = 0; f < TJ_COUNT(forms); f++) {
    const tjk_kernel *k = tjk_find(prim, t, forms[f]);
    if (k && strstr(src, k->name)) return true;
  }
  return false;
}

static bool has_kernel(int prim, tj_dtype t) {
  return tjk_find(prim, t, TJK_UNARY) || tjk_find(prim, t, TJK_VV);
}

/* The C of m, after the pass pipeline (pass.h) as tjit run runs it; or,
 * unchecked, after the passes alone: ir_check refuses some modules made
 * here on purpose. */
static cg_result gen_c(ir_module *m, bool checked, tj_buf *src) {
  pass_facts f = {0};
  cg_result r = CG_CANNOT;
  ir_module *lowered = NULL;
  if (!checked) pass_work(m, &f), pass_dce(m, &f), pass_fuse(m, &f);
  else lowered = pass_pipeline(m, NULL, &f, harness_at()->d);
  if (!checked || lowered) r = codegen_c(harness_at(), checked ? lowered : m, &f, src);
  pass_facts_free(&f);
  ir_free(lowered);
  return r;
}

/* The compiled result of m's one equation on in, into out (allocated). */
static bool run_compiled(ir_module *m, const char *what, tj_array *const *in, int nin, tj_array **out,
                         bool want_kernel, int prim, tj_dtype t) {
  tj_buf src = {0};
  if (gen_c(m, true, &src) != CG_DONE) {
    fprintf(stderr, "%s: codegen: %s\n", what, harness_error());
    buf_free(&src);
    return false;
  }
  if (want_kernel && !calls_kernel(src.data, prim, t)) fprintf(stderr, "%s: no block kernel call\n", what);
  bool ok = !want_kernel || calls_kernel(src.data, prim, t);
  jit_program *p = jit_compile(harness_at(), src.data);
  buf_free(&src);
  if (!p) {
    fprintf(stderr, "%s: libtcc: %s\n", what, harness_error());
    return false;
  }
  void *ins[4], *outs[1];
  for (int i = 0; i < nin; i++) ins[i] = in[i]->data;
  tj_aval av = ir_atom_aval(m, m->top->outs[0]);
  *out = array_new(&av);
  outs[0] = (*out)->data;
  ok = jit_run(p, ins, outs, TJ_MAX_WORK) == JIT_OK && ok;
  jit_free(p);
  return ok;
}

/* prim on operands of dtype t (result to), on rows x cols, both ways. */
static void check_eqn(int prim, tj_dtype t, tj_dtype to, int variant, int64_t rows, int64_t cols) {
  tj_aval av[4];
  int nin = operands(prim, t, rows, cols, av);
  ir_module *m = one_eqn(prim, av, nin, to, variant);
  char what[160];
  snprintf(what, sizeof what, "%s(%s) -> %s on [%lld,%lld]%s", prims[prim].name, dtype_short(t), dtype_short(to),
           (long long)rows, (long long)cols, variant ? " (variant)" : "");
  tj_array *in[4] = {0}, *want[1] = {0}, *got = NULL;
  char err[512] = "";
  tj_arena diag_arena = {0};
  diag_list diags = {.arena = &diag_arena};
  if (!ir_check(m, &diags)) fprintf(stderr, "%s: %s\n", what, diags.head->msg);
  CHECK(diags.head == NULL);
  arena_free(&diag_arena);
  for (int i = 0; i < nin; i++) {
    in[i] = array_new(&av[i]);
    array_fill_random(in[i], 11u + (unsigned)i);
  }
  bool kernel = cols > 1024 && prim != P_convert_element_type && has_kernel(prim, t);
  bool evaluated = eval_jaxpr(harness_at(), m, m->top, (const tj_array *const *)in, want) == TJ_OK;
  if (!evaluated) fprintf(stderr, "%s: evaluator: %s\n", what, harness_error());
  bool compiled = run_compiled(m, what, in, nin, &got, kernel, prim, t);
  bool agree = evaluated && compiled && array_agree(got, want[0], err, sizeof err);
  if (evaluated && compiled && !agree) fprintf(stderr, "%s: differs: %s\n", what, err);
  CHECK(evaluated && compiled && agree);
  for (int i = 0; i < nin; i++) array_free(in[i]);
  array_free(want[0]);
  array_free(got);
  ir_free(m);
}

/* Every dtype compiles: f16 and bf16 through the half pass (pass_half.c),
 * which the pipeline here runs too. */
/* Every array dtype but float0, which no equation takes or makes
 * (ir_build.c float0_refused): tjit traces it and never computes with it;
 * a PRNG key (DT_KEY) is none either: no elementwise primitive or convert
 * takes it, the key primitives' recipes make keys from uint32 arrays. */
static bool compiled(tj_dtype t) { return t != DT_KEY && t != DT_FLOAT0; }

static void check_elementwise(void) {
  static const int64_t shapes[][2] = {{3, 4}, {5, 1001}};
  int seen = 0;
  for (int p = 0; p < P_COUNT; p++) {
    if (!(prims[p].flags & PF_ELEMENTWISE)) continue;
    seen++;
    for (int t = 0; t < DT_COUNT; t++)
      for (size_t s = 0; s < TJ_COUNT(shapes) && compiled((tj_dtype)t); s++) {
        int64_t rows = shapes[s][0], cols = shapes[s][1];
        if (p == P_convert_element_type)
          for (int to = 0; to < DT_COUNT; to++) {
            if (compiled((tj_dtype)to)) check_eqn(p, (tj_dtype)t, (tj_dtype)to, 0, rows, cols);
          }
        else if (p == P_bitcast_convert_type) /* to every dtype of the same width */
          for (int to = 0; to < DT_COUNT; to++) {
            if (dtype_size((tj_dtype)to) == dtype_size((tj_dtype)t) && compiled((tj_dtype)to))
              check_eqn(p, (tj_dtype)t, (tj_dtype)to, 0, rows, cols);
          }
        else if (accepts(p, (tj_dtype)t)) {
          check_eqn(p, (tj_dtype)t, (tj_dtype)t, 0, rows, cols);
          if (p == P_round || p == P_integer_pow || p == P_reduce_precision)
            check_eqn(p, (tj_dtype)t, (tj_dtype)t, 1, rows, cols);
        }
      }
  }
  CHECK(seen >= 40); /* the table's elementwise rows, not an empty loop */
}

/* A dtype outside a primitive's rules (an IR no trace makes: ir_check
 * would refuse it) is an internal error in both backends, where the
 * evaluator once gave 0 for an integer sin and min() for a float and. */
static void check_no_rule(int prim, tj_dtype t, const char *eval_msg) {
  tj_aval av[4];
  int nin = operands(prim, t, 3, 4, av);
  ir_module *m = one_eqn(prim, av, nin, t, 0);
  tj_array *in[4] = {0}, *out[1] = {0};
  for (int i = 0; i < nin; i++) in[i] = array_new(&av[i]);
  CHECK(eval_jaxpr(harness_at(), m, m->top, (const tj_array *const *)in, out) == TJ_ERR_INTERNAL);
  CHECK_STR(harness_error(), eval_msg);
  tj_buf src = {0};
  CHECK(gen_c(m, false, &src) == CG_CANNOT);
  CHECK(strncmp(harness_error(), "internal error: no C rule for ", 30) == 0);
  CHECK(harness_at()->d->tail->kind == DIAG_KIND_INTERNAL);
  buf_free(&src);
  for (int i = 0; i < nin; i++) array_free(in[i]);
  ir_free(m);
}

/* ---- dtype errors: lax's texts (jax/_src/lax/lax.py, JAX 0.10.2) ---- */

/* The shape rule's message for prim on operands of dtypes t0 (and t1, t2
 * when the primitive has more operands), all of shape [3]. */
static void check_dtype_error(int prim, tj_dtype t0, tj_dtype t1, tj_dtype t2, const char *want) {
  tj_aval av[3] = {shaped(t0, 1, 3), shaped(t1, 1, 3), shaped(t2, 1, 3)};
  int nin = prims[prim].nin < 0 ? 3 : prims[prim].nin;
  ir_module *m = one_eqn(prim, av, nin, t0, 0);
  tj_arena a = {0};
  diag_list d = {.arena = &a};
  tj_aval out[1];
  CHECK(!prims[prim].shape(m, &m->top->eqns[0], out, &d));
  CHECK_STR(d.head ? d.head->msg : "(no error)", want);
  arena_free(&a);
  ir_free(m);
}

static void check_dtype_errors(void) {
  /* unop_dtype_rule: standard_unop(_float | _complex, 'sin') */
  check_dtype_error(P_sin, DT_I32, 0, 0,
                    "TypeError: sin does not accept dtype int32. Accepted dtypes are subtypes of floating, complexfloating.");
  /* standard_unop(_float, 'floor') */
  check_dtype_error(P_floor, DT_I64, 0, 0, "TypeError: floor does not accept dtype int64. Accepted dtypes are subtypes of floating.");
  /* unop(_complex_basetype, _signedint | _float | _complex, 'abs') */
  check_dtype_error(P_abs, DT_U32, 0, 0,
                    "TypeError: abs does not accept dtype uint32. Accepted dtypes are subtypes of signedinteger, floating, "
                    "complexfloating.");
  /* standard_unop(_bool_or_int, 'not') */
  check_dtype_error(P_not, DT_F64, 0, 0, "TypeError: not does not accept dtype float64. Accepted dtypes are subtypes of integer, bool.");
  /* standard_unop(_int, 'clz'): bool is not an integer here */
  check_dtype_error(P_clz, DT_BOOL, 0, 0, "TypeError: clz does not accept dtype bool. Accepted dtypes are subtypes of integer.");
  check_dtype_error(P_clz, DT_F32, 0, 0, "TypeError: clz does not accept dtype float32. Accepted dtypes are subtypes of integer.");
  /* _integer_pow_dtype_rule: unop_dtype_rule(_identity, _int | _float | _complex, 'integer_pow', x) */
  check_dtype_error(P_integer_pow, DT_BOOL, 0, 0,
                    "TypeError: integer_pow does not accept dtype bool. Accepted dtypes are subtypes of integer, floating, "
                    "complexfloating.");
  /* naryop_dtype_rule: every position's group before one dtype for all */
  check_dtype_error(P_and, DT_I32, DT_F32, 0,
                    "TypeError: and does not accept dtype float32 at position 1. Accepted dtypes at position 1 are subtypes "
                    "of integer, bool.");
  check_dtype_error(P_shift_left, DT_F32, DT_I32, 0,
                    "TypeError: shift_left does not accept dtype float32 at position 0. Accepted dtypes at position 0 are "
                    "subtypes of integer.");
  check_dtype_error(P_rem, DT_BOOL, DT_BOOL, 0,
                    "TypeError: rem does not accept dtype bool at position 0. Accepted dtypes at position 0 are subtypes of "
                    "integer, floating.");
  /* pow_p = naryop(_pow_dtype_rule, [_float | _complex, _int | _float | _complex], 'pow') */
  check_dtype_error(P_pow, DT_I32, DT_I32, 0,
                    "TypeError: pow does not accept dtype int32 at position 0. Accepted dtypes at position 0 are subtypes "
                    "of floating, complexfloating.");
  check_dtype_error(P_pow, DT_F32, DT_BOOL, 0,
                    "TypeError: pow does not accept dtype bool at position 1. Accepted dtypes at position 1 are subtypes "
                    "of integer, floating, complexfloating.");
  check_dtype_error(P_pow, DT_F32, DT_F64, 0,
                    "TypeError: the first argument to pow must have an inexact dtype (float or complex), and the second "
                    "argument must have an inexact or integer dtype, and two inexact dtypes must match, but got float32 "
                    "and float64 respectively.");
  /* check_same_dtypes, with _JNP_FUNCTION_EQUIVALENTS' tip where it has one */
  check_dtype_error(P_add, DT_F32, DT_I32, 0,
                    "TypeError: lax.add requires arguments to have the same dtypes, got float32, int32. (Tip: jnp.add is a "
                    "similar function that does automatic type promotion on inputs).");
  check_dtype_error(P_xor, DT_I32, DT_U8, 0, "TypeError: lax.xor requires arguments to have the same dtypes, got int32, uint8.");
  check_dtype_error(P_clamp, DT_F32, DT_F32, DT_F64,
                    "TypeError: lax.clamp requires arguments to have the same dtypes, got float32, float32, float64.");
  check_dtype_error(P_select_n, DT_BOOL, DT_F32, DT_I32,
                    "TypeError: lax.select requires arguments to have the same dtypes, got float32, int32. (Tip: jnp.where "
                    "is a similar function that does automatic type promotion on inputs).");
  check_dtype_error(P_select_n, DT_F32, DT_I32, DT_I32,
                    "TypeError: select `which` must be boolean or integer type, got float32.");
}

/* ---- 2. the others: recipes of source text ---- */

/* A function of x and y (both T[3,4]) and an int32 scalar i, whose jaxpr
 * holds the primitive; dtypes: those the tracer lets it take (0: all
 * the primitive accepts). */
typedef struct recipe {
  const char *source;      /* T stands for the dtype */
  unsigned dtypes;         /* 1 << DT_*; 0: accepts() */
} recipe;

#define ALL_BUT_BOOL (((1u << DT_COUNT) - 1) & ~(1u << DT_BOOL))

static const recipe recipes[P_COUNT] = {
    [P_broadcast_in_dim] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return broadcast_to(x, (2, 3, 4)); }"},
    [P_jit] = {"jit auto g(auto v) { return v; } auto f(T[3,4] x, T[3,4] y, i32 i) { return g(x); }"},
    [P_reduce_sum] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return sum(x, 1); }"},
    [P_reduce_prod] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return prod(x, 0); }"},
    [P_reduce_max] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return max(x, 1); }"},
    [P_reduce_min] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return min(x, 0); }"},
    [P_argmax] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return argmax(x, 1); }"},
    [P_argmin] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return argmin(x, 0); }"},
    /* the tracer takes dot on numbers only (jnp.matmul of bools is an int product) */
    [P_dot_general] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return matmul(x, transpose(y)); }", ALL_BUT_BOOL},
    [P_transpose] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return transpose(x); }"},
    [P_reshape] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return reshape(x, (4, 3)); }"},
    [P_squeeze] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return squeeze(x[0:1], 0); }"},
    [P_concatenate] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return concatenate((x, y), 1); }"},
    /* lax.iota takes numbers only ("Accepted dtypes are subtypes of number") */
    [P_iota] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return x == arange(4, dtype=T); }", ALL_BUT_BOOL},
    [P_slice] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return x[1:3, ::2]; }"},
    [P_rev] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return x[::-1]; }"},
    [P_dynamic_slice] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return x[i]; }"},
    /* sorting (issue 14 item 3): two operands, two keys, along dimension 0 */
    [P_sort] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return lax_sort((x, y), 0, num_keys=2); }"},
    [P_top_k] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return top_k(x, 2, axis=0); }"},
    /* convolution (issue 14 item 4): strides, padding, rhs dilation, three feature groups */
    [P_conv_general_dilated] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return conv_general_dilated(reshape(x, (1, 3, 4)), "
                                "reshape(y, (6, 1, 2)), (2,), ((1, 2),), rhs_dilation=(2,), feature_group_count=3); }"},
    /* gather (issue 14 item 1): clamped (PROMISE_IN_BOUNDS) and filled (FILL_OR_DROP, the dtype's fill) */
    [P_gather] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return (x[array([2, 0, 5])], take(x, array([1, -7, 3]), axis=1)); }"},
    [P_scatter] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { x[i] = y[0]; return x; }"},
    [P_scatter_add] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { x[i] += y[0]; return x; }", ALL_BUT_BOOL},
    [P_scatter_sub] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { x[i] -= y[0]; return x; }", ALL_BUT_BOOL},
    [P_scatter_mul] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { x[i] *= y[0]; return x; }", ALL_BUT_BOOL},
    /* jnp.diagonal of a square non-bool matrix: lax.platform_dependent (issue 14) */
    [P_platform_index] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return diagonal(x[:, :3]); }", ALL_BUT_BOOL},
    [P_scatter_min] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return x.at[i].min(y[0]); }"},
    [P_scatter_max] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return x.at[i].max(y[0]); }"},
    /* cumulative reductions: both loop shapes (inner runs, one accumulator) and reverse */
    [P_cumsum] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return lax_cumsum(x, 0, reverse=true); }"},
    [P_cumprod] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return lax_cumprod(x, 1); }"},
    [P_cummax] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return cummax(x, 1, reverse=true); }"},
    [P_cummin] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return cummin(x, 0); }"},
    /* jax.nn (issue 14 item 5): relu is a custom_jvp of a jit (x - y: jnp refuses bools) */
    [P_custom_jvp_call] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return relu(x - y); }", ALL_BUT_BOOL},
    /* a user's custom_vjp function (trace_custom.c): its call runs the primal body */
    [P_custom_vjp_call] = {"auto rev(T[3,4] v) { return v[::-1]; } auto fw(T[3,4] v) { return (rev(v), None); }"
                           " auto bw(auto r, T[3,4] g) { return (g[::-1],); }"
                           " auto f(T[3,4] x, T[3,4] y, i32 i) { return custom_vjp(rev, fw, bw)(x); }"},
    [P_cond] = {"auto a(T[3,4] v) { return v; } auto b(T[3,4] v) { return v[::-1]; }"
                " auto f(T[3,4] x, T[3,4] y, i32 i) { return cond(i > 0, a, b, x); }"},
    [P_while] = {"auto body(i32 k, T[3,4] v) { return v[::-1]; }"
                 " auto f(T[3,4] x, T[3,4] y, i32 i) { return fori_loop(0, i, body, x); }"},
    [P_scan] = {"auto body(i32 k, T[3,4] v) { return v[::-1]; }"
                " auto f(T[3,4] x, T[3,4] y, i32 i) { return fori_loop(0, 3, body, x); }"},
    /* padding and windowed reductions (issue 14 item 4): negative, interior
     * padding; padding, strides and both dilations (the identities as init) */
    [P_pad] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return lax_pad(x, y[0, 0], ((1, -1, 1), (-2, 3, 0))); }"},
    [P_reduce_window_sum] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return reduce_window(x, 0, \\\"add\\\", (2, 2), (1, 2),"
                             " ((1, 0), (0, 1)), (1, 2), (2, 1)); }", ALL_BUT_BOOL},
    [P_reduce_window_max] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return reduce_window(x, -inf, \\\"max\\\", (2, 3),"
                             " padding=\\\"SAME\\\", window_strides=(1, 2)); }"},
    [P_reduce_window_min] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return reduce_window(x, inf, \\\"min\\\", (3, 2),"
                             " (2, 1), ((0, 2), (1, 1)), (2, 1), (1, 2)); }"},
    /* logical reductions (issue 14 item 6): jnp.any / jnp.all reduce bools */
    [P_reduce_or] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return any(x, 1); }"},
    [P_reduce_and] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return all(x, 0); }"},
    /* stack and split (issue 14 item 6): a middle axis, an empty part */
    [P_stack] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return stack((x, y, x), 1); }"},
    [P_split] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return split(x, (1, 1, 3), axis=1); }"},
    [P_tile] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return tile(x, (2, 1, 3)); }"},
    /* linear algebra (issue 14 item 6): jnp.linalg.svd promotes every dtype to a float; full and thin, wide and tall */
    [P_svd] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { auto r = svd(x); auto q = svd(transpose(y), full_matrices=false);"
               " return (r[0], r[1], r[2], q[0], q[2]); }"},
    /* the jvp of max pooling (issue 15): padding, strides, the tangent y */
    [P_select_and_gather_add] = {"auto p(T[3,4] v) { return reduce_window(v, -inf, \\\"max\\\", (2, 3), padding=\\\"SAME\\\","
                                 " window_strides=(1, 2)); } auto f(T[3,4] x, T[3,4] y, i32 i) { return jvp(p, (x,), (y,)); }",
                                 (1u << DT_F32) | (1u << DT_F64) | (1u << DT_F16) | (1u << DT_BF16)},
    /* reverse mode (issue 15): grad of a cond, one branch without the
     * other's residual (cos v), returns an empty2 broadcast in its place */
    [P_empty2] = {"auto a(T[3,4] v) { return v * 2; } auto b(T[3,4] v) { return sin(v); }"
                  " auto h(T[3,4] v, i32 k) { return sum(cond(k > 0, a, b, v)); }"
                  " auto f(T[3,4] x, T[3,4] y, i32 i) { return grad(h)(x, i); }",
                  (1u << DT_F32) | (1u << DT_F64) | (1u << DT_F16) | (1u << DT_BF16)},
    /* reverse mode (issue 15): stack's transpose, a middle axis */
    [P_unstack] = {"auto p(T[3,4] v, T[3,4] w) { return sum(stack((v, w * v, v), 1) * w[0]); }"
                   " auto f(T[3,4] x, T[3,4] y, i32 i) { return grad(p)(x, y); }",
                   (1u << DT_F32) | (1u << DT_F64) | (1u << DT_F16) | (1u << DT_BF16)},
    /* reverse mode (issue 15): max pooling's transpose, padding and overlapping windows */
    [P_select_and_scatter_add] = {"auto p(T[3,4] v) { return sum(reduce_window(v, -inf, \\\"max\\\", (2, 3), padding=\\\"SAME\\\","
                                  " window_strides=(1, 2))); } auto f(T[3,4] x, T[3,4] y, i32 i) { return grad(p)(x); }",
                                  (1u << DT_F32) | (1u << DT_F64) | (1u << DT_F16) | (1u << DT_BF16)},
    /* reverse mode (issue 15): the transpose of dynamic_slice, a traced row and an offset column */
    [P_dynamic_update_slice] = {"auto p(T[3,4] v, i32 i) { return sum(v[i, 1:3] * v[0, 0]); }"
                                " auto f(T[3,4] x, T[3,4] y, i32 i) { return grad(p)(x, i); }",
                                (1u << DT_F32) | (1u << DT_F64) | (1u << DT_F16) | (1u << DT_BF16)},
    /* PRNG (issue 16): threefry2x32 takes uint32 only; scalar keys (the
     * runtime's one call) and a partial broadcast (its loop nest) */
    [P_threefry2x32] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { auto a = threefry2x32(x[0, 0], y[1, 1], x, y);"
                        " auto b = threefry2x32(x[:, :1], y[:1], x, y[:1]); return (a[0], a[1], b[0], b[1]); }",
                        1u << DT_U32},
    /* typed keys (issue 16): from seeds, from key data, split, fold_in,
     * bits of three widths */
    [P_random_seed] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return (random_key_data(random_key(i)),"
                       " random_PRNGKey(x[0, 0])); }", 1u << DT_U32},
    [P_random_wrap] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return random_key_data(random_wrap_key_data(reshape(x, (3, 2, 2)))); }",
                       1u << DT_U32},
    [P_random_unwrap] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return random_key_data(random_key(i)); }", 1u << DT_U32},
    [P_random_split] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return (random_split(x[0, :2], (2, 3)),"
                        " random_key_data(random_split(random_wrap_key_data(reshape(x, (6, 2)))[1]))); }", 1u << DT_U32},
    [P_random_fold_in] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { auto k = random_wrap_key_data(reshape(x, (3, 2, 2)));"
                          " return (random_fold_in(x[0, :2], i), random_key_data(random_fold_in(k[0, 1], y[1, 1]))); }",
                          1u << DT_U32},
    [P_random_clone] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return (random_clone(x), random_key_data(random_clone(random_key(i)))); }",
                        1u << DT_U32},
    [P_random_bits] = {"auto f(T[3,4] x, T[3,4] y, i32 i) { return (random_bits(x[1, 2:], (3, 5)),"
                       " random_bits(random_key(i), 7, dtype=u8), random_bits(x[2, :2], dtype=u64)); }", 1u << DT_U32},
};

/* src with every T replaced by the dtype's name. */
static void instantiate(const char *src, tj_dtype t, char *out, size_t size) {
  size_t n = 0;
  for (const char *p = src; *p && n + 8 < size; p++)
    if (*p == 'T' && (p == src || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z'))) &&
        !((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z')))
      n += (size_t)snprintf(out + n, size - n, "%s", dtype_short(t));
    else out[n++] = *p;
  out[n] = 0;
}

static bool holds_prim(const ir_module *m, const ir_jaxpr *j, int prim, int depth) {
  for (uint32_t k = 0; k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    if (e->prim == prim) return true;
    for (int p = 0; p < e->nparams && depth < 8; p++) {
      const pval *v = e->params[p].val;
      if (v->kind == PV_JAXPR && holds_prim(m, v->jaxpr, prim, depth + 1)) return true;
      for (int i = 0; v->kind == PV_TUPLE && i < v->nitems; i++)
        if (v->items[i]->kind == PV_JAXPR && holds_prim(m, v->items[i]->jaxpr, prim, depth + 1)) return true;
    }
  }
  return false;
}

static void check_recipe(int prim, tj_dtype t) {
  char source[1024], spec[2048];
  instantiate(recipes[prim].source, t, source, sizeof source);
  const char *function = strstr(source, "auto f(") ? "f" : NULL;
  snprintf(spec, sizeof spec,
           "{\"tjit\": 1, \"function\": \"%s\", \"source\": \"%s\", \"args\": {"
           "\"x\": {\"dtype\": \"%s\", \"shape\": [3, 4]}, \"y\": {\"dtype\": \"%s\", \"shape\": [3, 4]}, "
           "\"i\": {\"dtype\": \"i32\", \"data\": 2}}}",
           function, source, dtype_short(t), dtype_short(t));
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *s = NULL;
  tj_jaxpr *j = NULL;
  tj_trace_opts topts = tj_trace_defaults();
  bool traced = tj_spec_load(ctx, "recipe", spec, strlen(spec), &s) == TJ_OK && tj_trace(ctx, s, &topts, &j) == TJ_OK;
  bool holds = traced && holds_prim(j->m, j->m->top, prim, 0);
  tj_status st = TJ_ERR_USAGE;
  if (holds) {
    tj_run_opts o = tj_run_defaults();
    o.check = 1;
    o.fill_random = 5;
    tj_result *r = NULL;
    st = tj_run(ctx, s, &o, &r);
    tj_result_free(r);
  }
  if (!traced || !holds || st != TJ_OK) {
    fprintf(stderr, "%s on %s: %s\n", prims[prim].name, dtype_short(t),
            !traced ? "does not trace" : !holds ? "the recipe does not produce it" : "the run failed");
    tj_print_diagnostics(ctx, stderr);
  }
  CHECK(st == TJ_OK);
  tj_jaxpr_free(j);
  tj_ctx_free(ctx);
}

static void check_recipes(void) {
  for (int p = 0; p < P_COUNT; p++) {
    if (prims[p].flags & PF_ELEMENTWISE) continue;
    /* custom_lin cannot run (JAX's raise_custom_vjp_error_on_jvp): 99-custom-ad.bats checks that error */
    if (p == P_custom_lin) continue;
    if (!recipes[p].source) fprintf(stderr, "%s: no recipe in test_prims.c\n", prims[p].name);
    CHECK(recipes[p].source != NULL);
    for (int t = 0; recipes[p].source && t < DT_COUNT; t++) {
      bool want = recipes[p].dtypes ? (recipes[p].dtypes >> t) & 1 : accepts(p, (tj_dtype)t);
      if (want && compiled((tj_dtype)t)) check_recipe(p, (tj_dtype)t);
    }
  }
}

int main(void) {
  check_no_rule(P_sin, DT_I32, "internal error: the reference evaluator has no rule for sin on i32");
  check_no_rule(P_and, DT_F32, "internal error: the reference evaluator has no rule for and on f32");
  check_no_rule(P_shift_left, DT_F64, "internal error: the reference evaluator has no rule for shift_left on f64");
  check_dtype_errors();
  check_elementwise();
  check_recipes();
  return HARNESS_REPORT();
}
