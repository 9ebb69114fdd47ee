/* Hand-written C baselines for `make bench` (scripts/bench-run.sh), compiled
 * twice into the driver: with `cc -O2` as variant o2 (the baseline the
 * targets are ratios against) and with `cc -O3 -march=native -ffast-math`
 * as variant limit (the practical limit). The kernels are those of the
 * specs in this directory, written as a C programmer would.
 *
 * build: cc -O2 -DVARIANT=o2 -c baseline.c -o baseline_o2.o (and so on) */
#include "baseline.h"

#ifndef VARIANT
#error "define VARIANT (o2 or limit)"
#endif
#define GLUE(name, v) name##_##v
#define NAME(name, v) GLUE(name, v)

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* y = sin(x)*2 + exp(-x*x), fused.json. */
void NAME(base_fused, VARIANT)(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = sinf(x[i]) * 2 + expf(-x[i] * x[i]);
}

/* y = a*x + b with scalars a and b, axpb.json. */
void NAME(base_axpb, VARIANT)(const float *x, float a, float b, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = a * x[i] + b;
}

/* A plain sequential float sum, sum.json. */
float NAME(base_sum, VARIANT)(const float *x, long n) {
  float s = 0;
  for (long i = 0; i < n; i++) s += x[i];
  return s;
}

/* c = a b, row-major n x n, in the loop order a compiler vectorizes. */
void NAME(base_matmul, VARIANT)(const float *a, const float *b, float *c, int n) {
  memset(c, 0, (size_t)n * (size_t)n * sizeof *c);
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      float aik = a[(long)i * n + k];
      for (int j = 0; j < n; j++) c[(long)i * n + j] += aik * b[(long)k * n + j];
    }
}

/* ---- cumulative sums (begin): cumsum_last.json, cumsum_first.json ---- */
/* An inclusive running sum along each row of a rows x cols array. */
void NAME(base_cumsum_last, VARIANT)(const float *x, float *y, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    float acc = 0;
    for (long c = 0; c < cols; c++) y[r * cols + c] = acc += x[r * cols + c];
  }
}

/* The same down each column: row r is row r-1 of the result plus row r. */
void NAME(base_cumsum_first, VARIANT)(const float *x, float *y, long rows, long cols) {
  for (long c = 0; c < cols; c++) y[c] = x[c];
  for (long r = 1; r < rows; r++)
    for (long c = 0; c < cols; c++) y[r * cols + c] = y[(r - 1) * cols + c] + x[r * cols + c];
}
/* ---- cumulative sums (end) ---- */

