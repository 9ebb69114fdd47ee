/* einsum and the explicit tensor contractions (issue 14 item 2), as JAX
 * 0.10.2 records them:
 *  - einsum(subscripts, *operands, preferred_element_type=None):
 *    jnp.einsum (jax/_src/numpy/einsum.py einsum, _einsum). opt_einsum's
 *    contraction list (einsum_path.c) drives _einsum, which is a
 *    jit(..., inline=True): pjit_staging_rule inlines it, so its equations
 *    land in the caller's jaxpr with no jit equation (named_call only adds
 *    a name stack entry, not printed). Per step: one operand sums its
 *    contracted labels (reduce_sum); two are squeezed where a size-1
 *    dimension meets a larger one, sum the labels only they hold, and meet
 *    in one dot_general (operands in (rhs, lhs) order when that needs no
 *    transpose), then a transpose into the step's order; a
 *    convert_element_type to the result type at the end. A label repeated
 *    within one operand (a diagonal) is taken by sum_repeats: a select
 *    against zeros with lax._delta's mask, then a reduce_sum (reduce_or
 *    for bool). The interleaved form einsum(x, axes, y, axes, ..., [out])
 *    becomes the string form as opt_einsum's convert_interleaved_input
 *    letters it.
 *  - lax_dot_general(x, y, dimension_numbers, preferred_element_type=None):
 *    lax.dot_general (jax/_src/lax/lax.py dot): None is not printed.
 *  - tensordot(a, b, axes=2), inner(a, b), outer(a, b), vdot(a, b):
 *    jax/_src/numpy/tensor_contractions.py. inner, outer and vdot are
 *    jit(inline=True) too, so no jit equation either. */
#include "einsum_path.h"

#include <string.h>

/* ---- einsum ---- */

/* opt_einsum's get_symbol(i) for the first 52 (the interleaved form's axes). */
static const char symbols_of_interleaved[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

typedef struct es_run {
  value ops[ES_MAX_OPS];  /* the operand list _einsum pops from and appends to */
  int n;
  tj_dtype pref;
  bool weak;
  tj_span span;
  const value *precision; /* precision= (NULL: None) and its span */
  tj_span prspan;
} es_run;

static value pop_at(es_run *r, int i) {
  value v = r->ops[i];
  memmove(r->ops + i, r->ops + i + 1, sizeof *r->ops * (size_t)(r->n - i - 1));
  r->n--;
  return v;
}

static void remove_labels(char *names, const char *gone) {
  int n = 0;
  for (const char *c = names; *c; c++)
    if (!strchr(gone, *c)) names[n++] = *c;
  names[n] = 0;
}

static int find_label(const char *names, char c) {
  const char *p = strchr(names, c);
  return p ? (int)(p - names) : -1;
}

/* _einsum's sum over axes: astype to the preferred type when it is wider,
 * then lax.reduce with add, or bitwise_or for a bool x (the monoid
 * reducers reduce_sum[axes, out_sharding] and reduce_or[axes]; the weak
 * type dropped, as lax.reduce's monoid path converts). */
static bool es_sum_axes(tracer *t, es_run *r, value *x, const int64_t *axes, int n) {
  tj_aval a = value_aval(t, x);
  bool w;
  if (dtype_promote(a.dtype, a.weak, r->pref, false, &w) != a.dtype && !convert(t, x, r->pref, false, r->span))
    return false;
  bool is_bool = value_aval(t, x).dtype == DT_BOOL;
  ir_atom in = ATOM_VAR(x->var);
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, axes, n)}, {"out_sharding", pv_none(t->m)}};
  if (!emit(t, is_bool ? P_reduce_or : P_reduce_sum, &in, 1, NULL, ps, is_bool ? 1 : 2, r->span, x)) return false;
  return convert(t, x, value_aval(t, x).dtype, false, r->span);
}

/* sum_uniques: the sum over labels, each held once, removed from names. */
static bool es_sum(tracer *t, es_run *r, value *x, char *names, const char *labels) {
  if (!*labels) return true;
  int64_t axes[TJ_MAX_RANK];
  int n = 0;
  for (const char *c = labels; *c; c++) axes[n++] = find_label(names, *c);
  if (!es_sum_axes(t, r, x, axes, n)) return false;
  remove_labels(names, labels);
  return true;
}

/* lax._delta(bool, shape, axes): eq of neighbouring uint32 iotas over the
 * repeated axes' sizes, and-ed left to right for more than two, then
 * broadcast_in_dim to the operand's shape (forwarded away when the axes are
 * all of it; the convert to bool of a bool is forwarded too). */
