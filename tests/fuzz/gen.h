/* A generator of random valid tjit programs for fuzz_gen (gen.c). */
#ifndef TJ_FUZZ_GEN_H
#define TJ_FUZZ_GEN_H
#include <stddef.h>
#include <stdint.h>

/* The spec (JSON, malloc'd) of a program the choices in data make: a
 * function of traced and static arguments, their values, autograph on or
 * off. Every byte string gives one; running out of bytes chooses 0. */
char *gen_spec(const uint8_t *data, size_t size);

#endif
