/* The block kernels against the reference evaluator: every kernel of
 * tjk_all() runs on data mixing edge values (NaN, +-inf, +-0, subnormals,
 * the largest values), random bit patterns and wide and narrow ranges, and
 * its result is compared with eval_jaxpr running the same primitive:
 * bit-exact for the exact kernels, within elem.def's ulp bound for the
 * transcendentals (measured over 2^20 values each), within the stated
 * rounding-order bound for float sums and products. Also: block sizes 0, 1,
 * 7, 1023, 1024, 1025, in-place calls (o == a, o == b), the sink
 * kernels folding a row in blocks (the bits of the row's kernel), the
 * table and the prototypes. TJK_VERBOSE=1 prints each kernel's measured maximum. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "harness.h"
#include "kernels.h"

#define MEASURE_N (1L << 20) /* values per transcendental kernel */
#define EXACT_N (1L << 16)   /* values per exact kernel */

static bool verbose;

/* ---- the bounds, elem.def's ulps columns (in the table) ---- */

static int ulp_bound(const tjk_kernel *k) { return k->ulps; }

/* ---- data ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t next_u64(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * (double)(next_u64() >> 11) * 0x1p-53; }

static const double edges[] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.0, 3.0,
    0x1p-149, -0x1p-149, 0x1.fffffcp-127, 0x1p-126, -0x1p-126, 0x1.fffffep127, -0x1.fffffep127,
    0x1p-1074, 0x1p-1022, -0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023,
    3.14159265358979, 1.5707963267949, 88.7, -103.9, 709.7, -745.2, 1e10, -1e20, 1e300,
    0.49999997, 0.50000006, 8388609.0, 4194304.5, -4194304.5, 4503599627370497.0, 0.1, -0.7};
#define NEDGES ((long)(sizeof edges / sizeof edges[0]))

/* Element i of a test vector: the edge values first, then a mix of random
 * bit patterns, wide and narrow ranges and small integers. */
static double sample(tj_dtype t, long i) {
  if (i < NEDGES) return edges[i];
  uint64_t r = next_u64();
  switch (r % 6) {
  case 0: if (t == DT_F32) { uint32_t b = (uint32_t)(r >> 32); float f; memcpy(&f, &b, 4); return f; }
          else { double d; memcpy(&d, &r, 8); return d; }
  case 1: return (r & 64 ? -1 : 1) * ldexp(uniform(1, 2), (int)uniform(-60, 60));
  case 2: return uniform(-1, 1);
  case 3: return uniform(-20, 20);
  case 4: return (double)((long)(r >> 40) % 11 - 5);
  default: return uniform(-1e4, 1e4);
  }
}

static tj_aval aval_n(tj_dtype t, long n) {
  tj_aval a = aval_scalar(t, false);
  if (n >= 0) a.rank = 1, a.dims[0] = n;
  return a;
}

static tj_array *new_array(tj_dtype t, long n) {
  tj_aval a = aval_n(t, n);
  return array_new(&a);
}

static tj_array *random_array(tj_dtype t, long n, bool with_edges) {
  tj_array *a = new_array(t, n);
  for (long i = 0; i < a->size; i++) array_set_f(a, i, sample(t, with_edges ? i : NEDGES + i));
  return a;
}

/* ---- the oracle: one equation through eval_jaxpr ---- */

