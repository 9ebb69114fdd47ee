/* Python's containers in the language (tjit-spec(5)): list and dict
 * displays, indexing and slicing a static tuple, list or dict, a dict's
 * keys as attributes, dict(k=v, ...), and what a for-each iterates. They
 * are pytree nodes (trace_tree.c): the arrays inside them stay traced, the
 * containers themselves are static, so every index is resolved while
 * tracing and records nothing. Errors use Python's own texts. */
#include "prims.h"
#include "trace.h"
#include "trace_tree.h"
#include "util.h"

#include <string.h>

static value container(tracer *t, value_kind kind, int n) {
  value v = {.kind = kind, .n = n};
  v.items = ARENA_ARRAY(&t->scratch, value, n ? n : 1);
  return v;
}

/* [a, b, c]: a Python list. */
bool eval_list(tracer *t, scope *s, node *n, value *out) {
  *out = container(t, V_TUPLE, n->nitems);
  out->list = true;
  for (int i = 0; i < n->nitems; i++)
    if (!eval(t, s, n->items[i], &out->items[i])) return false;
  return true;
}

/* A dict key: a static string, as the keys of JSON objects are. A traced
 * one is what Python says of a tracer (its __hash__ is None). */
static bool dict_key(tracer *t, const value *k, tj_span span) {
  if (k->kind == V_STR) {
    note_use(t, k->prov, USE_SHAPE); /* it decides which item */
    return true;
  }
  if (k->kind == V_TRACED) return tracer_error(t, span, "TypeError: unhashable type: 'DynamicJaxprTracer'");
  return tracer_error(t, span, "TypeError: dict keys must be static strings here, not %s", value_type_name(k));
}

/* Puts key: v into dict d (d->n counts keys and values); a key given
 * again keeps its place and takes the new value, as in Python. */
static void dict_put(value *d, const value *key, value v) {
  value *slot = (value *)value_map_get(d, key->s, key->slen);
  if (slot) { *slot = v; return; }
  d->items[d->n++] = *key;
  d->items[d->n++] = v;
}

/* {"w": x, "b": y} */
bool eval_dict(tracer *t, scope *s, node *n, value *out) {
  *out = container(t, V_MAP, n->nitems);
  out->n = 0;
  for (int i = 0; i + 1 < n->nitems; i += 2) {
    value k, v;
    if (!eval(t, s, n->items[i], &k) || !dict_key(t, &k, n->items[i]->span)) return false;
    if (!eval(t, s, n->items[i + 1], &v)) return false;
    dict_put(out, &k, v);
  }
  return true;
}

/* dict(w=x, b=y): Python's keyword form (positional arguments are not
 * taken: a mapping or pairs would be dict(d) or dict(pairs)). */
bool eval_dict_call(tracer *t, scope *s, node *n, value *out) {
  *out = container(t, V_MAP, 2 * n->nitems);
  out->n = 0;
  for (int i = 0; i < n->nitems; i++) {
    node *arg = n->items[i];
    if (!arg->kwname)
      return tracer_error(t, arg->span, "dict() takes keyword arguments only here: dict(w=x, b=y)");
    const char *name = name_str(t->prog->names, arg->kwname);
    value k = {.kind = V_STR, .s = name, .slen = (uint32_t)strlen(name)}, v;
    if (!eval(t, s, arg, &v)) return false;
    dict_put(out, &k, v);
  }
  return true;
}

/* ---- indexing a static container ---- */

/* d[key]: Python's KeyError shows the key's repr. Keys are strings, so
 * any other hashable key is missing; a list, dict or tracer is not hashable. */
static bool index_dict(tracer *t, const value *d, const value *k, tj_span span, value *out) {
  if (k->kind == V_TRACED) return dict_key(t, k, span);
  if (k->kind == V_MAP || (k->kind == V_TUPLE && k->list))
    return tracer_error(t, span, "TypeError: unhashable type: '%s'", value_type_name(k));
  note_use(t, value_prov_deep(k), USE_SHAPE); /* it decides which item */
  const value *v = k->kind == V_STR ? value_map_get(d, k->s, k->slen) : NULL;
  if (v) { *out = *v; return true; }
  tj_buf b = {0};
  value_repr(k, &b);
  tracer_error(t, span, "KeyError: %s", b.data);
  buf_free(&b);
  return false;
}

