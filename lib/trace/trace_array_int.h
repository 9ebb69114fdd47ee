/* The array builtins' private interface, shared by the files of the
 * array vocabulary and by no one else (the table, builtins_array, is in
 * trace.h): trace_array.c (reductions, dot/matmul, the table),
 * trace_array_shape.c (shape manipulation), trace_array_make.c
 * (constructors), trace_const.c (array constants) and trace_array_base.c
 * (what they share: arguments, dtypes, axes, shapes, and the equations jnp
 * adds). The names carry the ta_ prefix. */
#ifndef TJ_TRACE_ARRAY_INT_H
#define TJ_TRACE_ARRAY_INT_H

#include "limits.h"
#include "prims.h"
#include "trace.h"
#include "util.h"

/* How a jnp function reads an axis argument; the kinds differ only in
 * which error a wrong argument meets. */
typedef enum {
  AX_OPTIONAL, /* _ensure_optional_axes (reductions): int or sequence */
  AX_INDEX,    /* _ensure_index_tuple (expand_dims, squeeze): int or sequence */
  AX_SEQUENCE, /* a sequence only (transpose's axes) */
} axis_kind;

/* What a bare (non-tuple) shape argument means to the jnp function:
 * canonicalize_shape iterates it, or the function wraps it in a tuple or
 * in a list first. It decides the text of JAX's errors. */
typedef enum { SHAPE_ITER, SHAPE_TUPLE, SHAPE_LIST } shape_kind;

/* ---- arguments, dtypes, axes and shapes (trace_array_base.c) ---- */
bool ta_get_arg(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw,
                const value **out, tj_span *span);
bool ta_get_flag(tracer *t, const builtin_def *b, const call_args *a, const char *kw, bool *out);
void ta_put_dims(tj_buf *b, const int64_t *d, int n);
void ta_put_aval(tj_buf *b, tj_aval a);
void ta_put_value(tracer *t, tj_buf *b, const value *v);
bool ta_raise_buf(tracer *t, tj_span span, tj_buf *b);
bool ta_check_array(tracer *t, const builtin_def *b, const value *v, int pos, tj_span span);
bool ta_concrete_error(tracer *t, const value *v, tj_span span, const char *context);
bool ta_get_dtype(tracer *t, const value *v, tj_span span, tj_dtype *out);
bool ta_opt_dtype(tracer *t, const builtin_def *b, const call_args *a, int i, bool *have,
                  tj_dtype *dt);
bool ta_index_of(tracer *t, const value *v, tj_span span, int64_t *out);
bool ta_canon_axis(tracer *t, int64_t axis, int rank, tj_span span, int64_t *out);
bool ta_read_axes(tracer *t, const value *v, tj_span span, axis_kind kind, int64_t **out, int *n);
bool ta_canon_axes(tracer *t, const value *v, tj_span span, axis_kind kind, int rank,
                   int64_t **axes, int *n);
bool ta_has_dup(const int64_t *v, int n);
bool ta_read_shape(tracer *t, const value *v, tj_span span, shape_kind kind, tj_aval *shape);
bool ta_check_sizes(tracer *t, const char *fn, const tj_aval *shape, tj_span span);
bool ta_cast(tracer *t, value *v, tj_aval *av, tj_dtype dt, bool weak, tj_span span);
bool ta_broadcast_trailing(tracer *t, const value *v, const tj_aval *av, const tj_aval *shape,
                           tj_span span, value *out);
