/* Array constants: jnp.array / jnp.asarray of a static nested sequence of
 * numbers, as JAX 0.10.2 records them (jax/_src/numpy/array_constructors.py
 * `array`, jax/_src/interpreters/partial_eval.py DynamicJaxprTrace).
 *
 * jnp.array([1, 2, 3]) makes a numpy array (np.asarray(object, dtype)) and
 * binds convert_element_type on it: the trace lifts the array with
 * new_const, which makes a constvar of the level being traced (a non-scalar
 * is not literalable: core.is_literalable), and the convert's forwarding
 * rule (lax.py _convert_elt_type_fwd_rule) records nothing when the dtype is
 * already the one asked for. A sub-jaxpr's constvars become leading invars
 * (pe.separate_consts) passed by the equation as operands, which the
 * enclosing level lifts in turn; the top level keeps them as its constvars.
 * jit keeps them inside its jaxpr when it closed over no tracer
 * (pjit.py _trace_for_jit). A constant nothing uses is gone from the jaxpr:
 * its tracer died (DynamicJaxprTrace.finalize_const).
 *
 * tjit models this with a source variable per constant, defined in no
 * jaxpr: every level captures it like an outer variable (frame_atom), the
 * level that made it at once (new_const's order), the others when an
 * equation uses it; the top level's captures become its constvars. Part of
 * the array vocabulary (trace_array_int.h). */
#include "trace_array_int.h"
#include "half.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- source variables ---- */

const void *const_source(const tracer *t, uint32_t var) {
  return var < t->nsrc ? t->src_data[var] : NULL;
}

static void set_source(tracer *t, uint32_t var, const void *data) {
  if (var >= t->nsrc) {
    uint32_t n = var + 1 > 2 * t->nsrc ? var + 1 : 2 * t->nsrc;
    t->src_data = arena_grow(&t->scratch, t->src_data, sizeof *t->src_data * t->nsrc, sizeof *t->src_data * n);
    t->nsrc = n;
  }
  t->src_data[var] = data;
}

/* Marks the variables j reads: operands and outputs. */
static void mark_reads(const ir_jaxpr *j, uint8_t *read) {
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t i = 0; i < j->eqns[k].nin; i++)
      if (!ATOM_IS_LIT(j->eqns[k].in[i])) read[ATOM_INDEX(j->eqns[k].in[i])] = 1;
  for (uint32_t i = 0; i < j->nout; i++)
    if (!ATOM_IS_LIT(j->outs[i])) read[ATOM_INDEX(j->outs[i])] = 1;
}

void consts_prune(tracer *t, trace_frame *f) {
  bool any = false;
  for (int i = 0; i < f->nconst && !any; i++) any = const_source(t, f->outer[i]) != NULL;
  if (!any) return;
  uint8_t *read = calloc(t->m->nvars, 1);
  if (!read) TJ_OOM();
  mark_reads(f->jaxpr, read);
  int n = 0;
  for (int i = 0; i < f->nconst; i++) {
    if (const_source(t, f->outer[i]) && !read[f->inner[i]]) continue;
    f->outer[n] = f->outer[i], f->inner[n++] = f->inner[i];
  }
  f->nconst = n;
  free(read);
}

void consts_finish_top(tracer *t, trace_frame *top) {
  consts_prune(t, top);
  ir_jaxpr *j = top->jaxpr;
  j->nconst = (uint32_t)top->nconst;
  j->constvars = ARENA_ARRAY(&t->m->arena, uint32_t, top->nconst + 1);
  for (int i = 0; i < top->nconst; i++) {
    j->constvars[i] = top->inner[i];
    ir_const_set(t->m, top->inner[i], const_source(t, top->outer[i]));
  }
}

