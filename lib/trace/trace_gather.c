/* Gather builtins (issue 14 item 1), as JAX 0.10.2 records them
 * (jax/_src/numpy/indexing.py, jax/_src/lax/slicing.py gather):
 *  - take(a, indices, axis=None, mode=None, fill_value=None): jnp.take,
 *    whose body _take is a jit of its own (jit[name=_take], axis, mode and
 *    fill_value static). axis None ravels a. mode None or "fill" wraps
 *    negative indices with _where (a nested jit[name=_where]) and gathers
 *    with FILL_OR_DROP; "clip" gathers with CLIP; "wrap" takes jnp.remainder
 *    of the indices and gathers with PROMISE_IN_BOUNDS.
 *  - take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None):
 *    jnp.take_along_axis (jit[name=take_along_axis]): indices converted to
 *    int32, negative ones wrapped (_normalize_index), reshaped to the
 *    gather's index shape; the dimensions where the indices are not 1
 *    become batching dimensions, those where they are 1 offset dimensions;
 *    mode None is "fill".
 * lax.gather fills with NaN (floats), the minimum (signed), the maximum
 * (unsigned) or True when FILL_OR_DROP has no fill_value. */
#include "trace_array_int.h"

#include <math.h>
#include <string.h>

typedef enum { GM_FILL, GM_CLIP, GM_PROMISE, GM_WRAP } gather_mode;

static const char *const mode_names[] = {"GatherScatterMode.FILL_OR_DROP", "GatherScatterMode.CLIP",
                                         "GatherScatterMode.PROMISE_IN_BOUNDS", "GatherScatterMode.PROMISE_IN_BOUNDS"};

typedef struct take_opts {
  bool flatten;          /* axis None */
  int64_t axis;
  gather_mode mode;
  value fill;            /* V_NONE or a static number */
  tj_span axspan;
  bool unique;           /* take's unique_indices (jax.random.permutation passes True) */
} take_opts;

/* lax.gather's fill_value: the given one, or the dtype's default, for
 * FILL_OR_DROP; None otherwise. */
static pval *fill_param(tracer *t, gather_mode mode, const value *fill, tj_dtype dt) {
  if (mode != GM_FILL) return pv_none(t->m);
  if (fill->kind == V_FLOAT) return pv_float(t->m, fill->f);
  if (fill->kind == V_BOOL) return pv_bool(t->m, fill->i != 0);
  if (fill->kind == V_INT) return pv_int(t->m, fill->i);
  if (dtype_is_float(dt)) return pv_float(t->m, NAN);
  if (dt == DT_BOOL) return pv_bool(t->m, true);
  int bits = 8 * (int)dtype_size(dt);
  if (dtype_kindof(dt) == DK_UNSIGNED) return pv_int(t->m, (int64_t)((bits == 64 ? 0 : 1ull << bits) - 1));
  return pv_int(t->m, (int64_t)(~0ull << (bits - 1)));
}

/* gather_p.bind(a, idx, ...) with indices_are_sorted False, and
 * unique_indices as take was given it (take_along_axis: False). */
static bool gather_bind(tracer *t, value a, value idx, const ir_gather_dims *d, const int64_t *sizes,
                        gather_mode mode, const value *fill, bool unique, tj_span span, value *out) {
  tj_aval av = value_aval(t, &a);
  ir_param ps[6] = {
      {"dimension_numbers", ir_gather_dims_new(t->m, d)},
      {"fill_value", fill_param(t, mode, fill, av.dtype)},
      {"indices_are_sorted", pv_bool(t->m, false)},
      {"mode", pv_name(t->m, mode_names[mode])},
      {"slice_sizes", pv_ints(t->m, PV_TUPLE, sizes, av.rank)},
      {"unique_indices", pv_bool(t->m, unique)},
  };
  ir_atom ins[2] = {ATOM_VAR(a.var), ATOM_VAR(idx.var)};
  return emit(t, P_gather, ins, 2, NULL, ps, 6, span, out);
}

/* _take's wrapping of the indices for its mode. */
static bool take_wrap(tracer *t, const take_opts *o, int64_t size, value *idx, tj_span span) {
  value neg, sum;
  if (o->mode == GM_WRAP) {
    value c = value_int(size);
    c.dtype = value_aval(t, idx).dtype, c.strong = true; /* lax._const(indices, size) */
    return call_builtin_values(t, "remainder", (value[2]){*idx, c}, 2, span, idx);
  }
  if (o->mode != GM_FILL) return true;
  return binary_op(t, OP_LT, *idx, value_int(0), span, &neg) &&
         binary_op(t, OP_ADD, *idx, value_int(size), span, &sum) &&
         where_jit(t, (value[3]){neg, sum, *idx}, span, idx);
}

