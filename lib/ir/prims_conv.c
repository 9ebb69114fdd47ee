/* lax.conv_general_dilated_p (jax/_src/lax/convolution.py): its params'
 * record (ConvDimensionNumbers) and padding, the shape and dtype rules
 * with JAX's texts (_conv_general_dilated_shape_rule, conv_shape_tuple,
 * lax._dilate_shape, _conv_general_dilated_dtype_rule) and the canonical
 * geometry that the evaluator and the C share. */
#include "conv.h"
#include "prims.h"

#include <stdarg.h>
#include <string.h>

const char *const ir_conv_fields[IR_CONV_FIELDS] = {"lhs_spec", "rhs_spec", "out_spec"};

pval *ir_conv_dims_new(ir_module *m, const ir_conv_dims *d) {
  ir_ints_in vals[IR_CONV_FIELDS];
  for (int i = 0; i < IR_CONV_FIELDS; i++) vals[i] = (ir_ints_in){d->spec[i], d->rank};
  return ir_int_record_new(m, "ConvDimensionNumbers", ir_conv_fields, IR_CONV_FIELDS, vals);
}

bool ir_pval_conv_dims(const pval *p, ir_conv_dims *d) {
  int n[IR_CONV_FIELDS];
  ir_ints_out vals[IR_CONV_FIELDS];
  for (int i = 0; i < IR_CONV_FIELDS; i++) vals[i] = (ir_ints_out){d->spec[i], &n[i]};
  if (!ir_pval_int_record(p, ir_conv_fields, IR_CONV_FIELDS, vals, IR_CONV_FIELDS)) return false;
  d->rank = n[0];
  for (int i = 1; i < IR_CONV_FIELDS; i++)
    if (n[i] != d->rank) return false;
  /* each spec a permutation of the dimensions (ConvDimensionNumbers as
   * conv_general_permutations makes them; a listing read back may hold
   * any ints, and the shape rule indexes shapes with them) */
  for (int i = 0; i < IR_CONV_FIELDS; i++) {
    bool seen[TJ_MAX_RANK] = {false};
    for (int k = 0; k < d->rank; k++) {
      int64_t v = d->spec[i][k];
      if (v < 0 || v >= d->rank || seen[v]) return false;
      seen[v] = true;
    }
  }
  return d->rank >= 2;
}

int ir_pval_padding(const pval *p, int64_t *lo, int64_t *hi, int max) {
  if (!p || p->kind != PV_TUPLE || p->nitems > max) return -1;
  for (int i = 0; i < p->nitems; i++) {
    int64_t pair[2];
    if (!p->items[i] || p->items[i]->kind != PV_TUPLE || ir_pval_ints(p->items[i], pair, 2) != 2) return -1;
    lo[i] = pair[0], hi[i] = pair[1];
  }
  return p->nitems;
}

pval *ir_padding_new(ir_module *m, const int64_t *lo, const int64_t *hi, int n) {
  pval *v = pv_seq(m, PV_TUPLE, n);
  for (int i = 0; i < n; i++) v->items[i] = pv_ints(m, PV_TUPLE, (const int64_t[]){lo[i], hi[i]}, 2);
  return v;
}

bool conv_read(const ir_eqn *e, tj_conv *c) {
  memset(c, 0, sizeof *c);
  c->nstrides = ir_param_ints(e, "window_strides", c->strides, TJ_MAX_RANK);
  c->nlhs_dil = ir_param_ints(e, "lhs_dilation", c->lhs_dil, TJ_MAX_RANK);
  c->nrhs_dil = ir_param_ints(e, "rhs_dilation", c->rhs_dil, TJ_MAX_RANK);
  c->npad = ir_pval_padding(ir_param_get(e, "padding"), c->pad_lo, c->pad_hi, TJ_MAX_RANK);
  c->feature_groups = ir_param_int(e, "feature_group_count", 0);
  c->batch_groups = ir_param_int(e, "batch_group_count", 0);
  c->preferred = ir_param_dtype(e, "preferred_element_type", DT_COUNT);
  return ir_pval_conv_dims(ir_param_get(e, "dimension_numbers"), &c->dn) && c->nstrides >= 0 &&
         c->nlhs_dil >= 0 && c->nrhs_dil >= 0 && c->npad >= 0;
}

