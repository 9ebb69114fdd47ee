/* C rules of the call and control-flow primitives: jit calls the static
 * function of its jaxpr (one per distinct sub-jaxpr, written at its first
 * use), cond becomes an if-chain (an index out of range runs the
 * last branch, as XLA does), while and scan become C loops whose array
 * carries live in two buffers swapped after every iteration, so the body
 * reads one and writes the other without copying; a scalar carry is one
 * local the body updates in place (cg_loop_body_into). A scan of one
 * cumulative or linear step calls a runtime instead (cg_scan_step.c). */
#include "codegen.h"
#include "jit.h"
#include "work.h"

#include <stdarg.h>
#include <stdlib.h>

/* A list of C texts (inputs or destinations of a sub-jaxpr). */
typedef struct texts {
  char **s;
  uint32_t n;
} texts;

static texts texts_new(uint32_t n) {
  texts t = {calloc(n + 1, sizeof(char *)), n};
  if (!t.s) TJ_OOM();
  return t;
}

static void texts_free(texts *t) {
  for (uint32_t i = 0; i < t->n; i++) free(t->s[i]);
  free(t->s);
}

/* The value text of an atom: a scalar's value, a buffer's pointer. */
static char *atom_text(cg *g, ir_atom a) {
  tj_buf b = {0};
  if (ATOM_IS_LIT(a) || g->m->vars[ATOM_INDEX(a)].rank == 0) cg_elem(g, a, NULL, &b);
  else cg_ptr(g, a, &b);
  return buf_detach(&b);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  tj_buf b = {0};
  va_list ap;
  va_start(ap, f);
  buf_vprintf(&b, f, ap);
  va_end(ap);
  return buf_detach(&b);
}

static bool sub_body(cg *g, const ir_jaxpr *j, const texts *ins, const texts *dests) {
  g->indent++;
  bool ok = cg_jaxpr_into(g, j, (const char *const *)ins->s, (const char *const *)dests->s);
  g->indent--;
  return ok;
}

/* A loop's body or cond in a block of its own (cg_loop_body_into: its
 * scalars as expressions; clobbers names the outputs that update a
 * scalar carry in place). */
static bool loop_block(cg *g, const ir_jaxpr *j, const texts *ins, const texts *dests, const int *clobbers) {
  cg_line(g, "{");
  g->indent++;
  bool ok = cg_loop_body_into(g, j, (const char *const *)ins->s, (const char *const *)dests->s, clobbers);
  g->indent--;
  cg_line(g, "}");
  return ok;
}

/* The texts of a function's parameters inside it: in[i] and out[k] cast to
 * their buffers, or for a rank-0 value the value it points at. */
static char *param_text(const cg *g, uint32_t v, const char *array, uint32_t i) {
  const tj_aval *a = &g->m->vars[v];
  return fmt(a->rank == 0 ? "*(%s *)%s[%u]" : "(%s *)%s[%u]", cg_type(a->dtype), array, i);
}

/* Writes the static function of jaxpr j (tj_fN) into g->functions, its
 * callees first; its index. The body being written waits meanwhile. */
static uint32_t write_function(cg *g, const ir_jaxpr *j) {
  tj_buf body = {0}, *caller = g->out;
  int indent = g->indent;
  uint64_t frame = g->frame, callee_stack = g->callee_stack;
  texts ins = texts_new(j->nin), dests = texts_new(j->nout); /* its constvars are its own (cg_jaxpr_into) */
  for (uint32_t i = 0; i < ins.n; i++) ins.s[i] = param_text(g, j->invars[i], "in", i);
  for (uint32_t k = 0; k < j->nout; k++) {
    tj_aval a = cg_aval(g, j->outs[k]);
    dests.s[k] = fmt(a.rank == 0 ? "*(%s *)out[%u]" : "(%s *)out[%u]", cg_type(a.dtype), k);
  }
  g->out = &body, g->indent = 1, g->frame = CG_CALL_FRAME, g->callee_stack = 0;
  cg_jaxpr_into(g, j, (const char *const *)ins.s, (const char *const *)dests.s);
  uint64_t stack = g->frame + g->callee_stack;
  g->out = caller, g->indent = indent, g->frame = frame, g->callee_stack = callee_stack;
  if (g->nfns == g->capfns) {
    g->capfns = g->capfns ? 2 * g->capfns : 8;
    g->fns = realloc(g->fns, g->capfns * sizeof *g->fns);
    if (!g->fns) TJ_OOM();
  }
  uint32_t f = g->nfns++;
  g->fns[f] = (cg_function){j, stack};
  buf_printf(&g->functions, "static void tj_f%u(struct tj_rt *rt, void *const *in, void *const *out) {\n", f);
  if (body.data) buf_puts(&g->functions, body.data);
  buf_puts(&g->functions, "}\n");
  buf_free(&body);
  texts_free(&ins), texts_free(&dests);
  return f;
}

