/* Structured control flow: cond, switch, while_loop, fori_loop and scan,
 * as lax records them. A function argument is traced at a new level into a
 * closed sub-jaxpr whose leading invars are the traced values it captured. */
#include "loop_opts.h"
#include "prims.h"
#include "trace.h"
#include "trace_body.h"
#include "trace_tree.h"
#include "util.h"

#include <string.h>

/* ---- tracing a function argument into a sub-jaxpr ---- */

/* Names of the frame's argument leaves: parameter name + pytree path, as
 * JAX's debug info names them; "args[k]" when they do not line up. */
static const char **arg_names(tracer *t, const body_info *info, int nleaves) {
  const char **names = ARENA_ARRAY(&t->scratch, const char *, nleaves + 1);
  int k = 0;
  if (info->user && info->aligned && info->naligned == info->user->func->nparams) {
    for (int p = 0; p < info->naligned; p++) {
      leaves l = {0};
      tree_flatten(t, &info->aligned[p], &l, span_make(0, 0), "arguments");
      const char *pname = name_str(t->prog->names, info->user->func->params[p].name);
      for (int i = 0; i < l.n && k < nleaves; i++)
        names[k++] = arena_printf(&t->scratch, "%s%s", pname, tree_path_of(t, &info->aligned[p], i));
    }
  }
  if (k != nleaves)
    for (k = 0; k < nleaves; k++) names[k] = arena_printf(&t->scratch, "args[%d]", k);
  return names;
}

/* A body's function: a user function is inlined, even one declared jit
 * (where JAX keeps its jit equation); one made by grad or vjp runs its
 * transformation. */
static bool call_body_fn(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  const value *fn = ctx;
  if (fn->ad) return call_function_value(t, fn, call, args, nargs, result);
  return call_user(t, fn->func, fn->closure, call, args, nargs, result);
}

bool trace_with(tracer *t, body_fn fn, const void *ctx, const value *args, int nargs, const tj_aval *avals,
                       const body_info *info, node *call, body *b) {
  leaves in = {0};
  for (int i = 0; i < nargs; i++)
    if (!tree_flatten(t, &args[i], &in, call->span, "operands")) return false;
  trace_frame f = {0};
  if (!frame_push(t, &f, call->span)) return false;
  uint32_t *vars = ARENA_ARRAY(&t->scratch, uint32_t, in.n ? in.n : 1);
  value *inner = ARENA_ARRAY(&t->scratch, value, in.n ? in.n : 1);
  for (int i = 0; i < in.n; i++) {
    tj_aval a = avals ? avals[i] : value_aval(t, &in.v[i]);
    inner[i] = value_traced(vars[i] = ir_new_var(t->m, &a));
  }
  value *fargs = ARENA_ARRAY(&t->scratch, value, nargs ? nargs : 1);
  int k = 0;
  for (int i = 0; i < nargs; i++) fargs[i] = tree_unflatten(t, &args[i], inner, &k);
  body_info named = *info;
  if (!named.aligned) named.aligned = fargs, named.naligned = nargs;
  f.func = info->user ? info->user->func : t->entry;
  f.traced_for = info->traced_for;
  f.args = vars;
  f.nargs = in.n;
  f.arg_names = arg_names(t, &named, in.n);
  leaves out = {0};
  bool ok = fn(t, ctx, call, fargs, nargs, &b->result) && tree_flatten(t, &b->result, &out, call->span, "function outputs");
  ir_jaxpr *j = f.jaxpr;
  j->outs = ARENA_ARRAY(&t->m->arena, ir_atom, out.n ? out.n : 1);
  for (int i = 0; ok && i < out.n; i++) {
    tj_aval a = value_aval(t, &out.v[i]);
    if (out.v[i].kind == V_TRACED) j->outs[i] = frame_atom(t, out.v[i].var);
    else ok = to_atom(t, &out.v[i], a.dtype, a.weak, call->span, &j->outs[i]);
  }
  j->nout = (uint32_t)out.n;
  frame_seal(t, &f, vars, in.n);
  frame_pop(t);
  b->jaxpr = j;
  b->outer = f.outer;
  b->nconst = f.nconst;
  b->nargs = in.n;
  return ok;
}

static bool trace_body(tracer *t, const value *fn, const value *args, int nargs, const char *traced_for, node *call,
                       body *b) {
  body_info info = {traced_for, fn, NULL, 0};
  return trace_with(t, call_body_fn, fn, args, nargs, NULL, &info, call, b);
}

static const value *func_arg(tracer *t, const call_args *a, int i, const char *msg) {
  if (a->pos[i].kind == V_FUNC) return &a->pos[i];
  tracer_error(t, a->pos_spans[i], "TypeError: %s", msg);
  return NULL;
}

/* Index of the invar an output forwards, or -1 (pe._jaxpr_forwarding). */
static int forwarded(const ir_jaxpr *j, uint32_t out) {
  if (ATOM_IS_LIT(j->outs[out])) return -1;
  for (uint32_t i = 0; i < j->nin; i++)
    if (j->invars[i] == ATOM_INDEX(j->outs[out])) return (int)i;
  return -1;
}

/* Drops the outputs whose keep flag is false (prune_closed_jaxpr_outputs). */
static void prune_outputs(ir_jaxpr *j, const bool *keep) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < j->nout; i++)
    if (keep[i]) j->outs[n++] = j->outs[i];
  j->nout = n;
}

/* ---- cond and switch ---- */

static bool typematch(const tj_aval *a, const tj_aval *b) {
  return a->dtype == b->dtype && aval_same_shape(a, b);
}


/* JAX's list of differences under a control-flow error: one sentence
 * (capitalized for some messages), or one "* ...;" item per difference. */
static void note_differences(tracer *t, const char **texts, int n, bool capitalize) {
  for (int i = 0; i < n; i++) {
    const char *s = texts[i];
    if (n == 1) {
      char first = capitalize && s[0] >= 'a' && s[0] <= 'z' ? (char)(s[0] - 'a' + 'A') : s[0];
      diag_note(t->diags, "%c%s.", first, s + 1);
    } else {
      diag_note(t->diags, "* %s%s", s, i + 1 < n ? ";" : ".");
    }
  }
}

