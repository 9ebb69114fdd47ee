/* How two pytree arguments differ, in JAX's words: explain-recompile's
 * MM_TREE and a pytree's MM_AVAL (cache_key.h). The structural texts are
 * jax.tree_util.equality_errors_pytreedef's (jax/_src/tree_util.py,
 * _equality_errors, JAX 0.10.2) as pe.diff_trees prints them
 * (jax/_src/interpreters/partial_eval.py: "different input pytree:",
 * "at input path {keystr}, now {thing1} and before {thing2}, so
 * {explanation}"), the input path being tjit's name of the argument
 * followed by the keystr of the node. */
#include "cache_key.h"

#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "util.h"

static void put_key(const sjson *obj, uint32_t i, tj_buf *out) {
  value key = {.kind = V_STR, .s = obj->keys[i], .slen = json_key_len(obj, i)};
  value_repr(&key, out);
}

/* The children of a node in flattening order (dict keys sorted). */
static uint32_t *child_order(const sjson *j) {
  uint32_t *order = malloc(sizeof *order * (j->n ? j->n : 1));
  if (!order) TJ_OOM();
  for (uint32_t i = 0; i < j->n; i++) order[i] = i;
  if (spec_tree_kind_of(j) == ST_DICT) spec_tree_dict_order(j, order);
  return order;
}

/* str(type(t)) of a node as equality_errors_pytreedef sees it; a leaf is
 * its LeafMeta placeholder, whose type's repr is "pytree leaf". */
static const char *type_text(spec_tree_kind k) {
  return k == ST_NONE ? "<class 'NoneType'>" : k == ST_LIST ? "<class 'list'>" : k == ST_DICT ? "<class 'dict'>"
                                                                                            : "pytree leaf";
}

typedef struct tree_errors {
  tj_buf *out;
  int n;
} tree_errors;

static void error_start(tree_errors *e, const tj_buf *path) {
  buf_printf(e->out, "%sat input path %s, now ", e->n++ ? "; " : "", path->data);
}

/* The keys of a not in b, repr'd and space-separated, sorted (Python's
 * set order is arbitrary; sorted keeps the message stable). */
static void put_missing_keys(const sjson *a, const sjson *b, bool *any, tj_buf *out) {
  uint32_t *order = child_order(a);
  for (uint32_t i = 0; i < a->n; i++)
    if (spec_tree_find_key(b, a->keys[order[i]], json_key_len(a, order[i])) < 0) {
      buf_puts(out, *any ? " " : "");
      put_key(a, order[i], out);
      *any = true;
    }
  free(order);
}

static void put_dict_children(const sjson *j, tj_buf *out) {
  buf_printf(out, "<class 'dict'> with %u child%s", j->n, j->n > 1 ? "ren" : "");
}

/* A dict's node data is the tuple of its sorted keys (JAX's
 * testScanMetadataError expects "with pytree metadata ('t',)"). */
static void put_dict_meta(const sjson *j, tj_buf *out) {
  uint32_t *order = child_order(j);
  buf_puts(out, "<class 'dict'> with pytree metadata (");
  for (uint32_t i = 0; i < j->n; i++) {
    buf_puts(out, i ? ", " : "");
    put_key(j, order[i], out);
  }
  buf_puts(out, j->n == 1 ? ",)" : ")");
  free(order);
}

/* The root's own mismatch, if any (true: reported, stop there). */
static bool root_error(tree_errors *e, const sjson *a, const sjson *b, const tj_buf *path) {
  spec_tree_kind ka = spec_tree_kind_of(a), kb = spec_tree_kind_of(b);
  if (ka != kb) {
    error_start(e, path);
    buf_printf(e->out, "%s and before %s, so their Python types differ", type_text(ka), type_text(kb));
    return true;
  }
  if (ka == ST_LIST && a->n != b->n) {
    error_start(e, path);
    buf_printf(e->out, "list of length %u and before list of length %u, so the lengths do not match", a->n, b->n);
    return true;
  }
  if (ka != ST_DICT || spec_tree_same_keys(a, b)) return false;
  error_start(e, path);
  if (a->n == b->n) {
    put_dict_meta(a, e->out);
    buf_puts(e->out, " and before ");
    put_dict_meta(b, e->out);
    buf_puts(e->out, ", so the pytree node metadata does not match");
    return true;
  }
  put_dict_children(a, e->out);
  buf_puts(e->out, " and before ");
  put_dict_children(b, e->out);
  buf_puts(e->out, ", so the numbers of children do not match, with the symmetric difference of key sets: {");
  bool any = false;
  put_missing_keys(a, b, &any, e->out);
  put_missing_keys(b, a, &any, e->out);
  buf_putc(e->out, '}');
  return true;
}

