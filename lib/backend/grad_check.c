/* tj_grad_check (tjit run --grad-check): the reverse-mode gradient of a
 * call's function against forward mode and central finite differences.
 *
 * Why w.J.v rather than the whole Jacobian: one number computed three
 * ways checks every rule the function's equations use (each one's error
 * reaches w.J.v for almost every random v and w) at the cost of a few runs
 * of the function, where the Jacobian costs one run per input element
 * (10 million in examples/fused_kernel.json).
 *
 * The programs: f's vjp (vjp_linearize's known equations, then
 * vjp_backward from cotangent inputs w, as make_jaxpr(jax.vjp(f, x)[1])
 * records them in one jaxpr) and f's jvp (jvp_replay along tangent inputs
 * v) are built on the float64 promotion of f (pass_f64), so the rules are
 * differentiated and run in float64 and the comparison with the finite
 * difference measures the rules, not float32 rounding; the vjp is built
 * once more on f as traced and compiled as tj_run compiles, the gradient
 * a user's program would get, compared at its own dtype's tolerance. */
#include "grad_check.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "ast.h"
#include "bind.h"
#include "eval.h"
#include "ir_build.h"
#include "jvp.h"
#include "pass.h"
#include "spec.h"
#include "util.h"
#include "vjp.h"
#include "work.h"

/* ---- the comparison ---- */

/* The bounds, as multiples of S, the magnitude of w.J.v's terms (the sum
 * of |g_j v_j|; or of the forward terms, or |central|, when larger: a
 * gradient wrongly zero has no magnitude of its own):
 *
 * forward: the vjp and jvp programs compute the same partial derivatives
 * in float64 and sum them in other orders, so they differ by rounding
 * alone: a few ulps per step per term, far below 1e-9 S (4.5e6 ulps of
 * S). A wrong rule is off by O(1) S.
 *
 * central: (L(x + h v) - L(x - h v)) / 2h errs by truncation plus
 * rounding. Truncation is h^2/6 |L'''|: allowing 1e-6 S accepts third
 * directional derivatives up to 6e-6 S / h^2, with h = 1e-6 s (s =
 * max(1, max |x|): the step relative to x) up to 6e6 S / s^2, so any
 * function varying on the scale of its inputs, not one next to a pole.
 * Rounding: each L is off by at most K eps M (M = sum |w_i f_i|, as far as
 * its terms can cancel; K = 256 ulps for the evaluator's chain of libm
 * calls and float64 reductions; the sum over the outputs is compensated,
 * exact to 2 eps M), so the difference by K eps M / h; and x +- h v is
 * rounded as it is formed, which moves the point by eps (|x_j| + h |v_j|)
 * per element and L by at most eps X, X = sum |g_j| (|x_j| + h |v_j|): eps
 * X / h more. So the bound is 1e-6 S + (K eps M + eps X) / h. When its
 * rounding part alone exceeds S / 100 (M huge against S: a large constant
 * added to a small slope), the difference cannot tell a wrong gradient
 * and the check fails as unresolved rather than pass (unless the
 * function is flat there: every term zero and L(x + h v) = L(x - h v)).
 *
 * compiled: the program in the traced dtypes rounds every value to its
 * dtype's eps_c (2^-23 for float32), so its gradient is off by a few eps_c
 * per step relative to the magnitudes it combines; 2^10 eps_c S (1.2e-4 S
 * in float32) allows a thousand, capped at S / 4 for float16 and bfloat16,
 * where 2^10 eps_c exceeds S (they still tell a gradient off by a
 * factor). */
enum { ROUNDING_ULPS = 256, COMPILED_ULPS = 1024 };
static const double forward_rel = 1e-9, truncation_rel = 1e-6, resolved_rel = 1e-2, compiled_rel_max = 0.25;
/* The step relative to max(1, max |x|): near the best h = (3 eps M /
 * |L'''|)^(1/3) ~ 1e-5 s for M ~ |L'''| s^3, and small enough that
 * truncation stays far below the bound above. */
static const double step_rel = 1e-6;

/* Neumaier's compensated sum: a sum of n terms within 2 eps of their
 * magnitude whatever n, so that no bound grows with the size. */
typedef struct ksum {
  double s, c;
} ksum;