/* _check_branch_outputs' structure error: equality_errors_pytreedef, whose
 * leaves show as "pytree leaf". */
static void branch_structure_error(tracer *t, const char *api, const char **names, body **bs, int b, tj_span span) {
  tree_diffs d = tree_differences(t, &bs[0]->result, &bs[b]->result, "pytree leaf");
  const char **texts = ARENA_ARRAY(&t->scratch, const char *, d.n + 1);
  for (int i = 0; i < d.n; i++) {
    const char *at = *d.v[i].path ? arena_printf(&t->scratch, " at path %s", d.v[i].path) : "";
    texts[i] = arena_printf(&t->scratch, "%s output%s is a %s but %s output%s is a %s, so %s", names[0], at,
                            d.v[i].thing1, names[b], at, d.v[i].thing2, d.v[i].why);
  }
  tracer_error(t, span, "TypeError: %s branch outputs must have the same pytree structure, but they differ:", api);
  note_differences(t, texts, d.n, false);
  diag_hint(t->diags, "Revise %s and/or %s so that they have the same pytree structure.", names[0], names[b]);
}

/* _check_branch_outputs: same pytree structure and types (weak types aside). */
static bool check_branches(tracer *t, const char *api, const char **names, body **bs, int n, tj_span span) {
  for (int b = 1; b < n; b++) {
    if (!tree_same_structure(&bs[0]->result, &bs[b]->result) || bs[0]->jaxpr->nout != bs[b]->jaxpr->nout)
      return branch_structure_error(t, api, names, bs, b, span), false;
    for (uint32_t i = 0; i < bs[0]->jaxpr->nout; i++) {
      tj_aval x = ir_atom_aval(t->m, bs[0]->jaxpr->outs[i]), y = ir_atom_aval(t->m, bs[b]->jaxpr->outs[i]);
      if (typematch(&x, &y)) continue;
      char s1[160], s2[160];
      aval_format_long(&x, s1, sizeof s1);
      aval_format_long(&y, s2, sizeof s2);
      const char *path = tree_path_of(t, &bs[0]->result, (int)i);
      tracer_error(t, span, "TypeError: %s branches must have equal output types but they differ.", api);
      diag_note(t->diags, "The output of %s%s%s has type %s but the corresponding output of %s has type %s%s.",
                names[0], *path ? " at path " : "", path, s1, names[b], s2, jax_mismatch_extra(&x, &y));
      diag_hint(t->diags, "Revise %s and/or %s so that all output types match.", names[0], names[b]);
      return false;
    }
  }
  return true;
}

/* _merge_common_consts: one const list for all bodies (in the order they
 * were traced), each body's invars padded with unused variables for the
 * consts it did not capture. */
static uint32_t *merge_consts(tracer *t, body **bs, int n, int *nconst) {
  int total = 0;
  for (int b = 0; b < n; b++) total += bs[b]->nconst;
  uint32_t *consts = ARENA_ARRAY(&t->scratch, uint32_t, total ? total : 1);
  *nconst = 0;
  for (int b = 0; b < n; b++)
    for (int i = 0; i < bs[b]->nconst; i++) {
      bool seen = false;
      for (int k = 0; k < *nconst && !seen; k++) seen = consts[k] == bs[b]->outer[i];
      if (!seen) consts[(*nconst)++] = bs[b]->outer[i];
    }
  for (int b = 0; b < n; b++) {
    ir_jaxpr *j = bs[b]->jaxpr;
    uint32_t *inv = ARENA_ARRAY(&t->m->arena, uint32_t, (size_t)(*nconst + bs[b]->nargs) + 1);
    for (int k = 0; k < *nconst; k++) {
      int own = -1;
      for (int i = 0; i < bs[b]->nconst; i++)
        if (bs[b]->outer[i] == consts[k]) own = i;
      tj_aval a = t->m->vars[consts[k]];
      inv[k] = own >= 0 ? j->invars[own] : ir_new_var(t->m, &a);
    }
    for (int i = 0; i < bs[b]->nargs; i++) inv[*nconst + i] = j->invars[bs[b]->nconst + i];
    j->invars = inv;
    j->nin = (uint32_t)(*nconst + bs[b]->nargs);
  }
  return consts;
}

/* Records cond[branches] (bodies in branch order, consts already merged;
 * platforms: branches_platforms, or NULL) and rebuilds the result: outputs
 * that every branch forwards from the same input are pruned and taken from
 * that input directly, as lax.cond does. */
static bool emit_cond(tracer *t, ir_atom index, body **bs, int n, const uint32_t *consts, int nconst,
                      const value *args, int nargs, pval *platforms, tj_span span, value *out) {
  leaves in = {0};
  for (int i = 0; i < nargs; i++) tree_flatten(t, &args[i], &in, span, "operands");
  uint32_t nout = bs[0]->jaxpr->nout;
  bool *keep = ARENA_ARRAY(&t->scratch, bool, nout + 1);
  int *fwd = ARENA_ARRAY(&t->scratch, int, nout + 1);
  int nkeep = 0;
  for (uint32_t i = 0; i < nout; i++) {
    fwd[i] = forwarded(bs[0]->jaxpr, i);
    for (int b = 1; b < n && fwd[i] >= 0; b++)
      if (forwarded(bs[b]->jaxpr, i) != fwd[i]) fwd[i] = -1;
    keep[i] = fwd[i] < 0;
    nkeep += keep[i];
  }
  for (int b = 0; b < n; b++) prune_outputs(bs[b]->jaxpr, keep);
  int nin = 1 + nconst + in.n;
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, nin);
  ins[0] = index;
  for (int i = 0; i < nconst; i++) ins[1 + i] = ATOM_VAR(consts[i]);
  for (int i = 0; i < in.n; i++)
    if (!own_atom(t, &in.v[i], span, &ins[1 + nconst + i])) return false;
  pval *branches = pv_seq(t->m, PV_TUPLE, n);
  for (int b = 0; b < n; b++) branches->items[b] = pv_jaxpr(t->m, bs[b]->jaxpr);
  ir_param p[2] = {{"branches", branches}, {"branches_platforms", platforms}};
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, nkeep + 1);
  if (!emit_n(t, P_cond, ins, nin, nkeep, p, platforms ? 2 : 1, span, outs)) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, nout + 1);
  for (uint32_t i = 0, k = 0; i < nout; i++)
    vals[i] = keep[i] ? value_traced(outs[k++])
              : fwd[i] < nconst ? value_traced(consts[fwd[i]]) : in.v[fwd[i] - nconst];
  int k = 0;
  *out = tree_unflatten(t, &bs[0]->result, vals, &k);
  return true;
}

