/* The large allocations' failure paths that need no fault-injection build
 * (make check-oom sweeps the rest): a big tj_buf that cannot grow keeps
 * what it holds and says so, where a small one would end the process. */
#include <stdint.h>

#include "alloc.h"
#include "harness.h"
#include "util.h"

/* Under ASan a request this large is an error report unless the
 * allocator may return NULL, as malloc does. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* 2^62 bytes: the buffer rounds it up to 2^63, more than malloc can give
 * (over PTRDIFF_MAX) on every machine, without overflowing a size_t. */
static const size_t too_much = (size_t)1 << 62;

static void test_big_buffer_that_cannot_grow(void) {
  tj_buf b = {.big = true};
  buf_puts(&b, "int x;");
  CHECK(buf_room(&b, too_much) == NULL);
  CHECK(b.failed == (size_t)1 << 63);
  CHECK_STR(b.data, "int x;");
  buf_puts(&b, " more"); /* ignored once failed */
  buf_printf(&b, "%d", 42);
  CHECK_STR(b.data, "int x;");
  CHECK(b.len == 6);
  buf_free(&b);
  CHECK(b.data == NULL && b.failed == 0 && b.big);
}

static void test_big_allocations_fail_as_malloc(void) {
  CHECK(big_malloc(too_much * 2) == NULL);
  CHECK(big_calloc(too_much * 2) == NULL);
  char *p = big_malloc(16);
  CHECK(p != NULL);
  CHECK(big_realloc(p, too_much * 2) == NULL); /* p is still there */
  big_free(p);
}

static void test_nomem_message(void) {
  char err[128];
  snprintf(err, sizeof err, TJ_NOMEM_FMT "output %u", (size_t)4096, 0u);
  CHECK_STR(err, "out of memory: could not allocate 4096 bytes for output 0");
}

int main(void) {
  test_big_buffer_that_cannot_grow();
  test_big_allocations_fail_as_malloc();
  test_nomem_message();
  return HARNESS_REPORT();
}