/* lax.full(shape, 0, dtype) (weak when weak is: lax.full_like(x, 0,
 * shape=...) keeps x's weak type): a broadcast of a literal zero. */
static bool zeros_of(tracer *t, tj_dtype dt, bool weak, const int64_t *dims, int rank, tj_span span, value *out) {
  tj_aval z = aval_scalar(dt, weak), shape = z;
  shape.rank = (uint8_t)rank;
  memcpy(shape.dims, dims, sizeof *dims * (size_t)rank);
  value zero = dt == DT_BOOL ? value_bool(false) : dtype_is_float(dt) ? value_float(0) : value_int(0);
  return ta_broadcast_trailing(t, &zero, &z, &shape, span, out);
}

/* _take's cases before the gather: an empty axis gives a itself when there
 * are no indices (JAX's IndexError otherwise), no indices give
 * lax.full_like(a, 0, shape=out_shape). */
static bool take_empty(tracer *t, value a, int64_t axis, tj_aval iv, tj_span span, value *out) {
  tj_aval av = value_aval(t, &a);
  if (av.dims[axis] == 0 && aval_size(&iv) != 0)
    return tracer_error(t, span, "IndexError: Cannot do a non-empty jnp.take() from an empty axis.");
  if (av.dims[axis] == 0) {
    *out = a;
    return true;
  }
  int64_t dims[TJ_MAX_RANK];
  int n = 0;
  for (int d = 0; d < av.rank; d++)
    if (d != axis) dims[n++] = av.dims[d];
    else for (int k = 0; k < iv.rank; k++) dims[n++] = iv.dims[k];
  return zeros_of(t, av.dtype, av.weak, dims, n, span, out);
}

/* _take's body on its arguments a and indices. */
static bool take_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const take_opts *o = ctx;
  value a = args[0], idx = args[1];
  if (o->flatten && !ta_ravel(t, &a, span)) return false;
  tj_aval av = value_aval(t, &a);
  int64_t axis;
  if (!ta_canon_axis(t, o->flatten ? 0 : o->axis, av.rank, o->axspan, &axis)) return false;
  if (!take_wrap(t, o, av.dims[axis], &idx, span)) return false;
  tj_aval iv = value_aval(t, &idx);
  if (av.rank - 1 + iv.rank > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  if (av.dims[axis] == 0 || aval_size(&iv) == 0) return take_empty(t, a, axis, iv, span, out);
  int64_t last = iv.rank, sizes[TJ_MAX_RANK];
  if (!ta_expand_at(t, &idx, &last, 1, span)) return false; /* indices[..., None] */
  ir_gather_dims d = {.ncollapsed = 1, .nstart_map = 1};
  d.collapsed[0] = d.start_map[0] = axis;
  for (int k = 0; k < axis; k++) d.offset[d.noffset++] = k;
  for (int64_t k = axis + iv.rank; k < av.rank + iv.rank - 1; k++) d.offset[d.noffset++] = k;
  memcpy(sizes, av.dims, sizeof *sizes * av.rank);
  sizes[axis] = 1;
  return gather_bind(t, a, idx, &d, sizes, o->mode == GM_WRAP ? GM_PROMISE : o->mode, &o->fill, o->unique, span, out);
}

static const ast_func take_tag, take_along_tag; /* identities in the jit cache (trace.h jnp_jit) */

/* The mode keyword: None, "fill", "clip", "wrap" (take), or also
 * "promise_in_bounds" (take_along_axis: GatherScatterMode.from_any). */
static bool read_mode(tracer *t, const value *m, tj_span span, bool along, gather_mode *out) {
  static const struct { const char *name; gather_mode mode; } names[] = {
      {"fill", GM_FILL}, {"drop", GM_FILL}, {"clip", GM_CLIP}, {"wrap", GM_WRAP}, {"promise_in_bounds", GM_PROMISE}};
  *out = GM_FILL;
  if (!m || m->kind == V_NONE) return true;
  if (m->kind == V_STR)
    for (size_t i = 0; i < TJ_COUNT(names); i++)
      if (strlen(names[i].name) == m->slen && memcmp(names[i].name, m->s, m->slen) == 0 &&
          (along ? names[i].mode != GM_WRAP : names[i].mode != GM_PROMISE && strcmp(names[i].name, "drop") != 0)) {
        *out = names[i].mode;
        return true;
      }
  if (!along && m->kind == V_STR && m->slen == 5 && memcmp(m->s, "raise", 5) == 0) /* _take: no way to report out of bounds */
    return tracer_error(t, span, "NotImplementedError: The 'raise' mode to jnp.take is not supported.");
  tj_buf b = {0};
  ta_put_value(t, &b, m);
  bool r = along ? tracer_error(t, span, "ValueError: Unknown gather mode \"%s\"", m->kind == V_STR ? m->s : b.data)
                 : tracer_error(t, span, "ValueError: Invalid mode '%s' for np.take", m->kind == V_STR ? m->s : b.data);
  buf_free(&b);
  return r;
}