static bool delta_mask(tracer *t, const es_run *r, const tj_aval *a, const int64_t *axes, int n, value *out) {
  int64_t base[TJ_MAX_RANK];
  value iota[TJ_MAX_RANK], eye[TJ_MAX_RANK];
  ir_atom none = 0;
  for (int i = 0; i < n; i++) base[i] = a->dims[axes[i]];
  for (int d = 0; d < n; d++) {
    ir_param ps[4] = {{"dimension", pv_int(t->m, d)}, {"dtype", pv_dtype(t->m, DT_U32)},
                      {"shape", pv_ints(t->m, PV_TUPLE, base, n)}, {"sharding", pv_none(t->m)}};
    if (!emit(t, P_iota, &none, 0, NULL, ps, 4, r->span, &iota[d])) return false;
  }
  for (int i = 0; i + 1 < n; i++) {
    ir_atom in[2] = {ATOM_VAR(iota[i].var), ATOM_VAR(iota[i + 1].var)};
    if (!emit(t, P_eq, in, 2, NULL, NULL, 0, r->span, &eye[i])) return false;
  }
  for (int i = 1; i + 1 < n; i++) {
    ir_atom in[2] = {ATOM_VAR(eye[0].var), ATOM_VAR(eye[i].var)};
    if (!emit(t, P_and, in, 2, NULL, NULL, 0, r->span, &eye[0])) return false;
  }
  *out = eye[0];
  if (n == a->rank) return true;
  tj_aval shape = *a;
  shape.dtype = DT_BOOL, shape.weak = false;
  ir_atom in = ATOM_VAR(out->var);
  ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, axes, n)};
  return emit(t, P_broadcast_in_dim, &in, 1, &shape, &p, 1, r->span, out);
}

/* One repeated name of sum_repeats: lax.select(_delta, x, full_like(x, 0))
 * (select_n with the zeros first; full_like's zeros weak when x is), then
 * the sum over all its axes, or all but the last when keep names it. */
static bool es_repeat(tracer *t, es_run *r, value *x, char *names, char name, const char *keep) {
  tj_aval a = value_aval(t, x), s = aval_scalar(a.dtype, a.weak);
  int64_t axes[TJ_MAX_RANK];
  int n = 0;
  for (int i = 0; names[i]; i++)
    if (names[i] == name) axes[n++] = i;
  value mask, zeros, zero = value_int(0);
  zero = a.weak ? zero : value_strong(zero, a.dtype);
  if (!delta_mask(t, r, &a, axes, n, &mask) || !cast_static(t, &zero, a.dtype, r->span) ||
      !ta_broadcast_trailing(t, &zero, &s, &a, r->span, &zeros))
    return false;
  ir_atom in[3] = {ATOM_VAR(mask.var), ATOM_VAR(zeros.var), ATOM_VAR(x->var)};
  bool kept = strchr(keep, name) != NULL;
  if (!emit(t, P_select_n, in, 3, NULL, NULL, 0, r->span, x) || !es_sum_axes(t, r, x, axes, kept ? n - 1 : n))
    return false;
  int k = 0, seen = 0; /* names.replace(name, '', count - 1) or all of them */
  for (int i = 0; names[i]; i++)
    if (names[i] != name || (kept && ++seen == n)) names[k++] = names[i];
  names[k] = 0;
  return true;
}

/* sum_repeats: each name counts held more than once (in the order counts
 * first met them) is taken down its diagonal. */
static bool es_repeats(tracer *t, es_run *r, value *x, char *names, const char *counts, const char *keep) {
  for (const char *c = counts; *c; c++)
    if (strchr(counts, *c) == c && strchr(c + 1, *c) && !es_repeat(t, r, x, names, *c, keep)) return false;
  return true;
}

/* The contracted labels an operand alone holds (sum_uniques). */
static void uniques(const char *removed, const char *mine, const char *other, char *out) {
  int n = 0;
  for (const char *c = removed; *c; c++) {
    const char *at = strchr(mine, *c);
    if (at && !strchr(at + 1, *c) && (!other || !strchr(other, *c))) out[n++] = *c;
  }
  out[n] = 0;
}

/* names into the step's result order: lax.transpose when they differ. */
static bool to_result(tracer *t, es_run *r, value *x, const char *names, const char *result) {
  int64_t perm[TJ_MAX_RANK];
  int n = (int)strlen(result);
  if (strcmp(names, result) == 0) return true;
  for (int i = 0; i < n; i++) perm[i] = find_label(names, result[i]);
  return ta_transpose_by(t, x, perm, n, r->span);
}

