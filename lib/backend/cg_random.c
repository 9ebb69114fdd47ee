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

/* ---- the typed-key primitives: a key element is a tjkey, its two
 * uint32 words (codegen.c's cg_type); the runtime reads them as pairs ---- */

/* A pointer to atom a's storage, or for a literal or a rank-0 local a
 * fresh local holding it (declared here, inside the caller's braces). */
static void operand_ptr(cg *g, ir_atom a, uint32_t id, int k, tj_buf *p) {
  if (!ATOM_IS_LIT(a)) {
    cg_ptr(g, a, p);
    return;
  }
  tj_buf v = {0};
  cg_elem(g, a, NULL, &v);
  cg_line(g, "  %s rk%u_%d = %s;", cg_type(cg_aval(g, a).dtype), id, k, v.data);
  buf_printf(p, "&rk%u_%d", id, k);
  buf_free(&v);
}

/* random_seed: threefry_seed per element, in line: (seed >> 32 for a
 * 64-bit seed else 0, the low word), as lib/base/threefry.h's. */
static void cg_seed(cg *g, const ir_eqn *e, const tj_aval *o) {
  tj_aval s = cg_aval(g, e->in[0]);
  tj_buf src = {0}, dst = {0};
  cg_ptr(g, ATOM_VAR(e->out[0]), &dst);
  cg_line(g, "{ u32 *kd = (u32 *)%s;", dst.data);
  cg_line(g, "  for (long i = 0; i < %lld; i++) {", (long long)cg_size(o));
  cg_elem(g, e->in[0], s.rank ? "i" : NULL, &src);
  if (dtype_size(s.dtype) == 8)
    cg_line(g, "    kd[2 * i] = (u32)((unsigned long long)%s >> 32); kd[2 * i + 1] = (u32)%s; } }", src.data, src.data);
  else cg_line(g, "    kd[2 * i] = 0; kd[2 * i + 1] = (u32)%s; } }", src.data);
  buf_free(&src), buf_free(&dst);
}

/* random_fold_in: one runtime call when each side is one key (message) or
 * all of them, else a loop nest over the broadcast result. */
static void cg_fold_in(cg *g, const ir_eqn *e, const tj_aval *o) {
  tj_aval k = cg_aval(g, e->in[0]), d = cg_aval(g, e->in[1]);
  int64_t n = cg_size(o);
  tj_buf out = {0};
  uint32_t id = cg_fresh(g);
  if ((cg_size(&k) == 1 || cg_size(&k) == n) && (cg_size(&d) == 1 || cg_size(&d) == n)) {
    tj_buf kp = {0}, dp = {0};
    cg_line(g, "{");
    operand_ptr(g, e->in[0], id, 0, &kp), operand_ptr(g, e->in[1], id, 1, &dp);
    cg_ptr(g, ATOM_VAR(e->out[0]), &out);
    cg_line(g, "  %s((const void *)%s, %d, (const void *)%s, %d, (void *)%s, %lld); }", cg_fn(g, "tj_rt_random_fold_in"),
            kp.data, cg_size(&k) == n && n != 1, dp.data, cg_size(&d) == n && n != 1, out.data, (long long)n);
    buf_free(&kp), buf_free(&dp), buf_free(&out);
    return;
  }
  tj_buf ke = {0}, de = {0}, ki = {0}, di = {0};
  int levels = cg_loops_begin(g, o, "i");
  broadcast_index(&k, &ki), broadcast_index(&d, &di);
  cg_elem(g, e->in[0], k.rank ? ki.data : NULL, &ke), cg_elem(g, e->in[1], d.rank ? di.data : NULL, &de);
  cg_elem(g, ATOM_VAR(e->out[0]), "i", &out);
  cg_line(g, "tjkey kk = %s; u32 mm = %s;", ke.data, de.data);
  cg_line(g, "%s(&kk, 0, &mm, 0, &%s, 1);", cg_fn(g, "tj_rt_random_fold_in"), out.data);
  cg_loops_end(g, levels);
  buf_free(&ke), buf_free(&de), buf_free(&ki), buf_free(&di), buf_free(&out);
}

bool cg_random(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval o = cg_aval(g, ATOM_VAR(e->out[0])), k = cg_aval(g, e->in[0]);
  if (cg_size(&o) == 0) return true;
  tj_buf in = {0}, out = {0};
  if (e->prim == P_random_seed) return cg_seed(g, e, &o), true;
  if (e->prim == P_random_fold_in) return cg_fold_in(g, e, &o), true;
  if (e->prim == P_random_clone) return cg_copy(g, e->out[0], e->in[0]), true; /* the identity */
  cg_ptr(g, e->in[0], &in), cg_ptr(g, ATOM_VAR(e->out[0]), &out);
  int64_t nkeys = cg_size(&k), per = nkeys ? cg_size(&o) / nkeys : 0;
  switch (e->prim) {
  case P_random_wrap:
  case P_random_unwrap:
    cg_line(g, "%s((void *)%s, (const void *)%s, %lld);", cg_fn(g, "memcpy"), out.data, in.data,
            (long long)cg_size(&o) * dtype_size(o.dtype));
    break;
  case P_random_split:
    cg_line(g, "%s((const void *)%s, %lld, (void *)%s, %lld);", cg_fn(g, "tj_rt_random_split"), in.data,
            (long long)nkeys, out.data, (long long)per);
    break;
  case P_random_bits:
    cg_line(g, "%s((const void *)%s, %lld, (void *)%s, %d, %lld);", cg_fn(g, "tj_rt_random_bits"), in.data,
            (long long)nkeys, out.data, (int)ir_param_int(e, "bit_width", 32), (long long)per);
    break;
  default: buf_free(&in), buf_free(&out); return cg_fail(g, "internal error: no C rule for %s", prims[e->prim].name);
  }
  buf_free(&in), buf_free(&out);
  return true;
}