/* The statics every gather builtin reads: axis, mode, fill_value. */
static bool read_opts(tracer *t, const builtin_def *b, const call_args *a, bool along, take_opts *o) {
  const value *axis, *mode, *fill;
  tj_span ms, fs;
  if (!ta_get_arg(t, b, a, 2, "axis", &axis, &o->axspan) || !ta_get_arg(t, b, a, 3, "mode", &mode, &ms) ||
      !ta_get_arg(t, b, a, 4, "fill_value", &fill, &fs) || !read_mode(t, mode, ms, along, &o->mode))
    return false;
  tj_span ks;
  const value *given = a->npos > 2 ? &a->pos[2] : call_kwarg(a, "axis", &ks); /* ta_get_arg hides a None */
  o->axis = along ? -1 : 0;
  o->flatten = along ? (given && given->kind == V_NONE) : !axis;
  if (axis && !ta_index_of(t, axis, o->axspan, &o->axis)) return false;
  o->fill = fill ? *fill : value_none();
  if (fill && fill->kind != V_NONE && !value_is_number(fill))
    return tracer_error(t, fs, "TypeError: fill_value must be a static scalar");
  if (o->flatten) o->axspan = a->call->span;
  return true;
}

static value statics_of(tracer *t, const take_opts *o) {
  value key = {.kind = V_TUPLE, .n = 5};
  key.items = ARENA_ARRAY(&t->scratch, value, 5);
  key.items[0] = o->flatten ? value_none() : value_int(o->axis);
  key.items[1] = value_int(o->mode), key.items[2] = o->fill, key.items[3] = value_bool(o->flatten);
  key.items[4] = value_bool(o->unique);
  return key;
}

static bool builtin_take(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  take_opts o = {0};
  if (a->npos < 2) return tracer_error(t, a->call->span, "TypeError: take() missing 1 required positional argument: 'indices'");
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_check_array(t, b, &a->pos[1], 1, a->pos_spans[1]) ||
      !read_opts(t, b, a, false, &o) || !ta_get_flag(t, b, a, "unique_indices", &o.unique))
    return false;
  tj_aval iv = value_aval(t, &a->pos[1]);
  if (!dtype_is_int(iv.dtype))
    return tracer_error(t, a->pos_spans[1], "ValueError: indices must have an integer type"); /* _gather_dtype_rule */
  jnp_jit_fn fn = {"_take", &take_tag, statics_of(t, &o), take_body, &o};
  return jnp_jit(t, &fn, a->pos, 2, a->call->span, out);
}

/* take_along_axis's dimension numbers over arr's rank (arr_shape has 1
 * at the axis); a's dims of size 1 where the indices are not get
 * squeezed. Returns the number of index dimensions. */
static int along_dims(const tj_aval *av, const tj_aval *iv, int64_t axis, ir_gather_dims *d, int64_t *sizes,
                      int64_t *squeeze, int *nsqueeze) {
  int new_i = 0, j = 0;
  memset(d, 0, sizeof *d);
  *nsqueeze = 0;
  for (int i = 0; i < av->rank; i++) {
    int64_t arr_i = i == axis ? 1 : av->dims[i];
    if (i == axis) {
      sizes[new_i] = 1, d->start_map[d->nstart_map++] = new_i, d->collapsed[d->ncollapsed++] = new_i;
      new_i++, j++;
    } else if (iv->dims[i] == 1) {
      d->offset[d->noffset++] = i, sizes[new_i++] = arr_i;
    } else if (arr_i == 1) {
      squeeze[(*nsqueeze)++] = i, j++;
    } else {
      sizes[new_i] = arr_i == 0 ? 0 : 1;
      d->operand_batching[d->nbatching++] = new_i, d->indices_batching[d->nindices_batching++] = j;
      new_i++, j++;
    }
  }
  return j;
}