/* filter_singleton_dims: squeeze size-1 dimensions whose label the other
 * operand holds with a size other than 1. */
static bool filter_singletons(tracer *t, es_run *r, value *x, char *names, const value *other, const char *onames) {
  tj_aval a = value_aval(t, x), o = value_aval(t, other);
  int64_t squeeze[TJ_MAX_RANK];
  int ns = 0, nk = 0;
  for (int i = 0; names[i]; i++) {
    int j = find_label(onames, names[i]);
    if (a.dims[i] != 1 || j < 0 || o.dims[j] == 1) names[nk++] = names[i];
    else squeeze[ns++] = i;
  }
  names[nk] = 0;
  return ta_squeeze_dims(t, x, squeeze, ns, r->span);
}

static bool es_one(tracer *t, es_run *r, const es_step *st) {
  value x = pop_at(r, st->pos[0]);
  char names[ES_STR], counts[ES_STR], mine[ES_STR];
  snprintf(names, ES_STR, "%s", st->in[0]), snprintf(counts, ES_STR, "%s", names);
  uniques(st->removed, names, NULL, mine);
  if (!es_sum(t, r, &x, names, mine) || !es_repeats(t, r, &x, names, counts, st->result) ||
      !to_result(t, r, &x, names, st->result))
    return false;
  r->ops[r->n++] = x;
  return true;
}

/* The labels of both operands kept (batch, in result order) and summed
 * (contracting), with their positions on each side. */
typedef struct es_dims {
  int64_t lb[TJ_MAX_RANK], rb[TJ_MAX_RANK], lc[TJ_MAX_RANK], rc[TJ_MAX_RANK];
  int nb, nc;
  char deleted[ES_STR], batch[ES_STR];
} es_dims;

static void dims_of(const es_step *st, const char *ln, const char *rn, es_dims *d) {
  int k = 0;
  d->nb = d->nc = 0;
  for (const char *c = st->result; *c; c++)
    if (strchr(ln, *c) && strchr(rn, *c))
      d->lb[d->nb] = find_label(ln, *c), d->rb[d->nb++] = find_label(rn, *c), d->deleted[k++] = *c;
  memcpy(d->batch, d->deleted, (size_t)k), d->batch[k] = 0;
  for (const char *c = st->removed; *c; c++)
    if (strchr(ln, *c) && strchr(rn, *c))
      d->lc[d->nc] = find_label(ln, *c), d->rc[d->nc++] = find_label(rn, *c), d->deleted[k++] = *c;
  d->deleted[k] = 0;
}

/* The dot_general of a two-operand step: (rhs, lhs) when its output order
 * is already the result's, else (lhs, rhs) and a transpose. */
static bool es_dot(tracer *t, es_run *r, const es_step *st, value *l, value *rt, const char *ln, const char *rn) {
  es_dims d;
  ta_dot_opts o = {r->pref, r->precision, r->prspan};
  dims_of(st, ln, rn, &d);
  char rem_l[ES_STR], rem_r[ES_STR], names[3 * ES_STR]; /* each at most the rank */
  snprintf(rem_l, ES_STR, "%s", ln), remove_labels(rem_l, d.deleted);
  snprintf(rem_r, ES_STR, "%s", rn), remove_labels(rem_r, d.deleted);
  snprintf(names, sizeof names, "%s%s%s", d.batch, rem_r, rem_l);
  value out;
  if (strcmp(names, st->result) == 0) {
    if (!ta_dot_general(t, "einsum", rt, l, d.rc, d.lc, d.nc, d.rb, d.lb, d.nb, &o, r->span, &out)) return false;
  } else {
    snprintf(names, sizeof names, "%s%s%s", d.batch, rem_l, rem_r);
    if (!ta_dot_general(t, "einsum", l, rt, d.lc, d.rc, d.nc, d.lb, d.rb, d.nb, &o, r->span, &out) ||
        !to_result(t, r, &out, names, st->result))
      return false;
  }
  r->ops[r->n++] = out;
  return true;
}

