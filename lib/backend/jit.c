/* libtcc in memory (PLATFORM-NOTES: -nostdlib plus tcc_add_symbol for
 * every function keeps a compile near 0.1 ms and independent of what the
 * host process happens to export) and the generated code's runtime. */
#define _GNU_SOURCE /* memfd_create */
#include "jit.h"
#include "kernels.h"
#include "sort_rt.h"
#include "linalg_rt.h"
#include "window_rt.h"
#include "conv_rt.h"
#include "gather_rt.h"
#include "cum_rt.h"
#include "half_rt.h"
#include "scatter_rt.h"
#include "random_rt.h"
#include "reduce_rt.h"
#include "special_rt.h"
#include "par_rt.h"

#include <dlfcn.h>
#include <errno.h>
#include <libtcc.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "util.h"

/* The runtime state the generated code sees as struct tj_rt: the first
 * two fields are shared with the prelude's declaration. */
struct tj_rt {
  unsigned long long work, max_work;
  jmp_buf unwind;
  struct live_buffer { void *p; size_t bytes, cap; } *live; /* allocated, not yet freed */
  size_t nlive, caplive;
  size_t nomem_bytes;      /* what the allocation that failed asked for */
  struct jit_pool *pool;   /* the program's kept buffers */
  tj_par *par;             /* the threads block loops may use; NULL: the caller's only */
};

/* The large buffers a program keeps from its runs for its next ones (and
 * for later requests of the same run): a fresh buffer of many megabytes
 * is pages the kernel must fault in and zero on every run (a tenth of
 * jax.random.normal's 10M samples), as numpy's allocator spares them.
 * Only buffers of TJ_POOL_MIN_BYTES or more are kept, the largest
 * TJ_POOL_BUFFERS; a request takes the smallest that fits it and is no
 * more than twice its size. */
struct jit_pool {
  struct { void *p; size_t cap; } kept[TJ_POOL_BUFFERS];
  int n;
};

static void tj_rt_fail(struct tj_rt *rt, int code) { longjmp(rt->unwind, code); }

bool jit_guard_intact(const void *p, size_t bytes) {
  const unsigned char *g = (const unsigned char *)p + bytes;
  for (int i = 0; i < TJ_BUFFER_GUARD; i++)
    if (g[i]) return false;
  return true;
}

/* The smallest kept buffer of *cap bytes or more, at most twice that (its
 * size then in *cap), taken out of the pool; NULL: none. */
static void *pool_take(struct jit_pool *pool, size_t *cap) {
  int best = -1;
  for (int i = 0; i < pool->n; i++)
    if (pool->kept[i].cap >= *cap && pool->kept[i].cap / 2 <= *cap &&
        (best < 0 || pool->kept[i].cap < pool->kept[best].cap))
      best = i;
  if (best < 0) return NULL;
  void *p = pool->kept[best].p;
  *cap = pool->kept[best].cap;
  pool->kept[best] = pool->kept[--pool->n];
  pool->kept[pool->n].p = NULL;
  return p;
}

static void *tj_rt_alloc(struct tj_rt *rt, long bytes) {
  if (rt->nlive == rt->caplive) {
    size_t cap = rt->caplive ? 2 * rt->caplive : 16;
    struct live_buffer *live = realloc(rt->live, cap * sizeof *live);
    if (!live) rt->nomem_bytes = cap * sizeof *live, tj_rt_fail(rt, JIT_NOMEM);
    rt->live = live, rt->caplive = cap;
  }
  size_t n = bytes > 0 ? (size_t)bytes : 0, cap = n + TJ_BUFFER_GUARD;
  unsigned char *p = pool_take(rt->pool, &cap);
  if (!p) p = big_malloc(cap);
  if (!p) rt->nomem_bytes = cap, tj_rt_fail(rt, JIT_NOMEM);
  memset(p + n, 0, TJ_BUFFER_GUARD);
  rt->live[rt->nlive++] = (struct live_buffer){p, n, cap};
  return p;
}

