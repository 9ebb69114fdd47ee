/* Bump allocator: everything allocated from an arena is freed at once by
 * arena_free. Memory is zeroed. Allocation failure aborts via TJ_OOM, the one
 * place the library gives up (there is no sane recovery from a failed malloc
 * of a few KB). */
#ifndef TJ_ARENA_H
#define TJ_ARENA_H
#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct tj_arena {
  arena_block *head;
  size_t total;            /* bytes handed out, for statistics */
} tj_arena;

void *arena_alloc(tj_arena *a, size_t size);
/* Grows an array allocated from the arena: returns a new block with the old
 * contents (old_size bytes) copied; the old block stays until arena_free. */
void *arena_grow(tj_arena *a, void *old, size_t old_size, size_t new_size);
char *arena_strndup(tj_arena *a, const char *s, size_t n);
char *arena_strdup(tj_arena *a, const char *s);
char *arena_printf(tj_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void arena_free(tj_arena *a);

/* Typed helpers. */
#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

/* Appends x to the arena-backed vector (ptr, len, cap), doubling as needed. */
#define ARENA_PUSH(a, ptr, len, cap, x)                                        \
  do {                                                                         \
    if ((len) == (cap)) {                                                      \
      size_t nc_ = (cap) ? (size_t)(cap) * 2 : 8;                              \
      (ptr) = arena_grow((a), (ptr), sizeof(*(ptr)) * (size_t)(cap),           \
                         sizeof(*(ptr)) * nc_);                                \
      (cap) = nc_;                                                             \
    }                                                                          \
    (ptr)[(len)++] = (x);                                                      \
  } while (0)

#endif