static bool es_two(tracer *t, es_run *r, const es_step *st) {
  value lhs = pop_at(r, st->pos[0]), rhs = pop_at(r, st->pos[1]);
  char ln[ES_STR], rn[ES_STR], lu[ES_STR], ru[ES_STR], lcounts[ES_STR], rcounts[ES_STR], keep[2 * ES_STR];
  snprintf(ln, ES_STR, "%s", st->in[0]), snprintf(rn, ES_STR, "%s", st->in[1]);
  if (!filter_singletons(t, r, &lhs, ln, &rhs, rn) || !filter_singletons(t, r, &rhs, rn, &lhs, ln)) return false;
  snprintf(lcounts, ES_STR, "%s", ln), snprintf(rcounts, ES_STR, "%s", rn);
  uniques(st->removed, ln, rn, lu), uniques(st->removed, rn, ln, ru);
  if (!es_sum(t, r, &lhs, ln, lu) || !es_sum(t, r, &rhs, rn, ru)) return false;
  snprintf(keep, sizeof keep, "%s%s", st->result, rn); /* result_names + rhs_names */
  if (!es_repeats(t, r, &lhs, ln, lcounts, keep)) return false;
  snprintf(keep, sizeof keep, "%s%s", st->result, ln);
  if (!es_repeats(t, r, &rhs, rn, rcounts, keep)) return false;
  return es_dot(t, r, st, &lhs, &rhs, ln, rn);
}

/* The operands (arrays), their shapes and einsum's result type. */
static bool es_operands(tracer *t, const builtin_def *b, const call_args *a, const value *ops, const tj_span *spans,
                        es_run *r, int64_t (*shapes)[TJ_MAX_RANK], int *ranks) {
  for (int i = 0; i < r->n; i++) {
    const value *v = &ops[i];
    if (v->kind != V_TRACED)
      return tracer_error(t, spans[i], "einsum: operand %d must be an array, got <class '%s'>", i, value_type_name(v));
    tj_aval av = value_aval(t, v);
    r->ops[i] = *v, ranks[i] = av.rank;
    memcpy(shapes[i], av.dims, sizeof av.dims[0] * (size_t)av.rank);
    r->pref = i ? dtype_promote(r->pref, r->weak, av.dtype, av.weak, &r->weak) : av.dtype;
    r->weak = i ? r->weak : av.weak;
  }
  const value *p;
  tj_span ps;
  if (!ta_get_arg(t, b, a, 99, "preferred_element_type", &p, &ps) ||
      !ta_get_arg(t, b, a, 99, "precision", &r->precision, &r->prspan))
    return false;
  if (p) r->weak = false;
  return !p || p->kind == V_NONE || ta_get_dtype(t, p, ps, &r->pref);
}

/* opt_einsum 3.4's auto is followed through branch_1 (einsum_branch.c);
 * see TJ_MAX_EINSUM_OPERANDS. */
static bool too_many_operands(tracer *t, int n, tj_span span) {
  return tracer_error(t, span, "einsum of %d operands is not supported: tjit follows JAX's optimize='auto' "
                      "(opt_einsum's optimal and branch-and-bound paths) for at most %d operands", n, ES_MAX_OPS);
}

/* One axes list of the interleaved form, as ints (sorted into used[]
 * when used is given). */
static bool es_hashable_items(const value *v) {
  for (int i = 0; i < v->n; i++)
    if (v->items[i].kind == V_TUPLE || v->items[i].kind == V_TRACED) return false;
  return true;
}

static bool es_axes_list(tracer *t, const value *v, tj_span span, int64_t *used, int *nused) {
  if (v->kind != V_TUPLE || !es_hashable_items(v)) /* not iterable, or unhashable items: set() raises a TypeError */
    return tracer_error(t, span, "TypeError: For this input type lists must contain either Ellipsis or hashable "
                        "and comparable object (e.g. int, str).");
  for (int i = 0; i < v->n; i++) {
    if (v->items[i].kind != V_INT)
      return tracer_error(t, span, "einsum: the interleaved form's axes must be ints (Ellipsis is not supported)");
    int k = 0;
    while (k < *nused && used[k] < v->items[i].i) k++;
    if (k < *nused && used[k] == v->items[i].i) continue;
    if (*nused == (int)sizeof symbols_of_interleaved - 1)
      return tracer_error(t, span, "einsum: more than %d distinct axes", (int)sizeof symbols_of_interleaved - 1);
    memmove(used + k + 1, used + k, sizeof *used * (size_t)(*nused - k));
    used[k] = v->items[i].i, (*nused)++;
  }
  return true;
}

/* The letters of an axes list: get_symbol of each int's rank among all
 * the ints used (opt_einsum's symbol_map over sorted(symbol_set)). */
static void es_axes_letters(const value *v, const int64_t *used, int nused, char *out, size_t *len) {
  for (int i = 0; i < v->n; i++)
    for (int k = 0; k < nused; k++)
      if (used[k] == v->items[i].i && *len + 1 < ES_STR) out[(*len)++] = symbols_of_interleaved[k];
  out[*len] = 0;
}

/* opt_einsum's convert_interleaved_input: einsum(x, axes, y, axes, ...,
 * [out_axes]) as the subscripts string and the operands. */
