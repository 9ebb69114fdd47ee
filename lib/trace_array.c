/* Builtins of the array vocabulary: reductions, dot/matmul, shape
 * manipulation and constructors. Each mirrors the jnp function of its name
 * in JAX 0.10.2 (jax/_src/numpy/{reductions,lax_numpy,tensor_contractions,
 * array_creation}.py) and records what it records: the converts, squeezes
 * and broadcasts jnp adds, and nothing where jnp hands its operand back.
 *
 * Two JAX facts shape the code. A convert_element_type of a constant is
 * folded while tracing (pe.const_fold_rules), so a static operand becomes a
 * literal of the converted type, never a convert equation. A
 * broadcast_in_dim to the operand's own shape is forwarded
 * (pe.forwarding_rules), so it records nothing. */
#include "limits.h"
#include "prims.h"
#include "trace.h"
#include "util.h"

#include <math.h>
#include <string.h>

/* ---- arguments and Python-style text ---- */

/* Argument i, given by position or as keyword kw; *out is NULL when it is
 * absent or None. */
static bool get_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw,
                    const value **out, tj_span *span) {
  tj_span ks;
  const value *k = kw ? call_kwarg(a, kw, &ks) : NULL;
  *out = NULL;
  *span = a->call->span;
  if (i < a->npos && k)
    return tracer_error(t, ks, "TypeError: %s() got multiple values for argument '%s'", b->name, kw);
  if (i < a->npos) *out = &a->pos[i], *span = a->pos_spans[i];
  else if (k) *out = k, *span = ks;
  if (*out && (*out)->kind == V_NONE) *out = NULL;
  return true;
}

/* A static bool argument (keepdims=true); false when absent. */
static bool get_flag(tracer *t, const builtin_def *b, const call_args *a, const char *kw, bool *out) {
  const value *v;
  tj_span span;
  if (!get_arg(t, b, a, 99, kw, &v, &span)) return false;
  if (v && v->kind == V_TRACED)
    return concretization_error(t, ERR_BOOL, v, span, NULL);
  if (v) note_use(t, v->prov, USE_SHAPE);
  *out = v && value_truthy(v);
  return true;
}

/* Python's str() of a tuple of ints. */
static void put_dims(tj_buf *b, const int64_t *d, int n) {
  buf_putc(b, '(');
  for (int i = 0; i < n; i++) buf_printf(b, i ? ", %lld" : "%lld", (long long)d[i]);
  buf_puts(b, n == 1 ? ",)" : ")");
}

/* str(ShapedArray): "~float32[3]" (the tilde marks a weak type). */
static void put_aval(tj_buf *b, tj_aval a) {
  char s[200];
  aval_format_long(&a, s, sizeof s);
  buf_printf(b, "%s%s", a.weak ? "~" : "", s);
}

/* repr() of a value as JAX's messages show it: tracers as JitTracer(...). */
static void put_value(tracer *t, tj_buf *b, const value *v) {
  if (v->kind == V_TRACED) {
    buf_puts(b, "JitTracer(");
    put_aval(b, value_aval(t, v));
    buf_putc(b, ')');
  } else if (v->kind == V_TUPLE) {
    buf_putc(b, '(');
    for (int i = 0; i < v->n; i++) {
      if (i) buf_puts(b, ", ");
      put_value(t, b, &v->items[i]);
    }
    buf_puts(b, v->n == 1 ? ",)" : ")");
  } else {
    value_repr(v, b);
  }
}

/* Raises the message in b (freeing it) at span. */
static bool raise_buf(tracer *t, tj_span span, tj_buf *b) {
  tracer_error(t, span, "%s", b->data ? b->data : "");
  buf_free(b);
  return false;
}

/* jnp's check_arraylike: an array or a number. */
static bool check_array(tracer *t, const builtin_def *b, const value *v, int pos, tj_span span) {
  if (v->kind == V_TRACED || value_is_number(v)) return true;
  return tracer_error(t, span, "TypeError: %s requires ndarray or scalar arguments, got <class '%s'> at position %d.",
                      b->name, value_type_name(v), pos);
}

/* core.concrete_or_error with a context line: ConcretizationTypeError. */
static bool concrete_error(tracer *t, const value *v, tj_span span, const char *context) {
  tj_aval a = value_aval(t, v);
  char s[200];
  aval_format_long(&a, s, sizeof s);
  tracer_error(t, span, "ConcretizationTypeError: Abstract tracer value encountered where concrete "
               "value is expected: traced array with shape %s", s);
  diag_note(t->diags, "%s", context);
  origin_note(t, v->var, NULL);
  diag_note(t->diags, "See https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError");
  return false;
}

/* A dtype argument: x.dtype, a dtype name as a string, or (with the
 * interpreter's help) a bare dtype name. */
static bool get_dtype(tracer *t, const value *v, tj_span span, tj_dtype *out) {
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind == V_DTYPE) { *out = v->dtype; return true; }
  if (v->kind == V_STR) {
    if (dtype_parse(v->s, v->slen, out)) return true;
    char why[DTYPE_MSG_MAX];
    if (dtype_unsupported(v->s, v->slen, why)) return tracer_error(t, span, "%s", why);
    tj_buf b = {0};
    buf_puts(&b, "TypeError: data type ");
    value_repr(v, &b);
    buf_puts(&b, " not understood");
    raise_buf(t, span, &b);
    tj_suggest sg = suggest_start(v->s, v->slen);
    dtype_suggest(&sg);
    if (sg.best) diag_hint(t->diags, "did you mean '%s'?", sg.best);
    return false;
  }
  tj_buf b = {0};
  buf_puts(&b, "TypeError: Cannot interpret '");
  put_value(t, &b, v);
  buf_puts(&b, "' as a data type");
  return raise_buf(t, span, &b);
}

/* The optional dtype argument i / dtype=: *have is false when absent. */
static bool opt_dtype(tracer *t, const builtin_def *b, const call_args *a, int i, bool *have, tj_dtype *dt) {
  const value *v;
  tj_span span;
  if (!get_arg(t, b, a, i, "dtype", &v, &span)) return false;
  *have = v != NULL;
  return !v || get_dtype(t, v, span, dt);
}

/* JAX's error for iterating a traced scalar where it wanted a sequence
 * (then, as a note of tjit's, where the value came from). */
static bool iteration_error(tracer *t, const value *v, tj_span span) {
  tracer_error(t, span, "TypeError: iteration over a 0-d array");
  origin_note(t, v->var, NULL);
  return false;
}

/* ---- axes ---- */

/* How a jnp function reads an axis argument; the kinds differ only in
 * which error a wrong argument meets. */
typedef enum {
  AX_OPTIONAL, /* _ensure_optional_axes (reductions): int or sequence */
  AX_INDEX,    /* _ensure_index_tuple (expand_dims, squeeze): int or sequence */
  AX_SEQUENCE, /* a sequence only (transpose's axes) */
} axis_kind;

