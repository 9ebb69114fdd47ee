/* What every harness under tests/fuzz shares: the input as a C string and
 * the one rule of a finding. A user's program or spec that is wrong is
 * not a finding (statuses 1-3 with a diagnostic); an internal error
 * (TJ_ERR_INTERNAL), a status without a diagnostic, a --check mismatch or
 * a sanitizer report is, and abort() makes libFuzzer keep the input. */
#ifndef TJ_FUZZ_H
#define TJ_FUZZ_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tjit.h"

/* The name specs are loaded under: a directory that does not exist, so
 * that a relative "npy" or "source_file" reads nothing of the fuzzer's. */
#define FUZZ_SPEC_PATH "/nonexistent-tjit-fuzz/fuzz.json"

/* The input as a NUL-terminated copy (the library takes text). */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = 0;
  return s;
}

/* The start of a --check mismatch's message in tj_diagnostics_json. */
#define FUZZ_MISMATCH "\"message\": \"--check: output "

/* libFuzzer's entry point, defined by each harness. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints why and the context's diagnostics, then abort()s: a finding. */
static inline void fuzz_finding(tj_ctx *ctx, const char *why) {
  fprintf(stderr, "fuzz: finding: %s\n", why);
  if (ctx) tj_print_diagnostics(ctx, stderr);
  abort();
}

/* A status is a finding when it is internal, or a failure that left no
 * error to show for it. */
static inline void fuzz_check_status(tj_ctx *ctx, tj_status st, const char *what) {
  char why[128];
  if (st == TJ_ERR_INTERNAL) {
    snprintf(why, sizeof why, "%s: internal error (status 70)", what);
    fuzz_finding(ctx, why);
  }
  if (st != TJ_OK && tj_error_count(ctx) == 0) {
    snprintf(why, sizeof why, "%s: status %d without a diagnostic", what, (int)st);
    fuzz_finding(ctx, why);
  }
  if (st != TJ_OK && st != TJ_ERR_PROGRAM && st != TJ_ERR_USAGE && st != TJ_ERR_BUDGET) {
    snprintf(why, sizeof why, "%s: unknown status %d", what, (int)st);
    fuzz_finding(ctx, why);
  }
}

/* text loaded as a spec into ctx (which owns it), or NULL when tjit
 * refuses it, with a diagnostic: a wrong spec is not a finding. */
static inline tj_spec *fuzz_load(tj_ctx *ctx, const char *text, size_t len) {
  tj_spec *spec = NULL;
  tj_status st = tj_spec_load(ctx, FUZZ_SPEC_PATH, text, len, &spec);
  fuzz_check_status(ctx, st, "spec");
  return st == TJ_OK ? spec : NULL;
}

/* Every diagnostic format must render whatever the run left. */
static inline void fuzz_render_diagnostics(tj_ctx *ctx) {
  free(tj_diagnostics_json(ctx));
  free(tj_diagnostics_github(ctx));
  FILE *null = fopen("/dev/null", "w");
  if (null) tj_print_diagnostics(ctx, null), fclose(null);
}

/* The specs' calls a harness tries: "args" when there is one, then at
 * most max of "calls". *n receives how many. */
static inline void fuzz_calls(const tj_spec *spec, int max, int *calls, int *n) {
  *n = 0;
  if (tj_spec_has_args(spec)) calls[(*n)++] = -1;
  int nc = tj_spec_ncalls(spec);
  for (int k = 0; k < nc && *n < max; k++) calls[(*n)++] = k;
  if (*n == 0) calls[(*n)++] = -1; /* neither: the library says why */
}

#endif