/* ---- sorting (issue 14 item 3) ---- */
static int NAME(float_order, VARIANT)(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* y = x sorted ascending (sort.json's data has no NaN): the C library's
 * qsort with a comparator, as a C programmer writes it. */
void NAME(base_sort, VARIANT)(const float *x, float *y, long n) {
  memcpy(y, x, (size_t)n * sizeof *y);
  qsort(y, (size_t)n, sizeof *y, NAME(float_order, VARIANT));
}
/* The k largest of x (no NaN) and their indices, largest first, ties
 * lower index first: one pass keeping a sorted array of the best k, each
 * better value inserted in place (top_k.json). */
void NAME(base_top_k, VARIANT)(const float *x, float *vals, int *idx, long n, int k) {
  int have = 0;
  for (long i = 0; i < n; i++) {
    if (have == k && !(x[i] > vals[k - 1])) continue;
    int j = have < k ? have++ : k - 1;
    for (; j > 0 && x[i] > vals[j - 1]; j--) vals[j] = vals[j - 1], idx[j] = idx[j - 1];
    vals[j] = x[i], idx[j] = (int)i;
  }
}
/* ---- end of sorting ---- */
/* ---- pooling (issue 14 item 4) ---- */
/* 2x2 stride-2 max pooling of an NHWC batch (h, w even; no NaN in
 * maxpool.json's data), as a C programmer writes it: each output the max
 * of its four inputs. */
void NAME(base_maxpool, VARIANT)(const float *x, float *y, long n, long h, long w, long c) {
  long oh = h / 2, ow = w / 2;
  for (long b = 0; b < n; b++)
    for (long i = 0; i < oh; i++)
      for (long j = 0; j < ow; j++)
        for (long k = 0; k < c; k++) {
          const float *p = x + ((b * h + 2 * i) * w + 2 * j) * c + k;
          float m = p[0], q = p[c], r = p[w * c], s = p[w * c + c];
          m = q > m ? q : m;
          m = r > m ? r : m;
          y[((b * oh + i) * ow + j) * c + k] = s > m ? s : m;
        }
}
/* ---- end of pooling ---- */
/* ---- convolution (issue 14 item 4) ---- */
/* y = x (*) k, NHWC input [n, h, w, ci], HWIO kernel [3, 3, ci, co], SAME
 * padding, stride 1 (conv2d.json): the direct loops a C programmer
 * writes, the innermost over the output features so it runs along
 * contiguous memory. */
void NAME(base_conv2d, VARIANT)(const float *x, const float *k, float *y, int n, int h, int w, int ci, int co) {
  memset(y, 0, sizeof *y * (size_t)n * h * w * co);
  for (int b = 0; b < n; b++)
    for (int oy = 0; oy < h; oy++)
      for (int ox = 0; ox < w; ox++) {
        float *out = y + (((size_t)b * h + oy) * w + ox) * co;
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) {
            int iy = oy + ky - 1, ix = ox + kx - 1;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const float *in = x + (((size_t)b * h + iy) * w + ix) * ci, *kk = k + ((size_t)ky * 3 + kx) * ci * co;
            for (int c = 0; c < ci; c++)
              for (int o = 0; o < co; o++) out[o] += in[c] * kk[(size_t)c * co + o];
          }
      }
}
/* ---- end of convolution ---- */
/* ---- gather (issue 14 item 1) ---- */
/* out[i] = table[ids[i] mod rows] (Python's mod, as gather.json's %): the
 * row copy loop a C programmer writes for an embedding lookup. */
void NAME(base_gather, VARIANT)(const float *table, const int *ids, float *out, long nids, long rows, long dim) {
  for (long i = 0; i < nids; i++) {
    long r = ids[i] % rows;
    if (r < 0) r += rows;
    for (long j = 0; j < dim; j++) out[i * dim + j] = table[r * dim + j];
  }
}
/* ---- end of gather ---- */
/* ---- scatter-add, 3x3 max pooling, cummax (issue 14) ---- */
/* out = table with rows[i] added to row (ids[i] * 7919) mod nrows
 * (scatter_add.json's indices), the copy then the row loop a C programmer
 * writes. */
void NAME(base_scatter_add, VARIANT)(const float *table, const int *ids, const float *rows, float *out, long nids,
                                     long nrows, long dim) {
  memcpy(out, table, (size_t)(nrows * dim) * sizeof *out);
  for (long i = 0; i < nids; i++) {
    long r = ((long)ids[i] * 7919) % nrows;
    if (r < 0) r += nrows;
    for (long j = 0; j < dim; j++) out[r * dim + j] += rows[i * dim + j];
  }
}

/* 3x3 stride-1 SAME max pooling of an NHWC batch (maxpool3.json): each
 * output from -inf, maxed with the window's elements inside the image. */
void NAME(base_maxpool3, VARIANT)(const float *x, float *y, long n, long h, long w, long c) {
  for (long b = 0; b < n; b++)
    for (long i = 0; i < h; i++)
      for (long j = 0; j < w; j++) {
        float *o = y + ((b * h + i) * w + j) * c;
        for (long k = 0; k < c; k++) o[k] = -INFINITY;
        for (long di = -1; di <= 1; di++)
          for (long dj = -1; dj <= 1; dj++) {
            long ii = i + di, jj = j + dj;
            if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
            const float *p = x + ((b * h + ii) * w + jj) * c;
            for (long k = 0; k < c; k++) o[k] = p[k] > o[k] ? p[k] : o[k];
          }
      }
}

/* A running maximum along each row (cummax_last.json; no NaN in its data). */
void NAME(base_cummax_last, VARIANT)(const float *x, float *y, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    float acc = x[r * cols];
    for (long c = 0; c < cols; c++) y[r * cols + c] = acc = x[r * cols + c] > acc ? x[r * cols + c] : acc;
  }
}
/* ---- end of scatter-add, 3x3 max pooling, cummax ---- */

