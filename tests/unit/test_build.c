/* The equation builder (ir_build.h) with no tracer: jaxprs built by hand
 * print as the tracer's listings of the same programs do (the expected
 * texts are `tjit trace` outputs, named at each case), pass ir_check, and
 * a shape rule's type error is a diagnostic with the tracer's message at
 * the equation's span. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ir_build.h"
#include "limits.h"
#include "prims.h"
#include "print.h"
#include "util.h"

static tj_aval f32(int rank, int64_t d0, int64_t d1) {
  tj_aval a = aval_scalar(DT_F32, false);
  a.rank = (uint8_t)rank;
  a.dims[0] = d0;
  a.dims[1] = d1;
  return a;
}

static ir_atom lit_f32(ir_module *m, double f) {
  ir_lit l = {.dtype = DT_F32, .weak = true, .f = f};
  return ir_new_lit(m, &l);
}

/* The whole listing of m, and ir_check's verdict on it. */
static void check_listing(const ir_module *m, const char *want) {
  char *got = print_jaxpr(m);
  CHECK_STR(got, want);
  free(got);
  int before = harness_at()->d->nerrors;
  CHECK(ir_check(m, harness_at()->d));
  CHECK(harness_at()->d->nerrors == before);
}

/* sum(a * b) of two f32[3]: tjit trace of
 * `auto f(float a[3], float b[3]) { return sum(a * b); }` prints this
 * (reduce_sum's params as in tests/cases/array-mean-int-bool.out). */
static void test_mul_then_reduce_sum(void) {
  tj_arena diag_arena = {0};
  diag_list diags = {.arena = &diag_arena};
  ir_module *m = ir_new(NULL);
  tj_aval avals[2] = {f32(1, 3, 0), f32(1, 3, 0)};
  uint32_t ab[2];
  ir_build_invars(m, m->top, avals, 2, ab);
  ir_atom ins[2] = {ATOM_VAR(ab[0]), ATOM_VAR(ab[1])};
  ir_eqn *mul = ir_build(m, m->top, &(ir_eqn_desc){.prim = P_mul, .in = ins, .nin = 2, .nout = 1}, &diags);
  CHECK(mul != NULL);
  int64_t axis = 0;
  ir_param params[2] = {{"axes", pv_ints(m, PV_TUPLE, &axis, 1)}, {"out_sharding", pv_none(m)}};
  ir_atom c = ATOM_VAR(mul->out[0]);
  ir_eqn *sum = ir_build(m, m->top,
                         &(ir_eqn_desc){.prim = P_reduce_sum, .in = &c, .nin = 1, .params = params, .nparams = 2,
                                        .nout = 1},
                         &diags);
  CHECK(sum != NULL);
  ir_atom d = ATOM_VAR(sum->out[0]);
  ir_build_outs(m, m->top, &d, 1);
  CHECK(diags.head == NULL);
  check_listing(m,
                "{ lambda ; a:f32[3] b:f32[3]. let\n"
                "    c:f32[3] = mul a b\n"
                "    d:f32[] = reduce_sum[axes=(0,) out_sharding=None] c\n"
                "  in (d,) }");
  ir_free(m);
  arena_free(&diag_arena);
}

/* A sub-jaxpr built the same way, called by an equation of two outputs:
 * tests/cases/jit-multiple-outputs.out, the listing of
 * `jit auto split(float v) { return (v + 1, v - 1); }` called from f. */
static ir_jaxpr *split_jaxpr(ir_module *m, diag_list *diags) {
  ir_jaxpr *j = ir_jaxpr_new(m);
  tj_aval f2 = f32(1, 2, 0);
  uint32_t v;
  ir_build_invars(m, j, &f2, 1, &v);
  ir_atom ins[2] = {ATOM_VAR(v), lit_f32(m, 1.0)}, outs[2];
  for (int k = 0; k < 2; k++) {
    int prim = k == 0 ? P_add : P_sub;
    ir_eqn *e = ir_build(m, j, &(ir_eqn_desc){.prim = prim, .in = ins, .nin = 2, .nout = 1}, diags);
    CHECK(e != NULL);
    outs[k] = e ? ATOM_VAR(e->out[0]) : 0;
  }
  ir_build_outs(m, j, outs, 2);
  return j;
}

