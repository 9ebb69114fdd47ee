/* Eval rules of the call and control-flow primitives: jit, cond, while and
 * scan run their sub-jaxprs with eval_sub (lax's semantics; XLA's for a
 * cond index out of range). */
#include "eval.h"

#include <stdlib.h>
#include <string.h>

bool ev_jit(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const ir_jaxpr *j = call_body(e);
  if (!j) return eval_bug(s, "%s without a jaxpr", prims[e->prim].name);
  return eval_sub(s, j, in, out);
}

/* XLA's Conditional runs the last branch for an index outside [0, n);
 * lax.switch clamps before binding, so traced code never relies on it. */
bool ev_cond(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const pval *br = ir_param_get(e, "branches");
  int n = ir_pval_njaxprs(br);
  if (n < 1) return eval_bug(s, "cond without branches");
  int64_t index = array_get_i(in[0], 0);
  if (index < 0 || index >= n) index = n - 1;
  return eval_sub(s, ir_pval_jaxpr(br, (int)index), in + 1, out);
}

/* Evaluates the while's cond_jaxpr on its consts and the carries: the
 * predicate (*pred, the caller's to free), and whether any of its
 * elements is true (a batched predicate's reduce_or, _while_lowering). */
static bool while_test(eval_state *s, const ir_jaxpr *cj, const tj_array *const *consts, int nc,
                       tj_array *const *carry, int ncarry, tj_array **pred, bool *truth) {
  const tj_array **args = calloc((size_t)(nc + ncarry) + 1, sizeof *args);
  if (!args) return eval_fail(s, "out of memory");
  memcpy(args, consts, sizeof *args * (size_t)nc);
  memcpy(args + nc, carry, sizeof *args * (size_t)ncarry);
  *pred = NULL;
  bool ok = eval_sub(s, cj, args, pred);
  free(args);
  *truth = false;
  for (int64_t i = 0; ok && !*truth && i < (*pred)->size; i++) *truth = array_get_i(*pred, i) != 0;
  return ok;
}

/* _pred_bcast_select_hlo: where a batched predicate's element is false,
 * the carry's rows it leads keep their old values. */
static void keep_finished(const tj_array *pred, tj_array *const *old, tj_array **next, int ncarry) {
  int64_t n = pred->size;
  if (pred->rank == 0) return;
  for (int i = 0; i < ncarry; i++) {
    size_t row = (size_t)(next[i]->size / n) * (size_t)dtype_size(next[i]->dtype);
    for (int64_t k = 0; k < n; k++)
      if (!array_get_i(pred, k)) memcpy((char *)next[i]->data + k * row, (const char *)old[i]->data + k * row, row);
  }
}

bool ev_while(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const ir_jaxpr *body = ir_param_jaxpr(e, "body_jaxpr"), *cj = ir_param_jaxpr(e, "cond_jaxpr");
  int cn = (int)ir_param_int(e, "cond_nconsts", 0), bn = (int)ir_param_int(e, "body_nconsts", 0);
  int ncarry = (int)e->nout;
  if (!body || !cj) return eval_bug(s, "while without its jaxprs");
  int64_t step = work_iteration(&s->works, e);
  const tj_array **args = calloc((size_t)(bn + ncarry) + 1, sizeof *args);
  tj_array **carry = calloc((size_t)ncarry + 1, sizeof *carry), **next = calloc((size_t)ncarry + 1, sizeof *next);
  bool ok = args && carry && next, truth = false;
  if (!ok) eval_fail(s, "out of memory");
  for (int i = 0; ok && i < ncarry; i++)
    ok = (carry[i] = eval_copy(s, in[cn + bn + i])) != NULL;
  tj_array *pred = NULL;
  while (ok && (ok = while_test(s, cj, in, cn, carry, ncarry, &pred, &truth)) && truth && (ok = eval_charge(s, step))) {
    memcpy(args, in + cn, sizeof *args * (size_t)bn);
    memcpy(args + bn, carry, sizeof *args * (size_t)ncarry);
    if (!(ok = eval_sub(s, body, args, next))) break;
    keep_finished(pred, carry, next, ncarry);
    array_free(pred), pred = NULL;
    eval_free_all(carry, (uint32_t)ncarry);
    memcpy(carry, next, sizeof *carry * (size_t)ncarry);
  }
  array_free(pred);
  if (ok) memcpy(out, carry, sizeof *out * (size_t)ncarry);
  else if (carry) eval_free_all(carry, (uint32_t)ncarry);
  free(args);
  free(carry);
  free(next);
  return ok;
}