/* PySlice_AdjustIndices: the items a static slice picks from n. */
static int64_t slice_adjust(int64_t n, int64_t *start, int64_t *stop, int64_t step) {
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? n - 1 : n;
  for (int64_t *b = start; b; b = b == start ? stop : NULL) {
    if (*b < 0) *b = *b + n < lo ? lo : *b + n;
    else if (*b > hi) *b = hi;
  }
  if (step < 0) return *stop < *start ? (*start - *stop - 1) / -step + 1 : 0;
  return *start < *stop ? (*stop - *start - 1) / step + 1 : 0;
}

/* One bound of a static slice of a tuple or list: an int, or None. */
static bool slice_bound(tracer *t, scope *s, node *e, int64_t dflt, int64_t *out) {
  value v = value_none();
  if (e && !eval(t, s, e, &v)) return false;
  if (v.kind == V_TRACED) return concretization_error(t, ERR_INTEGER, &v, e->span, "slice with static integers");
  note_use(t, v.prov, USE_SHAPE);
  if (v.kind == V_NONE) return *out = dflt, true;
  if (v.kind != V_INT && v.kind != V_BOOL)
    return tracer_error(t, e->span, "TypeError: slice indices must be integers or None or have an __index__ method");
  *out = v.i;
  return true;
}

/* seq[start:stop:step] of a tuple or list: one of the same kind. */
static bool slice_seq(tracer *t, scope *s, node *sl, const value *seq, value *out) {
  int64_t step, start, stop;
  if (!slice_bound(t, s, sl->cond, 1, &step)) return false;
  if (step == 0) return tracer_error(t, sl->span, "ValueError: slice step cannot be zero");
  if (!slice_bound(t, s, sl->lhs, step < 0 ? INT64_MAX : 0, &start) ||
      !slice_bound(t, s, sl->rhs, step < 0 ? INT64_MIN + 1 : INT64_MAX, &stop))
    return false;
  if (step < 0 && !sl->rhs) stop = -(int64_t)seq->n - 1; /* past the front */
  int64_t n = slice_adjust(seq->n, &start, &stop, step);
  *out = container(t, V_TUPLE, (int)n);
  out->list = seq->list;
  for (int64_t i = 0; i < n; i++) out->items[i] = seq->items[start + i * step];
  return true;
}

/* seq[i] of a tuple or list, with Python's texts for a bad index. */
static bool index_seq(tracer *t, const value *seq, const value *idx, tj_span span, value *out) {
  const char *kind = value_type_name(seq);
  if (idx->kind == V_TRACED) { /* Python calls the tracer's __index__ (core.Tracer.__index__) */
    tj_aval a = t->m->vars[idx->var];
    if (a.rank != 0 || !dtype_is_int(a.dtype))
      return tracer_error(t, span, "TypeError: Only integer scalar arrays can be converted to a scalar index.");
    return concretization_error(t, ERR_INTEGER, idx, span,
                                seq->list ? "index the list with a static integer" : "index the tuple with a static integer");
  }
  if (idx->kind != V_INT && idx->kind != V_BOOL)
    return tracer_error(t, span, "TypeError: %s indices must be integers or slices, not %s", kind,
                        value_type_name(idx));
  note_use(t, idx->prov, USE_SHAPE); /* it picks the item */
  int64_t i = idx->i < 0 ? idx->i + seq->n : idx->i;
  if (i < 0 || i >= seq->n) return tracer_error(t, span, "IndexError: %s index out of range", kind);
  *out = seq->items[i];
  return true;
}

bool index_static(tracer *t, scope *s, node *n, value base, value *out) {
  bool seq = base.kind == V_TUPLE, slice = n->nitems == 1 && n->items[0]->kind == ND_SLICE;
  if ((!seq && base.kind != V_MAP) || n->nitems != 1 || (slice && !seq))
    return tracer_error(t, n->span, "TypeError: '%s' object is not subscriptable with these indices",
                        value_type_name(&base));
  if (slice) return slice_seq(t, s, n->items[0], &base, out);
  value idx;
  if (!eval(t, s, n->items[0], &idx)) return false;
  if (seq) return index_seq(t, &base, &idx, n->items[0]->span, out);
  return index_dict(t, &base, &idx, n->items[0]->span, out);
}

