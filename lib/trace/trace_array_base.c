/* What the array builtins share (trace_array_int.h): their arguments,
 * dtypes, axes and shapes read as the jnp functions read them, with JAX's
 * errors, and the equations jnp adds (converts, broadcasts, reshapes,
 * squeezes, transposes), recorded only where jnp records them. */
#include "trace_array_int.h"

/* ---- arguments and Python-style text ---- */

/* Argument i, given by position or as keyword kw; *out is NULL when it is
 * absent or None. */
bool ta_get_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw,
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
bool ta_get_flag(tracer *t, const builtin_def *b, const call_args *a, const char *kw, bool *out) {
  const value *v;
  tj_span span;
  if (!ta_get_arg(t, b, a, 99, kw, &v, &span)) return false;
  if (v && v->kind == V_TRACED)
    return concretization_error(t, ERR_BOOL, v, span, NULL);
  if (v) note_use(t, v->prov, USE_SHAPE);
  *out = v && value_truthy(v);
  return true;
}

/* Python's str() of a tuple of ints. */
void ta_put_dims(tj_buf *b, const int64_t *d, int n) {
  buf_putc(b, '(');
  for (int i = 0; i < n; i++) buf_printf(b, i ? ", %lld" : "%lld", (long long)d[i]);
  buf_puts(b, n == 1 ? ",)" : ")");
}

/* str(ShapedArray): "~float32[3]" (the tilde marks a weak type). */
void ta_put_aval(tj_buf *b, tj_aval a) {
  char s[200];
  aval_format_long(&a, s, sizeof s);
  buf_printf(b, "%s%s", a.weak ? "~" : "", s);
}

/* repr() of a value as JAX's messages show it: tracers as JitTracer(...). */
void ta_put_value(tracer *t, tj_buf *b, const value *v) {
  if (v->kind == V_TRACED) {
    buf_puts(b, "JitTracer(");
    ta_put_aval(b, value_aval(t, v));
    buf_putc(b, ')');
  } else if (v->kind == V_TUPLE) {
    buf_putc(b, '(');
    for (int i = 0; i < v->n; i++) {
      if (i) buf_puts(b, ", ");
      ta_put_value(t, b, &v->items[i]);
    }
    buf_puts(b, v->n == 1 ? ",)" : ")");
  } else {
    value_repr(v, b);
  }
}

/* Raises the message in b (freeing it) at span. */
bool ta_raise_buf(tracer *t, tj_span span, tj_buf *b) {
  tracer_error(t, span, "%s", b->data ? b->data : "");
  buf_free(b);
  return false;
}

/* jnp's check_arraylike: an array or a number. */
bool ta_check_array(tracer *t, const builtin_def *b, const value *v, int pos, tj_span span) {
  if (v->kind == V_TRACED || value_is_number(v)) return true;
  return tracer_error(t, span, "TypeError: %s requires ndarray or scalar arguments, got <class '%s'> at position %d.",
                      b->name, value_type_name(v), pos);
}

/* core.concrete_or_error with a context line: ConcretizationTypeError. */
bool ta_concrete_error(tracer *t, const value *v, tj_span span, const char *context) {
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
bool ta_get_dtype(tracer *t, const value *v, tj_span span, tj_dtype *out) {
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind == V_DTYPE) return v->dtype != DT_FLOAT0 ? (*out = v->dtype, true) : tracer_error(t, span, FLOAT0_NOT_MADE);
  if (v->kind == V_STR) {
    if (dtype_parse(v->s, v->slen, out))
      return *out != DT_FLOAT0 || tracer_error(t, span, FLOAT0_NOT_MADE);
    char why[DTYPE_MSG_MAX];
    if (dtype_unsupported(v->s, v->slen, why)) return tracer_error(t, span, "%s", why);
    tj_buf b = {0};
    buf_puts(&b, "TypeError: data type ");
    value_repr(v, &b);
    buf_puts(&b, " not understood");
    ta_raise_buf(t, span, &b);
    tj_suggest sg = suggest_start(v->s, v->slen);
    dtype_suggest(&sg);
    if (sg.best) diag_hint(t->diags, "did you mean '%s'?", sg.best);
    return false;
  }
  tj_buf b = {0};
  buf_puts(&b, "TypeError: Cannot interpret '");
  ta_put_value(t, &b, v);
  buf_puts(&b, "' as a data type");
  return ta_raise_buf(t, span, &b);
}

