/* The work budget's measure (see work.h). */
#include "work.h"

#include <stdlib.h>

#include "limits.h"
#include "prims.h"
#include "util.h"

work_table work_new(const ir_module *m) {
  work_table w = {m, calloc(m->njaxprs + 1u, sizeof(int64_t))};
  if (!w.known) TJ_OOM();
  return w;
}

void work_free(work_table *w) {
  free(w->known);
  w->known = NULL;
}

int64_t work_add(int64_t a, int64_t b) {
  return a >= TJ_WORK_SATURATED - b ? TJ_WORK_SATURATED : a + b;
}

static int64_t work_mul(int64_t a, int64_t b) {
  return a && b > TJ_WORK_SATURATED / a ? TJ_WORK_SATURATED : a * b;
}

static int64_t atom_elements(const ir_module *m, ir_atom a) {
  if (ATOM_IS_LIT(a)) return 1;
  int64_t n = aval_size(&m->vars[ATOM_INDEX(a)]);
  return n < TJ_WORK_SATURATED ? n : TJ_WORK_SATURATED;
}

/* A dot_general's contraction length: the product of the lhs's
 * contracting dimensions (dimension_numbers (([lc], [rc]), batch)). */
static int64_t contraction(const ir_module *m, const ir_eqn *e) {
  ir_dot_dims d;
  if (!ir_dot_dims_read(e, &d) || ATOM_IS_LIT(e->in[0])) return 1;
  const tj_aval *lhs = &m->vars[ATOM_INDEX(e->in[0])];
  int64_t n = 1;
  for (int i = 0; i < d.nlc; i++)
    if (d.lc[i] >= 0 && d.lc[i] < lhs->rank) n = work_mul(n, lhs->dims[d.lc[i]]);
  return n;
}

/* A convolution's multiply-adds per output element: one kernel's
 * elements per output feature (kernel positions x input features of a
 * group), as a dot_general's contraction. */
static int64_t conv_window(const ir_module *m, const ir_eqn *e) {
  if (ATOM_IS_LIT(e->in[1])) return 1;
  const tj_aval *rhs = &m->vars[ATOM_INDEX(e->in[1])];
  ir_conv_dims d;
  if (!ir_pval_conv_dims(ir_param_get(e, "dimension_numbers"), &d) || d.rank != rhs->rank) return 1;
  int64_t out_features = rhs->dims[d.spec[1][0]];
  return out_features ? aval_size(rhs) / out_features : 0;
}

/* What the equation's sub-jaxprs add: a jit's jaxpr, a cond's costliest
 * branch; nothing for a loop's (charged per iteration) or a combiner's. */
static int64_t sub_work(work_table *w, const ir_eqn *e) {
  if (e->prim == P_jit || e->prim == P_custom_jvp_call || e->prim == P_custom_vjp_call) {
    const ir_jaxpr *j = call_body(e);
    return j ? work_jaxpr(w, j) : 0;
  }
  int64_t most = 0;
  const pval *br = e->prim == P_cond ? ir_param_get(e, "branches") : NULL;
  for (int b = 0; b < ir_pval_njaxprs(br); b++) {
    int64_t x = work_jaxpr(w, ir_pval_jaxpr(br, b));
    if (x > most) most = x;
  }
  return most;
}

/* Elements of a windowed reduction's window (1 if unreadable). */
static int64_t window_elements(const ir_eqn *e) {
  int64_t d[TJ_MAX_RANK], n = 1;
  int rank = ir_param_ints(e, "window_dimensions", d, TJ_MAX_RANK);
  for (int i = 0; i < rank; i++) n = work_mul(n, d[i] > 0 ? d[i] : 1);
  return n;
}

/* svd_p's one-sided Jacobi: each sweep reads every pair of the short
 * side's columns (elements x short side), some 8 sweeps to converge. */
static int64_t svd_work(const ir_module *m, const ir_eqn *e) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  if (a.rank < 2) return 0;
  int64_t side = a.dims[a.rank - 1] < a.dims[a.rank - 2] ? a.dims[a.rank - 1] : a.dims[a.rank - 2];
  return work_mul(work_mul(aval_size(&a), side), 8);
}

static int64_t eqn_work(work_table *w, const ir_eqn *e) {
  int64_t n = TJ_WORK_PER_EQN, outs = 0;
  for (uint32_t i = 0; i < e->nin; i++) n = work_add(n, atom_elements(w->m, e->in[i]));
  for (uint32_t k = 0; k < e->nout; k++) outs = work_add(outs, aval_size(&w->m->vars[e->out[k]]));
  if (e->prim == P_dot_general && e->nin == 2) outs = work_mul(outs, contraction(w->m, e));
  if (e->prim == P_reduce_window_sum || e->prim == P_reduce_window_max || e->prim == P_reduce_window_min ||
      e->prim == P_select_and_gather_add || e->prim == P_select_and_scatter_add)
    outs = work_mul(outs, window_elements(e)); /* each output reads its window */
  if (e->prim == P_conv_general_dilated && e->nin == 2) outs = work_mul(outs, conv_window(w->m, e));
  if (e->prim == P_svd && e->nin == 1) outs = work_add(outs, svd_work(w->m, e));
  return work_add(work_add(n, outs), sub_work(w, e));
}

int64_t work_jaxpr(work_table *w, const ir_jaxpr *j) {
  if (j->id < w->m->njaxprs && w->known[j->id]) return w->known[j->id] - 1;
  int64_t n = 0;
  for (uint32_t k = 0; k < j->neqns; k++) n = work_add(n, eqn_work(w, &j->eqns[k]));
  if (j->id < w->m->njaxprs) w->known[j->id] = n + 1;
  return n;
}

int64_t work_iteration(work_table *w, const ir_eqn *e) {
  int64_t n = TJ_WORK_PER_EQN;
  const ir_jaxpr *body = ir_param_jaxpr(e, e->prim == P_while ? "body_jaxpr" : "jaxpr");
  const ir_jaxpr *cond = e->prim == P_while ? ir_param_jaxpr(e, "cond_jaxpr") : NULL;
  if (body) n = work_add(n, work_jaxpr(w, body));
  if (cond) n = work_add(n, work_jaxpr(w, cond));
  return n;
}

int64_t work_iterations(work_table *w, const ir_eqn *e, int64_t count) {
  return count > 0 ? work_mul(count, work_iteration(w, e)) : 0;
}

void work_budget_report(diag_list *d, long long max_work) {
  diag_kind before = diag_set_kind(d, DIAG_KIND_BUDGET);
  diag_error(d, NULL, span_make(0, 0), "too much work (limit is %lld elements read and written): does a loop ever end?",
             max_work);
  diag_note(d, "a run is charged the elements its equations read and write, a loop's body at every "
               "iteration (see tjit-run(1)); --max-work sets another budget");
  diag_set_kind(d, before);
}
