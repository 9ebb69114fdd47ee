/* The reference evaluator on hand-built IR: every primitive family, and the
 * edge cases whose results XLA defines (NaN, wrapping, division by zero,
 * out-of-range shifts and conversions, empty arrays, dropped scatters,
 * loops that never iterate). Expected values are worked out by hand. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "eval.h"
#include "harness.h"

static tj_aval av(tj_dtype t, int rank, ...) {
  tj_aval a = aval_scalar(t, false);
  va_list ap;
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) a.dims[i] = va_arg(ap, int);
  va_end(ap);
  a.rank = (uint8_t)rank;
  return a;
}

/* An array of aval a holding vals (as doubles). */
static tj_array *arr(tj_aval a, const double *vals) {
  tj_array *x = array_new(&a);
  for (int64_t i = 0; i < x->size; i++) {
    if (dtype_is_float(a.dtype)) array_set_f(x, i, vals[i]);
    else array_set_i(x, i, (int64_t)vals[i]);
  }
  return x;
}

static ir_jaxpr *with_invars(ir_module *m, ir_jaxpr *j, int n, const tj_aval *ins) {
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, n ? n : 1);
  for (int i = 0; i < n; i++) j->invars[i] = ir_new_var(m, &ins[i]);
  j->nin = (uint32_t)n;
  return j;
}

/* Appends eqn prim(invars...) -> one output of aval out to j, which
 * returns it. Params are set by the caller on the returned equation. */
static ir_eqn *one_eqn(ir_module *m, ir_jaxpr *j, int prim, tj_aval out, int nparams) {
  ir_eqn *e = ir_add_eqn(m, j, prim, j->nin, 1, (uint16_t)nparams, span_make(0, 0));
  for (uint32_t i = 0; i < j->nin; i++) e->in[i] = ATOM_VAR(j->invars[i]);
  e->out[0] = ir_new_var(m, &out);
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  j->outs[0] = ATOM_VAR(e->out[0]);
  j->nout = 1;
  return e;
}

/* Runs m's top jaxpr on in[0..n) (freed here); the first output, or NULL. */
static tj_array *run(ir_module *m, tj_array **in, int n) {
  tj_array *out[4] = {0};
  bool ok = eval_jaxpr(harness_at(), m, m->top, (const tj_array *const *)in, out) == TJ_OK;
  if (!ok) fprintf(stderr, "eval failed: %s\n", harness_error());
  for (int i = 0; i < n; i++) array_free(in[i]);
  for (uint32_t i = 1; i < m->top->nout; i++) array_free(out[i]);
  return ok ? out[0] : NULL;
}

/* prim on two operands of aval a (params none) -> aval o. */
static tj_array *binary(int prim, tj_aval a, const double *x, const double *y, tj_aval o) {
  ir_module *m = ir_new(NULL);
  tj_aval ins[2] = {a, a};
  with_invars(m, m->top, 2, ins);
  one_eqn(m, m->top, prim, o, 0);
  tj_array *in[2] = {arr(a, x), arr(a, y)};
  tj_array *r = run(m, in, 2);
  ir_free(m);
  return r;
}

static tj_array *unary_p(int prim, tj_aval a, const double *x, tj_aval o, const char *key, pval *(*mk)(ir_module *),
                         int64_t pint) {
  ir_module *m = ir_new(NULL);
  with_invars(m, m->top, 1, &a);
  ir_eqn *e = one_eqn(m, m->top, prim, o, key ? 1 : 0);
  if (key) e->params[0] = (ir_param){key, mk ? mk(m) : pv_int(m, pint)};
  tj_array *in[1] = {arr(a, x)};
  tj_array *r = run(m, in, 1);
  ir_free(m);
  return r;
}
static tj_array *unary(int prim, tj_aval a, const double *x) { return unary_p(prim, a, x, a, NULL, NULL, 0); }

static bool same(double got, double want) {
  return (got != got && want != want) || (got == want && signbit(got) == signbit(want));
}
#define CHECK_AT(arr_, i, want) CHECK(same(array_get_f(arr_, i), want))