static tj_array *eval_kernel(const tjk_kernel *k, const tj_array *a, const tj_array *b) {
  ir_module *m = ir_new(NULL);
  ir_jaxpr *j = m->top;
  int nin = b ? 2 : 1;
  j->invars = ARENA_ARRAY(&m->arena, uint32_t, nin);
  tj_aval in_av[2] = {array_aval(a, false), b ? array_aval(b, false) : array_aval(a, false)};
  for (int i = 0; i < nin; i++) j->invars[i] = ir_new_var(m, &in_av[i]);
  j->nin = (uint32_t)nin;
  bool reduce = k->form == TJK_REDUCE, round = k->prim == P_round;
  ir_eqn *e = ir_add_eqn(m, j, k->prim, j->nin, 1, reduce || round ? 1 : 0, span_make(0, 0));
  for (int i = 0; i < nin; i++) e->in[i] = ATOM_VAR(j->invars[i]);
  static const int64_t axis0[1] = {0};
  if (reduce) e->params[0] = (ir_param){"axes", pv_ints(m, PV_TUPLE, axis0, 1)};
  if (round) e->params[0] = (ir_param){"rounding_method", pv_int(m, 0)};
  tj_aval out_av = reduce ? aval_scalar(k->dtype, false) : (a->rank ? in_av[0] : in_av[1]);
  e->out[0] = ir_new_var(m, &out_av);
  j->outs = ARENA_ARRAY(&m->arena, ir_atom, 1);
  j->outs[0] = ATOM_VAR(e->out[0]);
  j->nout = 1;
  const tj_array *in[2] = {a, b};
  tj_array *out[1] = {NULL};
  if (eval_jaxpr(harness_at(), m, j, in, out) != TJ_OK) fprintf(stderr, "eval %s: %s\n", k->name, harness_error());
  ir_free(m);
  return out[0];
}

/* ---- comparing ---- */

/* Distance in representable values (-0 and +0 adjacent); both NaN: 0. */
static int64_t ulps(tj_dtype t, double x, double y) {
  if (x != x || y != y) return x != x && y != y ? 0 : INT64_MAX;
  int64_t ix, iy;
  if (t == DT_F32) {
    float fx = (float)x, fy = (float)y;
    int32_t bx, by;
    memcpy(&bx, &fx, 4), memcpy(&by, &fy, 4);
    ix = bx < 0 ? -(int64_t)(bx & 0x7fffffff) - 1 : bx;
    iy = by < 0 ? -(int64_t)(by & 0x7fffffff) - 1 : by;
  } else {
    memcpy(&ix, &x, 8), memcpy(&iy, &y, 8);
    ix = ix < 0 ? -(ix & INT64_MAX) - 1 : ix;
    iy = iy < 0 ? -(iy & INT64_MAX) - 1 : iy;
  }
  int64_t d = ix - iy;
  return d < 0 ? -d : d;
}

/* Same bits, or both NaN (payloads are not kept). */
static bool same(const tj_array *a, long i, const tj_array *b, long j) {
  int size = dtype_size(a->dtype);
  if (dtype_is_float(a->dtype)) {
    double x = array_get_f(a, i), y = array_get_f(b, j);
    if (x != x && y != y) return true;
  }
  return memcmp((char *)a->data + i * size, (char *)b->data + j * size, (size_t)size) == 0;
}

/* The largest distance between got and want over n elements (ints: 0 or
 * INT64_MAX); reports the first element past the bound. */
static int64_t max_ulps(const tjk_kernel *k, const tj_array *got, const tj_array *want, int64_t bound,
                        const tj_array *a, const tj_array *b) {
  int64_t worst = 0;
  bool reported = false;
  for (long i = 0; i < got->size; i++) {
    int64_t d = bound == 0 || !dtype_is_float(k->dtype) ? (same(got, i, want, i) ? 0 : INT64_MAX)
                                                        : ulps(k->dtype, array_get_f(got, i), array_get_f(want, i));
    if (d > bound && !reported) {
      reported = true;
      fprintf(stderr, "%s: element %ld: got %.17g, eval %.17g (x %.17g, y %.17g)\n", k->name, i,
              array_get_f(got, i), array_get_f(want, i), a->size > 1 ? array_get_f(a, a->size > i ? i : 0) : array_get_f(a, 0),
              b ? array_get_f(b, b->size > i ? i : 0) : 0.0);
    }
    if (d > worst) worst = d;
  }
  return worst;
}

/* ---- running a kernel ---- */

/* Calls elementwise kernel k through its real type: o = k(vector v, a or b). */
#define CALL_FORM(T)                                                                   \
  do {                                                                                 \
    T *out = o->data;                                                                  \
    const T *in = v;                                                                   \
    switch (k->form) {                                                                 \
    case TJK_UNARY: ((void (*)(T *, const T *, long))k->fn)(out, in, n); break;        \
    case TJK_VV: ((void (*)(T *, const T *, const T *, long))k->fn)(out, in, b->data, n); break; \
    case TJK_VS: ((void (*)(T *, const T *, T, long))k->fn)(out, in, *(T *)b->data, n); break; \
    case TJK_SV: ((void (*)(T *, T, const T *, long))k->fn)(out, *(T *)a->data, in, n); break; \
    default: break;                                                                    \
    }                                                                                  \
  } while (0)