static bool es_interleaved(tracer *t, const call_args *a, char *subs, value *ops, tj_span *spans, int *nops) {
  int64_t used[sizeof symbols_of_interleaved];
  int nused = 0, npairs = a->npos / 2;
  bool has_out = a->npos % 2 == 1;
  if (npairs > ES_MAX_OPS) return too_many_operands(t, npairs, a->call->span);
  for (int i = 0; i < a->npos; i++)
    if ((i % 2 == 1 || i == a->npos - 1) && !es_axes_list(t, &a->pos[i], a->pos_spans[i], used, &nused)) return false;
  size_t len = 0;
  for (int i = 0; i < npairs; i++) {
    ops[i] = a->pos[2 * i], spans[i] = a->pos_spans[2 * i];
    if (i && len + 1 < ES_STR) subs[len++] = ',';
    es_axes_letters(&a->pos[2 * i + 1], used, nused, subs, &len);
  }
  if (has_out && len + 3 < ES_STR) subs[len++] = '-', subs[len++] = '>';
  subs[len] = 0;
  if (has_out) es_axes_letters(&a->pos[a->npos - 1], used, nused, subs, &len);
  *nops = npairs;
  return true;
}

/* jnp.einsum(subscripts, *operands) or the interleaved einsum(x, axes,
 * y, axes, ..., [out_axes]). */
static bool builtin_einsum(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  es_run r = {.span = a->call->span};
  int64_t shapes[ES_MAX_OPS][TJ_MAX_RANK];
  int ranks[ES_MAX_OPS];
  const value *sub = &a->pos[0];
  char subs[ES_STR];
  value ops[ES_MAX_OPS];
  tj_span spans[ES_MAX_OPS];
  if (sub->kind == V_STR) {
    r.n = a->npos - 1;
    if (r.n > ES_MAX_OPS) return too_many_operands(t, r.n, a->call->span);
    memcpy(ops, a->pos + 1, sizeof *ops * (size_t)r.n), memcpy(spans, a->pos_spans + 1, sizeof *spans * (size_t)r.n);
  } else if (!es_interleaved(t, a, subs, ops, spans, &r.n)) {
    return false;
  }
  const char *s = sub->kind == V_STR ? sub->s : subs;
  size_t slen = sub->kind == V_STR ? sub->slen : strlen(subs);
  if (!es_operands(t, b, a, ops, spans, &r, shapes, ranks)) return false;
  es_spec sp;
  es_step steps[ES_MAX_OPS];
  if (!es_parse(t, s, slen, (const int64_t (*)[TJ_MAX_RANK])shapes, ranks, r.n, a->pos_spans[0], &sp)) return false;
  int nsteps = es_plan(&sp, steps);
  if (nsteps < 0) return tracer_error(t, r.span, "einsum: out of memory in the contraction path search");
  for (int k = 0; k < nsteps; k++)
    if (!(steps[k].nin == 1 ? es_one(t, &r, &steps[k]) : es_two(t, &r, &steps[k]))) return false;
  if (r.n != 1) return tracer_error(t, r.span, "internal error: einsum's contraction path left %d operands", r.n);
  *out = r.ops[0];
  return convert(t, out, r.pref, r.weak, r.span);
}

/* ---- lax.dot_general with explicit dimension numbers ---- */

typedef struct dnums {
  int64_t *v[4]; /* lhs contracting, rhs contracting, lhs batch, rhs batch */
  int n[4];
} dnums;

static void put_tuple(char *buf, size_t cap, const int64_t *v, int n) {
  tj_buf b = {0};
  buf_puts(&b, "(");
  for (int i = 0; i < n; i++) buf_printf(&b, "%s%lld", i ? ", " : "", (long long)v[i]);
  buf_puts(&b, n == 1 ? ",)" : ")");
  snprintf(buf, cap, "%s", b.data);
  buf_free(&b);
}

static bool distinct(const int64_t *v, int n) { return !ta_has_dup(v, n); }

static bool disjoint(const int64_t *x, int nx, const int64_t *y, int ny) {
  for (int i = 0; i < nx; i++)
    for (int j = 0; j < ny; j++)
      if (x[i] == y[j]) return false;
  return true;
}

static bool in_rank(const int64_t *v, int n, int rank) {
  for (int i = 0; i < n; i++)
    if (v[i] < 0 || v[i] >= rank) return false;
  return true;
}

/* _dot_general_shape_rule's checks the shape rule of dot_general
 * (prims_array.c) does not make with JAX's words, in JAX's order. */