/* d.name: a dict's key read as an attribute (tjit's shorthand for
 * d["name"]; Python's dicts have no such attributes). */
bool dict_member(tracer *t, node *n, const value *d, value *out) {
  const char *field = name_str(t->prog->names, n->name);
  const value *v = value_map_get(d, field, (uint32_t)strlen(field));
  if (v) { *out = *v; return true; }
  return tracer_error(t, n->op_span, "AttributeError: 'dict' object has no attribute '%s'", field);
}

/* ---- for-each ---- */

/* How many items iterating v gives: a tuple's or list's items, a dict's
 * keys, a string's characters, an array's leading axis. */
static bool iter_count(tracer *t, const value *v, tj_span span, int64_t *n) {
  switch (v->kind) {
  case V_TUPLE: *n = v->n; break;
  case V_MAP: *n = v->n / 2; break;
  case V_STR:
    *n = 0;
    for (uint32_t i = 0; i < v->slen; i++) *n += ((unsigned char)v->s[i] & 0xC0) != 0x80;
    break;
  case V_TRACED: {
    tj_aval a = t->m->vars[v->var];
    if (a.rank == 0) return tracer_error(t, span, "TypeError: iteration over a 0-d array");
    *n = a.dims[0];
    return true;
  }
  default:
    if (v->strong) return tracer_error(t, span, "TypeError: 'numpy.%s' object is not iterable", dtype_long(v->dtype));
    return tracer_error(t, span, "TypeError: '%s' object is not iterable", value_type_name(v));
  }
  note_use(t, v->prov, USE_CONTROL); /* the number of iterations */
  return true;
}

/* range(stop), range(start, stop[, step]): Python's, its arguments
 * static integers (a traced one fails as its __index__ does). */
static bool range_source(tracer *t, scope *s, node *call, iter_source *it) {
  int64_t arg[3] = {0, 0, 1};
  int n = call->nitems;
  if (n < 1 || n > 3) return tracer_error(t, call->span, "TypeError: range expected 1 to 3 arguments, got %d", n);
  for (int i = 0; i < n; i++) {
    value v;
    node *a = call->items[i];
    if (a->kwname) return tracer_error(t, a->span, "TypeError: range() takes no keyword arguments");
    if (!eval(t, s, a, &v)) return false;
    if (v.kind == V_TRACED) return concretization_error(t, ERR_INTEGER, &v, a->span, "pass range() static integers");
    if (v.kind != V_INT && v.kind != V_BOOL)
      return tracer_error(t, a->span, "TypeError: '%s' object cannot be interpreted as an integer", value_type_name(&v));
    note_use(t, v.prov, USE_CONTROL);
    arg[n == 1 ? 1 : i] = v.i;
  }
  if (arg[2] == 0) return tracer_error(t, call->items[2]->span, "ValueError: range() arg 3 must not be zero");
  it->range = true, it->start = arg[0], it->step = arg[2];
  __int128 span = (__int128)arg[1] - arg[0], step = arg[2];
  __int128 count = step > 0 ? (span + step - 1) / step : (span + step + 1) / step;
  it->count = count > 0 ? (int64_t)(count > INT64_MAX ? INT64_MAX : count) : 0;
  return true;
}

static bool is_range_call(tracer *t, scope *s, node *n) {
  return n->kind == ND_CALL && strcmp(name_str(t->prog->names, n->name), "range") == 0 &&
         !scope_lookup(s, n->name) && !ast_find_func(t->prog, n->name);
}

bool iter_begin(tracer *t, scope *s, node *rhs, iter_source *it) {
  memset(it, 0, sizeof *it);
  it->span = rhs->span;
  if (is_range_call(t, s, rhs)) return range_source(t, s, rhs, it);
  return eval(t, s, rhs, &it->v) && iter_count(t, &it->v, rhs->span, &it->count);
}

/* lax.index_in_dim(x, i, keepdims=False), as iterating a traced array
 * does (lax._iter): slice[start (i, 0..) limit (i+1, ..) strides (1..)],
 * then squeeze[dimensions=(0,)]. */
static bool array_row(tracer *t, const value *x, int64_t i, tj_span span, value *out) {
  tj_aval a = t->m->vars[x->var];
  int64_t axis0 = 0;
  value row;
  if (!emit_slice_in_dim(t, ATOM_VAR(x->var), &a, 0, i, i + 1, false, span, &row)) return false;
  ir_atom in = ATOM_VAR(row.var);
  ir_param sq = {"dimensions", pv_ints(t->m, PV_TUPLE, &axis0, 1)};
  return emit(t, P_squeeze, &in, 1, NULL, &sq, 1, span, out);
}