/* operator.index(v). */
static bool index_of(tracer *t, const value *v, tj_span span, int64_t *out) {
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind == V_INT || v->kind == V_BOOL) { *out = v->i; return true; }
  if (v->kind == V_TRACED) return concretization_error(t, ERR_INTEGER, v, span, NULL);
  return tracer_error(t, span, "TypeError: '%s' object cannot be interpreted as an integer", value_type_name(v));
}

/* util.canonicalize_axis: [-rank, rank) to [0, rank). */
static bool canon_axis(tracer *t, int64_t axis, int rank, tj_span span, int64_t *out) {
  if (axis < -rank || axis >= rank)
    return tracer_error(t, span, "ValueError: axis %lld is out of bounds for array of dimension %d",
                        (long long)axis, rank);
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

/* Reads an axis argument into a scratch array of *n integers (not yet
 * canonical). */
static bool read_axes(tracer *t, const value *v, tj_span span, axis_kind kind, int64_t **out, int *n) {
  note_use(t, v->prov, USE_SHAPE);
  if (kind != AX_SEQUENCE && (v->kind == V_INT || v->kind == V_BOOL)) {
    *out = ARENA_ARRAY(&t->scratch, int64_t, 1);
    **out = v->i;
    *n = 1;
    return true;
  }
  if (v->kind == V_TRACED && kind == AX_OPTIONAL)
    return concrete_error(t, v, span, "The axis argument must be known statically.");
  if (v->kind == V_TRACED) /* JAX then iterates the tracer */
    return iteration_error(t, v, span);
  if (v->kind != V_TUPLE)
    return tracer_error(t, span, "TypeError: '%s' object is not iterable", value_type_name(v));
  *out = ARENA_ARRAY(&t->scratch, int64_t, v->n ? v->n : 1);
  *n = v->n;
  for (int i = 0; i < v->n; i++)
    if (!index_of(t, &v->items[i], span, &(*out)[i])) return false;
  return true;
}

/* Reads an axis argument and canonicalizes every entry against rank;
 * the result is a scratch array (duplicates are the caller's to judge). */
static bool canon_axes(tracer *t, const value *v, tj_span span, axis_kind kind, int rank, int64_t **axes,
                       int *n) {
  if (!read_axes(t, v, span, kind, axes, n)) return false;
  for (int i = 0; i < *n; i++)
    if (!canon_axis(t, (*axes)[i], rank, span, &(*axes)[i])) return false;
  return true;
}

static bool has_dup(const int64_t *v, int n) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++)
      if (v[i] == v[j]) return true;
  return false;
}

static bool has_dim(const int64_t *dims, int n, int64_t d) {
  for (int i = 0; i < n; i++)
    if (dims[i] == d) return true;
  return false;
}

/* ---- shapes ---- */

/* What a bare (non-tuple) shape argument means to the jnp function:
 * canonicalize_shape iterates it, or the function wraps it in a tuple or
 * in a list first. It decides the text of JAX's errors. */
typedef enum { SHAPE_ITER, SHAPE_TUPLE, SHAPE_LIST } shape_kind;

/* core._invalid_shape_error, with an origin note per traced dimension. */
static bool shape_error(tracer *t, const value *v, tj_span span, shape_kind kind) {
  tj_buf b = {0};
  buf_puts(&b, "TypeError: Shapes must be 1D sequences of concrete values of integer type, got ");
  if (v->kind != V_TUPLE && kind != SHAPE_ITER) buf_putc(&b, kind == SHAPE_LIST ? '[' : '(');
  if (v->kind == V_STR) buf_putn(&b, v->s, v->slen);
  else put_value(t, &b, v);
  if (v->kind != V_TUPLE && kind != SHAPE_ITER) buf_puts(&b, kind == SHAPE_LIST ? "]" : ",)");
  buf_putc(&b, '.');
  raise_buf(t, span, &b);
  const value *items = v->kind == V_TUPLE ? v->items : v;
  int n = v->kind == V_TUPLE ? v->n : 1;
  bool noted = false;
  for (int i = 0; i < n; i++) {
    if (items[i].kind != V_TRACED) continue;
    if (!noted)
      diag_note(t->diags, "If using `jit`, try using `static_argnums` or applying `jit` to smaller subfunctions.");
    noted = true;
    origin_note(t, items[i].var, NULL);
  }
  return false;
}

/* core.canonicalize_shape: an int or a tuple of ints (any sign; callers
 * check signs). The result is in shape->dims, shape->rank. */
static bool read_shape(tracer *t, const value *v, tj_span span, shape_kind kind, tj_aval *shape) {
  *shape = aval_scalar(DT_F32, false);
  if (v->kind != V_TRACED) note_use(t, value_prov_deep(v), USE_SHAPE);
  if (v->kind == V_INT || v->kind == V_BOOL) {
    shape->rank = 1;
    shape->dims[0] = v->i;
    return true;
  }
  if (v->kind != V_TUPLE) {
    if (kind == SHAPE_ITER && v->kind == V_TRACED && value_aval(t, v).rank == 0)
      return iteration_error(t, v, span);
    if (kind == SHAPE_ITER && v->kind != V_TRACED && v->kind != V_STR)
      return tracer_error(t, span, "TypeError: '%s' object is not iterable", value_type_name(v));
    return shape_error(t, v, span, kind);
  }
  for (int i = 0; i < v->n; i++)
    if (v->items[i].kind != V_INT && v->items[i].kind != V_BOOL) return shape_error(t, v, span, kind);
  if (v->n > TJ_MAX_RANK)
    return tracer_error(t, span, "too many dimensions (limit is %d) in a shape", TJ_MAX_RANK);
  shape->rank = (uint8_t)v->n;
  for (int i = 0; i < v->n; i++) shape->dims[i] = v->items[i].i;
  return true;
}

/* _check_shapelike's sign rule, then the element limit (aval_size does
 * not overflow). */
static bool check_sizes(tracer *t, const char *fn, const tj_aval *shape, tj_span span) {
  for (int i = 0; i < shape->rank; i++)
    if (shape->dims[i] < 0) {
      tj_buf b = {0};
      buf_printf(&b, "TypeError: %s shape must have every element be nonnegative, got ", fn);
      put_dims(&b, shape->dims, shape->rank);
      buf_putc(&b, '.');
      return raise_buf(t, span, &b);
    }
  if (!aval_within_limits(shape))
    return tracer_error(t, span, "too many elements in one array (limit is %lld)", (long long)TJ_MAX_ELEMENTS);
  return true;
}

/* ---- equations jnp adds ---- */

/* lax._convert_element_type: an equation for a traced value of another
 * dtype or weak type; a static value just takes the new type later, when
 * it becomes a literal. */
static bool cast(tracer *t, value *v, tj_aval *av, tj_dtype dt, bool weak, tj_span span) {
  if (av->dtype == dt && av->weak == weak) return true;
  av->dtype = dt;
  av->weak = weak;
  return v->kind != V_TRACED || convert(t, v, dt, weak, span);
}

