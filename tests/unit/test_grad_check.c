/* The gradient checker's comparison (grad_compare, lib/backend/grad_check.h)
 * fed by hand: f(x) = x^2 + sin(x) elementwise at a few points, its
 * true gradient, tangent and differences PASS; a gradient off by a factor
 * (a wrong rule: d(x^2) = x), off by 1e-4 relative (a rule slightly
 * wrong), wrongly zero, not finite, a compiled gradient off by 1e-3, and a
 * difference too coarse to resolve the derivative each FAIL with the
 * comparison that caught it. Then tj_grad_check end to end: a PASS on a
 * spec, and a primitive without a JVP rule, or with one but without a
 * transpose rule, reported with JAX's text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "grad_check.h"
#include "harness.h"
#include "jvp.h"
#include "prims.h"
#include "tjit.h"
#include "vjp.h"

enum { N = 5 };
static const double xs[N] = {0.3, -1.2, 2.1, 0.7, -0.4};
static const double vs[N] = {0.5, -0.25, 1.0, 0.75, -1.0};
static const double ws[N] = {1.0, 0.5, -0.5, 0.25, -0.75};

static double f(double x) { return x * x + sin(x); }
static double df(double x) { return 2 * x + cos(x); }

static tj_array *vec(void) {
  tj_aval a = aval_scalar(DT_F64, false);
  a.rank = 1, a.dims[0] = N;
  return array_new(&a);
}

/* Everything grad_compare reads, for f at xs along vs with cotangents ws;
 * the gradient is g_scale * df + g_shift (1, 0: the true one), the
 * compiled one c_scale * df, and offset is added to f (a large constant
 * makes the difference too coarse). */
typedef struct sample {
  tj_array *x, *v, *g, *gc, *w, *t, *fp, *fm;
  gc_arrays a;
} sample;

static void make(sample *s, double g_scale, double g_shift, double c_scale, double offset) {
  s->x = vec(), s->v = vec(), s->g = vec(), s->gc = vec(), s->w = vec(), s->t = vec(), s->fp = vec(), s->fm = vec();
  for (int i = 0; i < N; i++) array_set_f(s->x, i, xs[i]);
  const tj_array *xp = s->x;
  double h = grad_step(&xp, 1);
  for (int i = 0; i < N; i++) {
    array_set_f(s->v, i, vs[i]), array_set_f(s->w, i, ws[i]);
    array_set_f(s->g, i, ws[i] * (g_scale * df(xs[i]) + g_shift));
    array_set_f(s->gc, i, ws[i] * c_scale * df(xs[i]));
    array_set_f(s->t, i, df(xs[i]) * vs[i]);
    array_set_f(s->fp, i, offset + f(xs[i] + h * vs[i]));
    array_set_f(s->fm, i, offset + f(xs[i] - h * vs[i]));
  }
  s->a = (gc_arrays){1, 1, (const tj_array *const *)&s->x, (const tj_array *const *)&s->v,
                     (const tj_array *const *)&s->g, (const tj_array *const *)&s->gc,
                     (const tj_array *const *)&s->w, (const tj_array *const *)&s->t,
                     (const tj_array *const *)&s->fp, (const tj_array *const *)&s->fm, h, 0x1p-23};
}

static void unmake(sample *s) {
  tj_array *all[] = {s->x, s->v, s->g, s->gc, s->w, s->t, s->fp, s->fm};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) array_free(all[i]);
}

static tj_grad_report compared(double g_scale, double g_shift, double c_scale, double offset) {
  sample s;
  tj_grad_report r = {0};
  make(&s, g_scale, g_shift, c_scale, offset);
  grad_compare(&s.a, &r);
  unmake(&s);
  return r;
}

static double true_wjv(void) {
  double s = 0;
  for (int i = 0; i < N; i++) s += ws[i] * df(xs[i]) * vs[i];
  return s;
}

static void test_true_gradient_passes(void) {
  tj_grad_report r = compared(1, 0, 1, 0);
  CHECK(r.pass && r.ok_forward && r.ok_central && r.ok_compiled && r.resolved && r.finite);
  CHECK(fabs(r.reverse - true_wjv()) < 1e-14 && fabs(r.forward - r.reverse) < 1e-14);
  CHECK(r.err_central < 1e-8 && r.err_central <= r.tol_central); /* h^2 |f'''| / 6 ~ 1e-12 */
  CHECK(r.step == 1e-6 * 2.1);                                  /* relative to max |x| */
  CHECK(r.compiled_run && r.err_compiled == 0);
}

/* d(x^2) = x instead of 2x: the gradient misses x * w * v per term. */
static void test_wrong_rule_fails(void) {
  sample s;
  tj_grad_report r = {0};
  make(&s, 1, 0, 1, 0);
  for (int i = 0; i < N; i++) array_set_f(s.g, i, ws[i] * (xs[i] + cos(xs[i])));
  grad_compare(&s.a, &r);
  unmake(&s);
  CHECK(!r.pass && !r.ok_forward && !r.ok_central);
  CHECK(r.err_forward > 0.1 && r.err_central > 0.1);
}

