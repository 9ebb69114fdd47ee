/* In-process compilation with libtcc and the runtime the generated code
 * calls: a program compiles to memory (no files, no subprocess, no
 * #include), reaches only the functions registered from cg_fns.def, and
 * runs under a runtime that tracks every buffer it allocates, so a failure
 * inside (out of memory, the work budget) unwinds and frees them. */
#ifndef TJ_JIT_H
#define TJ_JIT_H
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

typedef struct jit_program jit_program;
struct tj_par;

/* Compiles C source; NULL on failure, with tcc's first message reported at
 * at, or an out-of-memory error (kind budget, not a bug) when the memory
 * for the code could not be had. */
jit_program *jit_compile(const diag_at *at, const char *source);
void jit_free(jit_program *p);

/* What a program links against besides the runtime (jit_source_needs
 * reads it off the generated C). */
enum { JIT_NEEDS_KERNELS = 1u, JIT_NEEDS_BLAS = 2u };
unsigned jit_source_needs(const char *source);
/* The OpenBLAS the code's matrix products load (dlopen, at the first
 * program that calls BLAS), by its soname. */
#define JIT_OPENBLAS "libopenblas.so.0"

/* For the disk cache: compiles source to an ELF object file held in obj
 * (replacing its contents), and loads such an object back into a
 * program, linked as needs says. Loading an object costs 0.06-1.4 ms
 * where compiling its source again costs 0.1-18 ms (man tjit-cache).
 * False/NULL with the error reported at at, as jit_compile. */
bool jit_compile_object(const diag_at *at, const char *source, tj_buf *obj);
jit_program *jit_load_object(const diag_at *at, const void *obj, size_t len, unsigned needs);

/* Why a run stopped early (tj_rt_fail's codes). */
enum { JIT_OK = 0, JIT_WORK = 1, JIT_NOMEM = 2, JIT_OVERRUN = 3 };

/* Whether the TJ_BUFFER_GUARD zero bytes after a buffer of `bytes` bytes
 * are still zero (JIT_OVERRUN when the code's own buffers' are not). */
bool jit_guard_intact(const void *p, size_t bytes);

/* Calls the program's tj_entry(rt, in, out); max_work bounds the work the
 * code charges (work.h: at its start, and per loop iteration). Returns
 * JIT_OK or the failure code, with every buffer the code had allocated
 * freed. */
int jit_run(jit_program *p, void *const *in, void *const *out, long long max_work);
/* The same with par's threads for the code's outlined block loops
 * (par_rt.h; NULL: the caller's thread only). The results are the same
 * bits either way. */
int jit_run_par(jit_program *p, struct tj_par *par, void *const *in, void *const *out, long long max_work);
/* After a run that ended JIT_NOMEM: the bytes its failed allocation asked for. */
size_t jit_nomem_bytes(const jit_program *p);
/* The milliseconds p's compilation or load spent loading OpenBLAS (0 when
 * the code calls no BLAS): a process's first dlopen starts its threads,
 * a cost of the library, not of compiling. */
double jit_blas_load_ms(const jit_program *p);

#endif
