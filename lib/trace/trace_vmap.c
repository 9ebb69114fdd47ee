/* vmap (issue 16) as jax/_src/api.py defines it: vmap(f, in_axes=0,
 * out_axes=0, axis_size=None) is a function value; calling it traces f on
 * one example's avals (each mapped leaf without its mapped axis, unmapped
 * leaves passed as they are, closed over as JAX's BatchTrace leaves them
 * to the trace below) into a jaxpr of its own, which the batching
 * interpreter (lib/ir/batch.c) replays into the current jaxpr, then moves
 * or broadcasts each output to its out_axes (batching.matchaxis), so the
 * listing is make_jaxpr(jax.vmap(f))'s. */
#include <limits.h>
#include <string.h>

#include "batch.h"
#include "trace.h"
#include "trace_body.h"
#include "trace_tree.h"
#include "util.h"

#define NM BATCH_NOT_MAPPED
/* None in a flattened in_axes (a user's axis may be -1, BATCH_NOT_MAPPED) */
#define NONE_AXIS INT_MIN

struct vmap_fn {
  value fn;
  value in_axes, out_axes;   /* int, None or containers of those (lists as tuples) */
  bool has_size;
  int64_t size;
  body_fn native;            /* instead of fn: a function of api.py's own (jacfwd's pushfwd) */
  const void *native_ctx;
};

/* ---- in_axes and out_axes as trees ---- */

static bool is_axis_leaf(const value *v) { return v->kind == V_INT || v->kind == V_NONE; }

/* type(x) as str() shows it, a full tree's leaf as flatten_axes' PytreeLeaf. */
static const char *py_type(const value *v, bool full) {
  if (v->kind == V_MAP) return "<class 'dict'>";
  if (v->kind == V_TUPLE) return v->list ? "<class 'list'>" : "<class 'tuple'>";
  if (v->kind == V_NONE) return "<class 'NoneType'>";
  return full ? "<class 'jax._src.api_util.PytreeLeaf'>" : "<class 'int'>";
}

/* The keys of dict m in sorted order (the order its leaves flatten in). */
static void sorted_order(const value *m, int *order) {
  int n = m->n / 2;
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && strcmp(m->items[2 * order[j - 1]].s, m->items[2 * order[j]].s) > 0; j--) {
      int x = order[j];
      order[j] = order[j - 1], order[j - 1] = x;
    }
}

typedef struct axes_out {
  int *v;
  int n, cap;
  const char *name;   /* "vmap in_axes" */
} axes_out;

static bool prefix_error(tracer *t, const axes_out *o, const tj_buf *path, const char *detail, tj_span span) {
  return tracer_error(t, span,
                      "ValueError: %s specification must be a tree prefix of the corresponding value; \n"
                      "  Mismatch details (1 found):\n  %s",
                      o->name, arena_printf(&t->scratch, detail, o->name, path->len ? path->data : "", o->name));
}

/* api_util.flatten_axes: the axis of every leaf of full, the spec tree
 * `axes` a prefix of it (an int or None standing for a whole subtree);
 * where they disagree, _prefix_error's first difference. */
