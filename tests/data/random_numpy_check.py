"""Checks `tjit run --format json tests/data/random-threefry-check.json`
(stdin) against a numpy transcription of JAX's Threefry-2x32
(jax/_src/random/threefry2x32.py _threefry2x32_lowering, unrolled: the key
schedule, the rotations, the injections), itself checked first on the
Random123 known answers of JAX's tests/random_test.py testThreefry2x32.
Every uint32 must be equal. Exit 0 when all agree."""
import json
import sys

import numpy as np


def rotl(x, d):
    return (x << np.uint32(d)) | (x >> np.uint32(32 - d))


def apply_round(v, rot):
    v0 = v[0] + v[1]
    v1 = rotl(v[1], rot)
    return [v0, v0 ^ v1]


def threefry2x32(k1, k2, x1, x2):
    k1, k2, x1, x2 = (np.asarray(v, np.uint32) for v in (k1, k2, x1, x2))
    rotations = [[13, 15, 26, 6], [17, 29, 16, 24]]
    ks = [k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA)]
    x = [x1 + ks[0], x2 + ks[1]]
    for i in range(5):
        for r in rotations[i % 2]:
            x = apply_round(x, r)
        x = [x[0] + ks[(i + 1) % 3], x[1] + ks[(i + 2) % 3] + np.uint32(i + 1)]
    return x


np.seterr(over="ignore")
known = [((0, 0, 0, 0), (0x6B200159, 0x99BA4EFE)),
         ((0xFFFFFFFF,) * 4, (0x1CB996FC, 0xBB002BE7)),
         ((0x13198A2E, 0x03707344, 0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]
for args, want in known:
    got = threefry2x32(*args)
    assert (int(got[0]), int(got[1])) == want, ("known answer", args)

if __name__ == "__main__":
    spec = json.load(open(sys.argv[1]))["args"]
    out = [np.array(o["data"], dtype=np.uint64).astype(np.uint32) for o in json.load(sys.stdin)["calls"][0]["outputs"]]
    key = np.array(spec["key"]["data"], np.uint32)
    x1 = np.full((200, 500), spec["x1"]["fill"], np.uint32)
    x2 = np.arange(200 * 500, dtype=np.uint32).reshape(200, 500)
    k = np.array(spec["k"]["data"], np.uint32)
    c = np.array(spec["c"]["data"], np.uint32)
    want = threefry2x32(key[0], key[1], x1, x2) + threefry2x32(k, k * np.uint32(7), c, c + k)
    fails = [i for i, (g, w) in enumerate(zip(out, want)) if g.shape != w.shape or not np.array_equal(g, w)]
    if len(out) != 4 or fails:
        sys.exit(f"outputs differ from numpy: {fails}")
    print("numpy agrees")
