/* Block loops across threads (issue 17 item 5). libtcc has no OpenMP and
 * C no closures, so a large block loop is outlined: its text goes into a
 * static function tj_pN(c, lo, hi) over a range of its blocks (or rows),
 * the variables it reads and writes passed in the array c, and the code
 * calls tj_rt_par (jit.c, par_rt.c), which runs it on the program's
 * threads or, with one thread, once over everything.
 *
 * Each element (row) is computed by the same kernel calls whichever part
 * it falls in, and parts start at block (row) boundaries, so the results
 * are the same bits for any thread count: the C does not depend on it,
 * which keeps the disk cache's entries valid for every --threads. */
#include "codegen.h"

#include <stdio.h>
#include <stdlib.h>

/* Loops over fewer elements stay in the caller: a hand-over to the
 * workers (a condition variable's wake-up) costs tens of microseconds on
 * the 2-core development machine. Measured there (medians of 100 warm
 * runs, 1 thread against 2, ms): x*3+1 of 1M 0.16 vs 0.14-0.18, of 4M 1.10
 * vs 0.60; sin(x)*3+1 of 512K 0.32 vs 0.20-0.33, of 1M 0.62 vs 0.37, of
 * 4M 2.8 vs 1.4; at 128K neither gains (and a loop right after an
 * OpenBLAS call, whose threads still spin, loses). */
#define PAR_MIN_ELEMENTS (1LL << 20)

/* Whether variable v is one the loop's text names (vN): defined before
 * the loop, not a block temporary of the group. */
static bool captured(const cg *g, uint32_t v) { return g->vars[v].state == CV_DEFINED; }

static bool listed(const uint32_t *vs, uint32_t n, uint32_t v) {
  for (uint32_t i = 0; i < n; i++)
    if (vs[i] == v) return true;
  return false;
}

/* The C name the loop's text reads scalar v by: vN, or in a loop body the
 * local its text is (a carry's cK_N); NULL when its text is an
 * expression, which the function could not take by address. */
static const char *scalar_name(const cg *g, uint32_t v, char *buf, size_t size) {
  const char *t = g->vars[v].text;
  if (!t) {
    snprintf(buf, size, "v%u", v);
    return buf;
  }
  return *t && cg_is_name(t) ? t : NULL;
}

static void capture(cg *g, cg_par *par, uint32_t v) {
  if (!captured(g, v) || listed(par->vars, par->nvars, v)) return;
  if (par->nvars == par->cap) {
    par->cap = par->cap ? 2 * par->cap : 16;
    if (!(par->vars = realloc(par->vars, par->cap * sizeof *par->vars))) TJ_OOM();
  }
  par->vars[par->nvars++] = v;
}

static void capture_eqn(cg *g, cg_par *par, const ir_eqn *e) {
  for (uint32_t i = 0; i < e->nin; i++)
    if (!ATOM_IS_LIT(e->in[i])) capture(g, par, ATOM_INDEX(e->in[i]));
  for (uint32_t o = 0; o < e->nout; o++) capture(g, par, e->out[o]);
}

/* From here on the loop's text goes to the function, which begins by
 * taking the captured variables out of c[] under the names the text
 * reads; false, nothing begun, when a scalar has no such name. */
static bool open_function(cg *g, cg_par *par) {
  char name[32];
  for (uint32_t i = 0; i < par->nvars; i++)
    if (g->vars[par->vars[i]].scalar && !scalar_name(g, par->vars[i], name, sizeof name)) {
      free(par->vars);
      *par = (cg_par){0};
      return false;
    }
  par->on = true;
  par->caller = g->out, par->indent = g->indent;
  g->out = &par->body, g->indent = 1;
  for (uint32_t i = 0; i < par->nvars; i++) {
    uint32_t v = par->vars[i];
    const char *T = cg_type(g->m->vars[v].dtype);
    if (g->vars[v].scalar) cg_line(g, "%s %s = *(%s *)c[%u];", T, scalar_name(g, v, name, sizeof name), T, i);
    else cg_line(g, "%s *v%u = (%s *)c[%u];", T, v, T, i);
  }
  return true;
}

bool cg_par_begin(cg *g, const ir_jaxpr *j, const cg_info *in, uint32_t first, uint32_t end, long long elements,
                  cg_par *par) {
  *par = (cg_par){0};
  if (elements < PAR_MIN_ELEMENTS) return false;
  for (uint32_t k = first; k < end; k++)
    if (in->live[k]) capture_eqn(g, par, &j->eqns[k]);
  return open_function(g, par);
}

bool cg_par_begin_eqn(cg *g, const ir_eqn *e, long long elements, cg_par *par) {
  *par = (cg_par){0};
  if (elements < PAR_MIN_ELEMENTS) return false;
  capture_eqn(g, par, e);
  return open_function(g, par);
}

void cg_par_end(cg *g, cg_par *par, long long items, long long grain) {
  if (!par->on) return;
  uint32_t f = g->nloops++;
  g->out = par->caller, g->indent = par->indent;
  buf_printf(&g->functions, "static void tj_p%u(void *const *c, long lo, long hi) {\n", f);
  if (par->body.data) buf_puts(&g->functions, par->body.data);
  buf_puts(&g->functions, "}\n");
  tj_buf args = {0};
  char name[32];
  for (uint32_t i = 0; i < par->nvars; i++) {
    uint32_t v = par->vars[i];
    if (g->vars[v].scalar) buf_printf(&args, "%s(void *)&%s", i ? ", " : "", scalar_name(g, v, name, sizeof name));
    else buf_printf(&args, "%s(void *)v%u", i ? ", " : "", v);
  }
  cg_line(g, "{ /* on the threads, in parts of whole blocks or rows */");
  cg_line(g, "  void *const c[] = {%s};", args.data ? args.data : "0");
  cg_line(g, "  %s(rt, tj_p%u, c, %lld, %lld);", cg_fn(g, "tj_rt_par"), f, items, grain);
  cg_line(g, "}");
  buf_free(&args);
  buf_free(&par->body);
  free(par->vars);
}