/* A buffer done with: kept when large, in place of the smallest kept one
 * when the pool is full and that one is smaller. */
static void release(struct jit_pool *pool, const struct live_buffer *b) {
  if (b->cap < TJ_POOL_MIN_BYTES) { big_free(b->p); return; }
  int slot = pool->n < TJ_POOL_BUFFERS ? pool->n++ : -1;
  if (slot < 0) { /* full: the smallest kept one, if smaller */
    int least = 0;
    for (int i = 1; i < pool->n; i++)
      if (pool->kept[i].cap < pool->kept[least].cap) least = i;
    if (pool->kept[least].cap >= b->cap) { big_free(b->p); return; }
    slot = least;
  }
  big_free(pool->kept[slot].p); /* NULL for a new slot */
  pool->kept[slot].p = b->p, pool->kept[slot].cap = b->cap;
}

static void tj_rt_free(struct tj_rt *rt, void *p) {
  for (size_t i = rt->nlive; i-- > 0;) /* buffers die roughly in reverse */
    if (rt->live[i].p == p) {
      if (!jit_guard_intact(p, rt->live[i].bytes)) tj_rt_fail(rt, JIT_OVERRUN); /* jit_run frees it */
      struct live_buffer b = rt->live[i];
      rt->live[i] = rt->live[--rt->nlive];
      release(rt->pool, &b);
      return;
    }
}

/* An outlined block loop (cg_par.c) over items [0, n) in parts of whole
 * grains, on the run's threads. */
