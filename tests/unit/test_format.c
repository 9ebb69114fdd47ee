/* Unit tests for format.c: arrays printed as JSON and as JAX prints them
 * (repr of a jax.Array, NumPy >= 2.3 print rules). The expected texts
 * follow numpy/_core/arrayprint.py and jax/_src/array.py by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "harness.h"

static tj_array *make(tj_dtype t, int rank, const int64_t *dims, const double *v, int n) {
  tj_aval av = aval_scalar(t, false);
  av.rank = (uint8_t)rank;
  for (int i = 0; i < rank; i++) av.dims[i] = dims[i];
  tj_array *a = array_new(&av);
  for (int64_t i = 0; i < a->size; i++) array_set_f(a, i, n ? v[i % n] : (double)i);
  return a;
}

static char out[8192];

static const char *text(tj_dtype t, int rank, const int64_t *dims, const double *v, int n, bool json) {
  tj_array *a = make(t, rank, dims, v, n);
  tj_buf b = {0};
  if (json) array_format_json(a, &b);
  else array_format_text(a, &b);
  snprintf(out, sizeof out, "%s", b.data);
  buf_free(&b);
  array_free(a);
  return out;
}

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define V(...) ((const double[]){__VA_ARGS__}), (int)(sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
#define TEXT(t, r, d, ...) text(t, r, d, __VA_ARGS__, false)
#define JSON(t, r, d, ...) text(t, r, d, __VA_ARGS__, true)

static void test_basic(void) {
  CHECK_STR(TEXT(DT_F32, 1, D(3), V(1, 2, 3)), "Array([1., 2., 3.], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 0, NULL, V(10)), "Array(10., dtype=float32)");
  CHECK_STR(TEXT(DT_I32, 1, D(2), V(1, 2)), "Array([1, 2], dtype=int32)");
  CHECK_STR(TEXT(DT_I32, 0, NULL, V(-7)), "Array(-7, dtype=int32)");
  CHECK_STR(TEXT(DT_BOOL, 1, D(2), V(1, 0)), "Array([ True, False], dtype=bool)");
  CHECK_STR(TEXT(DT_BOOL, 1, D(2), V(1, 1)), "Array([ True,  True], dtype=bool)");
  CHECK_STR(TEXT(DT_BOOL, 0, NULL, V(1)), "Array(True, dtype=bool)");
  CHECK_STR(TEXT(DT_I32, 1, D(3), V(5, -10, 200)), "Array([  5, -10, 200], dtype=int32)");
  CHECK_STR(TEXT(DT_U8, 1, D(2), V(0, 255)), "Array([  0, 255], dtype=uint8)");
  CHECK_STR(TEXT(DT_F32, 1, D(0), V(0)), "Array([], shape=(0,), dtype=float32)");
  CHECK_STR(TEXT(DT_I32, 2, D(2, 0), V(0)), "Array([], shape=(2, 0), dtype=int32)");
  tj_aval av = aval_scalar(DT_F32, true);
  tj_array *a = array_new(&av);
  array_set_f(a, 0, 10);
  tj_buf b = {0};
  array_format_text_weak(a, true, &b);
  CHECK_STR(b.data, "Array(10., dtype=float32, weak_type=True)");
  buf_free(&b);
  array_free(a);
}

static void test_floats(void) {
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(1.5, 2)), "Array([1.5, 2. ], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(0.1, 0.2)), "Array([0.1, 0.2], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(-0.0, 1)), "Array([-0.,  1.], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 0, NULL, V(1.0 / 3)), "Array(0.33333334, dtype=float32)");
  CHECK_STR(TEXT(DT_F64, 0, NULL, V(1.0 / 3)), "Array(0.33333333, dtype=float64)");
  CHECK_STR(TEXT(DT_F64, 1, D(2), V(0.5, 0.123456789)), "Array([0.5       , 0.12345679], dtype=float64)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(1e-5, 1)), "Array([1.e-05, 1.e+00], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(1.5e-5, -1)), "Array([ 1.5e-05, -1.0e+00], dtype=float32)");
  CHECK_STR(TEXT(DT_F64, 1, D(3), V(1e-20, -2.5e100, 3)),
            "Array([ 1.0e-020, -2.5e+100,  3.0e+000], dtype=float64)");
  /* the large-value cutoff: 1e6 for float32 (NumPy >= 2.3), 1e8 for float64 */
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(999999, 999999)), "Array([999999., 999999.], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(1), V(1e6)), "Array([1.e+06], dtype=float32)");
  CHECK_STR(TEXT(DT_F64, 1, D(1), V(1e6)), "Array([1000000.], dtype=float64)");
  CHECK_STR(TEXT(DT_F64, 1, D(1), V(1e8)), "Array([1.e+08], dtype=float64)");
  /* ratio over 1000, and the float32 comparison of 0.0001 */
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(1, 1001)), "Array([1.000e+00, 1.001e+03], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(1), V(0.0001)), "Array([0.0001], dtype=float32)");
  CHECK_STR(TEXT(DT_F64, 1, D(1), V(0.0001)), "Array([0.0001], dtype=float64)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(NAN, 1)), "Array([nan,  1.], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(-INFINITY, 1)), "Array([-inf,   1.], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(2), V(INFINITY, NAN)), "Array([inf, nan], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 1, D(3), V(NAN, 1e-5, 1)), "Array([   nan, 1.e-05, 1.e+00], dtype=float32)");
  CHECK_STR(TEXT(DT_F32, 0, NULL, V(NAN)), "Array(nan, dtype=float32)");
}

