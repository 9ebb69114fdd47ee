/* Linked into libtjit.so only (not libtjit.a, not tjit): what lets the
 * shared library hold libtcc. Debian's libtcc.a is built position-
 * dependent: it reads libc's stdout, stderr and environ PC-relative
 * (R_X86_64_PC32 to a symbol of libc.so, which an executable satisfies
 * with a copy relocation and a shared object cannot satisfy at all). The
 * Makefile links the shared library with a copy of libtcc.a in which those
 * three names are renamed to these variables, local to libtjit.so
 * (lib/libtjit.map), set from libc's when the library is loaded (libc,
 * a dependency, is initialized first).
 *
 * A copy, not an alias: a program that assigns stdout or stderr (glibc
 * allows it) or changes environ afterwards is not seen. libtcc prints to
 * them only where libtjit does not reach it: tcc_run's arguments and its
 * crash handler (libtjit calls tcc_relocate, never tcc_run) and errors
 * when no error function is set (lib/backend/jit.c always sets one). */
#include <stdio.h>

extern char **environ; /* POSIX: declared by the program that reads it */

extern FILE *tjit_libtcc_stdout, *tjit_libtcc_stderr;
extern char **tjit_libtcc_environ;
FILE *tjit_libtcc_stdout, *tjit_libtcc_stderr;
char **tjit_libtcc_environ;

__attribute__((constructor)) static void libtcc_shared_init(void) {
  tjit_libtcc_stdout = stdout;
  tjit_libtcc_stderr = stderr;
  tjit_libtcc_environ = environ;
}
