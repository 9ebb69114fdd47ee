/* tj_compile and tj_fn_call (issue 18): one call traced and compiled
 * once (run.c's pass pipeline, C and libtcc, no session or disk cache),
 * then run on the caller's buffers as jax.jit runs a cache entry on
 * device buffers: the avals checked, the code handed the caller's
 * pointers (jit_run_par), a strided buffer through a contiguous copy. */
#include "tjit.h"
#include "api.h"

#include "alloc.h"
#include "diag.h"
#include "dtype.h"
#include "ir.h"
#include "jit.h"
#include "mem_estimate.h"
#include "par_rt.h"
#include "util.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tjit.h's numbers are dtype.h's (its rows are only ever appended). */
#define X(e, s, l, n, k) _Static_assert((int)TJ_DTYPE_##e == (int)DT_##e, "tj_dtype_id follows dtype.h");
TJ_DTYPES(X)
TJ_KEY_DTYPE(X)
#undef X
_Static_assert((int)TJ_DTYPE_KEY + 1 == (int)DT_COUNT, "tj_dtype_id names every dtype");

static bool dtype_known(int dtype) { return dtype >= 0 && dtype < DT_COUNT; }
const char *tj_dtype_name(int dtype) { return dtype_known(dtype) ? dtype_short((tj_dtype)dtype) : NULL; }
int tj_dtype_size(int dtype) { return dtype_known(dtype) ? dtype_size((tj_dtype)dtype) : -1; }

/* One input or output of the function. */
typedef struct fn_arg {
  tj_aval aval;
  int64_t size;            /* elements */
  size_t elem;             /* bytes per element */
  char *name;              /* inputs: the argument path; outputs: NULL */
} fn_arg;

struct tj_fn {
  jit_program *prog;
  tj_par *par;             /* its threads (tj_run_opts.threads) */
  long long max_work;      /* each call's budget */
  uint32_t nin, nout;
  fn_arg *ins, *outs;
  char *tree;              /* the result's pytree structure */
  void **in_ptrs, **out_ptrs; /* one call's buffers as the code gets them */
  uintptr_t *lo, *hi;      /* one call's buffers' bytes (inputs', then outputs') */
  tj_ctx *diag;            /* the last call's diagnostics */
};

static void *fn_calloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) TJ_OOM();
  return p;
}

static char *fn_strdup(const char *s) {
  if (!s) return NULL;
  char *c = fn_calloc(strlen(s) + 1, 1);
  return memcpy(c, s, strlen(s) + 1);
}

static fn_arg arg_of(tj_aval aval, const char *name) {
  return (fn_arg){.aval = aval, .size = aval_size(&aval), .elem = (size_t)dtype_size(aval.dtype),
                  .name = fn_strdup(name)};
}

void tj_fn_free(tj_fn *fn) {
  if (!fn) return;
  jit_free(fn->prog);
  par_free(fn->par);
  for (uint32_t i = 0; fn->ins && i < fn->nin; i++) free(fn->ins[i].name);
  free(fn->ins), free(fn->outs), free(fn->tree);
  free(fn->in_ptrs), free(fn->out_ptrs), free(fn->lo), free(fn->hi);
  tj_ctx_free(fn->diag);
  free(fn);
}

/* The function of traced call j: its memory checked as tj_run checks a
 * run's, compiled; NULL with the diagnostics in ctx. */
