/* Pytrees and JAX's way of showing values in messages (trace_tree.h). */
#include "trace_tree.h"
#include "util.h"

bool tree_flatten(tracer *t, const value *v, leaves *out, tj_span span, const char *what) {
  if (v->kind == V_TUPLE) {
    for (int i = 0; i < v->n; i++)
      if (!tree_flatten(t, &v->items[i], out, span, what)) return false;
    return true;
  }
  if (v->kind == V_NONE) return true;
  if (v->kind != V_TRACED && !value_is_number(v))
    return tracer_error(t, span, "TypeError: %s must be arrays, numbers or tuples of them, not a %s", what,
                        value_type_name(v));
  ARENA_PUSH(&t->scratch, out->v, out->n, out->cap, *v);
  return true;
}

/* keystr() of the path to leaf k of v ("" for a bare leaf, "[1][0]"). */
static bool leaf_path(const value *v, int *k, tj_buf *path) {
  if (v->kind != V_TUPLE) return v->kind != V_NONE && (*k)-- == 0;
  size_t len = path->len;
  for (int i = 0; i < v->n; i++) {
    buf_printf(path, "[%d]", i);
    if (leaf_path(&v->items[i], k, path)) return true;
    path->len = len;
    path->data[len] = 0;
  }
  return false;
}

const char *tree_path_of(tracer *t, const value *v, int leaf) {
  tj_buf b = {0};
  buf_puts(&b, "");
  int k = leaf;
  leaf_path(v, &k, &b);
  const char *s = arena_strdup(&t->scratch, b.data);
  buf_free(&b);
  return s;
}

/* Python's shape tuple: (), (3,), (2, 3). */
const char *jax_shape_tuple(tracer *t, const tj_aval *a) {
  tj_buf b = {0};
  buf_putc(&b, '(');
  for (int i = 0; i < a->rank; i++) buf_printf(&b, i ? ", %lld" : "%lld", (long long)a->dims[i]);
  buf_puts(&b, a->rank == 1 ? ",)" : ")");
  const char *s = arena_strdup(&t->scratch, b.data);
  buf_free(&b);
  return s;
}

/* How JAX shows a tracer in messages: JitTracer(~float32[]). */
const char *jax_tracer_repr(tracer *t, const value *v) {
  if (v->kind != V_TRACED) {
    tj_buf b = {0};
    value_repr(v, &b);
    const char *s = arena_strdup(&t->scratch, b.data);
    buf_free(&b);
    return s;
  }
  tj_aval a = t->m->vars[v->var];
  char shape[160];
  aval_format_long(&a, shape, sizeof shape);
  return arena_printf(&t->scratch, "JitTracer(%s%s)", a.weak ? "~" : "", shape);
}

/* ShapedArray's repr: ShapedArray(float32[3], weak_type=True). */
const char *jax_shaped_repr(tracer *t, const value *v) {
  if (v->kind != V_TRACED) return value_type_name(v);
  tj_aval a = t->m->vars[v->var];
  char shape[160];
  aval_format_long(&a, shape, sizeof shape);
  return arena_printf(&t->scratch, "ShapedArray(%s%s)", shape, a.weak ? ", weak_type=True" : "");
}

/* core.aval_mismatch_extra */
const char *jax_mismatch_extra(const tj_aval *a, const tj_aval *b) {
  bool dt = a->dtype != b->dtype, sh = !aval_same_shape(a, b);
  return dt && sh ? ", so the dtypes do not match, and the shapes do not match"
         : dt     ? ", so the dtypes do not match"
         : sh     ? ", so the shapes do not match" : "";
}

/* A value shaped like structure with its leaves taken from vals. */
value tree_unflatten(tracer *t, const value *structure, const value *vals, int *k) {
  if (structure->kind == V_NONE) return *structure;
  if (structure->kind != V_TUPLE) return vals[(*k)++];
  value v = {.kind = V_TUPLE, .n = structure->n};
  v.items = ARENA_ARRAY(&t->scratch, value, v.n ? v.n : 1);
  for (int i = 0; i < v.n; i++) v.items[i] = tree_unflatten(t, &structure->items[i], vals, k);
  return v;
}

bool tree_same_structure(const value *a, const value *b) {
  if ((a->kind == V_TUPLE) != (b->kind == V_TUPLE) || (a->kind == V_NONE) != (b->kind == V_NONE)) return false;
  if (a->kind != V_TUPLE) return true;
  if (a->n != b->n) return false;
  for (int i = 0; i < a->n; i++)
    if (!tree_same_structure(&a->items[i], &b->items[i])) return false;
  return true;
}
