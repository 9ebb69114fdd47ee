/* The baseline kernels (baseline.c), in its two builds. */
#ifndef TJIT_BENCH_BASELINE_H
#define TJIT_BENCH_BASELINE_H
#define BASELINE_DECLS(v)                                                     \
  void base_fused_##v(const float *x, float *y, long n);                      \
  void base_axpb_##v(const float *x, float a, float b, float *y, long n);     \
  float base_sum_##v(const float *x, long n);                                 \
  void base_matmul_##v(const float *a, const float *b, float *c, int n);     \
  void base_cumsum_last_##v(const float *x, float *y, long rows, long cols); \
  void base_cumsum_first_##v(const float *x, float *y, long rows, long cols);  \
  /* sorting (issue 14 item 3) */                                             \
  void base_sort_##v(const float *x, float *y, long n);                       \
  void base_top_k_##v(const float *x, float *vals, int *idx, long n, int k);   \
  /* pooling (issue 14 item 4) */                                              \
  void base_maxpool_##v(const float *x, float *y, long n, long h, long w, long c); \
  /* convolution (issue 14 item 4) */                                         \
  void base_conv2d_##v(const float *x, const float *k, float *y, int n, int h, int w, int ci, int co); \
  /* gather (issue 14 item 1) */                                              \
  void base_gather_##v(const float *table, const int *ids, float *out, long nids, long rows, long dim); \
  /* scatter-add, 3x3 max pooling, cummax (issue 14: the runtimes' rows) */ \
  void base_scatter_add_##v(const float *table, const int *ids, const float *rows, float *out, long nids, long nrows, long dim); \
  void base_maxpool3_##v(const float *x, float *y, long n, long h, long w, long c); \
  void base_cummax_last_##v(const float *x, float *y, long rows, long cols); \
  /* f16 (issue 14 item 7): an elementwise chain rounding each op to f16 */ \
  void base_half_chain_##v(const unsigned short *x, unsigned short *y, long n); \
  /* reverse mode (issue 17): an MLP loss's gradient by hand */              \
  void base_mlp_grad_##v(const float *x, const float *y, const float *w1, const float *b1, const float *w2, \
                         const float *b2, float *h, float *d, float *da, float *gw1, float *gb1, float *gw2, \
                         float *gb2, int nb, int ni, int nh, int no);
BASELINE_DECLS(o2)
BASELINE_DECLS(limit)
#endif