/* 1e-4 relative: far outside both bounds (1e-9, about 1e-6). */
static void test_slightly_wrong_fails(void) {
  tj_grad_report r = compared(1 + 1e-4, 0, 1, 0);
  CHECK(!r.pass && !r.ok_forward && !r.ok_central);
  r = compared(1 + 1e-11, 0, 1, 0); /* rounding, not a wrong rule */
  CHECK(r.pass);
}

/* A gradient wrongly zero: its own magnitude is zero, the others' are not. */
static void test_zero_gradient_fails(void) {
  tj_grad_report r = compared(0, 0, 1, 0);
  CHECK(!r.pass && !r.ok_forward && !r.ok_central && r.reverse == 0);
  CHECK(r.err_forward > 0.05); /* |forward| over the terms' magnitude (they cancel some) */
}

static void test_not_finite_fails(void) {
  tj_grad_report r = compared(1, NAN, 1, 0);
  CHECK(!r.pass && !r.finite && !r.ok_forward && isnan(r.err_forward));
}

/* The compiled gradient within f32's 2^10 eps passes, 1e-2 off fails
 * (the bound is relative to the terms' magnitude, 10 times w.J.v here:
 * they cancel). */
static void test_compiled(void) {
  tj_grad_report r = compared(1, 0, 1 + 1e-6, 0);
  CHECK(r.pass && r.ok_compiled && r.err_compiled > 0);
  r = compared(1, 0, 1 + 1e-2, 0);
  CHECK(!r.pass && !r.ok_compiled && r.ok_forward && r.ok_central);
  CHECK(fabs(r.tol_compiled - 1024 * 0x1p-23) < 1e-12);
}

/* f + 1e12: each L is rounded to 2^-12 or so, over 2h = 4.2e-6: the
 * difference cannot resolve a slope of 1; unresolved is a FAIL, not a
 * PASS (a wrong gradient would pass as well). */
static void test_unresolved_fails(void) {
  tj_grad_report r = compared(1, 0, 1, 1e12);
  CHECK(!r.resolved && !r.pass);
  CHECK(r.tol_central > 1e-2);
}

/* ---- end to end ---- */

static tj_status checked(const char *text, tj_grad_report *r, char **diags) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_status st = tj_spec_load(ctx, "t.json", text, strlen(text), &spec);
  if (st == TJ_OK) st = tj_grad_check(ctx, spec, NULL, 0, r);
  size_t n;
  FILE *f = open_memstream(diags, &n);
  tj_print_diagnostics(ctx, f);
  fclose(f);
  tj_ctx_free(ctx);
  return st;
}

static void test_end_to_end(void) {
  tj_grad_report r;
  char *diags = NULL;
  tj_status st = checked("{\"source\": \"auto f(float x[3], i32 n) { return (sum(tanh(x) * x) * n, n); }\","
                         " \"args\": {\"x\": {\"dtype\": \"f32\", \"data\": [0.5, -1, 2]}, \"n\": 3}}",
                         &r, &diags);
  CHECK(st == TJ_OK && r.pass && r.ninputs == 1 && r.int_inputs == 1 && r.noutputs == 1 && r.int_outputs == 1);
  CHECK(r.compiled_run && r.err_central < 1e-8);
  free(diags);
}

/* A function JAX cannot differentiate in reverse mode (every primitive
 * the language reaches has a JVP rule since svd got its own; reduce_and,
 * without one, takes only bool or integer operands, whose tangents
 * --grad-check never seeds: test_jvp's test_missing_rule checks that
 * text): a fori_loop with a traced bound is a while, and loops.py's
 * _while_transpose_error stops the check at the equation, with the note
 * saying what --grad-check builds. */
static void not_reverse_differentiable(void) {
  const char *text = "{\"source\": [\"auto body(auto k, auto c) { return c * 1.5 + sin(c); }\", "
                     "\"auto f(float x[3], i32 n) { return fori_loop(0, n, body, x); }\"], \"function\": \"f\", "
                     "\"args\": {\"x\": {\"dtype\": \"f32\", \"data\": [0.5, -1, 2]}, \"n\": 2}}";
  tj_grad_report r;
  char *diags = NULL;
  CHECK(checked(text, &r, &diags) == TJ_ERR_PROGRAM);
  CHECK(diags && strstr(diags, "ValueError: Reverse-mode differentiation does not work for lax.while_loop or "
                               "lax.fori_loop with dynamic start/stop values."));
  CHECK(diags && strstr(diags, "note: --grad-check differentiates the function in reverse mode"));
  free(diags);
}

int main(void) {
  test_true_gradient_passes();
  test_wrong_rule_fails();
  test_slightly_wrong_fails();
  test_zero_gradient_fails();
  test_not_finite_fails();
  test_compiled();
  test_unresolved_fails();
  test_end_to_end();
  not_reverse_differentiable();
  return HARNESS_REPORT();
}
