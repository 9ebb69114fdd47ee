/* Shape rules of the array primitives (rows in prims.def): reductions,
 * dot_general, transpose, reshape, squeeze, concatenate, iota. Messages
 * are lax's shape-rule messages, raised as TypeErrors (shape_rule_error); the
 * builtins in trace_array.c check user input first and raise JAX's own
 * ValueErrors, so these rules mostly guard ir_check. */
#include "prims.h"
#include "util.h"

#include <string.h>

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)
/* Python's str() of a tuple of ints: (3, 4)  (3,)  () */
#define TUPLE(v, n) shape_rule_tuple(diags, (v), (n))

static tj_aval operand(const ir_module *m, const ir_eqn *e, uint32_t i) {
  return ir_atom_aval(m, e->in[i]);
}

/* True when the n values are distinct and each in [0, bound). */
static bool distinct_in_range(const int64_t *v, int n, int bound) {
  for (int i = 0; i < n; i++) {
    if (v[i] < 0 || v[i] >= bound) return false;
    for (int j = 0; j < i; j++)
      if (v[j] == v[i]) return false;
  }
  return true;
}

/* The aval with the listed dimensions removed (they are in range). */
static tj_aval drop_dims(tj_aval a, const int64_t *dims, int n) {
  tj_aval out = a;
  out.rank = 0;
  for (int d = 0; d < a.rank; d++) {
    bool dropped = false;
    for (int i = 0; i < n; i++) dropped = dropped || dims[i] == d;
    if (!dropped) out.dims[out.rank++] = a.dims[d];
  }
  return out;
}

/* reduce_sum / reduce_prod / reduce_max / reduce_min[axes], and the
 * logical reduce_or / reduce_and[axes] (_reduce_logical_shape_rule: bool
 * or integers, the weak type stripped). */
bool shape_reduce(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t axes[TJ_MAX_RANK];
  int n = ir_pval_ints(ir_param_get(e, "axes"), axes, TJ_MAX_RANK);
  if (n < 0 || !distinct_in_range(axes, n, a.rank))
    return REJECT("%s axes %s must be distinct dimensions of an operand of rank %d", prims[e->prim].name,
                  n < 0 ? "(?)" : TUPLE(axes, n), a.rank);
  if (!shape_rule_dtype_accepted(m, e, 0, a.dtype, diags)) return false;
  bool logical = e->prim == P_reduce_or || e->prim == P_reduce_and;
  if (logical && a.dtype != DT_BOOL && !dtype_is_int(a.dtype))
    return REJECT("logical reduction requires operand dtype bool or int, got %s.", dtype_long(a.dtype));
  out[0] = drop_dims(a, axes, n);
  if (logical) out[0].weak = false;
  return true;
}

/* argmax / argmin[axes=(axis,) index_dtype]: the index dtype, never weak. */
bool shape_argminmax(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t axis;
  tj_dtype index = ir_param_dtype(e, "index_dtype", DT_BOOL); /* missing: refused below */
  if (ir_param_ints(e, "axes", &axis, 1) != 1 || axis < 0 || axis >= a.rank)
    return REJECT("Invalid axis for operand shape %s", TUPLE(a.dims, a.rank));
  if (!dtype_is_int(index)) return REJECT("index_dtype must be an integer type");
  if (a.dims[axis] < 1)
    return REJECT("argmin and argmax require non-empty reduced dimension.");
  out[0] = drop_dims(a, &axis, 1);
  out[0].dtype = index;
  out[0].weak = false;
  return true;
}

/* lax's _dot_general_dtype_rule: the "wider" operand type wins, ordered by
 * (float, bit width, signed); preferred_element_type overrides it. */
static int dot_rank(tj_dtype t) {
  int kind = dtype_is_float(t) ? 2 : t == DT_BOOL ? 0 : 1;
  int bits = t == DT_BOOL ? 1 : 8 * dtype_size(t);
  return kind * 1000 + bits * 2 + (dtype_kindof(t) != DK_UNSIGNED);
}


/* The sizes of the listed dimensions of a. */
static void pick(const tj_aval *a, const int64_t *dims, int n, int64_t *out) {
  for (int i = 0; i < n; i++) out[i] = a->dims[dims[i]];
}

/* Every listed dimension in range, none listed twice across both lists. */
static bool dims_valid(const int64_t *x, int nx, const int64_t *y, int ny, int rank) {
  int64_t all[2 * TJ_MAX_RANK];
  if (nx + ny > rank) return false;
  memcpy(all, x, sizeof *x * (size_t)nx);
  memcpy(all + nx, y, sizeof *y * (size_t)ny);
  return distinct_in_range(all, nx + ny, rank);
}

