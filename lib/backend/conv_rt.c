/* The convolution runtime (conv_rt.h), built optimized into the library
 * and called by the generated C: the direct definition for any dtype and
 * small problems, and for large float ones the two halves of im2col +
 * GEMM (the generated code calls cblas_sgemm/dgemm between them, as it
 * does for dot_general). */
#include "conv_rt.h"

#include <stdint.h>
#include <string.h>

#include "conv.h"
#include "dtype.h"

static double load_f(const void *p, long i, int dt) {
  switch ((tj_dtype)dt) {
  case DT_F32: return ((const float *)p)[i];
  case DT_F64: return ((const double *)p)[i];
  case DT_BOOL: case DT_U8: return ((const uint8_t *)p)[i];
  case DT_I8: return ((const int8_t *)p)[i];
  case DT_I16: return ((const int16_t *)p)[i];
  case DT_I32: return ((const int32_t *)p)[i];
  case DT_U32: return ((const uint32_t *)p)[i];
  case DT_I64: return (double)((const int64_t *)p)[i];
  case DT_U16: return ((const uint16_t *)p)[i];
  case DT_U64: return (double)((const uint64_t *)p)[i];
  default: return 0;
  }
}

static uint64_t load_i(const void *p, long i, int dt) {
  switch ((tj_dtype)dt) {
  case DT_BOOL: case DT_U8: return ((const uint8_t *)p)[i];
  case DT_I8: return (uint64_t)(int64_t)((const int8_t *)p)[i];
  case DT_I16: return (uint64_t)(int64_t)((const int16_t *)p)[i];
  case DT_I32: return (uint64_t)(int64_t)((const int32_t *)p)[i];
  case DT_U32: return ((const uint32_t *)p)[i];
  case DT_I64: return (uint64_t)((const int64_t *)p)[i];
  case DT_U16: return ((const uint16_t *)p)[i];
  case DT_U64: return ((const uint64_t *)p)[i];
  default: return 0;
  }
}

/* Stores with C's conversions, as the evaluator's array_set_f/_i. */
static void store(void *p, long i, int dt, double f, uint64_t u) {
  switch ((tj_dtype)dt) {
  case DT_F32: ((float *)p)[i] = (float)f; break;
  case DT_F64: ((double *)p)[i] = f; break;
  case DT_BOOL: ((uint8_t *)p)[i] = u != 0; break;
  case DT_U8: ((uint8_t *)p)[i] = (uint8_t)u; break;
  case DT_I8: ((int8_t *)p)[i] = (int8_t)u; break;
  case DT_I16: ((int16_t *)p)[i] = (int16_t)u; break;
  case DT_I32: ((int32_t *)p)[i] = (int32_t)u; break;
  case DT_U32: ((uint32_t *)p)[i] = (uint32_t)u; break;
  case DT_I64: ((int64_t *)p)[i] = (int64_t)u; break;
  case DT_U16: ((uint16_t *)p)[i] = (uint16_t)u; break;
  case DT_U64: ((uint64_t *)p)[i] = u; break;
  default: break;
  }
}

/* Advances an odometer of n digits below geo's field; false after the last. */
static int next_digit(long *d, int n, const long *geo, int field) {
  for (int i = n - 1; i >= 0; i--) {
    if (++d[i] < CONV_AT(geo, i, field)) return 1;
    d[i] = 0;
  }
  return 0;
}

/* The lhs offset of output position pos and kernel position k (spatial
 * terms only), or -1 in padding or a dilation hole. */
static long lhs_offset(const long *geo, int nsp, const long *pos, const long *k) {
  long off = 0;
  for (int i = 0; i < nsp; i++) {
    const long *s = &CONV_AT(geo, i, 0);
    long p = pos[i] * s[CS_STRIDE] + k[i] * s[CS_RHS_DIL] - s[CS_PAD_LO];
    if (p < 0 || p % s[CS_LHS_DIL]) return -1;
    p /= s[CS_LHS_DIL];
    if (p >= s[CS_IN]) return -1;
    off += p * s[CS_LHS_S];
  }
  return off;
}

static int has_empty_kernel(const long *geo, int nsp) {
  for (int i = 0; i < nsp; i++)
    if (CONV_AT(geo, i, CS_K) == 0) return 1;
  return 0;
}

/* One output element of tj_rt_conv_direct. */
static void direct_one(const void *lhs, const void *rhs, void *out, const long *geo, int lt, int ot, long n, long o,
                       const long *pos) {
  int nsp = (int)geo[CONV_NSP], fl = ot == DT_F32 || ot == DT_F64;
  long cg = geo[CONV_CIN] / geo[CONV_GROUPS], g = o / (geo[CONV_COUT] / geo[CONV_GROUPS]);
  long k[CONV_MAX_SPATIAL] = {0};
  double accf = 0;
  uint64_t acci = 0;
  int empty = has_empty_kernel(geo, nsp);
  do {
    long lo = empty ? -1 : lhs_offset(geo, nsp, pos, k), ro = o * geo[CONV_RHS_SO];
    if (lo < 0) continue;
    for (int i = 0; i < nsp; i++) ro += k[i] * CONV_AT(geo, i, CS_RHS_S);
    long lb = n * geo[CONV_LHS_SN] + lo + g * cg * geo[CONV_LHS_SC];
    for (long c = 0; c < cg; c++) {
      long li = lb + c * geo[CONV_LHS_SC], ri = ro + c * geo[CONV_RHS_SI];
      if (fl) accf += load_f(lhs, li, lt) * load_f(rhs, ri, lt);
      else acci += load_i(lhs, li, lt) * load_i(rhs, ri, lt);
    }
  } while (!empty && next_digit(k, nsp, geo, CS_K));
  long oi = n * geo[CONV_OUT_SN] + o * geo[CONV_OUT_SC];
  for (int i = 0; i < nsp; i++) oi += pos[i] * CONV_AT(geo, i, CS_OUT_S);
  store(out, oi, ot, accf, acci);
}