static uint32_t function_of(cg *g, const ir_jaxpr *j) {
  for (uint32_t f = 0; f < g->nfns; f++)
    if (g->fns[f].jaxpr == j) return f;
  return write_function(g, j);
}

/* An argument of a call: a buffer's pointer, or the address of a rank-0
 * value (a compound literal, so literals and temporaries have one too). */
static void put_argument(cg *g, ir_atom a, tj_buf *b) {
  tj_aval av = cg_aval(g, a);
  tj_buf s = {0};
  if (av.rank == 0) {
    cg_elem(g, a, NULL, &s);
    buf_printf(b, "&(%s){%s}", cg_type(av.dtype), s.data);
  } else {
    cg_ptr(g, a, &s);
    buf_puts(b, s.data);
  }
  buf_free(&s);
}

bool cg_jit(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  const ir_jaxpr *j = call_body(e);
  if (!j || j->nin != e->nin || j->nout != e->nout) return cg_fail(g, "internal error: jit");
  uint32_t f = function_of(g, j);
  if (g->failed) return false;
  if (g->fns[f].stack > g->callee_stack) g->callee_stack = g->fns[f].stack;
  tj_buf call = {0};
  buf_printf(&call, "tj_f%u(rt, (void *[]){", f);
  for (uint32_t i = 0; i < e->nin; i++) {
    if (i) buf_puts(&call, ", ");
    put_argument(g, e->in[i], &call);
  }
  buf_puts(&call, e->nin ? "}, (void *[]){" : "0}, (void *[]){");
  for (uint32_t k = 0; k < e->nout; k++)
    buf_printf(&call, "%s%s%u", k ? ", " : "", g->m->vars[e->out[k]].rank == 0 ? "&v" : "v", e->out[k]);
  buf_puts(&call, e->nout ? "});" : "0});");
  cg_frame(g, 8 * (uint64_t)(e->nin + e->nout + 2)); /* the argument arrays */
  cg_line(g, "%s", call.data);
  buf_free(&call);
  return !g->failed;
}

bool cg_cond(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  const pval *br = ir_param_get(e, "branches");
  int nbranches = ir_pval_njaxprs(br);
  if (nbranches < 1) return cg_fail(g, "internal error: cond without branches");
  texts ins = texts_new(e->nin - 1), dests = texts_new(e->nout);
  for (uint32_t i = 1; i < e->nin; i++) ins.s[i - 1] = atom_text(g, e->in[i]);
  for (uint32_t k = 0; k < e->nout; k++) dests.s[k] = fmt("v%u", e->out[k]);
  char *index = atom_text(g, e->in[0]);
  uint32_t c = cg_fresh(g);
  cg_line(g, "long c%u = (long)%s;", c, index);
  bool ok = true;
  for (int b = 0; b < nbranches && ok; b++) {
    const ir_jaxpr *j = ir_pval_jaxpr(br, b);
    if (!j || j->nin != ins.n || j->nout != e->nout) { ok = cg_fail(g, "internal error: cond"); break; }
    if (b + 1 < nbranches) cg_line(g, "%sif (c%u == %d) {", b ? "} else " : "", c, b);
    else cg_line(g, b ? "} else {" : "{");
    ok = sub_body(g, j, &ins, &dests);
  }
  cg_line(g, "}");
  free(index);
  texts_free(&ins), texts_free(&dests);
  return ok;
}