static bool check_dnums(tracer *t, const dnums *d, int lrank, int rrank, tj_span span) {
  char s[4][160];
  for (int k = 0; k < 4; k++) put_tuple(s[k], sizeof s[k], d->v[k], d->n[k]);
  const char *side[2] = {"lhs", "rhs"};
  for (int k = 0; k < 2; k++)
    if (!in_rank(d->v[k], d->n[k], k ? rrank : lrank) || !in_rank(d->v[k + 2], d->n[k + 2], k ? rrank : lrank))
      return tracer_error(t, span, "TypeError: dot_general requires %s dimension numbers to be nonnegative and less "
                          "than the number of axes of the %s value, got %s_batch of %s and %s_contracting of %s "
                          "for %s of rank %d", side[k], side[k], side[k], s[k + 2], side[k], s[k], side[k],
                          k ? rrank : lrank);
  if (d->n[2] != d->n[3])
    return tracer_error(t, span, "TypeError: dot_general requires equal numbers of lhs_batch and rhs_batch "
                        "dimensions, got lhs_batch %s and rhs_batch %s.", s[2], s[3]);
  for (int k = 0; k < 2; k++)
    if (!distinct(d->v[k + 2], d->n[k + 2]))
      return tracer_error(t, span, "TypeError: dot_general requires %s batch dimensions to be distinct, got "
                          "%s_batch %s.", side[k], side[k], s[k + 2]);
  for (int k = 0; k < 2; k++)
    if (!distinct(d->v[k], d->n[k]))
      return tracer_error(t, span, "TypeError: dot_general requires %s contracting dimensions to be distinct, got "
                          "%s_contracting %s.", side[k], side[k], s[k]);
  for (int k = 0; k < 2; k++)
    if (!disjoint(d->v[k], d->n[k], d->v[k + 2], d->n[k + 2]))
      return tracer_error(t, span, "TypeError: dot_general requires %s batch dimensions to be disjoint from "
                          "contracting dimensions, got %s_batch %s and %s_contracting %s.", side[k], side[k],
                          s[k + 2], side[k], s[k]);
  return true;
}

/* ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)): each an int or
 * a sequence (api_util._ensure_index_tuple). */
static bool read_dnums(tracer *t, const value *v, tj_span span, dnums *d) {
  for (int g = 0; g < 2; g++) {
    const value *pair = v->kind == V_TUPLE && v->n == 2 ? &v->items[g] : NULL;
    if (!pair || pair->kind != V_TUPLE || pair->n != 2)
      return tracer_error(t, span, "TypeError: dimension_numbers must be ((lhs_contracting, rhs_contracting), "
                          "(lhs_batch, rhs_batch))");
    for (int s = 0; s < 2; s++) {
      if (!ta_read_axes(t, &pair->items[s], span, AX_INDEX, &d->v[2 * g + s], &d->n[2 * g + s])) return false;
      if (d->n[2 * g + s] > TJ_MAX_RANK)
        return tracer_error(t, span, "TypeError: dot_general: more dimension numbers than dimensions");
    }
  }
  return true;
}

static bool builtin_lax_dot_general(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *dv, *p;
  tj_span dspan, pspan;
  ta_dot_opts o = {.pref = DT_COUNT};
  for (int i = 0; i < 2; i++)
    if (!ta_check_array(t, b, &a->pos[i], i, a->pos_spans[i])) return false;
  if (!ta_get_arg(t, b, a, 2, "dimension_numbers", &dv, &dspan) ||
      !ta_get_arg(t, b, a, 3, "precision", &o.precision, &o.prspan) ||
      !ta_get_arg(t, b, a, 4, "preferred_element_type", &p, &pspan))
    return false;
  if (!dv) return tracer_error(t, a->call->span, "TypeError: dot_general() missing 1 required positional argument: "
                               "'dimension_numbers'");
  if (p && p->kind != V_NONE && !ta_get_dtype(t, p, pspan, &o.pref)) return false;
  dnums d;
  value l = a->pos[0], r = a->pos[1];
  int lrank = value_aval(t, &l).rank, rrank = value_aval(t, &r).rank;
  if (!read_dnums(t, dv, dspan, &d) || !check_dnums(t, &d, lrank, rrank, a->call->span)) return false;
  if (d.n[0] != d.n[1]) { /* the shape rule's contracting-shape error, with both lengths */
    int64_t x[TJ_MAX_RANK], y[TJ_MAX_RANK];
    char s1[160], s2[160];
    for (int i = 0; i < d.n[0]; i++) x[i] = value_aval(t, &l).dims[d.v[0][i]];
    for (int i = 0; i < d.n[1]; i++) y[i] = value_aval(t, &r).dims[d.v[1][i]];
    put_tuple(s1, sizeof s1, x, d.n[0]), put_tuple(s2, sizeof s2, y, d.n[1]);
    return tracer_error(t, a->call->span, "TypeError: dot_general requires contracting dimensions to have the "
                        "same shape, got %s and %s.", s1, s2);
  }
  return ta_dot_general(t, b->name, &l, &r, d.v[0], d.v[1], d.n[0], d.v[2], d.v[3], d.n[2], &o, a->call->span, out);
}