static void ksum_add(ksum *k, double x) {
  double t = k->s + x;
  k->c += fabs(k->s) >= fabs(x) ? (k->s - t) + x : (x - t) + k->s;
  k->s = t;
}

static double ksum_value(const ksum *k) { return k->s + k->c; }

/* sum a_i b_i over n arrays, and sum |a_i b_i| in *magnitude. */
static double dot(const tj_array *const *a, const tj_array *const *b, uint32_t n, double *magnitude) {
  ksum s = {0, 0}, m = {0, 0};
  for (uint32_t k = 0; k < n; k++)
    for (int64_t i = 0; i < a[k]->size; i++) {
      double p = array_get_f(a[k], i) * array_get_f(b[k], i);
      ksum_add(&s, p);
      ksum_add(&m, fabs(p));
    }
  *magnitude = ksum_value(&m);
  return ksum_value(&s);
}

/* M = sum |w_i| max(|f+_i|, |f-_i|). */
static double output_magnitude(const gc_arrays *a) {
  ksum m = {0, 0};
  for (uint32_t k = 0; k < a->nout; k++)
    for (int64_t i = 0; i < a->w[k]->size; i++) {
      double f = fmax(fabs(array_get_f(a->f_plus[k], i)), fabs(array_get_f(a->f_minus[k], i)));
      ksum_add(&m, fabs(array_get_f(a->w[k], i)) * f);
    }
  return ksum_value(&m);
}

/* X = sum |g_j| (|x_j| + h |v_j|). */
static double point_magnitude(const gc_arrays *a) {
  ksum m = {0, 0};
  for (uint32_t k = 0; k < a->nin; k++)
    for (int64_t i = 0; i < a->x[k]->size; i++) {
      double x = fabs(array_get_f(a->x[k], i)) + a->h * fabs(array_get_f(a->v[k], i));
      ksum_add(&m, fabs(array_get_f(a->grad[k], i)) * x);
    }
  return ksum_value(&m);
}

double grad_step(const tj_array *const *x, uint32_t nin) {
  double s = 1;
  for (uint32_t k = 0; k < nin; k++)
    for (int64_t i = 0; i < x[k]->size; i++)
      if (isfinite(array_get_f(x[k], i))) s = fmax(s, fabs(array_get_f(x[k], i)));
  return step_rel * s;
}

/* diff / scale, the way the report shows an error or a bound. */
static double relative(double diff, double scale) {
  if (isnan(diff) || isnan(scale)) return NAN;
  return scale > 0 ? diff / scale : diff > 0 ? INFINITY : 0;
}

void grad_compare(const gc_arrays *a, tj_grad_report *r) {
  double s_rev, s_fwd, s_cmp = 0, dummy;
  r->step = a->h;
  r->reverse = dot(a->grad, a->v, a->nin, &s_rev);
  r->forward = dot(a->w, a->tangent, a->nout, &s_fwd);
  double lp = dot(a->w, a->f_plus, a->nout, &dummy), lm = dot(a->w, a->f_minus, a->nout, &dummy);
  r->central = (lp - lm) / (2 * a->h);
  r->compiled_run = a->grad_compiled != NULL;
  r->compiled = a->grad_compiled ? dot(a->grad_compiled, a->v, a->nin, &s_cmp) : 0;
  double scale = fmax(fmax(s_rev, s_fwd), fabs(r->central));
  double rounding = (ROUNDING_ULPS * DBL_EPSILON * output_magnitude(a) + DBL_EPSILON * point_magnitude(a)) / a->h;
  double tol_fwd = forward_rel * scale, tol_cen = truncation_rel * scale + rounding;
  double scale_c = fmax(scale, s_cmp), tol_cmp = fmin(COMPILED_ULPS * a->eps_compiled, compiled_rel_max) * scale_c;
  double d_fwd = fabs(r->forward - r->reverse), d_cen = fabs(r->central - r->reverse);
  double d_cmp = fabs(r->compiled - r->reverse);
  r->err_forward = relative(d_fwd, scale), r->tol_forward = relative(tol_fwd, scale);
  r->err_central = relative(d_cen, scale), r->tol_central = relative(tol_cen, scale);
  r->err_compiled = relative(d_cmp, scale_c), r->tol_compiled = relative(tol_cmp, scale_c);
  /* NaN: not resolved; a function flat at this point (both differences
   * equal, every gradient term zero: an accuracy's piecewise constant)
   * is resolved: its zero gradient is what the difference measures */
  r->resolved = !(rounding > resolved_rel * scale) || (scale == 0 && lp == lm);
  r->finite = isfinite(r->reverse) && isfinite(r->forward) && isfinite(r->central) && isfinite(r->compiled);
  r->ok_forward = d_fwd <= tol_fwd, r->ok_central = d_cen <= tol_cen; /* false for a NaN */
  r->ok_compiled = !a->grad_compiled || d_cmp <= tol_cmp;
  r->pass = r->ok_forward && r->ok_central && r->ok_compiled && r->resolved && r->finite;
}