void consts_close_jit(tracer *t, ir_jaxpr *j, const uint32_t *outer, int *nconst) {
  if (*nconst == 0) return;
  for (int i = 0; i < *nconst; i++)
    if (!const_source(t, outer[i])) return; /* a tracer among them: all are operands */
  j->nconst = (uint32_t)*nconst;
  j->constvars = j->invars;
  for (int i = 0; i < *nconst; i++) ir_const_set(t->m, j->constvars[i], const_source(t, outer[i]));
  j->invars += *nconst;
  j->nin -= (uint32_t)*nconst;
  *nconst = 0;
}

/* A new constant of aval a (its elements at data, in the scratch arena;
 * copied into the module for the jaxpr that keeps it): captured by the current level at once, as
 * new_const lifts it where it is made. */
static bool make_const(tracer *t, const tj_aval *a, const void *data, tj_span span, value *out) {
  int64_t n = 1;
  for (int d = 0; d < a->rank; d++) n *= a->dims[d];
  if ((t->const_elements += n) > TJ_MAX_CONST_TOTAL)
    return tracer_error(t, span, "too many elements in array constants (limit is %lld) in function '%s'",
                        (long long)TJ_MAX_CONST_TOTAL, name_str(t->prog->names, t->entry->name));
  tj_aval strong = *a;
  strong.weak = false; /* weak_type=False: "we only return a weakly-typed array when the input is" */
  uint32_t src = ir_new_var(t->m, &strong);
  set_source(t, src, data);
  *out = value_traced(ATOM_INDEX(frame_atom(t, src)));
  return true;
}

/* ---- the shape np.asarray discovers ---- */

/* numpy's error for a ragged nesting (NumPy 2's text, from np.asarray in
 * jnp.array): the dimensions found before the first disagreement. */
static bool ragged(tracer *t, const tj_aval *shape, tj_span span) {
  tj_buf b = {0};
  buf_printf(&b, "ValueError: setting an array element with a sequence. The requested array has an "
             "inhomogeneous shape after %d dimensions. The detected shape was (", shape->rank);
  for (int d = 0; d < shape->rank; d++) buf_printf(&b, d ? ", %lld" : "%lld", (long long)shape->dims[d]);
  buf_puts(&b, shape->rank == 1 ? ",) + inhomogeneous part." : ") + inhomogeneous part.");
  return ta_raise_buf(t, span, &b);
}

/* The items one level down, if every item of cur is a sequence of one
 * length (a new dimension); *done when none is. */
static bool next_level(tracer *t, const value **cur, int64_t n, tj_aval *shape, tj_span span, const value ***next,
                       int64_t *nnext, bool *done) {
  int64_t seqs = 0, len = -1;
  bool same = true;
  for (int64_t i = 0; i < n; i++)
    if (cur[i]->kind == V_TUPLE) seqs++, same = same && (len < 0 || len == cur[i]->n), len = cur[i]->n;
  *done = seqs == 0;
  if (*done) return true;
  if (seqs != n || !same) return ragged(t, shape, span);
  if (shape->rank == TJ_MAX_RANK)
    return tracer_error(t, span, "too many dimensions (limit is %d) in an array constant", TJ_MAX_RANK);
  if (len > 0 && n > TJ_MAX_CONST_ELEMENTS / len)
    return tracer_error(t, span, "too many elements (limit is %lld) in an array constant",
                        (long long)TJ_MAX_CONST_ELEMENTS);
  shape->dims[shape->rank++] = len;
  *nnext = n * len;
  *next = ARENA_ARRAY(&t->scratch, const value *, *nnext + 1);
  for (int64_t i = 0, k = 0; i < n; i++)
    for (int j = 0; j < len; j++) (*next)[k++] = &cur[i]->items[j];
  return true;
}

/* The shape np.asarray finds in v (nested static tuples and lists) and its
 * leaves in row-major order. */
static bool discover(tracer *t, const value *v, tj_span span, tj_aval *shape, const value ***leaves, int64_t *n) {
  const value **cur = ARENA_ARRAY(&t->scratch, const value *, 1);
  cur[0] = v;
  *n = 1;
  *shape = aval_scalar(DT_F32, false);
  for (bool done = false; !done;)
    if (!next_level(t, cur, *n, shape, span, &cur, n, &done)) return false;
  *leaves = cur;
  return true;
}