static bool broadcast_prefix(tracer *t, const value *axes, const value *full, tj_buf *path, axes_out *o,
                             tj_span span) {
  if (is_axis_leaf(axes)) {
    leaves l = {0};
    if (!tree_flatten(t, full, &l, span, "vmap arguments")) return false;
    for (int i = 0; i < l.n; i++) {
      int d = axes->kind == V_NONE ? NONE_AXIS : (int)axes->i;
      ARENA_PUSH(&t->scratch, o->v, o->n, o->cap, d);
    }
    return true;
  }
  if (axes->kind != full->kind || (axes->kind == V_TUPLE && axes->list != full->list))
    return prefix_error(t, o, path,
                        arena_printf(&t->scratch,
                                     "pytree structure error: different types at key path\n    %%s%%s\nAt that key "
                                     "path, the prefix pytree %%s has a subtree of type\n    %s\nbut at the same key "
                                     "path the full pytree has a subtree of different type\n    %s.",
                                     py_type(axes, false), py_type(full, true)),
                        span);
  size_t len = path->len;
  if (axes->kind == V_TUPLE) {
    if (axes->n != full->n) {
      const char *ty = axes->list ? "list" : "tuple";
      return prefix_error(t, o, path,
                          arena_printf(&t->scratch,
                                       "pytree structure error: different lengths of %s at key path\n    %%s%%s\nAt "
                                       "that key path, the prefix pytree %%s has a subtree of type %s of length %d, "
                                       "but the full pytree has a subtree of the same type but of length %d.",
                                       ty, ty, axes->n, full->n),
                          span);
    }
    for (int i = 0; i < axes->n; i++) {
      buf_printf(path, "[%d]", i);
      if (!broadcast_prefix(t, &axes->items[i], &full->items[i], path, o, span)) return false;
      path->len = len, path->data[len] = 0;
    }
    return true;
  }
  int order[64], n = full->n / 2;
  if (axes->n != full->n || n > 64)
    return tracer_error(t, span, "ValueError: %s specification must be a tree prefix of the corresponding value; "
                                 "the dict at %s%s has other keys than the argument's",
                        o->name, o->name, path->len ? path->data : "");
  sorted_order(full, order);
  for (int i = 0; i < n; i++) {
    const value *k = &full->items[2 * order[i]];
    const value *a = value_map_get(axes, k->s, k->slen);
    if (!a)
      return tracer_error(t, span, "ValueError: %s specification must be a tree prefix of the corresponding value; "
                                   "the dict at %s%s has no key '%s'",
                          o->name, o->name, path->len ? path->data : "", k->s);
    buf_printf(path, "['%s']", k->s);
    if (!broadcast_prefix(t, a, &full->items[2 * order[i] + 1], path, o, span)) return false;
    path->len = len, path->data[len] = 0;
  }
  return true;
}

/* flatten_axes(name, tree of full, axes). */
static int *flatten_axes(tracer *t, const char *name, const value *axes, const value *full, tj_span span) {
  axes_out o = {.name = name};
  tj_buf path = {0};
  buf_puts(&path, "");
  bool ok = broadcast_prefix(t, axes, full, &path, &o, span);
  buf_free(&path);
  if (!ok) return NULL;
  if (!o.v) o.v = ARENA_ARRAY(&t->scratch, int, 1);
  return o.v;
}

/* api.vmap's checks of in_axes and out_axes: an int, None or a tuple (a
 * list taken as one), with int or None leaves. */
static bool valid_leaves(const value *v) {
  if (is_axis_leaf(v)) return true;
  if (v->kind == V_TUPLE)
    for (int i = 0; i < v->n; i++)
      if (!valid_leaves(&v->items[i])) return false;
  if (v->kind == V_MAP)
    for (int i = 1; i < v->n; i += 2)
      if (!valid_leaves(&v->items[i])) return false;
  return v->kind == V_TUPLE || v->kind == V_MAP;
}

static bool check_axes_spec(tracer *t, const value *in, const value *out, tj_span span) {
  if (!(is_axis_leaf(in) || (in->kind == V_TUPLE)))
    return tracer_error(t, span,
                        "TypeError: vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
                        "positional arguments passed to the function, but got %s.",
                        jax_tracer_repr(t, in));
  if (!valid_leaves(in))
    return tracer_error(t, span,
                        "TypeError: vmap in_axes must be an int, None, or (nested) container with those types as "
                        "leaves, but got %s.",
                        jax_tracer_repr(t, in));
  if (!valid_leaves(out))
    return tracer_error(t, span,
                        "TypeError: vmap out_axes must be an int, None, or (nested) container with those types as "
                        "leaves, but got %s.",
                        jax_tracer_repr(t, out));
  return true;
}

/* A list given as in_axes is taken as a tuple (api.vmap). */
static value as_tuple(value v) {
  v.list = false;
  return v;
}

