/* The runtime of the scatters (scatter_rt.h). Built with the block
 * kernels' flags (-O3 -march=native, exact math): an update window moves
 * as runs of elements contiguous in both the operand and the window, each
 * run combined by a loop the compiler vectorizes (memcpy for a plain
 * scatter), where the generated code took one element at a time with its
 * index arithmetic. Updates go in the evaluator's order (update b, then
 * its window row-major), so duplicate indices combine as there. */
#include "scatter_rt.h"

#include <stdint.h>
#include <string.h>

#include "dtype.h"
#include "gather_rt.h"
#include "half_bits.h"

TJ_HALF_BITS_DEFS

/* The evaluator's combinations (eval_shape.c: scatter_combine): floats in
 * their own type (double holds the exact result of two f32 operands),
 * integers wrapping in the unsigned type of their width, min and max
 * keeping a NaN of the old element, then of the update. */
#define ADDF(a, x) ((a) + (x))
#define SUBF(a, x) ((a) - (x))
#define MULF(a, x) ((a) * (x))
#define MAXF(a, x) ((a) != (a) ? (a) : (x) != (x) ? (x) : (a) > (x) ? (a) : (x))
#define MINF(a, x) ((a) != (a) ? (a) : (x) != (x) ? (x) : (a) < (x) ? (a) : (x))
#define MAXI(a, x) ((a) > (x) ? (a) : (x))
#define MINI(a, x) ((a) < (x) ? (a) : (x))
#define WRAP(T, U, a, op, x) ((T)(U)((U)(a)op(U)(x)))
#define INT_OPS(t, T, U)                                                  \
  static inline T add_##t(T a, T x) { return WRAP(T, U, a, +, x); }       \
  static inline T sub_##t(T a, T x) { return WRAP(T, U, a, -, x); }       \
  static inline T mul_##t(T a, T x) { return WRAP(T, U, a, *, x); }
INT_OPS(I8, int8_t, uint32_t)
INT_OPS(I16, int16_t, uint32_t)
INT_OPS(I32, int32_t, uint32_t)
INT_OPS(I64, int64_t, uint64_t)
INT_OPS(U8, uint8_t, uint32_t)
INT_OPS(U32, uint32_t, uint32_t)

/* f16 and bf16 (the half pass keeps their scatter-add/sub/mul, which the
 * evaluator rounds at every update): each step in float32, rounded back to
 * the format (exactly the rounded sum, difference or product: 24 >= 2p + 2
 * bits); min and max compare the values and keep the bits. */
#define HALF_OP(of, to, a, op, x) to(of(a) op of(x))
#define HALF_EXT(of, a, x, cmp) (of(a) != of(a) ? (a) : of(x) != of(x) ? (x) : of(a) cmp of(x) ? (a) : (x))
#define ADD_F16(a, x) HALF_OP(tj_f32_of_f16, tj_f16_of_f32, a, +, x)
#define SUB_F16(a, x) HALF_OP(tj_f32_of_f16, tj_f16_of_f32, a, -, x)
#define MUL_F16(a, x) HALF_OP(tj_f32_of_f16, tj_f16_of_f32, a, *, x)
#define MIN_F16(a, x) HALF_EXT(tj_f32_of_f16, a, x, <)
#define MAX_F16(a, x) HALF_EXT(tj_f32_of_f16, a, x, >)
#define ADD_BF16(a, x) HALF_OP(tj_f32_of_bf16, tj_bf16_of_f32, a, +, x)
#define SUB_BF16(a, x) HALF_OP(tj_f32_of_bf16, tj_bf16_of_f32, a, -, x)
#define MUL_BF16(a, x) HALF_OP(tj_f32_of_bf16, tj_bf16_of_f32, a, *, x)
#define MIN_BF16(a, x) HALF_EXT(tj_f32_of_bf16, a, x, <)
#define MAX_BF16(a, x) HALF_EXT(tj_f32_of_bf16, a, x, >)

/* X(dtype, C type, add, sub, mul, min, max) */
#define SCATTER_TYPES(X)                                 \
  X(F32, float, ADDF, SUBF, MULF, MINF, MAXF)            \
  X(F64, double, ADDF, SUBF, MULF, MINF, MAXF)           \
  X(I8, int8_t, add_I8, sub_I8, mul_I8, MINI, MAXI)         \
  X(I16, int16_t, add_I16, sub_I16, mul_I16, MINI, MAXI)    \
  X(I32, int32_t, add_I32, sub_I32, mul_I32, MINI, MAXI)    \
  X(I64, int64_t, add_I64, sub_I64, mul_I64, MINI, MAXI)    \
  X(U8, uint8_t, add_U8, sub_U8, mul_U8, MINI, MAXI)        \
  X(U32, uint32_t, add_U32, sub_U32, mul_U32, MINI, MAXI)    \
  X(F16, uint16_t, ADD_F16, SUB_F16, MUL_F16, MIN_F16, MAX_F16) \
  X(BF16, uint16_t, ADD_BF16, SUB_BF16, MUL_BF16, MIN_BF16, MAX_BF16)

