/* Shape rules of lax.pad_p (jax/_src/lax/lax.py _pad_shape_rule,
 * _pad_dtype_rule) and of the monoid windowed reductions
 * reduce_window_{sum,max,min}_p (jax/_src/lax/windowed_reductions.py
 * _common_reduce_window_shape_rule, reduce_window_shape_tuple), with JAX's
 * messages and in JAX's order: the shape rule before the dtype rule. */
#include "prims_window.h"

#include <string.h>

#include "diag.h"
#include "prims.h"
#include "print.h"
#include "util.h"

#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)


/* The rows of a tuple-of-tuples param, each of width ints, into rows
 * (row i at rows[i * width]): their number, or -1 when malformed or longer
 * than TJ_MAX_RANK. */
static int read_rows(const pval *p, int width, int64_t *rows) {
  if (!p || p->kind != PV_TUPLE || p->nitems > TJ_MAX_RANK) return -1;
  for (int i = 0; i < p->nitems; i++)
    if (ir_pval_ints(p->items[i], rows + i * width, width) != width) return -1;
  return p->nitems;
}

int64_t window_dilate(int64_t d, int64_t dilation) {
  int64_t r = 1 + dilation * (d - 1);
  return dilation == 1 ? d : r > 0 ? r : 0;
}

/* Python's floor division by a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int64_t window_out_dim(const window_spec *w, int k, int64_t d) {
  int64_t padded = window_dilate(d, w->base[k]) + w->lo[k] + w->hi[k];
  int64_t n = floor_div(padded - window_dilate(w->dims[k], w->wdil[k]), w->strides[k]) + 1;
  return n > 0 ? n : 0;
}

bool pad_spec_read(const ir_eqn *e, int rank, pad_spec *p) {
  int64_t rows[3 * TJ_MAX_RANK];
  if (read_rows(ir_param_get(e, "padding_config"), 3, rows) != rank) return false;
  p->rank = rank;
  for (int k = 0; k < rank; k++) p->lo[k] = rows[3 * k], p->hi[k] = rows[3 * k + 1], p->interior[k] = rows[3 * k + 2];
  return true;
}

bool window_spec_read(const ir_eqn *e, int rank, window_spec *w) {
  int64_t rows[2 * TJ_MAX_RANK];
  w->rank = rank;
  if (ir_param_ints(e, "window_dimensions", w->dims, TJ_MAX_RANK) != rank ||
      ir_param_ints(e, "window_strides", w->strides, TJ_MAX_RANK) != rank ||
      ir_param_ints(e, "base_dilation", w->base, TJ_MAX_RANK) != rank ||
      ir_param_ints(e, "window_dilation", w->wdil, TJ_MAX_RANK) != rank ||
      read_rows(ir_param_get(e, "padding"), 2, rows) != rank)
    return false;
  for (int k = 0; k < rank; k++) w->lo[k] = rows[2 * k], w->hi[k] = rows[2 * k + 1];
  return true;
}

bool select_scatter_spec_read(const ir_eqn *e, int rank, window_spec *w) {
  int64_t rows[2 * TJ_MAX_RANK];
  w->rank = rank;
  if (ir_param_ints(e, "window_dimensions", w->dims, TJ_MAX_RANK) != rank ||
      ir_param_ints(e, "window_strides", w->strides, TJ_MAX_RANK) != rank ||
      read_rows(ir_param_get(e, "padding"), 2, rows) != rank)
    return false;
  for (int k = 0; k < rank; k++) w->lo[k] = rows[2 * k], w->hi[k] = rows[2 * k + 1], w->base[k] = w->wdil[k] = 1;
  return true;
}

/* str() of a param value, for a message. */
static const char *param_text(const ir_module *m, const ir_eqn *e, const char *key, diag_list *diags) {
  tj_buf b = {0};
  print_param_value(m, ir_param_get(e, key), &b);
  char *text = arena_strdup(diags->arena, b.data ? b.data : "");
  buf_free(&b);
  return text;
}