static tj_fn *fn_from_jaxpr(tj_ctx *ctx, const tj_jaxpr *j, const tj_run_opts *o) {
  const ir_module *m = j->m;
  uint32_t nin = m->top->nin, nout = m->top->nout;
  tj_aval *avals = fn_calloc(nin, sizeof *avals);
  for (uint32_t i = 0; i < nin; i++) avals[i] = m->vars[m->top->invars[i]];
  mem_estimate mem;
  tj_status st = run_check_memory(ctx, o, m, avals, &mem);
  diag_set_kind(&ctx->diags, DIAG_KIND_RUN); /* as tj_run compiles */
  jit_program *prog = st == TJ_OK ? run_compile_module(ctx, m, &o->trace, &st) : NULL;
  if (!prog) {
    free(avals);
    return NULL;
  }
  tj_fn *fn = fn_calloc(1, sizeof *fn);
  fn->prog = prog;
  fn->nin = nin, fn->nout = nout;
  fn->ins = fn_calloc(nin, sizeof *fn->ins), fn->outs = fn_calloc(nout, sizeof *fn->outs);
  for (uint32_t i = 0; i < nin; i++) fn->ins[i] = arg_of(avals[i], j->invar_names ? j->invar_names[i] : NULL);
  for (uint32_t k = 0; k < nout; k++) fn->outs[k] = arg_of(ir_atom_aval(m, m->top->outs[k]), NULL);
  fn->tree = fn_strdup(j->out_tree ? j->out_tree : "*");
  fn->in_ptrs = fn_calloc(nin, sizeof *fn->in_ptrs), fn->out_ptrs = fn_calloc(nout, sizeof *fn->out_ptrs);
  fn->lo = fn_calloc(nin + nout, sizeof *fn->lo), fn->hi = fn_calloc(nin + nout, sizeof *fn->hi);
  fn->max_work = run_max_work(o);
  fn->par = par_new(o->threads > 0 ? o->threads : par_online_cpus());
  fn->diag = tj_ctx_new();
  free(avals);
  return fn;
}

tj_fn *tj_compile(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts) {
  tj_run_opts o = opts ? *opts : tj_run_defaults();
  tj_jaxpr *j = NULL;
  if (api_trace_needing(ctx, spec, &o.trace, LISTING_NEED_CONSTS, &j) != TJ_OK) return NULL; /* the C holds constvars */
  tj_fn *fn = fn_from_jaxpr(ctx, j, &o);
  tj_jaxpr_free(j);
  return fn;
}

int tj_fn_nin(const tj_fn *fn) { return (int)fn->nin; }
int tj_fn_nout(const tj_fn *fn) { return (int)fn->nout; }
const char *tj_fn_tree(const tj_fn *fn) { return fn->tree; }
const tj_ctx *tj_fn_diagnostics(const tj_fn *fn) { return fn->diag; }

static int describe(const fn_arg *args, uint32_t n, int i, tj_buffer_desc *out) {
  if (i < 0 || (uint32_t)i >= n) return 0;
  const fn_arg *a = &args[i];
  *out = (tj_buffer_desc){.dtype = (int)a->aval.dtype, .weak = a->aval.weak, .rank = a->aval.rank,
                          .dims = a->aval.dims, .size = a->size, .name = a->name};
  return 1;
}

int tj_fn_in(const tj_fn *fn, int i, tj_buffer_desc *out) { return describe(fn->ins, fn->nin, i, out); }
int tj_fn_out(const tj_fn *fn, int i, tj_buffer_desc *out) { return describe(fn->outs, fn->nout, i, out); }

/* ---- checking a call's buffers ---- */

