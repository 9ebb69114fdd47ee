#include "array.h"
#include "alloc.h"
#include "half.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tj_array *array_new(const tj_aval *aval) {
  for (int i = 0; i < aval->rank; i++)
    if (aval->dims[i] < 0) return NULL;
  int64_t n = aval_size(aval);
  if (n > TJ_MAX_ELEMENTS) return NULL;
  tj_array *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->dtype = aval->dtype;
  a->rank = aval->rank;
  memcpy(a->dims, aval->dims, sizeof a->dims);
  a->size = n;
  /* zeros past the end: compiled code writing past an output is caught (run.c) */
  a->data = big_calloc(array_bytes(aval) + TJ_BUFFER_GUARD);
  if (!a->data) {
    free(a);
    return NULL;
  }
  return a;
}

size_t array_bytes(const tj_aval *aval) {
  return (size_t)aval_size(aval) * (size_t)dtype_size(aval->dtype);
}

void array_free(tj_array *a) {
  if (!a) return;
  big_free(a->data);
  free(a);
}

tj_array *array_copy(const tj_array *a) {
  tj_aval av = array_aval(a, false);
  tj_array *c = array_new(&av);
  if (c) memcpy(c->data, a->data, (size_t)a->size * (size_t)dtype_size(a->dtype));
  return c;
}

tj_aval array_aval(const tj_array *a, bool weak) {
  tj_aval av = aval_scalar(a->dtype, weak);
  av.rank = a->rank;
  memcpy(av.dims, a->dims, sizeof av.dims);
  return av;
}

double array_get_f(const tj_array *a, int64_t i) {
  switch (a->dtype) {
  case DT_F32: return ((const float *)a->data)[i];
  case DT_F64: return ((const double *)a->data)[i];
  case DT_U32: return ((const uint32_t *)a->data)[i];
  case DT_U64: return (double)((const uint64_t *)a->data)[i]; /* not its int64 bits */
  case DT_F16: return tj_f16_to_f32(((const uint16_t *)a->data)[i]);
  case DT_BF16: return tj_bf16_to_f32(((const uint16_t *)a->data)[i]);
  default: return (double)array_get_i(a, i);
  }
}

int64_t array_get_i(const tj_array *a, int64_t i) {
  switch (a->dtype) {
  case DT_BOOL: return ((const uint8_t *)a->data)[i] != 0;
  case DT_I8: return ((const int8_t *)a->data)[i];
  case DT_I16: return ((const int16_t *)a->data)[i];
  case DT_I32: return ((const int32_t *)a->data)[i];
  case DT_I64: return ((const int64_t *)a->data)[i];
  case DT_U8: return ((const uint8_t *)a->data)[i];
  case DT_U32: return ((const uint32_t *)a->data)[i];
  case DT_U16: return ((const uint16_t *)a->data)[i];
  case DT_U64: return (int64_t)((const uint64_t *)a->data)[i]; /* its bits */
  case DT_F32: case DT_F64: case DT_F16: case DT_BF16: {
    double v = array_get_f(a, i);
    return v != v ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
  }
  default: return 0;
  }
}

int64_t array_get_index(const tj_array *a, int64_t i) {
  int64_t v = array_get_i(a, i);
  return a->dtype == DT_U64 && v < 0 ? INT64_MAX : v;
}

void array_set_f(tj_array *a, int64_t i, double v) {
  switch (a->dtype) {
  case DT_F32: ((float *)a->data)[i] = (float)v; return;
  case DT_F64: ((double *)a->data)[i] = v; return;
  case DT_F16: ((uint16_t *)a->data)[i] = tj_f16_from_double(v); return;
  case DT_BF16: ((uint16_t *)a->data)[i] = tj_bf16_from_double(v); return;
  case DT_BOOL: ((uint8_t *)a->data)[i] = v != 0; return;
  case DT_U64: /* from 2^63 on no int64 holds it */
    if (v >= 0x1p63) { ((uint64_t *)a->data)[i] = v >= 0x1p64 ? UINT64_MAX : (uint64_t)v; return; }
    /* fall through */
  default: /* float to int: truncate, saturating where C would be undefined */
    array_set_i(a, i, v != v ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v);
  }
}