/* ---- elements ---- */

/* Stores the low bytes of i (two's complement) as an integer of dt. */
static void store_int(tj_dtype dt, uint64_t u, void *dst) {
  switch (dtype_size(dt)) {
  case 1: { uint8_t x = (uint8_t)u; memcpy(dst, &x, 1); break; }
  case 2: { uint16_t x = (uint16_t)u; memcpy(dst, &x, 2); break; }
  case 4: { uint32_t x = (uint32_t)u; memcpy(dst, &x, 4); break; }
  default: memcpy(dst, &u, 8); break;
  }
}

/* One element as np.asarray(object, dtype) converts it: a Python int must
 * fit the dtype (NumPy 2's OverflowError), a numpy integer wraps, a float
 * truncates toward zero into an integer dtype (one out of its range is an
 * error here: numpy leaves it undefined). */
static bool store_elem(tracer *t, const value *v, tj_dtype dt, tj_span span, void *dst) {
  double f = v->kind == V_FLOAT ? v->f : (double)v->i;
  if (dt == DT_F32) { float x = (float)f; memcpy(dst, &x, 4); return true; }
  if (dt == DT_F64) { memcpy(dst, &f, 8); return true; }
  if (dtype_is_half(dt)) {
    uint16_t h = dt == DT_F16 ? tj_f16_from_double(f) : tj_bf16_from_double(f);
    memcpy(dst, &h, 2);
    return true;
  }
  if (dt == DT_BOOL) { uint8_t x = f != 0; memcpy(dst, &x, 1); return true; }
  if (v->kind == V_INT && !v->strong && !dtype_int_fits(v->i, dt))
    return tracer_error(t, span, "OverflowError: Python integer %lld out of bounds for %s", (long long)v->i,
                        dtype_long(dt));
  if (v->kind == V_FLOAT && !(fabs(f) < 9.2e18 && dtype_int_fits((int64_t)f, dt)))
    return tracer_error(t, span, "OverflowError: value does not fit in %s", dtype_long(dt));
  store_int(dt, v->kind == V_FLOAT ? (uint64_t)(int64_t)f : (uint64_t)v->i, dst);
  return true;
}

/* The leaves of a nested sequence in tree_flatten's order: each a number
 * (or a traced value), joined by dtypes.lattice_result_type. */
typedef struct leaf_walk {
  bool traced, any;
  tj_dtype dtype;
  bool weak;
} leaf_walk;

static bool walk_leaves(tracer *t, const value *v, tj_span span, leaf_walk *w) {
  if (v->kind == V_TUPLE) { /* its length is a dimension, its numbers are values as literals are */
    note_use(t, v->prov, USE_SHAPE);
    for (int i = 0; i < v->n; i++)
      if (!walk_leaves(t, &v->items[i], span, w)) return false;
    return true;
  }
  if (v->kind == V_NONE) return tracer_error(t, span, "ValueError: None is not a valid value for jnp.array");
  if (v->kind != V_TRACED && !value_is_number(v))
    return tracer_error(t, span, "TypeError: array() takes numbers and nested tuples or lists of them, not a %s",
                        value_type_name(v));
  if (v->kind != V_TRACED) note_use(t, v->prov, USE_LITERAL);
  tj_aval a = value_aval(t, v);
  w->traced = w->traced || v->kind == V_TRACED;
  if (!w->any) w->dtype = a.dtype, w->weak = a.weak;
  else w->dtype = dtype_promote(w->dtype, w->weak, a.dtype, a.weak, &w->weak);
  w->any = true;
  return true;
}

/* ---- jnp.array ---- */

/* Every leaf a number: np.asarray(object, dtype) lifted as a constant. */
static bool const_of(tracer *t, const value **leaves, int64_t n, const tj_aval *shape, tj_span span, value *out) {
  size_t size = (size_t)dtype_size(shape->dtype);
  uint8_t *data = ARENA_ARRAY(&t->scratch, uint8_t, (size_t)n * size + 1);
  for (int64_t i = 0; i < n; i++)
    if (!store_elem(t, leaves[i], shape->dtype, span, data + (size_t)i * size)) return false;
  return make_const(t, shape, data, span, out);
}