/* ---- tensordot, inner, outer, vdot ---- */

/* The result type of a jnp contraction: result_type(a, b), or the
 * preferred_element_type given (strong). */
static bool contraction_type(tracer *t, const builtin_def *b, const call_args *a, int pos, ta_dot_opts *o,
                             bool *weak) {
  const value *p;
  tj_span span;
  for (int i = 0; i < 2; i++)
    if (!ta_check_array(t, b, &a->pos[i], i, a->pos_spans[i])) return false;
  tj_aval x = value_aval(t, &a->pos[0]), y = value_aval(t, &a->pos[1]);
  o->pref = dtype_promote(x.dtype, x.weak, y.dtype, y.weak, weak);
  if (!ta_get_arg(t, b, a, pos, "preferred_element_type", &p, &span) ||
      !ta_get_arg(t, b, a, 99, "precision", &o->precision, &o->prspan))
    return false;
  if (p && p->kind != V_NONE) *weak = false;
  return !p || p->kind == V_NONE || ta_get_dtype(t, p, span, &o->pref);
}

static void shape_text(const tj_aval *a, char *buf, size_t cap) { put_tuple(buf, cap, a->dims, a->rank); }

/* tensordot's axes: an int (the last of a with the first of b), a pair
 * of ints, or a pair of sequences. */
static bool tensordot_axes(tracer *t, const value *axes, tj_span span, const tj_aval *x, const tj_aval *y,
                           int64_t *lc, int64_t *rc, int *nc) {
  if (!axes || (axes->kind == V_INT && !axes->strong)) {
    int64_t n = axes ? axes->i : 2;
    if (n > (x->rank < y->rank ? x->rank : y->rank)) {
      char s1[160], s2[160];
      shape_text(x, s1, sizeof s1), shape_text(y, s2, sizeof s2);
      return tracer_error(t, span, "TypeError: Number of tensordot axes (axes %lld) exceeds input ranks (%s and %s)",
                          (long long)n, s1, s2);
    }
    *nc = n < 0 ? 0 : (int)n;
    for (int i = 0; i < *nc; i++) lc[i] = x->rank - n + i, rc[i] = i;
    return true;
  }
  if (axes->kind != V_TUPLE || axes->n != 2)
    return tracer_error(t, span, "TypeError: tensordot axes argument must be an int, a pair of ints, or a pair of "
                        "lists/tuples of ints.");
  const value *p = &axes->items[0], *q = &axes->items[1];
  if (p->kind == V_INT && q->kind == V_INT) {
    *nc = 1;
    return ta_canon_axis(t, p->i, x->rank, span, lc) && ta_canon_axis(t, q->i, y->rank, span, rc);
  }
  if (p->kind != V_TUPLE || q->kind != V_TUPLE) {
    tj_buf b = {0};
    buf_puts(&b, "TypeError: tensordot requires both axes lists to be either ints, tuples or lists, got ");
    ta_put_value(t, &b, p), buf_puts(&b, " and "), ta_put_value(t, &b, q);
    return ta_raise_buf(t, span, &b);
  }
  if (p->n != q->n) {
    tj_buf b = {0};
    buf_puts(&b, "TypeError: tensordot requires axes lists to have equal length, got ");
    ta_put_value(t, &b, p), buf_puts(&b, " and "), ta_put_value(t, &b, q), buf_puts(&b, ".");
    return ta_raise_buf(t, span, &b);
  }
  if (p->n > TJ_MAX_RANK) return tracer_error(t, span, "TypeError: tensordot: more axes than dimensions");
  *nc = p->n;
  for (int i = 0; i < p->n; i++) {
    int64_t u, v;
    if (!ta_index_of(t, &p->items[i], span, &u) || !ta_index_of(t, &q->items[i], span, &v) ||
        !ta_canon_axis(t, u, x->rank, span, &lc[i]) || !ta_canon_axis(t, v, y->rank, span, &rc[i]))
      return false;
  }
  return true;
}

