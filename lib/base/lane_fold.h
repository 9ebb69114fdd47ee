/* The order in which tjit reduces a contiguous row of floats, one text for
 * the compiled code's reduction kernels (lib/backend/kernels.c) and the
 * evaluator's sums and products (lib/eval/eval_array.c), so that a sum or
 * product over trailing axes gives the same bits compiled and evaluated:
 * L = 256 bytes of accumulators (64 f32, 32 f64), lane j folding elements
 * j, j + L, ...
 * with STEP (L independent chains a compiler keeps in vector registers;
 * no reassociation within a lane, so vectorizing changes no bit), then the
 * lanes folded pairwise into acc[0]. Declares acc[L] and i; reads a[0..n). */
#ifndef TJ_LANE_FOLD_H
#define TJ_LANE_FOLD_H

/* Rows shorter than this are folded in order, element by element (the
 * compiled code's reduce_rt.c, the evaluator's loop): lanes gain little
 * accuracy there and a kernel call per short row costs more. */
#define TJ_LANE_FOLD_MIN 64

/* The kernels vectorize the lanes' loop (kernels.c defines it as
 * _Pragma("omp simd")); elsewhere it is a plain loop: the same bits. */
#ifndef TJ_LANE_SIMD
#define TJ_LANE_SIMD
#endif

#define TJ_LANE_FOLD(A, init, STEP)                                       \
  enum { L = 256 / sizeof(A) };                                           \
  A acc[L];                                                               \
  for (int j = 0; j < L; j++) acc[j] = (init);                            \
  long i = 0;                                                             \
  for (; i + L <= n; i += L) {                                            \
    TJ_LANE_SIMD for (int j = 0; j < L; j++) STEP(acc[j], a[i + j]);      \
  }                                                                       \
  for (int j = 0; i + j < n; j++) STEP(acc[j], a[i + j]);                 \
  for (int w = L / 2; w > 0; w /= 2)                                      \
    for (int j = 0; j < w; j++) STEP(acc[j], acc[j + w]);

#endif
