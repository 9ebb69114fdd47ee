# Inputs of tests/cli/98-fuse-reduce.bats (test-only, numpy): for each
# shape on the command line (e.g. 4097 or 3x1025), in the current
# directory, DTYPE being f32 and f64:
#   x_DTYPE_SHAPE.npy  normal values times powers of two from 2^-8 to 2^8
#                      (sums whose rounding shows the order), a few -0.0/+0.0
#   s_DTYPE_SHAPE.npy  the same with NaN of both signs, +-inf and +-0 at
#                      seeded places (max/min: the first NaN, the first zero)
#   z_DTYPE_SHAPE.npy  values <= 0 with zeros of both signs (max is a zero:
#                      the sign of the first one)
#   u_DTYPE_SHAPE.npy  +-1 with a few +-2 and +-0.5 (products exact in any
#                      order, far from overflow)
# usage: /usr/bin/python3 fuse_reduce_inputs.py SHAPE...
import sys

import numpy as np

NEG_NAN = np.copysign(np.nan, -1.0)


def arrays(shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    x = rng.standard_normal(n) * np.exp2(rng.integers(-8, 9, n))
    zeros = rng.random(n) < 0.01
    x[zeros] = np.where(rng.random(n) < 0.5, 0.0, -0.0)[zeros]
    s = x.copy()
    for value, p in ((np.nan, 0.002), (NEG_NAN, 0.002), (np.inf, 0.003), (-np.inf, 0.003), (-0.0, 0.01), (0.0, 0.01)):
        s[rng.random(n) < p] = value
    z = -np.abs(x)
    z[rng.random(n) < 0.01] = 0.0
    z[rng.random(n) < 0.01] = -0.0
    u = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    u[rng.random(n) < 0.002] *= 2.0
    u[rng.random(n) < 0.002] *= 0.5
    return {"x": x, "s": s, "z": z, "u": u}


for k, arg in enumerate(sys.argv[1:]):
    shape = tuple(int(d) for d in arg.split("x"))
    for name, values in arrays(shape, 1000 + k).items():
        for dtype, t in (("f32", np.float32), ("f64", np.float64)):
            np.save("%s_%s_%s.npy" % (name, dtype, arg), values.astype(t).reshape(shape))