bool shape_pad(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]), v = ir_atom_aval(m, e->in[1]);
  if (v.rank != 0)
    return shape_rule_value_error(diags, m, e, "padding_value must be a scalar; got np.shape(padding_value)=%s",
                       shape_rule_tuple(diags, v.dims, v.rank));
  const pval *cfg = ir_param_get(e, "padding_config");
  if (!cfg || cfg->kind != PV_TUPLE || cfg->nitems != a.rank)
    return shape_rule_value_error(diags, m, e,
                       "length of padding_config must equal the number of axes of operand, got padding_config %s "
                       "for operand shape %s",
                       param_text(m, e, "padding_config", diags), shape_rule_tuple(diags, a.dims, a.rank));
  pad_spec p;
  if (!pad_spec_read(e, a.rank, &p)) return REJECT("pad's padding_config must hold (low, high, interior) triples");
  for (int k = 0; k < a.rank; k++)
    if (p.interior[k] < 0)
      return shape_rule_value_error(diags, m, e, "interior padding in padding_config must be nonnegative, got padding_config %s",
                         param_text(m, e, "padding_config", diags));
  *out = a;
  bool negative = false;
  for (int k = 0; k < a.rank; k++) {
    out->dims[k] = p.lo[k] + p.hi[k] + window_dilate(a.dims[k], p.interior[k] + 1);
    negative |= out->dims[k] < 0;
  }
  if (negative)
    return shape_rule_value_error(diags, m, e,
                       "Dimension size after padding is not at least 0, got result shape %s, for padding_config %s "
                       "and operand shape %s",
                       shape_rule_tuple(diags, out->dims, a.rank), param_text(m, e, "padding_config", diags),
                       shape_rule_tuple(diags, a.dims, a.rank));
  if (a.dtype != v.dtype)
    return REJECT("pad operand and padding_value must be same dtype: got %s and %s.", dtype_long(a.dtype),
                  dtype_long(v.dtype));
  out->weak = a.weak && v.weak;
  return true;
}

/* lax._check_shapelike of a window param: every element >= 1 (positive)
 * or >= 0. */
static bool check_shapelike(const ir_module *m, const ir_eqn *e, diag_list *diags, const char *key, bool positive) {
  int64_t v[TJ_MAX_RANK];
  int n = ir_param_ints(e, key, v, TJ_MAX_RANK);
  if (n < 0) return REJECT("reduce_window %s must be a tuple of at most %d ints", key, TJ_MAX_RANK);
  for (int i = 0; i < n; i++)
    if (v[i] < (positive ? 1 : 0))
      return REJECT("reduce_window %s must have every element be %s, got %s.", key,
                    positive ? "strictly positive" : "nonnegative", param_text(m, e, key, diags));
  return true;
}

/* The lengths of window_strides, base_dilation and window_dilation
 * against window_dimensions', then lax._dilate_shape's positivity. */
static bool check_lengths(const ir_module *m, const ir_eqn *e, diag_list *diags, int rank) {
  static const char *const keys[] = {"window_strides", "base_dilation", "window_dilation"};
  int64_t v[TJ_MAX_RANK];
  const char *wd = param_text(m, e, "window_dimensions", diags);
  if (ir_param_ints(e, "window_dimensions", v, TJ_MAX_RANK) != rank) {
    tj_aval a = ir_atom_aval(m, e->in[0]);
    return REJECT("reduce_window got the wrong number of window_dimensions for operand: got operand shape %s "
                  "with window_dimensions %s.", shape_rule_tuple(diags, a.dims, a.rank), wd);
  }
  for (int k = 0; k < 3; k++)
    if (ir_param_ints(e, keys[k], v, TJ_MAX_RANK) != rank)
      return REJECT("reduce_window got inconsistent %s and window_dimensions: got %s %s and window_dimensions %s.",
                    keys[k], keys[k], param_text(m, e, keys[k], diags), wd);
  for (int k = 1; k < 3; k++) {
    ir_param_ints(e, keys[k], v, TJ_MAX_RANK);
    for (int i = 0; i < rank; i++)
      if (v[i] <= 0) return REJECT("All dilations must be positive, got %s.", param_text(m, e, keys[k], diags));
  }
  return true;
}