/* Python's str() of a tuple of ints. */
static void put_tuple(tj_buf *b, const int64_t *v, int n) {
  buf_puts(b, "(");
  for (int i = 0; i < n; i++) buf_printf(b, i ? ", %lld" : "%lld", (long long)v[i]);
  buf_puts(b, n == 1 ? ",)" : ")");
}

static bool fail(const char **exc, const char *kind, tj_buf *msg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(msg, fmt, ap);
  va_end(ap);
  *exc = kind;
  return false;
}

/* The feature and batch group checks, in the shape rule's order. */
static bool check_groups(const tj_aval *l, const tj_aval *r, const tj_conv *c, const char **exc, tj_buf *msg) {
  const int64_t *ls = c->dn.spec[0], *rs = c->dn.spec[1], fg = c->feature_groups, bg = c->batch_groups;
  int64_t lf = l->dims[ls[1]], ri = r->dims[rs[1]], ro = r->dims[rs[0]], lb = l->dims[ls[0]];
  const char *p = "conv_general_dilated";
  if (fg <= 0) return fail(exc, "ValueError", msg, "%s feature_group_count must be a positive integer, got %lld.", p, (long long)fg);
  if (lf % fg)
    return fail(exc, "ValueError", msg, "%s feature_group_count must divide lhs feature dimension size, but %lld does not divide %lld.",
                p, (long long)fg, (long long)lf);
  if (lf / fg != ri)
    return fail(exc, "ValueError", msg, "%s lhs feature dimension size divided by feature_group_count must equal the rhs input feature dimension size, but %lld // %lld != %lld.",
                p, (long long)lf, (long long)fg, (long long)ri);
  if (ro % fg)
    return fail(exc, "ValueError", msg, "%s rhs output feature dimension size must be a multiple of feature_group_count, but %lld is not a multiple of %lld.",
                p, (long long)ro, (long long)fg);
  if (bg <= 0) return fail(exc, "ValueError", msg, "%s batch_group_count must be a positive integer, got %lld.", p, (long long)bg);
  if (bg > 1 && lb % bg)
    return fail(exc, "ValueError", msg, "%s batch_group_count must divide lhs batch dimension size, but %lld does not divide %lld.",
                p, (long long)bg, (long long)lb);
  if (ro % bg)
    return fail(exc, "ValueError", msg, "%s rhs output feature dimension size must be a multiple of batch_group_count, but %lld is not a multiple of %lld.",
                p, (long long)ro, (long long)bg);
  if (bg > 1 && fg > 1)
    return fail(exc, "ValueError", msg, "At most one of batch_group_count and feature_group_count may be > 1, got batch_group_count=%lld and feature_group_count=%lld",
                (long long)bg, (long long)fg);
  return true;
}

/* lax._dilate_shape of the spatial sizes (the batch and feature sizes are
 * never dilated): out[i] = max(0, 1 + dil[i] * (d[i] - 1)). */
static bool dilate(const int64_t *d, const int64_t *dil, int n, int64_t *out, const char **exc, tj_buf *msg) {
  for (int i = 0; i < n; i++)
    if (dil[i] <= 0) {
      buf_puts(msg, "All dilations must be positive, got ");
      put_tuple(msg, dil, n);
      return fail(exc, "TypeError", msg, ".");
    }
  for (int i = 0; i < n; i++) out[i] = d[i] ? 1 + dil[i] * (d[i] - 1) : 0;
  return true;
}

