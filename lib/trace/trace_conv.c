/* Convolution builtins (issue 14 item 4), as jax 0.10.2 records them
 * (jax/_src/lax/convolution.py, jax/_src/numpy/lax_numpy.py):
 *  - conv_general_dilated(lhs, rhs, window_strides, padding, ...):
 *    lax.conv_general_dilated: conv_dimension_numbers (None, or three
 *    layout strings such as ("NHWC", "HWIO", "NHWC")), padding strings
 *    through lax.padtype_to_pads, one conv_general_dilated equation.
 *  - conv(lhs, rhs, window_strides, padding): lax.conv.
 *  - convolve(a, v, mode="full"): jnp.convolve, jit[name=convolve] of
 *    jit[name=_conv]: inexact promotion, the shorter operand flipped
 *    (jit[name=_flip]), both as [1, 1, n], the convolution, [0, 0, :]. */
#include "conv.h"
#include "trace_array_int.h"

#include <string.h>

typedef struct conv_args {
  value lhs, rhs;
  const value *strides, *padding, *lhs_dil, *rhs_dil, *dnums, *fgc, *bgc, *precision, *pref;
  tj_span sspan, pspan, lspan, rspan, dspan, fspan, bspan, prspan, pfspan;
} conv_args;

/* A static sequence of ints (window_strides, dilations). */
static bool read_ints(tracer *t, const value *v, tj_span span, const char *what, int64_t *out, int *n) {
  if (v->kind != V_TUPLE) return tracer_error(t, span, "TypeError: %s must be a sequence of ints", what);
  if (v->n > TJ_MAX_RANK) return tracer_error(t, span, "%s: too many entries (limit is %d)", what, TJ_MAX_RANK);
  for (int i = 0; i < v->n; i++)
    if (!ta_index_of(t, &v->items[i], span, &out[i])) return false;
  *n = v->n;
  return true;
}

/* conv_general_permutations' checks of spec i against its char pair. */
static bool check_spec(tracer *t, const value *s, int i, const char *pair, tj_span span) {
  int ca = 0, cb = 0;
  for (uint32_t k = 0; k < s->slen; k++) ca += s->s[k] == pair[0], cb += s->s[k] == pair[1];
  if (ca != 1 || cb != 1)
    return tracer_error(t, span, "TypeError: convolution dimension_numbers[%d] must contain the characters '%c' and '%c' exactly once, got %.*s.",
                        i, pair[0], pair[1], (int)s->slen, s->s);
  for (uint32_t a = 0; a < s->slen; a++)
    for (uint32_t b = a + 1; b < s->slen; b++)
      if (s->s[a] == s->s[b])
        return tracer_error(t, span, "TypeError: convolution dimension_numbers[%d] cannot have duplicate characters, got %.*s.",
                            i, (int)s->slen, s->s);
  return true;
}

static int char_at(const value *s, char c) {
  for (uint32_t k = 0; k < s->slen; k++)
    if (s->s[k] == c) return (int)k;
  return -1;
}

/* getperm: the pair's positions, then the spatial ones in rhs's order. */
static bool spec_perm(tracer *t, const value *specs, int i, const char *pair, int64_t *perm, tj_span span) {
  const value *s = &specs[i], *r = &specs[1];
  perm[0] = char_at(s, pair[0]), perm[1] = char_at(s, pair[1]);
  int k = 2;
  for (uint32_t j = 0; j < r->slen; j++) {
    char c = r->s[j];
    if (c == 'O' || c == 'I') continue;
    int at = char_at(s, c);
    if (at < 0 || (i != 1 && (c == pair[0] || c == pair[1]))) {
      tj_buf m = {0};
      buf_puts(&m, "TypeError: convolution dimension_numbers elements must each have the same set of spatial characters, got ");
      ta_put_value(t, &m, &(value){.kind = V_TUPLE, .n = 3, .items = (value *)specs});
      buf_puts(&m, ".");
      return ta_raise_buf(t, span, &m);
    }
    perm[k++] = at;
  }
  return true;
}