/* ---- the programs ---- */

/* One call's check: the traced function and what is built from it. */
typedef struct gcheck {
  tj_ctx *ctx;
  const tj_run_opts *o;
  const tj_jaxpr *traced;
  const char *fn;              /* the function's name, for the equation budget */
  uint32_t nin, nout;          /* f's inputs and outputs */
  bool *float_in, *float_out;  /* which are differentiated / get a cotangent */
  uint32_t nfin, nfout;
} gcheck;

static ir_atom *atoms(uint32_t n) {
  ir_atom *a = calloc(n ? n : 1, sizeof *a);
  if (!a) TJ_OOM();
  return a;
}

/* A new jaxpr of m reading f's constvars, its inputs f's inputs and then
 * one of each aval in extra[0..nextra); their atoms into in. */
static ir_jaxpr *program(ir_module *m, const tj_aval *extra, uint32_t nextra, ir_atom *in) {
  const ir_jaxpr *f = m->top;
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->constvars = f->constvars, j->nconst = f->nconst;
  uint32_t n = f->nin + nextra;
  tj_aval *avals = calloc(n ? n : 1, sizeof *avals);
  uint32_t *vars = calloc(n ? n : 1, sizeof *vars);
  if (!avals || !vars) TJ_OOM();
  for (uint32_t i = 0; i < f->nin; i++) avals[i] = m->vars[f->invars[i]];
  if (nextra) memcpy(avals + f->nin, extra, sizeof *extra * nextra);
  ir_build_invars(m, j, avals, n, vars);
  for (uint32_t i = 0; i < n; i++) in[i] = ATOM_VAR(vars[i]);
  free(vars);
  free(avals);
  return j;
}

/* The avals of f's float outputs (of_outputs) or float inputs. */
static tj_aval *float_avals(const gcheck *g, const ir_module *m, bool of_outputs) {
  const ir_jaxpr *f = m->top;
  uint32_t n = of_outputs ? f->nout : f->nin, k = 0;
  tj_aval *a = calloc(n ? n : 1, sizeof *a);
  if (!a) TJ_OOM();
  for (uint32_t i = 0; i < n; i++)
    if (of_outputs ? g->float_out[i] : g->float_in[i])
      a[k++] = of_outputs ? ir_atom_aval(m, f->outs[i]) : m->vars[f->invars[i]];
  return a;
}

/* The cotangents of f's float inputs: each zero made (ad.instantiate_zeros). */
static bool instantiated(const gcheck *g, const jvp_target *t, const ir_atom *x, const ir_atom *got, ir_atom *outs) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < g->nin; i++) {
    if (!g->float_in[i]) continue;
    tj_aval a = ir_atom_aval(t->m, x[i]);
    outs[k] = got[i];
    if (got[i] == JVP_ZERO && !jvp_zeros(t, &a, span_make(0, 0), &outs[k])) return false;
    k++;
  }
  return true;
}

/* f's vjp in m (f is m's top): inputs f's, then a cotangent per float
 * output; outputs the cotangents of the float inputs. NULL with the
 * error (a rule missing) in the context. */