/* conv_shape_tuple on the dilated spatial sizes: the output's. */
static bool spatial_out(const int64_t *lsz, const int64_t *rsz, const tj_conv *c, int nsp, int64_t *out,
                        const char **exc, tj_buf *msg) {
  if (c->npad != nsp)
    return fail(exc, "TypeError", msg, "Wrong number of explicit pads for convolution: expected %d, got %d.", nsp, c->npad);
  for (int i = 0; i < nsp; i++)
    if (lsz[i] + c->pad_lo[i] + c->pad_hi[i] < 0) {
      buf_puts(msg, "Negative padding is larger than the size of the corresponding dimension: got padding=(");
      for (int j = 0; j < nsp; j++)
        buf_printf(msg, "%s(%lld, %lld)", j ? ", " : "", (long long)c->pad_lo[j], (long long)c->pad_hi[j]);
      buf_puts(msg, nsp == 1 ? ",) for lhs_shape[2:]=" : ") for lhs_shape[2:]=");
      put_tuple(msg, lsz, nsp);
      return fail(exc, "ValueError", msg, "");
    }
  for (int i = 0; i < nsp; i++) {
    if (c->strides[i] <= 0) return fail(exc, "ValueError", msg, "conv_general_dilated window_strides must be positive (tjit)");
    int64_t span = lsz[i] + c->pad_lo[i] + c->pad_hi[i] - rsz[i];
    out[i] = span < 0 ? 0 : span / c->strides[i] + 1; /* core.stride_dim */
  }
  return true;
}

/* The shape rule from the rank check to the output's canonical sizes. */
static bool canonical_out(const tj_aval *l, const tj_aval *r, const tj_conv *c, int64_t *osz, const char **exc,
                          tj_buf *msg) {
  if (l->rank != r->rank) {
    buf_puts(msg, "conv_general_dilated lhs and rhs must have the same number of dimensions, but got ");
    put_tuple(msg, l->dims, l->rank), buf_puts(msg, " and "), put_tuple(msg, r->dims, r->rank);
    return fail(exc, "ValueError", msg, ".");
  }
  if (c->dn.rank != l->rank || l->rank < 2) return fail(exc, "TypeError", msg, "conv_general_dilated dimension_numbers do not fit the operands");
  if (!check_groups(l, r, c, exc, msg)) return false;
  int nsp = l->rank - 2;
  if (nsp != c->nstrides)
    return fail(exc, "ValueError", msg, "conv_general_dilated window and window_strides must have the same number of dimensions, but got %d and %d",
                nsp, c->nstrides);
  if (c->nlhs_dil != nsp || c->nrhs_dil != nsp) return fail(exc, "TypeError", msg, "conv_general_dilated dilations must have one entry per spatial dimension (tjit)");
  int64_t lsz[TJ_MAX_RANK], rsz[TJ_MAX_RANK], ld[TJ_MAX_RANK], rd[TJ_MAX_RANK];
  for (int i = 0; i < nsp; i++) lsz[i] = l->dims[c->dn.spec[0][2 + i]], rsz[i] = r->dims[c->dn.spec[1][2 + i]];
  if (!dilate(lsz, c->lhs_dil, nsp, ld, exc, msg) || !dilate(rsz, c->rhs_dil, nsp, rd, exc, msg)) return false;
  int64_t lb = l->dims[c->dn.spec[0][0]];
  osz[0] = c->batch_groups > 1 ? lb / c->batch_groups : lb;
  osz[1] = r->dims[c->dn.spec[1][0]];
  return spatial_out(ld, rd, c, nsp, osz + 2, exc, msg);
}

/* _conv_general_dilated_dtype_rule: equal dtypes (lax.check_same_dtypes),
 * then lax._validate_preferred_element_type. */
static bool out_dtype(tj_dtype l, tj_dtype r, tj_dtype pref, tj_dtype *out, const char **exc, tj_buf *msg) {
  if (l != r)
    return fail(exc, "TypeError", msg, "lax.conv_general_dilated requires arguments to have the same dtypes, got %s, %s.",
                dtype_long(l), dtype_long(r));
  *out = pref == DT_COUNT ? l : pref;
  if (pref == DT_COUNT) return true;
  bool int_to_float = dtype_is_int(l) && dtype_is_float(pref);
  if (!int_to_float && ((dtype_is_int(l) && !dtype_is_int(pref)) || (dtype_is_float(l) && !dtype_is_float(pref))))
    return fail(exc, "TypeError", msg, "Input type is incompatible with `preferred_element_type`. The compatible combinations of (input_type, preferred_element_type) are (integral, integral), (integral, floating), (floating, floating), (complex, complex.");
  if (!int_to_float && dtype_kindof(l) == DK_SIGNED && dtype_kindof(pref) != DK_SIGNED)
    return fail(exc, "TypeError", msg, "`preferred_element_type` must have the same signedness as the original type.");
  if (dtype_size(pref) < dtype_size(l))
    return fail(exc, "TypeError", msg, "`preferred_element_type` must not be narrower than the original type.");
  return true;
}