static void test_integer_edges(void) {
  tj_aval i4 = av(DT_I32, 1, 4), u1 = av(DT_U32, 1, 1);
  double x[] = {7, -7, -2147483648.0, 2147483647}, y[] = {0, 2, -1, 1};
  tj_array *r = binary(P_div, i4, x, y, i4);
  CHECK_AT(r, 0, -1); CHECK_AT(r, 1, -3); CHECK_AT(r, 2, -2147483648.0); CHECK_AT(r, 3, 2147483647);
  array_free(r);
  r = binary(P_rem, i4, x, y, i4);
  CHECK_AT(r, 0, 7); CHECK_AT(r, 1, -1); CHECK_AT(r, 2, 0); CHECK_AT(r, 3, 0);
  array_free(r);
  r = binary(P_add, i4, x, x, i4); /* wraps */
  CHECK_AT(r, 0, 14); CHECK_AT(r, 2, 0); CHECK_AT(r, 3, -2);
  array_free(r);
  double ux[] = {5}, uz[] = {0};
  r = binary(P_div, u1, ux, uz, u1);
  CHECK_AT(r, 0, 4294967295.0);
  array_free(r);
  double sx[] = {1, -8, -8, 1}, sy[] = {32, 40, 1, -1};
  r = binary(P_shift_left, i4, sx, sy, i4);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 2, -16); CHECK_AT(r, 3, 0);
  array_free(r);
  r = binary(P_shift_right_arithmetic, i4, sx, sy, i4);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, -1); CHECK_AT(r, 2, -4);
  array_free(r);
  r = binary(P_shift_right_logical, i4, sx, sy, i4);
  CHECK_AT(r, 1, 0); CHECK_AT(r, 2, 2147483644);
  array_free(r);
  double nx[] = {-2147483648.0, 3, -3, 0};
  r = unary(P_neg, i4, nx);
  CHECK_AT(r, 0, -2147483648.0); CHECK_AT(r, 1, -3);
  array_free(r);
  r = unary(P_abs, i4, nx);
  CHECK_AT(r, 0, -2147483648.0); CHECK_AT(r, 2, 3);
  array_free(r);
  r = unary(P_sign, i4, nx);
  CHECK_AT(r, 0, -1); CHECK_AT(r, 1, 1); CHECK_AT(r, 3, 0);
  array_free(r);
  double px[] = {3, -2, 65536, 0};
  r = unary_p(P_integer_pow, i4, px, i4, "y", NULL, 3);
  CHECK_AT(r, 0, 27); CHECK_AT(r, 1, -8); CHECK_AT(r, 2, 0); CHECK_AT(r, 3, 0); /* 2^48 wraps to 0 */
  array_free(r);
}

static void test_float_edges(void) {
  tj_aval f4 = av(DT_F32, 1, 4), b4 = av(DT_BOOL, 1, 4);
  double x[] = {NAN, 1, -0.0, 2}, y[] = {1, NAN, 0.0, 3};
  tj_array *r = binary(P_max, f4, x, y, f4);
  CHECK_AT(r, 0, NAN); CHECK_AT(r, 1, NAN); CHECK_AT(r, 3, 3);
  array_free(r);
  r = binary(P_eq, f4, x, y, b4);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 2, 1);
  array_free(r);
  r = binary(P_ne, f4, x, y, b4);
  CHECK_AT(r, 0, 1); CHECK_AT(r, 1, 1); CHECK_AT(r, 2, 0);
  array_free(r);
  double d[] = {1, 1, -7.5, 0}, z[] = {0, -0.0, 2, 0};
  r = binary(P_div, f4, d, z, f4);
  CHECK_AT(r, 0, INFINITY); CHECK_AT(r, 1, -INFINITY); CHECK_AT(r, 2, -3.75); CHECK_AT(r, 3, NAN);
  array_free(r);
  r = binary(P_rem, f4, d, z, f4);
  CHECK_AT(r, 2, -1.5); CHECK_AT(r, 0, NAN);
  array_free(r);
  double h[] = {0.5, 1.5, 2.5, -0.5};
  r = unary_p(P_round, f4, h, f4, "rounding_method", NULL, 1); /* to nearest even */
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 2); CHECK_AT(r, 2, 2); CHECK_AT(r, 3, -0.0);
  array_free(r);
  r = unary_p(P_round, f4, h, f4, "rounding_method", NULL, 0); /* away from zero */
  CHECK_AT(r, 0, 1); CHECK_AT(r, 2, 3); CHECK_AT(r, 3, -1);
  array_free(r);
  double s[] = {NAN, -0.0, -3, 0.25};
  r = unary(P_sign, f4, s);
  CHECK_AT(r, 0, NAN); CHECK_AT(r, 1, -0.0); CHECK_AT(r, 2, -1); CHECK_AT(r, 3, 1);
  array_free(r);
  double e[] = {0.5, 4, 0, -1};
  r = unary(P_erf, f4, e);
  CHECK_AT(r, 0, erff(0.5f)); CHECK_AT(r, 2, 0);
  array_free(r);
  r = unary(P_rsqrt, f4, e);
  CHECK_AT(r, 1, 0.5); CHECK_AT(r, 2, INFINITY); CHECK_AT(r, 3, NAN);
  array_free(r);
  r = unary(P_logistic, f4, e);
  CHECK_AT(r, 2, 0.5); CHECK_AT(r, 0, 1.0f / (1.0f + expf(-0.5f)));
  array_free(r);
  r = unary(P_sin, f4, e);
  CHECK_AT(r, 0, sinf(0.5f));
  array_free(r);
  double p[] = {2, -2, 0.5, 3};
  r = unary_p(P_integer_pow, f4, p, f4, "y", NULL, -2);
  CHECK_AT(r, 0, 0.25); CHECK_AT(r, 2, 4);
  array_free(r);
  double q[] = {2, 2, -8, 0}, w[] = {10, 0.5, 1.0 / 3, 0};
  r = binary(P_pow, f4, q, w, f4);
  CHECK_AT(r, 0, 1024); CHECK_AT(r, 1, sqrtf(2)); CHECK_AT(r, 2, NAN); CHECK_AT(r, 3, 1);
  array_free(r);
}