/* Bytes of one leading-axis slice of a. */
static size_t row_bytes(const tj_array *a) {
  int64_t n = 1;
  for (int d = 1; d < a->rank; d++) n *= a->dims[d];
  return (size_t)n * (size_t)dtype_size(a->dtype);
}

/* xs[t] as a new array (the scan body's x). */
static tj_array *row_of(eval_state *s, const tj_array *xs, int64_t t) {
  tj_aval av = array_aval(xs, false);
  av.rank--;
  memmove(av.dims, av.dims + 1, sizeof av.dims[0] * av.rank);
  tj_array *r = eval_new(s, &av);
  if (r) memcpy(r->data, (const char *)xs->data + (size_t)t * row_bytes(xs), row_bytes(xs));
  return r;
}

/* One scan iteration at position t: body(consts, carry, xs[t]) -> carry, ys[t]. */
static bool scan_step(eval_state *s, const ir_jaxpr *body, const tj_array *const *in, int nconst, tj_array **carry,
                      int ncarry, int nxs, int64_t t, tj_array **ys, int nys) {
  int nargs = nconst + ncarry + nxs, nout = ncarry + nys;
  const tj_array **args = calloc((size_t)nargs + 1, sizeof *args);
  tj_array **xrows = calloc((size_t)nxs + 1, sizeof *xrows), **res = calloc((size_t)nout + 1, sizeof *res);
  bool ok = (args && xrows && res) || eval_fail(s, "out of memory");
  for (int i = 0; ok && i < nxs; i++) ok = (xrows[i] = row_of(s, in[nconst + ncarry + i], t)) != NULL;
  if (ok) {
    memcpy(args, in, sizeof *args * (size_t)nconst);
    memcpy(args + nconst, carry, sizeof *args * (size_t)ncarry);
    memcpy(args + nconst + ncarry, xrows, sizeof *args * (size_t)nxs);
    ok = eval_sub(s, body, args, res);
  }
  if (ok) {
    eval_free_all(carry, (uint32_t)ncarry);
    memcpy(carry, res, sizeof *carry * (size_t)ncarry);
    for (int k = 0; k < nys; k++) {
      memcpy((char *)ys[k]->data + (size_t)t * row_bytes(ys[k]), res[ncarry + k]->data, row_bytes(ys[k]));
      array_free(res[ncarry + k]);
    }
  }
  if (xrows) eval_free_all(xrows, (uint32_t)nxs);
  free(args);
  free(xrows);
  free(res);
  return ok;
}

bool ev_scan(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  const ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  int64_t length = ir_param_int(e, "length", -1);
  int nconst = (int)ir_param_int(e, "num_consts", 0), ncarry = (int)ir_param_int(e, "num_carry", 0);
  bool reverse = ir_param_bool(e, "reverse", false);
  int nxs = (int)e->nin - nconst - ncarry, nys = (int)e->nout - ncarry;
  if (!body || length < 0 || nxs < 0 || nys < 0) return eval_bug(s, "malformed scan");
  bool ok = true;
  int64_t step = work_iteration(&s->works, e);
  for (int i = 0; ok && i < ncarry; i++)
    ok = (out[i] = eval_copy(s, in[nconst + i])) != NULL;
  for (int k = 0; ok && k < nys; k++) ok = (out[ncarry + k] = eval_new_out(s, e, (uint32_t)(ncarry + k))) != NULL;
  for (int64_t i = 0; ok && i < length; i++)
    ok = eval_charge(s, step) && scan_step(s, body, in, nconst, out, ncarry, nxs, reverse ? length - 1 - i : i,
                                           out + ncarry, nys);
  if (!ok) eval_free_all(out, e->nout);
  return ok;
}

/* The branch for the CPU, the platform tjit runs on. */
bool ev_platform_index(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  (void)in;
  int index = ir_platform_branch(ir_param_get(e, "platforms"), "'cpu'");
  if (index < 0) return eval_bug(s, "platform_index without a branch for cpu");
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  array_set_i(r, 0, index);
  return true;
}
