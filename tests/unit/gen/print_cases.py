"""Expected listings for tests/unit/test_print.c, from the reference model
in jaxpr_model.py. Each case builds the IR that the C function of the same
name builds. Run: python3 tests/unit/gen/print_cases.py"""
import os, sys, time
sys.path.insert(0, os.path.dirname(__file__))
from jaxpr_model import Var, Lit, Jaxpr, Eqn, listing, one_eqn, fnv1a, c_string

cases = {}

a = Var("f32[3]"); b = Var("f32[3]")
cases["mul_literal"] = Jaxpr([], [a], [Eqn([b], "mul", [], [a, Lit("2.0", "f32[]")])], [b])

a, b, c, x, d = (Var("f32[]") for _ in range(5))
t0, t1, t2 = Var("i32[]"), Var("i32[]"), Var("f32[16]")
cases["dropped"] = Jaxpr([], [a], [
    Eqn([b], "cos", [], [a]), Eqn([c], "sin", [], [b]), Eqn([x], "tan", [], [b]),
    Eqn([t0, t1, t2], "select_n", [], [c]), Eqn([d], "exp", [], [c])], [d, c])

a = Var("f32[]"); outs = [Var("f32[]") for _ in range(6)]
cases["literals"] = Jaxpr([], [a], [
    Eqn([outs[0]], "add", [], [a, Lit("1.6699999570846558", "f32[]")]),
    Eqn([outs[1]], "mul", [], [outs[0], Lit("9.999999747378752e-06", "f32[]")]),
    Eqn([outs[2]], "max", [], [outs[1], Lit("-0.0", "f32[]")]),
    Eqn([outs[3]], "min", [], [outs[2], Lit("inf", "f32[]")]),
    Eqn([outs[4]], "add", [], [outs[3], Lit("1.0000000200408773e+20", "f32[]")]),
    Eqn([outs[5]], "add", [], [outs[4], Lit("nan", "f32[]")])],
    [outs[5], Lit("2", "i32[]"), Lit("True", "bool[]"), Lit("0.1", "f64[]"), Lit("255", "u8[]"),
     Lit("-7", "i64[]")])

a = Var("f32[3]"); b = Var("f32[3,4]")
cases["params"] = Jaxpr([], [a], [Eqn([b], "broadcast_in_dim", [
    ("shape", "(3, 4)"), ("broadcast_dimensions", "(0,)"), ("sharding", "None"),
    ("alpha", "0.5"), ("dtype", "float32"), ("dims", "[1]"), ("empty", "()"), ("flag", "True"),
    ("dn", "(([1], [0]), ([], []))"), ("dtypes", "(dtype('int32'),)"), ("nil", "[]")], [a])], [b])

a = Var("f32[]"); chain = [a]
for i in range(30): chain.append(Var("f32[]"))
cases["vars_30"] = Jaxpr([], [a], [Eqn([chain[i + 1]], "neg", [], [chain[i]]) for i in range(30)],
                         [chain[30]])
a = Var("f32[2]"); chain = [a]
for i in range(700): chain.append(Var("f32[2]"))
cases["vars_700"] = Jaxpr([], [a], [Eqn([chain[i + 1]], "neg", [], [chain[i]]) for i in range(700)],
                          [chain[700]])

# jit: the inner jaxpr borrows the operands' and outputs' names
x, y = Var("f32[]"), Var("f32[]")
p, q, r = Var("f32[1]"), Var("f32[1]"), Var("f32[1]")
inner = Jaxpr([], [x, y], [Eqn([p], "broadcast_in_dim", [("broadcast_dimensions", "()")], [x]),
                           Eqn([q], "broadcast_in_dim", [("broadcast_dimensions", "()")], [y]),
                           Eqn([r], "add", [], [q, p])], [r])
a, b, c, d = Var("f32[]"), Var("f32[]"), Var("f32[1]"), Var("f32[1]")
cases["jit_borrow"] = Jaxpr([], [a, b], [Eqn([c], "jit", [("jaxpr", inner), ("name", "inner")], [a, b]),
                                         Eqn([d], "neg", [], [c])], [d])

# jit quirks: an operand passed twice and a literal operand take fresh
# names; a pass-through output makes the next output named first; a dropped
# output lends `_`.
x, y, z = Var("f32[]"), Var("f32[]"), Var("f32[]")
s1, s2 = Var("f32[]"), Var("f32[]")
inner = Jaxpr([], [x, y, z], [Eqn([s1], "mul", [], [x, y]), Eqn([s2], "sin", [], [z])], [x, s1, s2])
a = Var("f32[]"); o1, o2, o3 = Var("f32[]"), Var("f32[]"), Var("f32[]"); e = Var("f32[]")
cases["jit_quirks"] = Jaxpr([], [a], [
    Eqn([o1, o2, o3], "jit", [("name", "g"), ("jaxpr", inner)], [a, a, Lit("3.0", "f32[]")]),
    Eqn([e], "add", [], [o1, o3])], [e])