/* ---- f16 (issue 14 item 7) ---- */
/* half_chain.json: y = (x * 2 + 1) * x - 0.5 in float16, each operation
 * rounded to float16 (the casts: C rounds a cast even where it keeps excess
 * precision), as XLA's CPU and tjit compute it; gcc's _Float16 (F16C
 * instructions where -march=native has them, libgcc's conversions else). */
void NAME(base_half_chain, VARIANT)(const unsigned short *x, unsigned short *y, long n) {
  for (long i = 0; i < n; i++) {
    _Float16 a, t;
    memcpy(&a, &x[i], sizeof a);
    t = (_Float16)(a * (_Float16)2);
    t = (_Float16)(t + (_Float16)1);
    t = (_Float16)(t * a);
    t = (_Float16)(t - (_Float16)0.5);
    memcpy(&y[i], &t, sizeof t);
  }
}
/* ---- end of f16 ---- */

/* ---- reverse mode (issue 17) ---- */
/* The gradient of mlp_grad.json's loss, mean((tanh(x w1 + b1) w2 + b2 - y)^2)
 * over a [nb, no] output, with respect to w1, b1, w2, b2, written by hand as
 * a C programmer backpropagates: the forward pass keeps h, the backward pass
 * goes through the layers in reverse, every product in the loop order a
 * compiler vectorizes (the innermost loop along contiguous memory). h, d and
 * da are the caller's scratch ([nb, nh], [nb, no], [nb, nh]). */
void NAME(base_mlp_grad, VARIANT)(const float *x, const float *y, const float *w1, const float *b1, const float *w2,
                                  const float *b2, float *h, float *d, float *da, float *gw1, float *gb1,
                                  float *gw2, float *gb2, int nb, int ni, int nh, int no) {
  float scale = 2.0f / (float)(nb * no); /* d mean(r^2) / d r */
  for (int b = 0; b < nb; b++) {
    float *hb = h + (size_t)b * nh, *db = d + (size_t)b * no;
    memcpy(hb, b1, sizeof *hb * (size_t)nh);
    for (int i = 0; i < ni; i++) {
      float xbi = x[(size_t)b * ni + i];
      for (int k = 0; k < nh; k++) hb[k] += xbi * w1[(size_t)i * nh + k];
    }
    for (int k = 0; k < nh; k++) hb[k] = tanhf(hb[k]);
    memcpy(db, b2, sizeof *db * (size_t)no);
    for (int k = 0; k < nh; k++)
      for (int j = 0; j < no; j++) db[j] += hb[k] * w2[(size_t)k * no + j];
    for (int j = 0; j < no; j++) db[j] = (db[j] - y[(size_t)b * no + j]) * scale;
  }
  memset(gw2, 0, sizeof *gw2 * (size_t)nh * no);
  memset(gb2, 0, sizeof *gb2 * (size_t)no);
  memset(gw1, 0, sizeof *gw1 * (size_t)ni * nh);
  memset(gb1, 0, sizeof *gb1 * (size_t)nh);
  for (int b = 0; b < nb; b++) {
    const float *hb = h + (size_t)b * nh, *db = d + (size_t)b * no;
    float *dab = da + (size_t)b * nh;
    for (int j = 0; j < no; j++) gb2[j] += db[j];
    for (int k = 0; k < nh; k++) {
      float s = 0;
      for (int j = 0; j < no; j++) {
        gw2[(size_t)k * no + j] += hb[k] * db[j];
        s += db[j] * w2[(size_t)k * no + j];
      }
      dab[k] = s * (1 - hb[k] * hb[k]);
      gb1[k] += dab[k];
    }
    for (int i = 0; i < ni; i++) {
      float xbi = x[(size_t)b * ni + i];
      for (int k = 0; k < nh; k++) gw1[(size_t)i * nh + k] += xbi * dab[k];
    }
  }
}
/* ---- end of reverse mode ---- */