/* lax.broadcast_in_dim of v (of aval av) to shape, operand dimension i
 * going to dims[i]; the empty broadcast_dimensions is not printed. */
static bool broadcast_dims(tracer *t, const value *v, const tj_aval *av, const tj_aval *shape,
                           const int64_t *dims, tj_span span, value *out) {
  ir_atom in;
  if (!to_atom(t, v, av->dtype, av->weak, span, &in)) return false;
  ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, dims, av->rank)};
  return emit(t, P_broadcast_in_dim, &in, 1, shape, &p, av->rank > 0, span, out);
}

/* lax.broadcast / lax.broadcast_to: trailing dimensions line up; a
 * broadcast to the operand's own shape records nothing. */
static bool broadcast_trailing(tracer *t, const value *v, const tj_aval *av, const tj_aval *shape,
                               tj_span span, value *out) {
  if (aval_same_shape(av, shape)) { *out = *v; return true; }
  int64_t dims[TJ_MAX_RANK];
  for (int i = 0; i < av->rank; i++) dims[i] = shape->rank - av->rank + i;
  return broadcast_dims(t, v, av, shape, dims, span, out);
}

/* lax.expand_dims at the given result dimensions (canonical, distinct). */
static bool expand_at(tracer *t, value *v, const int64_t *at, int n, tj_span span) {
  tj_aval a = value_aval(t, v), r = a;
  if (n == 0) return true;
  if (a.rank + n > TJ_MAX_RANK)
    return tracer_error(t, span, "too many dimensions (limit is %d) in a shape", TJ_MAX_RANK);
  int64_t dims[TJ_MAX_RANK];
  int k = 0;
  r.rank = (uint8_t)(a.rank + n);
  for (int d = 0; d < r.rank; d++) {
    r.dims[d] = has_dim(at, n, d) ? 1 : a.dims[k];
    if (!has_dim(at, n, d)) dims[k++] = d;
  }
  return broadcast_dims(t, v, &a, &r, dims, span, v);
}

/* lax.reshape(v, sizes): nothing when a non-scalar keeps its shape. */
static bool reshape_to(tracer *t, value *v, const tj_aval *shape, tj_span span) {
  tj_aval a = value_aval(t, v);
  if (a.rank > 0 && aval_same_shape(&a, shape)) return true;
  ir_atom in;
  if (!own_atom(t, v, span, &in)) return false;
  ir_param ps[3] = {{"dimensions", pv_none(t->m)},
                    {"new_sizes", pv_ints(t->m, PV_TUPLE, shape->dims, shape->rank)},
                    {"sharding", pv_none(t->m)}};
  return emit(t, P_reshape, &in, 1, NULL, ps, 3, span, v);
}

/* jnp.ravel: reshape to (size,). */
static bool ravel(tracer *t, value *v, tj_span span) {
  tj_aval a = value_aval(t, v), flat = a;
  flat.rank = 1;
  flat.dims[0] = aval_size(&a);
  return reshape_to(t, v, &flat, span);
}

/* Insertion sort: a few axes at most (longer lists fail before). */
static void sort_dims(int64_t *dims, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && dims[j - 1] > dims[j]; j--) {
      int64_t x = dims[j];
      dims[j] = dims[j - 1];
      dims[j - 1] = x;
    }
}

/* lax.squeeze of the listed (canonical, distinct, size-1) dimensions. */
static bool squeeze_dims(tracer *t, value *v, int64_t *dims, int n, tj_span span) {
  if (n == 0) return true;
  sort_dims(dims, n);
  ir_atom in;
  if (!own_atom(t, v, span, &in)) return false;
  ir_param p = {"dimensions", pv_ints(t->m, PV_TUPLE, dims, n)};
  return emit(t, P_squeeze, &in, 1, NULL, &p, 1, span, v);
}

/* lax.transpose: nothing for the identity permutation. */
static bool transpose_by(tracer *t, value *v, const int64_t *perm, int n, tj_span span) {
  bool identity = true;
  for (int i = 0; i < n; i++) identity = identity && perm[i] == i;
  if (identity) return true;
  ir_atom in;
  if (!own_atom(t, v, span, &in)) return false;
  ir_param p = {"permutation", pv_ints(t->m, PV_TUPLE, perm, n)};
  return emit(t, P_transpose, &in, 1, NULL, &p, 1, span, v);
}

/* ---- reductions ---- */

/* _promote_integer_dtype: narrow integers sum in the default width. */
static tj_dtype promote_integer(tj_dtype dt) {
  if (dt == DT_BOOL || dt == DT_I8 || dt == DT_I16) return DT_I32;
  if (dt == DT_U8) return DT_U32;
  return dt;
}

/* The reduced dimensions of a reduction: all of them for axis None. */
static bool reduction_axes(tracer *t, const value *axis, tj_span span, int rank, int64_t *axes, int *n) {
  int64_t *raw;
  if (!axis) {
    for (int d = 0; d < rank; d++) axes[d] = d;
    *n = rank;
    return true;
  }
  if (!canon_axes(t, axis, span, AX_OPTIONAL, rank, &raw, n)) return false;
  if (has_dup(raw, *n)) { /* distinct and in range: at most rank of them */
    tj_buf b = {0};
    buf_puts(&b, "ValueError: duplicate value in 'axis': ");
    put_value(t, &b, axis);
    return raise_buf(t, span, &b);
  }
  memcpy(axes, raw, sizeof *axes * (size_t)*n);
  return true;
}

/* jnp's _reduction for sum, prod, max and min: the numeric preprocessing
 * (bool to int32), the result dtype, the convert to it, lax.reduce, then
 * keepdims as lax.expand_dims. */
static bool reduce_with(tracer *t, int prim, const char *name, value x, const value *axis, tj_span axspan,
                        bool have_dtype, tj_dtype dtype, bool keepdims, tj_span span, value *out) {
  bool sum_like = prim == P_reduce_sum || prim == P_reduce_prod;
  tj_aval av = value_aval(t, &x);
  int64_t axes[TJ_MAX_RANK];
  int n;
  if (!reduction_axes(t, axis, axspan, av.rank, axes, &n)) return false;
  if (sum_like && !cast(t, &x, &av, av.dtype == DT_BOOL ? DT_I32 : av.dtype, av.weak, span)) return false;
  tj_dtype result = have_dtype ? dtype : sum_like ? promote_integer(av.dtype) : av.dtype;
  if (sum_like && result == DT_BOOL) /* jnp switches to reduce_or/reduce_and here */
    return tracer_error(t, span, "%s with dtype bool is not supported", name);
  if (!cast(t, &x, &av, result, false, span)) return false;
  for (int i = 0; !sum_like && i < n; i++)
    if (av.dims[axes[i]] == 0)
      return tracer_error(t, span, "ValueError: zero-size array to reduction operation %s which has no identity", name);
  ir_atom in;
  if (!to_atom(t, &x, av.dtype, av.weak, span, &in)) return false;
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, axes, n)}, {"out_sharding", pv_none(t->m)}};
  if (!emit(t, prim, &in, 1, NULL, ps, prim == P_reduce_sum ? 2 : 1, span, out)) return false;
  return !keepdims || expand_at(t, out, axes, n, span);
}

