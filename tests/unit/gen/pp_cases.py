"""Expected outputs for tests/unit/test_pp.c, from the Appendix A layout
model. Each case builds the same document as the C function of the same
name in test_pp.c. Run: python3 tests/unit/gen/pp_cases.py"""
import os, sys, time
sys.path.insert(0, os.path.dirname(__file__))
from jaxpr_model import Text, Brk, Cat, Group, Nest, nil, join, fmt, encode, fnv1a, c_string

# Documents with explicit names, as test_pp.c builds them: binders are
# "name:type" strings, operands plain strings.
def vars_(items, sep=""):
    return Nest(2, Group(join(Cat([Text(sep), Group(Brk())]), [Text(x) for x in items])))
def kv(k, v): return Cat([Text(k + "="), v if not isinstance(v, str) else Text(v)])
def params(kvs):
    if not kvs: return nil
    return Group(Cat([Nest(2, Cat([Text("["), Brk(""), join(Brk(), kvs)])), Brk(""), Text("]")]))
def eqn(outs, prim, kvs, ins):
    rhs = [Text(prim), params(kvs), Cat([Text(" "), vars_(ins)])]
    return Cat([vars_(outs), Text(" = ")] + rhs) if outs else Cat(rhs)
def jaxpr(consts, ins, eqns, outs):
    body = join(Brk("; "), eqns)
    o = Cat([Text("("), vars_(outs, ","), Text(")" if len(outs) != 1 else ",)")])
    return Cat([Group(Nest(2, Cat([Text("{ "), Text("lambda "), vars_(consts), Text("; "),
                                   vars_(ins), Text(". "), Text("let"), Nest(2, Cat([Brk(), body])),
                                   Brk(), Text("in "), o]))), Text(" }")])
def jaxprs(js):
    return Group(Cat([Nest(2, Cat([Text('('), Brk(""), join(Brk(), js)])), Brk(""), Text(')')]))

def exact_fit(n):  # a group of n columns at column 0
    return Group(Cat([Text("x" * 40), Brk(), Text("y" * (n - 41))]))

cases = {}
cases["one_liner"] = jaxpr([], ["a:f32[]"], [eqn(["b:f32[]"], "cos", [], ["a"]),
                                            eqn(["c:f32[]"], "sin", [], ["b"])], ["c"])
cases["fit_80"] = exact_fit(80)
cases["fit_81"] = exact_fit(81)
cases["nested_fit"] = Cat([Text("ab"), Nest(4, Group(Cat([Text("c" * 70), Brk(), Text("d" * 9)])))])
cases["top_breaks"] = Cat([Text("a"), Nest(3, Cat([Brk(), Text("b")])), Brk(", "), Text("c")])
cases["many_eqns"] = jaxpr([], ["a:f32[8]"],
    [eqn([encode(i + 1) + ":f32[8]"], "mul", [], [encode(i), "a"]) for i in range(12)], [encode(12)])
cases["long_params"] = jaxpr([], ["a:f32[3,4]", "b:f32[4,5]"],
    [eqn(["c:f32[3,5]"], "dot_general",
         [kv("dimension_numbers", "(([1], [0]), ([], []))"), kv("out_sharding", "None"),
          kv("precision", "None"), kv("preferred_element_type", "float32")], ["a", "b"])], ["c"])
cases["empty_body"] = jaxpr([], ["a:i32[3]"], [], ["a"])
cases["zero_outs"] = jaxpr([], ["a:f32[]"], [], [])
cases["two_outs"] = jaxpr(["a:i32[1]"], ["b:f32[]", "c:f32[1]"], [], ["b", "a"])
cases["literal_outs"] = jaxpr([], ["a:f32[]"], [eqn(["b:f32[]"], "sin", [], ["a"])],
                              ["b", "1.0:f32[]", "a"])
br0 = jaxpr([], ["d:f32[]"], [eqn(["e:f32[]"], "neg", [], ["d"])], ["e"])
br1 = jaxpr([], ["f:f32[]"], [eqn(["g:f32[]"], "sin", [], ["f"])], ["g"])
cases["cond_like"] = jaxpr([], ["a:f32[]", "b:i32[]"],
    [eqn(["c:f32[]"], "cond", [kv("branches", jaxprs([br0, br1]))], ["b", "a"])], ["c"])
inner = jaxpr([], ["a:f32[]", "b:f32[]"], [eqn(["c:f32[]"], "add", [], ["a", "b"])], ["c"])
cases["jit_named"] = jaxpr([], ["a:f32[]", "b:f32[]"],
    [eqn(["c:f32[]"], "jit", [kv("name", "inner"), kv("jaxpr", inner)], ["a", "b"]),
     eqn(["d:f32[]"], "mul", [], ["c", "2.0:f32[]"])], ["d"])
cases["no_outs_no_ins"] = jaxpr([], ["a:f32[]"],
    [eqn([], "debug_print", [kv("fmt", "x")], ["a"]),
     eqn(["b:i32[3]"], "iota", [kv("dimension", "0"), kv("dtype", "int32"), kv("shape", "(3,)"),
                                kv("sharding", "None")], [])], ["b"])
cases["vars_30"] = jaxpr([], [encode(i) + ":f32[]" for i in range(30)], [], [encode(29)])
cases["vars_800"] = jaxpr([], [encode(i) + ":f32[16]" for i in range(800)], [],
                          [encode(i) for i in range(800)])
N = 100000
cases["eqns_100k"] = jaxpr([], ["a:f32[]"],
    [eqn([encode(i + 1) + ":f32[]"], "sin", [], [encode(i)]) for i in range(N)], [encode(N)])

for name, doc in cases.items():
    t = time.time()
    out = fmt(doc)
    if len(out) > 2000:
        print(f"/* {name}: {len(out)} bytes, {time.time() - t:.2f} s in Python */")
        print(f"  {{{len(out)}u, 0x{fnv1a(out):016x}ull}},")
    else:
        print(f"/* {name} */")
        print(c_string(out) + ",")