/* The branch index as an int32 atom: a literal when it is static. */
static bool index_atom(tracer *t, value idx, tj_span span, ir_atom *out) {
  return convert(t, &idx, DT_I32, false, span) && to_atom(t, &idx, DT_I32, false, span, out);
}

/* cond's tail, once both branches are traced (true first, as lax.cond
 * traces them): check them against each other, merge their consts, and
 * record cond[branches=(false true)] on the int32 index. */
static bool finish_cond(tracer *t, value pred, body *tb, body *fb, const char *true_name, const char *false_name,
                        const value *ops, int nops, tj_span span, value *out) {
  body *traced[2] = {tb, fb}, *branches[2] = {fb, tb};
  const char *names[2] = {true_name, false_name};
  if (!check_branches(t, "cond", names, traced, 2, span)) return false;
  int nconst;
  uint32_t *consts = merge_consts(t, traced, 2, &nconst);
  ir_atom index;
  return index_atom(t, pred, span, &index) && emit_cond(t, index, branches, 2, consts, nconst, ops, nops, NULL, span, out);
}

/* lax.cond(pred, true_fun, false_fun, *operands). */
static bool builtin_cond(tracer *t, const builtin_def *bd, const call_args *a, value *out) {
  (void)bd;
  tj_span span = a->call->span;
  value pred = a->pos[0];
  static const char *not_callable = "lax.cond: true_fun and false_fun arguments should be callable.";
  const value *tf = func_arg(t, a, 1, not_callable), *ff = tf ? func_arg(t, a, 2, not_callable) : NULL;
  if (!ff) return false;
  if (pred.kind != V_TRACED && !value_is_number(&pred))
    return tracer_error(t, a->pos_spans[0], "TypeError: Pred type must be either boolean or number, got %s.",
                        value_type_name(&pred));
  tj_aval pa = value_aval(t, &pred);
  if (pa.rank != 0)
    return tracer_error(t, a->pos_spans[0], "TypeError: Pred must be a scalar, got %s of shape %s.",
                        jax_tracer_repr(t, &pred), jax_shape_tuple(t, &pa));
  if (pa.dtype != DT_BOOL && pred.kind == V_TRACED && !apply_binary(t, P_ne, pred, value_int(0), span, &pred))
    return false;
  if (pred.kind != V_TRACED) pred = (value){.kind = V_BOOL, .i = value_truthy(&pred), .prov = pred.prov};
  const value *ops = a->pos + 3;
  int nops = a->npos - 3;
  body tb, fb;
  return trace_body(t, tf, ops, nops, "cond", a->call, &tb) && trace_body(t, ff, ops, nops, "cond", a->call, &fb) &&
         finish_cond(t, pred, &tb, &fb, "true_fun", "false_fun", ops, nops, span, out);
}

/* lax.switch(index, branches, *operands): the index is clamped first. */
static bool builtin_switch(tracer *t, const builtin_def *bd, const call_args *a, value *out) {
  (void)bd;
  tj_span span = a->call->span;
  value idx = a->pos[0];
  const value *fs = &a->pos[1];
  if (fs->kind != V_TUPLE || fs->n == 0)
    return tracer_error(t, a->pos_spans[1], fs->kind == V_TUPLE ? "ValueError: Empty branch sequence"
                        : "TypeError: lax.switch: branches argument should be a sequence of callables.");
  for (int i = 0; i < fs->n; i++)
    if (fs->items[i].kind != V_FUNC)
      return tracer_error(t, a->pos_spans[1], "TypeError: lax.switch: branches argument should be a sequence of callables.");
  tj_aval ia = value_aval(t, &idx);
  if ((idx.kind != V_TRACED && idx.kind != V_INT) || !dtype_is_int(ia.dtype))
    return tracer_error(t, a->pos_spans[0], "TypeError: Index type must be an integer, got %s as %s",
                        jax_tracer_repr(t, &idx), value_is_number(&idx) || idx.kind == V_TRACED ? dtype_long(ia.dtype)
                        : value_type_name(&idx));
  if (ia.rank != 0)
    return tracer_error(t, a->pos_spans[0], "TypeError: Branch index must be scalar, got %s of shape %s.",
                        jax_tracer_repr(t, &idx), jax_shape_tuple(t, &ia));
  const value *ops = a->pos + 2;
  int nops = a->npos - 2;
  if (fs->n == 1) return call_user(t, fs->items[0].func, fs->items[0].closure, a->call, (value *)ops, nops, out);
  ir_atom lit_idx, lo, hi;
  value clamped;
  value lo_v = value_int(0), hi_v = value_int(fs->n - 1);
  if (!index_atom(t, idx, span, &lit_idx) || !to_atom(t, &lo_v, DT_I32, false, span, &lo) ||
      !to_atom(t, &hi_v, DT_I32, false, span, &hi))
    return false;
  ir_atom cin[3] = {lo, lit_idx, hi};
  if (!emit(t, P_clamp, cin, 3, NULL, NULL, 0, span, &clamped)) return false;
  body *bs = ARENA_ARRAY(&t->scratch, body, fs->n);
  body **ptrs = ARENA_ARRAY(&t->scratch, body *, fs->n);
  const char **names = ARENA_ARRAY(&t->scratch, const char *, fs->n);
  for (int i = 0; i < fs->n; i++) {
    ptrs[i] = &bs[i];
    names[i] = arena_printf(&t->scratch, i ? "branch%d" : "branch 0", i);
    if (!trace_body(t, &fs->items[i], ops, nops, "switch", a->call, &bs[i])) return false;
  }
  if (!check_branches(t, "switch", names, ptrs, fs->n, span)) return false;
  int nconst;
  uint32_t *consts = merge_consts(t, ptrs, fs->n, &nconst);
  return emit_cond(t, ATOM_VAR(clamped.var), ptrs, fs->n, consts, nconst, ops, nops, NULL, span, out);
}