static void call_elementwise(const tjk_kernel *k, tj_array *o, const void *v, const tj_array *a,
                             const tj_array *b, long n) {
  if (k->dtype == DT_F32) CALL_FORM(float);
  else if (k->dtype == DT_F64) CALL_FORM(double);
  else CALL_FORM(int);
}

/* Runs an elementwise kernel on a (and b, either may be a rank-0 scalar)
 * into a new array; in_place runs it on a copy of the vector operand. */
static tj_array *run_elementwise(const tjk_kernel *k, const tj_array *a, const tj_array *b, bool in_place) {
  const tj_array *vec = k->form == TJK_SV ? b : a;
  tj_array *o = array_copy(vec);
  call_elementwise(k, o, in_place ? o->data : vec->data, a, b, (long)o->size);
  return o;
}

/* VV in place on b: o == b. */
static tj_array *run_vv_into_b(const tjk_kernel *k, const tj_array *a, const tj_array *b) {
  tj_array *o = array_copy(b);
  const tj_array b_alias = *o;
  call_elementwise(k, o, a->data, a, &b_alias, (long)o->size);
  return o;
}

/* Checks one elementwise call against eval and against itself in place;
 * returns the largest ulp distance from eval. */
static int64_t check_elementwise(const tjk_kernel *k, const tj_array *a, const tj_array *b) {
  int64_t bound = ulp_bound(k);
  tj_array *want = eval_kernel(k, a, b), *got = run_elementwise(k, a, b, false);
  tj_array *inplace = run_elementwise(k, a, b, true);
  int64_t worst = INT64_MAX;
  if (want && got->size == want->size) worst = max_ulps(k, got, want, bound, a, b);
  CHECK(want != NULL && worst <= bound);
  bool same_in_place = true;
  for (long i = 0; i < got->size; i++) same_in_place &= same(got, i, inplace, i);
  if (!same_in_place) fprintf(stderr, "%s: in-place result differs (n %ld)\n", k->name, (long)got->size);
  CHECK(same_in_place);
  if (k->form == TJK_VV) {
    tj_array *into_b = run_vv_into_b(k, a, b);
    bool same_b = true;
    for (long i = 0; i < got->size; i++) same_b &= same(got, i, into_b, i);
    CHECK(same_b);
    array_free(into_b);
  }
  array_free(want), array_free(got), array_free(inplace);
  return worst;
}

/* i32, or u32 (the same bits; small: below 1000, so that shift amounts
 * both inside and outside [0, 32) come up). */
static tj_array *int_array(tj_dtype t, long n, bool small) {
  tj_array *a = new_array(t, n);
  static const int64_t int_edges[] = {0, 1, -1, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 65536, -65536};
  for (long i = 0; i < a->size; i++) {
    int64_t r = (int64_t)(int32_t)(uint32_t)next_u64();
    r = i < 9 ? int_edges[i] : small ? r % 1000 : r;
    array_set_i(a, i, t == DT_U32 ? (int64_t)(uint32_t)r : r);
  }
  return a;
}

static bool is_int(tj_dtype t) { return t == DT_I32 || t == DT_U32; }

static tj_array *operand(tj_dtype t, long n, bool with_edges) {
  return is_int(t) ? int_array(t, n, (next_u64() & 1) != 0) : random_array(t, n, with_edges);
}

static const double scalars[] = {0.5, -3.0, NAN, INFINITY, -0.0, 2.5, 1e-40, 7.0};
/* u32 scalars: shift amounts inside [0, 32), at its ends and past them */
static const int64_t int_scalars[] = {0, 1, 9, 31, 32, 33, 1000, 0xFFFFFFFF};

/* Every elementwise kernel at block sizes 0, 1, 7, 1023, 1024, 1025 and
 * at its measuring size; VS/SV with several scalars. */