static bool builtin_vmap(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  if (a->pos[0].kind != V_FUNC)
    return tracer_error(t, a->pos_spans[0], "TypeError: Expected a callable value, got %s",
                        jax_tracer_repr(t, &a->pos[0]));
  struct vmap_fn *v = ARENA_NEW(&t->scratch, struct vmap_fn);
  const value *in = a->npos > 1 ? &a->pos[1] : call_kwarg(a, "in_axes", NULL);
  const value *outv = a->npos > 2 ? &a->pos[2] : call_kwarg(a, "out_axes", NULL);
  const value *name = call_kwarg(a, "axis_name", NULL), *size = call_kwarg(a, "axis_size", NULL);
  *v = (struct vmap_fn){.fn = a->pos[0], .in_axes = in ? as_tuple(*in) : value_int(0),
                        .out_axes = outv ? *outv : value_int(0)};
  if (!check_axes_spec(t, &v->in_axes, &v->out_axes, a->call->span)) return false;
  if (name && name->kind != V_NONE)
    return tracer_error(t, a->call->span, "vmap's axis_name names an axis for collectives (psum, axis_index), which "
                                          "tjit does not have: leave it out");
  if (size && size->kind != V_NONE) {
    if (size->kind != V_INT || size->i < 0)
      return tracer_error(t, a->call->span, "vmap's axis_size must be a non-negative int, got %s",
                          jax_tracer_repr(t, size));
    v->has_size = true, v->size = size->i;
  }
  *out = a->pos[0];
  out->ad = NULL, out->vmap = v;
  return true;
}

/* ---- calling a vmapped function ---- */

/* The argument a leaf belongs to as _mapped_axis_size names it: "argument
 * NAME" (f's parameter) with the key path inside it. */
static const char *leaf_name(tracer *t, const struct vmap_fn *v, const value *args, int nargs, int leaf) {
  int k = leaf, i = 0;
  for (; i < nargs; i++) {
    leaves l = {0};
    if (!tree_flatten(t, &args[i], &l, (tj_span){0}, "vmap arguments")) return "args";
    if (k < l.n) break;
    k -= l.n;
  }
  const ast_func *f = v->fn.func;
  const char *sub = i < nargs ? tree_path_of(t, &args[i], k) : "";
  if (!f || i >= f->nparams) return arena_printf(&t->scratch, "args[%d]%s", i, sub);
  return arena_printf(&t->scratch, "argument %s%s", name_str(t->prog->names, f->params[i].name), sub);
}

/* _mapped_axis_size's message when the mapped axes disagree: the sizes by
 * how many axes have them (most first, ties in order of appearance), an
 * example of each. */
static bool inconsistent_sizes(tracer *t, const struct vmap_fn *v, const value *args, int nargs, const leaves *lp,
                               const int *axes, const int64_t *sizes, tj_span span) {
  tj_buf b = {0};
  buf_puts(&b, "ValueError: vmap got inconsistent sizes for array axes to be mapped:\n");
  if (v->has_size) buf_printf(&b, "  * the `axis_size` argument was %lld;\n", (long long)v->size);
  bool *done = ARENA_ARRAY(&t->scratch, bool, lp->n + 1);
  for (int round = 0;; round++) {
    int best = -1, best_ct = 0;
    for (int i = 0; i < lp->n; i++) {
      if (axes[i] == NONE_AXIS || done[i]) continue;
      int ct = 0;
      for (int j = 0; j < lp->n; j++) ct += axes[j] != NONE_AXIS && sizes[j] == sizes[i];
      if (ct > best_ct) best = i, best_ct = ct;
    }
    if (best < 0) break;
    for (int j = 0; j < lp->n; j++) done[j] |= axes[j] != NONE_AXIS && sizes[j] == sizes[best];
    tj_aval a = value_aval(t, &lp->v[best]);
    char ty[160];
    aval_format_long(&a, ty, sizeof ty);
    const char *ex = arena_printf(&t->scratch, "axis %d of %s of type %s", axes[best],
                                  leaf_name(t, v, args, nargs, best), ty);
    if (best_ct == 1) buf_printf(&b, "  * one axis had size %lld: %s;\n", (long long)sizes[best], ex);
    else buf_printf(&b, "  * %s axes (%d of them) had size %lld, e.g. %s;\n", round ? "some" : "most", best_ct,
                    (long long)sizes[best], ex);
  }
  b.data[b.len - 2] = 0; /* ''.join(msg)[:-2] */
  tracer_error(t, span, "%s", b.data);
  buf_free(&b);
  return false;
}

/* _mapped_axis_size: each mapped leaf's size along its axis (negative
 * axes counted from the end); all equal, and equal to axis_size if given. */