bool conv_shape(const tj_aval *lhs, const tj_aval *rhs, const tj_conv *c, tj_aval *out, const char **exc,
                tj_buf *msg) {
  int64_t osz[TJ_MAX_RANK];
  tj_dtype dt = DT_F32;
  if (!canonical_out(lhs, rhs, c, osz, exc, msg) || !out_dtype(lhs->dtype, rhs->dtype, c->preferred, &dt, exc, msg))
    return false;
  *out = *lhs;
  out->dtype = dt;
  out->weak = false;
  for (int i = 0; i < lhs->rank; i++) out->dims[c->dn.spec[2][i]] = osz[i]; /* np.take(out, argsort(out_perm)) */
  return true;
}

bool shape_conv(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_conv c;
  if (!conv_read(e, &c)) return shape_rule_error(diags, m, e, "conv_general_dilated with malformed params");
  tj_aval l = ir_atom_aval(m, e->in[0]), r = ir_atom_aval(m, e->in[1]);
  tj_buf msg = {0};
  const char *exc;
  bool ok = conv_shape(&l, &r, &c, out, &exc, &msg);
  if (!ok) shape_rule_error(diags, m, e, "%s", msg.data);
  buf_free(&msg);
  return ok;
}

static void row_major(const tj_aval *a, int64_t *st) {
  int64_t s = 1;
  for (int i = a->rank - 1; i >= 0; i--) st[i] = s, s *= a->dims[i];
}

void conv_geometry(const tj_conv *c, const tj_aval *lhs, const tj_aval *rhs, const tj_aval *out, long *geo) {
  int64_t ls[TJ_MAX_RANK], rs[TJ_MAX_RANK], os[TJ_MAX_RANK];
  const int64_t *lp = c->dn.spec[0], *rp = c->dn.spec[1], *op = c->dn.spec[2];
  row_major(lhs, ls), row_major(rhs, rs), row_major(out, os);
  memset(geo, 0, sizeof *geo * CONV_GEO_LEN);
  int nsp = lhs->rank - 2;
  geo[CONV_NSP] = nsp, geo[CONV_N] = lhs->dims[lp[0]], geo[CONV_CIN] = lhs->dims[lp[1]];
  geo[CONV_COUT] = rhs->dims[rp[0]], geo[CONV_GROUPS] = c->feature_groups;
  geo[CONV_LHS_SN] = ls[lp[0]], geo[CONV_LHS_SC] = ls[lp[1]], geo[CONV_RHS_SO] = rs[rp[0]];
  geo[CONV_RHS_SI] = rs[rp[1]], geo[CONV_OUT_SN] = os[op[0]], geo[CONV_OUT_SC] = os[op[1]];
  for (int i = 0; i < nsp; i++) {
    long *s = &CONV_AT(geo, i, 0);
    s[CS_IN] = lhs->dims[lp[2 + i]], s[CS_K] = rhs->dims[rp[2 + i]], s[CS_OUT] = out->dims[op[2 + i]];
    s[CS_LHS_S] = ls[lp[2 + i]], s[CS_RHS_S] = rs[rp[2 + i]], s[CS_OUT_S] = os[op[2 + i]];
    s[CS_STRIDE] = c->strides[i], s[CS_PAD_LO] = c->pad_lo[i];
    s[CS_LHS_DIL] = c->lhs_dil[i], s[CS_RHS_DIL] = c->rhs_dil[i];
  }
}