bool iter_item(tracer *t, const iter_source *it, int64_t i, value *out) {
  const value *v = &it->v;
  tj_span span = it->span;
  if (it->range) { *out = value_int(it->start + i * it->step); return true; }
  switch (v->kind) {
  case V_TUPLE: *out = v->items[i]; return true;
  case V_MAP: *out = v->items[2 * i]; return true;
  case V_TRACED: return array_row(t, v, i, span, out);
  default: break;
  }
  uint32_t b = 0; /* V_STR: the i-th UTF-8 character */
  for (int64_t k = 0;; b++)
    if (((unsigned char)v->s[b] & 0xC0) != 0x80 && k++ == i) break;
  uint32_t e = b + 1;
  while (e < v->slen && ((unsigned char)v->s[e] & 0xC0) == 0x80) e++;
  *out = (value){.kind = V_STR, .s = v->s + b, .slen = e - b, .prov = v->prov};
  return true;
}

/* ---- item assignment: d["k"] = v, l[i] += v, p["a"]["b"] = v ---- */

/* Whether target (an ND_INDEX chain) starts at a variable holding a
 * static container: then its assignment is container_assign's. */
bool is_container_target(scope *s, node *target) {
  node *n = target;
  while (n->kind == ND_INDEX) n = n->lhs;
  value *root = n->kind == ND_IDENT ? scope_lookup(s, n->name) : NULL;
  return root && (root->kind == V_MAP || root->kind == V_TUPLE);
}

/* A copy of container c whose item at key k (evaluated) is v. */
static bool with_item(tracer *t, const value *c, const value *k, value v, tj_span span, value *out) {
  if (c->kind == V_TUPLE && !c->list)
    return tracer_error(t, span, "TypeError: 'tuple' object does not support item assignment");
  *out = container(t, c->kind, c->n + 2); /* room for a new key */
  out->n = c->n;
  out->list = c->list;
  memcpy(out->items, c->items, sizeof *c->items * (size_t)c->n);
  if (c->kind == V_MAP) {
    if (!dict_key(t, k, span)) return false;
    dict_put(out, k, v);
    return true;
  }
  if (k->kind != V_INT && k->kind != V_BOOL)
    return tracer_error(t, span, "TypeError: list indices must be integers or slices, not %s", value_type_name(k));
  note_use(t, k->prov, USE_SHAPE);
  int64_t i = k->i < 0 ? k->i + c->n : k->i;
  if (i < 0 || i >= c->n) return tracer_error(t, span, "IndexError: list assignment index out of range");
  out->items[i] = v;
  return true;
}

/* The item of c at index node n's key (evaluated into *k); store_only:
 * the item is only written (a plain `=` at the end of the path), so the
 * key need not be there yet (with_item checks it). */
static bool item_at(tracer *t, scope *s, node *n, const value *c, bool store_only, value *k, value *item) {
  if (n->nitems != 1 || n->items[0]->kind == ND_SLICE)
    return tracer_error(t, n->span, "only one key or index at a time can be assigned to in a %s",
                        value_type_name(c));
  if (!eval(t, s, n->items[0], k)) return false;
  *item = value_none();
  if (store_only) return true;
  if (c->kind == V_MAP) return index_dict(t, c, k, n->items[0]->span, item);
  return index_seq(t, c, k, n->items[0]->span, item);
}

/* target op= rhs where target is root[k1]...[kn] on a static container:
 * the variable is rebound to a copy updated along the path (C's value
 * semantics: an alias made before keeps the old items). */