/* ---- loops ---- */

/* _promote_weak_typed_input: a weakly typed initial carry whose type the
 * body changes is converted to the joined type (and the body traced again). */
static bool promote_weak_carry(tracer *t, leaves *init, tj_aval *avals, const ir_jaxpr *body_j, uint32_t first_out,
                               tj_span span, bool *changed) {
  *changed = false;
  for (int i = 0; i < init->n; i++) {
    tj_aval in = avals[i], out = ir_atom_aval(t->m, body_j->outs[first_out + i]);
    if (!in.weak || typematch(&in, &out)) continue;
    bool weak;
    tj_dtype dt = dtype_promote(in.dtype, true, out.dtype, out.weak, &weak);
    if (init->v[i].kind == V_TRACED && !convert(t, &init->v[i], dt, false, span)) return false;
    avals[i].dtype = dt; /* a static value becomes a literal of this type */
    avals[i].weak = false;
    *changed = true;
  }
  return true;
}

/* _check_carry_type's structure error: equality_errors of the carry avals
 * (leaves are ShapedArrays), the carry named by its parameter. */
static bool carry_structure_error(tracer *t, const char *what, const char *carry_name, const value *init,
                                  const value *out, tj_span span) {
  tree_diffs d = tree_differences(t, init, out, "<class 'jax._src.core.ShapedArray'>");
  const char **texts = ARENA_ARRAY(&t->scratch, const char *, d.n + 1);
  for (int i = 0; i < d.n; i++) {
    const char *path = d.v[i].path;
    texts[i] = arena_printf(&t->scratch, "the input carry %s%s%s is a %s but the corresponding component of the carry "
                            "output is a %s, so %s", *path ? "component " : "", carry_name, path, d.v[i].thing1,
                            d.v[i].thing2, d.v[i].why);
  }
  tracer_error(t, span, "TypeError: %s function carry input and carry output must have the same pytree structure, "
               "but they differ:", what);
  note_differences(t, texts, d.n, true);
  diag_hint(t->diags, "Revise the function so that the carry output has the same pytree structure as the carry "
            "input.");
  return false;
}

/* _check_carry_type: the body's carry output must match its input. The
 * carry is named by the body function's first parameter, as JAX does. */
static bool check_carry(tracer *t, const char *what, const char *carry_name, const value *init,
                        const tj_aval *avals, int n, const body *b, tj_span span) {
  value carry_out = b->result;
  if (strcmp(what, "scan body") == 0) carry_out = b->result.items[0];
  if (!tree_same_structure(init, &carry_out)) return carry_structure_error(t, what, carry_name, init, &carry_out, span);
  for (int i = 0; i < n; i++) {
    tj_aval x = avals[i], y = ir_atom_aval(t->m, b->jaxpr->outs[i]);
    if (typematch(&x, &y)) continue;
    char s1[160], s2[160];
    aval_format_long(&x, s1, sizeof s1);
    aval_format_long(&y, s2, sizeof s2);
    const char *path = tree_path_of(t, init, i);
    tracer_error(t, span, "TypeError: %s function carry input and carry output must have equal types, but they "
                 "differ:", what);
    diag_note(t->diags, "The input carry %s%s%s has type %s but the corresponding output carry component has type "
              "%s%s.", *path ? "component " : "", carry_name, path, s1, s2, jax_mismatch_extra(&x, &y));
    diag_hint(t->diags, "Revise the function so that all output types match the corresponding input types.");
    return false;
  }
  return true;
}

static const char *first_param(tracer *t, const value *fn, const char *fallback) {
  if (!fn || fn->kind != V_FUNC || fn->func->nparams == 0) return fallback;
  return name_str(t->prog->names, fn->func->params[0].name);
}

/* Whether jaxpr j reads invar i. */
static bool reads_invar(const ir_jaxpr *j, uint32_t i) {
  uint32_t v = j->invars[i];
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t a = 0; a < j->eqns[k].nin; a++)
      if (j->eqns[k].in[a] == ATOM_VAR(v)) return true;
  for (uint32_t k = 0; k < j->nout; k++)
    if (j->outs[k] == ATOM_VAR(v)) return true;
  return false;
}

/* Moves the body invars flagged in move (carry positions after nconst) to the
 * front: move_binders_to_front. */
static void move_binders_to_front(tracer *t, ir_jaxpr *j, int nconst, const bool *move, int ncarry) {
  uint32_t *inv = ARENA_ARRAY(&t->m->arena, uint32_t, j->nin + 1);
  uint32_t n = 0;
  for (int i = 0; i < ncarry; i++)
    if (move[i]) inv[n++] = j->invars[nconst + i];
  for (int i = 0; i < nconst; i++) inv[n++] = j->invars[i];
  for (uint32_t i = (uint32_t)nconst; i < j->nin; i++)
    if (i - (uint32_t)nconst >= (uint32_t)ncarry || !move[i - nconst]) inv[n++] = j->invars[i];
  j->invars = inv;
}

typedef struct loop_fns {
  body_fn cond, body;
  const void *cond_ctx, *body_ctx;
  body_info cond_info, body_info;
} loop_fns;