static bool builtin_reduce(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan;
  bool keepdims, have_dtype = false;
  tj_dtype dtype = DT_F32;
  bool takes_dtype = b->prim == P_reduce_sum || b->prim == P_reduce_prod;
  if (!check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !get_flag(t, b, a, "keepdims", &keepdims) || (takes_dtype && !opt_dtype(t, b, a, 2, &have_dtype, &dtype)))
    return false;
  return reduce_with(t, b->prim, b->name, a->pos[0], axis, axspan, have_dtype, dtype, keepdims, a->call->span, out);
}

/* dtypes.to_inexact_dtype */
static tj_dtype inexact(tj_dtype dt) {
  if (dtype_is_float(dt)) return dt;
  return dt == DT_I64 ? DT_F64 : DT_F32;
}

/* jnp.mean: sum in the inexact dtype, then div by the element count as a
 * literal of that dtype (_count's convert of a Python int is folded). */
static bool builtin_mean(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  bool keepdims, have_dtype;
  tj_dtype dtype = DT_F32;
  value x = a->pos[0];
  if (!check_array(t, b, &x, 0, a->pos_spans[0]) || !get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !get_flag(t, b, a, "keepdims", &keepdims) || !opt_dtype(t, b, a, 2, &have_dtype, &dtype))
    return false;
  tj_aval av = value_aval(t, &x);
  tj_dtype result = have_dtype ? dtype : inexact(av.dtype);
  int64_t axes[TJ_MAX_RANK], count = 1;
  int n;
  if (!reduction_axes(t, axis, axspan, av.rank, axes, &n)) return false;
  for (int i = 0; i < n; i++) count *= av.dims[axes[i]]; /* at most TJ_MAX_ELEMENTS */
  value sum, total = value_int(count);
  if (!reduce_with(t, P_reduce_sum, "sum", x, axis, axspan, true, result, keepdims, span, &sum)) return false;
  ir_atom in[2] = {ATOM_VAR(sum.var)};
  if (!to_atom(t, &total, result, false, span, &in[1])) return false;
  return emit(t, P_div, in, 2, NULL, NULL, 0, span, out);
}

/* jnp.argmax / argmin: axis None flattens first (jnp.ravel). */
static bool builtin_argminmax(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  bool keepdims;
  value x = a->pos[0];
  if (!check_array(t, b, &x, 0, a->pos_spans[0]) || !get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !get_flag(t, b, a, "keepdims", &keepdims))
    return false;
  tj_aval av = value_aval(t, &x);
  int64_t ax = 0, dims[TJ_MAX_RANK];
  int ndims = 0;
  if (axis && !index_of(t, axis, axspan, &ax)) return false;
  if (!axis) {
    for (int d = 0; d < av.rank; d++) dims[ndims++] = d;
    if (!ravel(t, &x, span)) return false;
    av = value_aval(t, &x);
  } else if (ax >= av.rank || ax < -av.rank) { /* a.shape[axis] comes first */
    return tracer_error(t, axspan, "IndexError: tuple index out of range");
  } else {
    ax = ax < 0 ? ax + av.rank : ax;
    dims[ndims++] = ax;
  }
  if (av.dims[ax] == 0)
    return tracer_error(t, span, "ValueError: attempt to get %s of an empty sequence", b->name);
  ir_atom in;
  if (!own_atom(t, &x, span, &in)) return false;
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, &ax, 1)}, {"index_dtype", pv_dtype(t->m, DT_I32)}};
  if (!emit(t, b->prim, &in, 1, NULL, ps, 2, span, out)) return false;
  return !keepdims || expand_at(t, out, dims, ndims, span);
}

/* ---- dot and matmul ---- */

static pval *int_list(tracer *t, const int64_t *v, int n) { return pv_ints(t->m, PV_LIST, v, n); }

/* dimension_numbers as the dot_general pp rule prints them:
 * (([lc], [rc]), ([lb], [rb])). */
static pval *dot_dnums(tracer *t, const int64_t *lc, const int64_t *rc, int nc, const int64_t *lb,
                       const int64_t *rb, int nb) {
  pval *contract = pv_seq(t->m, PV_TUPLE, 2), *batch = pv_seq(t->m, PV_TUPLE, 2), *all = pv_seq(t->m, PV_TUPLE, 2);
  contract->items[0] = int_list(t, lc, nc);
  contract->items[1] = int_list(t, rc, nc);
  batch->items[0] = int_list(t, lb, nb);
  batch->items[1] = int_list(t, rb, nb);
  all->items[0] = contract;
  all->items[1] = batch;
  return all;
}

/* lax.dot_general with preferred_element_type; a contracting mismatch
 * gets a note naming both operands. */
static bool dot_general(tracer *t, const char *fn, value *l, value *r, const int64_t *lc, const int64_t *rc,
                        int nc, const int64_t *lb, const int64_t *rb, int nb, tj_dtype pref, tj_span span,
                        value *out) {
  tj_aval la = value_aval(t, l), ra = value_aval(t, r);
  bool mismatch = false;
  for (int i = 0; i < nc; i++) mismatch = mismatch || la.dims[lc[i]] != ra.dims[rc[i]];
  ir_atom in[2];
  if (!own_atom(t, l, span, &in[0]) || !own_atom(t, r, span, &in[1])) return false;
  ir_param ps[2] = {{"dimension_numbers", dot_dnums(t, lc, rc, nc, lb, rb, nb)},
                    {"preferred_element_type", pv_dtype(t->m, pref)}};
  if (emit(t, P_dot_general, in, 2, NULL, ps, 2, span, out)) return true;
  if (mismatch) {
    char s1[200], s2[200];
    aval_format(&la, s1, sizeof s1);
    aval_format(&ra, s2, sizeof s2);
    diag_note(t->diags, "%s: contracting dimension mismatch: %s \xc2\xb7 %s", fn, s1, s2);
  }
  return false;
}

/* The operands of dot/matmul and jnp's result_type of them; an explicit
 * preferred_element_type makes the result strongly typed. */
static bool dot_operands(tracer *t, const builtin_def *b, const call_args *a, tj_dtype *pref, bool *weak) {
  const value *p;
  tj_span span;
  for (int i = 0; i < 2; i++)
    if (!check_array(t, b, &a->pos[i], i, a->pos_spans[i])) return false;
  tj_aval x = value_aval(t, &a->pos[0]), y = value_aval(t, &a->pos[1]);
  *pref = dtype_promote(x.dtype, x.weak, y.dtype, y.weak, weak);
  if (!get_arg(t, b, a, 99, "preferred_element_type", &p, &span)) return false;
  if (p) *weak = false;
  return !p || get_dtype(t, p, span, pref);
}

