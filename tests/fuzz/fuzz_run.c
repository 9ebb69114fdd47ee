/* fuzz_run: a spec → trace → C → libtcc → run, with --check: the compiled
 * results compared with the reference evaluator's. Arguments given only
 * by dtype and shape get random values (--fill-random 0). A mismatch, an
 * internal error (a C compile failure included) or a sanitizer report is
 * a finding; a program or spec error is not. */
#include "fuzz.h"

enum { MAX_CALLS = 2 };
/* Small, so that a run stays fast under the sanitizers: the reference
 * evaluator (--check) reads elements one by one, about 10^6 a second
 * under ASan, and a seed (tests/data/gaps14-run-check.json, 12M
 * multiply-adds of einsums) ran 10 s and timed fuzz-smoke out. */
#define FUZZ_MAX_MEMORY (64LL << 20)
#define FUZZ_MAX_WORK (4LL * 1000 * 1000)

/* Whether the first error is a --check mismatch: its message starts with
 * the mismatch's words (a user's text quoted in another message cannot
 * match: its quotes are escaped in the JSON). */
static int is_mismatch(tj_ctx *ctx) {
  char *json = tj_diagnostics_json(ctx);
  int found = json && strstr(json, FUZZ_MISMATCH) != NULL;
  free(json);
  return found;
}

static void run_one(tj_ctx *ctx, tj_spec *spec, int call) {
  tj_run_opts o = tj_run_defaults();
  o.trace.call = call;
  o.check = 1;
  o.fill_random = 0;
  o.max_memory = FUZZ_MAX_MEMORY;
  o.max_work = FUZZ_MAX_WORK;
  tj_result *r = NULL;
  tj_status st = tj_run(ctx, spec, &o, &r);
  fuzz_check_status(ctx, st, "run --check");
  if (st == TJ_ERR_PROGRAM && is_mismatch(ctx)) fuzz_finding(ctx, "run --check: compiled and evaluated results differ");
  for (size_t k = 0; st == TJ_OK && k < tj_result_count(r); k++) {
    free(tj_result_text(r, k));
    free(tj_result_json(r, k));
  }
  if (r) tj_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = fuzz_load(ctx, text, size);
  if (spec) {
    int calls[MAX_CALLS + 1], n;
    fuzz_calls(spec, MAX_CALLS, calls, &n);
    /* one context per call, so that a mismatch is told from an earlier error */
    for (int k = 0; k < n; k++) {
      tj_ctx *one = tj_ctx_new();
      tj_spec *again = fuzz_load(one, text, size);
      if (!again) fuzz_finding(one, "spec: loads once only");
      run_one(one, again, calls[k]);
      fuzz_render_diagnostics(one);
      tj_ctx_free(one);
    }
  }
  tj_ctx_free(ctx);
  free(text);
  return 0;
}