/* lax.while_loop over carries init (a pytree); *out gets the final carry. */
static bool trace_while(tracer *t, const loop_fns *fns, value init, node *call, value *out) {
  tj_span span = call->span;
  body cb, bb;
  leaves in = {0};
  if (!tree_flatten(t, &init, &in, span, "while_loop carries")) return false;
  tj_aval *avals = ARENA_ARRAY(&t->scratch, tj_aval, in.n + 1);
  for (int i = 0; i < in.n; i++) avals[i] = value_aval(t, &in.v[i]);
  for (int pass = 0; pass < 2; pass++) {
    int k = 0;
    value carry = tree_unflatten(t, &init, in.v, &k);
    if (!trace_with(t, fns->cond, fns->cond_ctx, &carry, 1, avals, &fns->cond_info, call, &cb) ||
        !trace_with(t, fns->body, fns->body_ctx, &carry, 1, avals, &fns->body_info, call, &bb))
      return false;
    if (bb.jaxpr->nout != (uint32_t)in.n) break;
    bool changed;
    if (!promote_weak_carry(t, &in, avals, bb.jaxpr, 0, span, &changed)) return false;
    if (!changed) break;
  }
  tj_aval p = cb.jaxpr->nout == 1 ? ir_atom_aval(t->m, cb.jaxpr->outs[0]) : aval_scalar(DT_F32, false);
  if (cb.jaxpr->nout != 1 || p.dtype != DT_BOOL || p.rank != 0)
    return tracer_error(t, span, "TypeError: cond_fun must return a boolean scalar");
  if (!check_carry(t, "while_loop body", first_param(t, fns->body_ctx, "val"), &init, avals, in.n, &bb, span))
    return false;
  /* A carry the body forwards unchanged and cond does not read becomes a
   * body const (while_loop's move_to_const). */
  bool *move = ARENA_ARRAY(&t->scratch, bool, in.n + 1);
  int nmove = 0;
  for (int i = 0; i < in.n; i++) {
    move[i] = forwarded(bb.jaxpr, (uint32_t)i) == bb.nconst + i && !reads_invar(cb.jaxpr, (uint32_t)(cb.nconst + i));
    nmove += move[i];
  }
  if (nmove) {
    bool *keep = ARENA_ARRAY(&t->scratch, bool, in.n + 1);
    for (int i = 0; i < in.n; i++) keep[i] = !move[i];
    prune_outputs(bb.jaxpr, keep);
    move_binders_to_front(t, bb.jaxpr, bb.nconst, move, in.n);
    uint32_t n = 0; /* cond drops the moved carries' binders */
    for (uint32_t i = 0; i < cb.jaxpr->nin; i++)
      if (i < (uint32_t)cb.nconst || !move[i - cb.nconst]) cb.jaxpr->invars[n++] = cb.jaxpr->invars[i];
    cb.jaxpr->nin = n;
  }
  int body_nconsts = bb.nconst + nmove, nin = cb.nconst + body_nconsts + (in.n - nmove);
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  int k = 0;
  for (int i = 0; i < cb.nconst; i++) ins[k++] = ATOM_VAR(cb.outer[i]);
  for (int i = 0; i < in.n; i++)
    if (move[i] && !to_atom(t, &in.v[i], avals[i].dtype, avals[i].weak, span, &ins[k++])) return false;
  for (int i = 0; i < bb.nconst; i++) ins[k++] = ATOM_VAR(bb.outer[i]);
  for (int i = 0; i < in.n; i++)
    if (!move[i] && !to_atom(t, &in.v[i], avals[i].dtype, avals[i].weak, span, &ins[k++])) return false;
  ir_param ps[4] = {{"cond_nconsts", pv_int(t->m, cb.nconst)}, {"cond_jaxpr", pv_jaxpr(t->m, cb.jaxpr)},
                    {"body_nconsts", pv_int(t->m, body_nconsts)}, {"body_jaxpr", pv_jaxpr(t->m, bb.jaxpr)}};
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, in.n + 1);
  if (!emit_n(t, P_while, ins, nin, in.n - nmove, ps, 4, span, outs)) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, in.n + 1);
  for (int i = 0, j = 0; i < in.n; i++) vals[i] = move[i] ? in.v[i] : value_traced(outs[j++]);
  k = 0;
  *out = tree_unflatten(t, &init, vals, &k);
  return true;
}

static bool builtin_while_loop(tracer *t, const builtin_def *bd, const call_args *a, value *out) {
  (void)bd;
  static const char *msg = "lax.while_loop: body_fun and cond_fun arguments should be callable.";
  const value *cf = func_arg(t, a, 0, msg), *bf = cf ? func_arg(t, a, 1, msg) : NULL;
  if (!bf) return false;
  loop_fns fns = {call_body_fn, call_body_fn, cf, bf,
                  {"while_cond", cf, NULL, 0}, {"while_body", bf, NULL, 0}};
  return trace_while(t, &fns, a->pos[2], a->call, out);
}

/* lax.scan(f, init, xs, length): f(carry, x) -> (carry, y); *out is
 * (final carry, stacked ys). */
/* What lowering one scan decides, step by step (trace_scan). */
typedef struct scan_plan {
  leaves cin, xin;         /* the carries and the scanned inputs, flattened */
  tj_aval *avals;          /* the body's inputs: the carries, then an x's slice */
  const scan_opts *opts;
  int64_t length, unroll;
  body b;
  bool *move;              /* per carry: forwarded unchanged, so a const */
  int nmove, ncarry, nys;
  int *ys_from_x;          /* per y: the x it passes through, or -1 */
} scan_plan;

/* The body's input avals: each carry's, and each x's without its leading
 * axis, which must be the same length for all (_infer_scan_length). */
static bool scan_avals(tracer *t, scan_plan *p, tj_span span) {
  p->avals = ARENA_ARRAY(&t->scratch, tj_aval, p->cin.n + p->xin.n + 1);
  for (int i = 0; i < p->cin.n; i++) p->avals[i] = value_aval(t, &p->cin.v[i]);
  for (int i = 0; i < p->xin.n; i++) {
    tj_aval a = value_aval(t, &p->xin.v[i]);
    if (p->xin.v[i].kind != V_TRACED || a.rank == 0) return scan_no_leading_axis(t, p->xin.v, p->xin.n, span);
    p->avals[p->cin.n + i] = a;
  }
  if (!scan_infer_length(t, p->avals + p->cin.n, p->xin.n, span, &p->length)) return false;
  for (int i = 0; i < p->xin.n; i++) {
    tj_aval *a = &p->avals[p->cin.n + i];
    for (int d = 1; d < a->rank; d++) a->dims[d - 1] = a->dims[d];
    a->rank--;
  }
  return true;
}

