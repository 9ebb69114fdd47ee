/* C rule of lax.conv_general_dilated_p. A large float convolution whose
 * output keeps its spatial positions contiguous (NHWC-like: features
 * innermost; NCHW-like: positions innermost) is im2col + GEMM: per image
 * and feature group, conv_rt.c lays the input patches out as a matrix and
 * cblas_sgemm/dgemm multiplies it by the packed kernel straight into the
 * output, as dot_general's large products do. Anything else calls the
 * runtime's direct loops (the evaluator's definition). With batch groups
 * (BG > 1) each group is its own convolution of N / BG images and Cout / BG
 * features: the same geometry with those sizes, called in a loop over the
 * groups with the operands' pointers moved to the group's run (the
 * geometry holds every stride, so a run is an operand of its own). */
#include "codegen.h"
#include "conv.h"
#include "conv_rt.h"

/* Below this many multiply-adds the direct loops win over BLAS's call. */
#define CONV_BLAS_MIN 32768
/* The im2col matrix of one GEMM at most (positions are done in chunks of
 * it): a few MB, so a large image needs no copy of itself times the
 * kernel's size. */
#define CONV_CHUNK_BYTES (4L << 20)

typedef struct conv_plan {
  long geo[CONV_GEO_LEN];
  long positions;          /* P: output positions of one image */
  long krows;              /* K: kernel positions x Cin/G */
  long og;                 /* output features per group */
  bool rows;               /* features innermost (else positions innermost) */
} conv_plan;

/* Whether the output's spatial positions are one run of stride `step`. */
static bool positions_contiguous(const long *geo, long step) {
  int nsp = (int)geo[CONV_NSP];
  if (nsp < 1 || CONV_AT(geo, nsp - 1, CS_OUT_S) != step) return false;
  for (int i = 0; i + 1 < nsp; i++)
    if (CONV_AT(geo, i, CS_OUT_S) != CONV_AT(geo, i + 1, CS_OUT_S) * CONV_AT(geo, i + 1, CS_OUT)) return false;
  return true;
}

/* Fills the plan; false when the GEMM path does not apply. */
static bool gemm_plan(const tj_conv *c, const tj_aval *l, const tj_aval *o, conv_plan *p) {
  const long *geo = p->geo;
  (void)c;
  if ((o->dtype != DT_F32 && o->dtype != DT_F64) || l->dtype != o->dtype) return false;
  long groups = geo[CONV_GROUPS];
  p->og = geo[CONV_COUT] / groups, p->krows = geo[CONV_CIN] / groups, p->positions = 1;
  for (int i = 0; i < geo[CONV_NSP]; i++)
    p->krows *= CONV_AT(geo, i, CS_K), p->positions *= CONV_AT(geo, i, CS_OUT);
  if (geo[CONV_N] == 0 || p->og == 0 || p->krows == 0 || p->positions == 0) return false;
  if ((double)geo[CONV_N] * geo[CONV_COUT] * p->positions * p->krows < CONV_BLAS_MIN) return false;
  if (geo[CONV_OUT_SC] == 1 && positions_contiguous(geo, CONV_AT(geo, geo[CONV_NSP] - 1, CS_OUT_S)) &&
      CONV_AT(geo, geo[CONV_NSP] - 1, CS_OUT_S) >= p->og)
    return p->rows = true;
  p->rows = false;
  return positions_contiguous(geo, 1) && geo[CONV_OUT_SC] >= p->positions;
}

/* The geometry as a local array cgeoN of the generated code. */
static void emit_geo(cg *g, uint32_t id, const long *geo) {
  tj_buf b = {0};
  for (int i = 0; i < CONV_GEO_LEN; i++) buf_printf(&b, "%s%ld", i ? ", " : "", geo[i]);
  cg_frame(g, sizeof(long) * CONV_GEO_LEN);
  cg_line(g, "{ long cgeo%u[] = {%s};", id, b.data);
  buf_free(&b);
}

/* The GEMM of rows positions cr from cp of image cn and group cgi: the
 * [cr x K] patches times the group's [K x Og] kernel. */
static void emit_gemm(cg *g, uint32_t id, const conv_plan *p, tj_dtype t, const char *out) {
  const char *T = t == DT_F32 ? "float" : "double";
  const char *fn = cg_fn(g, t == DT_F32 ? "cblas_sgemm" : "cblas_dgemm");
  long osn = p->geo[CONV_OUT_SN], osc = p->geo[CONV_OUT_SC], K = p->krows, og = p->og;
  long ps = CONV_AT(p->geo, p->geo[CONV_NSP] - 1, CS_OUT_S); /* between positions */
  cg_line(g, "    %s *cc%u = (%s *)%s + cn * %ld + cgi * %ld + cp * %ld;", T, id, T, out, osn, og * osc, ps);
  if (p->rows) /* C[cr x Og] (ldc: the position stride) = A W; 101 row-major, 111 no transpose */
    cg_line(g, "    %s(101, 111, 111, cr, %ld, %ld, 1, (%s *)ca%u, %ld, (%s *)cw%u + cgi * %ld, %ld, 0, cc%u, %ld);", fn,
            og, K, T, id, K, T, id, K * og, og, id, ps);
  else /* C[Og x cr] (ldc: the feature stride) = W^T A^T; 112 transpose */
    cg_line(g, "    %s(101, 112, 112, %ld, cr, %ld, 1, (%s *)cw%u + cgi * %ld, %ld, (%s *)ca%u, %ld, 0, cc%u, %ld);", fn,
            og, K, T, id, K * og, og, T, id, K, id, osc);
}

