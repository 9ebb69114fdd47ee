/* A tiny unit-test harness (after redis's test_cond/test_report): each
 * test_*.c is one binary whose last line is "N passed, N failed". */
#ifndef TJ_HARNESS_H
#define TJ_HARNESS_H
#include <stdio.h>
#include <string.h>

#include "diag.h"

static int harness_passed, harness_failed;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) harness_passed++;                                              \
    else {                                                                   \
      harness_failed++;                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

#define CHECK_STR(got, want)                                                 \
  do {                                                                       \
    const char *g_ = (got), *w_ = (want);                                    \
    if (g_ && w_ && strcmp(g_, w_) == 0) harness_passed++;                   \
    else {                                                                   \
      harness_failed++;                                                      \
      fprintf(stderr, "%s:%d: strings differ\n  got:  %s\n  want: %s\n",     \
              __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
    }                                                                        \
  } while (0)

/* Where the modules under test report errors (diag.h), and the message of
 * the last one ("" when none). The list lives as long as the test binary
 * (reachable: no leak). */
static inline const diag_at *harness_at(void) {
  static tj_arena arena;
  static diag_list diags = {.arena = &arena};
  static const diag_at at = {&diags, NULL, {0, 0}, NULL};
  return &at;
}
static inline const char *harness_error(void) {
  const diag_list *d = harness_at()->d;
  return d->tail ? d->tail->msg : "";
}

#define HARNESS_REPORT()                                                     \
  (printf("%d passed, %d failed\n", harness_passed, harness_failed),         \
   harness_failed ? 1 : 0)

#endif
