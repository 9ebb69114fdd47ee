/* C rules of the primitives that combine elements: reductions,
 * argmax/argmin, dot_general (loops, or BLAS for large float products)
 * and the scatters. Loops run in the reference evaluator's order with its
 * combining expressions, so integer results are bit-exact and float ones
 * too except where BLAS regroups a product's sums. */
#include "codegen.h"
#include "cum_rt.h"
#include "kernels.h"
#include "lane_fold.h"
#include "reduce_rt.h"
#include "scatter_rt.h"

#include <stdlib.h>
#include <string.h>

static void strides_of(const tj_aval *a, int64_t *st) {
  int64_t s = 1;
  for (int d = a->rank - 1; d >= 0; d--) st[d] = s, s *= a->dims[d];
}

static bool listed(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

/* The identity of a reduction, as a literal of t. */
static void reduce_identity(cg *g, int prim, tj_dtype t, tj_buf *b) {
  ir_lit lit = {.dtype = t};
  bool fl = dtype_is_float(t), sgn = dtype_kindof(t) == DK_SIGNED;
  int bits = 8 * dtype_size(t);
  if (prim == P_reduce_prod) lit.f = 1, lit.i = 1;
  else if (prim == P_reduce_and) lit.i = t == DT_BOOL ? 1 : sgn || bits == 64 ? -1 : (int64_t)((1ull << bits) - 1);
  else if (prim == P_reduce_max && fl) lit.f = -1.0 / 0.0;
  else if (prim == P_reduce_min && fl) lit.f = 1.0 / 0.0;
  else if (prim == P_reduce_max) lit.i = t == DT_BOOL ? 0 : sgn ? (int64_t)(~0ull << (bits - 1)) : 0;
  else if (prim == P_reduce_min)
    lit.i = t == DT_BOOL ? 1 : sgn ? (int64_t) ~(~0ull << (bits - 1)) : bits == 64 ? -1 : (int64_t)((1ull << bits) - 1);
  cg_literal(g, &lit, b);
}

/* acc = acc (op) x, as eval_array.c combines (NaN sticks; ties keep acc). */
static void reduce_step(cg *g, int prim, tj_dtype t, const char *acc, const char *x) {
  const char *T = cg_type(t), *U = dtype_size(t) == 8 ? "unsigned long long" : "unsigned";
  bool fl = dtype_is_float(t);
  if (prim == P_reduce_max || prim == P_reduce_min) {
    const char *op = prim == P_reduce_max ? ">" : "<";
    if (fl) cg_line(g, "if (%s == %s && (%s != %s || %s %s %s)) %s = %s;", acc, acc, x, x, x, op, acc, acc, x);
    else cg_line(g, "if (%s %s %s) %s = %s;", x, op, acc, acc, x);
  } else if (prim == P_reduce_or || prim == P_reduce_and) {
    cg_line(g, "%s = %s %s %s;", acc, acc, prim == P_reduce_or ? "|" : "&", x);
  } else if (fl) cg_line(g, "%s = %s %s %s;", acc, acc, prim == P_reduce_sum ? "+" : "*", x);
  else cg_line(g, "%s = (%s)((%s)%s %s (%s)%s);", acc, T, U, acc, prim == P_reduce_sum ? "+" : "*", U, x);
}

/* Rows shorter than this go to reduce_runs, which folds them in order (lane_fold.h). */
#define KERNEL_ROW_MIN TJ_LANE_FOLD_MIN

/* Whether the reduced axes are exactly the last naxes of a rank-r array. */
static bool axes_trailing(const int64_t *axes, int naxes, int rank) {
  for (int d = 0; d < naxes; d++)
    if (!listed(axes, naxes, rank - 1 - d)) return false;
  return true;
}

/* A reduction over trailing axes: one kernel call per contiguous row (the
 * kernel's lane sums are more accurate than a sequential sum, kernels.h). */
static bool reduce_rows(cg *g, const ir_eqn *e, const tj_aval *a, const int64_t *axes, int naxes) {
  const tjk_kernel *k = tjk_find(e->prim, a->dtype, TJK_REDUCE);
  int64_t row = 1;
  for (int d = a->rank - naxes; d < a->rank; d++) row *= a->dims[d];
  if (!k || row < KERNEL_ROW_MIN || !axes_trailing(axes, naxes, a->rank)) return false;
  const tj_aval *o = &g->m->vars[e->out[0]];
  tj_buf src = {0}, dst = {0};
  cg_ptr(g, e->in[0], &src);
  cg_elem(g, ATOM_VAR(e->out[0]), "i", &dst);
  cg_kernel(g, k);
  cg_par par;
  if (o->rank == 0) cg_line(g, "%s = %s(%s, %lld);", dst.data, k->name, src.data, (long long)row);
  else if (cg_par_begin_eqn(g, e, (long long)cg_size(a), &par)) { /* rows on the threads */
    cg_line(g, "for (long i = lo; i < hi; i++) %s = %s(%s + i * %lld, %lld);", dst.data, k->name, src.data,
            (long long)row, (long long)row);
    cg_par_end(g, &par, (long long)cg_size(o), 1);
  } else
    cg_line(g, "for (long i = 0; i < %lld; i++) %s = %s(%s + i * %lld, %lld);", (long long)cg_size(o), dst.data,
            k->name, src.data, (long long)row, (long long)row);
  buf_free(&src), buf_free(&dst);
  return true;
}

/* a's dims as runs of kept and of reduced ones (dims of size 1 dropped,
 * neighbours of one kind merged): their sizes and kinds; the count. */
static int dim_runs(const tj_aval *a, const int64_t *axes, int naxes, int64_t *size, bool *reduced) {
  int k = 0;
  for (int d = 0; d < a->rank; d++) {
    bool r = listed(axes, naxes, d);
    if (a->dims[d] == 1) continue;
    if (k && reduced[k - 1] == r) size[k - 1] *= a->dims[d];
    else size[k] = a->dims[d], reduced[k++] = r;
  }
  return k;
}

/* The runs as [outer, n, inner] around the reduced run `at` (none: n 1). */
static void around(const int64_t *size, int k, int at, int64_t *outer, int64_t *n, int64_t *inner) {
  *outer = *n = *inner = 1;
  for (int i = 0; i < k; i++) *(i < at || at < 0 ? outer : i == at ? n : inner) *= size[i];
}

static int runs_op(int prim) {
  return prim == P_reduce_sum ? TJ_RED_SUM : prim == P_reduce_prod ? TJ_RED_PROD
         : prim == P_reduce_max ? TJ_RED_MAX : prim == P_reduce_min ? TJ_RED_MIN : -1;
}

static void runs_call(cg *g, const char *src, const char *dst, tj_dtype t, int op, int64_t outer, int64_t n,
                      int64_t inner) {
  cg_line(g, "%s((const void *)%s, (void *)%s, %d, %d, %lld, %lld, %lld);", cg_fn(g, "tj_rt_reduce_runs"), src, dst,
          (int)t, op, (long long)outer, (long long)n, (long long)inner);
}

/* A sum, product, max or min over one block of axes (leading, middle, or
 * trailing rows no kernel took): one call of reduce_rt.c, which combines
 * whole runs of the inner elements with the outputs row by row, each
 * output in the evaluator's order. [256,512,64] f32 over axis 1: 23 ms in
 * the loop below, 1.6-2 ms here. It beats the loop at every inner size
 * (inner 2, [4096,512,2] over axis 1: 30 ms -> 9 ms; inner 1, rows of 10:
 * 7 ms -> 1.5 ms per million elements), so no size stays in the loop. */
static bool reduce_runs(cg *g, const ir_eqn *e, const tj_aval *a, const int64_t *axes, int naxes) {
  int64_t size[TJ_MAX_RANK], outer, n, inner;
  bool reduced[TJ_MAX_RANK];
  int op = runs_op(e->prim), k = dim_runs(a, axes, naxes, size, reduced), nred = 0, at = -1;
  for (int i = 0; i < k; i++)
    if (reduced[i]) nred++, at = i;
  if (op < 0 || !tj_rt_reduce_runs_has(a->dtype) || nred > 1) return false;
  around(size, k, at, &outer, &n, &inner);
  tj_buf src = {0}, dst = {0};
  cg_ptr(g, e->in[0], &src), cg_ptr(g, ATOM_VAR(e->out[0]), &dst);
  cg_par par;
  if (outer > 1 && cg_par_begin_eqn(g, e, (long long)cg_size(a), &par)) { /* outer rows on the threads */
    char s[96], d[96];
    snprintf(s, sizeof s, "(%s + lo * %lld)", src.data, (long long)(n * inner));
    snprintf(d, sizeof d, "(%s + lo * %lld)", dst.data, (long long)inner);
    cg_line(g, "%s((const void *)%s, (void *)%s, %d, %d, hi - lo, %lld, %lld);", cg_fn(g, "tj_rt_reduce_runs"), s, d,
            (int)a->dtype, op, (long long)n, (long long)inner);
    cg_par_end(g, &par, (long long)outer, 1);
  } else
    runs_call(g, src.data, dst.data, a->dtype, op, outer, n, inner);
  buf_free(&src), buf_free(&dst);
  return true;
}

/* Reduced axes apart from each other (axes 0 and 2 of three), where the
 * grouping changes no bit: integers (they wrap) and float max/min (the
 * first NaN, else the first element equal to the extreme, is the first
 * group's with one). A call of reduce_rt.c per reduced run, the last run
 * first, into a scratch array each but the last. Float sums and products
 * take reduce_walk. */
static bool reduce_steps(cg *g, const ir_eqn *e, const tj_aval *a, const int64_t *axes, int naxes) {
  int64_t size[TJ_MAX_RANK], outer, n, inner;
  bool reduced[TJ_MAX_RANK];
  int op = runs_op(e->prim), k = dim_runs(a, axes, naxes, size, reduced), nred = 0;
  for (int i = 0; i < k; i++) nred += reduced[i];
  bool exact = !dtype_is_float(a->dtype) || op == TJ_RED_MAX || op == TJ_RED_MIN;
  if (op < 0 || !exact || !tj_rt_reduce_runs_has(a->dtype) || nred < 2) return false;
  uint32_t id = cg_fresh(g);
  tj_buf src = {0}, dst = {0};
  cg_ptr(g, e->in[0], &src);
  cg_line(g, "{");
  g->indent++;
  for (int step = 0; nred > 0; step++, nred--) {
    int at = k - 1;
    while (!reduced[at]) at--;
    around(size, k, at, &outer, &n, &inner);
    buf_free(&dst);
    if (nred == 1) cg_ptr(g, ATOM_VAR(e->out[0]), &dst);
    else {
      buf_printf(&dst, "rs%u_%d", id, step);
      cg_line(g, "void *%s = %s(rt, %lld);", dst.data, cg_fn(g, "tj_rt_alloc"),
              (long long)(outer * inner * dtype_size(a->dtype) + 1));
    }
    runs_call(g, src.data, dst.data, a->dtype, op, outer, n, inner);
    if (step > 0) cg_line(g, "%s(rt, %s);", cg_fn(g, "tj_rt_free"), src.data);
    if (nred > 1) { /* the run is gone: the kept runs around it (one before it at least) are one now */
      size[at - 1] *= at + 1 < k ? size[at + 1] : 1;
      for (int i = at; i + 2 < k; i++) size[i] = size[i + 2], reduced[i] = reduced[i + 2];
      k -= at + 1 < k ? 2 : 1;
    }
    buf_free(&src);
    buf_puts(&src, dst.data);
  }
  g->indent--;
  cg_line(g, "}");
  buf_free(&src), buf_free(&dst);
  return true;
}

/* The float sums and products over axes apart from each other, whose bits
 * the grouping would change: one call of reduce_rt.c's walk, which goes
 * through the input in memory order and combines each element into its
 * output, each output's elements in the evaluator's row-major order (a
 * vector loop when the last dims are kept). Sum of [64,100,8,40] f32 over
 * axes 1 and 3: 11.7 ms in the loop below, 0.7 ms here (axes 0 and 2:
 * 9.3 -> 0.6 ms). */
static bool reduce_walk(cg *g, const ir_eqn *e, const tj_aval *a, const int64_t *axes, int naxes) {
  int64_t size[TJ_MAX_RANK];
  bool reduced[TJ_MAX_RANK];
  int op = runs_op(e->prim), k = dim_runs(a, axes, naxes, size, reduced);
  if (op < 0 || !tj_rt_reduce_runs_has(a->dtype) || k < 1) return false;
  uint32_t id = cg_fresh(g);
  tj_buf sizes = {0}, kinds = {0}, src = {0}, dst = {0};
  for (int i = 0; i < k; i++)
    buf_printf(&sizes, i ? ", %lld" : "%lld", (long long)size[i]), buf_printf(&kinds, i ? ", %d" : "%d", reduced[i]);
  cg_ptr(g, e->in[0], &src), cg_ptr(g, ATOM_VAR(e->out[0]), &dst);
  cg_frame(g, 16 * (uint64_t)k); /* the two arrays */
  cg_line(g, "{ long ws%u[] = {%s}, wr%u[] = {%s};", id, sizes.data, id, kinds.data);
  cg_line(g, "  %s((const void *)%s, (void *)%s, %d, %d, %d, ws%u, wr%u); }", cg_fn(g, "tj_rt_reduce_walk"), src.data,
          dst.data, (int)a->dtype, op, k, id, id);
  buf_free(&sizes), buf_free(&kinds), buf_free(&src), buf_free(&dst);
  return true;
}

/* reduce_sum/reduce_prod of f16 or bf16 (the half pass keeps them
 * 2-byte): one call of half_rt.c's runtime, which rounds every step as the
 * evaluator. Its operand is a variable (the pass converts into one). */
static void reduce_half(cg *g, const ir_eqn *e, const tj_aval *a, const int64_t *axes, int naxes) {
  uint32_t id = cg_fresh(g);
  tj_buf dims = {0}, red = {0}, in = {0}, out = {0};
  for (int d = 0; d < a->rank; d++)
    buf_printf(&dims, d ? ", %lld" : "%lld", (long long)a->dims[d]), buf_printf(&red, d ? ", %d" : "%d", listed(axes, naxes, d));
  cg_ptr(g, e->in[0], &in), cg_ptr(g, ATOM_VAR(e->out[0]), &out);
  cg_frame(g, 16 * (uint64_t)(a->rank + 1)); /* the two arrays */
  cg_line(g, "{ long hd%u[] = {%s}, hr%u[] = {%s};", id, a->rank ? dims.data : "0", id, a->rank ? red.data : "0");
  cg_line(g, "  %s((const void *)%s, (void *)%s, %d, %d, %d, hd%u, hr%u); }", cg_fn(g, "tj_rt_half_reduce"), in.data,
          out.data, (int)a->dtype, e->prim == P_reduce_prod, a->rank, id, id);
  buf_free(&dims), buf_free(&red), buf_free(&in), buf_free(&out);
}

bool cg_reduce(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  const tj_aval *o = &g->m->vars[e->out[0]];
  int64_t axes[TJ_MAX_RANK], ost[TJ_MAX_RANK], coef[TJ_MAX_RANK];
  int naxes = ir_param_ints(e, "axes", axes, TJ_MAX_RANK);
  if (naxes < 0) return cg_fail(g, "internal error: %s without axes", prims[e->prim].name);
  if (dtype_is_half(a.dtype) && (e->prim == P_reduce_sum || e->prim == P_reduce_prod) && !ATOM_IS_LIT(e->in[0])) {
    reduce_half(g, e, &a, axes, naxes);
    return true;
  }
  if (a.rank > 0 && naxes > 0 && !ATOM_IS_LIT(e->in[0]) &&
      (reduce_rows(g, e, &a, axes, naxes) || reduce_runs(g, e, &a, axes, naxes) ||
       reduce_steps(g, e, &a, axes, naxes) || reduce_walk(g, e, &a, axes, naxes)))
    return true;
  strides_of(o, ost);
  for (int d = 0, k = 0; d < a.rank; d++) coef[d] = listed(axes, naxes, d) ? 0 : ost[k++];
  tj_buf id = {0}, off = {0}, acc = {0}, x = {0};
  reduce_identity(g, e->prim, a.dtype, &id);
  if (o->rank) cg_line(g, "for (long i = 0; i < %lld; i++) v%u[i] = %s;", (long long)cg_size(o), e->out[0], id.data);
  else cg_line(g, "v%u = %s;", e->out[0], id.data);
  buf_puts(&off, "0");
  for (int d = 0; d < a.rank; d++)
    if (coef[d]) buf_printf(&off, coef[d] == 1 ? " + i%d" : " + i%d * %lld", d, (long long)coef[d]);
  cg_elem(g, ATOM_VAR(e->out[0]), off.data, &acc);
  cg_elem(g, e->in[0], "i", &x);
  int levels = a.rank ? cg_loops_begin(g, &a, "i") : -1;
  reduce_step(g, e->prim, a.dtype, acc.data, x.data);
  if (levels >= 0) cg_loops_end(g, levels);
  buf_free(&id), buf_free(&off), buf_free(&acc), buf_free(&x);
  return true;
}

/* The first extreme along the axis; for floats the first NaN wins. */
bool cg_argminmax(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  const tj_aval *o = &g->m->vars[e->out[0]];
  int64_t axis, st[TJ_MAX_RANK];
  if (ir_param_ints(e, "axes", &axis, 1) != 1 || axis < 0 || axis >= a.rank)
    return cg_fail(g, "internal error: %s without its axis", prims[e->prim].name);
  strides_of(&a, st);
  tj_buf base = {0}, x = {0}, best = {0}, dst = {0};
  buf_puts(&base, "0");
  for (int d = 0, k = 0; d < a.rank; d++)
    if (d != axis) buf_printf(&base, " + i%d * %lld", k++, (long long)st[d]);
  int levels = o->rank ? cg_loops_begin(g, o, "i") : -1;
  if (levels < 0) cg_line(g, "{"), g->indent++;
  cg_line(g, "long base = %s, best = 0;", base.data);
  buf_free(&base);
  buf_printf(&base, "base + k * %lld", (long long)st[axis]);
  cg_elem(g, e->in[0], base.data, &x);
  buf_free(&base);
  buf_printf(&base, "base + best * %lld", (long long)st[axis]);
  cg_elem(g, e->in[0], base.data, &best);
  const char *op = e->prim == P_argmax ? ">" : "<";
  cg_line(g, "for (long k = 1; k < %lld; k++)", (long long)a.dims[axis]);
  if (dtype_is_float(a.dtype))
    cg_line(g, "  if (%s == %s && (%s != %s || %s %s %s)) best = k;", best.data, best.data, x.data, x.data, x.data,
            op, best.data);
  else cg_line(g, "  if (%s %s %s) best = k;", x.data, op, best.data);
  cg_elem(g, ATOM_VAR(e->out[0]), "i", &dst);
  cg_line(g, "%s = (%s)best;", dst.data, cg_type(o->dtype));
  if (levels >= 0) cg_loops_end(g, levels);
  else g->indent--, cg_line(g, "}");
  buf_free(&base), buf_free(&x), buf_free(&best), buf_free(&dst);
  return true;
}


/* Products at least this large (M*N*K) go to BLAS; smaller ones stay in
 * loops, exact with the evaluator and free of the call's overhead. */
#define DOT_BLAS_MIN 32768

/* A batched matrix product BLAS can do: batch dims leading and in order on
 * both sides, the contracting dimensions one run of consecutive dimensions
 * at either end of each operand's other dims, in the same order on both
 * sides (their flattened index is then one K). Fills the gemm arguments. */
typedef struct gemm { int64_t batch, m, n, k; bool ta, tb; } gemm;

static bool consecutive(const int64_t *dims, int n, int64_t from) {
  for (int i = 0; i < n; i++)
    if (dims[i] != from + i) return false;
  return true;
}

static bool as_gemm(const tj_aval *l, const tj_aval *r, const ir_dot_dims *d, gemm *out) {
  int nc = d->nlc;
  if (nc < 1) return false;
  for (int i = 0; i < d->nlb; i++)
    if (d->lb[i] != i || d->rb[i] != i) return false;
  gemm g = {.batch = 1, .m = 1, .n = 1, .k = 1};
  for (int i = 0; i < d->nlb; i++) g.batch *= l->dims[i];
  for (int i = 0; i < nc; i++) g.k *= l->dims[d->lc[i]];
  if (consecutive(d->lc, nc, l->rank - nc)) g.ta = false;
  else if (consecutive(d->lc, nc, d->nlb)) g.ta = true;
  else return false;
  if (consecutive(d->rc, nc, d->nlb)) g.tb = false;
  else if (consecutive(d->rc, nc, r->rank - nc)) g.tb = true;
  else return false;
  for (int i = d->nlb; i < l->rank; i++)
    if (!listed(d->lc, nc, i)) g.m *= l->dims[i];
  for (int i = d->nlb; i < r->rank; i++)
    if (!listed(d->rc, nc, i)) g.n *= r->dims[i];
  *out = g;
  return true;
}

static void dot_blas(cg *g, const ir_eqn *e, const gemm *p, tj_dtype t) {
  tj_buf a = {0}, b = {0}, c = {0};
  cg_ptr(g, e->in[0], &a), cg_ptr(g, e->in[1], &b), cg_ptr(g, ATOM_VAR(e->out[0]), &c);
  const char *fn = cg_fn(g, t == DT_F32 ? "cblas_sgemm" : "cblas_dgemm");
  long long m = p->m, n = p->n, k = p->k;
  cg_line(g, "for (long bi = 0; bi < %lld; bi++) /* row-major; 111/112: no/transpose */", (long long)p->batch);
  cg_line(g, "  %s(101, %d, %d, %lld, %lld, %lld, 1, %s + bi * %lld, %lld, %s + bi * %lld, %lld, 0, %s + bi * %lld, %lld);",
          fn, p->ta ? 112 : 111, p->tb ? 112 : 111, m, n, k, a.data, m * k, p->ta ? m : k, b.data, k * n,
          p->tb ? k : n, c.data, m * n, n);
  buf_free(&a), buf_free(&b), buf_free(&c);
}

/* out[batch, lhs free, rhs free] = sum over the contracting coordinates
 * (row-major, as the evaluator adds them) of lhs * rhs. */
static void dot_loops(cg *g, const ir_eqn *e, const ir_dot_dims *d, const tj_aval *l, const tj_aval *r) {
  const tj_aval *o = &g->m->vars[e->out[0]];
  int64_t lst[TJ_MAX_RANK], rst[TJ_MAX_RANK];
  strides_of(l, lst), strides_of(r, rst);
  tj_buf lo = {0}, ro = {0}, x = {0}, y = {0}, dst = {0};
  buf_puts(&lo, "0"), buf_puts(&ro, "0");
  int oc = 0; /* output coordinate: batch, then lhs free, then rhs free */
  for (int i = 0; i < d->nlb; i++, oc++)
    buf_printf(&lo, " + i%d * %lld", oc, (long long)lst[d->lb[i]]),
        buf_printf(&ro, " + i%d * %lld", oc, (long long)rst[d->rb[i]]);
  for (int x2 = 0; x2 < l->rank; x2++)
    if (!listed(d->lc, d->nlc, x2) && !listed(d->lb, d->nlb, x2)) buf_printf(&lo, " + i%d * %lld", oc++, (long long)lst[x2]);
  for (int x2 = 0; x2 < r->rank; x2++)
    if (!listed(d->rc, d->nlc, x2) && !listed(d->rb, d->nlb, x2)) buf_printf(&ro, " + i%d * %lld", oc++, (long long)rst[x2]);
  for (int i = 0; i < d->nlc; i++)
    buf_printf(&lo, " + k%d * %lld", i, (long long)lst[d->lc[i]]), buf_printf(&ro, " + k%d * %lld", i, (long long)rst[d->rc[i]]);
  const char *T = cg_type(o->dtype), *U = dtype_size(o->dtype) == 8 ? "unsigned long long" : "unsigned";
  bool fl = dtype_is_float(o->dtype);
  int levels = o->rank ? cg_loops_begin(g, o, "i") : -1;
  if (levels < 0) cg_line(g, "{"), g->indent++;
  cg_line(g, "%s acc = 0;", fl ? T : U);
  for (int i = 0; i < d->nlc; i++)
    cg_line(g, "for (long k%d = 0; k%d < %lld; k%d++)", i, i, (long long)l->dims[d->lc[i]], i), g->indent++;
  cg_elem(g, e->in[0], lo.data, &x), cg_elem(g, e->in[1], ro.data, &y);
  if (fl) cg_line(g, "acc = acc + (%s)%s * (%s)%s;", T, x.data, T, y.data);
  else cg_line(g, "acc = acc + (%s)%s * (%s)%s;", U, x.data, U, y.data);
  g->indent -= d->nlc;
  cg_elem(g, ATOM_VAR(e->out[0]), "i", &dst);
  if (o->dtype == DT_BOOL) cg_line(g, "%s = acc != 0;", dst.data);
  else cg_line(g, "%s = (%s)acc;", dst.data, T);
  if (levels >= 0) cg_loops_end(g, levels);
  else g->indent--, cg_line(g, "}");
  buf_free(&lo), buf_free(&ro), buf_free(&x), buf_free(&y), buf_free(&dst);
}

bool cg_dot_general(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  ir_dot_dims d;
  if (!ir_dot_dims_read(e, &d) || d.nlc != d.nrc || d.nlb != d.nrb)
    return cg_fail(g, "internal error: dot_general without dimension_numbers");
  tj_aval l = cg_aval(g, e->in[0]), r = cg_aval(g, e->in[1]);
  const tj_aval *o = &g->m->vars[e->out[0]];
  gemm p;
  bool blas_type = (o->dtype == DT_F32 || o->dtype == DT_F64) && l.dtype == o->dtype && r.dtype == o->dtype;
  if (blas_type && !ATOM_IS_LIT(e->in[0]) && !ATOM_IS_LIT(e->in[1]) && as_gemm(&l, &r, &d, &p) &&
      p.m * p.n * p.k >= DOT_BLAS_MIN) {
    dot_blas(g, e, &p, o->dtype);
    return true;
  }
  dot_loops(g, e, &d, &l, &r);
  return true;
}

/* ---- scatter ---- */

/* The scatter runtime's descriptor (scatter_rt.h) when it can do e: the
 * update window dims are the updates' trailing ones in order (so the
 * updates go window by window in the evaluator's row-major order) and no
 * operand dim takes two index entries. */
static bool scatter_desc(const ir_scatter_dims *d, const tj_aval *op, const tj_aval *idx, const tj_aval *u, long *desc) {
  int64_t nbatch = 1;
  if (op->rank > TJ_SCATTER_SLOTS || d->nto > TJ_SCATTER_SLOTS || d->nbatching) return false;
  for (int w = 0; w < d->nwindow; w++)
    if (d->window[w] != u->rank - d->nwindow + w) return false;
  for (int i = 0; i < u->rank - d->nwindow; i++) nbatch *= u->dims[i];
  memset(desc, 0, sizeof(long) * SD_SIZE);
  desc[SD_RANK] = op->rank, desc[SD_ELSIZE] = dtype_size(op->dtype), desc[SD_NBATCH] = (long)nbatch;
  desc[SD_NVEC] = (long)idx->dims[idx->rank - 1], desc[SD_NTO] = d->nto;
  for (int dim = 0, w = 0; dim < op->rank; dim++) {
    bool inserted = listed(d->inserted, d->ninserted, dim);
    desc[SD_OP_DIMS + dim] = (long)op->dims[dim];
    desc[SD_WSIZE + dim] = inserted ? 1 : (long)u->dims[d->window[w++]];
  }
  for (int i = 0; i < d->nto; i++) {
    if (d->to_operand[i] < 0 || d->to_operand[i] >= op->rank || listed(d->to_operand, i, d->to_operand[i]))
      return false;
    desc[SD_TO + i] = (long)d->to_operand[i];
  }
  return true;
}

/* out = operand, then one call of the scatter runtime (scatter_rt.c,
 * built with the kernels' flags); false when it cannot do e. */
static bool scatter_call(cg *g, const ir_eqn *e, const ir_scatter_dims *d) {
  tj_aval op = cg_aval(g, e->in[0]), idx = cg_aval(g, e->in[1]), u = cg_aval(g, e->in[2]);
  int kind = e->prim == P_scatter ? TJ_SCATTER_SET : e->prim == P_scatter_add ? TJ_SCATTER_ADD
             : e->prim == P_scatter_sub ? TJ_SCATTER_SUB : e->prim == P_scatter_mul ? TJ_SCATTER_MUL
             : e->prim == P_scatter_min ? TJ_SCATTER_MIN : TJ_SCATTER_MAX;
  long desc[SD_SIZE];
  if (ATOM_IS_LIT(e->in[1]) || ATOM_IS_LIT(e->in[2]) || u.dtype != op.dtype ||
      !tj_rt_scatter_has(op.dtype, kind) || !scatter_desc(d, &op, &idx, &u, desc))
    return false;
  uint32_t id = cg_fresh(g);
  tj_buf table = {0}, ix = {0}, up = {0}, out = {0};
  for (int k = 0; k < SD_SIZE; k++) buf_printf(&table, "%s%ld", k ? ", " : "", desc[k]);
  cg_ptr(g, e->in[1], &ix), cg_ptr(g, e->in[2], &up), cg_ptr(g, ATOM_VAR(e->out[0]), &out);
  cg_copy(g, e->out[0], e->in[0]);
  cg_frame(g, sizeof(long) * SD_SIZE);
  cg_line(g, "{ long sd%u[] = {%s};", id, table.data);
  cg_line(g, "  %s((void *)%s, (const void *)%s, %d, (const void *)%s, %d, %d, sd%u); }", cg_fn(g, "tj_rt_scatter"),
          out.data, ix.data, (int)idx.dtype, up.data, (int)op.dtype, kind, id);
  buf_free(&table), buf_free(&ix), buf_free(&up), buf_free(&out);
  return true;
}

/* dst = dst combined with the update uv, as the evaluator's
 * scatter_combine (eval_shape.c). */
static void scatter_step(cg *g, int prim, tj_dtype t, const char *dst, const char *uv) {
  const char *T = cg_type(t), *U = dtype_size(t) == 8 ? "unsigned long long" : "unsigned";
  const char *opc = prim == P_scatter_add ? "+" : prim == P_scatter_sub ? "-" : "*", *h = dtype_short(t);
  bool extreme = prim == P_scatter_min || prim == P_scatter_max;
  const char *cmp = prim == P_scatter_max ? ">" : "<";
  if (prim == P_scatter) cg_line(g, "%s = %s;", dst, uv);
  else if (extreme && dtype_is_float(t)) /* NaN propagates, as the evaluator's scatter_extreme */
    cg_line(g, "{ %s o = %s, u = %s; %s = o != o ? o : u != u ? u : o %s u ? o : u; }", T, dst, uv, dst, cmp);
  else if (extreme) cg_line(g, "{ %s o = %s, u = %s; %s = o %s u ? o : u; }", T, dst, uv, dst, cmp);
  else if (dtype_is_half(t)) /* the half pass keeps it 2-byte: each update rounded, as the evaluator */
    cg_line(g, "%s = tj_%s_of_f32(tj_f32_of_%s(%s) %s tj_f32_of_%s(%s));", dst, h, h, dst, opc, h, uv);
  else if (dtype_is_float(t)) cg_line(g, "%s = %s %s %s;", dst, dst, opc, uv);
  else cg_line(g, "%s = (%s)((%s)%s %s (%s)%s);", dst, T, U, dst, opc, U, uv);
}

/* out = operand; then each update element whose window lies inside the
 * operand combines with its target (FILL_OR_DROP, as the evaluator; CLIP
 * clamps the start first). */
bool cg_scatter(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval op = cg_aval(g, e->in[0]), idx = cg_aval(g, e->in[1]), u = cg_aval(g, e->in[2]);
  ir_scatter_dims d = {0};
  int64_t ust[TJ_MAX_RANK], ost[TJ_MAX_RANK];
  bool ok = ir_scatter_dims_read(e, &d);
  int64_t *win = d.window, *ins = d.inserted, *to = d.to_operand;
  int nwin = d.nwindow, nins = d.ninserted, nto = d.nto;
  if (!ok || nwin + nins + d.nbatching != op.rank || idx.rank < 1 || nwin > u.rank ||
      d.nbatching != d.nindices_batching)
    return cg_fail(g, "internal error: %s with dimension numbers it cannot use", prims[e->prim].name);
  int64_t scatter_dim[TJ_MAX_RANK]; /* the updates' dimension that is indices' dimension n */
  for (int i = 0, n = 0; i < u.rank; i++)
    if (!listed(win, nwin, i)) scatter_dim[n++] = i;
  const char *mode = ir_param_name(e, "mode");
  bool clip = mode && strcmp(mode, "GatherScatterMode.CLIP") == 0; /* the runtime drops, never clamps */
  if (!clip && scatter_call(g, e, &d)) return true;
  strides_of(&u, ust), strides_of(&op, ost);
  int64_t nvec = idx.dims[idx.rank - 1];
  cg_copy(g, e->out[0], e->in[0]);
  int levels = u.rank ? cg_loops_begin(g, &u, "i") : -1;
  if (levels < 0) cg_line(g, "do { /* one update: continue drops it */"), g->indent++;
  tj_buf b = {0}, j = {0}, iv = {0}, uv = {0}, dst = {0};
  int64_t bst = 1; /* batch: the non-window update coordinates, row-major */
  buf_puts(&b, "0");
  for (int i = u.rank - 1; i >= 0; i--)
    if (!listed(win, nwin, i)) buf_printf(&b, " + i%d * %lld", i, (long long)bst), bst *= u.dims[i];
  cg_line(g, "long b = %s;", b.data);
  buf_puts(&j, "0");
  for (int dim = 0, w = 0; dim < op.rank; dim++) {
    int batching = -1;
    for (int i = 0; i < d.nbatching; i++)
      if (d.operand_batching[i] == dim) batching = i;
    bool inserted = listed(ins, nins, dim) || batching >= 0;
    int64_t wsize = inserted ? 1 : u.dims[win[w]];
    int vec = -1;
    for (int i = 0; i < nto && i < nvec; i++)
      if (to[i] == dim) vec = i;
    int64_t ib = batching >= 0 ? d.indices_batching[batching] : -1;
    if (ib >= 0 && ib < u.rank - nwin) cg_line(g, "long s%d = i%lld;", dim, (long long)scatter_dim[ib]);
    else if (vec >= 0) {
      char at[64];
      snprintf(at, sizeof at, "b * %lld + %d", (long long)nvec, vec);
      buf_free(&iv);
      cg_elem(g, e->in[1], at, &iv);
      cg_line(g, "long s%d = (long)%s;", dim, iv.data);
      long long hi = (long long)(op.dims[dim] - wsize);
      if (clip && hi >= 0) cg_line(g, "s%d = s%d < 0 ? 0 : s%d > %lld ? %lld : s%d;", dim, dim, dim, hi, hi, dim);
      else cg_line(g, "if (s%d < 0 || s%d > %lld) continue;", dim, dim, hi);
    } else cg_line(g, "long s%d = 0;", dim);
    if (inserted) buf_printf(&j, " + s%d * %lld", dim, (long long)ost[dim]);
    else buf_printf(&j, " + (s%d + i%lld) * %lld", dim, (long long)win[w], (long long)ost[dim]);
    w += !inserted;
  }
  cg_elem(g, e->in[2], "i", &uv);
  cg_elem(g, ATOM_VAR(e->out[0]), j.data, &dst);
  scatter_step(g, e->prim, op.dtype, dst.data, uv.data);
  if (levels >= 0) cg_loops_end(g, levels);
  else g->indent--, cg_line(g, "} while (0);");
  buf_free(&b), buf_free(&j), buf_free(&iv), buf_free(&uv), buf_free(&dst);
  return true;
}

/* The C expression combining acc and x for a cumulative reduction of
 * dtype t: the evaluator's cumred_f/cumred_i (eval_array.c), integers
 * wrapping through unsigned math, max/min propagating NaN. */
static void cumred_expr(int prim, tj_dtype t, const char *acc, const char *x, tj_buf *b) {
  const char *ty = cg_type(t);
  bool fl = dtype_is_float(t);
  if (prim == P_cumsum || prim == P_cumprod) {
    const char *op = prim == P_cumsum ? "+" : "*";
    if (fl) buf_printf(b, "%s %s %s", acc, op, x);
    else buf_printf(b, "(%s)((unsigned long long)%s %s (unsigned long long)%s)", ty, acc, op, x);
    return;
  }
  const char *cmp = prim == P_cummax ? ">" : "<";
  if (fl) buf_printf(b, "%s != %s || %s %s %s ? %s : %s", acc, acc, acc, cmp, x, acc, x);
  else buf_printf(b, "%s %s %s ? %s : %s", acc, cmp, x, acc, x);
}

/* One call of the cumulative runtime (cum_rt.c, built with the kernels'
 * flags): the array as [outer, n, inner] around the axis. */
static void cumred_call(cg *g, const ir_eqn *e, tj_dtype t, long long outer, long long n, long long inner,
                        bool reverse) {
  int op = e->prim == P_cumsum ? TJ_CUM_SUM : e->prim == P_cumprod ? TJ_CUM_PROD
           : e->prim == P_cummax ? TJ_CUM_MAX : TJ_CUM_MIN;
  tj_buf src = {0}, dst = {0};
  cg_ptr(g, e->in[0], &src);
  cg_ptr(g, ATOM_VAR(e->out[0]), &dst);
  cg_line(g, "%s((const void *)%s, (void *)%s, %d, %d, %lld, %lld, %lld, %d);", cg_fn(g, "tj_rt_cumred"), src.data,
          dst.data, (int)t, op, outer, n, inner, (int)reverse);
  buf_free(&src), buf_free(&dst);
}

/* cumsum/cumprod/cummax/cummin[axis reverse]: the runtime for the dtypes
 * it has; else (bool) loops with the axis the middle loop, the dims before
 * it outside and those after it inside, so each step reads and writes a
 * contiguous run of `inner` elements. Each element is combined in order,
 * never reassociated, as the evaluator. */
bool cg_cumred(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1), outer = 1, inner = 1;
  bool reverse = ir_param_bool(e, "reverse", false);
  if (axis < 0 || axis >= a.rank) return cg_fail(g, "internal error: %s without its axis", prims[e->prim].name);
  for (int d = 0; d < axis; d++) outer *= a.dims[d];
  for (int d = (int)axis + 1; d < a.rank; d++) inner *= a.dims[d];
  long long n = (long long)a.dims[axis], in = (long long)inner;
  if (n == 0 || outer == 0 || inner == 0) return true;
  if (tj_rt_cumred_has(a.dtype) && !ATOM_IS_LIT(e->in[0])) {
    cumred_call(g, e, a.dtype, (long long)outer, n, in, reverse);
    return true;
  }
  tj_buf src = {0}, dst = {0}, step = {0};
  cg_ptr(g, e->in[0], &src);
  cg_ptr(g, ATOM_VAR(e->out[0]), &dst);
  const char *ty = cg_type(a.dtype);
  cg_line(g, "{");
  g->indent++;
  cg_line(g, "const %s *s = %s; %s *d = %s;", ty, src.data, ty, dst.data);
  cg_line(g, "for (long o = 0; o < %lld; o++) {", (long long)outer);
  cg_line(g, "  long first = o * %lld + %lld;", n * in, reverse ? (n - 1) * in : 0LL);
  if (inner == 1) {
    cumred_expr(e->prim, a.dtype, "acc", "s[j]", &step);
    cg_line(g, "  %s acc = s[first]; d[first] = acc;", ty);
    cg_line(g, "  for (long k = 1; k < %lld; k++) { long j = first %s k; acc = %s; d[j] = acc; }", n,
            reverse ? "-" : "+", step.data);
  } else {
    cumred_expr(e->prim, a.dtype, "p[i]", "x[i]", &step);
    cg_line(g, "  for (long i = 0; i < %lld; i++) d[first + i] = s[first + i];", in);
    cg_line(g, "  for (long k = 1; k < %lld; k++) {", n);
    cg_line(g, "    long j = first %s k * %lld;", reverse ? "-" : "+", in);
    cg_line(g, "    const %s *p = d + j %s %lld, *x = s + j; %s *y = d + j;", ty, reverse ? "+" : "-", in, ty);
    cg_line(g, "    for (long i = 0; i < %lld; i++) y[i] = %s;", in, step.data);
    cg_line(g, "  }");
  }
  cg_line(g, "}");
  g->indent--;
  cg_line(g, "}");
  buf_free(&src), buf_free(&dst), buf_free(&step);
  return true;
}

/* For the sinks of fused loops (codegen.c): this file's identity and step. */
void cg_reduce_identity(cg *g, int prim, tj_dtype t, tj_buf *b) { reduce_identity(g, prim, t, b); }
void cg_reduce_step(cg *g, int prim, tj_dtype t, const char *acc, const char *x) { reduce_step(g, prim, t, acc, x); }