/* A usage error of the call (nothing runs). */
static tj_status call_error(tj_fn *fn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tj_status call_error(tj_fn *fn, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  tj_add_error(fn->diag, TJ_ERR_USAGE, msg);
  return TJ_ERR_USAGE;
}

/* "input 1 (w)" or "output 0". */
static void arg_label(const char *what, uint32_t i, const fn_arg *a, char *out, size_t size) {
  if (a->name) snprintf(out, size, "%s %u (%s)", what, i, a->name);
  else snprintf(out, size, "%s %u", what, i);
}

/* A buffer's dtype and shape as an aval prints, "f32[64,127]". */
static void buffer_format(const tj_buffer *b, char *out, size_t size) {
  const char *dt = tj_dtype_name(b->dtype);
  char unknown[32];
  if (!dt) snprintf(unknown, sizeof unknown, "dtype %d", b->dtype), dt = unknown;
  if (b->rank < 0 || b->rank > TJ_MAX_RANK) {
    snprintf(out, size, "%s of rank %d", dt, b->rank);
    return;
  }
  if (b->rank > 0 && !b->dims) {
    snprintf(out, size, "%s of rank %d without dims", dt, b->rank);
    return;
  }
  tj_buf t = {0};
  buf_printf(&t, "%s[", dt);
  for (int d = 0; d < b->rank; d++) buf_printf(&t, "%s%lld", d ? "," : "", (long long)b->dims[d]);
  buf_puts(&t, "]");
  snprintf(out, size, "%s", t.data);
  buf_free(&t);
}

static bool buffer_matches(const tj_buffer *b, const tj_aval *a) {
  if (b->dtype != (int)a->dtype || b->rank != a->rank || (b->rank > 0 && !b->dims)) return false;
  for (int d = 0; d < b->rank; d++)
    if (b->dims[d] != a->dims[d]) return false;
  return true;
}

static tj_status check_buffer(tj_fn *fn, const char *what, uint32_t i, const fn_arg *a, const tj_buffer *b) {
  if (buffer_matches(b, &a->aval) && (b->data || a->size == 0)) return TJ_OK;
  char label[160], want[200], got[200];
  arg_label(what, i, a, label, sizeof label);
  if (!buffer_matches(b, &a->aval)) {
    aval_format(&a->aval, want, sizeof want);
    buffer_format(b, got, sizeof got);
    return call_error(fn, "%s: expected %s, got %s", label, want, got);
  }
  return call_error(fn, "%s: data is NULL", label);
}

/* Whether b's strides (if any) are row-major's: only dimensions of more
 * than one element have a stride that matters. */
static bool contiguous(const tj_buffer *b, const fn_arg *a) {
  if (!b->strides || a->size == 0) return true;
  int64_t want = 1;
  for (int d = b->rank - 1; d >= 0; d--) {
    if (b->dims[d] > 1 && b->strides[d] != want) return false;
    want *= b->dims[d];
  }
  return true;
}

/* The bytes [*lo, *hi) a buffer's elements span; false when the strides
 * put them beyond the address space. */
static bool extent(const tj_buffer *b, const fn_arg *a, uintptr_t *lo, uintptr_t *hi) {
  int64_t below = 0, above = 0; /* elements before and after data */
  for (int d = 0; d < b->rank; d++) {
    int64_t stride = b->strides && b->dims[d] > 1 ? b->strides[d] : 0, far;
    if (!b->strides && d == 0) stride = 1, far = a->size - 1;
    else if (__builtin_mul_overflow(stride, b->dims[d] - 1, &far)) return false;
    if (far < 0 ? __builtin_add_overflow(below, far, &below) : __builtin_add_overflow(above, far, &above))
      return false;
  }
  int64_t lo_bytes, hi_bytes;
  if (__builtin_mul_overflow(below, (int64_t)a->elem, &lo_bytes) ||
      __builtin_mul_overflow(above + 1, (int64_t)a->elem, &hi_bytes))
    return false;
  *lo = (uintptr_t)b->data + (uintptr_t)lo_bytes, *hi = (uintptr_t)b->data + (uintptr_t)hi_bytes;
  return *lo <= (uintptr_t)b->data && *hi > (uintptr_t)b->data; /* no wrap */
}

/* Buffer i of a call: the inputs', then the outputs'. */
typedef struct fn_slot {
  const fn_arg *arg;
  const tj_buffer *buf;
  const char *what;        /* "input", "output" */
  uint32_t k;              /* its index among them */
  void **ptr;              /* what the code gets for it */
} fn_slot;

static fn_slot slot_of(tj_fn *fn, uint32_t i, const tj_buffer *ins, const tj_buffer *outs) {
  if (i < fn->nin) return (fn_slot){&fn->ins[i], &ins[i], "input", i, &fn->in_ptrs[i]};
  uint32_t k = i - fn->nin;
  return (fn_slot){&fn->outs[k], &outs[k], "output", k, &fn->out_ptrs[k]};
}

static tj_status slot_error(tj_fn *fn, fn_slot s, const char *why) {
  char label[160];
  arg_label(s.what, s.k, s.arg, label, sizeof label);
  return call_error(fn, "%s: %s", label, why);
}

/* Every buffer's bytes (none for an empty one), then: an output may
 * share no byte with another buffer of the call, as the code may write
 * an output before it has read all of an input. */
static tj_status check_overlaps(tj_fn *fn, const tj_buffer *ins, const tj_buffer *outs) {
  uint32_t n = fn->nin + fn->nout;
  for (uint32_t i = 0; i < n; i++) {
    fn_slot s = slot_of(fn, i, ins, outs);
    fn->lo[i] = fn->hi[i] = 0;
    if (s.arg->size > 0 && s.arg->elem > 0 && !extent(s.buf, s.arg, &fn->lo[i], &fn->hi[i]))
      return slot_error(fn, s, "its strides reach beyond the address space");
  }
  for (uint32_t k = fn->nin; k < n; k++)
    for (uint32_t i = 0; i < k && fn->lo[k] < fn->hi[k]; i++)
      if (fn->lo[i] < fn->hi[i] && fn->lo[k] < fn->hi[i] && fn->lo[i] < fn->hi[k]) {
        fn_slot out = slot_of(fn, k, ins, outs), other = slot_of(fn, i, ins, outs);
        char label[160], label2[160];
        arg_label(out.what, out.k, out.arg, label, sizeof label);
        arg_label(other.what, other.k, other.arg, label2, sizeof label2);
        return call_error(fn, "%s overlaps %s: an output may not share memory with another buffer", label, label2);
      }
  return TJ_OK;
}

static tj_status check_call(tj_fn *fn, const tj_buffer *ins, int nin, const tj_buffer *outs, int nout) {
  if (nin != (int)fn->nin || (nin > 0 && !ins)) {
    tj_buf names = {0};
    for (uint32_t i = 0; i < fn->nin; i++) buf_printf(&names, "%s%s", i ? ", " : " (", fn->ins[i].name ? fn->ins[i].name : "?");
    if (fn->nin) buf_puts(&names, ")");
    tj_status st = call_error(fn, "expected %u input%s%s, got %d%s", fn->nin, fn->nin == 1 ? "" : "s",
                              names.data ? names.data : "", nin, nin > 0 && !ins ? " and no array of them" : "");
    buf_free(&names);
    return st;
  }
  if (nout != (int)fn->nout || (nout > 0 && !outs))
    return call_error(fn, "expected %u output%s, got %d%s", fn->nout, fn->nout == 1 ? "" : "s", nout,
                      nout > 0 && !outs ? " and no array of them" : "");
  tj_status st = TJ_OK;
  for (uint32_t i = 0; i < fn->nin && st == TJ_OK; i++) st = check_buffer(fn, "input", i, &fn->ins[i], &ins[i]);
  for (uint32_t k = 0; k < fn->nout && st == TJ_OK; k++) st = check_buffer(fn, "output", k, &fn->outs[k], &outs[k]);
  return st == TJ_OK ? check_overlaps(fn, ins, outs) : st;
}

/* ---- strided buffers ---- */

/* Copies each element between a's strided buffer b and the contiguous
 * row-major contig, into contig (gather) or out of it, in row-major
 * order. */
static void copy_strided(const fn_arg *a, const tj_buffer *b, unsigned char *contig, bool gather) {
  int64_t idx[TJ_MAX_RANK] = {0}, offset = 0; /* in elements, from b->data */
  unsigned char *base = b->data;
  for (int64_t e = 0; e < a->size; e++) {
    unsigned char *s = base + offset * (int64_t)a->elem, *c = contig + e * (int64_t)a->elem;
    if (gather) memcpy(c, s, a->elem);
    else memcpy(s, c, a->elem);
    for (int d = b->rank - 1; d >= 0; d--) {
      if (++idx[d] < b->dims[d]) {
        offset += b->strides[d];
        break;
      }
      offset -= b->strides[d] * (b->dims[d] - 1), idx[d] = 0;
    }
  }
}

/* Room for a's contiguous copy, followed by the runtime's zero guard
 * bytes (jit_guard_intact); NULL when it cannot be had (reported). */
static unsigned char *scratch_new(tj_fn *fn, const fn_arg *a, const char *what, uint32_t i) {
  size_t bytes = (size_t)a->size * a->elem;
  unsigned char *p = big_malloc(bytes + TJ_BUFFER_GUARD);
  if (!p) {
    char label[160];
    arg_label(what, i, a, label, sizeof label);
    diag_out_of_memory(&fn->diag->diags, TJ_NOMEM_FMT "a contiguous copy of %s", bytes + TJ_BUFFER_GUARD, label);
    return NULL;
  }
  memset(p + bytes, 0, TJ_BUFFER_GUARD);
  return p;
}

/* The non-NULL pointer an empty buffer's code gets (it reads nothing). */
static max_align_t empty_buffer;

/* The pointers the code gets: the callers', or strided buffers' copies
 * (*copies counts them). TJ_ERR_BUDGET when a copy cannot be had. */
static tj_status point_at(tj_fn *fn, const tj_buffer *ins, const tj_buffer *outs, int *copies) {
  for (uint32_t i = 0; i < fn->nin + fn->nout; i++) {
    fn_slot s = slot_of(fn, i, ins, outs);
    if (!s.buf->data) *s.ptr = &empty_buffer;
    else if (contiguous(s.buf, s.arg)) *s.ptr = s.buf->data;
    else if (!(*s.ptr = scratch_new(fn, s.arg, s.what, s.k))) return TJ_ERR_BUDGET;
    else {
      ++*copies;
      if (i < fn->nin) copy_strided(s.arg, s.buf, *s.ptr, true);
    }
  }
  return TJ_OK;
}

/* After a run that ended with code: strided outputs copied out (when it
 * succeeded and their guards are intact) and every copy freed. */
static int release_copies(tj_fn *fn, const tj_buffer *ins, const tj_buffer *outs, int code) {
  for (uint32_t i = 0; i < fn->nin + fn->nout; i++) {
    fn_slot s = slot_of(fn, i, ins, outs);
    void *p = *s.ptr;
    if (!p || p == s.buf->data || p == (void *)&empty_buffer) continue;
    bool output = i >= fn->nin;
    if (output && code == JIT_OK && !jit_guard_intact(p, (size_t)s.arg->size * s.arg->elem)) code = JIT_OVERRUN;
    if (output && code == JIT_OK) copy_strided(s.arg, s.buf, p, false);
    big_free(p);
  }
  return code;
}

tj_status tj_fn_call(tj_fn *fn, const tj_buffer *inputs, int ninputs, tj_buffer *outputs, int noutputs) {
  if (tj_diagnostic_count(fn->diag) > 0) tj_ctx_free(fn->diag), fn->diag = tj_ctx_new();
  tj_status st = check_call(fn, inputs, ninputs, outputs, noutputs);
  if (st != TJ_OK) return st;
  int copies = 0, code = JIT_OK;
  memset(fn->in_ptrs, 0, fn->nin * sizeof *fn->in_ptrs), memset(fn->out_ptrs, 0, fn->nout * sizeof *fn->out_ptrs);
  st = point_at(fn, inputs, outputs, &copies);
  if (st == TJ_OK) code = jit_run_par(fn->prog, fn->par, fn->in_ptrs, fn->out_ptrs, fn->max_work);
  if (copies || st != TJ_OK) code = release_copies(fn, inputs, outputs, code);
  return st != TJ_OK ? st : run_report_failure(fn->diag, code, fn->prog, fn->max_work);
}