/* The sort comparators' total order (eq_to, lt_to, le_to) on keys as
 * _canonicalize_float_for_sort leaves them: NaN above +inf and equal to
 * itself; u32 compared unsigned. */
static void test_total_order(void) {
  tj_aval f4 = av(DT_F32, 1, 4), b4 = av(DT_BOOL, 1, 4), u2 = av(DT_U32, 1, 2), b2 = av(DT_BOOL, 1, 2);
  double x[] = {NAN, NAN, INFINITY, 1}, y[] = {NAN, INFINITY, NAN, 2};
  tj_array *r = binary(P_eq_to, f4, x, y, b4);
  CHECK_AT(r, 0, 1); CHECK_AT(r, 1, 0); CHECK_AT(r, 2, 0); CHECK_AT(r, 3, 0);
  array_free(r);
  r = binary(P_lt_to, f4, x, y, b4);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 0); CHECK_AT(r, 2, 1); CHECK_AT(r, 3, 1);
  array_free(r);
  r = binary(P_le_to, f4, x, y, b4);
  CHECK_AT(r, 0, 1); CHECK_AT(r, 1, 0); CHECK_AT(r, 2, 1); CHECK_AT(r, 3, 1);
  array_free(r);
  double ux[] = {4294967295.0, 1}, uy[] = {1, 1};
  r = binary(P_lt_to, u2, ux, uy, b2);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 0);
  array_free(r);
  r = binary(P_le_to, u2, ux, uy, b2);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 1);
  array_free(r);
}

static void test_convert(void) {
  tj_aval f5 = av(DT_F32, 1, 5);
  double x[] = {NAN, 3e9, -3.7, -3e9, 300};
  tj_array *r = unary_p(P_convert_element_type, f5, x, av(DT_I32, 1, 5), NULL, NULL, 0);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 2147483647); CHECK_AT(r, 2, -3); CHECK_AT(r, 3, -2147483648.0);
  array_free(r);
  r = unary_p(P_convert_element_type, f5, x, av(DT_U8, 1, 5), NULL, NULL, 0);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 2, 0); CHECK_AT(r, 4, 255);
  array_free(r);
  r = unary_p(P_convert_element_type, f5, x, av(DT_BOOL, 1, 5), NULL, NULL, 0);
  CHECK_AT(r, 0, 1); CHECK_AT(r, 2, 1);
  array_free(r);
  double big[] = {16777217, 300, -1, 0, 1};
  r = unary_p(P_convert_element_type, av(DT_I32, 1, 5), big, av(DT_F32, 1, 5), NULL, NULL, 0);
  CHECK_AT(r, 0, 16777216);
  array_free(r);
  r = unary_p(P_convert_element_type, av(DT_I32, 1, 5), big, av(DT_U8, 1, 5), NULL, NULL, 0);
  CHECK_AT(r, 1, 44); CHECK_AT(r, 2, 255);
  array_free(r);
}

static void test_select_clamp_broadcast(void) {
  ir_module *m = ir_new(NULL);
  tj_aval ins[3] = {av(DT_I32, 1, 3), av(DT_F32, 1, 3), av(DT_F32, 1, 3)};
  with_invars(m, m->top, 3, ins);
  one_eqn(m, m->top, P_select_n, ins[1], 0);
  double w[] = {0, 1, 7}, a[] = {1, 2, 3}, b[] = {10, 20, 30};
  tj_array *in[3] = {arr(ins[0], w), arr(ins[1], a), arr(ins[2], b)};
  tj_array *r = run(m, in, 3);
  CHECK_AT(r, 0, 1); CHECK_AT(r, 1, 20); CHECK_AT(r, 2, 30);
  array_free(r);
  ir_free(m);

  m = ir_new(NULL);
  tj_aval cins[3] = {av(DT_F32, 0), av(DT_F32, 1, 4), av(DT_F32, 0)};
  with_invars(m, m->top, 3, cins);
  one_eqn(m, m->top, P_clamp, cins[1], 0);
  double lo[] = {0}, x[] = {-1, 0.5, 9, NAN}, hi[] = {1};
  tj_array *cin[3] = {arr(cins[0], lo), arr(cins[1], x), arr(cins[2], hi)};
  r = run(m, cin, 3);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 0.5); CHECK_AT(r, 2, 1); CHECK_AT(r, 3, NAN);
  array_free(r);
  ir_free(m);

  m = ir_new(NULL);
  tj_aval v3 = av(DT_F32, 1, 3);
  with_invars(m, m->top, 1, &v3);
  ir_eqn *e = one_eqn(m, m->top, P_broadcast_in_dim, av(DT_F32, 2, 2, 3), 1);
  int64_t bd[] = {1};
  e->params[0] = (ir_param){"broadcast_dimensions", pv_ints(m, PV_TUPLE, bd, 1)};
  tj_array *bin[1] = {arr(v3, a)};
  r = run(m, bin, 1);
  CHECK(r && r->size == 6);
  CHECK_AT(r, 3, 1); CHECK_AT(r, 5, 3);
  array_free(r);
  ir_free(m);
}

