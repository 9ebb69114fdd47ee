/* How two pytrees differ, as jax.tree_util.equality_errors (JAX 0.10.2,
 * jax/_src/tree_util.py) tells it for the control-flow checks'
 * messages: each difference is a path (keystr), what each tree has
 * there, and why they differ. Kept apart from trace_tree.c, which the
 * flattening rules own. */
#include "trace.h"
#include "util.h"

#include <string.h>

static bool is_node(const value *v) { return v->kind == V_TUPLE || v->kind == V_MAP; }

/* str(type(x)) of a node; leaf: how a leaf's type shows. */
static const char *type_str(const value *v, const char *leaf) {
  if (v->kind == V_NONE) return "<class 'NoneType'>";
  if (v->kind == V_MAP) return "<class 'dict'>";
  if (v->kind == V_TUPLE) return v->list ? "<class 'list'>" : "<class 'tuple'>";
  return leaf;
}

static void add_diff(tracer *t, tree_diffs *d, const tj_buf *path, const char *a, const char *b, const char *why) {
  tree_diff x = {arena_strdup(&t->scratch, path->len ? path->data : ""), a, b, why};
  ARENA_PUSH(&t->scratch, d->v, d->n, d->cap, x);
}

/* The keys of dict m, sorted, as Python's repr of a list: ['a', 'b']. */
static const char *sorted_keys(tracer *t, const value *m, int *order) {
  tj_buf b = {0};
  buf_putc(&b, '[');
  for (int i = 0; i < m->n / 2; i++) {
    if (i) buf_puts(&b, ", ");
    value_repr(&m->items[2 * order[i]], &b);
  }
  buf_putc(&b, ']');
  const char *s = arena_strdup(&t->scratch, b.data);
  buf_free(&b);
  return s;
}

/* The keys in one dict and not the other, sorted (Python's set order is
 * not reproducible): 'a' 'c'. */
static void key_difference(const value *a, const value *b, tj_buf *out) {
  for (int pass = 0; pass < 2; pass++) {
    const value *x = pass ? b : a, *y = pass ? a : b;
    for (int i = 0; i < x->n; i += 2)
      if (!value_map_get(y, x->items[i].s, x->items[i].slen)) {
        if (out->len) buf_putc(out, ' ');
        value_repr(&x->items[i], out);
      }
  }
}

static const char *children(tracer *t, const value *v, int n) {
  return arena_printf(&t->scratch, "%s with %d child%s", type_str(v, ""), n, n > 1 ? "ren" : "");
}

/* Root-level differences of two nodes of one type; true if one was found. */
static bool root_differs(tracer *t, const value *a, const value *b, tj_buf *path, tree_diffs *d, int *oa, int *ob) {
  const char *name = a->list ? "list" : "tuple";
  if (a->kind == V_TUPLE && a->n != b->n) {
    add_diff(t, d, path, arena_printf(&t->scratch, "%s of length %d", name, a->n),
             arena_printf(&t->scratch, "%s of length %d", name, b->n), "the lengths do not match");
    return true;
  }
  if (a->kind != V_MAP) return false;
  if (a->n != b->n) {
    tj_buf keys = {0};
    key_difference(a, b, &keys);
    add_diff(t, d, path, children(t, a, a->n / 2), children(t, b, b->n / 2),
             arena_printf(&t->scratch, "the numbers of children do not match%s%s%s", keys.len ?
                          ", with the symmetric difference of key sets: {" : "", keys.len ? keys.data : "",
                          keys.len ? "}" : ""));
    buf_free(&keys);
    return true;
  }
  const char *ka = sorted_keys(t, a, oa), *kb = sorted_keys(t, b, ob);
  if (strcmp(ka, kb) == 0) return false;
  add_diff(t, d, path, arena_printf(&t->scratch, "<class 'dict'> with pytree metadata %s", ka),
           arena_printf(&t->scratch, "<class 'dict'> with pytree metadata %s", kb),
           "the pytree node metadata does not match");
  return true;
}

static void diff_at(tracer *t, const value *a, const value *b, const char *leaf, tj_buf *path, tree_diffs *d) {
  bool la = !is_node(a) && a->kind != V_NONE, lb = !is_node(b) && b->kind != V_NONE;
  if (la && lb) return;
  const char *ta = type_str(a, leaf), *tb = type_str(b, leaf);
  if (strcmp(ta, tb) != 0) { add_diff(t, d, path, ta, tb, "their Python types differ"); return; }
  if (!is_node(a)) return; /* None and None */
  int *oa = ARENA_ARRAY(&t->scratch, int, a->n / 2 + 1), *ob = ARENA_ARRAY(&t->scratch, int, b->n / 2 + 1);
  if (a->kind == V_MAP) value_map_order(a, oa), value_map_order(b, ob);
  if (root_differs(t, a, b, path, d, oa, ob)) return;
  size_t len = path->len;
  for (int i = 0; i < (a->kind == V_MAP ? a->n / 2 : a->n); i++) {
    bool map = a->kind == V_MAP;
    if (map) {
      buf_putc(path, '[');
      value_repr(&a->items[2 * oa[i]], path);
      buf_putc(path, ']');
    } else {
      buf_printf(path, "[%d]", i);
    }
    diff_at(t, map ? &a->items[2 * oa[i] + 1] : &a->items[i], map ? &b->items[2 * ob[i] + 1] : &b->items[i], leaf,
            path, d);
    path->len = len;
    if (path->data) path->data[len] = 0;
  }
}

tree_diffs tree_differences(tracer *t, const value *a, const value *b, const char *leaf) {
  tree_diffs d = {0};
  tj_buf path = {0};
  diff_at(t, a, b, leaf, &path, &d);
  buf_free(&path);
  return d;
}