static ir_jaxpr *vjp_program(const gcheck *g, ir_module *m) {
  const ir_jaxpr *f = m->top;
  tj_aval *w = float_avals(g, m, true);
  ir_atom *in = atoms(f->nin + g->nfout), *out_p = atoms(f->nout), *cts = atoms(f->nout);
  ir_atom *grads = atoms(f->nin), *outs = atoms(g->nfin);
  ir_jaxpr *j = program(m, w, g->nfout, in);
  uint32_t neqns = 0;
  struct jvp_memo *memo = NULL;
  jvp_target t = {m, j, &g->ctx->diags, &neqns, TJ_MAX_EQNS, g->fn, &memo, NULL, NULL, NULL};
  vjp_linear lin;
  bool ok = vjp_linearize(&t, f, in, g->float_in, out_p, &lin);
  for (uint32_t i = 0, k = f->nin; i < f->nout; i++) cts[i] = g->float_out[i] ? in[k++] : JVP_ZERO;
  ok = ok && vjp_backward(&t, &lin, cts, span_make(0, 0), grads) && instantiated(g, &t, in, grads, outs);
  if (ok) ir_build_outs(m, j, outs, g->nfin);
  free(w), free(in), free(out_p), free(cts), free(grads), free(outs);
  return ok ? j : NULL;
}

/* f's jvp in m: inputs f's, then a tangent per float input; outputs the
 * tangents of the float outputs. */
static ir_jaxpr *jvp_program(const gcheck *g, ir_module *m) {
  const ir_jaxpr *f = m->top;
  tj_aval *v = float_avals(g, m, false);
  ir_atom *in = atoms(f->nin + g->nfin), *tin = atoms(f->nin), *out_p = atoms(f->nout), *out_t = atoms(f->nout);
  ir_atom *outs = atoms(g->nfout);
  ir_jaxpr *j = program(m, v, g->nfin, in);
  for (uint32_t i = 0, k = f->nin; i < f->nin; i++) tin[i] = g->float_in[i] ? in[k++] : JVP_ZERO;
  uint32_t neqns = 0;
  struct jvp_memo *memo = NULL;
  jvp_target t = {m, j, &g->ctx->diags, &neqns, TJ_MAX_EQNS, g->fn, &memo, NULL, NULL, NULL};
  bool ok = jvp_replay(&t, f, in, tin, out_p, out_t);
  for (uint32_t i = 0, k = 0; ok && i < f->nout; i++) {
    if (!g->float_out[i]) continue;
    tj_aval a = ir_atom_aval(m, f->outs[i]);
    outs[k] = out_t[i];
    if (out_t[i] == JVP_ZERO) ok = jvp_zeros(&t, &a, span_make(0, 0), &outs[k]);
    k++;
  }
  if (ok) ir_build_outs(m, j, outs, g->nfout);
  free(v), free(in), free(tin), free(out_p), free(out_t), free(outs);
  return ok ? j : NULL;
}

/* ir_check of j as if it were m's top: the rules' output is well typed
 * (an error is a bug of a rule's). */
static bool well_typed(ir_module *m, ir_jaxpr *j, diag_list *d) {
  ir_jaxpr *top = m->top;
  m->top = j;
  bool ok = ir_check(m, d);
  m->top = top;
  return ok;
}

/* The vjp and jvp programs of m's f, checked. TJ_OK, or the error. */
static tj_status build_programs(const gcheck *g, ir_module *m, ir_jaxpr **vjp, ir_jaxpr **jvp) {
  diag_list *d = &g->ctx->diags;
  *vjp = vjp_program(g, m);
  *jvp = *vjp ? jvp_program(g, m) : NULL;
  if (!*vjp || !*jvp) {
    diag_note(d, "--grad-check differentiates the function in reverse mode (vjp) and forward mode (jvp)");
    return diag_last_is_budget(d) ? TJ_ERR_BUDGET : TJ_ERR_PROGRAM;
  }
  return well_typed(m, *vjp, d) && well_typed(m, *jvp, d) ? TJ_OK : TJ_ERR_INTERNAL;
}

/* ---- the arrays ---- */

/* splitmix64: the check's own generator, seeded per call (no state
 * outside it). */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A new array of aval a's shape and dtype dt, or NULL after the budget's
 * out-of-memory error. */
static tj_array *new_array(tj_ctx *ctx, const tj_aval *a, tj_dtype dt) {
  tj_aval b = *a;
  b.dtype = dt;
  tj_array *r = array_new(&b);
  if (!r) diag_out_of_memory(&ctx->diags, TJ_NOMEM_FMT "a gradient check array", array_bytes(&b));
  return r;
}

/* Random k/128, k in [-128, 128]: 8 significant bits, exact in every
 * float dtype (bfloat16 has 8), so the compiled program reads the same
 * cotangents as the float64 ones. */