static bool mapped_size(tracer *t, const struct vmap_fn *v, const value *args, int nargs, const leaves *lp,
                        int *axes, int64_t *size, tj_span span) {
  int64_t *sizes = ARENA_ARRAY(&t->scratch, int64_t, lp->n + 1);
  bool any = false, agree = true;
  if (lp->n == 0 && !v->has_size) {
    value tuple = {.kind = V_TUPLE, .items = (value *)args, .n = nargs};
    return tracer_error(t, span,
                        "ValueError: vmap wrapped function must be passed at least one argument containing an array "
                        "or axis_size must be specified, got empty *args=%s and **kwargs={}",
                        jax_tracer_repr(t, &tuple));
  }
  for (int i = 0; i < lp->n; i++) {
    if (axes[i] == NONE_AXIS) continue;
    tj_aval a = value_aval(t, &lp->v[i]);
    int d = axes[i] < 0 ? axes[i] + a.rank : axes[i];
    if (d < 0 || d >= a.rank)
      return tracer_error(t, span,
                          "ValueError: vmap was requested to map its argument along axis %d, which implies that its "
                          "rank should be at least %d, but is only %d (its shape is %s)",
                          axes[i], axes[i] >= 0 ? axes[i] + 1 : -axes[i], a.rank, jax_shape_tuple(t, &a));
    sizes[i] = a.dims[d];
    if (any && sizes[i] != *size) agree = false;
    if (!any) *size = sizes[i], any = true;
  }
  if (v->has_size && any && *size != v->size) agree = false;
  if (!agree) return inconsistent_sizes(t, v, args, nargs, lp, axes, sizes, span);
  for (int i = 0; i < lp->n; i++)
    axes[i] = axes[i] == NONE_AXIS ? NM : axes[i] < 0 ? axes[i] + value_aval(t, &lp->v[i]).rank : axes[i];
  if (v->has_size) *size = v->size;
  else if (!any)
    return tracer_error(t, span, "ValueError: vmap must have at least one non-None value in in_axes or axis_size "
                                 "must be specified");
  return true;
}

/* f with the mapped leaves of its arguments replaced by one example's. */
typedef struct mapped_args {
  const struct vmap_fn *v;
  const value *tree;     /* the arguments as a tuple */
  const leaves *lp;
  const int *axes;
} mapped_args;

static bool call_mapped(tracer *t, const void *ctx, node *call, value *dyn, int ndyn, value *result) {
  const mapped_args *m = ctx;
  value *vals = ARENA_ARRAY(&t->scratch, value, m->lp->n + 1);
  for (int i = 0, k = 0; i < m->lp->n; i++) vals[i] = m->axes[i] != NM && k < ndyn ? dyn[k++] : m->lp->v[i];
  int k = 0;
  value all = tree_unflatten(t, m->tree, vals, &k);
  if (m->v->native) return m->v->native(t, m->v->native_ctx, call, all.items, all.n, result);
  return call_function_value(t, &m->v->fn, call, all.items, all.n, result);
}

/* One example's avals of the mapped leaves (the mapped axis removed), as
 * the values trace_with replaces. */
static int example_avals(tracer *t, const leaves *lp, const int *axes, value *dyn, tj_aval *avals) {
  int n = 0;
  for (int i = 0; i < lp->n; i++) {
    if (axes[i] == NM) continue;
    tj_aval a = value_aval(t, &lp->v[i]);
    memmove(a.dims + axes[i], a.dims + axes[i] + 1, sizeof *a.dims * (size_t)(a.rank - axes[i] - 1));
    a.rank--;
    dyn[n] = lp->v[i], avals[n++] = a;
  }
  return n;
}

/* batching.from_elt for every output leaf: matchaxis to its out_axes;
 * a mapped output with out_axes None is the SpecMatchError vmap reports. */
static bool match_outputs(tracer *t, const batch_target *bt, const struct vmap_fn *v, const body *bd,
                          ir_atom *outs, const int *dims, tj_span span, value *out) {
  int *dst = flatten_axes(t, "vmap out_axes", &v->out_axes, &bd->result, span);
  if (!dst) return false;
  uint32_t n = bd->jaxpr->nout;
  value *vals = ARENA_ARRAY(&t->scratch, value, n + 1);
  for (uint32_t i = 0; i < n; i++) {
    if (dst[i] == NONE_AXIS && dims[i] != NM)
      return tracer_error(t, span, "ValueError: at vmap out_axes%s, got axis spec None but output was batched on "
                                   "axis %d",
                          tree_path_of(t, &bd->result, (int)i), dims[i]);
    int rank = ir_atom_aval(t->m, outs[i]).rank + (dims[i] == NM);
    int d = dst[i] == NONE_AXIS ? NM : dst[i] < 0 ? dst[i] + rank : dst[i];
    if (dst[i] != NONE_AXIS && (d < 0 || d >= rank))
      return tracer_error(t, span, "ValueError: axis %d is out of bounds for array of dimension %d", dst[i], rank);
    if (!batch_match_axis(bt, span, outs[i], dims[i], d, &outs[i])) return false;
    vals[i] = ad_atom_value(t, outs[i]);
  }
  int k = 0;
  *out = tree_unflatten(t, &bd->result, vals, &k);
  return true;
}