/* Traces the body, again when a weak carry's type had to be joined with
 * what the body makes of it, and checks the carry it returns. */
static bool scan_body(tracer *t, scan_plan *p, body_fn fn, const void *ctx, const body_info *info, value init,
                      value xs, node *call) {
  tj_span span = call->span;
  value args[2] = {init, xs};
  for (int pass = 0; pass < 2; pass++) {
    int k = 0;
    args[0] = tree_unflatten(t, &init, p->cin.v, &k);
    body_info named = *info;
    if (info->naligned < 0) /* fori: the carry (i, x) lines up with body(i, x) */
      named.aligned = args[0].items, named.naligned = args[0].n;
    if (!trace_with(t, fn, ctx, args, 2, p->avals, &named, call, &p->b)) return false;
    if (p->b.result.kind != V_TUPLE || p->b.result.n != 2)
      return tracer_error(t, span, "TypeError: scan body output must be a pair, got %s.", jax_shaped_repr(t, &p->b.result));
    if (p->b.jaxpr->nout < (uint32_t)p->cin.n) break;
    bool changed;
    if (!promote_weak_carry(t, &p->cin, p->avals, p->b.jaxpr, 0, span, &changed)) return false;
    if (!changed) break;
  }
  const char *carry_name = fn == call_body_fn ? first_param(t, ctx, "carry") : "loop_carry";
  return check_carry(t, "scan body", carry_name, &init, p->avals, p->cin.n, &p->b, span);
}

/* A carry forwarded unchanged becomes a const (scan's move_to_const), and
 * a y that is an x passed straight through is pruned and taken from xs
 * itself (scan's ext_to_ext_fwd). */
static void scan_forwarding(tracer *t, scan_plan *p) {
  ir_jaxpr *j = p->b.jaxpr;
  int nc = p->cin.n;
  p->move = ARENA_ARRAY(&t->scratch, bool, nc + 1);
  bool *keep = ARENA_ARRAY(&t->scratch, bool, j->nout + 1);
  for (uint32_t i = 0; i < j->nout; i++) keep[i] = true;
  for (int i = 0; i < nc; i++) {
    p->move[i] = forwarded(j, (uint32_t)i) == p->b.nconst + i;
    keep[i] = !p->move[i];
    p->nmove += p->move[i];
  }
  if (p->nmove) {
    prune_outputs(j, keep);
    move_binders_to_front(t, j, p->b.nconst, p->move, nc);
  }
  p->ncarry = nc - p->nmove;
  p->nys = (int)j->nout - p->ncarry;
  int first_x = p->b.nconst + p->nmove + p->ncarry;
  p->ys_from_x = ARENA_ARRAY(&t->scratch, int, p->nys + 1);
  bool *keep_y = ARENA_ARRAY(&t->scratch, bool, j->nout + 1);
  for (uint32_t i = 0; i < j->nout; i++) keep_y[i] = true;
  for (int i = 0; i < p->nys; i++) {
    int fi = forwarded(j, (uint32_t)(p->ncarry + i));
    p->ys_from_x[i] = fi >= first_x ? fi - first_x : -1;
    keep_y[p->ncarry + i] = p->ys_from_x[i] < 0;
  }
  prune_outputs(j, keep_y);
}

/* The scan equation: operands the moved carries, the body's consts, the
 * other carries, the xs; its outputs in outs. */
static bool scan_emit(tracer *t, const scan_plan *p, tj_span span, uint32_t *outs) {
  int nin = p->cin.n + p->xin.n + p->b.nconst, k = 0;
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, nin + 1);
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1)
      for (int i = 0; i < p->b.nconst; i++) ins[k++] = ATOM_VAR(p->b.outer[i]);
    for (int i = 0; i < p->cin.n; i++)
      if (p->move[i] == (pass == 0) &&
          !to_atom(t, &p->cin.v[i], p->avals[i].dtype, p->avals[i].weak, span, &ins[k++]))
        return false;
  }
  for (int i = 0; i < p->xin.n; i++) ins[k++] = ATOM_VAR(p->xin.v[i].var);
  ir_param ps[6] = {{"reverse", pv_bool(t->m, p->opts->reverse)}, {"length", pv_int(t->m, p->length)},
                    {"jaxpr", pv_jaxpr(t->m, p->b.jaxpr)}, {"num_consts", pv_int(t->m, p->b.nconst + p->nmove)},
                    {"num_carry", pv_int(t->m, p->ncarry)}, {"unroll", pv_int(t->m, p->unroll)}};
  return emit_n(t, P_scan, ins, nin, (int)p->b.jaxpr->nout, ps, 6, span, outs);
}

/* (carry, ys) in the structure of init and of the body's ys. */
static value scan_result(tracer *t, const scan_plan *p, value init, const uint32_t *outs) {
  value *carry = ARENA_ARRAY(&t->scratch, value, p->cin.n + 1), *ys = ARENA_ARRAY(&t->scratch, value, p->nys + 1);
  for (int i = 0, j = 0; i < p->cin.n; i++) carry[i] = p->move[i] ? p->cin.v[i] : value_traced(outs[j++]);
  for (int i = 0, j = p->ncarry; i < p->nys; i++)
    ys[i] = p->ys_from_x[i] >= 0 ? p->xin.v[p->ys_from_x[i]] : value_traced(outs[j++]);
  value out = {.kind = V_TUPLE, .n = 2};
  out.items = ARENA_ARRAY(&t->scratch, value, 2);
  int k = 0;
  out.items[0] = tree_unflatten(t, &init, carry, &k);
  k = 0;
  out.items[1] = tree_unflatten(t, &p->b.result.items[1], ys, &k);
  return out;
}