/* jnp.dot: contract a's last axis with b's only (1-D) or second-to-last;
 * scalars multiply (no contracting dimensions). */
static bool builtin_dot(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_dtype pref;
  bool weak;
  if (!dot_operands(t, b, a, &pref, &weak)) return false;
  value l = a->pos[0], r = a->pos[1];
  int lr = value_aval(t, &l).rank, rr = value_aval(t, &r).rank;
  int64_t lc = lr - 1, rc = rr == 1 ? 0 : rr - 2;
  int nc = lr == 0 || rr == 0 ? 0 : 1;
  if (!dot_general(t, b->name, &l, &r, &lc, &rc, nc, NULL, NULL, 0, pref, a->call->span, out)) return false;
  return convert(t, out, pref, weak, a->call->span);
}

/* The batch bookkeeping of jnp.matmul, as in tensor_contractions.py. */
typedef struct matmul_plan {
  int64_t a_squeeze[TJ_MAX_RANK], b_squeeze[TJ_MAX_RANK], both_squeeze[TJ_MAX_RANK];
  int64_t a_batch[TJ_MAX_RANK], b_batch[TJ_MAX_RANK];
  int64_t idx_batch[TJ_MAX_RANK], idx_a[TJ_MAX_RANK + 1], idx_b[TJ_MAX_RANK + 1];
  int na_sq, nb_sq, nboth, nbatch, na, nb;
} matmul_plan;

static bool matmul_plan_of(tracer *t, const tj_aval *x, const tj_aval *y, tj_span span, matmul_plan *p) {
  bool amat = x->rank > 1, bmat = y->rank > 1;
  int abd = amat ? x->rank - 2 : 0, bbd = bmat ? y->rank - 2 : 0;
  int nbd = abd > bbd ? abd : bbd;
  memset(p, 0, sizeof *p);
  for (int i = 0; i < nbd; i++) {
    int ai = i - (nbd - abd), bi = i - (nbd - bbd);
    int64_t ba = ai >= 0 ? x->dims[ai] : -1, bb = bi >= 0 ? y->dims[bi] : -1;
    if (ba < 0) {
      p->idx_b[p->nb++] = i;
    } else if (bb < 0) {
      p->idx_a[p->na++] = i;
    } else if (ba == 1 && bb == 1) {
      p->a_squeeze[p->na_sq] = p->nbatch + p->na + p->na_sq, p->na_sq++;
      p->b_squeeze[p->nb_sq] = p->nbatch + p->nb + p->nb_sq, p->nb_sq++;
      p->both_squeeze[p->nboth++] = i;
    } else if (ba == 1) {
      p->idx_b[p->nb++] = i;
      p->a_squeeze[p->na_sq] = p->nbatch + p->na + p->na_sq, p->na_sq++;
    } else if (bb == 1) {
      p->idx_a[p->na++] = i;
      p->b_squeeze[p->nb_sq] = p->nbatch + p->nb + p->nb_sq, p->nb_sq++;
    } else if (ba == bb) {
      p->a_batch[p->nbatch] = p->nbatch + p->na;
      p->b_batch[p->nbatch] = p->nbatch + p->nb;
      p->idx_batch[p->nbatch++] = i;
    } else {
      tj_buf b = {0};
      buf_puts(&b, "ValueError: Incompatible types for matmul arguments: ");
      put_aval(&b, *x);
      buf_puts(&b, " and ");
      put_aval(&b, *y);
      return raise_buf(t, span, &b);
    }
  }
  if (amat) p->idx_a[p->na++] = nbd;
  if (bmat) p->idx_b[p->nb++] = nbd + amat;
  return true;
}

/* jnp.matmul: squeeze size-1 batch dimensions, dot_general with the
 * shared batch dimensions, transpose into numpy's order, re-insert the
 * dimensions both operands squeezed. */
static bool builtin_matmul(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  tj_dtype pref;
  bool weak;
  if (!dot_operands(t, b, a, &pref, &weak)) return false;
  value l = a->pos[0], r = a->pos[1];
  tj_aval x = value_aval(t, &l), y = value_aval(t, &r);
  for (int i = 0; i < 2; i++)
    if ((i ? y : x).rank < 1)
      return tracer_error(t, a->pos_spans[i], "ValueError: matmul input operand %d must have ndim at least 1, "
                          "but it has ndim 0", i);
  matmul_plan p;
  if (!matmul_plan_of(t, &x, &y, span, &p)) return false;
  int64_t order[2 * TJ_MAX_RANK + 2], perm[2 * TJ_MAX_RANK + 2];
  int n = 0;
  for (int i = 0; i < p.nbatch; i++) order[n++] = p.idx_batch[i];
  for (int i = 0; i < p.na; i++) order[n++] = p.idx_a[i];
  for (int i = 0; i < p.nb; i++) order[n++] = p.idx_b[i];
  for (int i = 0; i < n; i++) { /* np.argsort of distinct values */
    int rank = 0;
    for (int j = 0; j < n; j++) rank += order[j] < order[i];
    perm[rank] = i;
  }
  if (!squeeze_dims(t, &l, p.a_squeeze, p.na_sq, span) || !squeeze_dims(t, &r, p.b_squeeze, p.nb_sq, span))
    return false;
  int64_t lc = value_aval(t, &l).rank - 1, rc = value_aval(t, &r).rank - 1 - (y.rank > 1);
  if (!dot_general(t, b->name, &l, &r, &lc, &rc, 1, p.a_batch, p.b_batch, p.nbatch, pref, span, out) ||
      !transpose_by(t, out, perm, n, span) || !expand_at(t, out, p.both_squeeze, p.nboth, span))
    return false;
  return convert(t, out, pref, weak, span);
}

/* ---- shape manipulation ---- */

/* jnp.transpose(x, axes=None): reversed axes by default. */
static bool builtin_transpose(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axes;
  tj_span span;
  *out = a->pos[0];
  if (!check_array(t, b, out, 0, a->pos_spans[0]) || !get_arg(t, b, a, 1, "axes", &axes, &span)) return false;
  tj_aval av = value_aval(t, out);
  int64_t perm[TJ_MAX_RANK];
  int n = av.rank;
  for (int i = 0; i < n; i++) perm[i] = n - 1 - i;
  if (axes) {
    int64_t *raw;
    if (!read_axes(t, axes, span, AX_SEQUENCE, &raw, &n)) return false;
    for (int i = 0; i < n; i++)
      if (!canon_axis(t, raw[i], av.rank, span, &raw[i])) return false;
    if (n != av.rank) { /* lax's shape rule words it */
      ir_atom in;
      ir_param p = {"permutation", pv_ints(t->m, PV_TUPLE, raw, n)};
      return own_atom(t, out, a->call->span, &in) && emit(t, P_transpose, &in, 1, NULL, &p, 1, a->call->span, out);
    }
    memcpy(perm, raw, sizeof *perm * (size_t)n);
  }
  return transpose_by(t, out, perm, n, a->call->span);
}