/* vmap_f(*args) */
static bool vmap_call(tracer *t, const struct vmap_fn *v, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  if (v->in_axes.kind == V_TUPLE && v->in_axes.n != nargs)
    return tracer_error(t, span,
                        "ValueError: vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
                        "positional arguments passed to the function, but got len(in_axes)=%d, len(args)=%d",
                        v->in_axes.n, nargs);
  value tree = {.kind = V_TUPLE, .items = args, .n = nargs};
  leaves lp = {0};
  if (!tree_flatten(t, &tree, &lp, span, "vmap arguments")) return false;
  value in_axes = v->in_axes;
  if (in_axes.kind == V_TUPLE) in_axes.list = false;
  int *axes = flatten_axes(t, "vmap in_axes", &in_axes, &tree, span);
  batch_target bt = {ad_target(t), 0, &t->batch_memo};
  if (!axes || !mapped_size(t, v, args, nargs, &lp, axes, &bt.size, span)) return false;
  value *dyn = ARENA_ARRAY(&t->scratch, value, lp.n + 1);
  tj_aval *avals = ARENA_ARRAY(&t->scratch, tj_aval, lp.n + 1);
  int ndyn = example_avals(t, &lp, axes, dyn, avals);
  mapped_args ma = {v, &tree, &lp, axes};
  body bd = {0};
  body_info info = {"vmap", v->native ? NULL : &v->fn, NULL, 0};
  if (!trace_with(t, call_mapped, &ma, dyn, ndyn, avals, &info, call, &bd)) return false;
  int nin = bd.nconst + ndyn;
  ir_atom *in = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  int *dims = ARENA_ARRAY(&t->scratch, int, nin + 1);
  for (int i = 0; i < bd.nconst; i++) in[i] = frame_atom(t, bd.outer[i]), dims[i] = NM;
  for (int i = 0, k = bd.nconst; i < lp.n; i++) {
    if (axes[i] == NM) continue;
    if (!ad_leaf_atom(t, &lp.v[i], span, &in[k])) return false;
    dims[k++] = axes[i];
  }
  uint32_t nout = bd.jaxpr->nout;
  ir_atom *outs = ARENA_ARRAY(&t->scratch, ir_atom, nout + 1);
  int *odims = ARENA_ARRAY(&t->scratch, int, nout + 1);
  if (!batch_replay(&bt, bd.jaxpr, in, dims, outs, odims)) return false;
  return match_outputs(t, &bt, v, &bd, outs, odims, span, out);
}

bool vmap_call_value(tracer *t, const value *fn, node *call, value *args, int nargs, value *out) {
  return vmap_call(t, fn->vmap, call, args, nargs, out);
}

bool vmap_native(tracer *t, body_fn fn, const void *ctx, value out_axes, node *call, value *args, int nargs,
                 value *out) {
  struct vmap_fn v = {.in_axes = value_int(0), .out_axes = out_axes, .native = fn, .native_ctx = ctx};
  return vmap_call(t, &v, call, args, nargs, out);
}

bool vmap_native_axes(tracer *t, body_fn fn, const void *ctx, value in_axes, value out_axes, node *call, value *args,
                      int nargs, value *out) {
  struct vmap_fn v = {.in_axes = in_axes, .out_axes = out_axes, .native = fn, .native_ctx = ctx};
  return vmap_call(t, &v, call, args, nargs, out);
}

static const char *const kw_vmap[] = {"in_axes", "out_axes", "axis_name", "axis_size", NULL};

const builtin_def builtins_vmap[] = {
    {"vmap", builtin_vmap, 1, 3, kw_vmap, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};