/* lax.concatenate along axis 0, in groups of 16 while there are more (the
 * tree jnp.array forms for wide lists); one operand is itself. */
static bool concat_tree(tracer *t, value *parts, int n, tj_span span, value *out) {
  enum { GROUP = 16 };
  while (n > GROUP) {
    int m = 0;
    for (int i = 0; i < n; i += GROUP, m++)
      if (!concat_tree(t, parts + i, n - i < GROUP ? n - i : GROUP, span, &parts[m])) return false;
    n = m;
  }
  if (n == 1) { *out = parts[0]; return true; }
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, n);
  for (int i = 0; i < n; i++)
    if (!own_atom(t, &parts[i], span, &ins[i])) return false;
  ir_param p = {"dimension", pv_int(t->m, 0)};
  return emit(t, P_concatenate, ins, n, NULL, &p, 1, span, out);
}

static bool array_of(tracer *t, const value *v, bool have_dtype, tj_dtype dt, tj_span span, value *out);

/* A sequence with traced leaves (array's list branch): each item made an
 * array of dt (array(elt, dtype=dtype, copy=False)), given a leading axis
 * (lax.expand_dims: broadcast_in_dim), then concatenated. */
static bool array_items(tracer *t, const value *v, tj_dtype dt, tj_span span, value *out) {
  static const int64_t lead[1] = {0};
  value *parts = ARENA_ARRAY(&t->scratch, value, v->n);
  for (int i = 0; i < v->n; i++)
    if (!array_of(t, &v->items[i], true, dt, span, &parts[i]) || !ta_expand_at(t, &parts[i], lead, 1, span))
      return false;
  return concat_tree(t, parts, v->n, span, out);
}

/* jnp.array(v, dtype) with copy=False, v static or holding traced leaves. */
static bool array_of(tracer *t, const value *v, bool have_dtype, tj_dtype dt, tj_span span, value *out) {
  if (v->kind == V_TRACED || value_is_number(v)) { /* the fast path, or a scalar given a dtype */
    *out = *v;
    if (!have_dtype) return true;
    return v->kind == V_TRACED ? convert(t, out, dt, false, span) : cast_static(t, out, dt, span);
  }
  leaf_walk w = {false, false, DT_F32, false}; /* no leaves: dtypes.default_float_dtype() */
  if (!walk_leaves(t, v, span, &w)) return false;
  if (!have_dtype) dt = w.dtype;
  if (w.traced) return array_items(t, v, dt, span, out);
  tj_aval shape;
  const value **leaves;
  int64_t n;
  if (!discover(t, v, span, &shape, &leaves, &n)) return false;
  shape.dtype = dt;
  return const_of(t, leaves, n, &shape, span, out);
}

/* jnp.array(object, dtype=None) and jnp.asarray(a, dtype=None). array
 * copies a traced value (copy=True: lax._array_copy, then the dtype's
 * _convert_element_type, weak_type False when a dtype is given); asarray
 * (copy=False) hands it back or converts it. */
static bool builtin_array(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  if (!ta_opt_dtype(t, b, a, 1, &have_dtype, &dt)) return false;
  const value *v = &a->pos[0];
  if (v->kind != V_TRACED || strcmp(b->name, "array") != 0) return array_of(t, v, have_dtype, dt, a->pos_spans[0], out);
  ir_atom in = ATOM_VAR(v->var);
  if (!emit(t, P_copy, &in, 1, NULL, NULL, 0, a->pos_spans[0], out)) return false;
  return !have_dtype || convert(t, out, dt, false, a->pos_spans[0]);
}

static const char *const kw_array[] = {"dtype", NULL};

const builtin_def builtins_const[] = {
    {"array", builtin_array, 1, 2, kw_array, 0},
    {"asarray", builtin_array, 1, 2, kw_array, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};
