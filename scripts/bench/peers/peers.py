"""make bench-peers' numpy contender (scripts/bench-peers.sh): each workload
of scripts/bench/peers/NAME.json as idiomatic numpy on float32 data.

usage: peers.py NAME REPS         one untimed call, then REPS timed calls
                                  (time.perf_counter); prints their median in ms
       peers.py --verify NAME D...  one call at dimensions D (the spec's, shrunk;
                                  scripts/bench/peers/peers.c --dims gives the
                                  spec's) on the spec's own data, bit for bit,
                                  printing every output element, one a line

Timed runs draw the same distribution as the specs (uniform in [0, 1), by
numpy's default_rng), not the same bits: the spec's generator written in
Python would take minutes for 50M values. --verify computes the spec's
xoshiro256** values in Python (small sizes only) so that its output can be
compared with tjit's and the C contender's on the same inputs.
"""
import sys
import time

import numpy as np

F32 = np.float32


def scan_cumsum(xs):
    return np.cumsum(xs)


def scan_discount(rewards, gamma, chunk=1000):
    """Discounted returns g[t] = r[t] + gamma * g[t+1] without a Python loop
    over elements (numpy has no linear-recurrence scan; scipy's lfilter would
    be the usual call, and this benchmark uses numpy only). Within chunks of
    1000: g = reverse_cumsum(r * gamma^j) / gamma^t, in float64 (gamma^1000
    is 4e-5: dividing by it stays exact enough there; over the whole 1M
    array gamma^t underflows, and even in 64-bit floats that formulation
    loses every digit); the chunks' first returns are then chained by a
    Python loop over the 1000 chunks, and each chunk adds
    gamma^(1000 - t) times the next chunk's first return. The result is
    rounded to float32 once, so it is more accurate than a float32 loop."""
    n, gamma = rewards.size, float(gamma)
    m = -(-n // chunk)
    x = np.zeros(m * chunk)
    x[:n] = rewards
    x = x.reshape(m, chunk)
    w = gamma ** np.arange(chunk)
    local = np.cumsum((x * w)[:, ::-1], axis=1)[:, ::-1] / w
    firsts = local[:, 0].tolist()
    head = [0.0] * (m + 1)  # head[i]: the return at chunk i's first element
    step = gamma**chunk
    for i in range(m - 1, -1, -1):
        head[i] = firsts[i] + step * head[i + 1]
    g = local + np.outer(head[1:], gamma ** (chunk - np.arange(chunk)))
    return g.ravel()[:n].astype(F32)


def sum_middle(x):
    return x.sum(axis=1)


def sum_axpb(x, a, b):
    return np.sum(a * x + b)


def axpb(x, a, b):
    return a * x + b


def layer_norm(x, gamma, beta, eps=F32(1e-5)):
    mu = x.mean(axis=-1, keepdims=True)
    centered = x - mu
    var = (centered * centered).mean(axis=-1, keepdims=True)
    return centered / np.sqrt(var + eps) * gamma + beta


def newton(u):
    a = 1 + u
    x = a
    while np.max(np.abs(x * x - a)) > F32(1e-6):
        x = F32(0.5) * (x + a / x)
    return x


def fused(x):
    return np.sin(x) * 2 + np.exp(-x * x)


def softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def matmul(a, b):
    return a @ b


def mlp_layer(x, w, b):
    return np.maximum(x @ w + b, 0)


# name: (function, the arrays' shapes from the dimensions d, scalar arguments, the spec's dimensions)
WORKLOADS = {
    "scan_cumsum": (scan_cumsum, lambda d: [(d[0],)], [], [1000000]),
    "scan_discount": (scan_discount, lambda d: [(d[0],)], [F32(0.99)], [1000000]),
    "sum_middle": (sum_middle, lambda d: [tuple(d)], [], [256, 512, 64]),
    "sum_axpb": (sum_axpb, lambda d: [(d[0],)], [F32(2.0), F32(1.0)], [50000000]),
    "axpb": (axpb, lambda d: [(d[0],)], [F32(2.0), F32(1.0)], [50000000]),
    "layer_norm": (layer_norm, lambda d: [tuple(d), (d[1],), (d[1],)], [], [4096, 1024]),
    "newton": (newton, lambda d: [(d[0],)], [], [1000000]),
    "fused": (fused, lambda d: [(d[0],)], [], [10000000]),
    "softmax": (softmax, lambda d: [tuple(d)], [], [4096, 1024]),
    "matmul512": (matmul, lambda d: [(d[0], d[0])] * 2, [], [512]),
    "matmul1024": (matmul, lambda d: [(d[0], d[0])] * 2, [], [1024]),
    "mlp_layer": (mlp_layer, lambda d: [(d[0], d[1]), (d[1], d[2]), (d[2],)], [], [256, 512, 512]),
}

M64 = (1 << 64) - 1


def spec_uniform(n, seed):
    """n float32 values as the spec's {"random": {"seed": seed, "dist":
    "uniform"}} gives them (tjit-spec(5); scripts/bench/bench.h):
    xoshiro256** seeded by splitmix64, the top 24 bits times 2^-24."""
    state = []
    for _ in range(4):
        seed = (seed + 0x9E3779B97F4A7C15) & M64
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        state.append(z ^ (z >> 31))
    s0, s1, s2, s3 = state
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M64
    out = np.empty(n, dtype=F32)
    for i in range(n):
        out[i] = (rotl((s1 * 5) & M64, 7) * 9 & M64) >> 40
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
    return out * F32(2.0**-24)


def main(argv):
    if len(argv) >= 3 and argv[1] == "--verify":
        fn, shapes, scalars, _ = WORKLOADS[argv[2]]
        arrays = [spec_uniform(int(np.prod(s)), k).reshape(s) for k, s in enumerate(shapes([int(v) for v in argv[3:]]))]
        for v in np.ravel(fn(*arrays, *scalars)):
            print("%.9g" % v)
        return 0
    if len(argv) != 3 or argv[1] not in WORKLOADS or not argv[2].isdigit() or int(argv[2]) < 1:
        print("usage: peers.py NAME REPS | --verify NAME D...", file=sys.stderr)
        return 2
    fn, shapes, scalars, dims = WORKLOADS[argv[1]]
    arrays = [np.random.default_rng(k).random(s, dtype=F32) for k, s in enumerate(shapes(dims))]
    fn(*arrays, *scalars)
    times = []
    for _ in range(int(argv[2])):
        t0 = time.perf_counter()
        fn(*arrays, *scalars)
        times.append((time.perf_counter() - t0) * 1e3)
    print("%.4f" % sorted(times)[(len(times) - 1) // 2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