bool ta_expand_at(tracer *t, value *v, const int64_t *at, int n, tj_span span);
bool ta_reshape_to(tracer *t, value *v, const tj_aval *shape, tj_span span);
bool ta_ravel(tracer *t, value *v, tj_span span);
/* The reduced dimensions of a reduction: all of them for axis None (trace_array.c). */
bool ta_reduction_axes(tracer *t, const value *axis, tj_span span, int rank, int64_t *axes, int *n);
/* jnp.max / jnp.min with initial= or where= (trace_array_more.c). */
bool ta_reduce_extremum(tracer *t, const builtin_def *b, const call_args *a, value *out);
/* jnp's _promote_integer_dtype: bool, i8, i16 to i32, u8 to u32 (trace_array.c). */
tj_dtype ta_promote_integer(tj_dtype dt);
/* jnp.eye(n, dtype=dt) (trace_array_more.c). */
bool ta_eye(tracer *t, int64_t n, tj_dtype dt, tj_span span, value *out);
void ta_sort_dims(int64_t *dims, int n);
/* lax.slice_in_dim(x, lo, hi, axis): a slice with unit strides (trace_array_more.c). */
bool ta_slice_in_dim(tracer *t, value x, int axis, int64_t lo, int64_t hi, tj_span span, value *out);
bool ta_squeeze_dims(tracer *t, value *v, int64_t *dims, int n, tj_span span);
bool ta_transpose_by(tracer *t, value *v, const int64_t *perm, int n, tj_span span);
/* The precision argument of a contraction as lax.canonicalize_precision
 * reads it: *out the precision param's value, NULL for None (a NULL or
 * None v); JAX's errors, and tjit's for a DotAlgorithmPreset
 * (trace_precision.c). */
bool ta_precision(tracer *t, const value *v, tj_span span, pval **out);
/* What a contraction passes on to lax.dot_general besides its operands:
 * preferred_element_type (DT_COUNT: None, not printed) and precision
 * (NULL: None, not printed; read where lax.dot_general reads it). */
typedef struct ta_dot_opts {
  tj_dtype pref;
  const value *precision;
  tj_span prspan;
} ta_dot_opts;
/* lax.dot_general of *l and *r with dimension numbers ((lc, rc), (lb, rb));
 * fn names the caller in a contracting-mismatch note (trace_array.c). */
bool ta_dot_general(tracer *t, const char *fn, value *l, value *r, const int64_t *lc, const int64_t *rc,
                    int nc, const int64_t *lb, const int64_t *rb, int nb, const ta_dot_opts *o, tj_span span,
                    value *out);

/* ---- jnp.pad's modes other than "constant" (trace_pad_modes.c) ---- */
typedef enum {
  PAD_CONSTANT, PAD_WRAP, PAD_REFLECT, PAD_SYMMETRIC, PAD_EDGE, PAD_LINEAR_RAMP,
  PAD_MAXIMUM, PAD_MINIMUM, PAD_MEAN, PAD_MEDIAN, PAD_EMPTY,
} ta_pad_mode_kind;
/* _pad's static arguments: the widths as _broadcast_to_pairs made them,
 * the mode, reflect_type "odd", stat_length's pairs (have_stat: not None). */
typedef struct ta_pad_spec {
  int rank, mode;
  bool odd, have_stat;
  int64_t lo[TJ_MAX_RANK], hi[TJ_MAX_RANK];
  int64_t stat_lo[TJ_MAX_RANK], stat_hi[TJ_MAX_RANK];
} ta_pad_spec;
/* _pad's body for s->mode (not constant, linear_ramp or median) on *x. */
bool ta_pad_mode(tracer *t, const ta_pad_spec *s, value *x, tj_span span);

/* ---- shape manipulation (trace_array_shape.c) ---- */
bool ta_builtin_transpose(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_reshape(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_broadcast_to(tracer *t, const value *x, const value *shapev, tj_span span, tj_span call,
                     value *out);
bool ta_builtin_broadcast_to(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_expand_dims(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_squeeze(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_concatenate(tracer *t, const builtin_def *b, const call_args *a, value *out);

/* ---- constructors (trace_array_make.c) ---- */
bool ta_builtin_zeros_ones(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_full(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_like(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_iota(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_arange(tracer *t, const builtin_def *b, const call_args *a, value *out);
bool ta_builtin_astype(tracer *t, const builtin_def *b, const call_args *a, value *out);

/* ---- diagonals, trace, repeat, dynamic roll (trace_diag.c) ---- */
/* jnp.roll's _roll_dynamic: x rolled by a traced shift along the
 * canonical axes (x already raveled for axis None). */
bool ta_roll_dynamic(tracer *t, value x, value shift, tj_span sspan, const int64_t *axes, int naxes, tj_span span,
                     value *out);

#endif
