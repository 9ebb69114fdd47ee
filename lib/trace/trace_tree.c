/* Pytrees and JAX's way of showing values in messages (trace_tree.h). */
#include "trace_tree.h"
#include "util.h"

#include <string.h>

/* The pairs of map m in jax.tree_util's order (sorted keys), in scratch. */
static int *map_order(tracer *t, const value *m) {
  int *order = ARENA_ARRAY(&t->scratch, int, m->n / 2 + 1);
  value_map_order(m, order);
  return order;
}

/* The i-th child of a tuple, list or dict in flattening order. */
static const value *tree_child(const value *v, const int *order, int i) {
  return v->kind == V_MAP ? &v->items[2 * order[i] + 1] : &v->items[i];
}

static bool is_node(const value *v) { return v->kind == V_TUPLE || v->kind == V_MAP; }
static int node_arity(const value *v) { return v->kind == V_MAP ? v->n / 2 : v->n; }

bool tree_flatten(tracer *t, const value *v, leaves *out, tj_span span, const char *what) {
  if (is_node(v)) {
    int *order = v->kind == V_MAP ? map_order(t, v) : NULL;
    for (int i = 0; i < node_arity(v); i++)
      if (!tree_flatten(t, tree_child(v, order, i), out, span, what)) return false;
    return true;
  }
  if (v->kind == V_NONE) return true;
  if (v->kind != V_TRACED && !value_is_number(v))
    return tracer_error(t, span, "TypeError: %s must be arrays, numbers or tuples of them, not a %s", what,
                        value_type_name(v));
  ARENA_PUSH(&t->scratch, out->v, out->n, out->cap, *v);
  return true;
}

/* keystr() of the path to leaf k of v ("" for a bare leaf, "[1]['w']"). */
static bool leaf_path(tracer *t, const value *v, int *k, tj_buf *path) {
  if (!is_node(v)) return v->kind != V_NONE && (*k)-- == 0;
  size_t len = path->len;
  int *order = v->kind == V_MAP ? map_order(t, v) : NULL;
  for (int i = 0; i < node_arity(v); i++) {
    if (v->kind == V_MAP) {
      buf_putc(path, '[');
      value_repr(&v->items[2 * order[i]], path);
      buf_putc(path, ']');
    } else {
      buf_printf(path, "[%d]", i);
    }
    if (leaf_path(t, tree_child(v, order, i), k, path)) return true;
    path->len = len;
    path->data[len] = 0;
  }
  return false;
}

const char *tree_path_of(tracer *t, const value *v, int leaf) {
  tj_buf b = {0};
  buf_puts(&b, "");
  int k = leaf;
  leaf_path(t, v, &k, &b);
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

/* A value shaped like structure with its leaves taken from vals; a dict
 * keeps its keys' order, its values taken in sorted key order. */
value tree_unflatten(tracer *t, const value *structure, const value *vals, int *k) {
  if (!is_node(structure)) return structure->kind == V_NONE ? *structure : vals[(*k)++];
  value v = *structure;
  v.items = ARENA_ARRAY(&t->scratch, value, v.n ? v.n : 1);
  if (v.n) memcpy(v.items, structure->items, (size_t)v.n * sizeof *v.items); /* () may have no items */
  int *order = v.kind == V_MAP ? map_order(t, &v) : NULL;
  for (int i = 0; i < node_arity(&v); i++) {
    value *slot = (value *)tree_child(&v, order, i);
    *slot = tree_unflatten(t, tree_child(structure, order, i), vals, k);
  }
  return v;
}

/* PyTreeDef equality: same node types, list or tuple, same dict keys
 * (in any order, as dicts with equal keys flatten alike). */
bool tree_same_structure(const value *a, const value *b) {
  if (is_node(a) != is_node(b) || (a->kind == V_NONE) != (b->kind == V_NONE)) return false;
  if (!is_node(a)) return true;
  if (a->kind != b->kind || a->n != b->n || a->list != b->list) return false;
  for (int i = 0; i < a->n; i++) {
    if (a->kind != V_MAP) {
      if (!tree_same_structure(&a->items[i], &b->items[i])) return false;
      continue;
    }
    if (i % 2) continue;
    const value *key = &a->items[i], *bv = key->kind == V_STR ? value_map_get(b, key->s, key->slen) : NULL;
    if (!bv || !tree_same_structure(&a->items[i + 1], bv)) return false;
  }
  return true;
}

void tree_def_text(tracer *t, const value *v, tj_buf *out) {
  if (!is_node(v)) {
    buf_puts(out, v->kind == V_NONE ? "None" : "*");
    return;
  }
  bool map = v->kind == V_MAP;
  int *order = map ? map_order(t, v) : NULL;
  buf_putc(out, map ? '{' : v->list ? '[' : '(');
  for (int i = 0; i < node_arity(v); i++) {
    if (i) buf_puts(out, ", ");
    if (map) {
      value_repr(&v->items[2 * order[i]], out);
      buf_puts(out, ": ");
    }
    tree_def_text(t, tree_child(v, order, i), out);
  }
  if (!map && !v->list && v->n == 1) buf_putc(out, ',');
  buf_putc(out, map ? '}' : v->list ? ']' : ')');
}