/* lax.conv_dimension_numbers. */
static bool dimension_numbers(tracer *t, const conv_args *a, const tj_aval *l, const tj_aval *r, ir_conv_dims *d) {
  static const char *const pairs[3] = {"NC", "OI", "NC"};
  tj_span span = a->dspan;
  if (l->rank != r->rank)
    return tracer_error(t, span, "TypeError: convolution requires lhs and rhs ndim to be equal, got %d and %d.", l->rank, r->rank);
  d->rank = l->rank;
  if (!a->dnums) {
    for (int s = 0; s < 3; s++)
      for (int i = 0; i < l->rank; i++) d->spec[s][i] = i;
    return true;
  }
  const value *v = a->dnums;
  if (v->kind != V_TUPLE) return tracer_error(t, span, "TypeError: convolution dimension_numbers must be tuple/list or None, got <class '%s'>.", value_type_name(v));
  if (v->n != 3) return tracer_error(t, span, "TypeError: convolution dimension_numbers list/tuple must be length 3, got %d.", v->n);
  for (int i = 0; i < 3; i++) {
    if (v->items[i].kind != V_STR) return tracer_error(t, span, "TypeError: convolution dimension_numbers elements must be strings");
    if ((int)v->items[i].slen != l->rank) {
      tj_buf m = {0};
      buf_printf(&m, "TypeError: convolution dimension_numbers[%d] must have len equal to the ndim of lhs and rhs, got %u for lhs and rhs shapes ",
                 i, v->items[i].slen);
      ta_put_dims(&m, l->dims, l->rank), buf_puts(&m, " and "), ta_put_dims(&m, r->dims, r->rank), buf_puts(&m, ".");
      return ta_raise_buf(t, span, &m);
    }
  }
  for (int i = 0; i < 3; i++)
    if (!check_spec(t, &v->items[i], i, pairs[i], span)) return false;
  for (int i = 0; i < 3; i++)
    if (!spec_perm(t, v->items, i, pairs[i], d->spec[i], span)) return false;
  return true;
}

/* lax.padtype_to_pads of a padding string, on the spatial sizes in rhs
 * order and the rhs-dilated window. */
static bool string_padding(tracer *t, const value *p, tj_span span, const int64_t *in, const int64_t *win,
                           const tj_conv *c, tj_conv *out) {
  char up[16] = {0};
  for (uint32_t i = 0; i < p->slen && i < 15; i++) up[i] = (char)(p->s[i] >= 'a' && p->s[i] <= 'z' ? p->s[i] - 32 : p->s[i]);
  bool same = strcmp(up, "SAME") == 0, lower = strcmp(up, "SAME_LOWER") == 0;
  if (p->slen >= 15 || (!same && !lower && strcmp(up, "VALID") != 0))
    return tracer_error(t, span, "RuntimeError: Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got %.*s.",
                        (int)p->slen, p->s);
  out->npad = c->nstrides;
  for (int i = 0; i < c->nstrides; i++) {
    int64_t s = c->strides[i] > 0 ? c->strides[i] : 1, o = (in[i] + s - 1) / s, pad = (o - 1) * s + win[i] - in[i];
    if (pad < 0 || (!same && !lower)) pad = 0;
    out->pad_lo[i] = same ? pad / 2 : pad - pad / 2, out->pad_hi[i] = pad - out->pad_lo[i];
  }
  return true;
}

static bool explicit_padding(tracer *t, const value *p, tj_span span, tj_conv *c) {
  bool ok = p->kind == V_TUPLE && p->n <= TJ_MAX_RANK;
  for (int i = 0; ok && i < p->n; i++) {
    const value *q = &p->items[i];
    ok = q->kind == V_TUPLE && q->n == 2 && q->items[0].kind == V_INT && q->items[1].kind == V_INT;
    if (ok) c->pad_lo[i] = q->items[0].i, c->pad_hi[i] = q->items[1].i;
  }
  if (ok) return c->npad = p->n, true;
  tj_buf m = {0};
  buf_puts(&m, "ValueError: padding argument to conv_general_dilated should be a string or a sequence of (low, high) pairs, got ");
  ta_put_value(t, &m, p);
  return ta_raise_buf(t, span, &m);
}