static void walk_errors(tree_errors *e, const sjson *a, const sjson *b, tj_buf *path) {
  spec_tree_kind k = spec_tree_kind_of(a);
  if (root_error(e, a, b, path) || (k != ST_LIST && k != ST_DICT)) return;
  uint32_t *order = child_order(a);
  size_t len = path->len;
  for (uint32_t i = 0; i < a->n; i++) {
    uint32_t c = order[i];
    const sjson *bc = b->items[c];
    if (k == ST_DICT) {
      bc = b->items[spec_tree_find_key(b, a->keys[c], json_key_len(a, c))];
      buf_putc(path, '[');
      put_key(a, c, path);
      buf_putc(path, ']');
    } else {
      buf_printf(path, "[%u]", c);
    }
    walk_errors(e, a->items[c], bc, path);
    path->len = len, path->data[len] = 0;
  }
  free(order);
}

void cache_tree_mismatch_text(const cache_key_arg *now, const cache_key_arg *before, tj_buf *out) {
  tj_buf path = {0};
  buf_puts(&path, now->name);
  buf_printf(out, "%s: different input pytree: ", now->name);
  tree_errors e = {out, 0};
  walk_errors(&e, now->json, before->json, &path);
  buf_free(&path);
}

/* ---- leaves whose avals differ (same structure) ---- */

typedef struct leaf_list {
  const tj_spec *spec;
  const sjson *leaf[TJ_MAX_INPUTS];
  char *path[TJ_MAX_INPUTS];
  int n;
} leaf_list;

static char *copy_path(const tj_buf *path) {
  char *c = malloc(path->len + 1);
  if (!c) TJ_OOM();
  memcpy(c, path->data, path->len + 1);
  return c;
}

static void collect_leaves(leaf_list *l, const sjson *j, tj_buf *path) {
  spec_tree_kind k = spec_tree_kind_of(j);
  if (k == ST_NONE) return;
  if (k != ST_LIST && k != ST_DICT) {
    if (l->n < TJ_MAX_INPUTS) l->leaf[l->n] = j, l->path[l->n++] = copy_path(path);
    return;
  }
  uint32_t *order = child_order(j);
  size_t len = path->len;
  for (uint32_t i = 0; i < j->n; i++) {
    if (k == ST_DICT) {
      buf_putc(path, '[');
      put_key(j, order[i], path);
      buf_putc(path, ']');
    } else {
      buf_printf(path, "[%u]", order[i]);
    }
    collect_leaves(l, j->items[order[i]], path);
    path->len = len, path->data[len] = 0;
  }
  free(order);
}

static bool same_aval(const tj_aval *a, const tj_aval *b) {
  return a->dtype == b->dtype && a->weak == b->weak && aval_same_shape(a, b);
}

/* A leaf's aval again (bind.c read it from the same JSON without error). */
static tj_aval leaf_aval(const tj_spec *spec, const sjson *j) {
  tj_arena scratch = {0};
  diag_list quiet = {.arena = &scratch};
  tj_aval a = {0};
  spec_value_aval(&quiet, spec, j, &a);
  arena_free(&scratch);
  return a;
}

static void free_leaves(leaf_list *l) {
  for (int i = 0; i < l->n; i++) free(l->path[i]);
}

/* "params['w']: now f32[4] and before f32[3]" for each leaf that differs,
 * as diff_types names a pytree's leaves (its debug info's arg_names). */
void cache_tree_aval_text(const tj_spec *spec, const cache_key_arg *now, const cache_key_arg *before, tj_buf *out) {
  leaf_list *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  if (!a || !b) TJ_OOM();
  tj_buf path = {0};
  buf_puts(&path, now->name);
  collect_leaves(a, now->json, &path);
  path.len = 0;
  buf_puts(&path, now->name);
  collect_leaves(b, before->json, &path);
  buf_free(&path);
  int shown = 0;
  for (int i = 0; i < a->n && i < b->n; i++) {
    tj_aval x = leaf_aval(spec, a->leaf[i]), y = leaf_aval(spec, b->leaf[i]);
    if (same_aval(&x, &y)) continue;
    bool weak_only = x.weak != y.weak && x.dtype == y.dtype && aval_same_shape(&x, &y);
    buf_printf(out, "%s%s: now ", shown++ ? "; " : "", a->path[i]);
    cache_aval_text(&x, weak_only, out);
    buf_puts(out, " and before ");
    cache_aval_text(&y, weak_only, out);
  }
  free_leaves(a), free_leaves(b);
  free(a), free(b);
}

static void put_tree_avals(const tj_spec *spec, const sjson *j, tj_buf *out) {
  spec_tree_kind k = spec_tree_kind_of(j);
  if (k == ST_NONE) {
    buf_puts(out, "None");
    return;
  }
  if (k != ST_LIST && k != ST_DICT) {
    tj_aval a = leaf_aval(spec, j);
    cache_aval_text(&a, false, out);
    return;
  }
  uint32_t *order = child_order(j);
  buf_putc(out, k == ST_DICT ? '{' : '[');
  for (uint32_t i = 0; i < j->n; i++) {
    buf_puts(out, i ? ", " : "");
    if (k == ST_DICT) put_key(j, order[i], out), buf_puts(out, ": ");
    put_tree_avals(spec, j->items[order[i]], out);
  }
  buf_putc(out, k == ST_DICT ? '}' : ']');
  free(order);
}

void cache_tree_text(const tj_spec *spec, const cache_key_arg *arg, tj_buf *out) {
  put_tree_avals(spec, arg->json, out);
}