static tj_array *random_array(tj_ctx *ctx, const tj_aval *a, tj_dtype dt, uint64_t *state) {
  tj_array *r = new_array(ctx, a, dt);
  for (int64_t i = 0; r && i < r->size; i++) array_set_f(r, i, (double)((int)(next_random(state) % 257) - 128) / 128);
  return r;
}

/* a as float64 (exactly), plus sign * h * v when v is given. */
static tj_array *widened(tj_ctx *ctx, const tj_array *a, const tj_array *v, double sign_h) {
  tj_aval av = array_aval(a, false);
  tj_array *r = new_array(ctx, &av, DT_F64);
  for (int64_t i = 0; r && i < r->size; i++)
    array_set_f(r, i, array_get_f(a, i) + (v ? sign_h * array_get_f(v, i) : 0));
  return r;
}

static void free_arrays(tj_array **a, uint32_t n) {
  for (uint32_t i = 0; a && i < n; i++) array_free(a[i]);
  free(a);
}

static tj_array **arrays(uint32_t n) {
  tj_array **a = calloc(n ? n : 1, sizeof *a);
  if (!a) TJ_OOM();
  return a;
}

/* Everything the comparison reads, and the inputs it is made from. */
typedef struct gc_data {
  tj_array **args;             /* f's inputs, as the spec gives them */
  tj_array **x, **v;           /* per float input: x in float64, the direction */
  tj_array **w, **w_own;       /* per float output: the cotangent in float64 and in the output's dtype */
  tj_array **grad, **grad_c, **tangent, **f_plus, **f_minus;
} gc_data;

static void gc_data_free(const gcheck *g, gc_data *d) {
  free_arrays(d->args, g->nin);
  free_arrays(d->x, g->nfin), free_arrays(d->v, g->nfin);
  free_arrays(d->w, g->nfout), free_arrays(d->w_own, g->nfout);
  free_arrays(d->grad, g->nfin), free_arrays(d->grad_c, g->nfin);
  free_arrays(d->tangent, g->nfout), free_arrays(d->f_plus, g->nfout), free_arrays(d->f_minus, g->nfout);
}

/* The spec's arguments, then x, v and w. */
static tj_status make_inputs(const gcheck *g, const tj_spec *spec, uint64_t seed, gc_data *d) {
  const ir_module *m = g->traced->m;
  tj_aval *avals = calloc(g->nin + 1, sizeof *avals);
  if (!avals) TJ_OOM();
  for (uint32_t i = 0; i < g->nin; i++) avals[i] = m->vars[m->top->invars[i]];
  d->args = arrays(g->nin);
  diag_set_kind(&g->ctx->diags, DIAG_KIND_SPEC); /* the arguments' values */
  tj_status st = run_argument_arrays(g->ctx, spec, g->nin, g->traced->invar_json, avals, g->o->fill_random, d->args);
  free(avals);
  diag_set_kind(&g->ctx->diags, DIAG_KIND_RUN);
  if (st != TJ_OK) return st;
  d->x = arrays(g->nfin), d->v = arrays(g->nfin), d->w = arrays(g->nfout), d->w_own = arrays(g->nfout);
  uint64_t state = seed;
  for (uint32_t i = 0, k = 0; i < g->nin; i++) {
    if (!g->float_in[i]) continue;
    tj_aval a = array_aval(d->args[i], false);
    if (!(d->x[k] = widened(g->ctx, d->args[i], NULL, 0)) || !(d->v[k] = random_array(g->ctx, &a, DT_F64, &state)))
      return TJ_ERR_BUDGET;
    k++;
  }
  for (uint32_t i = 0, k = 0; i < g->nout; i++) {
    if (!g->float_out[i]) continue;
    tj_aval a = ir_atom_aval(m, m->top->outs[i]);
    uint64_t again = state;
    if (!(d->w[k] = random_array(g->ctx, &a, DT_F64, &state)) ||
        !(d->w_own[k] = random_array(g->ctx, &a, a.dtype, &again)))
      return TJ_ERR_BUDGET;
    k++;
  }
  return TJ_OK;
}

static long long max_work(const tj_run_opts *o) {
  if (o->max_work <= 0) return TJ_MAX_WORK;
  return o->max_work < TJ_WORK_SATURATED ? o->max_work : TJ_WORK_SATURATED;
}

