/* The order in which tjit reduces a contiguous row of floats, one text for
 * the compiled code's reduction kernels (lib/backend/kernels.c) and the
 * evaluator's sums and products (lib/eval/eval_array.c), so that a sum or
 * product over trailing axes gives the same bits compiled and evaluated:
 * L = 256 bytes of accumulators (64 f32, 32 f64), lane j folding elements
 * j, j + L, ...
 * with STEP (L independent chains a compiler keeps in vector registers;
 * no reassociation within a lane, so vectorizing changes no bit), then the
 * lanes folded pairwise into acc[0]. Declares L and acc[L]; reads a[0..n). */
#ifndef TJ_LANE_FOLD_H
#define TJ_LANE_FOLD_H

/* Rows shorter than this are folded in order, element by element (the
 * compiled code's reduce_rt.c, the evaluator's loop): lanes gain little
 * accuracy there and a kernel call per short row costs more. */
#define TJ_LANE_FOLD_MIN 64

/* The kernels vectorize the lanes' loop (kernels.c defines it as
 * _Pragma("omp simd")); elsewhere it is a plain loop: the same bits. */
/* The accumulators' bytes: L = TJ_LANE_BYTES / sizeof(A) lanes. */
#define TJ_LANE_BYTES 256

#ifndef TJ_LANE_SIMD
#define TJ_LANE_SIMD
#endif

/* The order in three parts, for a fold carried across calls (the fused
 * loops' sink reductions fold a row one block at a time: kernels.c's
 * tjk_racc_*). BEGIN declares L and acc[L], each lane at init; STEPS
 * folds a[0..n) into acc, a[0] into lane 0, so a row folded in pieces
 * that each start at a multiple of L takes the same steps as the whole
 * row at once (tjk_racc_* steps a piece's elements before the next
 * multiple of L into their lanes one by one); END folds the lanes
 * pairwise into acc[0]. */
#define TJ_LANE_FOLD_BEGIN(A, init)                                       \
  enum { L = TJ_LANE_BYTES / sizeof(A) };                                 \
  A acc[L];                                                               \
  for (int j = 0; j < L; j++) acc[j] = (init);

#define TJ_LANE_FOLD_STEPS(STEP)                                          \
  {                                                                       \
    long i = 0;                                                           \
    for (; i + L <= n; i += L) {                                          \
      TJ_LANE_SIMD for (int j = 0; j < L; j++) STEP(acc[j], a[i + j]);    \
    }                                                                     \
    for (int j = 0; i + j < n; j++) STEP(acc[j], a[i + j]);               \
  }

#define TJ_LANE_FOLD_END(STEP)                                            \
  for (int w = L / 2; w > 0; w /= 2)                                      \
    for (int j = 0; j < w; j++) STEP(acc[j], acc[j + w]);

#define TJ_LANE_FOLD(A, init, STEP)                                       \
  TJ_LANE_FOLD_BEGIN(A, init) TJ_LANE_FOLD_STEPS(STEP) TJ_LANE_FOLD_END(STEP)

#endif