/* conv_general_dilated's argument handling before the bind. */
static bool conv_params(tracer *t, const conv_args *a, const tj_aval *l, const tj_aval *r, tj_conv *c) {
  memset(c, 0, sizeof *c);
  c->preferred = DT_COUNT, c->feature_groups = 1, c->batch_groups = 1;
  note_use(t, a->padding->prov, USE_SHAPE); /* they decide params and shapes */
  if (a->dnums) note_use(t, a->dnums->prov, USE_SHAPE);
  if (!dimension_numbers(t, a, l, r, &c->dn)) return false;
  int nsp = l->rank - 2;
  if (!read_ints(t, a->strides, a->sspan, "window_strides", c->strides, &c->nstrides)) return false;
  c->nlhs_dil = c->nrhs_dil = nsp;
  for (int i = 0; i < nsp; i++) c->lhs_dil[i] = c->rhs_dil[i] = 1;
  if (a->lhs_dil && !read_ints(t, a->lhs_dil, a->lspan, "lhs_dilation", c->lhs_dil, &c->nlhs_dil)) return false;
  bool ones = true;
  for (int i = 0; i < c->nlhs_dil; i++) ones = ones && c->lhs_dil[i] == 1;
  if (a->padding->kind == V_STR && !ones)
    return tracer_error(t, a->pspan, "ValueError: String padding is not implemented for transposed convolution using this op. Please either exactly specify the required padding or use conv_transpose.");
  if (a->rhs_dil && !read_ints(t, a->rhs_dil, a->rspan, "rhs_dilation", c->rhs_dil, &c->nrhs_dil)) return false;
  if (a->fgc && !ta_index_of(t, a->fgc, a->fspan, &c->feature_groups)) return false;
  if (a->bgc && !ta_index_of(t, a->bgc, a->bspan, &c->batch_groups)) return false;
  if (a->pref && !ta_get_dtype(t, a->pref, a->pfspan, &c->preferred)) return false;
  if (a->padding->kind != V_STR) return explicit_padding(t, a->padding, a->pspan, c);
  int64_t in[TJ_MAX_RANK], win[TJ_MAX_RANK];
  for (int i = 0; i < nsp && i < c->nstrides; i++) {
    int64_t k = r->dims[c->dn.spec[1][2 + i]], d = i < c->nrhs_dil ? c->rhs_dil[i] : 1;
    in[i] = l->dims[c->dn.spec[0][2 + i]], win[i] = k ? 1 + d * (k - 1) : 0; /* core.dilate_dim */
  }
  if (c->nstrides > nsp) c->nstrides = nsp; /* the shape rule names the mismatch */
  return string_padding(t, a->padding, a->pspan, in, win, c, c);
}

/* The equation, after the shape rule's checks with JAX's exception;
 * precision the param's value (NULL: None). */
static bool conv_bind(tracer *t, value lhs, value rhs, const tj_conv *c, pval *precision, tj_span span,
                      value *out) {
  tj_aval l = value_aval(t, &lhs), r = value_aval(t, &rhs), o;
  tj_buf msg = {0};
  const char *exc;
  if (!conv_shape(&l, &r, c, &o, &exc, &msg)) {
    tracer_error(t, span, "%s: %s", exc, msg.data);
    return buf_free(&msg), false;
  }
  ir_atom in[2];
  if (!own_atom(t, &lhs, span, &in[0]) || !own_atom(t, &rhs, span, &in[1])) return false;
  ir_module *m = t->m;
  ir_param ps[10] = {
      {"batch_group_count", pv_int(m, c->batch_groups)},
      {"dimension_numbers", ir_conv_dims_new(m, &c->dn)},
      {"feature_group_count", pv_int(m, c->feature_groups)},
      {"lhs_dilation", pv_ints(m, PV_TUPLE, c->lhs_dil, c->nlhs_dil)},
      {"out_sharding", pv_none(m)},
      {"padding", ir_padding_new(m, c->pad_lo, c->pad_hi, c->npad)},
      {"precision", precision ? precision : pv_none(m)},
      {"preferred_element_type", c->preferred == DT_COUNT ? pv_none(m) : pv_dtype(m, c->preferred)},
      {"rhs_dilation", pv_ints(m, PV_TUPLE, c->rhs_dil, c->nrhs_dil)},
      {"window_strides", pv_ints(m, PV_TUPLE, c->strides, c->nstrides)}};
  return emit(t, P_conv_general_dilated, in, 2, &o, ps, 10, span, out);
}

static bool conv_operands(tracer *t, const builtin_def *b, const call_args *a, conv_args *ca) {
  ca->lhs = a->pos[0], ca->rhs = a->pos[1];
  if (!ta_check_array(t, b, &ca->lhs, 0, a->pos_spans[0]) || !ta_check_array(t, b, &ca->rhs, 1, a->pos_spans[1]))
    return false;
  if (ca->lhs.kind != V_TRACED || ca->rhs.kind != V_TRACED || !ca->strides || !ca->padding)
    return tracer_error(t, a->call->span, "TypeError: %s() needs two arrays, window_strides and padding", b->name);
  return true;
}

