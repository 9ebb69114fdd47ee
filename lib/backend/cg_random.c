/* C rules of the PRNG primitives (issue 16): threefry2x32_p as calls of
 * the runtime (random_rt.c), whose rounds are lib/base/threefry.h's, the
 * evaluator's: one call over the whole array when each operand is a
 * single value or has the output's shape (jax.random's own uses), else
 * one call per element in a loop nest over the output. */
#include "codegen.h"

/* Operand a's element at the output coordinate i0..i{rank-1}: its own
 * row-major index, its 1-sized dimensions broadcast. */
static void broadcast_index(const tj_aval *a, tj_buf *idx) {
  int64_t st = 1;
  buf_puts(idx, "0");
  for (int d = a->rank - 1; d >= 0; d--) {
    if (a->dims[d] != 1) buf_printf(idx, " + i%d * %lld", d, (long long)st);
    st *= a->dims[d];
  }
}

/* The general case: per output element, the four operands' elements into
 * locals, hashed by a call over one pair. */
static void threefry_loops(cg *g, const ir_eqn *e, const tj_aval *o) {
  tj_buf el[4] = {{0}}, out0 = {0}, out1 = {0};
  int levels = cg_loops_begin(g, o, "i");
  for (int k = 0; k < 4; k++) {
    tj_aval a = cg_aval(g, e->in[k]);
    tj_buf idx = {0};
    if (a.rank) broadcast_index(&a, &idx);
    cg_elem(g, e->in[k], a.rank ? idx.data : NULL, &el[k]);
    buf_free(&idx);
  }
  cg_elem(g, ATOM_VAR(e->out[0]), "i", &out0), cg_elem(g, ATOM_VAR(e->out[1]), "i", &out1);
  cg_line(g, "u32 k0 = %s, k1 = %s, x0 = %s, x1 = %s;", el[0].data, el[1].data, el[2].data, el[3].data);
  cg_line(g, "%s(&k0, 0, &k1, 0, &x0, 0, &x1, 0, &%s, &%s, 1);", cg_fn(g, "tj_rt_threefry2x32"), out0.data,
          out1.data);
  cg_loops_end(g, levels);
  for (int k = 0; k < 4; k++) buf_free(&el[k]);
  buf_free(&out0), buf_free(&out1);
}

bool cg_threefry2x32(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval o = cg_aval(g, ATOM_VAR(e->out[0]));
  int64_t n = cg_size(&o);
  if (n == 0) return true;
  for (int k = 0; k < 4; k++) {
    tj_aval a = cg_aval(g, e->in[k]);
    if (cg_size(&a) != 1 && cg_size(&a) != n) {
      threefry_loops(g, e, &o);
      return true;
    }
  }
  uint32_t id = cg_fresh(g);
  tj_buf args = {0}, o0 = {0}, o1 = {0};
  cg_line(g, "{");
  for (int k = 0; k < 4; k++) {
    tj_aval a = cg_aval(g, e->in[k]);
    if (cg_size(&a) == 1 && n != 1) { /* a single value: broadcast from a local */
      tj_buf v = {0};
      cg_elem(g, e->in[k], NULL, &v);
      cg_line(g, "  u32 tf%u_%d = %s;", id, k, v.data);
      buf_printf(&args, "&tf%u_%d, 0, ", id, k);
      buf_free(&v);
    } else if (ATOM_IS_LIT(e->in[k])) { /* n == 1: a literal has no storage */
      tj_buf v = {0};
      cg_elem(g, e->in[k], NULL, &v);
      cg_line(g, "  u32 tf%u_%d = %s;", id, k, v.data);
      buf_printf(&args, "&tf%u_%d, 1, ", id, k);
      buf_free(&v);
    } else {
      tj_buf p = {0};
      cg_ptr(g, e->in[k], &p);
      buf_printf(&args, "(const void *)%s, 1, ", p.data);
      buf_free(&p);
    }
  }
  cg_ptr(g, ATOM_VAR(e->out[0]), &o0), cg_ptr(g, ATOM_VAR(e->out[1]), &o1);
  cg_line(g, "  %s(%s(void *)%s, (void *)%s, %lld);", cg_fn(g, "tj_rt_threefry2x32"), args.data, o0.data, o1.data,
          (long long)n);
  cg_line(g, "}");
  buf_free(&args), buf_free(&o0), buf_free(&o1);
  return true;
}