/* prim over axes of a [2,3] f32 array. */
static tj_array *reduce(int prim, const double *x, tj_aval a, const int64_t *axes, int n, tj_aval o) {
  ir_module *m = ir_new(NULL);
  with_invars(m, m->top, 1, &a);
  ir_eqn *e = one_eqn(m, m->top, prim, o, prim == P_argmax || prim == P_argmin ? 2 : 1);
  e->params[0] = (ir_param){"axes", pv_ints(m, PV_TUPLE, axes, n)};
  if (e->nparams == 2) e->params[1] = (ir_param){"index_dtype", pv_dtype(m, DT_I32)};
  tj_array *in[1] = {arr(a, x)};
  tj_array *r = run(m, in, 1);
  ir_free(m);
  return r;
}

static void test_reductions(void) {
  tj_aval a = av(DT_F32, 2, 2, 3);
  double x[] = {1, 5, 5, NAN, 2, NAN};
  int64_t ax1[] = {1}, ax01[] = {0, 1};
  tj_array *r = reduce(P_reduce_sum, x, a, ax1, 1, av(DT_F32, 1, 2));
  CHECK_AT(r, 0, 11); CHECK_AT(r, 1, NAN);
  array_free(r);
  r = reduce(P_reduce_max, x, a, ax1, 1, av(DT_F32, 1, 2));
  CHECK_AT(r, 0, 5); CHECK_AT(r, 1, NAN);
  array_free(r);
  r = reduce(P_argmax, x, a, ax1, 1, av(DT_I32, 1, 2));
  CHECK_AT(r, 0, 1); CHECK_AT(r, 1, 0); /* first of the ties; the first NaN */
  array_free(r);
  r = reduce(P_argmin, x, a, ax1, 1, av(DT_I32, 1, 2));
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 0);
  array_free(r);
  double ix[] = {2147483647, 1, -5, 3, 4, 6};
  r = reduce(P_reduce_sum, ix, av(DT_I32, 2, 2, 3), ax01, 2, av(DT_I32, 0));
  CHECK_AT(r, 0, -2147483648.0 + 8); /* wraps */
  array_free(r);
  r = reduce(P_reduce_min, ix, av(DT_I32, 2, 2, 3), ax01, 2, av(DT_I32, 0));
  CHECK_AT(r, 0, -5);
  array_free(r);
  r = reduce(P_reduce_prod, ix, av(DT_I32, 2, 2, 3), ax1, 1, av(DT_I32, 1, 2));
  CHECK_AT(r, 1, 72);
  array_free(r);
  /* empty: the identities */
  tj_aval e = av(DT_F32, 2, 2, 0);
  r = reduce(P_reduce_sum, x, e, ax1, 1, av(DT_F32, 1, 2));
  CHECK_AT(r, 0, 0);
  array_free(r);
  r = reduce(P_reduce_max, x, e, ax1, 1, av(DT_F32, 1, 2));
  CHECK_AT(r, 1, -INFINITY);
  array_free(r);
  r = reduce(P_reduce_min, x, av(DT_I32, 2, 2, 0), ax1, 1, av(DT_I32, 1, 2));
  CHECK_AT(r, 0, 2147483647);
  array_free(r);
}

static pval *dnums(ir_module *m, const int64_t *lc, int nc, const int64_t *rc, const int64_t *lb, int nb,
                   const int64_t *rb) {
  pval *outer = pv_seq(m, PV_TUPLE, 2), *c = pv_seq(m, PV_TUPLE, 2), *b = pv_seq(m, PV_TUPLE, 2);
  c->items[0] = pv_ints(m, PV_TUPLE, lc, nc), c->items[1] = pv_ints(m, PV_TUPLE, rc, nc);
  b->items[0] = pv_ints(m, PV_TUPLE, lb, nb), b->items[1] = pv_ints(m, PV_TUPLE, rb, nb);
  outer->items[0] = c, outer->items[1] = b;
  return outer;
}