/* Positions per im2col chunk: its matrix within CONV_CHUNK_BYTES. */
static long chunk_rows(const conv_plan *p, long es) {
  long rows = CONV_CHUNK_BYTES / (p->krows * es);
  return rows < 1 ? 1 : rows > p->positions ? p->positions : rows;
}

static void emit_im2col(cg *g, uint32_t id, const conv_plan *p, tj_dtype t, const char *lhs, const char *rhs,
                        const char *out) {
  long groups = p->geo[CONV_GROUPS], es = dtype_size(t), rows = chunk_rows(p, es);
  cg_line(g, "  void *cw%u = %s(rt, %ld), *ca%u = %s(rt, %ld);", id, cg_fn(g, "tj_rt_alloc"),
          groups * p->krows * p->og * es, id, cg_fn(g, "tj_rt_alloc"), rows * p->krows * es);
  cg_line(g, "  %s(%s, cw%u, cgeo%u, %d);", cg_fn(g, "tj_rt_conv_pack"), rhs, id, id, (int)t);
  cg_line(g, "  for (long cn = 0; cn < %ld; cn++) for (long cgi = 0; cgi < %ld; cgi++)", p->geo[CONV_N], groups);
  cg_line(g, "  for (long cp = 0; cp < %ld; cp += %ld) {", p->positions, rows);
  cg_line(g, "    long cr = %ld - cp < %ld ? %ld - cp : %ld;", p->positions, rows, p->positions, rows);
  cg_line(g, "    %s(%s, ca%u, cgeo%u, %d, cn, cgi, cp, cr);", cg_fn(g, "tj_rt_conv_im2col"), lhs, id, id, (int)t);
  emit_gemm(g, id, p, t, out);
  cg_line(g, "  }");
  cg_line(g, "  %s(rt, ca%u); %s(rt, cw%u); }", cg_fn(g, "tj_rt_free"), id, cg_fn(g, "tj_rt_free"), id);
}

/* The pointer of an operand, moved by `run` elements of es bytes per
 * batch group cbN when there are groups. */
static void group_ptr(cg *g, ir_atom a, uint32_t id, long run, long es, bool groups, tj_buf *out) {
  tj_buf p = {0};
  cg_ptr(g, a, &p);
  if (groups) buf_printf(out, "(void *)((char *)(%s) + cb%u * %ld)", p.data, id, run * es);
  else buf_puts(out, p.data);
  buf_free(&p);
}

bool cg_conv(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_conv c;
  tj_aval l = cg_aval(g, e->in[0]), r = cg_aval(g, e->in[1]), o = cg_aval(g, ATOM_VAR(e->out[0]));
  if (!conv_read(e, &c) || c.batch_groups < 1 || l.rank < 2) return cg_fail(g, "internal error: conv_general_dilated");
  if (!tj_rt_conv_supports(l.dtype) || !tj_rt_conv_supports(o.dtype))
    return cg_fail(g, "the C backend has no convolution of %s to %s", dtype_long(l.dtype), dtype_long(o.dtype));
  if (!cg_size(&o)) return true;
  conv_plan p;
  conv_geometry(&c, &l, &r, &o, p.geo);
  long bg = c.batch_groups, nb = p.geo[CONV_N] / bg, ob = p.geo[CONV_COUT] / bg;
  p.geo[CONV_N] = nb, p.geo[CONV_COUT] = ob; /* one batch group's convolution */
  uint32_t id = cg_fresh(g);
  tj_buf lp = {0}, rp = {0}, op = {0};
  group_ptr(g, e->in[0], id, nb * p.geo[CONV_LHS_SN], dtype_size(l.dtype), bg > 1, &lp);
  group_ptr(g, e->in[1], id, ob * p.geo[CONV_RHS_SO], dtype_size(r.dtype), bg > 1, &rp);
  group_ptr(g, ATOM_VAR(e->out[0]), id, ob * p.geo[CONV_OUT_SC], dtype_size(o.dtype), bg > 1, &op);
  emit_geo(g, id, p.geo);
  if (bg > 1) cg_line(g, "  for (long cb%u = 0; cb%u < %ld; cb%u++) {", id, id, bg, id);
  if (gemm_plan(&c, &l, &o, &p)) emit_im2col(g, id, &p, o.dtype, lp.data, rp.data, op.data);
  else
    cg_line(g, "  %s(%s, %s, %s, cgeo%u, %d, %d); }", cg_fn(g, "tj_rt_conv_direct"), lp.data, rp.data, op.data, id,
            (int)l.dtype, (int)o.dtype);
  if (bg > 1) cg_line(g, "  }");
  buf_free(&lp), buf_free(&rp), buf_free(&op);
  return true;
}
