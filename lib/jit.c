/* libtcc in memory (PLATFORM-NOTES: -nostdlib plus tcc_add_symbol for
 * every function keeps a compile near 0.1 ms and independent of what the
 * host process happens to export) and the generated code's runtime. */
#include "jit.h"
#include "kernels.h"

#include <dlfcn.h>
#include <libtcc.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The runtime state the generated code sees as struct tj_rt: the first
 * two fields are shared with the prelude's declaration. */
struct tj_rt {
  long long steps, max_steps;
  jmp_buf unwind;
  void **live;              /* buffers allocated and not yet freed */
  size_t nlive, caplive;
};

static void tj_rt_fail(struct tj_rt *rt, int code) { longjmp(rt->unwind, code); }

static void *tj_rt_alloc(struct tj_rt *rt, long bytes) {
  if (rt->nlive == rt->caplive) {
    size_t cap = rt->caplive ? 2 * rt->caplive : 16;
    void **live = realloc(rt->live, cap * sizeof *live);
    if (!live) tj_rt_fail(rt, 2);
    rt->live = live, rt->caplive = cap;
  }
  void *p = malloc(bytes > 0 ? (size_t)bytes : 1);
  if (!p) tj_rt_fail(rt, 2);
  return rt->live[rt->nlive++] = p;
}

static void tj_rt_free(struct tj_rt *rt, void *p) {
  for (size_t i = rt->nlive; i-- > 0;) /* buffers die roughly in reverse */
    if (rt->live[i] == p) {
      rt->live[i] = rt->live[--rt->nlive];
      free(p);
      return;
    }
}

/* BLAS comes from OpenBLAS, loaded only by programs that call it: linking
 * it would start its threads in every tjit process (~10 ms of the run). */
#define cblas_sgemm NULL
#define cblas_dgemm NULL
static const struct { const char *name; void *addr; } jit_symbols[] = {
#define FN(name, proto) {#name, (void *)name},
#include "cg_fns.def"
#undef FN
};
#undef cblas_sgemm
#undef cblas_dgemm
#define OPENBLAS "libopenblas.so.0"

struct jit_program {
  TCCState *tcc;            /* owns the code */
  void *blas;               /* dlopen handle, when the code calls BLAS */
  void (*entry)(struct tj_rt *, void *const *, void *const *);
};

typedef struct { char *err; int errsize; bool have; } tcc_errors;

static void on_tcc_error(void *opaque, const char *msg) {
  tcc_errors *e = opaque;
  if (e->have) return;
  e->have = true;
  snprintf(e->err, (size_t)e->errsize, "%s", msg);
}

jit_program *jit_compile(const char *source, char *err, int errsize) {
  tcc_errors errors = {err, errsize, false};
  jit_program *p = calloc(1, sizeof *p);
  if (!p || !(p->tcc = tcc_new())) TJ_OOM();
  tcc_set_error_func(p->tcc, &errors, on_tcc_error);
  tcc_set_options(p->tcc, "-nostdlib");
  tcc_set_output_type(p->tcc, TCC_OUTPUT_MEMORY);
  for (size_t i = 0; i < TJ_COUNT(jit_symbols); i++)
    if (jit_symbols[i].addr) tcc_add_symbol(p->tcc, jit_symbols[i].name, jit_symbols[i].addr);
  if (strstr(source, " tjk_")) { /* block kernels, declared only when called */
    int n;
    const tjk_kernel *k = tjk_all(&n);
    for (int i = 0; i < n; i++) tcc_add_symbol(p->tcc, k[i].name, (const void *)k[i].fn);
  }
  bool ok = true;
  if (strstr(source, " cblas_")) { /* declared in the prelude only when called */
    if (!(p->blas = dlopen(OPENBLAS, RTLD_NOW | RTLD_LOCAL))) {
      snprintf(err, (size_t)errsize, "cannot load " OPENBLAS " for matrix products: %s", dlerror());
      errors.have = true, ok = false;
    }
    for (const char *const *f = (const char *const[]){"cblas_sgemm", "cblas_dgemm", NULL}; ok && *f; f++) {
      void *addr = dlsym(p->blas, *f);
      if (addr) tcc_add_symbol(p->tcc, *f, addr);
    }
  }
  ok = ok && tcc_compile_string(p->tcc, source) == 0;
#ifdef TCC_RELOCATE_AUTO
  ok = ok && tcc_relocate(p->tcc, TCC_RELOCATE_AUTO) >= 0;
#else
  ok = ok && tcc_relocate(p->tcc) >= 0;
#endif
  if (ok) *(void **)&p->entry = tcc_get_symbol(p->tcc, "tj_entry");
  if (!ok || !p->entry) {
    if (!errors.have) snprintf(err, (size_t)errsize, "libtcc could not compile the generated code");
    jit_free(p);
    return NULL;
  }
  return p;
}

void jit_free(jit_program *p) {
  if (!p) return;
  if (p->tcc) tcc_delete(p->tcc);
  if (p->blas) dlclose(p->blas);
  free(p);
}

int jit_run(jit_program *p, void *const *in, void *const *out, long long max_steps) {
  struct tj_rt *rt = calloc(1, sizeof *rt); /* on the heap: setjmp's frame must not hold it in a register */
  if (!rt) TJ_OOM();
  rt->max_steps = max_steps;
  int code = setjmp(rt->unwind);
  if (code == 0) p->entry(rt, in, out);
  for (size_t i = 0; i < rt->nlive; i++) free(rt->live[i]);
  free(rt->live);
  free(rt);
  return code;
}