bool shape_dot_general(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval l = operand(m, e, 0), r = operand(m, e, 1);
  ir_dot_dims d;
  if (!ir_dot_dims_read(e, &d)) return REJECT("dot_general needs dimension_numbers");
  if (!dims_valid(d.lc, d.nlc, d.lb, d.nlb, l.rank) || !dims_valid(d.rc, d.nrc, d.rb, d.nrb, r.rank))
    return REJECT("dot_general requires dimension numbers to be distinct, nonnegative and less than "
                  "the number of axes of their operand");
  if (d.nlb != d.nrb)
    return REJECT("dot_general requires equal numbers of lhs_batch and rhs_batch dimensions, got "
                  "lhs_batch %s and rhs_batch %s.", TUPLE(d.lb, d.nlb),
                  TUPLE(d.rb, d.nrb));
  int64_t x[TJ_MAX_RANK], y[TJ_MAX_RANK];
  pick(&l, d.lb, d.nlb, x);
  pick(&r, d.rb, d.nrb, y);
  if (memcmp(x, y, sizeof *x * (size_t)d.nlb) != 0)
    return REJECT("dot_general requires lhs batch dimensions and rhs batch dimensions to have the same "
                  "shape, got %s and %s.", TUPLE(x, d.nlb), TUPLE(y, d.nrb));
  pick(&l, d.lc, d.nlc, x);
  pick(&r, d.rc, d.nrc, y);
  if (d.nlc != d.nrc || memcmp(x, y, sizeof *x * (size_t)d.nlc) != 0)
    return REJECT("dot_general requires contracting dimensions to have the same shape, got %s and %s.",
                  TUPLE(x, d.nlc), TUPLE(y, d.nrc));
  /* batch dims, then lhs free dims, then rhs free dims */
  int64_t lgone[2 * TJ_MAX_RANK], rgone[2 * TJ_MAX_RANK];
  memcpy(lgone, d.lc, sizeof *lgone * (size_t)d.nlc);
  memcpy(lgone + d.nlc, d.lb, sizeof *lgone * (size_t)d.nlb);
  memcpy(rgone, d.rc, sizeof *rgone * (size_t)d.nrc);
  memcpy(rgone + d.nrc, d.rb, sizeof *rgone * (size_t)d.nrb);
  tj_aval lf = drop_dims(l, lgone, d.nlc + d.nlb), rf = drop_dims(r, rgone, d.nrc + d.nrb);
  out[0] = l;
  out[0].rank = 0;
  for (int i = 0; i < d.nlb; i++) out[0].dims[out[0].rank++] = l.dims[d.lb[i]];
  for (int i = 0; i < lf.rank; i++) out[0].dims[out[0].rank++] = lf.dims[i];
  for (int i = 0; i < rf.rank; i++) out[0].dims[out[0].rank++] = rf.dims[i];
  out[0].dtype = dot_rank(r.dtype) > dot_rank(l.dtype) ? r.dtype : l.dtype;
  out[0].dtype = ir_param_dtype(e, "preferred_element_type", out[0].dtype); /* None: the rule's */
  out[0].weak = l.weak && r.weak;
  return true;
}

bool shape_transpose(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t perm[TJ_MAX_RANK];
  int n = ir_pval_ints(ir_param_get(e, "permutation"), perm, TJ_MAX_RANK);
  if (n != a.rank || !distinct_in_range(perm, n, a.rank))
    return REJECT("transpose permutation isn't a permutation of operand dimensions, got permutation %s "
                  "for operand shape %s.", n < 0 ? "(?)" : TUPLE(perm, n),
                  TUPLE(a.dims, a.rank));
  out[0] = a;
  for (int i = 0; i < n; i++) out[0].dims[i] = a.dims[perm[i]];
  return true;
}

/* reshape[dimensions=None new_sizes sharding=None]: same element count. */
bool shape_reshape(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t sizes[TJ_MAX_RANK];
  int n = ir_pval_ints(ir_param_get(e, "new_sizes"), sizes, TJ_MAX_RANK);
  if (n < 0) return REJECT("reshape needs new_sizes of at most %d dimensions", TJ_MAX_RANK);
  int64_t count = 1;
  for (int i = 0; i < n; i++) {
    if (sizes[i] < 0)
      return REJECT("reshape new_sizes must all be positive, got %s.", TUPLE(sizes, n));
    if (__builtin_mul_overflow(count, sizes[i], &count)) count = -1;
  }
  if (count != aval_size(&a))
    return REJECT("reshape total size must be unchanged, got new_sizes %s for shape %s.",
                  TUPLE(sizes, n), TUPLE(a.dims, a.rank));
  int64_t perm[TJ_MAX_RANK];
  int np = ir_param_is_none(e, "dimensions") ? a.rank : ir_pval_ints(ir_param_get(e, "dimensions"), perm, TJ_MAX_RANK);
  if (np != a.rank || (!ir_param_is_none(e, "dimensions") && !distinct_in_range(perm, np, a.rank)))
    return REJECT("reshape dimensions must be a permutation of operand dimensions, got dimensions %s for shape %s.",
                  np >= 0 ? TUPLE(perm, np) : "?", TUPLE(a.dims, a.rank));
  out[0] = a;
  out[0].rank = (uint8_t)n;
  memcpy(out[0].dims, sizes, sizeof *sizes * (size_t)n);
  return true;
}

