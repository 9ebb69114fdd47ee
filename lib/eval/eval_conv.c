/* Eval rule of lax.conv_general_dilated_p, the definition written out:
 * out[n, o, y...] = sum over the input features c of o's group and the
 * kernel positions k... of lhs[n, g * Cg + c, x...] * rhs[o, c, k...],
 * where x = (y * stride + k * rhs_dilation - pad_lo) / lhs_dilation when
 * that divides and lies inside lhs (else the term is the padding's or the
 * dilation's zero). Floats add in double, integers in wrapping 64-bit
 * arithmetic, bools as ints (any product true). Feature groups as XLA
 * splits them: group g = o / (Cout / G). Batch groups as XLA's
 * HloEvaluator reads them: with BG groups, output n of feature o reads lhs
 * image n + (o / (Cout / BG)) * (N / BG) (the batch in BG runs, each
 * convolved with its run of output features). */
#include "conv.h"
#include "eval.h"

#include <string.h>

typedef struct conv_walk {
  const long *geo;
  int nsp;
  long pos[CONV_MAX_SPATIAL];  /* output position */
  long k[CONV_MAX_SPATIAL];    /* kernel position */
} conv_walk;

/* Advances an odometer of n digits below limit(i); false after the last. */
static bool next_digit(long *d, int n, const long *geo, int field) {
  for (int i = n - 1; i >= 0; i--) {
    if (++d[i] < CONV_AT(geo, i, field)) return true;
    d[i] = 0;
  }
  return false;
}

/* The lhs offset of the current output and kernel positions (without the
 * batch and feature terms), or -1 when it falls in padding or a hole. */
static long lhs_offset(const conv_walk *w) {
  long off = 0;
  for (int i = 0; i < w->nsp; i++) {
    const long *s = &CONV_AT(w->geo, i, 0);
    long p = w->pos[i] * s[CS_STRIDE] + w->k[i] * s[CS_RHS_DIL] - s[CS_PAD_LO];
    if (p < 0 || p % s[CS_LHS_DIL]) return -1;
    p /= s[CS_LHS_DIL];
    if (p >= s[CS_IN]) return -1;
    off += p * s[CS_LHS_S];
  }
  return off;
}

static long rhs_offset(const conv_walk *w) {
  long off = 0;
  for (int i = 0; i < w->nsp; i++) off += w->k[i] * CONV_AT(w->geo, i, CS_RHS_S);
  return off;
}

/* One output element, image n of feature o read from lhs image ln: the
 * sum over its group's features and the kernel. */
static void one_output(conv_walk *w, const tj_array *l, const tj_array *r, tj_array *out, long ln, long n, long o) {
  const long *geo = w->geo;
  long cg = geo[CONV_CIN] / geo[CONV_GROUPS], og = geo[CONV_COUT] / geo[CONV_GROUPS], g = o / og;
  bool fl = dtype_is_float(out->dtype);
  double accf = 0;
  uint64_t acci = 0;
  memset(w->k, 0, sizeof w->k);
  bool empty = false;
  for (int i = 0; i < w->nsp; i++) empty |= CONV_AT(geo, i, CS_K) == 0;
  do {
    long lo = empty ? -1 : lhs_offset(w);
    if (lo < 0) continue;
    long lb = ln * geo[CONV_LHS_SN] + lo, rb = o * geo[CONV_RHS_SO] + rhs_offset(w);
    for (long c = 0; c < cg; c++) {
      long li = lb + (g * cg + c) * geo[CONV_LHS_SC], ri = rb + c * geo[CONV_RHS_SI];
      if (fl) accf += array_get_f(l, li) * array_get_f(r, ri);
      else acci += (uint64_t)array_get_i(l, li) * (uint64_t)array_get_i(r, ri);
    }
  } while (!empty && next_digit(w->k, w->nsp, geo, CS_K));
  long oi = n * geo[CONV_OUT_SN] + o * geo[CONV_OUT_SC];
  for (int i = 0; i < w->nsp; i++) oi += w->pos[i] * CONV_AT(geo, i, CS_OUT_S);
  if (fl) array_set_f(out, oi, accf);
  else if (out->dtype == DT_BOOL) array_set_i(out, oi, acci != 0);
  else array_set_i(out, oi, (int64_t)acci);
}

bool ev_conv(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_conv c;
  if (!conv_read(e, &c) || c.batch_groups < 1) return eval_bug(s, "conv_general_dilated params");
  if (!(out[0] = eval_new_out(s, e, 0))) return false;
  if (!out[0]->size) return true;
  long geo[CONV_GEO_LEN];
  tj_aval la = array_aval(in[0], false), ra = array_aval(in[1], false), oa = array_aval(out[0], false);
  conv_geometry(&c, &la, &ra, &oa, geo);
  conv_walk w = {.geo = geo, .nsp = (int)geo[CONV_NSP]};
  long nb = geo[CONV_N] / c.batch_groups, ob = geo[CONV_COUT] / c.batch_groups; /* per batch group */
  for (long n = 0; n < nb; n++)
    for (long o = 0; o < geo[CONV_COUT]; o++) {
      memset(w.pos, 0, sizeof w.pos);
      do one_output(&w, in[0], in[1], out[0], n + o / ob * nb, n, o);
      while (next_digit(w.pos, w.nsp, geo, CS_OUT));
    }
  return true;
}