static tj_array *dot(tj_aval a, const double *x, tj_aval b, const double *y, pval *(*mk)(ir_module *), tj_aval o) {
  ir_module *m = ir_new(NULL);
  tj_aval ins[2] = {a, b};
  with_invars(m, m->top, 2, ins);
  ir_eqn *e = one_eqn(m, m->top, P_dot_general, o, 2);
  e->params[0] = (ir_param){"dimension_numbers", mk(m)};
  e->params[1] = (ir_param){"preferred_element_type", pv_dtype(m, o.dtype)};
  tj_array *in[2] = {arr(a, x), arr(b, y)};
  tj_array *r = run(m, in, 2);
  ir_free(m);
  return r;
}

static const int64_t D0[] = {0}, D1[] = {1}, D2[] = {2};
static pval *matmul(ir_module *m) { return dnums(m, D1, 1, D0, NULL, 0, NULL); }
static pval *batched(ir_module *m) { return dnums(m, D2, 1, D1, D0, 1, D0); }

static void test_dot_general(void) {
  double x[] = {1, 2, 3, 4, 5, 6}, y[] = {7, 8, 9, 10, 11, 12};
  tj_array *r = dot(av(DT_F32, 2, 2, 3), x, av(DT_F32, 2, 3, 2), y, matmul, av(DT_F32, 2, 2, 2));
  CHECK_AT(r, 0, 58); CHECK_AT(r, 1, 64); CHECK_AT(r, 2, 139); CHECK_AT(r, 3, 154);
  array_free(r);
  /* [2,1,3] x [2,3,1] batched over dim 0: per batch a dot of 3 */
  r = dot(av(DT_I32, 3, 2, 1, 3), x, av(DT_I32, 3, 2, 3, 1), y, batched, av(DT_I32, 3, 2, 1, 1));
  CHECK_AT(r, 0, 1 * 7 + 2 * 8 + 3 * 9); CHECK_AT(r, 1, 4 * 10 + 5 * 11 + 6 * 12);
  array_free(r);
}

static void test_moves(void) {
  double x[] = {1, 2, 3, 4, 5, 6};
  tj_aval a = av(DT_F32, 2, 2, 3);
  int64_t perm[] = {1, 0};
  tj_array *r = unary_p(P_transpose, a, x, av(DT_F32, 2, 3, 2), NULL, NULL, 0);
  CHECK(r == NULL); /* no permutation param: an internal error, not a crash */
  ir_module *m = ir_new(NULL);
  with_invars(m, m->top, 1, &a);
  ir_eqn *e = one_eqn(m, m->top, P_transpose, av(DT_F32, 2, 3, 2), 1);
  e->params[0] = (ir_param){"permutation", pv_ints(m, PV_TUPLE, perm, 2)};
  tj_array *in[1] = {arr(a, x)};
  r = run(m, in, 1);
  CHECK_AT(r, 1, 4); CHECK_AT(r, 2, 2); CHECK_AT(r, 5, 6);
  array_free(r);
  ir_free(m);

  m = ir_new(NULL); /* slice [0:2:2, 1:3] */
  with_invars(m, m->top, 1, &a);
  e = one_eqn(m, m->top, P_slice, av(DT_F32, 2, 1, 2), 3);
  int64_t st[] = {0, 1}, lim[] = {2, 3}, str[] = {2, 1};
  e->params[0] = (ir_param){"start_indices", pv_ints(m, PV_TUPLE, st, 2)};
  e->params[1] = (ir_param){"limit_indices", pv_ints(m, PV_TUPLE, lim, 2)};
  e->params[2] = (ir_param){"strides", pv_ints(m, PV_TUPLE, str, 2)};
  in[0] = arr(a, x);
  r = run(m, in, 1);
  CHECK_AT(r, 0, 2); CHECK_AT(r, 1, 3);
  array_free(r);
  ir_free(m);

  m = ir_new(NULL);
  with_invars(m, m->top, 1, &a);
  e = one_eqn(m, m->top, P_rev, a, 1);
  e->params[0] = (ir_param){"dimensions", pv_ints(m, PV_TUPLE, D1, 1)};
  in[0] = arr(a, x);
  r = run(m, in, 1);
  CHECK_AT(r, 0, 3); CHECK_AT(r, 3, 6); CHECK_AT(r, 5, 4);
  array_free(r);
  ir_free(m);

  m = ir_new(NULL); /* dynamic_slice with starts (5, -4): clamped to (0, 0) and (1, 1) ... */
  tj_aval ds[3] = {a, av(DT_I32, 0), av(DT_I32, 0)};
  with_invars(m, m->top, 3, ds);
  e = one_eqn(m, m->top, P_dynamic_slice, av(DT_F32, 2, 1, 2), 1);
  int64_t sizes[] = {1, 2};
  e->params[0] = (ir_param){"slice_sizes", pv_ints(m, PV_TUPLE, sizes, 2)};
  double s0[] = {5}, s1[] = {-4};
  tj_array *din[3] = {arr(a, x), arr(ds[1], s0), arr(ds[2], s1)};
  r = run(m, din, 3);
  CHECK_AT(r, 0, 4); CHECK_AT(r, 1, 5); /* row clamped to 1, column to 0 */
  array_free(r);
  ir_free(m);

  m = ir_new(NULL);
  tj_aval cc[2] = {av(DT_F32, 2, 2, 1), a};
  with_invars(m, m->top, 2, cc);
  e = one_eqn(m, m->top, P_concatenate, av(DT_F32, 2, 2, 4), 1);
  e->params[0] = (ir_param){"dimension", pv_int(m, 1)};
  double z[] = {-1, -2};
  tj_array *cin[2] = {arr(cc[0], z), arr(a, x)};
  r = run(m, cin, 2);
  CHECK_AT(r, 0, -1); CHECK_AT(r, 1, 1); CHECK_AT(r, 4, -2); CHECK_AT(r, 7, 6);
  array_free(r);
  ir_free(m);

  m = ir_new(NULL);
  e = one_eqn(m, m->top, P_iota, av(DT_I32, 2, 2, 3), 1);
  e->params[0] = (ir_param){"dimension", pv_int(m, 1)};
  r = run(m, NULL, 0);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 4, 1); CHECK_AT(r, 5, 2);
  array_free(r);
  ir_free(m);

  r = unary_p(P_reshape, a, x, av(DT_F32, 1, 6), NULL, NULL, 0);
  CHECK_AT(r, 4, 5);
  array_free(r);
}