bool shape_squeeze(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t dims[TJ_MAX_RANK];
  int n = ir_pval_ints(ir_param_get(e, "dimensions"), dims, TJ_MAX_RANK);
  if (n < 0 || !distinct_in_range(dims, n, a.rank))
    return REJECT("squeeze dimensions must be distinct dimensions of the operand");
  for (int i = 0; i < n; i++)
    if (a.dims[dims[i]] != 1)
      return REJECT("cannot select an axis to squeeze out which has size not equal to one, got "
                    "shape=%s and dimensions=%s", TUPLE(a.dims, a.rank),
                    TUPLE(dims, n));
  out[0] = drop_dims(a, dims, n);
  return true;
}

/* concatenate[dimension]: equal ranks and dtypes, equal sizes off the axis. */
bool shape_concatenate(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  if (e->nin < 1) return REJECT("concatenate expects at least one operand, got 0.");
  tj_aval first = operand(m, e, 0);
  int64_t dim = ir_param_int(e, "dimension", -1);
  out[0] = first;
  for (uint32_t i = 1; i < e->nin; i++) {
    tj_aval b = operand(m, e, i);
    if (b.rank != first.rank)
      return REJECT("Cannot concatenate arrays with different numbers of dimensions: got %s.",
                    shape_rule_operand_shapes(diags, m, e, ", "));
  }
  if (dim < 0 || dim >= first.rank)
    return REJECT("concatenate dimension out of bounds: dimension %lld for shapes %s.", (long long)dim,
                  shape_rule_operand_shapes(diags, m, e, ", "));
  for (uint32_t i = 1; i < e->nin; i++) {
    tj_aval b = operand(m, e, i);
    for (int d = 0; d < b.rank; d++)
      if (d != dim && b.dims[d] != first.dims[d])
        return REJECT("Cannot concatenate arrays with shapes that differ in dimensions other than the one "
                      "being concatenated: concatenating along dimension %lld for shapes %s.", (long long)dim,
                      shape_rule_operand_shapes(diags, m, e, ", "));
    out[0].dims[dim] += b.dims[dim]; /* each is below TJ_MAX_ELEMENTS: no overflow */
    out[0].weak = out[0].weak && b.weak;
  }
  return shape_rule_same_dtypes(diags, m, e, 0, "concatenate"); /* after the shape rule, as lax checks */
}

/* empty2[dtype memory_space]: no operands, a scalar (_empty2_abstract_eval). */
bool shape_empty2(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_dtype t = ir_param_dtype(e, "dtype", DT_COUNT);
  if (t == DT_COUNT) return REJECT("empty2 needs a dtype");
  *out = aval_scalar(t, false);
  return true;
}

/* iota[dimension dtype shape sharding]: no operands. */
bool shape_iota(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_dtype t = ir_param_dtype(e, "dtype", DT_COUNT);
  int64_t dim = ir_param_int(e, "dimension", INT64_MIN), shape[TJ_MAX_RANK];
  int n = ir_param_ints(e, "shape", shape, TJ_MAX_RANK);
  if (t == DT_COUNT || n < 0 || dim == INT64_MIN) return REJECT("iota needs dtype, shape and dimension");
  if (!(dtype_type_classes(t) & TG_NUM)) /* lax.py _iota_abstract_eval: _num's names */
    return REJECT("iota does not accept dtype %s. Accepted dtypes are subtypes of %s.", dtype_long(t),
                  shape_rule_type_classes(diags, TG_NUM));
  if (dim < 0 || dim >= n) return REJECT("iota dimension must be between 0 and len(shape)");
  for (int i = 0; i < n; i++)
    if (shape[i] < 0) return REJECT("iota shape must have every element be nonnegative");
  *out = aval_scalar(t, false);
  out->rank = (uint8_t)n;
  memcpy(out->dims, shape, sizeof *shape * (size_t)n);
  return true;
}

/* cumsum/cumprod/cummax/cummin[axis reverse] (loops.py _cumred_shape_rule
 * and _cumred_dtype_rule): the operand's aval, on numbers only. */
bool shape_cumred(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t axis = ir_param_int(e, "axis", -1);
  if (axis < 0) return REJECT("XLA operations do not allow negative axes");
  if (axis >= a.rank) return REJECT("axis %lld is out of bounds for array of shape %s", (long long)axis, TUPLE(a.dims, a.rank));
  if (!shape_rule_dtype_accepted(m, e, 0, a.dtype, diags)) return false;
  out[0] = a;
  return true;
}
