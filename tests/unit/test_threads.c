/* tjit.h's threading contract: threads that each use their own tj_ctx
 * (and spec, results) may call the library at once. libtcc and Graphviz
 * keep global state; jit.c and graph_render.c serialise their use with a
 * lock each. This test compiles, runs and draws from several threads at
 * once (under ASan too, in make check-asan). Without graph_render.c's
 * lock it crashes (Graphviz's layout and error state); without jit.c's it
 * passes with Debian's libtcc snapshot, whose own semaphore covers the
 * compile (the 0.9.27 release has none: tcc_new sets a global state).
 * Graphviz's SVG renderer also needs one context for the process (see
 * the first test). */
#include "harness.h"
#include "tjit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

enum { THREADS = 4, ROUNDS = 25 };

typedef struct {
  int id;
  int runs_ok, graphs_ok; /* rounds whose result was the expected one */
} worker;

/* Each thread its own function (f0 ... f3) and result (id + 2), so that
 * no two compile the same C: a mix-up between threads shows in the
 * results. */
static void spec_of(int id, char *spec, size_t size) {
  snprintf(spec, size,
           "{\"source\": \"float f%d(float x[n]) { return sin(x - 1) * 2 + %d; }\","
           " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [2], \"data\": [1, 1]}}}",
           id, id + 2);
}

static bool run_once(tj_ctx *ctx, tj_spec *spec, int id) {
  tj_run_opts opts = tj_run_defaults();
  opts.check = 1; /* the compiled code against the evaluator */
  tj_result *r = NULL;
  bool ok = tj_run(ctx, spec, &opts, &r) == TJ_OK && tj_result_count(r) == 1;
  char *text = ok ? tj_result_text(r, 0) : NULL, want[64];
  snprintf(want, sizeof want, "Array([%d., %d.], dtype=float32)", id + 2, id + 2);
  ok = ok && strcmp(text, want) == 0;
  free(text);
  tj_result_free(r);
  return ok;
}

static bool graph_once(tj_ctx *ctx, tj_spec *spec, int id) {
  tj_graph_opts opts = tj_graph_defaults();
  opts.format = TJ_GRAPH_SVG;
  char *svg = NULL, constant[32];
  size_t len = 0;
  snprintf(constant, sizeof constant, ">%d.0</text>", id + 2); /* the add's literal, a node of its own */
  bool ok = tj_graph(ctx, spec, &opts, &svg, &len) == TJ_OK && strncmp(svg, "<?xml", 5) == 0 &&
            strstr(svg, "</svg>") != NULL && strstr(svg, constant) != NULL;
  free(svg);
  return ok;
}

static void *work(void *arg) {
  worker *w = arg;
  char text[512];
  spec_of(w->id, text, sizeof text);
  for (int round = 0; round < ROUNDS; round++) {
    tj_ctx *ctx = tj_ctx_new();
    tj_spec *spec;
    if (tj_spec_load(ctx, "t.json", text, strlen(text), &spec) == TJ_OK) {
      w->runs_ok += run_once(ctx, spec, w->id);
      w->graphs_ok += round % 5 == 0 && graph_once(ctx, spec, w->id);
    }
    tj_ctx_free(ctx);
  }
  return NULL;
}

/* Two drawings in one thread, one after the other: Graphviz's pango
 * plugin kept a pointer into the first drawing's freed context, which the
 * second read (ASan, make check-asan: heap-use-after-free in strcmp). */
static void test_drawings_one_after_another(void) {
  char text[512];
  spec_of(0, text, sizeof text);
  for (int i = 0; i < 2; i++) {
    tj_ctx *ctx = tj_ctx_new();
    tj_spec *spec;
    CHECK(tj_spec_load(ctx, "t.json", text, strlen(text), &spec) == TJ_OK);
    CHECK(graph_once(ctx, spec, 0));
    tj_ctx_free(ctx);
  }
}

static void test_threads_compile_run_and_draw_at_once(void) {
  pthread_t threads[THREADS];
  worker workers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (worker){.id = i};
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
  for (int i = 0; i < THREADS; i++) {
    CHECK(workers[i].runs_ok == ROUNDS);
    CHECK(workers[i].graphs_ok == ROUNDS / 5);
  }
}

int main(void) {
  test_drawings_one_after_another();
  test_threads_compile_run_and_draw_at_once();
  return HARNESS_REPORT();
}