/* x.at[idx].add(v) on f32[5] with indices i32[3,1], updates f32[3]. */
static void test_scatter(void) {
  const ir_scatter_dims dn = {.ninserted = 1, .inserted = {0}, .nto = 1, .to_operand = {0}};
  for (int k = 0; k < 2; k++) {
    ir_module *m = ir_new(NULL);
    tj_aval ins[3] = {av(DT_F32, 1, 5), av(DT_I32, 2, 3, 1), av(DT_F32, 1, 3)};
    with_invars(m, m->top, 3, ins);
    ir_eqn *e = one_eqn(m, m->top, k ? P_scatter_add : P_scatter, ins[0], 1);
    e->params[0] = (ir_param){"dimension_numbers", ir_scatter_dims_new(m, &dn)};
    double x[] = {1, 1, 1, 1, 1}, idx[] = {1, 7, 1}, u[] = {10, 20, 30};
    tj_array *in[3] = {arr(ins[0], x), arr(ins[1], idx), arr(ins[2], u)};
    tj_array *r = run(m, in, 3);
    CHECK_AT(r, 0, 1); CHECK_AT(r, 1, k ? 41 : 30); CHECK_AT(r, 4, 1); /* index 7 is dropped */
    array_free(r);
    ir_free(m);
  }
}

/* while (i < n) i += 1, from i = start: cond_jaxpr lt, body_jaxpr add. */
static double count_to(double start, double n) {
  ir_module *m = ir_new(NULL);
  tj_aval i = av(DT_I32, 0), ins[2] = {i, i};
  ir_jaxpr *cj = with_invars(m, ir_jaxpr_new(m), 2, ins), *bj = with_invars(m, ir_jaxpr_new(m), 2, ins);
  one_eqn(m, cj, P_lt, av(DT_BOOL, 0), 0);
  ir_eqn *add = ir_add_eqn(m, bj, P_add, 2, 1, 0, span_make(0, 0));
  ir_lit one = {.dtype = DT_I32, .i = 1};
  add->in[0] = ATOM_VAR(bj->invars[0]), add->in[1] = ir_new_lit(m, &one);
  add->out[0] = ir_new_var(m, &i);
  bj->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  bj->outs[0] = ATOM_VAR(add->out[0]);
  bj->nout = 1; /* body invars: (n, i); it reads only i */
  add->in[0] = ATOM_VAR(bj->invars[1]);
  /* top: while[cond_nconsts=1 body_nconsts=1](n, n, i) */
  tj_aval tins[3] = {i, i, i};
  with_invars(m, m->top, 3, tins);
  ir_eqn *w = one_eqn(m, m->top, P_while, i, 4);
  w->nout = 1;
  w->params[0] = (ir_param){"body_jaxpr", pv_jaxpr(m, bj)};
  w->params[1] = (ir_param){"body_nconsts", pv_int(m, 1)};
  w->params[2] = (ir_param){"cond_jaxpr", pv_jaxpr(m, cj)};
  w->params[3] = (ir_param){"cond_nconsts", pv_int(m, 1)};
  /* cond is lt(carry?, n?): its invars are (n, i), so swap to i < n */
  ir_eqn *lt = &cj->eqns[0];
  lt->in[0] = ATOM_VAR(cj->invars[1]), lt->in[1] = ATOM_VAR(cj->invars[0]);
  double nv[] = {n}, sv[] = {start};
  tj_array *in[3] = {arr(i, nv), arr(i, nv), arr(i, sv)};
  tj_array *r = run(m, in, 3);
  double v = r ? array_get_f(r, 0) : NAN;
  array_free(r);
  ir_free(m);
  return v;
}