/* Carries: for each, `c` (current) and `n` (next) storage, initialised
 * from the atoms init[0..n); with in_place a scalar has one local, which
 * the body updates in place (cg_loop_body_into orders the updates). */
static void carries_begin(cg *g, const ir_eqn *e, const ir_atom *init, uint32_t n, uint32_t id, bool in_place,
                          texts *cur, texts *next) {
  for (uint32_t i = 0; i < n; i++) {
    tj_aval a = cg_aval(g, init[i]);
    const char *T = cg_type(a.dtype);
    char *v = atom_text(g, init[i]);
    bool one = in_place && a.rank == 0;
    cur->s[i] = fmt("c%u_%u", id, i), next->s[i] = one ? fmt("c%u_%u", id, i) : fmt("n%u_%u", id, i);
    if (one) cg_line(g, "%s c%u_%u = %s;", T, id, i, v);
    else if (a.rank == 0) cg_line(g, "%s c%u_%u = %s, n%u_%u;", T, id, i, v, id, i);
    else {
      long long bytes = (long long)(cg_size(&a) * dtype_size(a.dtype));
      const char *al = cg_fn(g, "tj_rt_alloc");
      cg_line(g, "%s *c%u_%u = %s(rt, %lld), *n%u_%u = %s(rt, %lld);", T, id, i, al, bytes, id, i, al, bytes);
      cg_line(g, "%s(c%u_%u, %s, %lld);", cg_fn(g, "memcpy"), id, i, v, bytes);
    }
    free(v);
  }
  (void)e;
}

static void carries_swap(cg *g, const ir_atom *init, uint32_t n, uint32_t id, bool in_place) {
  for (uint32_t i = 0; i < n; i++) {
    tj_aval a = cg_aval(g, init[i]);
    if (a.rank == 0 && in_place) continue;
    if (a.rank == 0) cg_line(g, "c%u_%u = n%u_%u;", id, i, id, i);
    else cg_line(g, "{ %s *s = c%u_%u; c%u_%u = n%u_%u; n%u_%u = s; }", cg_type(a.dtype), id, i, id, i, id, i, id, i);
  }
}

/* The loop's results into its output variables; the carry buffers freed. */
static void carries_end(cg *g, const ir_atom *init, uint32_t n, uint32_t id, const uint32_t *outs) {
  for (uint32_t i = 0; i < n; i++) {
    tj_aval a = cg_aval(g, init[i]);
    if (a.rank == 0) { cg_line(g, "v%u = c%u_%u;", outs[i], id, i); continue; }
    cg_line(g, "%s(v%u, c%u_%u, %lld);", cg_fn(g, "memcpy"), outs[i], id, i,
            (long long)(cg_size(&a) * dtype_size(a.dtype)));
    cg_line(g, "%s(rt, c%u_%u); %s(rt, n%u_%u);", cg_fn(g, "tj_rt_free"), id, i, cg_fn(g, "tj_rt_free"), id, i);
  }
}

/* The end of a loop over carries: the next carries become the current
 * ones, the loop closes, its results are copied out, its block closes. */
static void carried_loop_end(cg *g, const ir_atom *init, uint32_t n, uint32_t id, const uint32_t *outs) {
  carries_swap(g, init, n, id, true);
  g->indent--;
  cg_line(g, "}");
  carries_end(g, init, n, id, outs);
  g->indent--;
  cg_line(g, "}");
}

/* A traced `while (true)` or a scan of 2^31 steps must end: the run and
 * every iteration are charged their work (work.h), the evaluator's
 * amounts; a while's at every iteration, a scan's all at once before its
 * loop (its length is known), so a run stops exactly when the evaluator's
 * does, before any iteration of a scan too long for the budget. The sums
 * saturate below 2^62 and the budget is at most 2^62, so the unsigned
 * total cannot wrap. */
/* The work pass measured every jaxpr before dce: these are the charges of
 * the program as traced, which the evaluator charges too. */
void cg_charge_work(cg *g, const ir_eqn *e) {
  work_table *w = &g->facts->work;
  int64_t n = e ? work_iteration(w, e) : work_jaxpr(w, g->m->top);
  cg_line(g, "if ((rt->work += %lldull) > rt->max_work) %s(rt, %d);", (long long)n, cg_fn(g, "tj_rt_fail"), JIT_WORK);
}