# a jaxpr used twice is hoisted and its name is skipped by the counter
x, y = Var("f32[]"), Var("f32[]")
f = Jaxpr([], [x], [Eqn([y], "sin", [], [x])], [y])
vs = [Var("f32[]") for _ in range(6)]
cases["hoist_twice"] = Jaxpr([], [vs[0]], [
    Eqn([vs[1]], "jit", [("name", "f"), ("jaxpr", f)], [vs[0]]),
    Eqn([vs[2]], "neg", [], [vs[1]]), Eqn([vs[3]], "neg", [], [vs[2]]),
    Eqn([vs[4]], "jit", [("name", "f"), ("jaxpr", f)], [vs[3]]),
    Eqn([vs[5]], "neg", [], [vs[4]])], [vs[5]])

# sub-jaxprs of more than 10 equations are hoisted: unnamed ones as jaxpr,
# jaxpr1; <lambda> as lambda; a small jaxpr used twice is hoisted too.
# (select_n stands in for cond, which prims.def lacks so far.)
def big(n):
    v = [Var("f32[]") for _ in range(n + 1)]
    return Jaxpr([], [v[0]], [Eqn([v[i + 1]], "neg", [], [v[i]]) for i in range(n)], [v[n]])
big1, big2, lam = big(11), big(12), big(11)
x, y = Var("f32[]"), Var("f32[]")
small = Jaxpr([], [x], [Eqn([y], "cos", [], [x])], [y])
i0, a = Var("i32[]"), Var("f32[]")
c1, c2, c3 = Var("f32[]"), Var("f32[]"), Var("f32[]")
cases["hoist_big"] = Jaxpr([], [i0, a], [
    Eqn([c1], "select_n", [("branches", (big1, small))], [i0, a]),
    Eqn([c2], "select_n", [("branches", (small, big2))], [i0, c1]),
    Eqn([c3], "jit", [("name", "<lambda>"), ("jaxpr", lam)], [c2])], [c3])

cases["no_invars"] = Jaxpr([], [], [Eqn([Var("i32[3]")], "iota", [("dimension", "0")], [])], [])
u, w = Var("f32[2]"), Var("i32[]")
cases["passthrough"] = Jaxpr([Var("f32[4]")], [u, w], [], [u, u])

x, y = Var("f32[]"), Var("f32[]")
cases["eqn_alone"] = Eqn([y], "integer_pow", [("y", "2")], [x])
x, y = Var("f32[]"), Var("f32[]")
inner = Jaxpr([], [Var("f32[]")], [], [])
inner.outs = inner.invars
cases["eqn_jit_alone"] = Eqn([y], "jit", [("name", "h"), ("jaxpr", inner)], [x])

# a chain of jaxprs each called twice by the one before (JAX's walk counts
# 2^levels paths; the C code must not)
j = top = Jaxpr([], [], [], [])
for level in range(6):
    inner = Jaxpr([], [], [], [])
    x0, x1, x2 = Var("f32[]"), Var("f32[]"), Var("f32[]")
    j.invars, j.outs = [x0], [x2]
    j.eqns = [Eqn([x1], "jit", [("jaxpr", inner), ("name", "f")], [x0]),
              Eqn([x2], "jit", [("jaxpr", inner), ("name", "f")], [x1])]
    j = inner
x = Var("f32[]"); j.invars, j.outs = [x], [x]
cases["chain_6"] = top

# (A jaxpr that calls itself is tested in C only: JAX's walk, and this
# model's, never ends on it.)

N = 100000
v = [Var("f32[]") for _ in range(N + 1)]
cases["eqns_100k"] = Jaxpr([], [v[0]], [Eqn([v[i + 1]], "sin", [], [v[i]]) for i in range(N)], [v[N]])

for name, case in cases.items():
    t = time.time()
    out = one_eqn(case) if isinstance(case, Eqn) else listing(case)
    if len(out) > 3000:
        print(f"/* {name}: {len(out)} bytes, {time.time() - t:.2f} s in Python */")
        print(f"  {{{len(out)}u, 0x{fnv1a(out):016x}ull}},")
    else:
        print(f"/* {name} */")
        print(c_string(out) + ",")