static void test_while(void) {
  CHECK(count_to(0, 5) == 5);
  CHECK(count_to(9, 5) == 9); /* zero iterations */
}

/* scan over xs f32[4] with carry c: c' = c + x, y = c' (a cumsum). */
static void test_scan(void) {
  for (int rev = 0; rev < 2; rev++) {
    ir_module *m = ir_new(NULL);
    tj_aval s = av(DT_F32, 0), ins[2] = {s, s};
    ir_jaxpr *body = with_invars(m, ir_jaxpr_new(m), 2, ins);
    one_eqn(m, body, P_add, s, 0);
    body->outs = ARENA_ARRAY(&m->arena, ir_atom, 2);
    body->outs[0] = body->outs[1] = ATOM_VAR(body->eqns[0].out[0]);
    body->nout = 2;
    tj_aval tins[2] = {s, av(DT_F32, 1, 4)};
    with_invars(m, m->top, 2, tins);
    ir_eqn *e = ir_add_eqn(m, m->top, P_scan, 2, 2, 5, span_make(0, 0));
    e->in[0] = ATOM_VAR(m->top->invars[0]), e->in[1] = ATOM_VAR(m->top->invars[1]);
    e->out[0] = ir_new_var(m, &s), e->out[1] = ir_new_var(m, &tins[1]);
    e->params[0] = (ir_param){"jaxpr", pv_jaxpr(m, body)};
    e->params[1] = (ir_param){"length", pv_int(m, 4)};
    e->params[2] = (ir_param){"num_carry", pv_int(m, 1)};
    e->params[3] = (ir_param){"num_consts", pv_int(m, 0)};
    e->params[4] = (ir_param){"reverse", pv_bool(m, rev)};
    m->top->outs = ARENA_ARRAY(&m->arena, ir_atom, 2);
    m->top->outs[0] = ATOM_VAR(e->out[1]), m->top->outs[1] = ATOM_VAR(e->out[0]);
    m->top->nout = 2;
    double c0[] = {100}, xs[] = {1, 2, 3, 4};
    tj_array *in[2] = {arr(s, c0), arr(tins[1], xs)};
    tj_array *r = run(m, in, 2);
    CHECK_AT(r, 0, rev ? 110 : 101);
    CHECK_AT(r, 3, rev ? 104 : 110);
    array_free(r);
    ir_free(m);
  }
}

/* cond over two branches (neg, identity); an index out of range runs the
 * last branch, as XLA's Conditional does. */
static void test_cond(void) {
  double want[] = {-3, 3, 3, 3}, idx[] = {0, 1, 5, -1};
  for (int k = 0; k < 4; k++) {
    ir_module *m = ir_new(NULL);
    tj_aval s = av(DT_F32, 0), ins[2] = {av(DT_I32, 0), s};
    ir_jaxpr *b0 = with_invars(m, ir_jaxpr_new(m), 1, &s), *b1 = with_invars(m, ir_jaxpr_new(m), 1, &s);
    one_eqn(m, b0, P_neg, s, 0);
    b1->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
    b1->outs[0] = ATOM_VAR(b1->invars[0]);
    b1->nout = 1;
    with_invars(m, m->top, 2, ins);
    ir_eqn *e = one_eqn(m, m->top, P_cond, s, 1);
    pval *br = pv_seq(m, PV_TUPLE, 2);
    br->items[0] = pv_jaxpr(m, b0), br->items[1] = pv_jaxpr(m, b1);
    e->params[0] = (ir_param){"branches", br};
    double x[] = {3};
    tj_array *in[2] = {arr(ins[0], &idx[k]), arr(s, x)};
    tj_array *r = run(m, in, 2);
    CHECK_AT(r, 0, want[k]);
    array_free(r);
    ir_free(m);
  }
}