static bool builtin_conv_general(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  conv_args ca = {0};
  bool lax_conv = b->prim == P_iota; /* lax.conv: no dilations, groups or layouts */
  if (!ta_get_arg(t, b, a, 2, "window_strides", &ca.strides, &ca.sspan) ||
      !ta_get_arg(t, b, a, 3, "padding", &ca.padding, &ca.pspan) ||
      !ta_get_arg(t, b, a, lax_conv ? 4 : 9, "precision", &ca.precision, &ca.prspan) ||
      !ta_get_arg(t, b, a, lax_conv ? 5 : 10, "preferred_element_type", &ca.pref, &ca.pfspan))
    return false;
  if (!lax_conv &&
      (!ta_get_arg(t, b, a, 4, "lhs_dilation", &ca.lhs_dil, &ca.lspan) ||
       !ta_get_arg(t, b, a, 5, "rhs_dilation", &ca.rhs_dil, &ca.rspan) ||
       !ta_get_arg(t, b, a, 6, "dimension_numbers", &ca.dnums, &ca.dspan) ||
       !ta_get_arg(t, b, a, 7, "feature_group_count", &ca.fgc, &ca.fspan) ||
       !ta_get_arg(t, b, a, 8, "batch_group_count", &ca.bgc, &ca.bspan)))
    return false;
  if (!ca.dnums) ca.dspan = a->call->span;
  if (!conv_operands(t, b, a, &ca)) return false;
  tj_aval l = value_aval(t, &ca.lhs), r = value_aval(t, &ca.rhs);
  tj_conv c;
  pval *precision;
  return conv_params(t, &ca, &l, &r, &c) && ta_precision(t, ca.precision, ca.prspan, &precision) &&
         conv_bind(t, ca.lhs, ca.rhs, &c, precision, a->call->span, out);
}

/* ---- jnp.convolve ---- */

typedef struct convolve_opts {
  int mode;                /* 0 full, 1 same, 2 valid */
  tj_dtype preferred;      /* preferred_element_type; DT_COUNT: None */
  pval *precision;         /* the param's value; NULL: None */
} convolve_opts;

/* The jit cache's static arguments of convolve and _conv. */
static value convolve_key(tracer *t, const convolve_opts *o) {
  value key = {.kind = V_TUPLE, .n = 3};
  key.items = ARENA_ARRAY(&t->scratch, value, 3);
  key.items[0] = value_int(o->mode), key.items[1] = value_int(o->preferred), key.items[2] = value_none();
  if (o->precision) key.items[2] = (value){.kind = V_STR, .s = o->precision->s, .slen = (uint32_t)strlen(o->precision->s)};
  return key;
}

static const ast_func conv_tag, convolve_tag, flip_tag; /* identities in the jit cache (trace.h jnp_jit) */

static bool flip_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  (void)ctx;
  *out = args[0];
  int64_t dim = 0;
  ir_atom in = ATOM_VAR(out->var);
  ir_param p = {"dimensions", pv_ints(t->m, PV_TUPLE, &dim, 1)};
  return emit(t, P_rev, &in, 1, NULL, &p, 1, span, out);
}

