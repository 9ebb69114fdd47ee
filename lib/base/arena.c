#include "arena.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_MIN = 64 * 1024, ALIGN = 16 };

struct arena_block {
  arena_block *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void *arena_alloc(tj_arena *a, size_t size) {
  size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  arena_block *b = a->head;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > BLOCK_MIN ? size : BLOCK_MIN;
    b = malloc(sizeof *b + cap);
    if (!b) TJ_OOM();
    b->used = 0;
    b->cap = cap;
    /* A big one-off block goes behind the current one so the current
     * block's free tail is not wasted. */
    if (a->head && size > BLOCK_MIN) {
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  void *p = b->data + b->used;
  b->used += size;
  a->total += size;
  memset(p, 0, size);
  return p;
}

void *arena_grow(tj_arena *a, void *old, size_t old_size, size_t new_size) {
  void *p = arena_alloc(a, new_size);
  if (old && old_size) memcpy(p, old, old_size < new_size ? old_size : new_size);
  return p;
}

char *arena_strndup(tj_arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(tj_arena *a, const char *s) {
  return arena_strndup(a, s, strlen(s));
}

char *arena_printf(tj_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char probe[1];
  int n = vsnprintf(probe, sizeof probe, fmt, ap);
  va_end(ap);
  char *p = arena_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void arena_free(tj_arena *a) {
  arena_block *b = a->head;
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->total = 0;
}