void cg_charge_iterations(cg *g, const ir_eqn *e, int64_t count) {
  int64_t n = work_iterations(&g->facts->work, e, count);
  if (n > 0)
    cg_line(g, "if ((rt->work += %lldull) > rt->max_work) %s(rt, %d);", (long long)n, cg_fn(g, "tj_rt_fail"), JIT_WORK);
}

/* Per output of a loop body of nout outputs: the body input (first + i)
 * whose storage output i, a scalar carry updated in place, overwrites;
 * -1 for the others (arrays, ys). */
static int *carry_clobbers(cg *g, const ir_atom *init, uint32_t n, uint32_t first, uint32_t nout, bool in_place) {
  int *c = malloc((nout + 1u) * sizeof *c);
  if (!c) TJ_OOM();
  for (uint32_t k = 0; k < nout; k++) c[k] = in_place && k < n && cg_aval(g, init[k]).rank == 0 ? (int)(first + k) : -1;
  return c;
}

/* _pred_bcast_select_hlo: where the batched predicate p (np elements,
 * leading every carry's shape) is false, the next carry keeps the current
 * one's rows. */
static void keep_finished(cg *g, const ir_atom *init, uint32_t n, uint32_t id, int64_t np) {
  for (uint32_t i = 0; i < n; i++) {
    tj_aval a = cg_aval(g, init[i]);
    long long row = (long long)(cg_size(&a) / np) * dtype_size(a.dtype);
    cg_line(g, "for (long k = 0; k < %lld; k++) if (!p%u[k]) %s((char *)n%u_%u + k * %lld, (char *)c%u_%u + k * %lld, %lld);",
            (long long)np, id, cg_fn(g, "memcpy"), id, i, row, id, i, row, row);
  }
}

bool cg_while(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  const ir_jaxpr *body = ir_param_jaxpr(e, "body_jaxpr"), *cj = ir_param_jaxpr(e, "cond_jaxpr");
  uint32_t cn = (uint32_t)ir_param_int(e, "cond_nconsts", 0), bn = (uint32_t)ir_param_int(e, "body_nconsts", 0);
  uint32_t n = e->nout, id = cg_fresh(g);
  if (!body || !cj || cn + bn + n != e->nin || cj->nin != cn + n || body->nin != bn + n ||
      body->nout != n || cj->nout != 1)
    return cg_fail(g, "internal error: malformed while");
  const ir_atom *init = e->in + cn + bn;
  texts cur = texts_new(n), next = texts_new(n), cin = texts_new(cn + n), bin = texts_new(bn + n);
  texts pred = texts_new(1);
  tj_aval pa = g->m->vars[ATOM_IS_LIT(cj->outs[0]) ? 0 : ATOM_INDEX(cj->outs[0])];
  int64_t np = ATOM_IS_LIT(cj->outs[0]) ? 1 : cg_size(&pa);
  bool batched = !ATOM_IS_LIT(cj->outs[0]) && pa.rank > 0; /* keep_finished reads the current carries */
  int *clobbers = carry_clobbers(g, init, n, bn, body->nout, !batched);
  cg_line(g, "{");
  g->indent++;
  carries_begin(g, e, init, n, id, !batched, &cur, &next);
  for (uint32_t i = 0; i < cn; i++) cin.s[i] = atom_text(g, e->in[i]);
  for (uint32_t i = 0; i < bn; i++) bin.s[i] = atom_text(g, e->in[cn + i]);
  for (uint32_t i = 0; i < n; i++) cin.s[cn + i] = fmt("%s", cur.s[i]), bin.s[bn + i] = fmt("%s", cur.s[i]);
  pred.s[0] = fmt("p%u", id);
  if (batched) cg_line(g, "bool *p%u = %s(rt, %lld);", id, cg_fn(g, "tj_rt_alloc"), (long long)(np ? np : 1));
  cg_line(g, "for (;;) {");
  g->indent++;
  if (!batched) cg_line(g, "bool p%u;", id);
  bool ok = loop_block(g, cj, &cin, &pred, NULL);
  if (batched) cg_line(g, "{ bool any = 0; for (long k = 0; k < %lld; k++) any |= p%u[k]; if (!any) break; }",
                       (long long)np, id);
  else cg_line(g, "if (!p%u) break;", id);
  cg_charge_work(g, e);
  ok = ok && loop_block(g, body, &bin, &next, clobbers);
  if (batched) keep_finished(g, init, n, id, np);
  carries_swap(g, init, n, id, !batched);
  g->indent--;
  cg_line(g, "}");
  carries_end(g, init, n, id, e->out);
  if (batched) cg_line(g, "%s(rt, p%u);", cg_fn(g, "tj_rt_free"), id);
  g->indent--;
  cg_line(g, "}");
  texts_free(&cur), texts_free(&next), texts_free(&cin), texts_free(&bin), texts_free(&pred);
  free(clobbers);
  return ok;
}