/* _compute_newshape: one -1 takes what the others leave. */
static bool new_shape(tracer *t, const value *arg, const tj_aval *av, tj_span span, tj_aval *shape) {
  int neg = -1, count = 0;
  int64_t others = 1, size = aval_size(av);
  for (int i = 0; i < shape->rank; i++) {
    if (shape->dims[i] == -1) { neg = i; count++; continue; }
    if (__builtin_mul_overflow(others, shape->dims[i], &others)) others = INT64_MAX;
  }
  tj_buf b = {0};
  if (count > 1) {
    buf_puts(&b, "TypeError: can only specify one unknown axis size with a `-1` value, got ");
    put_value(t, &b, arg);
    return raise_buf(t, span, &b);
  }
  if (neg >= 0 && others == 0) return tracer_error(t, span, "ZeroDivisionError: integer modulo by zero");
  if (neg >= 0 ? size % others == 0 : size == others) {
    if (neg >= 0) shape->dims[neg] = size / others;
    return true;
  }
  buf_puts(&b, "TypeError: cannot reshape array of shape ");
  put_dims(&b, av->dims, av->rank);
  buf_printf(&b, " (size %lld) into shape ", (long long)size);
  put_value(t, &b, arg);
  if (neg >= 0)
    buf_printf(&b, " because the product of specified axis sizes (%lld) does not evenly divide %lld",
               (long long)others, (long long)size);
  else
    buf_printf(&b, " (size %lld)", (long long)others);
  return raise_buf(t, span, &b);
}

/* jnp.reshape(x, shape): C order; lax.reshape records nothing when the
 * shape does not change. */
static bool builtin_reshape(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *arg;
  tj_span span;
  tj_aval shape;
  *out = a->pos[0];
  if (!check_array(t, b, out, 0, a->pos_spans[0]) || !get_arg(t, b, a, 1, "shape", &arg, &span)) return false;
  if (!arg) return tracer_error(t, a->call->span, "TypeError: reshape() missing 1 required positional argument: 'shape'");
  tj_aval av = value_aval(t, out);
  if (!read_shape(t, arg, span, SHAPE_LIST, &shape) || !new_shape(t, arg, &av, span, &shape)) return false;
  if (!check_sizes(t, "reshape", &shape, span)) return false;
  return reshape_to(t, out, &shape, a->call->span);
}

/* util._broadcast_to(x, shape): lax.broadcast_to's checks, then a
 * broadcast_in_dim of the trailing dimensions. */
static bool broadcast_to(tracer *t, const value *x, const value *shapev, tj_span span, tj_span call, value *out) {
  tj_aval shape;
  if (!read_shape(t, shapev, span, SHAPE_TUPLE, &shape)) return false;
  tj_aval av = value_aval(t, x);
  tj_buf msg = {0};
  if (shape.rank < av.rank) {
    buf_puts(&msg, "ValueError: Cannot broadcast to shape with fewer dimensions: arr_shape=");
    put_dims(&msg, av.dims, av.rank);
    buf_puts(&msg, " shape=");
    put_dims(&msg, shape.dims, shape.rank);
    return raise_buf(t, span, &msg);
  }
  bool ok = true;
  for (int i = 0; i < av.rank; i++) {
    int64_t want = shape.dims[shape.rank - av.rank + i];
    ok = ok && (av.dims[i] == 1 || av.dims[i] == want);
  }
  if (!ok) {
    tj_aval want = shape;
    want.dtype = av.dtype;
    want.weak = false;
    buf_puts(&msg, "ValueError: Incompatible types for broadcasting: input type=");
    put_aval(&msg, av);
    buf_puts(&msg, " and requested type=");
    put_aval(&msg, want);
    return raise_buf(t, span, &msg);
  }
  return check_sizes(t, "broadcast_in_dim", &shape, span) && broadcast_trailing(t, x, &av, &shape, call, out);
}

static bool builtin_broadcast_to(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) &&
         broadcast_to(t, &a->pos[0], &a->pos[1], a->pos_spans[1], a->call->span, out);
}

/* jnp.expand_dims(x, axis) through lax.expand_dims, which checks for
 * repeats before and after canonicalizing against the result rank. */
static bool builtin_expand_dims(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->pos_spans[1];
  int64_t *dims;
  int n;
  *out = a->pos[0];
  if (!check_array(t, b, out, 0, a->pos_spans[0]) || !read_axes(t, &a->pos[1], span, AX_INDEX, &dims, &n))
    return false;
  tj_buf msg = {0};
  buf_puts(&msg, "ValueError: repeated axis in lax.expand_dims: ");
  if (has_dup(dims, n)) {
    put_dims(&msg, dims, n);
    return raise_buf(t, span, &msg);
  }
  int rank = value_aval(t, out).rank + n;
  for (int i = 0; i < n; i++)
    if (!canon_axis(t, dims[i], rank, span, &dims[i])) return buf_free(&msg), false;
  if (has_dup(dims, n)) {
    for (int k = 0; k < n; k++) buf_printf(&msg, "%s%lld", k ? ", " : "[", (long long)dims[k]);
    buf_putc(&msg, ']');
    return raise_buf(t, span, &msg);
  }
  buf_free(&msg);
  return expand_at(t, out, dims, n, a->call->span);
}

/* jnp.squeeze(x, axis=None): every size-1 dimension by default. */
static bool builtin_squeeze(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span span;
  int64_t *dims = NULL, all[TJ_MAX_RANK];
  int n = 0;
  *out = a->pos[0];
  if (!check_array(t, b, out, 0, a->pos_spans[0]) || !get_arg(t, b, a, 1, "axis", &axis, &span)) return false;
  tj_aval av = value_aval(t, out);
  if (!axis) {
    for (int d = 0; d < av.rank; d++)
      if (av.dims[d] == 1) all[n++] = d;
    dims = all;
  } else if (!canon_axes(t, axis, span, AX_INDEX, av.rank, &dims, &n)) {
    return false;
  }
  sort_dims(dims, n);
  if (has_dup(dims, n)) {
    tj_buf msg = {0};
    buf_puts(&msg, "ValueError: dimensions are not unique: ");
    put_dims(&msg, dims, n);
    return raise_buf(t, span, &msg);
  }
  for (int i = 0; i < n; i++)
    if (av.dims[dims[i]] != 1) {
      tj_buf msg = {0};
      buf_puts(&msg, "ValueError: cannot select an axis to squeeze out which has size not equal to one, got shape=");
      put_dims(&msg, av.dims, av.rank);
      buf_puts(&msg, " and dimensions=");
      put_dims(&msg, dims, n);
      return raise_buf(t, span, &msg);
    }
  return squeeze_dims(t, out, dims, n, a->call->span);
}

