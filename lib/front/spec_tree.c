/* Pytree arguments as the spec writes them (spec.h, "pytree arguments"):
 * which JSON values are nodes and which leaves, and a dict's children in
 * jax.tree_util's order (sorted keys). Pure functions of the JSON: the
 * binder, the cache key and explain-recompile all read trees through
 * these, so they agree on what a tree is. */
#include "spec.h"

#include <stdlib.h>
#include <string.h>

#include "json_scan.h"

/* Whether an array holds, at any depth through arrays, an object or null:
 * then it is a Python list, else the nested array of numbers it always was. */
static bool holds_node(const sjson *v) {
  for (uint32_t i = 0; i < v->n; i++) {
    const sjson *e = v->items[i];
    if (e->kind == SJ_OBJECT || e->kind == SJ_NULL || (e->kind == SJ_ARRAY && holds_node(e))) return true;
  }
  return false;
}

spec_tree_kind spec_tree_kind_of(const sjson *v) {
  switch (v->kind) {
  case SJ_NULL: return ST_NONE;
  case SJ_BOOL: case SJ_INT: case SJ_FLOAT: return ST_LEAF;
  case SJ_STRING: return ST_BAD;
  case SJ_ARRAY: return holds_node(v) ? ST_LIST : ST_LEAF;
  case SJ_OBJECT: break;
  }
  if (json_member(v, "dtype", NULL) || json_member(v, "npy", NULL)) return ST_LEAF;
  /* {"key": 0}: a PRNG key (spec.c key_aval), not the dict {'key': 0} */
  const sjson *seed = json_member(v, "key", NULL);
  return seed && v->n == 1 && seed->kind == SJ_INT ? ST_LEAF : ST_DICT;
}

static int key_cmp(const sjson *obj, uint32_t a, uint32_t b) {
  uint32_t na = json_key_len(obj, a), nb = json_key_len(obj, b);
  int c = memcmp(obj->keys[a], obj->keys[b], na < nb ? na : nb);
  return c ? c : (na > nb) - (na < nb);
}

/* Insertion sort: a dict argument has few keys, and no qsort context. */
void spec_tree_dict_order(const sjson *obj, uint32_t *order) {
  for (uint32_t i = 0; i < obj->n; i++) {
    uint32_t k = i;
    for (; k > 0 && key_cmp(obj, order[k - 1], i) > 0; k--) order[k] = order[k - 1];
    order[k] = i;
  }
}

/* The index in obj of the key s (slen bytes), or -1. */
int spec_tree_find_key(const sjson *obj, const char *s, uint32_t slen) {
  for (uint32_t i = 0; i < obj->n; i++)
    if (json_key_len(obj, i) == slen && memcmp(obj->keys[i], s, slen) == 0) return (int)i;
  return -1;
}

bool spec_tree_same_keys(const sjson *a, const sjson *b) {
  if (a->n != b->n) return false;
  for (uint32_t i = 0; i < a->n; i++)
    if (spec_tree_find_key(b, a->keys[i], json_key_len(a, i)) < 0) return false;
  return true;
}

bool spec_tree_same(const sjson *a, const sjson *b) {
  spec_tree_kind ka = spec_tree_kind_of(a), kb = spec_tree_kind_of(b);
  if (ka != kb) return false;
  if (ka != ST_LIST && ka != ST_DICT) return true;
  if (a->n != b->n || (ka == ST_DICT && !spec_tree_same_keys(a, b))) return false;
  for (uint32_t i = 0; i < a->n; i++) {
    int j = ka == ST_LIST ? (int)i : spec_tree_find_key(b, a->keys[i], json_key_len(a, i));
    if (j < 0 || !spec_tree_same(a->items[i], b->items[j])) return false;
  }
  return true;
}