/* Elements of one leading-axis slice. */
static int64_t row_size(const tj_aval *a) {
  int64_t n = 1;
  for (int d = 1; d < a->rank; d++) n *= a->dims[d];
  return n;
}

bool cg_scan(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  const ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  int64_t length = ir_param_int(e, "length", -1);
  uint32_t nconst = (uint32_t)ir_param_int(e, "num_consts", 0), ncarry = (uint32_t)ir_param_int(e, "num_carry", 0);
  bool reverse = ir_param_bool(e, "reverse", false);
  if (!body || length < 0 || nconst + ncarry > e->nin || ncarry > e->nout ||
      body->nin != e->nin || body->nout != e->nout)
    return cg_fail(g, "internal error: malformed scan");
  if (cg_scan_step(g, e)) return true;
  uint32_t nxs = e->nin - nconst - ncarry, nys = e->nout - ncarry, id = cg_fresh(g);
  const ir_atom *init = e->in + nconst;
  texts cur = texts_new(ncarry), next = texts_new(ncarry), ins = texts_new(e->nin), dests = texts_new(e->nout);
  int *clobbers = carry_clobbers(g, init, ncarry, nconst, body->nout, true);
  cg_line(g, "{");
  g->indent++;
  carries_begin(g, e, init, ncarry, id, true, &cur, &next);
  for (uint32_t i = 0; i < nconst; i++) ins.s[i] = atom_text(g, e->in[i]);
  for (uint32_t i = 0; i < ncarry; i++) ins.s[nconst + i] = fmt("%s", cur.s[i]), dests.s[i] = fmt("%s", next.s[i]);
  for (uint32_t i = 0; i < nxs; i++) {
    ir_atom x = e->in[nconst + ncarry + i];
    tj_aval a = cg_aval(g, x);
    ins.s[nconst + ncarry + i] = a.rank == 1 ? fmt("v%u[t%u]", ATOM_INDEX(x), id)
                                             : fmt("v%u + t%u * %lld", ATOM_INDEX(x), id, (long long)row_size(&a));
  }
  for (uint32_t k = 0; k < nys; k++) {
    const tj_aval *a = &g->m->vars[e->out[ncarry + k]];
    dests.s[ncarry + k] = a->rank == 1 ? fmt("v%u[t%u]", e->out[ncarry + k], id)
                                       : fmt("v%u + t%u * %lld", e->out[ncarry + k], id, (long long)row_size(a));
  }
  cg_charge_iterations(g, e, length); /* known before it runs: charged at once (work.h) */
  if (reverse) cg_line(g, "for (long t%u = %lld; t%u >= 0; t%u--) {", id, (long long)length - 1, id, id);
  else cg_line(g, "for (long t%u = 0; t%u < %lld; t%u++) {", id, id, (long long)length, id);
  g->indent++;
  bool ok = loop_block(g, body, &ins, &dests, clobbers);
  carried_loop_end(g, init, ncarry, id, e->out);
  texts_free(&cur), texts_free(&next), texts_free(&ins), texts_free(&dests);
  free(clobbers);
  return ok;
}

/* platform_index: the CPU's branch, known while generating. */
bool cg_platform_index(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  int index = ir_platform_branch(ir_param_get(e, "platforms"), "'cpu'");
  if (index < 0) return cg_fail(g, "internal error: platform_index without a branch for cpu");
  cg_line(g, "v%u = %d;", e->out[0], index);
  return true;
}
