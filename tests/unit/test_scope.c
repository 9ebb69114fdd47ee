/* The tracer's scopes (trace.h): a released scope is reused by the next
 * scope_new, so a static loop's per-iteration scopes take constant memory
 * (a loop of 3,000,000 iterations held 600 MB until the trace ended); a
 * scope a function definition captured is never reused, since the
 * function's closure reads it later. */
#include "harness.h"

#include "trace.h"

static void test_released_scope_is_reused(void) {
  tracer t = {0};
  scope *outer = scope_new(&t, NULL);
  scope *a = scope_new(&t, outer);
  scope_bind(&t, a, 7, value_int(1));
  scope_release(&t, a);
  scope *b = scope_new(&t, outer);
  CHECK(b == a);
  CHECK(b->n == 0);            /* nothing of a is visible */
  CHECK(b->parent == outer);
  CHECK(scope_lookup(b, 7) == NULL);
  scope_bind(&t, b, 8, value_int(2));
  CHECK(scope_lookup(b, 8) && scope_lookup(b, 8)->i == 2);
  arena_free(&t.scratch);
}

static void test_captured_scope_is_kept(void) {
  tracer t = {0};
  scope *outer = scope_new(&t, NULL);
  scope *block = scope_new(&t, outer);
  scope *inner = scope_new(&t, block);
  scope_bind(&t, block, 5, value_int(3));
  scope_capture(inner);        /* a function defined in inner */
  CHECK(inner->captured && block->captured && outer->captured);
  scope_release(&t, inner);
  scope_release(&t, block);
  scope *fresh = scope_new(&t, outer);
  CHECK(fresh != inner && fresh != block);
  CHECK(scope_lookup(inner, 5) && scope_lookup(inner, 5)->i == 3); /* the closure still reads it */
  arena_free(&t.scratch);
}

static void test_release_order_is_a_stack(void) {
  tracer t = {0};
  scope *a = scope_new(&t, NULL), *b = scope_new(&t, NULL);
  scope_release(&t, a);
  scope_release(&t, b);
  CHECK(scope_new(&t, NULL) == b);
  CHECK(scope_new(&t, NULL) == a);
  CHECK(scope_new(&t, NULL) != a);
  arena_free(&t.scratch);
}

int main(void) {
  test_released_scope_is_reused();
  test_captured_scope_is_kept();
  test_release_order_is_a_stack();
  return HARNESS_REPORT();
}
