/* Binding a call to the entry's parameters (see bind.h for what and why).
 * The messages are JAX's where JAX has one (jax.jit's static_argnums and
 * static_argnames checks, Python's call errors, the unhashable static
 * array), tjit check's for the declared types. */
#include "bind.h"

#include <stdarg.h>
#include <string.h>

#include "json_scan.h"
#include "util.h"

/* An error at a value of the spec (its JSON path first). */
static bool bind_error(const binder *b, const sjson *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool bind_error(const binder *b, const sjson *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tj_buf m = {0};
  buf_vprintf(&m, fmt, ap);
  va_end(ap);
  if (at) diag_error(b->diags, at->src, at->span, "%s: %s", at->path, m.data);
  else diag_error(b->diags, NULL, span_make(0, 0), "%s", m.data);
  buf_free(&m);
  return false;
}

static const char *param_name(const binder *b, int i) {
  return name_str(b->spec->program->names, b->entry->params[i].name);
}

static const char *fname(const binder *b) { return name_str(b->spec->program->names, b->entry->name); }

static void note_params(const binder *b) {
  tj_buf m = {0};
  for (int i = 0; i < b->entry->nparams; i++) buf_printf(&m, "%s%s", i ? ", " : "", param_name(b, i));
  diag_note(b->diags, "%s takes (%s)", fname(b), m.data);
  buf_free(&m);
}

static void suggest_param(const binder *b, const char *word, uint32_t n) {
  const char *names[TJ_MAX_PARAMS];
  int k = b->entry->nparams < TJ_MAX_PARAMS ? b->entry->nparams : TJ_MAX_PARAMS;
  for (int i = 0; i < k; i++) names[i] = param_name(b, i);
  const char *best = suggest_word(word, n, names, (size_t)k);
  if (best) diag_hint(b->diags, "did you mean '%s'?", best);
}

/* ---- per spec: the entry function and its static parameters ---- */

/* The entry function: the spec's "function", or the only one defined. */
static ast_func *find_entry(diag_list *d, const tj_spec *spec) {
  ast_program *p = spec->program;
  if (spec->function) {
    ast_func *f = ast_find_func(p, intern(p->names, spec->function, (uint32_t)strlen(spec->function)));
    if (!f) {
      const sjson *j = spec->function_json;
      diag_error(d, j ? j->src : NULL, j ? j->span : span_make(0, 0), "function: '%s' is not defined in the source",
                 spec->function);
      tj_suggest sg = suggest_start(spec->function, strlen(spec->function));
      for (int i = 0; i < p->nfuncs; i++) suggest_offer(&sg, name_str(p->names, p->funcs[i]->name));
      if (sg.best) diag_hint(d, "did you mean '%s'?", sg.best);
    }
    return f;
  }
  if (p->nfuncs == 1) return p->funcs[0];
  tj_buf b = {0};
  for (int i = 0; i < p->nfuncs; i++) buf_printf(&b, "%s'%s'", i ? ", " : "", name_str(p->names, p->funcs[i]->name));
  diag_error(d, &spec->file, span_make(0, 0), "the source defines %d functions (%s): say which one with \"function\"",
             p->nfuncs, b.data);
  buf_free(&b);
  return NULL;
}

/* static_argnums: each an index from either end, as jax.jit takes it. */
static bool mark_argnums(binder *b, const sjson *nums) {
  int n = b->nparams;
  for (uint32_t k = 0; nums && k < nums->n; k++) {
    int64_t v = nums->items[k]->i;
    if (v >= n || -v > n) {
      tj_buf m = {0};
      for (uint32_t j = 0; j < nums->n; j++) buf_printf(&m, "%s%lld", j ? ", " : "", (long long)nums->items[j]->i);
      bind_error(b, nums, "ValueError: Jitted function has static_argnums=(%s%s), but only accepts %d positional arguments.",
                 m.data, nums->n == 1 ? "," : "", n);
      buf_free(&m);
      note_params(b);
      return false;
    }
    b->is_static[v < 0 ? v + n : v] = true;
  }
  return true;
}

static bool mark_argnames(binder *b, const sjson *names) {
  for (uint32_t k = 0; names && k < names->n; k++) {
    const sjson *nm = names->items[k];
    int found = -1;
    for (int i = 0; i < b->nparams; i++)
      if (strlen(param_name(b, i)) == nm->slen && memcmp(param_name(b, i), nm->s, nm->slen) == 0) found = i;
    if (found < 0) {
      tj_buf q = {0};
      buf_put_quoted(&q, nm->s, nm->slen);
      q.data[0] = q.data[q.len - 1] = '\'';
      bind_error(b, nm, "ValueError: Jitted function has invalid argnames {%s} in static_argnames. "
                 "Function does not take these args.", q.data);
      buf_free(&q);
      suggest_param(b, nm->s, nm->slen);
      note_params(b);
      return false;
    }
    b->is_static[found] = true;
  }
  return true;
}

bool binder_init(binder *b, diag_list *d, const tj_spec *spec) {
  *b = (binder){.diags = d, .spec = spec};
  if (!(b->entry = find_entry(d, spec))) return false;
  if (b->entry->nparams > TJ_MAX_PARAMS) /* the parser refuses them: a guard for the arrays below */
    return diag_error(d, &spec->code, b->entry->name_span, "too many parameters (limit is %d) in function '%s'",
                      TJ_MAX_PARAMS, fname(b));
  b->nparams = b->entry->nparams;
  for (int i = 0; i < b->nparams; i++) b->is_static[i] = b->entry->params[i].is_static;
  return mark_argnums(b, spec->static_argnums) && mark_argnames(b, spec->static_argnames);
}

/* ---- per call: matching ---- */

/* A negative static_argnum counts from the end of the positional
 * arguments a call passes (jaxlib's jax_jit.cc ParseArguments:
 * t + num_positional_args), binder_init from the end of the parameters:
 * the two agree unless a positional call leaves out a parameter with a
 * default, which is refused rather than making another parameter static. */
static bool check_negative_argnums(const binder *b, const spec_call *call) {
  const sjson *nums = b->spec->static_argnums;
  if (call->by_keyword || (int)call->n >= b->nparams) return true;
  for (uint32_t k = 0; nums && k < nums->n; k++) {
    int64_t v = nums->items[k]->i;
    if (v >= 0) continue;
    bind_error(b, call->json, "static_argnums has %lld, which jax.jit counts from the end of the positional "
               "arguments a call passes: this call passes %u of the %d parameters of %s(), so %lld would be %s%s%s, "
               "not '%s'", (long long)v, call->n, b->nparams, fname(b), (long long)v, v + call->n >= 0 ? "'" : "",
               v + call->n >= 0 ? param_name(b, (int)(v + call->n)) : "no argument", v + call->n >= 0 ? "'" : "",
               param_name(b, (int)(v + b->nparams)));
    diag_hint(b->diags, "give every parameter in this call, or name '%s' in static_argnames",
              param_name(b, (int)(v + b->nparams)));
    return false;
  }
  return true;
}

bool bind_match(const binder *b, const spec_call *call, const sjson **vals) {
  int n = b->nparams;
  for (int i = 0; i < n; i++) vals[i] = NULL;
  if (!call->by_keyword) {
    if ((int)call->n > n)
      return bind_error(b, call->json, "TypeError: %s() takes %d positional argument%s but %u were given", fname(b), n,
                        n == 1 ? "" : "s", call->n);
    for (uint32_t i = 0; i < call->n; i++) vals[i] = call->values[i];
  } else {
    for (uint32_t k = 0; k < call->n; k++) {
      int found = -1;
      for (int i = 0; i < n; i++)
        if (strcmp(call->names[k], param_name(b, i)) == 0) found = i;
      if (found < 0) {
        bind_error(b, call->values[k], "TypeError: %s() got an unexpected keyword argument '%s'", fname(b),
                   call->names[k]);
        suggest_param(b, call->names[k], (uint32_t)strlen(call->names[k]));
        note_params(b);
        return false;
      }
      vals[found] = call->values[k];
    }
  }
  for (int i = 0; i < n; i++) /* a parameter with a default may be left out (vals[i] stays NULL) */
    if (!vals[i] && !b->entry->params[i].default_value)
      return bind_error(b, call->json, "TypeError: %s() missing 1 required positional argument: '%s'", fname(b),
                        param_name(b, i));
  return check_negative_argnums(b, call);
}

/* ---- per call: each value ---- */

_Static_assert(TJ_MAX_RANK <= 8, "bound_arg.dims_named has a bit per dimension");

/* The names bound so far in the entry's scope, as the tracer will bind
 * them (a later binding of a name replaces the earlier): parameters, and
 * the named dimensions of declared types. What a dimension reads is the
 * int value (a traced parameter's is 0) and its provenance. */
typedef struct bind_scope {
  name_id names[TJ_MAX_PARAMS * (TJ_MAX_RANK + 1)];
  int64_t ints[TJ_MAX_PARAMS * (TJ_MAX_RANK + 1)];
  uint64_t prov[TJ_MAX_PARAMS * (TJ_MAX_RANK + 1)];
  bool defaulted[TJ_MAX_PARAMS * (TJ_MAX_RANK + 1)]; /* a parameter left out: its value is the tracer's */
  int n;
} bind_scope;

static void scope_put(bind_scope *s, name_id name, int64_t i, uint64_t prov) {
  int k = 0;
  while (k < s->n && s->names[k] != name) k++;
  if (k == s->n) s->n++;
  s->names[k] = name, s->ints[k] = i, s->prov[k] = prov, s->defaulted[k] = false;
}

static int scope_find(const bind_scope *s, name_id name) {
  for (int k = 0; k < s->n; k++)
    if (s->names[k] == name) return k;
  return -1;
}

/* A static argument's JSON value as a Python value (array = tuple,
 * object = mapping); a typed array object is unhashable, as in JAX. */
static bool static_value(const binder *b, tj_arena *a, const sjson *j, value *out) {
  switch (j->kind) {
  case SJ_NULL: *out = value_none(); return true;
  case SJ_BOOL: *out = value_bool(j->b); return true;
  case SJ_INT: *out = value_int(j->i); return true;
  case SJ_FLOAT: *out = value_float(j->f); return true;
  case SJ_STRING: *out = (value){.kind = V_STR, .s = j->s, .slen = j->slen}; return true;
  case SJ_ARRAY: case SJ_OBJECT: break;
  }
  bool map = j->kind == SJ_OBJECT;
  if (map && json_member(j, "dtype", NULL)) { /* a typed array, as jnp.array(...) is */
    bind_error(b, j, "ValueError: Non-hashable static arguments are not supported. An error occurred "
               "while trying to hash an object of type <class 'jaxlib._jax.ArrayImpl'>. The error was:");
    diag_note(b->diags, "TypeError: unhashable type: 'jaxlib._jax.ArrayImpl'");
    diag_hint(b->diags, "an array argument must be traced: remove it from static_argnums/static_argnames");
    return false;
  }
  const sjson *seed = map && j->n == 1 ? json_member(j, "key", NULL) : NULL;
  if (seed && seed->kind == SJ_INT) { /* a typed key (spec.c key_aval): PRNGKeyArray sets __hash__ = None */
    bind_error(b, j, "ValueError: Non-hashable static arguments are not supported. An error occurred "
               "while trying to hash an object of type <class 'jax._src.random.prng.PRNGKeyArray'>. The error was:");
    diag_note(b->diags, "TypeError: unhashable type: 'PRNGKeyArray'");
    diag_hint(b->diags, "a key argument must be traced: remove it from static_argnums/static_argnames (a static "
              "seed and random_key(seed) inside the function make a constant key)");
    return false;
  }
  *out = (value){.kind = map ? V_MAP : V_TUPLE, .n = (int)(map ? 2 * j->n : j->n)};
  out->items = ARENA_ARRAY(a, value, out->n);
  for (uint32_t i = 0; i < j->n; i++) {
    if (map) out->items[2 * i] = (value){.kind = V_STR, .s = j->keys[i], .slen = (uint32_t)strlen(j->keys[i])};
    if (!static_value(b, a, j->items[i], &out->items[map ? 2 * i + 1 : i])) return false;
  }
  return true;
}

bool bind_fits_type(const ast_type *ty, const value *v) {
  return ty->rank <= 0 && (dtype_is_float(ty->dtype) ? v->kind == V_FLOAT || v->kind == V_INT
                           : ty->dtype == DT_BOOL    ? v->kind == V_BOOL
                                                     : v->kind == V_INT);
}

/* A static argument is a Python value: its declared type checks it and
 * changes nothing (0.001 stays the double 0.001, not its float32 rounding;
 * it takes a dtype only as a literal, from the traced operand it meets). */
static bool check_static_type(const binder *b, const bound_arg *arg) {
  const ast_type *ty = &arg->param->type;
  if (!ty->present || bind_fits_type(ty, &arg->value)) return true;
  tj_buf r = {0};
  value_repr(&arg->value, &r);
  bind_error(b, arg->json, "static argument '%s' is declared %s%s but the value is %s (a Python %s)", arg->name,
             dtype_short(ty->dtype), ty->rank > 0 ? " array" : "", r.data, value_type_name(&arg->value));
  buf_free(&r);
  return false;
}

/* A traced argument's aval against the declared type; a named dimension
 * reads the size bound to its name, or is bound to this one's. */
static bool check_traced_type(const binder *b, bind_scope *s, bound_arg *arg, uint64_t *shape_prov) {
  const ast_type *ty = &arg->param->type;
  const tj_aval *a = &arg->aval;
  char got[200];
  aval_format(a, got, sizeof got);
  if (ty->present && ty->dtype != a->dtype)
    return bind_error(b, arg->json, "argument '%s' is declared %s but the value is %s%s", arg->name,
                      dtype_short(ty->dtype), got, a->weak && arg->json->kind == SJ_INT && dtype_is_float(ty->dtype)
                      ? " (write a float such as 5.0 for a float argument)" : "");
  if (ty->rank < 0) return true;
  if (ty->rank != a->rank)
    return bind_error(b, arg->json, "argument '%s' is declared with rank %d but the value is %s", arg->name, ty->rank, got);
  for (int d = 0; d < ty->rank; d++) {
    int64_t want = ty->dims[d].size;
    if (ty->dims[d].name) {
      int k = scope_find(s, ty->dims[d].name);
      if (k < 0) {
        scope_put(s, ty->dims[d].name, a->dims[d], 0);
        arg->dims_named |= (uint8_t)(1u << d);
        continue;
      }
      if (s->defaulted[k])
        return bind_error(b, arg->json, "argument '%s': dimension %d of its declared type is parameter '%s', which the "
                          "call leaves out (give '%s' in the call)", arg->name, d, name_str(b->spec->program->names,
                          ty->dims[d].name), name_str(b->spec->program->names, ty->dims[d].name));
      *shape_prov |= s->prov[k];
      want = s->ints[k];
    }
    if (want != a->dims[d])
      return bind_error(b, arg->json, "argument '%s': dimension %d is %lld but the declaration needs %lld", arg->name,
                        d, (long long)a->dims[d], (long long)want);
  }
  return true;
}

/* ---- per call: a traced argument's pytree (spec.h) ---- */

static int count_leaves(const sjson *j) {
  spec_tree_kind k = spec_tree_kind_of(j);
  if (k == ST_NONE) return 0;
  if (k != ST_LIST && k != ST_DICT) return 1;
  int n = 0;
  for (uint32_t i = 0; i < j->n; i++) n += count_leaves(j->items[i]);
  return n;
}

/* Walking one argument's tree: its leaves so far, the call's in *total. */
typedef struct tree_walk {
  const binder *b;
  tj_arena *a;
  bound_arg *arg;
  int *total;
} tree_walk;

/* A leaf must be an array: a string cannot be one (jax.jit's TypeError,
 * whose path is the leaf's keystr after the argument's name). */
static bool walk_leaf(tree_walk *w, const sjson *j, const tj_buf *path, value *out) {
  bound_arg *arg = w->arg;
  if (j->kind == SJ_STRING) {
    bind_error(w->b, j, "TypeError: Error interpreting argument to %s as an abstract array. The problematic value "
               "is of type <class 'str'> and was passed to the function at path %s.", fname(w->b), path->data);
    if (!arg->is_tree) diag_hint(w->b->diags, "a non-array argument must be marked static (static_argnames: [\"%s\"])", arg->name);
    else diag_hint(w->b->diags, "the leaves of a traced argument are arrays and numbers");
    return false;
  }
  if (*w->total >= TJ_MAX_INPUTS)
    return bind_error(w->b, j, "too many pytree leaves (limit is %d) in the traced arguments of a call", TJ_MAX_INPUTS);
  int k = arg->nleaves++;
  if (!spec_value_aval(w->b->diags, w->b->spec, j, &arg->leaf_avals[k])) return false;
  arg->leaf_json[k] = j;
  arg->leaf_names[k] = arena_strdup(w->a, path->data);
  (*w->total)++;
  *out = value_traced((uint32_t)k);
  return true;
}

static bool walk_tree(tree_walk *w, const sjson *j, tj_buf *path, value *out);

/* A list or dict node: its children in flattening order (sorted keys), so
 * leaf indices are that order; a dict keeps its keys as written. */
static bool walk_node(tree_walk *w, const sjson *j, tj_buf *path, value *out) {
  bool dict = j->kind == SJ_OBJECT;
  *out = (value){.kind = dict ? V_MAP : V_TUPLE, .list = !dict, .n = (int)(dict ? 2 * j->n : j->n)};
  out->items = ARENA_ARRAY(w->a, value, out->n ? out->n : 1);
  uint32_t *order = ARENA_ARRAY(w->a, uint32_t, j->n ? j->n : 1);
  if (dict) spec_tree_dict_order(j, order);
  size_t len = path->len;
  for (uint32_t i = 0; i < j->n; i++) {
    uint32_t c = dict ? order[i] : i;
    value *slot = &out->items[c];
    if (dict) {
      value key = {.kind = V_STR, .s = j->keys[c], .slen = json_key_len(j, c)};
      out->items[2 * c] = key, slot = &out->items[2 * c + 1];
      buf_putc(path, '[');
      value_repr(&key, path);
      buf_putc(path, ']');
    } else {
      buf_printf(path, "[%u]", i);
    }
    if (!walk_tree(w, j->items[c], path, slot)) return false;
    path->len = len, path->data[len] = 0;
  }
  return true;
}

static bool walk_tree(tree_walk *w, const sjson *j, tj_buf *path, value *out) {
  spec_tree_kind k = spec_tree_kind_of(j);
  if (k == ST_NONE) return *out = value_none(), true;
  if (k == ST_LIST || k == ST_DICT) return walk_node(w, j, path, out);
  return walk_leaf(w, j, path, out);
}

/* A traced argument: its tree, leaves and their avals; *total counts the
 * call's leaves. A declared type is an array's: a pytree cannot have one. */
static bool traced_tree(const binder *b, tj_arena *a, bound_arg *arg, int *total) {
  const sjson *j = arg->json;
  spec_tree_kind k = spec_tree_kind_of(j);
  int n = count_leaves(j);
  arg->is_tree = k == ST_LIST || k == ST_DICT || k == ST_NONE;
  if (arg->is_tree && arg->param->type.present)
    return bind_error(b, j, "argument '%s' is declared %s%s but the value is %s", arg->name,
                      dtype_short(arg->param->type.dtype), arg->param->type.rank > 0 ? " array" : "",
                      k == ST_NONE ? "None" : k == ST_LIST ? "a list" : "a dict");
  arg->leaf_avals = ARENA_ARRAY(a, tj_aval, n ? n : 1);
  arg->leaf_json = ARENA_ARRAY(a, const sjson *, n ? n : 1);
  arg->leaf_names = ARENA_ARRAY(a, const char *, n ? n : 1);
  tree_walk w = {b, a, arg, total};
  tj_buf path = {0};
  buf_puts(&path, arg->name);
  bool ok = walk_tree(&w, j, &path, &arg->tree);
  buf_free(&path);
  if (ok && !arg->is_tree) arg->aval = arg->leaf_avals[0];
  return ok;
}

/* Parameter i: its value, then its declared type, as the tracer binds it. */
static bool bind_one(const binder *b, tj_arena *a, bind_scope *s, int i, int *leaves, bound_call *out) {
  bound_arg *arg = &out->args[i];
  if (arg->is_static) {
    if (!static_value(b, a, arg->json, &arg->value) || !check_static_type(b, arg)) return false;
    value_add_prov(&arg->value, (uint64_t)1 << i); /* TJ_MAX_PARAMS is 64 */
    scope_put(s, arg->param->name, arg->value.i, arg->value.prov);
    return true;
  }
  if (!traced_tree(b, a, arg, leaves)) return false;
  if (!arg->is_tree && !check_traced_type(b, s, arg, &out->shape_prov)) return false;
  scope_put(s, arg->param->name, 0, 0);
  return true;
}

bool bind_call(const binder *b, tj_arena *a, const spec_call *call, bound_call *out) {
  const sjson *vals[TJ_MAX_PARAMS];
  int n = b->nparams;
  *out = (bound_call){.entry = b->entry, .nargs = n, .args = ARENA_ARRAY(a, bound_arg, n ? n : 1)};
  if (!bind_match(b, call, vals)) return false;
  bind_scope s = {.n = 0};
  int leaves = 0;
  for (int i = 0; i < n; i++) {
    out->args[i] = (bound_arg){.param = &b->entry->params[i], .name = param_name(b, i), .is_static = b->is_static[i],
                               .by_keyword = call->by_keyword, .json = vals[i]};
    if (!vals[i]) { /* left out: not an argument of the call; the tracer binds the default */
      out->args[i].is_static = out->args[i].defaulted = true;
      scope_put(&s, b->entry->params[i].name, 0, 0);
      s.defaulted[scope_find(&s, b->entry->params[i].name)] = true;
      continue;
    }
    if (!bind_one(b, a, &s, i, &leaves, out)) return false;
  }
  return true;
}