static void test_elementwise(const tjk_kernel *k) {
  static const long sizes[] = {0, 1, 7, 1023, 1024, 1025};
  int64_t worst = 0, w;
  bool measured = ulp_bound(k) > 0;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    long n = sizes[s];
    for (int rep = 0; rep < (k->form == TJK_VS || k->form == TJK_SV ? 8 : 1); rep++) {
      tj_array *a = operand(k->dtype, n, true), *b = NULL;
      if (k->form != TJK_UNARY) {
        b = operand(k->dtype, k->form == TJK_VV ? n : -1, false);
        if (b->rank == 0 && !is_int(k->dtype)) array_set_f(b, 0, scalars[rep]);
        else if (b->rank == 0 && k->dtype == DT_U32) array_set_i(b, 0, int_scalars[rep]);
        if (k->form == TJK_SV) { tj_array *t = a; a = b, b = t; }
      }
      w = check_elementwise(k, a, b);
      worst = w > worst ? w : worst;
      array_free(a), array_free(b);
    }
  }
  if (k->form == TJK_UNARY || k->form == TJK_VV) {
    long n = measured ? MEASURE_N : EXACT_N;
    tj_array *a = operand(k->dtype, n, true), *b = k->form == TJK_VV ? operand(k->dtype, n, false) : NULL;
    w = check_elementwise(k, a, b);
    worst = w > worst ? w : worst;
    array_free(a), array_free(b);
  }
  if (verbose) printf("# %-18s max %lld ulp (bound %d)\n", k->name, (long long)worst, ulp_bound(k));
}

/* ---- reductions ---- */

static double call_reduce(const tjk_kernel *k, const tj_array *a) {
  long n = (long)a->size;
  if (k->dtype == DT_F32) return ((float (*)(const float *, long))k->fn)(a->data, n);
  if (k->dtype == DT_F64) return ((double (*)(const double *, long))k->fn)(a->data, n);
  return ((int (*)(const int *, long))k->fn)(a->data, n);
}

/* Max/min (any dtype) and integer sums are exact: same bits as eval. */
static void check_reduce_exact(const tjk_kernel *k, const tj_array *a) {
  tj_array *want = eval_kernel(k, a, NULL), *got = new_array(k->dtype, -1);
  if (k->dtype == DT_F32) *(float *)got->data = ((float (*)(const float *, long))k->fn)(a->data, (long)a->size);
  else if (k->dtype == DT_F64) *(double *)got->data = ((double (*)(const double *, long))k->fn)(a->data, (long)a->size);
  else *(int *)got->data = ((int (*)(const int *, long))k->fn)(a->data, (long)a->size);
  /* bits, NaN payloads included: the first NaN is the answer */
  bool ok = want && memcmp(got->data, want->data, (size_t)dtype_size(k->dtype)) == 0;
  if (!ok) fprintf(stderr, "%s (n %ld): got %.17g, eval %.17g\n", k->name, (long)a->size, array_get_f(got, 0),
                   want ? array_get_f(want, 0) : NAN);
  CHECK(ok);
  array_free(want), array_free(got);
}

/* Float sums and products: within the bound of kernels.h both of the
 * exact value (long double) and of eval's sequential result. */
static void check_reduce_rounding(const tjk_kernel *k, const tj_array *a) {
  long n = (long)a->size, lanes = 256 / dtype_size(k->dtype);
  bool sum = k->prim == P_reduce_sum;
  long double exact = sum ? 0 : 1, mag = 0;
  for (long i = 0; i < n; i++) {
    long double x = array_get_f(a, i);
    if (sum) exact += x, mag += fabsl(x);
    else exact *= x;
  }
  if (!sum) mag = fabsl(exact);
  double u = k->dtype == DT_F32 ? 0x1p-24 : 0x1p-53;
  /* a sum's element meets m roundings; a product meets all n - 1 of them */
  double m = sum ? (double)((n + lanes - 1) / lanes) + log2((double)lanes) + 1 : (double)n;
  double got = call_reduce(k, a);
  tj_array *want = eval_kernel(k, a, NULL);
  double ev = want ? array_get_f(want, 0) : NAN;
  bool near_exact = fabsl((long double)got - exact) <= 1.01L * m * u * mag;
  bool near_eval = fabsl((long double)got - ev) <= 1.01L * (m + (double)n) * u * mag;
  if (!near_exact || !near_eval)
    fprintf(stderr, "%s (n %ld): got %.17g, eval %.17g, exact %.17Lg\n", k->name, n, got, ev, exact);
  CHECK(near_exact && near_eval);
  array_free(want);
}