/* j of m evaluated on in (its invars' arrays); its float outputs (per
 * keep, or all when keep is NULL) into out. */
static tj_status evaluate(const gcheck *g, const ir_module *m, const ir_jaxpr *j, tj_array **in, const bool *keep,
                          tj_array **out) {
  diag_at at = {&g->ctx->diags, NULL, span_make(0, 0), NULL};
  tj_array **all = arrays(j->nout);
  tj_status st = eval_jaxpr_budget(&at, m, j, (const tj_array *const *)in, all, max_work(g->o));
  for (uint32_t i = 0, k = 0; st == TJ_OK && i < j->nout; i++) {
    if (keep && !keep[i]) continue;
    out[k++] = all[i], all[i] = NULL;
  }
  free_arrays(all, st == TJ_OK ? j->nout : 0);
  return st;
}

/* f's inputs with the float ones from x (or x + sign h v), then extra. */
static tj_array **inputs(const gcheck *g, const gc_data *d, double sign_h, tj_array **extra, uint32_t nextra,
                         bool *made) {
  tj_array **in = arrays(g->nin + nextra);
  *made = true;
  for (uint32_t i = 0, k = 0; i < g->nin; i++) {
    if (!g->float_in[i]) { in[i] = d->args[i]; continue; }
    in[i] = sign_h != 0 ? widened(g->ctx, d->x[k], d->v[k], sign_h) : d->x[k];
    if (!in[i]) *made = false;
    k++;
  }
  if (nextra) memcpy(in + g->nin, extra, sizeof *in * nextra);
  return in;
}

/* Frees the float inputs that inputs() made for a step. */
static void free_stepped(const gcheck *g, tj_array **in, bool stepped) {
  for (uint32_t i = 0; stepped && i < g->nin; i++)
    if (g->float_in[i]) array_free(in[i]);
  free(in);
}

/* L's values at x +- h v: f64's f there. */
static tj_status differences(const gcheck *g, const ir_module *m64, const ir_jaxpr *f, double h, gc_data *d) {
  d->f_plus = arrays(g->nfout), d->f_minus = arrays(g->nfout);
  tj_status st = TJ_OK;
  for (int side = 0; side < 2 && st == TJ_OK; side++) {
    bool made;
    tj_array **in = inputs(g, d, side ? -h : h, NULL, 0, &made);
    st = made ? evaluate(g, m64, f, in, g->float_out, side ? d->f_minus : d->f_plus) : TJ_ERR_BUDGET;
    free_stepped(g, in, true);
  }
  return st;
}

/* The float64 programs run: the gradient, the tangent, the differences. */
static tj_status run_f64(const gcheck *g, gc_data *d, double h) {
  ir_module *m64 = pass_f64(g->traced->m, &g->ctx->diags);
  if (!m64) return TJ_ERR_PROGRAM;
  ir_jaxpr *f = m64->top, *vjp, *jvp;
  tj_status st = build_programs(g, m64, &vjp, &jvp);
  bool made;
  if (st == TJ_OK) {
    tj_array **in = inputs(g, d, 0, d->w, g->nfout, &made);
    d->grad = arrays(g->nfin);
    st = evaluate(g, m64, vjp, in, NULL, d->grad);
    free(in);
  }
  if (st == TJ_OK) {
    tj_array **in = inputs(g, d, 0, d->v, g->nfin, &made);
    d->tangent = arrays(g->nfout);
    st = evaluate(g, m64, jvp, in, NULL, d->tangent);
    free(in);
  }
  if (st == TJ_OK) st = differences(g, m64, f, h, d);
  ir_free(m64);
  return st;
}

/* The vjp of f as traced, compiled and run on the spec's arguments. */
static tj_status run_compiled(const gcheck *g, gc_data *d) {
  ir_module *m = ir_clone(g->traced->m);
  ir_jaxpr *vjp = vjp_program(g, m);
  tj_status st = vjp && well_typed(m, vjp, &g->ctx->diags) ? TJ_OK : vjp ? TJ_ERR_INTERNAL : TJ_ERR_PROGRAM;
  if (st == TJ_OK) {
    tj_array **in = arrays(g->nin + g->nfout);
    memcpy(in, d->args, sizeof *in * g->nin);
    memcpy(in + g->nin, d->w_own, sizeof *in * g->nfout);
    m->top = vjp;
    d->grad_c = arrays(g->nfin);
    st = run_module(g->ctx, m, g->o, in, d->grad_c);
    free(in);
  }
  ir_free(m);
  return st;
}