static void test_call_with_two_outputs(void) {
  tj_arena diag_arena = {0};
  diag_list diags = {.arena = &diag_arena};
  ir_module *m = ir_new(NULL);
  ir_jaxpr *split = split_jaxpr(m, &diags);
  tj_aval f2 = f32(1, 2, 0);
  uint32_t x;
  ir_build_invars(m, m->top, &f2, 1, &x);
  ir_param params[2] = {{"name", pv_name(m, "split")}, {"jaxpr", pv_jaxpr(m, split)}};
  ir_atom in = ATOM_VAR(x);
  ir_eqn *call = ir_build(m, m->top,
                          &(ir_eqn_desc){.prim = P_jit, .in = &in, .nin = 1, .params = params, .nparams = 2,
                                         .nout = 2},
                          &diags);
  CHECK(call != NULL);
  ir_atom bc[2] = {ATOM_VAR(call->out[0]), ATOM_VAR(call->out[1])};
  ir_eqn *mul = ir_build(m, m->top, &(ir_eqn_desc){.prim = P_mul, .in = bc, .nin = 2, .nout = 1}, &diags);
  CHECK(mul != NULL);
  ir_atom d = ATOM_VAR(mul->out[0]);
  ir_build_outs(m, m->top, &d, 1);
  CHECK(diags.head == NULL);
  check_listing(m,
                "{ lambda ; a:f32[2]. let\n"
                "    b:f32[2] c:f32[2] = jit[\n"
                "      name=split\n"
                "      jaxpr={ lambda ; a:f32[2]. let\n"
                "          b:f32[2] = add a 1.0:f32[]\n"
                "          c:f32[2] = sub a 1.0:f32[]\n"
                "        in (b, c) }\n"
                "    ] a\n"
                "    d:f32[2] = mul b c\n"
                "  in (d,) }");
  ir_free(m);
  arena_free(&diag_arena);
}

/* broadcast_in_dim's result comes from the hint: tjit trace of
 * `auto f(float x) { return broadcast_to(x, (3,)); }` prints this. */
static void test_hint_gives_the_result(void) {
  tj_arena diag_arena = {0};
  diag_list diags = {.arena = &diag_arena};
  ir_module *m = ir_new(NULL);
  tj_aval scalar = f32(0, 0, 0), f3 = f32(1, 3, 0);
  uint32_t x;
  ir_build_invars(m, m->top, &scalar, 1, &x);
  ir_atom in = ATOM_VAR(x);
  ir_eqn *e = ir_build(m, m->top, &(ir_eqn_desc){.prim = P_broadcast_in_dim, .in = &in, .nin = 1, .nout = 1,
                                                 .hint = &f3},
                       &diags);
  CHECK(e != NULL);
  ir_atom b = ATOM_VAR(e->out[0]);
  ir_build_outs(m, m->top, &b, 1);
  check_listing(m, "{ lambda ; a:f32[]. let b:f32[3] = broadcast_in_dim a in (b,) }");
  ir_free(m);
  arena_free(&diag_arena);
}

/* The one error of diags rendered as tjit shows it. */
static char *rendered(const diag_list *diags) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  diag_render(diags, f, NULL);
  fclose(f);
  return text;
}

/* add of f32[3] and f32[4]: the type error tjit trace gives for
 * `auto f(float a[3], float b[4]) { return a + b; }` (as in
 * tests/cases/shape-mismatch.err), at the equation's span; the jaxpr is
 * left as it was. */
static void test_shape_error_is_a_diagnostic(void) {
  const char *text = "auto f(float a[3], float b[4]) { return a + b; }";
  tj_arena a = {0};
  tj_source src = {0};
  source_init(&a, &src, "e.c", text, (uint32_t)strlen(text));
  diag_list diags = {.arena = &a, .kind = DIAG_KIND_TRACE};
  ir_module *m = ir_new(&src);
  tj_aval avals[2] = {f32(1, 3, 0), f32(1, 4, 0)};
  uint32_t ab[2];
  ir_build_invars(m, m->top, avals, 2, ab);
  ir_atom ins[2] = {ATOM_VAR(ab[0]), ATOM_VAR(ab[1])};
  uint32_t nvars = m->nvars;
  tj_span span = span_make(40, 45); /* a + b */
  ir_eqn_desc add = {.prim = P_add, .in = ins, .nin = 2, .nout = 1, .span = span};
  CHECK(ir_build(m, m->top, &add, &diags) == NULL);
  CHECK(m->top->neqns == 0 && m->nvars == nvars);
  CHECK(diags.nerrors == 1 && diags.head == diags.tail);
  CHECK_STR(diags.head->msg, "TypeError: add got incompatible shapes for broadcasting: (3,), (4,).");
  CHECK_STR(diags.head->jax_kind, "TypeError");
  CHECK(diags.head->src == &src && diags.head->span.start == 40 && diags.head->span.end == 45);
  CHECK(diags.head->kind == DIAG_KIND_TRACE);
  char *got = rendered(&diags);
  CHECK_STR(got,
            "e.c:1:41: error: TypeError: add got incompatible shapes for broadcasting: (3,), (4,).\n"
            "    1 | auto f(float a[3], float b[4]) { return a + b; }\n"
            "      |                                         ^~~~~\n");
  free(got);
  ir_free(m);
  arena_free(&a);
}