static bool trace_scan(tracer *t, body_fn fn, const void *ctx, const body_info *info, value init, value xs,
                       const scan_opts *o, node *call, value *out) {
  tj_span span = call->span;
  scan_plan p = {.opts = o, .length = o->length};
  if (!tree_flatten(t, &init, &p.cin, span, "scan carries") || !tree_flatten(t, &xs, &p.xin, span, "scan inputs") ||
      !scan_avals(t, &p, span) || !scan_body(t, &p, fn, ctx, info, init, xs, call) ||
      !scan_unroll(t, o, p.length, &p.unroll))
    return false;
  scan_forwarding(t, &p);
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, p.b.jaxpr->nout + 1);
  if (!scan_emit(t, &p, span, outs)) return false;
  *out = scan_result(t, &p, init, outs);
  return true;
}

/* lax.scan(f, init, xs=None, length=None, reverse=False, unroll=1). */
static bool builtin_scan(tracer *t, const builtin_def *bd, const call_args *a, value *out) {
  const value *f = func_arg(t, a, 0, "lax.scan: f argument should be a callable.");
  scan_opts o;
  value xs;
  if (!f || !scan_read_xs(t, bd, a, 2, &xs) || !scan_read_opts(t, bd, a, 3, &o)) return false;
  body_info info = {"scan", f, NULL, 0};
  return trace_scan(t, call_body_fn, f, &info, a->pos[1], xs, &o, a->call, out);
}

/* (): its items point somewhere, as the tree functions copy them. */
static value empty_tuple(tracer *t) {
  value v = {.kind = V_TUPLE};
  v.items = ARENA_ARRAY(&t->scratch, value, 1);
  return v;
}

/* lax.map(f, xs): scan(lambda _, x: ((), f(x)), (), xs)'s ys. */
static bool map_body(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  const value *fn = ctx;
  value items[2] = {empty_tuple(t), {0}};
  if (!call_user(t, fn->func, fn->closure, call, &args[1], 1, &items[1])) return false;
  *result = (value){.kind = V_TUPLE, .n = 2};
  result->items = ARENA_ARRAY(&t->scratch, value, 2);
  result->items[0] = items[0], result->items[1] = items[1];
  return true;
}

static bool builtin_map(tracer *t, const builtin_def *bd, const call_args *a, value *out) {
  (void)bd;
  tj_span bs;
  const value *batch = call_kwarg(a, "batch_size", &bs);
  if (batch && batch->kind != V_NONE) /* JAX's batches run f under vmap */
    return tracer_error(t, bs, "NotImplementedError: map's batch_size= needs vmap, which tjit does not have");
  if (a->pos[0].kind != V_FUNC)
    return tracer_error(t, a->pos_spans[0], "TypeError: '%s' object is not callable", value_type_name(&a->pos[0]));
  scan_opts o = {.length = -1};
  body_info info = {"scan", &a->pos[0], &a->pos[1], 1};
  value r;
  if (!trace_scan(t, map_body, &a->pos[0], &info, empty_tuple(t), a->pos[1], &o, a->call, &r)) return false;
  *out = r.items[1];
  return true;
}

/* ---- fori_loop: scan when the bounds are static, else while ---- */

/* A lax (not jnp) binary op: no promotion; a static operand becomes a
 * literal of the other's type, as lax._const makes it. */
static bool lax_binary(tracer *t, int prim, value a, value b, tj_span span, value *out) {
  tj_aval x = value_aval(t, a.kind == V_TRACED ? &a : &b);
  ir_atom in[2];
  if (!to_atom(t, &a, x.dtype, x.weak, span, &in[0]) || !to_atom(t, &b, x.dtype, x.weak, span, &in[1])) return false;
  return emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

/* scanned_fun((i, x), _) = ((i + 1, body(i, x)), None) */
static bool fori_scan_body(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  value i = args[0].items[0], x = args[0].items[1], next, r;
  if (!apply_binary(t, P_add, i, value_int(1), call->span, &next)) return false;
  value fargs[2] = {i, x};
  const value *fn = ctx;
  if (!call_user(t, fn->func, fn->closure, call, fargs, 2, &r)) return false;
  *result = (value){.kind = V_TUPLE, .n = 2};
  result->items = ARENA_ARRAY(&t->scratch, value, 2);
  result->items[0] = (value){.kind = V_TUPLE, .n = 2};
  result->items[0].items = ARENA_ARRAY(&t->scratch, value, 2);
  result->items[0].items[0] = next;
  result->items[0].items[1] = r;
  result->items[1] = value_none();
  return true;
}

static bool fori_cond(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)ctx, (void)nargs;
  return lax_binary(t, P_lt, args[0].items[0], args[0].items[1], call->span, result);
}

/* while_body_fun((i, upper, x)) = (i + 1, upper, body(i, x)) */
static bool fori_while_body(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  value *c = args[0].items, next, r;
  if (!lax_binary(t, P_add, c[0], value_int(1), call->span, &next)) return false;
  value fargs[2] = {c[0], c[2]};
  const value *fn = ctx;
  if (!call_user(t, fn->func, fn->closure, call, fargs, 2, &r)) return false;
  *result = (value){.kind = V_TUPLE, .n = 3};
  result->items = ARENA_ARRAY(&t->scratch, value, 3);
  result->items[0] = next, result->items[1] = c[1], result->items[2] = r;
  return true;
}

static value tuple_of(tracer *t, const value *items, int n) {
  value v = {.kind = V_TUPLE, .n = n};
  v.items = ARENA_ARRAY(&t->scratch, value, n);
  memcpy(v.items, items, sizeof *items * (size_t)n);
  return v;
}