bool shape_reduce_window(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  if (e->prim == P_reduce_window_sum && a.dtype == DT_BOOL)
    return REJECT("operand to reduce_window_sum must have a number dtype, got bool");
  if (!check_shapelike(m, e, diags, "window_dimensions", true) || !check_shapelike(m, e, diags, "window_strides", true) ||
      !check_shapelike(m, e, diags, "base_dilation", false) || !check_shapelike(m, e, diags, "window_dilation", false) ||
      !check_lengths(m, e, diags, a.rank))
    return false;
  const pval *pad = ir_param_get(e, "padding");
  int np = pad && pad->kind == PV_TUPLE ? pad->nitems : -1;
  if (np >= 0 && np != a.rank)
    return shape_rule_value_error(diags, m, e, "safe_zip() argument 1 has length %d but argument 0 has length %d. All lengths: (%d, %d)",
                       np, a.rank, a.rank, np);
  window_spec w;
  if (!window_spec_read(e, a.rank, &w)) return REJECT("reduce_window's padding must hold (low, high) pairs");
  *out = a;
  for (int k = 0; k < a.rank; k++) out->dims[k] = window_out_dim(&w, k, a.dims[k]);
  return true;
}

/* windowed_reductions.py _select_and_gather_add_shape_rule: tangents and
 * operand of one shape, then the window's shape rule; lax.input_dtype
 * (the tangents' dtype). Only ge and le select (the assertion of its
 * lowering). */
bool shape_select_and_gather_add(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval t = ir_atom_aval(m, e->in[0]), x = ir_atom_aval(m, e->in[1]);
  if (!aval_same_shape(&t, &x))
    return REJECT("select_and_gather_add tangents and operand shapes must match, got %s and %s.",
                  shape_rule_tuple(diags, t.dims, t.rank), shape_rule_tuple(diags, x.dims, x.rank));
  const char *sel = ir_param_name(e, "select_prim");
  if (!sel || (strcmp(sel, "ge") != 0 && strcmp(sel, "le") != 0))
    return REJECT("select_and_gather_add's select_prim must be ge or le");
  if (!dtype_is_float(x.dtype)) return REJECT("select_and_gather_add takes floating operands");
  return shape_reduce_window(m, e, out, diags);
}

/* windowed_reductions.py _select_and_scatter_add_shape_rule: the
 * operand's shape, lax.input_dtype (the source's dtype); tjit also checks
 * what its lowering assumes: one dtype, ge or le, and a source of the
 * window's output shape. */
bool shape_select_and_scatter_add(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval t = ir_atom_aval(m, e->in[0]), x = ir_atom_aval(m, e->in[1]);
  const char *sel = ir_param_name(e, "select_prim");
  if (!sel || (strcmp(sel, "ge") != 0 && strcmp(sel, "le") != 0))
    return REJECT("select_and_scatter_add's select_prim must be ge or le");
  if (!dtype_is_float(x.dtype) || t.dtype != x.dtype)
    return REJECT("select_and_scatter_add takes a source and an operand of one floating dtype");
  window_spec w;
  if (!select_scatter_spec_read(e, x.rank, &w)) return REJECT("select_and_scatter_add needs its window");
  bool fits = t.rank == x.rank;
  for (int k = 0; fits && k < x.rank; k++) fits = w.dims[k] > 0 && w.strides[k] > 0 && t.dims[k] == window_out_dim(&w, k, x.dims[k]);
  if (!fits) return REJECT("select_and_scatter_add's source must have the window's output shape");
  *out = x;
  out->dtype = t.dtype, out->weak = t.weak;
  return true;
}