/* A message as long as its operands make it, where the rules once wrote
 * into a 256-byte buffer (the listing of 40 shapes was cut short). */
static void test_long_message_is_whole(void) {
  tj_arena a = {0};
  diag_list diags = {.arena = &a};
  ir_module *m = ir_new(NULL);
  enum { N = 40 };
  tj_aval avals[N];
  for (int i = 0; i < N; i++) avals[i] = i < N - 1 ? f32(1, 3, 0) : f32(2, 3, 1);
  uint32_t vars[N];
  ir_build_invars(m, m->top, avals, N, vars);
  ir_atom ins[N];
  for (int i = 0; i < N; i++) ins[i] = ATOM_VAR(vars[i]);
  ir_param p = {"dimension", pv_int(m, 0)};
  ir_eqn_desc cat = {.prim = P_concatenate, .in = ins, .nin = N, .params = &p, .nparams = 1, .nout = 1};
  CHECK(ir_build(m, m->top, &cat, &diags) == NULL);
  tj_buf want = {0};
  buf_puts(&want, "TypeError: Cannot concatenate arrays with different numbers of dimensions: got ");
  for (int i = 0; i < N - 1; i++) buf_puts(&want, "(3,), ");
  buf_puts(&want, "(3, 1).");
  CHECK(diags.head != NULL);
  CHECK_STR(diags.head ? diags.head->msg : NULL, want.data);
  buf_free(&want);
  ir_free(m);
  arena_free(&a);
}

/* An output beyond TJ_MAX_ELEMENTS: the tracer's message, no equation. */
static void test_too_many_elements(void) {
  tj_arena a = {0};
  diag_list diags = {.arena = &a};
  ir_module *m = ir_new(NULL);
  tj_aval scalar = f32(0, 0, 0), huge = f32(2, 65536, 65536);
  uint32_t x;
  ir_build_invars(m, m->top, &scalar, 1, &x);
  ir_atom in = ATOM_VAR(x);
  ir_eqn_desc b = {.prim = P_broadcast_in_dim, .in = &in, .nin = 1, .nout = 1, .hint = &huge};
  CHECK(ir_build(m, m->top, &b, &diags) == NULL);
  CHECK(m->top->neqns == 0);
  CHECK_STR(diags.head ? diags.head->msg : NULL, "too many elements in one array (limit is 2147483648)");
  ir_free(m);
  arena_free(&a);
}

/* ir_check runs the same rules: an equation made by hand with operands
 * the rule refuses is reported with the rule's message. */
static void test_ir_check_reports_the_rule(void) {
  ir_module *m = ir_new(NULL);
  tj_aval avals[2] = {f32(1, 3, 0), f32(1, 4, 0)};
  uint32_t ab[2];
  ir_build_invars(m, m->top, avals, 2, ab);
  ir_eqn *e = ir_add_eqn(m, m->top, P_add, 2, 1, 0, span_make(0, 0));
  e->in[0] = ATOM_VAR(ab[0]);
  e->in[1] = ATOM_VAR(ab[1]);
  e->out[0] = ir_new_var(m, &avals[0]);
  CHECK(!ir_check(m, harness_at()->d));
  CHECK_STR(harness_error(), "internal error: invalid jaxpr: TypeError: add got incompatible shapes for broadcasting: (3,), (4,).");
  ir_free(m);
}

int main(void) {
  test_mul_then_reduce_sum();
  test_call_with_two_outputs();
  test_hint_gives_the_result();
  test_shape_error_is_a_diagnostic();
  test_long_message_is_whole();
  test_too_many_elements();
  test_ir_check_reports_the_rule();
  return HARNESS_REPORT();
}
