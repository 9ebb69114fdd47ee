"""Reference model of JAX 0.10.x's jaxpr listing, for tjit's printer tests.

The layout part is Appendix A of /work/shared/JAX-REFERENCE.md (a model of
jaxlib's _pretty_printer.cc). The naming part restates, in plain Python over
a tiny IR, the rules of jax/_src/core.py (pp_toplevel_jaxpr, _dropvars,
JaxprPpContext, suggest_same_var_names) and pjit.py (_pjit_pp_rule): a full
breadth-first use count (no shortcuts, unlike the C code), names by first
touch, `_` for dropped top-level outputs, jit's name borrowing, hoisting.

Run: python3 tests/unit/gen/jaxpr_model.py   (prints the expected strings
that test_pp.c and test_print.c embed).
"""
from collections import Counter, deque
import itertools

# ---------------------------------------------------------------- layout (Appendix A)
class Text:
    def __init__(s, t): s.t = t
class Brk:
    def __init__(s, t=" "): s.t = t
class Cat:
    def __init__(s, cs): s.cs = list(cs)
class Group:
    def __init__(s, c): s.c = c
class Nest:
    def __init__(s, n, c): s.n, s.c = n, c
nil = Cat([])

def join(sep, docs):
    docs = list(docs); out = docs[:1]
    for d in docs[1:]: out += [sep, d]
    return Cat(out)

def fits(doc, w):
    st = [doc]
    while w >= 0 and st:
        d = st.pop()
        if isinstance(d, (Text, Brk)): w -= len(d.t)
        elif isinstance(d, Cat): st.extend(reversed(d.cs))
        else: st.append(d.c)
    return w >= 0

def fmt(doc, width=80):
    lines, line, k, st = [], "", 0, [(0, 'B', doc)]
    while st:
        i, m, d = st.pop()
        if isinstance(d, Text): line += d.t; k += len(d.t)
        elif isinstance(d, Brk):
            if m == 'B': lines.append(line); line = " " * i; k = i
            else: line += d.t; k += len(d.t)
        elif isinstance(d, Cat): st.extend((i, m, c) for c in reversed(d.cs))
        elif isinstance(d, Group): st.append((i, 'F' if fits(d.c, width - k) else 'B', d.c))
        else: st.append((i + d.n, m, d.c))
    return "\n".join(lines + [line])

# ---------------------------------------------------------------- tiny IR
class Var:
    def __init__(s, ty): s.ty = ty
class Lit:
    def __init__(s, val, ty): s.val, s.ty = val, ty
class Jaxpr:
    def __init__(s, constvars, invars, eqns, outs):
        s.constvars, s.invars, s.eqns, s.outs = constvars, invars, eqns, outs
class Eqn:
    """params: [(key, value)] in bind order; a value is a str (its printed
    text), a Jaxpr, or a tuple of Jaxprs."""
    def __init__(s, outs, prim, params, ins):
        s.outs, s.prim, s.params, s.ins = outs, prim, params, ins

def encode(n):
    s = ''
    while len(s) == 0 or n:
        n, i = n // 26, n % 26
        s = chr(97 + i) + s
    return s

def jaxprs_in(eqn):
    for _, v in eqn.params:
        for x in (v if isinstance(v, tuple) else (v,)):
            if isinstance(x, Jaxpr): yield x