/* take_along_axis's body on arr and indices (after the rank checks). */
static bool along_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const take_opts *o = ctx;
  value a = args[0], idx = args[1];
  if (o->flatten && !ta_ravel(t, &a, span)) return false;
  tj_aval av = value_aval(t, &a), iv = value_aval(t, &idx), gshape = iv;
  int64_t axis, sizes[TJ_MAX_RANK], squeeze[TJ_MAX_RANK];
  if (!ta_canon_axis(t, o->flatten ? 0 : o->axis, av.rank, o->axspan, &axis)) return false;
  int64_t size = av.dims[axis];
  if (size == 0) { /* lax.full(out_shape, 0, a.dtype), out_shape broadcast_shapes(idx_shape, arr_shape) */
    for (int d = 0; d < iv.rank; d++) gshape.dims[d] = d == axis || av.dims[d] == 1 ? iv.dims[d] : av.dims[d];
    return zeros_of(t, av.dtype, false, gshape.dims, iv.rank, span, out);
  }
  bool wrap = o->mode != GM_PROMISE;
  if (wrap && !convert(t, &idx, size > INT32_MAX ? DT_I64 : DT_I32, false, span)) return false;
  iv = value_aval(t, &idx);
  if (wrap && dtype_kindof(iv.dtype) != DK_UNSIGNED) { /* _normalize_index */
    value neg, sum, sel;
    ir_atom c;
    ir_lit lit = {.dtype = iv.dtype, .i = size};
    c = ir_new_lit(t->m, &lit);
    ir_atom ins[2] = {ATOM_VAR(idx.var), c};
    if (!binary_op(t, OP_LT, idx, value_int(0), span, &neg) || !emit(t, P_add, ins, 2, NULL, NULL, 0, span, &sum))
      return false;
    ir_atom sel_in[3] = {ATOM_VAR(neg.var), ATOM_VAR(idx.var), ATOM_VAR(sum.var)};
    if (!emit(t, P_select_n, sel_in, 3, NULL, NULL, 0, span, &sel)) return false;
    idx = sel;
  }
  ir_gather_dims d;
  int nsq, nidx = 0;
  along_dims(&av, &iv, axis, &d, sizes, squeeze, &nsq);
  for (int i = 0; i < iv.rank; i++) /* out_shape at the index dims, then (1,) */
    if (i == axis || iv.dims[i] != 1) gshape.dims[nidx++] = i == axis || av.dims[i] == 1 ? iv.dims[i] : av.dims[i];
  gshape.dims[nidx] = 1, gshape.rank = (uint8_t)(nidx + 1);
  if (!ta_reshape_to(t, &idx, &gshape, span) || (nsq && !ta_squeeze_dims(t, &a, squeeze, nsq, span))) return false;
  return gather_bind(t, a, idx, &d, sizes, o->mode, &o->fill, false, span, out);
}

/* The checks take_along_axis makes before its body: integer indices,
 * 1-D ones for axis None, equal ranks, shapes that broadcast. */
static bool along_checks(tracer *t, const call_args *a, const take_opts *o) {
  tj_aval av = value_aval(t, &a->pos[0]), iv = value_aval(t, &a->pos[1]);
  tj_span span = a->call->span;
  if (!dtype_is_int(iv.dtype))
    return tracer_error(t, a->pos_spans[1], "TypeError: take_along_axis indices must be of integer type, got %s",
                        dtype_long(iv.dtype));
  tj_buf b = {0};
  if (o->flatten && iv.rank != 1) {
    buf_puts(&b, "ValueError: take_along_axis indices must be 1D if axis=None, got shape ");
    ta_put_dims(&b, iv.dims, iv.rank);
    return ta_raise_buf(t, span, &b);
  }
  int rank = o->flatten ? 1 : av.rank;
  if (rank != iv.rank)
    return tracer_error(t, span, "ValueError: indices and arr must have the same number of dimensions; %d vs. %d",
                        iv.rank, rank);
  int64_t axis;
  if (!ta_canon_axis(t, o->flatten ? 0 : o->axis, rank, o->axspan, &axis)) return false;
  for (int i = 0; !o->flatten && i < rank; i++) {
    int64_t arr_i = i == axis ? 1 : av.dims[i];
    if (iv.dims[i] != 1 && arr_i != 1 && iv.dims[i] != arr_i) {
      buf_puts(&b, "ValueError: Incompatible shapes for broadcasting: shapes=[");
      ta_put_dims(&b, iv.dims, iv.rank);
      av.dims[axis] = 1;
      buf_puts(&b, ", ");
      ta_put_dims(&b, av.dims, av.rank);
      buf_puts(&b, "]");
      return ta_raise_buf(t, span, &b);
    }
  }
  buf_free(&b);
  return true;
}

static bool builtin_take_along_axis(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  take_opts o = {0};
  if (a->npos < 2)
    return tracer_error(t, a->call->span, "TypeError: take_along_axis() missing 1 required positional argument: 'indices'");
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_check_array(t, b, &a->pos[1], 1, a->pos_spans[1]) ||
      !read_opts(t, b, a, true, &o) || !along_checks(t, a, &o))
    return false;
  jnp_jit_fn fn = {"take_along_axis", &take_along_tag, statics_of(t, &o), along_body, &o};
  return jnp_jit(t, &fn, a->pos, 2, a->call->span, out);
}

static const char *const kw_take[] = {"axis", "mode", "fill_value", "unique_indices", NULL};

const builtin_def builtins_gather[] = {
    {"take", builtin_take, 2, 5, kw_take, P_gather},
    {"take_along_axis", builtin_take_along_axis, 2, 5, kw_take, P_gather},
    {NULL, NULL, 0, 0, NULL, 0},
};