/* jnp.concatenate((a, b, ...), axis=0, dtype=None): promotes to one dtype
 * (or converts to dtype); axis None ravels each first. */
static bool builtin_concatenate(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *seq = &a->pos[0];
  tj_span axspan, span = a->call->span;
  bool have_dtype;
  tj_dtype dt = DT_F32;
  if (!get_arg(t, b, a, 1, "axis", &axis, &axspan) || !opt_dtype(t, b, a, 2, &have_dtype, &dt)) return false;
  bool given = a->npos > 1 || call_kwarg(a, "axis", NULL);
  bool flatten = given && !axis; /* axis=None: ravel each first */
  if (seq->kind != V_TUPLE)
    return tracer_error(t, a->pos_spans[0], "TypeError: concatenate() takes a tuple of arrays, not a %s",
                        value_type_name(seq));
  int n = seq->n;
  if (n == 0) return tracer_error(t, a->pos_spans[0], "ValueError: Need at least one array to concatenate.");
  value *vals = ARENA_ARRAY(&t->scratch, value, n);
  for (int i = 0; i < n; i++) {
    vals[i] = seq->items[i];
    if (!check_array(t, b, &vals[i], i, a->pos_spans[0])) return false;
  }
  for (int i = 0; flatten && i < n; i++)
    if (!ravel(t, &vals[i], span)) return false;
  tj_aval first = value_aval(t, &vals[0]);
  if (first.rank == 0) return tracer_error(t, a->pos_spans[0], "ValueError: Zero-dimensional arrays cannot be concatenated.");
  int64_t ax = 0, dim = 0;
  if (axis && !flatten && !index_of(t, axis, axspan, &ax)) return false;
  if (!canon_axis(t, ax, first.rank, axis ? axspan : span, &dim)) return false;
  bool weak = false;
  if (!have_dtype && !promote_values(t, vals, n, span, &dt, &weak)) return false;
  for (int i = 0; have_dtype && i < n; i++)
    if (!convert(t, &vals[i], dt, false, span)) return false;
  if (n == 1 && vals[0].kind == V_TRACED) { *out = vals[0]; return true; }
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, n);
  for (int i = 0; i < n; i++)
    if (!to_atom(t, &vals[i], dt, weak, span, &ins[i])) return false;
  ir_param p = {"dimension", pv_int(t->m, dim)};
  return emit(t, P_concatenate, ins, n, NULL, &p, 1, span, out);
}

/* ---- constructors ---- */

/* lax.full(shape, fill): a literal fill broadcast to the shape; a scalar
 * shape gives the fill itself (a static value), of the fill's dtype and
 * strong unless the fill was weak (jnp.ones((), dtype=uint8) is a uint8
 * array, jnp.full((), 3) a weak int). */
static bool full_of(tracer *t, value fill, tj_aval fa, const tj_aval *shape, tj_span span, value *out) {
  if (shape->rank == 0 && fill.kind != V_TRACED) { /* a constant: JAX emits nothing */
    double f = fill.kind == V_FLOAT ? fill.f : (double)fill.i;
    if (dtype_is_float(fa.dtype)) *out = value_float(fa.dtype == DT_F32 ? (double)(float)f : f);
    else if (fa.dtype == DT_BOOL) *out = value_bool(f != 0);
    else if (fill.kind != V_FLOAT) *out = value_int(fill.i);
    else if (fabs(f) < 9.2e18) *out = value_int((int64_t)f); /* numpy truncates */
    else return tracer_error(t, span, "OverflowError: cannot convert float %g to %s", f, dtype_long(fa.dtype));
    if (!fa.weak) *out = value_strong(*out, fa.dtype);
    return true;
  }
  tj_aval target = *shape;
  target.dtype = fa.dtype;
  target.weak = fa.weak;
  return broadcast_trailing(t, &fill, &fa, &target, span, out);
}

/* The shape argument of zeros/ones/full, checked as lax.full checks it. */
static bool creation_shape(tracer *t, const value *v, tj_span span, tj_aval *shape) {
  return read_shape(t, v, span, SHAPE_ITER, shape) && check_sizes(t, "broadcast_in_dim", shape, span);
}

/* jnp.zeros / jnp.ones(shape, dtype=float32). */
static bool builtin_zeros_ones(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  tj_aval shape;
  const value *s = &a->pos[0];
  if (a->npos > 1 && a->pos[1].kind == V_INT && s->kind == V_INT) { /* _check_forgot_shape_tuple */
    tracer_error(t, a->pos_spans[1], "TypeError: Cannot interpret '%lld' as a data type.", (long long)a->pos[1].i);
    diag_note(t->diags, "Did you accidentally write `jax.numpy.%s(%lld, %lld)` when you meant "
              "`jax.numpy.%s((%lld, %lld))`, i.e. with a single tuple argument for the shape?", b->name,
              (long long)s->i, (long long)a->pos[1].i, b->name, (long long)s->i, (long long)a->pos[1].i);
    return false;
  }
  if (!opt_dtype(t, b, a, 1, &have_dtype, &dt) || !creation_shape(t, s, a->pos_spans[0], &shape)) return false;
  return full_of(t, value_int(strcmp(b->name, "ones") == 0), aval_scalar(dt, false), &shape, a->call->span, out);
}

/* jnp.full(shape, fill_value, dtype=None): a scalar fill keeps its dtype
 * and weak type unless dtype is given; an array fill is broadcast. */
static bool builtin_full(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  tj_aval shape;
  value fill = a->pos[1];
  if (!check_array(t, b, &fill, 0, a->pos_spans[1]) || !opt_dtype(t, b, a, 2, &have_dtype, &dt)) return false;
  tj_aval fa = value_aval(t, &fill);
  if (have_dtype && !cast(t, &fill, &fa, dt, false, a->call->span)) return false;
  if (fa.rank == 0)
    return creation_shape(t, &a->pos[0], a->pos_spans[0], &shape) && full_of(t, fill, fa, &shape, a->call->span, out);
  return broadcast_to(t, &fill, &a->pos[0], a->pos_spans[0], a->call->span, out);
}

/* jnp.zeros_like / ones_like(x, dtype=None): x's shape, dtype and weak type. */
static bool builtin_like(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  if (!check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !opt_dtype(t, b, a, 1, &have_dtype, &dt)) return false;
  tj_aval x = value_aval(t, &a->pos[0]);
  tj_aval fa = aval_scalar(have_dtype ? dt : x.dtype, !have_dtype && x.weak);
  return full_of(t, value_int(strcmp(b->name, "ones_like") == 0), fa, &x, a->call->span, out);
}