/* Hand-picked arrays where order could show: NaNs with payloads, signed
 * zeros (for rmin, -1 - i % 4 makes the minimum non-zero), infinities,
 * all-equal extremes. */
static void test_reduce_special(const tjk_kernel *k) {
  double nan2;  /* a quiet NaN with a payload that survives the f32 round trip */
  uint64_t bits = 0x7ffc000000000000u;
  memcpy(&nan2, &bits, 8);
  static const long sizes[] = {0, 1, 7, 1023, 1024, 1025};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    long n = sizes[s];
    for (int pattern = 0; pattern < 8; pattern++) {
      if (pattern == 6 && k->prim == P_reduce_prod) continue; /* overflows, then inf * 0: order shows */
      tj_array *a = new_array(k->dtype, n);
      for (long i = 0; i < n; i++) {
        double v = pattern == 0 ? (i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : -1.0)
                 : pattern == 1 ? (i % 2 ? 0.0 : -0.0)
                 : pattern == 2 ? (i == n / 2 ? nan2 : i == n - 1 ? NAN : (double)(i % 17) - 8)
                 : pattern == 3 ? (i % 5 == 3 ? INFINITY : (double)(i % 7))
                 : pattern == 4 ? -INFINITY
                 : pattern == 5 ? (i % 7 == 4 ? -0.0 : 1.0 + (double)(i % 3))
                 /* the first zero or NaN outside lane 0, a later one in it */
                 : pattern == 6 ? (i == 5 ? 0.0 : i == 64 || i == n - 1 ? -0.0 : -1.0 - (double)(i % 4))
                 : (i == 5 ? nan2 : i == 64 || i == n - 1 ? -NAN : (double)(i % 9));
        array_set_f(a, i, v);
      }
      if (k->prim == P_reduce_max || k->prim == P_reduce_min || k->dtype == DT_I32) check_reduce_exact(k, a);
      else {
        tj_array *want = eval_kernel(k, a, NULL);
        double got = call_reduce(k, a), ev = want ? array_get_f(want, 0) : NAN;
        bool ok = (got != got && ev != ev) || got == ev || fabs(got - ev) <= 1e-6 * fabs(ev);
        if (!ok) fprintf(stderr, "%s pattern %d n %ld: got %.17g, eval %.17g\n", k->name, pattern, n, got, ev);
        CHECK(ok);
        array_free(want);
      }
      array_free(a);
    }
  }
}

static void test_reduce(const tjk_kernel *k) {
  static const long sizes[] = {0, 1, 7, 63, 64, 65, 1023, 1024, 1025, 100003};
  bool exact = k->prim == P_reduce_max || k->prim == P_reduce_min || k->dtype == DT_I32;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    long n = sizes[s];
    tj_array *a;
    if (k->dtype == DT_I32) a = int_array(DT_I32, n, false);
    else if (exact) a = random_array(k->dtype, n, false);
    else {
      a = new_array(k->dtype, n);
      for (long i = 0; i < n; i++)  /* products near 1 stay in range; sums of mixed signs */
        array_set_f(a, i, k->prim == P_reduce_prod ? 1 + uniform(-1. / 64, 1. / 64) : uniform(-1, 1) * ldexp(1, (int)uniform(-8, 8)));
    }
    if (exact) check_reduce_exact(k, a);
    else check_reduce_rounding(k, a);
    array_free(a);
  }
  test_reduce_special(k);
}

/* ---- the sink reductions ---- */

/* The row a in blocks of `block` elements through k (a RACC kernel, each
 * told where its block starts) and
 * its RFIN, twice over one set of lanes (the finish resets them); both
 * results must have the bits of the row's REDUCE kernel (NaN payloads
 * included: max/min's first NaN), which test_reduce checks against eval. */