/* The optional dtype argument i / dtype=: *have is false when absent. */
bool ta_opt_dtype(tracer *t, const builtin_def *b, const call_args *a, int i, bool *have, tj_dtype *dt) {
  const value *v;
  tj_span span;
  if (!ta_get_arg(t, b, a, i, "dtype", &v, &span)) return false;
  *have = v != NULL;
  return !v || ta_get_dtype(t, v, span, dt);
}

/* JAX's error for iterating a traced scalar where it wanted a sequence
 * (then, as a note of tjit's, where the value came from). */
static bool iteration_error(tracer *t, const value *v, tj_span span) {
  tracer_error(t, span, "TypeError: iteration over a 0-d array");
  origin_note(t, v->var, NULL);
  return false;
}

/* ---- axes ---- */

/* operator.index(v). */
bool ta_index_of(tracer *t, const value *v, tj_span span, int64_t *out) {
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind == V_INT || v->kind == V_BOOL) { *out = v->i; return true; }
  if (v->kind == V_TRACED) return concretization_error(t, ERR_INTEGER, v, span, NULL);
  return tracer_error(t, span, "TypeError: '%s' object cannot be interpreted as an integer", value_type_name(v));
}

/* util.canonicalize_axis: [-rank, rank) to [0, rank). */
bool ta_canon_axis(tracer *t, int64_t axis, int rank, tj_span span, int64_t *out) {
  if (axis < -rank || axis >= rank)
    return tracer_error(t, span, "ValueError: axis %lld is out of bounds for array of dimension %d",
                        (long long)axis, rank);
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

/* Reads an axis argument into a scratch array of *n integers (not yet
 * canonical). */
bool ta_read_axes(tracer *t, const value *v, tj_span span, axis_kind kind, int64_t **out, int *n) {
  note_use(t, v->prov, USE_SHAPE);
  if (kind != AX_SEQUENCE && (v->kind == V_INT || v->kind == V_BOOL)) {
    *out = ARENA_ARRAY(&t->scratch, int64_t, 1);
    **out = v->i;
    *n = 1;
    return true;
  }
  if (v->kind == V_TRACED && kind == AX_OPTIONAL)
    return ta_concrete_error(t, v, span, "The axis argument must be known statically.");
  if (v->kind == V_TRACED) /* JAX then iterates the tracer */
    return iteration_error(t, v, span);
  if (v->kind != V_TUPLE)
    return tracer_error(t, span, "TypeError: '%s' object is not iterable", value_type_name(v));
  *out = ARENA_ARRAY(&t->scratch, int64_t, v->n ? v->n : 1);
  *n = v->n;
  for (int i = 0; i < v->n; i++)
    if (!ta_index_of(t, &v->items[i], span, &(*out)[i])) return false;
  return true;
}

/* Reads an axis argument and canonicalizes every entry against rank;
 * the result is a scratch array (duplicates are the caller's to judge). */
bool ta_canon_axes(tracer *t, const value *v, tj_span span, axis_kind kind, int rank, int64_t **axes,
                   int *n) {
  if (!ta_read_axes(t, v, span, kind, axes, n)) return false;
  for (int i = 0; i < *n; i++)
    if (!ta_canon_axis(t, (*axes)[i], rank, span, &(*axes)[i])) return false;
  return true;
}

bool ta_has_dup(const int64_t *v, int n) {
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

/* core._invalid_shape_error, with an origin note per traced dimension. */
static bool shape_error(tracer *t, const value *v, tj_span span, shape_kind kind) {
  tj_buf b = {0};
  buf_puts(&b, "TypeError: Shapes must be 1D sequences of concrete values of integer type, got ");
  if (v->kind != V_TUPLE && kind != SHAPE_ITER) buf_putc(&b, kind == SHAPE_LIST ? '[' : '(');
  if (v->kind == V_STR) buf_putn(&b, v->s, v->slen);
  else ta_put_value(t, &b, v);
  if (v->kind != V_TUPLE && kind != SHAPE_ITER) buf_puts(&b, kind == SHAPE_LIST ? "]" : ",)");
  buf_putc(&b, '.');
  ta_raise_buf(t, span, &b);
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
bool ta_read_shape(tracer *t, const value *v, tj_span span, shape_kind kind, tj_aval *shape) {
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
bool ta_check_sizes(tracer *t, const char *fn, const tj_aval *shape, tj_span span) {
  for (int i = 0; i < shape->rank; i++)
    if (shape->dims[i] < 0) {
      tj_buf b = {0};
      buf_printf(&b, "TypeError: %s shape must have every element be nonnegative, got ", fn);
      ta_put_dims(&b, shape->dims, shape->rank);
      buf_putc(&b, '.');
      return ta_raise_buf(t, span, &b);
    }
  if (!aval_within_limits(shape))
    return tracer_error(t, span, "too many elements in one array (limit is %lld)", (long long)TJ_MAX_ELEMENTS);
  return true;
}

/* ---- equations jnp adds ---- */

/* lax._convert_element_type: an equation for a traced value of another
 * dtype or weak type; a static value just takes the new type later, when
 * it becomes a literal. */
bool ta_cast(tracer *t, value *v, tj_aval *av, tj_dtype dt, bool weak, tj_span span) {
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
bool ta_broadcast_trailing(tracer *t, const value *v, const tj_aval *av, const tj_aval *shape,
                           tj_span span, value *out) {
  if (aval_same_shape(av, shape)) { *out = *v; return true; }
  int64_t dims[TJ_MAX_RANK];
  for (int i = 0; i < av->rank; i++) dims[i] = shape->rank - av->rank + i;
  return broadcast_dims(t, v, av, shape, dims, span, out);
}

/* lax.expand_dims at the given result dimensions (canonical, distinct). */
bool ta_expand_at(tracer *t, value *v, const int64_t *at, int n, tj_span span) {
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
bool ta_reshape_to(tracer *t, value *v, const tj_aval *shape, tj_span span) {
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
bool ta_ravel(tracer *t, value *v, tj_span span) {
  tj_aval a = value_aval(t, v), flat = a;
  flat.rank = 1;
  flat.dims[0] = aval_size(&a);
  return ta_reshape_to(t, v, &flat, span);
}

/* Insertion sort: a few axes at most (longer lists fail before). */
void ta_sort_dims(int64_t *dims, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && dims[j - 1] > dims[j]; j--) {
      int64_t x = dims[j];
      dims[j] = dims[j - 1];
      dims[j - 1] = x;
    }
}

/* lax.squeeze of the listed (canonical, distinct, size-1) dimensions. */
bool ta_squeeze_dims(tracer *t, value *v, int64_t *dims, int n, tj_span span) {
  if (n == 0) return true;
  ta_sort_dims(dims, n);
  ir_atom in;
  if (!own_atom(t, v, span, &in)) return false;
  ir_param p = {"dimensions", pv_ints(t->m, PV_TUPLE, dims, n)};
  return emit(t, P_squeeze, &in, 1, NULL, &p, 1, span, v);
}

/* lax.transpose: nothing for the identity permutation. */
bool ta_transpose_by(tracer *t, value *v, const int64_t *perm, int n, tj_span span) {
  bool identity = true;
  for (int i = 0; i < n; i++) identity = identity && perm[i] == i;
  if (identity) return true;
  ir_atom in;
  if (!own_atom(t, v, span, &in)) return false;
  ir_param p = {"permutation", pv_ints(t->m, PV_TUPLE, perm, n)};
  return emit(t, P_transpose, &in, 1, NULL, &p, 1, span, v);
}