void array_set_i(tj_array *a, int64_t i, int64_t v) {
  switch (a->dtype) {
  case DT_BOOL: ((uint8_t *)a->data)[i] = v != 0; return;
  case DT_I8: ((int8_t *)a->data)[i] = (int8_t)v; return;
  case DT_I16: ((int16_t *)a->data)[i] = (int16_t)v; return;
  case DT_I32: ((int32_t *)a->data)[i] = (int32_t)v; return;
  case DT_I64: ((int64_t *)a->data)[i] = v; return;
  case DT_U8: ((uint8_t *)a->data)[i] = (uint8_t)v; return;
  case DT_U32: ((uint32_t *)a->data)[i] = (uint32_t)v; return;
  case DT_U16: ((uint16_t *)a->data)[i] = (uint16_t)v; return;
  case DT_U64: ((uint64_t *)a->data)[i] = (uint64_t)v; return;
  case DT_F32: ((float *)a->data)[i] = (float)v; return;
  case DT_F64: ((double *)a->data)[i] = (double)v; return;
  case DT_F16: case DT_BF16: array_set_f(a, i, (double)v); return;
  default: return;
  }
}

/* Distance in units in the last place between two finite floats of one
 * dtype (their bit patterns, ordered as integers). */
static double ulp_distance(double x, double y, bool f32) {
  int64_t a, b;
  if (f32) {
    float fx = (float)x, fy = (float)y;
    int32_t ix, iy;
    memcpy(&ix, &fx, 4), memcpy(&iy, &fy, 4);
    a = ix < 0 ? (int64_t)INT32_MIN - ix : ix, b = iy < 0 ? (int64_t)INT32_MIN - iy : iy;
  } else {
    memcpy(&a, &x, 8), memcpy(&b, &y, 8);
    a = a < 0 ? INT64_MIN - a : a, b = b < 0 ? INT64_MIN - b : b;
    return fabs((double)a - (double)b);
  }
  return (double)(a > b ? a - b : b - a);
}

/* Distance in units in the last place of a 2-byte format t, both finite. */
static double half_ulps(tj_dtype t, double x, double y) {
  int32_t a = t == DT_F16 ? tj_f16_from_double(x) : tj_bf16_from_double(x);
  int32_t b = t == DT_F16 ? tj_f16_from_double(y) : tj_bf16_from_double(y);
  a = a & 0x8000 ? 0x8000 - a : a, b = b & 0x8000 ? 0x8000 - b : b;
  return fabs((double)a - (double)b);
}

/* Whether finite x and y agree as the compiled code's and the evaluator's
 * results may: 16 ulps or 1e-4 of the output's largest magnitude (scale)
 * in float32 (BLAS and vector sums reassociate); in f16/bf16, whose
 * compiled code computes in float32 and rounds as the evaluator does, 2
 * ulps of the format or one ulp of scale (the f32 difference of a
 * reassociated dot or convolution, rounded to the format). */
static bool close_enough(tj_dtype t, double x, double y, double scale) {
  if (dtype_is_half(t)) return half_ulps(t, x, y) <= 2 || fabs(x - y) <= scale * (t == DT_F16 ? 0x1p-10 : 0x1p-7);
  bool f32 = t == DT_F32;
  return ulp_distance(x, y, f32) <= 16 || fabs(x - y) <= (f32 ? 1e-4 : 1e-12) * scale;
}

bool array_agree(const tj_array *got, const tj_array *want, char *why, int whysize) {
  if (got->dtype != want->dtype || got->size != want->size) {
    snprintf(why, (size_t)whysize, "the dtypes or shapes differ");
    return false;
  }
  bool fl = dtype_is_float(want->dtype);
  double scale = 1;
  for (int64_t i = 0; fl && i < want->size; i++) {
    double w = fabs(array_get_f(want, i));
    if (w == w && w != INFINITY && w > scale) scale = w;
  }
  for (int64_t i = 0; i < want->size; i++) {
    if (!fl) {
      if (array_get_i(got, i) == array_get_i(want, i)) continue;
      snprintf(why, (size_t)whysize, "element %lld is %lld, expected %lld", (long long)i,
               (long long)array_get_i(got, i), (long long)array_get_i(want, i));
      return false;
    }
    double x = array_get_f(got, i), y = array_get_f(want, i);
    if (x == y || (x != x && y != y)) continue;
    if (isfinite(x) && isfinite(y) && close_enough(want->dtype, x, y, scale)) continue;
    snprintf(why, (size_t)whysize, "element %lld is %.9g, expected %.9g", (long long)i, x, y);
    return false;
  }
  return true;
}