static void tj_rt_par(struct tj_rt *rt, par_body body, void *const *c, long n, long grain) {
  par_run(rt->par, body, c, n, grain);
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
#define OPENBLAS JIT_OPENBLAS

struct jit_program {
  TCCState *tcc;            /* owns the code, but for the memory it is in: */
  void *code;               /* the code and data libtcc relocated (big_malloc) */
  size_t nomem_bytes;       /* the last run's failed allocation (JIT_NOMEM) */
  void *blas;               /* dlopen handle, when the code calls BLAS */
  double blas_ms;           /* the dlopen's time: OpenBLAS starts its threads */
  void (*entry)(struct tj_rt *, void *const *, void *const *);
  struct jit_pool pool;     /* large buffers kept between runs */
};

/* libtcc keeps global state while it compiles, relocates and reports an
 * error (0.9.27 sets a global TCCState in tcc_new and has no lock; later
 * snapshots take a semaphore whose first use races). Every use of a
 * TCCState, from tcc_new to tcc_delete, holds this lock, so that threads
 * may compile at once, each with its own tj_ctx (tjit.h, "Threads"); the
 * generated code runs outside it. With graph_render.c's lock, the
 * library's only global state. */
static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;

/* Where a compilation's errors go; only the first is reported (libtcc's
 * later messages follow from it). */
typedef struct { const diag_at *at; bool have; } tcc_errors;

static void on_tcc_error(void *opaque, const char *msg) {
  tcc_errors *e = opaque;
  if (e->have) return;
  e->have = true;
  diag_error_at(e->at, "%s", msg);
}

/* The first error of a compilation, if none was reported before it. */
static void first_error(tcc_errors *e, const char *msg) {
  if (!e->have) diag_error_at(e->at, "%s", msg);
  e->have = true;
}

/* An allocation that failed: a budget error, not a bug (no prefix). */
static void out_of_memory(tcc_errors *e, size_t bytes, const char *what) {
  if (!e->have) diag_out_of_memory(e->at->d, TJ_NOMEM_FMT "%s", bytes, what);
  e->have = true;
}

unsigned jit_source_needs(const char *source) {
  return (strstr(source, " tjk_") ? JIT_NEEDS_KERNELS : 0u) | (strstr(source, " cblas_") ? JIT_NEEDS_BLAS : 0u);
}

/* A libtcc state that resolves only the runtime's functions (and, as
 * needs says, the block kernels and BLAS) and outputs type; false, the
 * error reported, when OpenBLAS cannot be loaded. */
static bool new_state(jit_program *p, tcc_errors *errors, unsigned needs, int type) {
  if (!(p->tcc = tcc_new())) TJ_OOM();
  tcc_set_error_func(p->tcc, errors, on_tcc_error);
  tcc_set_options(p->tcc, "-nostdlib");
  tcc_set_output_type(p->tcc, type);
  if (type == TCC_OUTPUT_OBJ) return true; /* symbols resolve when the object is loaded */
  for (size_t i = 0; i < TJ_COUNT(jit_symbols); i++)
    if (jit_symbols[i].addr) tcc_add_symbol(p->tcc, jit_symbols[i].name, jit_symbols[i].addr);
  if (needs & JIT_NEEDS_KERNELS) { /* block kernels, declared only when called */
    int n;
    const tjk_kernel *k = tjk_all(&n);
    for (int i = 0; i < n; i++) tcc_add_symbol(p->tcc, k[i].name, (const void *)k[i].fn);
  }
  if (!(needs & JIT_NEEDS_BLAS)) return true;
  double t0 = now_ms();
  p->blas = dlopen(OPENBLAS, RTLD_NOW | RTLD_LOCAL);
  p->blas_ms = now_ms() - t0;
  if (!p->blas) {
    const char *why = dlerror();
    if (!errors->have) diag_error_at(errors->at, "cannot load " OPENBLAS " for matrix products: %s", why);
    errors->have = true;
    return false;
  }
  for (const char *const *f = (const char *const[]){"cblas_sgemm", "cblas_dgemm", NULL}; *f; f++) {
    void *addr = dlsym(p->blas, *f);
    if (addr) tcc_add_symbol(p->tcc, *f, addr);
  }
  return true;
}

/* The memory for the code, asked of libtcc's size query and allocated
 * here rather than by TCC_RELOCATE_AUTO: libtcc's own allocator ends the
 * process when malloc fails, this one returns an error. */
static bool relocate(jit_program *p, tcc_errors *errors) {
  int size = tcc_relocate(p->tcc, NULL);
  if (size < 0) return false;
  if (!(p->code = big_malloc((size_t)size))) {
    out_of_memory(errors, (size_t)size, "the compiled code");
    return false;
  }
  return tcc_relocate(p->tcc, p->code) >= 0;
}

/* Relocates the code in memory and finds tj_entry (tcc_lock held). */
static bool finish(jit_program *p, tcc_errors *errors, bool ok) {
#ifdef TCC_RELOCATE_AUTO
  ok = ok && relocate(p, errors);
#else
  ok = ok && tcc_relocate(p->tcc) >= 0;
#endif
  if (ok) *(void **)&p->entry = tcc_get_symbol(p->tcc, "tj_entry");
  if (ok && p->entry) return true;
  first_error(errors, "libtcc could not compile the generated code");
  return false;
}

/* p once tcc_lock is released, or NULL, p freed, when it did not finish. */
static jit_program *unlock_with(jit_program *p, bool finished) {
  pthread_mutex_unlock(&tcc_lock);
  if (finished) return p;
  jit_free(p);
  return NULL;
}

static jit_program *new_program(void) {
  jit_program *p = calloc(1, sizeof *p);
  if (!p) TJ_OOM();
  return p;
}

jit_program *jit_compile(const diag_at *at, const char *source) {
  tcc_errors errors = {at, false};
  jit_program *p = new_program();
  pthread_mutex_lock(&tcc_lock);
  bool ok = new_state(p, &errors, jit_source_needs(source), TCC_OUTPUT_MEMORY);
  ok = ok && tcc_compile_string(p->tcc, source) == 0;
  return unlock_with(p, finish(p, &errors, ok));
}

/* libtcc reads and writes objects only by path: an anonymous memory file
 * stands in for one, named through /proc (no file in any directory, so
 * nothing another process could swap under us). -1, the error reported,
 * when there is none. */
static int memory_file(tcc_errors *errors, char *path, size_t size) {
  int fd = memfd_create("tjit-object", MFD_CLOEXEC);
  if (fd >= 0) snprintf(path, size, "/proc/self/fd/%d", fd);
  else if (!errors->have) diag_error_at(errors->at, "cannot create a memory file: %s", strerror(errno)), errors->have = true;
  return fd;
}

bool jit_compile_object(const diag_at *at, const char *source, tj_buf *obj) {
  tcc_errors errors = {at, false};
  jit_program p = {0};
  char path[64];
  pthread_mutex_lock(&tcc_lock);
  bool ok = new_state(&p, &errors, 0, TCC_OUTPUT_OBJ) && tcc_compile_string(p.tcc, source) == 0;
  int fd = ok ? memory_file(&errors, path, sizeof path) : -1;
  ok = fd >= 0 && tcc_output_file(p.tcc, path) == 0;
  off_t len = ok ? lseek(fd, 0, SEEK_END) : -1;
  char *room = NULL;
  if (ok && len > 0) {
    obj->len = 0, obj->big = true;
    room = buf_room(obj, (size_t)len);
    if (!room) out_of_memory(&errors, obj->failed, "the object file");
    ok = room && pread(fd, room, (size_t)len, 0) == (ssize_t)len;
  }
  if (ok && len <= 0) ok = false;
  if (!ok) first_error(&errors, "libtcc could not write the object file");
  if (fd >= 0) close(fd);
  tcc_delete(p.tcc);
  pthread_mutex_unlock(&tcc_lock);
  return ok;
}

jit_program *jit_load_object(const diag_at *at, const void *obj, size_t len, unsigned needs) {
  tcc_errors errors = {at, false};
  jit_program *p = new_program();
  char path[64];
  pthread_mutex_lock(&tcc_lock);
  bool ok = new_state(p, &errors, needs, TCC_OUTPUT_MEMORY);
  int fd = ok ? memory_file(&errors, path, sizeof path) : -1;
  ok = fd >= 0 && write(fd, obj, len) == (ssize_t)len;
  tcc_set_options(p->tcc, "-xb"); /* the path has no .o: say it is an object, not C */
  ok = ok && tcc_add_file(p->tcc, path) == 0;
  if (fd >= 0) close(fd);
  return unlock_with(p, finish(p, &errors, ok));
}

void jit_free(jit_program *p) {
  if (!p) return;
  if (p->tcc) {
    pthread_mutex_lock(&tcc_lock);
    tcc_delete(p->tcc);
    pthread_mutex_unlock(&tcc_lock);
  }
  big_free(p->code);
  for (int i = 0; i < p->pool.n; i++) big_free(p->pool.kept[i].p);
  if (p->blas) dlclose(p->blas);
  free(p);
}

size_t jit_nomem_bytes(const jit_program *p) { return p->nomem_bytes; }

double jit_blas_load_ms(const jit_program *p) { return p->blas_ms; }

int jit_run(jit_program *p, void *const *in, void *const *out, long long max_work) {
  return jit_run_par(p, NULL, in, out, max_work);
}

int jit_run_par(jit_program *p, tj_par *par, void *const *in, void *const *out, long long max_work) {
  struct tj_rt *rt = calloc(1, sizeof *rt); /* on the heap: setjmp's frame must not hold it in a register */
  if (!rt) TJ_OOM();
  rt->par = par;
  rt->max_work = max_work > 0 ? (unsigned long long)max_work : 0;
  rt->pool = &p->pool;
  int code = setjmp(rt->unwind);
  if (code == 0) p->entry(rt, in, out);
  for (size_t i = 0; i < rt->nlive; i++) {
    if (code == 0 && !jit_guard_intact(rt->live[i].p, rt->live[i].bytes)) code = JIT_OVERRUN;
    release(rt->pool, &rt->live[i]);
  }
  p->nomem_bytes = rt->nomem_bytes;
  free(rt->live);
  free(rt);
  return code;
}
