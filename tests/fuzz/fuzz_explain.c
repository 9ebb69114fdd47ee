/* fuzz_explain: explain-recompile over a spec's calls, with what-ifs.
 * The input is the spec's JSON, then optionally a NUL byte and what-ifs
 * ("name=JSON") separated by NUL bytes (at most MAX_WHAT_IF). The report
 * is rendered in its three forms; each call is made once with no budget
 * and once with a budget of one compilation. */
#include "fuzz.h"

enum { MAX_WHAT_IF = 4 };

static void explain(const char *spec_text, size_t spec_len, const char *const *what_if, int n, long budget) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = fuzz_load(ctx, spec_text, spec_len);
  if (spec) {
    tj_explain_opts o = tj_explain_defaults();
    o.what_if = what_if;
    o.nwhat_if = n;
    o.max_compiles = budget;
    tj_explain_report *r = NULL;
    tj_status st = tj_explain(ctx, spec, &o, &r);
    fuzz_check_status(ctx, st, "explain-recompile");
    if (st == TJ_OK) {
      if (!r) fuzz_finding(ctx, "explain-recompile: no report");
      st = tj_explain_status(r);
      if (st == TJ_ERR_BUDGET && tj_error_count(ctx) == 0) fuzz_finding(ctx, "over the budget without an error");
      if (budget >= 0 && (st == TJ_ERR_BUDGET) != (tj_explain_compiles(r) > budget))
        fuzz_finding(ctx, "the budget status disagrees with the compilations");
      free(tj_explain_text(r));
      free(tj_explain_json(r));
      free(tj_explain_github(r));
    }
    if (r) tj_explain_free(r);
  }
  fuzz_render_diagnostics(ctx);
  tj_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  size_t spec_len = strlen(text);
  const char *what_if[MAX_WHAT_IF];
  int n = 0;
  for (size_t at = spec_len + 1; at <= size && n < MAX_WHAT_IF; at += strlen(text + at) + 1)
    what_if[n++] = text + at;
  explain(text, spec_len, what_if, n, -1);
  explain(text, spec_len, what_if, n, 1);
  free(text);
  return 0;
}
