/* fuzz_spec: a spec's JSON text → trace → the listing, the JSON listing
 * and the graph's DOT text, for "args" and the first calls. Also checks
 * that the DOT text is a graph Graphviz reads back.
 *
 * No SVG: laid out twice in one process, Graphviz 2.43's pango plugin
 * reads the font name of the previous graph after it was freed
 * (heap-use-after-free in textspan_size), so every input would be a
 * finding in Graphviz rather than in tjit. */
#include <cgraph.h>

#include "fuzz.h"

enum { MAX_CALLS = 3 };

static void trace_one(tj_ctx *ctx, tj_spec *spec, int call) {
  tj_trace_opts o = tj_trace_defaults();
  o.call = call;
  tj_jaxpr *j = NULL;
  tj_status st = tj_trace(ctx, spec, &o, &j);
  fuzz_check_status(ctx, st, "trace");
  if (st != TJ_OK) return;
  char *text = tj_jaxpr_text(j), *json = tj_jaxpr_json(j);
  if (!text || !json) fuzz_finding(ctx, "trace: no listing for a traced call");
  free(text);
  free(json);
  tj_jaxpr_free(j);
}

static void graph_one(tj_ctx *ctx, tj_spec *spec, int call) {
  tj_graph_opts o = tj_graph_defaults();
  o.trace.call = call;
  char *dot = NULL;
  size_t len = 0;
  tj_status st = tj_graph(ctx, spec, &o, &dot, &len);
  fuzz_check_status(ctx, st, "graph --dot");
  if (st == TJ_OK) {
    if (!dot || strlen(dot) != len) fuzz_finding(ctx, "graph --dot: the text and its length disagree");
    Agraph_t *g = agmemread(dot);
    if (!g) fuzz_finding(ctx, "graph --dot: Graphviz cannot read the DOT text back");
    agclose(g);
  }
  free(dot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = fuzz_load(ctx, text, size);
  if (spec) {
    int calls[MAX_CALLS + 1], n;
    fuzz_calls(spec, MAX_CALLS, calls, &n);
    for (int k = 0; k < n; k++) trace_one(ctx, spec, calls[k]);
    graph_one(ctx, spec, calls[0]);
  }
  fuzz_render_diagnostics(ctx);
  tj_ctx_free(ctx);
  free(text);
  return 0;
}
