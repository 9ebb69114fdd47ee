// libtjit from a C++ program: tjit.h is a C header with extern "C"
// guards; here each object the library allocates is owned by a
// std::unique_ptr whose deleter is the library's own free function.
// Build it against an installed libtjit (README, Embedding):
//
//   c++ embed.cpp $(pkg-config --cflags --libs tjit) -o embed
//
// (tests/cli/97-embed.bats builds it and checks what it prints).
#include <tjit.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace {

struct CtxFree { void operator()(tj_ctx *c) const { tj_ctx_free(c); } };
struct JaxprFree { void operator()(tj_jaxpr *j) const { tj_jaxpr_free(j); } };
struct ResultFree { void operator()(tj_result *r) const { tj_result_free(r); } };
struct MallocFree { void operator()(char *s) const { std::free(s); } };

using Ctx = std::unique_ptr<tj_ctx, CtxFree>;
using Jaxpr = std::unique_ptr<tj_jaxpr, JaxprFree>;
using Result = std::unique_ptr<tj_result, ResultFree>;
using Text = std::unique_ptr<char, MallocFree>;

// A softmax over a row, with its result as JSON: the data another program
// would parse.
const std::string spec_text = R"({"tjit": 1,
  "source": ["float softmax(float x[n]) {",
             "  auto e = exp(x - max(x));",
             "  return e / sum(e);",
             "}"],
  "args": {"x": [0.0, 0.0, 0.0, 0.0]}})";

}  // namespace

int main() {
  Ctx ctx(tj_ctx_new());
  tj_spec *spec = nullptr;  // owned by ctx
  tj_status st = tj_spec_load(ctx.get(), "softmax.json", spec_text.data(), spec_text.size(), &spec);
  if (st == TJ_OK) {
    tj_jaxpr *j = nullptr;
    st = tj_trace(ctx.get(), spec, nullptr, &j);
    Jaxpr jaxpr(j);
    if (st == TJ_OK) std::cout << "equations: " << tj_jaxpr_neqns(jaxpr.get()) << "\n";
  }
  if (st == TJ_OK) {
    tj_run_opts opts = tj_run_defaults();
    tj_result *r = nullptr;
    st = tj_run(ctx.get(), spec, &opts, &r);
    Result result(r);
    if (st == TJ_OK) {
      Text json(tj_result_json(result.get(), 0));
      std::cout << "tree " << tj_result_tree(result.get()) << ": " << json.get() << "\n";
    }
  }
  if (st != TJ_OK) tj_print_diagnostics(ctx.get(), stderr);
  return st == TJ_OK ? 0 : 1;
}
