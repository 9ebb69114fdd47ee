/* In-process compilation with libtcc and the runtime the generated code
 * calls: a program compiles to memory (no files, no subprocess, no
 * #include), reaches only the functions registered from cg_fns.def, and
 * runs under a runtime that tracks every buffer it allocates, so a failure
 * inside (out of memory, the loop step budget) unwinds and frees them. */
#ifndef TJ_JIT_H
#define TJ_JIT_H
#include <stdbool.h>

typedef struct jit_program jit_program;

/* Compiles C source; NULL with tcc's message in err on failure. */
jit_program *jit_compile(const char *source, char *err, int errsize);
void jit_free(jit_program *p);

/* Why a run stopped early (tj_rt_fail's codes). */
enum { JIT_OK = 0, JIT_STEPS = 1, JIT_NOMEM = 2 };

/* Calls the program's tj_entry(rt, in, out); max_steps bounds the
 * iterations of its while loops. Returns JIT_OK or the failure code, with
 * every buffer the code had allocated freed. */
int jit_run(jit_program *p, void *const *in, void *const *out, long long max_steps);

#endif
