/* fuzz_gen: the fuzzer's bytes → a random valid program (gen.c) → trace,
 * C, libtcc, run, compared with the reference evaluator (--check), and its
 * listing and JSON listing. The generator types every expression, so a
 * trace error is a finding too: either tjit refuses a valid program or the
 * generator is wrong. FUZZ_GEN_PRINT=1 prints each spec (to reproduce a
 * finding with the CLI: save it and run `tjit run --check`).
 *
 * Two trace errors are not findings: static arithmetic out of its dtype's
 * range (OverflowError) or dividing by a static zero (ZeroDivisionError),
 * which the generator does not track: a static argument or literal meets
 * only other static values in some expressions, and the rules for them
 * are the program's. */
#include "fuzz.h"
#include "gen.h"

#include <stdbool.h>

#define FUZZ_MAX_MEMORY (64LL << 20)

static int has_error(tj_ctx *ctx, const char *text) {
  char *json = tj_diagnostics_json(ctx);
  int found = json && strstr(json, text) != NULL;
  free(json);
  return found;
}

/* The generated program compiled and run, checked against the evaluator. */
static void run_checked(tj_ctx *ctx, tj_spec *spec) {
  tj_run_opts o = tj_run_defaults();
  o.check = 1;
  o.max_memory = FUZZ_MAX_MEMORY;
  tj_result *r = NULL;
  tj_status st = tj_run(ctx, spec, &o, &r);
  fuzz_check_status(ctx, st, "run --check");
  if (st == TJ_ERR_PROGRAM && has_error(ctx, FUZZ_MISMATCH))
    fuzz_finding(ctx, "gen: compiled and evaluated results differ");
  if (st != TJ_OK) fuzz_finding(ctx, "gen: a generated program does not run");
  for (size_t k = 0; k < tj_result_count(r); k++) free(tj_result_text(r, k));
  tj_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *spec_text = gen_spec(data, size);
  if (getenv("FUZZ_GEN_PRINT")) fprintf(stderr, "%s", spec_text);
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_status st = tj_spec_load(ctx, FUZZ_SPEC_PATH, spec_text, strlen(spec_text), &spec);
  if (st != TJ_OK) fuzz_finding(ctx, "gen: the generator wrote a spec tjit refuses");
  tj_jaxpr *j = NULL;
  st = tj_trace(ctx, spec, NULL, &j);
  bool static_error = has_error(ctx, "\"kind\": \"OverflowError\"") || has_error(ctx, "\"kind\": \"ZeroDivisionError\"");
  if (st != TJ_OK && !static_error) fuzz_finding(ctx, "gen: a generated program does not trace");
  if (st == TJ_OK) {
    free(tj_jaxpr_text(j));
    free(tj_jaxpr_json(j));
    tj_jaxpr_free(j);
    run_checked(ctx, spec);
  }
  tj_ctx_free(ctx);
  free(spec_text);
  return 0;
}