/* lax.iota(dtype, size) */
static bool iota_of(tracer *t, tj_dtype dt, int64_t size, tj_span span, value *out) {
  tj_aval shape = aval_scalar(dt, false);
  shape.rank = 1;
  shape.dims[0] = size;
  if (!check_sizes(t, "iota", &shape, span)) return false;
  ir_param ps[4] = {{"dimension", pv_int(t->m, 0)}, {"dtype", pv_dtype(t->m, dt)},
                    {"shape", pv_ints(t->m, PV_TUPLE, &size, 1)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0; /* no operands, but emit copies from a valid pointer */
  return emit(t, P_iota, &none, 0, NULL, ps, 4, span, out);
}

static bool builtin_iota(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  tj_dtype dt;
  tj_aval shape;
  if (!get_dtype(t, &a->pos[0], a->pos_spans[0], &dt)) return false;
  value size = {.kind = V_TUPLE, .items = &a->pos[1], .n = 1}; /* broadcasted_iota(dtype, (size,), 0) */
  if (!read_shape(t, &size, a->pos_spans[1], SHAPE_TUPLE, &shape)) return false;
  return iota_of(t, dt, shape.dims[0], a->call->span, out);
}

/* jnp.arange(start, stop=None, step=None, dtype=None): iota, then
 * `mul step` and `add start` with literals of the dtype as jnp adds them. */
static bool builtin_arange(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  static const char *names[] = {"start", "stop", "step"};
  tj_span span = a->call->span;
  bool have_dtype, any_float = false, all_bool = true;
  tj_dtype dt = DT_I32;
  double v[3] = {0, 0, 0};
  if (!opt_dtype(t, b, a, 3, &have_dtype, &dt)) return false;
  for (int i = 0; i < a->npos && i < 3; i++) {
    const value *x = &a->pos[i];
    const char *name = i == 0 && a->npos == 1 ? "stop" : names[i];
    char context[80];
    snprintf(context, sizeof context, "It arose in the jnp.arange argument '%s'", name);
    if (x->kind == V_TRACED) return concrete_error(t, x, a->pos_spans[i], context);
    if (x->kind == V_NONE) continue;
    if (!value_is_number(x))
      return tracer_error(t, a->pos_spans[i], "TypeError: arange requires ndarray, scalar, or None arguments, "
                          "got <class '%s'> at position %d.", value_type_name(x), i);
    note_use(t, x->prov, USE_SHAPE); /* the size; start and step become literals too */
    v[i] = x->kind == V_FLOAT ? x->f : (double)x->i;
    any_float = any_float || x->kind == V_FLOAT;
    all_bool = all_bool && x->kind == V_BOOL;
  }
  if (!have_dtype) dt = any_float ? DT_F32 : all_bool ? DT_BOOL : DT_I32;
  bool has_stop = a->npos > 1 && a->pos[1].kind != V_NONE, has_step = a->npos > 2 && a->pos[2].kind != V_NONE;
  value start = has_stop ? a->pos[0] : value_int(0), step = has_step ? a->pos[2] : value_int(1);
  double lo = has_stop ? v[0] : 0, hi = has_stop ? v[1] : v[0];
  if (has_step && v[2] == 0) return tracer_error(t, a->pos_spans[2], "ZeroDivisionError: division by zero");
  double count = ceil(has_step ? (hi - lo) / v[2] : hi - lo);
  int64_t size = !(count > 0) ? 0 : count > (double)TJ_MAX_ELEMENTS ? TJ_MAX_ELEMENTS + 1 : (int64_t)count;
  if (!iota_of(t, dt, size, span, out)) return false;
  ir_atom in[2] = {0, ATOM_VAR(out->var)};
  if (has_step) {
    if (!to_atom(t, &step, dt, false, span, &in[0]) || !emit(t, P_mul, in, 2, NULL, NULL, 0, span, out)) return false;
    in[1] = ATOM_VAR(out->var);
  } else if (lo == 0) {
    return true;
  }
  return to_atom(t, &start, dt, false, span, &in[0]) && emit(t, P_add, in, 2, NULL, NULL, 0, span, out);
}

/* jnp.astype(x, dtype): convert_element_type, nothing when x has it. */
static bool builtin_astype(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_dtype dt = DT_F32;
  *out = a->pos[0];
  if (!check_array(t, b, out, 0, a->pos_spans[0])) return false;
  if (a->pos[1].kind != V_NONE && !get_dtype(t, &a->pos[1], a->pos_spans[1], &dt)) return false;
  if (out->kind == V_TRACED) return convert(t, out, dt, false, a->call->span);
  tj_aval fa = aval_scalar(dt, false), none = {.rank = 0};
  return full_of(t, *out, fa, &none, a->call->span, out); /* a folded constant */
}

static const char *const kw_reduce[] = {"axis", "keepdims", NULL}, *const kw_axis[] = {"axis", NULL};
static const char *const kw_reduce_dtype[] = {"axis", "dtype", "keepdims", NULL}, *const kw_dtype[] = {"dtype", NULL};
static const char *const kw_dot[] = {"preferred_element_type", NULL}, *const kw_axes[] = {"axes", NULL};
static const char *const kw_shape[] = {"shape", NULL}, *const kw_concat[] = {"axis", "dtype", NULL};

const builtin_def builtins_array[] = {
    {"sum", builtin_reduce, 1, 3, kw_reduce_dtype, P_reduce_sum},
    {"prod", builtin_reduce, 1, 3, kw_reduce_dtype, P_reduce_prod},
    {"max", builtin_reduce, 1, 2, kw_reduce, P_reduce_max},
    {"min", builtin_reduce, 1, 2, kw_reduce, P_reduce_min},
    {"mean", builtin_mean, 1, 3, kw_reduce_dtype, P_reduce_sum},
    {"argmax", builtin_argminmax, 1, 2, kw_reduce, P_argmax},
    {"argmin", builtin_argminmax, 1, 2, kw_reduce, P_argmin},
    {"dot", builtin_dot, 2, 2, kw_dot, P_dot_general},
    {"matmul", builtin_matmul, 2, 2, kw_dot, P_dot_general},
    {"transpose", builtin_transpose, 1, 2, kw_axes, P_transpose},
    {"reshape", builtin_reshape, 1, 2, kw_shape, P_reshape},
    {"broadcast_to", builtin_broadcast_to, 2, 2, NULL, P_broadcast_in_dim},
    {"expand_dims", builtin_expand_dims, 2, 2, NULL, P_broadcast_in_dim},
    {"squeeze", builtin_squeeze, 1, 2, kw_axis, P_squeeze},
    {"concatenate", builtin_concatenate, 1, 3, kw_concat, P_concatenate},
    {"zeros", builtin_zeros_ones, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"ones", builtin_zeros_ones, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"full", builtin_full, 2, 3, kw_dtype, P_broadcast_in_dim},
    {"zeros_like", builtin_like, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"ones_like", builtin_like, 1, 2, kw_dtype, P_broadcast_in_dim},
    {"arange", builtin_arange, 1, 3, kw_dtype, P_iota},
    {"iota", builtin_iota, 2, 2, NULL, P_iota},
    {"astype", builtin_astype, 2, 2, NULL, P_convert_element_type},
    {NULL, NULL, 0, 0, NULL, 0},
};