static bool tensordot_with(tracer *t, const char *fn, value l, value r, const value *axes, tj_span axspan,
                           const ta_dot_opts *o, bool weak, tj_span span, value *out) {
  tj_aval x = value_aval(t, &l), y = value_aval(t, &r);
  int64_t lc[TJ_MAX_RANK], rc[TJ_MAX_RANK];
  int nc = 0;
  if (!tensordot_axes(t, axes, axspan, &x, &y, lc, rc, &nc) ||
      !ta_dot_general(t, fn, &l, &r, lc, rc, nc, NULL, NULL, 0, o, span, out))
    return false;
  return convert(t, out, o->pref, weak, span);
}

static bool builtin_tensordot(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  ta_dot_opts o;
  bool weak;
  const value *axes;
  tj_span axspan;
  if (!contraction_type(t, b, a, 99, &o, &weak) || !ta_get_arg(t, b, a, 2, "axes", &axes, &axspan)) return false;
  return tensordot_with(t, b->name, a->pos[0], a->pos[1], axes, axspan, &o, weak, a->call->span, out);
}

/* jnp.inner: a * b when either is a scalar, else tensordot over the last
 * axis of each. */
static bool builtin_inner(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  ta_dot_opts o;
  bool weak;
  const value *p;
  tj_span span = a->call->span, ps;
  if (!contraction_type(t, b, a, 99, &o, &weak) || !ta_get_arg(t, b, a, 99, "preferred_element_type", &p, &ps))
    return false;
  value l = a->pos[0], r = a->pos[1];
  if (value_aval(t, &l).rank == 0 || value_aval(t, &r).rank == 0) {
    if (p && p->kind != V_NONE && (!convert(t, &l, o.pref, false, span) || !convert(t, &r, o.pref, false, span)))
      return false;
    return apply_binary(t, P_mul, l, r, span, out);
  }
  value last = value_int(-1), pair = {.kind = V_TUPLE, .n = 2, .items = ARENA_ARRAY(&t->scratch, value, 2)};
  pair.items[0] = last, pair.items[1] = last;
  return tensordot_with(t, b->name, l, r, &pair, span, &o, weak, span, out);
}

/* jnp.outer: promote, ravel, a[:, None] * b[None, :]. */
static bool builtin_outer(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  tj_span span = a->call->span;
  value v[2] = {a->pos[0], a->pos[1]};
  tj_dtype dt;
  bool weak;
  for (int i = 0; i < 2; i++)
    if (!ta_check_array(t, b, &v[i], i, a->pos_spans[i])) return false;
  if (!promote_values(t, v, 2, span, &dt, &weak)) return false;
  int64_t col = 1, row = 0;
  if (!ta_ravel(t, &v[0], span) || !ta_ravel(t, &v[1], span) || !ta_expand_at(t, &v[0], &col, 1, span) ||
      !ta_expand_at(t, &v[1], &row, 1, span))
    return false;
  return apply_binary(t, P_mul, v[0], v[1], span, out);
}

/* jnp.vdot (no complex conjugate: tjit has no complex numbers): jnp.dot
 * of the raveled operands. */
static bool builtin_vdot(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  ta_dot_opts o;
  bool weak;
  tj_span span = a->call->span;
  if (!contraction_type(t, b, a, 99, &o, &weak)) return false;
  value l = a->pos[0], r = a->pos[1];
  if (!ta_ravel(t, &l, span) || !ta_ravel(t, &r, span)) return false;
  int64_t zero = 0;
  if (!ta_dot_general(t, b->name, &l, &r, &zero, &zero, 1, NULL, NULL, 0, &o, span, out)) return false;
  return convert(t, out, o.pref, weak, span);
}

static const char *const kw_einsum[] = {"preferred_element_type", "precision", NULL};
static const char *const kw_dot_general[] = {"dimension_numbers", "precision", "preferred_element_type", NULL};
static const char *const kw_tensordot[] = {"axes", "preferred_element_type", "precision", NULL};

const builtin_def builtins_einsum[] = {
    {"einsum", builtin_einsum, 2, 1 + 2 * ES_MAX_OPS, kw_einsum, P_dot_general},
    {"lax_dot_general", builtin_lax_dot_general, 2, 5, kw_dot_general, P_dot_general},
    {"tensordot", builtin_tensordot, 2, 3, kw_tensordot, P_dot_general},
    {"inner", builtin_inner, 2, 2, kw_einsum, P_dot_general},
    {"outer", builtin_outer, 2, 2, NULL, P_mul},
    {"vdot", builtin_vdot, 2, 2, kw_einsum, P_dot_general},
    {NULL, NULL, 0, 0, NULL, 0},
};