/* dst[i] = COMBINE(dst[i], u[i]) over one run (the update's element read
 * into a local first: no masked loads). */
typedef void (*run_fn)(void *dst, const void *u, long n);
#define RUN_FN(name, T, COMBINE)                                          \
  static void name(void *d_, const void *u_, long n) {                    \
    T *restrict d = d_;                                                   \
    const T *restrict u = u_;                                             \
    _Pragma("omp simd") for (long i = 0; i < n; i++) {                    \
      T a = d[i], x = u[i];                                               \
      d[i] = COMBINE(a, x);                                               \
    }                                                                     \
  }
#define DEFINE_FNS(dt, T, ADD, SUB, MUL, MIN, MAX)                        \
  RUN_FN(add_run_##dt, T, ADD) RUN_FN(sub_run_##dt, T, SUB) RUN_FN(mul_run_##dt, T, MUL) \
  RUN_FN(min_run_##dt, T, MIN) RUN_FN(max_run_##dt, T, MAX)
SCATTER_TYPES(DEFINE_FNS)
#undef DEFINE_FNS

/* The run function of op on dtype; NULL for a plain scatter (memcpy) and
 * for what the runtime does not take. */
static run_fn run_of(int dtype, int op) {
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, ADD, SUB, MUL, MIN, MAX)                             \
  case DT_##dt: {                                                        \
    static const run_fn fns[] = {NULL, add_run_##dt, sub_run_##dt, mul_run_##dt, min_run_##dt, max_run_##dt}; \
    return op >= 0 && op <= TJ_SCATTER_MAX ? fns[op] : NULL;             \
  }
    SCATTER_TYPES(CASE)
#undef CASE
  default: return NULL;
  }
}

int tj_rt_scatter_has(int dtype, int op) { return op == TJ_SCATTER_SET || run_of(dtype, op) != NULL; }

/* How a window is walked: dims [0, nouter) element by element, then a run
 * of `run` elements contiguous in the operand and in the window (the
 * trailing whole dims and the first partial one). */
typedef struct walk {
  const long *d;
  int nouter;
  long run, st[TJ_SCATTER_SLOTS];
} walk;

static void plan_walk(const long *d, walk *w) {
  int r = (int)d[SD_RANK];
  long s = 1;
  for (int k = r - 1; k >= 0; k--) w->st[k] = s, s *= d[SD_OP_DIMS + k];
  w->d = d, w->nouter = r, w->run = 1;
  while (w->nouter > 0) {
    int k = --w->nouter;
    w->run *= d[SD_WSIZE + k];
    if (d[SD_WSIZE + k] != d[SD_OP_DIMS + k]) break;
  }
}

/* The operand offset (elements) of update b's window, or -1 when the
 * window is not wholly inside (dropped). */
static long window_start(const walk *w, const void *idx, int idt, long b) {
  const long *d = w->d;
  long at = 0, nvec = d[SD_NVEC], n = d[SD_NTO] < nvec ? d[SD_NTO] : nvec;
  for (long i = 0; i < n; i++) {
    int dim = (int)d[SD_TO + i];
    int64_t s = tj_rt_index_at(idx, idt, b * nvec + i);
    if (s < 0 || s > d[SD_OP_DIMS + dim] - d[SD_WSIZE + dim]) return -1;
    at += (long)s * w->st[dim];
  }
  return at;
}

void tj_rt_scatter(void *out, const void *idx, int idx_dtype, const void *upd, int dtype, int op, const long *d) {
  long es = d[SD_ELSIZE], wcount = 1;
  for (int k = 0; k < d[SD_RANK]; k++) {
    if (d[SD_WSIZE + k] > d[SD_OP_DIMS + k]) return; /* no window fits: every update dropped */
    wcount *= d[SD_WSIZE + k];
  }
  walk w;
  plan_walk(d, &w);
  run_fn fn = run_of(dtype, op);
  const char *u = upd;
  for (long b = 0; b < d[SD_NBATCH]; b++, u += wcount * es) {
    long at = window_start(&w, idx, idx_dtype, b), c[TJ_SCATTER_SLOTS] = {0};
    if (at < 0 || wcount == 0) continue;
    for (const char *src = u;; src += w.run * es) {
      long off = at;
      for (int k = 0; k < w.nouter; k++) off += c[k] * w.st[k];
      char *dst = (char *)out + off * es;
      if (fn) fn(dst, src, w.run);
      else memcpy(dst, src, (size_t)(w.run * es));
      int k = w.nouter - 1;
      while (k >= 0 && ++c[k] == d[SD_WSIZE + k]) c[k--] = 0;
      if (k < 0) break;
    }
  }
}