/* Machine epsilon of the narrowest float dtype m computes in. */
static double narrowest_eps(const ir_module *m) {
  double eps = DBL_EPSILON;
  for (uint32_t v = 0; v < m->nvars; v++) {
    tj_dtype t = m->vars[v].dtype;
    double e = t == DT_F32 ? FLT_EPSILON : t == DT_F16 ? 0x1p-10 : t == DT_BF16 ? 0x1p-7 : DBL_EPSILON;
    eps = fmax(eps, e);
  }
  return eps;
}

static tj_status check_traced(gcheck *g, const tj_spec *spec, uint64_t seed, tj_grad_report *r) {
  const ir_module *m = g->traced->m;
  g->nin = m->top->nin, g->nout = m->top->nout;
  g->float_in = calloc(g->nin + g->nout + 1, sizeof *g->float_in);
  if (!g->float_in) TJ_OOM();
  g->float_out = g->float_in + g->nin;
  for (uint32_t i = 0; i < g->nin; i++) g->nfin += g->float_in[i] = dtype_is_float(m->vars[m->top->invars[i]].dtype);
  for (uint32_t i = 0; i < g->nout; i++) g->nfout += g->float_out[i] = dtype_is_float(ir_atom_aval(m, m->top->outs[i]).dtype);
  r->ninputs = (int)g->nfin, r->noutputs = (int)g->nfout;
  r->int_inputs = (int)(g->nin - g->nfin), r->int_outputs = (int)(g->nout - g->nfout);
  r->pass = r->resolved = r->finite = 1;
  r->ok_forward = r->ok_central = r->ok_compiled = 1;
  if (!g->nfin || !g->nfout) return TJ_OK; /* nothing to differentiate: the check is vacuous */
  gc_data d = {0};
  tj_status st = make_inputs(g, spec, seed, &d);
  double h = st == TJ_OK ? grad_step((const tj_array *const *)d.x, g->nfin) : 0;
  if (st == TJ_OK) st = run_f64(g, &d, h);
  if (st == TJ_OK && !g->o->reference) st = run_compiled(g, &d);
  if (st == TJ_OK) {
    gc_arrays a = {g->nfin, g->nfout, (const tj_array *const *)d.x, (const tj_array *const *)d.v,
                   (const tj_array *const *)d.grad, g->o->reference ? NULL : (const tj_array *const *)d.grad_c,
                   (const tj_array *const *)d.w, (const tj_array *const *)d.tangent,
                   (const tj_array *const *)d.f_plus, (const tj_array *const *)d.f_minus, h, narrowest_eps(m)};
    grad_compare(&a, r);
  }
  gc_data_free(g, &d);
  return st;
}

tj_status tj_grad_check(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts, unsigned long long seed,
                        tj_grad_report *out) {
  tj_run_opts o = opts ? *opts : tj_run_defaults();
  tj_arena a = {0};
  bound_call bc = {0};
  memset(out, 0, sizeof *out);
  tj_jaxpr *j = NULL;
  tj_status st;
  if (spec->listing) { /* its values as a run takes them; "jaxpr" names it in messages */
    if (o.fill_random < 0) o.fill_random = o.trace.fill_random;
    st = api_listing_trace(ctx, spec, &o.trace, o.fill_random, LISTING_NEED_ALL, &j);
  } else {
    st = api_bind(ctx, spec, &o.trace, &a, &bc);
    if (st == TJ_OK) st = api_trace_bound(ctx, spec, &bc, o.trace.autograph, &j, NULL, NULL);
  }
  if (st == TJ_OK) {
    gcheck g = {.ctx = ctx, .o = &o, .traced = j,
                .fn = spec->listing ? "jaxpr" : name_str(spec->program->names, bc.entry->name)};
    diag_set_kind(&ctx->diags, DIAG_KIND_RUN);
    st = check_traced(&g, spec, seed, out);
    free(g.float_in);
  }
  tj_jaxpr_free(j);
  arena_free(&a);
  return st;
}