/* _conv's body: promote_dtypes_inexact, swap, flip, pad, conv, [0, 0, :]. */
static bool conv1d_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const convolve_opts *o = ctx;
  value x = args[0], y = args[1];
  tj_aval xa = value_aval(t, &x), ya = value_aval(t, &y);
  if (xa.rank != 1 || ya.rank != 1) return tracer_error(t, span, "ValueError: convolve() only support 1-dimensional inputs.");
  bool weak;
  tj_dtype dt = dtype_promote(xa.dtype, xa.weak, ya.dtype, ya.weak, &weak);
  if (o->preferred == DT_COUNT) dt = dtype_to_inexact(dt); /* promote_dtypes_inexact */
  if (!ta_cast(t, &x, &xa, dt, false, span) || !ta_cast(t, &y, &ya, dt, false, span)) return false;
  if (xa.dims[0] == 0 || ya.dims[0] == 0)
    return tracer_error(t, span, "ValueError: convolve: inputs cannot be empty, got shapes (%lld,) and (%lld,).",
                        (long long)xa.dims[0], (long long)ya.dims[0]);
  if (xa.dims[0] < ya.dims[0]) {
    value s = x;
    x = y, y = s;
  }
  value none = {.kind = V_TUPLE, .n = 0};
  jnp_jit_fn flip = {"_flip", &flip_tag, none, flip_body, NULL};
  if (!jnp_jit(t, &flip, &y, 1, span, &y)) return false;
  int64_t k = value_aval(t, &y).dims[0], at[2] = {0, 1};
  tj_conv c = {.nstrides = 1, .strides = {1}, .nlhs_dil = 1, .lhs_dil = {1}, .nrhs_dil = 1, .rhs_dil = {1},
               .npad = 1, .feature_groups = 1, .batch_groups = 1, .preferred = o->preferred};
  c.dn.rank = 3;
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < 3; i++) c.dn.spec[s][i] = i;
  c.pad_lo[0] = o->mode == 2 ? 0 : o->mode == 1 ? k / 2 : k - 1;
  c.pad_hi[0] = o->mode == 2 ? 0 : o->mode == 1 ? k - k / 2 - 1 : k - 1;
  if (!ta_expand_at(t, &x, at, 2, span) || !ta_expand_at(t, &y, at, 2, span)) return false;
  if (!conv_bind(t, x, y, &c, o->precision, span, out)) return false;
  return ta_squeeze_dims(t, out, at, 2, span);
}

static bool convolve_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const convolve_opts *o = ctx;
  jnp_jit_fn fn = {"_conv", &conv_tag, convolve_key(t, o), conv1d_body, o};
  return jnp_jit(t, &fn, args, 2, span, out);
}

static bool builtin_convolve(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *modev, *prec, *pref;
  tj_span ms, ps, fs, span = a->call->span;
  value xy[2] = {a->pos[0], a->pos[1]};
  if (!ta_check_array(t, b, &xy[0], 0, a->pos_spans[0]) || !ta_check_array(t, b, &xy[1], 1, a->pos_spans[1]) ||
      !ta_get_arg(t, b, a, 2, "mode", &modev, &ms) || !ta_get_arg(t, b, a, 99, "precision", &prec, &ps) ||
      !ta_get_arg(t, b, a, 99, "preferred_element_type", &pref, &fs))
    return false;
  convolve_opts o = {.preferred = DT_COUNT};
  if (!ta_precision(t, prec, ps, &o.precision)) return false;
  if (pref && !ta_get_dtype(t, pref, fs, &o.preferred)) return false;
  if (modev) {
    note_use(t, modev->prov, USE_SHAPE);
    static const char *const modes[3] = {"full", "same", "valid"};
    o.mode = -1;
    for (int i = 0; i < 3; i++)
      if (modev->kind == V_STR && modev->slen == strlen(modes[i]) && memcmp(modev->s, modes[i], modev->slen) == 0) o.mode = i;
    if (o.mode < 0) return tracer_error(t, ms, "ValueError: mode must be one of ['full', 'same', 'valid']");
  }
  for (int i = 0; i < 2; i++) {
    ir_atom at;
    if (xy[i].kind == V_TRACED) continue;
    if (!own_atom(t, &xy[i], span, &at)) return false;
    if (ATOM_IS_LIT(at)) return tracer_error(t, span, "ValueError: convolve() only support 1-dimensional inputs.");
    xy[i] = value_traced(ATOM_INDEX(at));
  }
  jnp_jit_fn fn = {"convolve", &convolve_tag, convolve_key(t, &o), convolve_body, &o};
  return jnp_jit(t, &fn, xy, 2, span, out);
}

static const char *const kw_conv_general[] = {"window_strides", "padding", "lhs_dilation", "rhs_dilation",
                                              "dimension_numbers", "feature_group_count", "batch_group_count",
                                              "precision", "preferred_element_type", NULL};
static const char *const kw_conv[] = {"window_strides", "padding", "precision", "preferred_element_type", NULL};
static const char *const kw_convolve[] = {"mode", "precision", "preferred_element_type", NULL};

/* prim tells lax.conv (P_iota) from conv_general_dilated. */
const builtin_def builtins_conv[] = {
    {"conv_general_dilated", builtin_conv_general, 2, 11, kw_conv_general, P_conv_general_dilated},
    {"conv", builtin_conv_general, 2, 6, kw_conv, P_iota},
    {"convolve", builtin_convolve, 2, 3, kw_convolve, P_conv_general_dilated},
    {NULL, NULL, 0, 0, NULL, 0},
};