static void test_bitwise_and_math(void) {
  tj_aval i4 = av(DT_I32, 1, 4), b4 = av(DT_BOOL, 1, 4), f4 = av(DT_F32, 1, 4);
  double x[] = {12, -1, 0, 5}, y[] = {10, 7, 3, 5};
  tj_array *r = binary(P_and, i4, x, y, i4);
  CHECK_AT(r, 0, 8); CHECK_AT(r, 1, 7);
  array_free(r);
  r = binary(P_xor, i4, x, y, i4);
  CHECK_AT(r, 0, 6); CHECK_AT(r, 3, 0);
  array_free(r);
  r = unary(P_not, i4, x);
  CHECK_AT(r, 0, -13); CHECK_AT(r, 2, -1);
  array_free(r);
  double p[] = {1, 0, 1, 0}, q[] = {1, 1, 0, 0};
  r = unary(P_not, b4, p);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 1);
  array_free(r);
  /* clz on the dtype's bits: clz(0) is the width, a negative has none */
  r = unary(P_clz, i4, x);
  CHECK_AT(r, 0, 28); CHECK_AT(r, 1, 0); CHECK_AT(r, 2, 32); CHECK_AT(r, 3, 29);
  array_free(r);
  tj_aval u8 = av(DT_U8, 1, 4), i16 = av(DT_I16, 1, 4), u64 = av(DT_U64, 1, 4);
  double bytes[] = {0, 1, 128, 255}, shorts[] = {-1, 1, 0, 256}, longs[] = {0, 1, 4294967296.0, 4611686018427387904.0};
  r = unary(P_clz, u8, bytes);
  CHECK_AT(r, 0, 8); CHECK_AT(r, 1, 7); CHECK_AT(r, 2, 0); CHECK_AT(r, 3, 0);
  array_free(r);
  r = unary(P_clz, i16, shorts);
  CHECK_AT(r, 0, 0); CHECK_AT(r, 1, 15); CHECK_AT(r, 2, 16); CHECK_AT(r, 3, 7);
  array_free(r);
  r = unary(P_clz, u64, longs);
  CHECK_AT(r, 0, 64); CHECK_AT(r, 1, 63); CHECK_AT(r, 2, 31); CHECK_AT(r, 3, 1);
  array_free(r);
  r = binary(P_or, b4, p, q, b4);
  CHECK_AT(r, 0, 1); CHECK_AT(r, 3, 0);
  array_free(r);
  r = binary(P_min, i4, x, y, i4);
  CHECK_AT(r, 0, 10); CHECK_AT(r, 1, -1);
  array_free(r);
  double v[] = {1, 0, -1, 0.5};
  tj_array *e2 = unary(P_exp2, f4, v), *l1 = unary(P_log1p, f4, v), *ta = unary(P_tanh, f4, v);
  CHECK_AT(e2, 0, 2); CHECK_AT(e2, 2, 0.5);
  CHECK_AT(l1, 1, 0); CHECK_AT(l1, 2, -INFINITY);
  CHECK_AT(ta, 3, tanhf(0.5f));
  array_free(e2), array_free(l1), array_free(ta);
  r = binary(P_atan2, f4, v, y, f4);
  CHECK_AT(r, 1, 0); CHECK_AT(r, 0, atan2f(1, 10));
  array_free(r);
}

/* jit runs its sub-jaxpr on the operands. */
static void test_jit(void) {
  ir_module *m = ir_new(NULL);
  tj_aval s = av(DT_F32, 0);
  ir_jaxpr *sub = with_invars(m, ir_jaxpr_new(m), 1, &s);
  one_eqn(m, sub, P_exp, s, 0);
  with_invars(m, m->top, 1, &s);
  ir_eqn *e = one_eqn(m, m->top, P_jit, s, 2);
  e->params[0] = (ir_param){"name", pv_name(m, "g")};
  e->params[1] = (ir_param){"jaxpr", pv_jaxpr(m, sub)};
  double x[] = {0};
  tj_array *in[1] = {arr(s, x)};
  tj_array *r = run(m, in, 1);
  CHECK_AT(r, 0, 1);
  array_free(r);
  ir_free(m);
}

/* An array over the element limit is an error, not a crash or a leak
 * (with a budget that lets the run start: its 2^34 elements are more work
 * than the default's). */
static void test_too_large(void) {
  ir_module *m = ir_new(NULL);
  tj_aval big = av(DT_F32, 3, 65536, 65536, 4);
  ir_eqn *e = one_eqn(m, m->top, P_iota, big, 1);
  e->params[0] = (ir_param){"dimension", pv_int(m, 0)};
  tj_array *out[1] = {0};
  const diag_list *d = harness_at()->d;
  CHECK(eval_jaxpr_budget(harness_at(), m, m->top, NULL, out, TJ_WORK_SATURATED) == TJ_ERR_PROGRAM);
  CHECK(strstr(harness_error(), "cannot allocate") != NULL);
  CHECK(eval_jaxpr(harness_at(), m, m->top, NULL, out) == TJ_ERR_BUDGET);
  /* the error (of kind budget) and its note */
  CHECK(d->tail->level == DIAG_NOTE && d->tail != d->head);
  const tj_diag *error = d->head;
  while (error->next != d->tail) error = error->next;
  CHECK_STR(error->msg, "too much work (limit is 10000000000 elements read and written): does a loop ever end?");
  CHECK(error->kind == DIAG_KIND_BUDGET);
  ir_free(m);
}

int main(void) {
  test_integer_edges();
  test_float_edges();
  test_total_order();
  test_convert();
  test_select_clamp_broadcast();
  test_reductions();
  test_dot_general();
  test_moves();
  test_scatter();
  test_while();
  test_scan();
  test_cond();
  test_bitwise_and_math();
  test_jit();
  test_too_large();
  return HARNESS_REPORT();
}