void tj_rt_conv_direct(const void *lhs, const void *rhs, void *out, const long *geo, int lt, int ot) {
  int nsp = (int)geo[CONV_NSP];
  for (int i = 0; i < nsp; i++)
    if (CONV_AT(geo, i, CS_OUT) == 0) return;
  for (long n = 0; n < geo[CONV_N]; n++)
    for (long o = 0; o < geo[CONV_COUT]; o++) {
      long pos[CONV_MAX_SPATIAL] = {0};
      do direct_one(lhs, rhs, out, geo, lt, ot, n, o, pos);
      while (next_digit(pos, nsp, geo, CS_OUT));
    }
}

/* Elements of one kernel: its positions times the group's features. */
static long kernel_rows(const long *geo) {
  long k = geo[CONV_CIN] / geo[CONV_GROUPS];
  for (int i = 0; i < geo[CONV_NSP]; i++) k *= CONV_AT(geo, i, CS_K);
  return k;
}

#define PACK(T)                                                                         \
  for (long g = 0; g < groups; g++)                                                     \
    for (long kp = 0, row = 0; kp < npos; kp++) {                                       \
      long ro = 0, rest = kp;                                                           \
      for (int i = nsp - 1; i >= 0; i--)                                                \
        ro += rest % CONV_AT(geo, i, CS_K) * CONV_AT(geo, i, CS_RHS_S), rest /= CONV_AT(geo, i, CS_K); \
      for (long c = 0; c < cg; c++, row++)                                              \
        for (long o = 0; o < og; o++)                                                   \
          ((T *)w)[(g * krows + row) * og + o] =                                        \
              ((const T *)rhs)[ro + c * geo[CONV_RHS_SI] + (g * og + o) * geo[CONV_RHS_SO]]; \
    }

void tj_rt_conv_pack(const void *rhs, void *w, const long *geo, int dt) {
  int nsp = (int)geo[CONV_NSP];
  long groups = geo[CONV_GROUPS], cg = geo[CONV_CIN] / groups, og = geo[CONV_COUT] / groups;
  long krows = kernel_rows(geo), npos = krows / (cg ? cg : 1);
  if (dt == DT_F32) PACK(float) else PACK(double)
}

/* One patch row of the im2col matrix: Cg features per kernel position. */
#define PATCH(T)                                                                        \
  do {                                                                                  \
    long lo = lhs_offset(geo, nsp, pos, k);                                             \
    if (lo < 0) memset(dst, 0, sizeof(T) * (size_t)cg);                                 \
    else if (sc == 1) memcpy(dst, (const T *)lhs + base + lo, sizeof(T) * (size_t)cg);  \
    else for (long c = 0; c < cg; c++) dst[c] = ((const T *)lhs)[base + lo + c * sc];   \
    dst += cg;                                                                          \
  } while (next_digit(k, nsp, geo, CS_K))

#define IM2COL(T)                                                                       \
  {                                                                                     \
    T *dst = a;                                                                         \
    for (long row = 0; row < rows; row++) {                                             \
      long k[CONV_MAX_SPATIAL] = {0};                                                   \
      PATCH(T);                                                                         \
      next_digit(pos, nsp, geo, CS_OUT);                                                \
    }                                                                                   \
  }

/* pos: output position p0 as one index per spatial dimension. */
static void position_of(const long *geo, int nsp, long p0, long *pos) {
  for (int i = nsp - 1; i >= 0; i--) pos[i] = p0 % CONV_AT(geo, i, CS_OUT), p0 /= CONV_AT(geo, i, CS_OUT);
}

void tj_rt_conv_im2col(const void *lhs, void *a, const long *geo, int dt, long n, long g, long p0, long rows) {
  int nsp = (int)geo[CONV_NSP];
  long cg = geo[CONV_CIN] / geo[CONV_GROUPS], sc = geo[CONV_LHS_SC];
  long base = n * geo[CONV_LHS_SN] + g * cg * sc, pos[CONV_MAX_SPATIAL] = {0};
  position_of(geo, nsp, p0, pos);
  if (dt == DT_F32) IM2COL(float) else IM2COL(double)
}

int tj_rt_conv_supports(int dt) {
  switch ((tj_dtype)dt) {
  case DT_BOOL: case DT_I8: case DT_I16: case DT_I32: case DT_I64: case DT_U8: case DT_U32: case DT_F32: case DT_F64:
  case DT_U16: case DT_U64:
    return 1;
  default: return 0;
  }
}