static void check_sink(const tjk_kernel *k, const tj_array *a, long block) {
  const tjk_kernel *row = tjk_find(k->prim, k->dtype, TJK_REDUCE), *fin = tjk_find(k->prim, k->dtype, TJK_RFIN);
  CHECK(row && fin);
  if (!row || !fin) return;
  long n = (long)a->size, size = dtype_size(k->dtype), lanes = 256 / size;
  double ident = k->prim == P_reduce_sum ? 0 : k->prim == P_reduce_prod ? 1 : k->prim == P_reduce_max ? -INFINITY : INFINITY;
  double acc[32];
  float acc32[64];
  void *lanes_p = k->dtype == DT_F32 ? (void *)acc32 : (void *)acc;
  for (long j = 0; j < lanes; j++) k->dtype == DT_F32 ? (void)(acc32[j] = (float)ident) : (void)(acc[j] = ident);
  unsigned char want[8] = {0}, got[8] = {0};
  if (k->dtype == DT_F32) {
    float w = ((float (*)(const float *, long))row->fn)(a->data, n);
    memcpy(want, &w, 4);
  } else {
    double w = ((double (*)(const double *, long))row->fn)(a->data, n);
    memcpy(want, &w, 8);
  }
  for (int pass = 0; pass < 2; pass++) {
    for (long o = 0; o < n; o += block) {
      long m = n - o < block ? n - o : block;
      const char *at = (const char *)a->data + o * size;
      ((void (*)(void *, const void *, long, long))k->fn)(lanes_p, at, m, o);
    }
    if (k->dtype == DT_F32) {
      float r = ((float (*)(float *))fin->fn)(acc32);
      memcpy(got, &r, 4);
    } else {
      double r = ((double (*)(double *))fin->fn)(acc);
      memcpy(got, &r, 8);
    }
    /* a sum's or product's NaN is any NaN (two NaN operands: which one an
     * addition keeps depends on the instruction's operand order); max's
     * and min's is the first one, to the bit */
    bool extreme = k->prim == P_reduce_max || k->prim == P_reduce_min;
    float gf, wf;
    double gv, wv;
    memcpy(&gf, got, 4), memcpy(&wf, want, 4), memcpy(&gv, got, 8), memcpy(&wv, want, 8);
    if (k->dtype == DT_F32) gv = gf, wv = wf;
    bool ok = memcmp(got, want, (size_t)size) == 0 || (!extreme && gv != gv && wv != wv);
    if (!ok) fprintf(stderr, "%s (n %ld, blocks of %ld, pass %d): not the bits of %s\n", k->name, n, block, pass,
                     row->name);
    CHECK(ok);
  }
}

/* Every sink kernel against its row kernel: rows around L and the
 * backend's block (1024), blocks of L, 1024 and 4096 and of 100, 1000
 * and 1 (blocks starting between lanes, as rows not a multiple of L
 * make), edge values and NaN/zero placements (max/min's first NaN, first
 * zero). */
static void test_sink(const tjk_kernel *k) {
  static const long sizes[] = {0, 1, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 4095, 4096, 4097, 100003};
  static const long blocks[] = {64, 1024, 4096, 100, 1000, 1};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    for (int pattern = 0; pattern < 4; pattern++) {
      long n = sizes[s];
      tj_array *a = random_array(k->dtype, n, pattern == 0);
      for (long i = 0; i < n && pattern >= 2; i++) /* finite, then a NaN or zeros late */
        array_set_f(a, i, k->prim == P_reduce_prod ? 1 + uniform(-1. / 64, 1. / 64) : uniform(-1, 1));
      if (pattern == 2 && n) array_set_f(a, n - 1 - n / 3, -0.0), array_set_f(a, n - 1, 0.0);
      if (pattern == 3 && n > 2) array_set_f(a, n / 2 + 1, -NAN), array_set_f(a, n - 1, NAN);
      for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
        if (blocks[b] > 1 || n < 5000) check_sink(k, a, blocks[b]);
      array_free(a);
    }
}

/* ---- the table ---- */