bool container_assign(tracer *t, scope *s, node *target, ast_op op, node *rhs, value *out) {
  node *chain[TJ_MAX_NEST];
  int depth = 0;
  for (node *n = target; n->kind == ND_INDEX; n = n->lhs) {
    if (depth == TJ_MAX_NEST) return tracer_error(t, target->span, "too many nested indices");
    chain[depth++] = n;
  }
  value *levels = ARENA_ARRAY(&t->scratch, value, depth + 1), *keys = ARENA_ARRAY(&t->scratch, value, depth), v;
  levels[0] = *scope_lookup(s, chain[depth - 1]->lhs->name);
  if (op == OP_ASSIGN && !eval(t, s, rhs, &v)) return false; /* Python: the value first */
  for (int i = 0; i < depth; i++) {
    node *n = chain[depth - 1 - i];
    value *c = &levels[i];
    if (c->kind == V_TRACED)
      return tracer_error(t, n->span, "an array inside a container cannot be assigned to by index here: take it "
                          "into a variable, assign, and store it back");
    if (c->kind != V_MAP && c->kind != V_TUPLE)
      return tracer_error(t, n->span, "TypeError: '%s' object does not support item assignment", value_type_name(c));
    if (!item_at(t, s, n, c, i == depth - 1 && op == OP_ASSIGN, &keys[i], &levels[i + 1])) return false;
  }
  if (op != OP_ASSIGN && (!eval(t, s, rhs, &v) || !binary_op(t, op, levels[depth], v, target->span, &v)))
    return false;
  *out = v;
  for (int i = depth - 1; i >= 0; i--)
    if (!with_item(t, &levels[i], &keys[i], v, chain[depth - 1 - i]->span, &v)) return false;
  *scope_lookup(s, chain[depth - 1]->lhs->name) = v; /* looked up again: the scope may have grown */
  return true;
}

/* ---- tree_map ---- */

/* The leaves of v in jax.tree_util's order: anything but a tuple, list,
 * dict or None (an empty subtree). */
static void collect_leaves(tracer *t, const value *v, value **out, int *n, int *cap) {
  if (v->kind == V_NONE) return;
  if (v->kind != V_TUPLE && v->kind != V_MAP) {
    ARENA_PUSH(&t->scratch, *out, *n, *cap, *v);
    return;
  }
  int *order = v->kind == V_MAP ? ARENA_ARRAY(&t->scratch, int, v->n / 2 + 1) : NULL;
  if (order) value_map_order(v, order);
  for (int i = 0; i < (order ? v->n / 2 : v->n); i++)
    collect_leaves(t, order ? &v->items[2 * order[i] + 1] : &v->items[i], out, n, cap);
}

/* Tree k of tree_map's arguments differs from the first: tjit's words,
 * with the differences as equality_errors finds them. */
static bool tree_map_mismatch(tracer *t, const call_args *a, int k) {
  tree_diffs d = tree_differences(t, &a->pos[1], &a->pos[k], "pytree leaf");
  tracer_error(t, a->pos_spans[k], "ValueError: tree_map: argument %d has another tree structure than argument 2", k + 1);
  for (int i = 0; i < d.n; i++)
    diag_note(t->diags, "at %s the first tree has a %s and this one a %s, so %s", *d.v[i].path ? d.v[i].path : "the root",
              d.v[i].thing1, d.v[i].thing2, d.v[i].why);
  return false;
}

/* jax.tree_util.tree_map(f, tree, *rest): f called on each leaf of tree
 * with the leaves of rest at the same place, the results in tree's
 * structure. Whatever f records is recorded, leaf by leaf. */
bool builtin_tree_map(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  const value *f = &a->pos[0];
  if (f->kind != V_FUNC) return tracer_error(t, a->pos_spans[0], "TypeError: tree_map: f must be a function");
  int ntrees = a->npos - 1;
  value **ls = ARENA_ARRAY(&t->scratch, value *, ntrees);
  int n = 0;
  for (int k = 0; k < ntrees; k++) {
    if (k && !tree_same_structure(&a->pos[1], &a->pos[1 + k])) return tree_map_mismatch(t, a, 1 + k);
    int cap = 0;
    ls[k] = NULL, n = 0;
    collect_leaves(t, &a->pos[1 + k], &ls[k], &n, &cap);
  }
  value *results = ARENA_ARRAY(&t->scratch, value, n + 1), *args = ARENA_ARRAY(&t->scratch, value, ntrees);
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < ntrees; k++) args[k] = ls[k][i];
    bool ok = f->func->is_jit ? call_jit(t, f->func, f->closure, a->call, args, ntrees, &results[i])
                              : call_user(t, f->func, f->closure, a->call, args, ntrees, &results[i]);
    if (!ok) return false;
  }
  int k = 0;
  *out = tree_unflatten(t, &a->pos[1], results, &k);
  return true;
}