static bool builtin_fori_loop(tracer *t, const builtin_def *bd, const call_args *a, value *out) {
  (void)bd;
  const value *f = func_arg(t, a, 2, "lax.fori_loop: body_fun argument should be callable.");
  if (!f) return false;
  value lo = a->pos[0], hi = a->pos[1];
  for (int i = 0; i < 2; i++) {
    tj_aval b = value_aval(t, &a->pos[i]);
    if ((a->pos[i].kind != V_TRACED && a->pos[i].kind != V_INT) || !dtype_is_int(b.dtype) || b.rank)
      return tracer_error(t, a->pos_spans[i], "TypeError: fori_loop bounds must be integer scalars");
  }
  scan_opts o = {.length = -1};
  o.unroll = call_kwarg(a, "unroll", &o.unroll_span);
  if (o.unroll && o.unroll->kind == V_NONE) o.unroll = NULL;
  if (lo.kind == V_INT && hi.kind == V_INT) {
    note_use(t, lo.prov | hi.prov, USE_CONTROL); /* the loop's bounds: scan's length */
    value carry[2] = {lo, a->pos[3]}, r;
    o.length = hi.i > lo.i ? hi.i - lo.i : 0;
    value init = tuple_of(t, carry, 2);
    body_info info = {"fori_loop", f, NULL, -1};
    if (!trace_scan(t, fori_scan_body, f, &info, init, value_none(), &o, a->call, &r)) return false;
    *out = r.items[0].items[1];
    return true;
  }
  tj_aval la = value_aval(t, &lo), ha = value_aval(t, &hi);
  if (la.dtype != ha.dtype) { /* a weak bound takes the other's dtype */
    if (!la.weak && !ha.weak)
      return tracer_error(t, a->call->span, "TypeError: lower and upper arguments to fori_loop must have equal "
                          "types, got %s and %s", dtype_long(la.dtype), dtype_long(ha.dtype));
    tj_dtype dt = la.weak ? ha.dtype : la.dtype;
    if (!convert(t, la.weak ? &lo : &hi, dt, false, a->call->span)) return false;
  }
  if (!fori_check_traced_unroll(t, o.unroll, o.unroll_span)) return false;
  value carry[3] = {lo, hi, a->pos[3]}, r;
  loop_fns fns = {fori_cond, fori_while_body, NULL, f, {"while_cond", NULL, NULL, 0}, {"fori_loop", f, NULL, 0}};
  if (!trace_while(t, &fns, tuple_of(t, carry, 3), a->call, &r)) return false;
  *out = r.items[2];
  return true;
}

static const char *const scan_keywords[] = {"xs", "length", "reverse", "unroll", NULL};
static const char *const fori_keywords[] = {"unroll", NULL};
static const char *const map_keywords[] = {"batch_size", NULL};

const builtin_def builtins_control[] = {
    {"cond", builtin_cond, 3, 64, NULL, P_cond},
    {"switch", builtin_switch, 2, 64, NULL, P_cond},
    {"while_loop", builtin_while_loop, 3, 3, NULL, P_while},
    {"fori_loop", builtin_fori_loop, 4, 4, fori_keywords, P_scan},
    {"scan", builtin_scan, 2, 3, scan_keywords, P_scan},
    {"map", builtin_map, 2, 2, map_keywords, P_scan},
    {"tree_map", builtin_tree_map, 2, 64, NULL, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};

/* ---- entry points for autograph (autograph.c) ---- */

bool record_cond(tracer *t, value pred, body_fn true_fn, const void *true_ctx, body_fn false_fn,
                 const void *false_ctx, node *at, value *out) {
  tj_span span = at->span;
  if (value_aval(t, &pred).rank != 0)
    return tracer_error(t, span, "TypeError: Pred must be a scalar, got %s of shape %s.", jax_tracer_repr(t, &pred),
                        jax_shape_tuple(t, &t->m->vars[pred.var]));
  if (value_aval(t, &pred).dtype != DT_BOOL && !apply_binary(t, P_ne, pred, value_int(0), span, &pred)) return false;
  body tb, fb;
  body_info info = {"cond", NULL, NULL, 0};
  return trace_with(t, true_fn, true_ctx, NULL, 0, NULL, &info, at, &tb) &&
         trace_with(t, false_fn, false_ctx, NULL, 0, NULL, &info, at, &fb) &&
         finish_cond(t, pred, &tb, &fb, "the if branch", "the else branch", NULL, 0, span, out);
}

bool record_scan(tracer *t, body_fn fn, const void *ctx, value init, int64_t length, const value *unroll, node *at,
                 value *out) {
  scan_opts o = {.length = length, .unroll = unroll};
  body_info info = {"scan", NULL, NULL, 0};
  return trace_scan(t, fn, ctx, &info, init, empty_tuple(t), &o, at, out);
}

bool record_while(tracer *t, body_fn cond_fn, const void *cond_ctx, body_fn body_fn_, const void *body_ctx,
                  value init, node *at, value *out) {
  loop_fns fns = {cond_fn, body_fn_, cond_ctx, body_ctx, {"while_cond", NULL, NULL, 0}, {"while_body", NULL, NULL, 0}};
  return trace_while(t, &fns, init, at, out);
}

/* lax.platform_dependent(*args, **branches) (conditionals.py): platform_index
 * first, then every branch traced and _switch_internal's cond (no clamp)
 * with branches_platforms. */
bool record_platform_dependent(tracer *t, const body_fn *fns, const void *const *ctxs, int n, pval *platforms,
                               const value *args, int nargs, node *at, value *out) {
  tj_span span = at->span;
  value index;
  ir_atom none = 0;
  ir_param p = {"platforms", platforms};
  if (!emit(t, P_platform_index, &none, 0, NULL, &p, 1, span, &index)) return false;
  body *bs = ARENA_ARRAY(&t->scratch, body, n);
  body **ptrs = ARENA_ARRAY(&t->scratch, body *, n);
  const char **names = ARENA_ARRAY(&t->scratch, const char *, n);
  body_info info = {"switch", NULL, NULL, 0};
  for (int b = 0; b < n; b++) {
    ptrs[b] = &bs[b], names[b] = b ? arena_printf(&t->scratch, "branch%d", b) : "branch 0";
    if (!trace_with(t, fns[b], ctxs[b], args, nargs, NULL, &info, at, &bs[b])) return false;
  }
  if (!check_branches(t, "switch", names, ptrs, n, span)) return false;
  int nconst;
  uint32_t *consts = merge_consts(t, ptrs, n, &nconst);
  return emit_cond(t, ATOM_VAR(index.var), ptrs, n, consts, nconst, args, nargs, platforms, span, out);
}