/* The kernels kernels.def's rows (elem.def's included) make: f32 and f64
 * of a float unary row, vv vs sv of each for a float binary one, vv vs sv
 * for an i32 one and for a u32 one (elem.def's integer-only rows), one
 * per reduction. */
enum {
#define FUNARY(op, param, e, u32, u64) ROW_##op##_funary, ROW_##op##_funary_f64,
#define FBINARY(op, e, u32, u64) ROW_##op##_fbinary, ROW_##op##_fb1, ROW_##op##_fb2, ROW_##op##_fb3, \
  ROW_##op##_fb4, ROW_##op##_fb5,
#define IBINARY(op, e) ROW_##op##_ibinary, ROW_##op##_ib1, ROW_##op##_ib2,
#define UBINARY(op, e) ROW_##op##_ubinary, ROW_##op##_ub1, ROW_##op##_ub2,
#define REDUCE(name, prim, t, T, body) ROW_##name##_##t,
#define SINK(op, prim, t, T, kind) ROW_racc_##op##_##t, ROW_rfin_##op##_##t,
#include "kernels.def"
#undef FUNARY
#undef FBINARY
#undef IBINARY
#undef UBINARY
#undef REDUCE
#undef SINK
  KERNELS_OF_ROWS
};

static void test_table(void) {
  int count;
  const tjk_kernel *all = tjk_all(&count);
  CHECK(count == KERNELS_OF_ROWS);
  CHECK(KERNELS_OF_ROWS >= 2 * 22 + 2 * 8 * 3 + 5 * 3 + 11); /* the kernels before elem.def */
  int unique = 1;
  for (int i = 0; i < count; i++) {
    const tjk_kernel *k = &all[i];
    CHECK(tjk_find(k->prim, k->dtype, k->form) == k);
    const char *proto = tjk_prototype(k);
    CHECK(proto && strstr(proto, k->name) && proto[strlen(proto) - 1] == ';');
    for (int j = 0; j < i; j++) unique &= strcmp(all[j].name, k->name) != 0;
  }
  CHECK(unique);
  CHECK_STR(tjk_prototype(tjk_find(P_sin, DT_F32, TJK_UNARY)), "void tjk_sin_f32(float *, const float *, long);");
  CHECK_STR(tjk_prototype(tjk_find(P_add, DT_F64, TJK_VV)),
            "void tjk_add_f64_vv(double *, const double *, const double *, long);");
  CHECK_STR(tjk_prototype(tjk_find(P_mul, DT_F32, TJK_VS)), "void tjk_mul_f32_vs(float *, const float *, float, long);");
  CHECK_STR(tjk_prototype(tjk_find(P_sub, DT_I32, TJK_SV)), "void tjk_sub_i32_sv(int *, int, const int *, long);");
  CHECK_STR(tjk_prototype(tjk_find(P_reduce_sum, DT_F32, TJK_REDUCE)), "float tjk_rsum_f32(const float *, long);");
  CHECK_STR(tjk_prototype(tjk_find(P_shift_right_logical, DT_U32, TJK_VS)),
            "void tjk_shift_right_logical_u32_vs(unsigned *, const unsigned *, unsigned, long);");
  CHECK(tjk_find(P_add, DT_U32, TJK_VV) == NULL);
  CHECK(tjk_find(P_rem, DT_F32, TJK_VV) == NULL);
  CHECK(tjk_find(P_sin, DT_I32, TJK_UNARY) == NULL);
  CHECK(tjk_find(P_reduce_prod, DT_I32, TJK_REDUCE) == NULL);
  tjk_kernel stranger = all[0];
  CHECK(tjk_prototype(&stranger) == NULL);
}

int main(void) {
  const char *v = getenv("TJK_VERBOSE");
  verbose = v && *v && strcmp(v, "0") != 0;
  test_table();
  int count;
  const tjk_kernel *all = tjk_all(&count);
  for (int i = 0; i < count; i++) {
    if (all[i].form == TJK_REDUCE) test_reduce(&all[i]);
    else if (all[i].form == TJK_RACC) test_sink(&all[i]);
    else if (all[i].form != TJK_RFIN) test_elementwise(&all[i]);
  }
  return HARNESS_REPORT();
}