static void test_layout(void) {
  CHECK_STR(TEXT(DT_F32, 2, D(2, 3), V(1)), "Array([[1., 1., 1.],\n       [1., 1., 1.]], dtype=float32)");
  CHECK_STR(TEXT(DT_I32, 3, D(2, 1, 2), NULL, 0), "Array([[[0, 1]],\n\n       [[2, 3]]], dtype=int32)");
  CHECK_STR(TEXT(DT_F32, 1, D(30), NULL, 0),
            "Array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n"
            "       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,\n"
            "       26., 27., 28., 29.], dtype=float32)");
  CHECK_STR(TEXT(DT_I32, 1, D(2000), NULL, 0), "Array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)");
  CHECK_STR(TEXT(DT_I32, 2, D(100, 100), NULL, 0),
            "Array([[   0,    1,    2, ...,   97,   98,   99],\n"
            "       [ 100,  101,  102, ...,  197,  198,  199],\n"
            "       [ 200,  201,  202, ...,  297,  298,  299],\n"
            "       ...,\n"
            "       [9700, 9701, 9702, ..., 9797, 9798, 9799],\n"
            "       [9800, 9801, 9802, ..., 9897, 9898, 9899],\n"
            "       [9900, 9901, 9902, ..., 9997, 9998, 9999]], dtype=int32)");
  /* a last line too long for the dtype: JAX pads with six spaces */
  CHECK_STR(TEXT(DT_F32, 1, D(13), V(0.5)),
            "Array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],      dtype=float32)");
}

static void test_json(void) {
  CHECK_STR(JSON(DT_F32, 1, D(3), V(1, 2.5, 0.1)), "{\"dtype\": \"f32\", \"shape\": [3], \"data\": [1.0, 2.5, 0.1]}");
  CHECK_STR(JSON(DT_F64, 1, D(2), V(0.1, 1.0 / 3)),
            "{\"dtype\": \"f64\", \"shape\": [2], \"data\": [0.1, 0.3333333333333333]}");
  CHECK_STR(JSON(DT_F32, 0, NULL, V(1.0 / 3)), "{\"dtype\": \"f32\", \"shape\": [], \"data\": 0.33333334}");
  CHECK_STR(JSON(DT_F32, 1, D(4), V(NAN, INFINITY, -INFINITY, 1e-7)),
            "{\"dtype\": \"f32\", \"shape\": [4], \"data\": [\"nan\", \"inf\", \"-inf\", 1e-07]}");
  CHECK_STR(JSON(DT_F32, 1, D(2), V(3e38, 16777216)),
            "{\"dtype\": \"f32\", \"shape\": [2], \"data\": [3e+38, 16777216.0]}");
  CHECK_STR(JSON(DT_I32, 2, D(2, 2), V(1, -2, 3, 4)), "{\"dtype\": \"i32\", \"shape\": [2, 2], \"data\": [[1, -2], [3, 4]]}");
  CHECK_STR(JSON(DT_BOOL, 1, D(2), V(1, 0)), "{\"dtype\": \"bool\", \"shape\": [2], \"data\": [true, false]}");
  CHECK_STR(JSON(DT_I64, 2, D(2, 0), V(0)), "{\"dtype\": \"i64\", \"shape\": [2, 0], \"data\": [[], []]}");
  CHECK_STR(JSON(DT_U32, 1, D(1), V(4294967295.0)), "{\"dtype\": \"u32\", \"shape\": [1], \"data\": [4294967295]}");
  /* every float32 round-trips through its JSON text */
  int bad = 0;
  uint32_t bits = 1;
  for (int i = 0; i < 20000; i++) {
    bits = bits * 1664525u + 1013904223u;
    float f;
    memcpy(&f, &bits, 4);
    if (!isfinite(f)) continue;
    const char *s = JSON(DT_F32, 0, NULL, V(f));
    const char *num = strstr(s, "\"data\": ") + 8;
    bad += strtof(num, NULL) != f;
    tj_buf py = {0};
    double d = (double)f * 1.0000001;
    const char *s64 = JSON(DT_F64, 0, NULL, V(d));
    buf_put_pyfloat(&py, d);
    bad += strncmp(strstr(s64, "\"data\": ") + 8, py.data, py.len) != 0;
    buf_free(&py);
  }
  CHECK(bad == 0);
}

int main(void) {
  test_basic();
  test_floats();
  test_layout();
  test_json();
  return HARNESS_REPORT();
}