class Printer:
    def __init__(s, seed=None):
        s.shared = {}            # id(jaxpr) -> name
        s.shared_names = set()
        s.names = dict(seed or {})
        s.fresh = (n for i in itertools.count()
                   if (n := encode(i)) not in s.shared_names)
    def name(s, v):
        if id(v) not in s.names: s.names[id(v)] = next(s.fresh)
        return s.names[id(v)]
    def atom(s, a):
        return f"{a.val}:{a.ty}" if isinstance(a, Lit) else s.name(a)
    def vars(s, vs, sep="", shapes=False):
        items = [Text(s.name(v) + ":" + v.ty) if shapes else Text(s.atom(v)) for v in vs]
        return Nest(2, Group(join(Cat([Text(sep), Group(Brk())]), items)))
    def value(s, v):
        if isinstance(v, Jaxpr): return s.jaxpr(v)
        if isinstance(v, tuple):
            return Group(Cat([Nest(2, Cat([Text('('), Brk(""), join(Brk(), [s.jaxpr(x) for x in v])])),
                              Brk(""), Text(')')]))
        return Text(v)
    def suggest(s, for_vars, like_vars):
        if len(for_vars) != len(like_vars): return
        used = set()
        for f, l in zip(for_vars, like_vars):
            if isinstance(l, Var) and id(l) not in used and isinstance(f, Var) and id(f) not in s.names:
                used.add(id(l)); s.names[id(f)] = s.name(l)
    def eqn(s, e):
        params = sorted(e.params, key=lambda kv: kv[0])
        if e.prim == 'jit':
            inner = dict(e.params)['jaxpr']
            if id(inner) not in s.shared:
                s.suggest(inner.invars, e.ins)
                s.suggest(inner.outs, e.outs)
            params = [kv for kv in e.params if kv[0] == 'name'] + \
                     sorted([kv for kv in e.params if kv[0] != 'name'], key=lambda kv: kv[0])
        lhs = s.vars(e.outs, shapes=True)
        prim = Text(e.prim)
        if params:
            kvs = [Cat([Text(k + "="), s.value(v)]) for k, v in params]
            kv = Group(Cat([Nest(2, Cat([Text("["), Brk(""), join(Brk(), kvs)])), Brk(""), Text("]")]))
        else:
            kv = nil
        ins = Cat([Text(" "), s.vars(e.ins)])
        return Cat([lhs, Text(" = "), prim, kv, ins]) if e.outs else Cat([prim, kv, ins])
    def skeleton(s, j):
        cv = s.vars(j.constvars, shapes=True)
        iv = s.vars(j.invars, shapes=True)
        eqns = join(Brk("; "), [s.eqn(e) for e in j.eqns])
        outs = Cat([Text("("), s.vars(j.outs, sep=","), Text(")" if len(j.outs) != 1 else ",)")])
        return Cat([Group(Nest(2, Cat([Text("{ "), Text("lambda "), cv, Text("; "), iv, Text(". "),
                                       Text("let"), Nest(2, Cat([Brk(), eqns])), Brk(), Text("in "),
                                       outs]))), Text(" }")])
    def jaxpr(s, j):
        return Text(s.shared[id(j)]) if id(j) in s.shared else s.skeleton(j)

def dropvars(j):
    out, used = {}, {id(a) for a in j.outs if isinstance(a, Var)}
    for e in reversed(j.eqns):
        for v in e.outs:
            if id(v) not in used: out[id(v)] = '_'
        used.update(id(a) for a in e.ins if isinstance(a, Var))
    return out

def listing(top):
    p = Printer(dropvars(top))
    names, counts, order = {}, Counter(), []
    q = deque([top])
    while q:
        j = q.popleft()
        if id(j) not in counts: order.append(j)
        counts[id(j)] += 1
        if j is not top and len(j.eqns) > 10: counts[id(j)] += 1
        for e in j.eqns:
            nm = dict(e.params).get('name')
            for sub in jaxprs_in(e):
                q.append(sub)
                if nm is not None: names.setdefault(id(sub), nm.strip("<>"))
    name_counts, shared = Counter(), []
    for j in order:
        if counts[id(j)] == 1: continue
        name = names.get(id(j), "jaxpr")
        if (c := name_counts[name]) > 0:
            name_counts[name] += 1; name += str(c); name_counts[name] += 1
        else:
            name_counts[name] += 1
        p.shared_names.add(name); p.shared[id(j)] = name; shared.append((name, j))
    docs = [Cat([Text("let "), Text(n), Text(" = "), p.skeleton(j), Text(" in"), Brk()])
            for n, j in shared]
    return fmt(Cat(docs + [p.jaxpr(top)]))

def one_eqn(e):
    return fmt(Printer().eqn(e))

def fnv1a(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h

def c_string(s):
    body = s.replace('\\', '\\\\').replace('"', '\\"').split('\n')
    return '\n'.join('  "' + line + ('\\n"' if i < len(body) - 1 else '"')
                     for i, line in enumerate(body))
