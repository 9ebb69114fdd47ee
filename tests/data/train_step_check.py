"""Checks examples/linear_regression_step.json and examples/mlp_train_step.json
against gradients derived by hand and computed in numpy (float64), not by
autodiff:
  linear:  r = x @ w + b - y, loss = mean(r**2),
           dL/dw = (2/n) x^T r, dL/db = (2/n) sum(r);
  mlp:     h = tanh(x @ w1 + b1), z = h @ w2 + b2, p = softmax(z),
           loss = -mean(log p[i, label_i]), dz = (p - one_hot(label)) / n,
           dL/dw2 = h^T dz, dL/db2 = sum_rows(dz), dh = dz @ w2^T,
           da = dh * (1 - h**2), dL/dw1 = x^T da, dL/db1 = sum_rows(da);
each parameter then moves by -lr * gradient.
usage: train_step_check.py check SPEC   reads `tjit run --format json SPEC`
                                         on stdin and checks every call;
       train_step_check.py args KIND    prints a larger random call (JSON,
                                         numpy's generator) for --args;
       train_step_check.py check-args KIND  reads `tjit run --format json
                                         --args "$(... args KIND)"` and
                                         checks it against that call.
Exit 0 and "numpy agrees (N calls)" when every output is within
2e-5 * max(1, max |expected|) of numpy's, per output."""
import json
import sys

import numpy as np

LR = {"linear": 0.125, "mlp": 0.5}


def leaf(a):
    return np.asarray(a["data"], dtype=np.float64).reshape(a.get("shape", []))


def linear_step(call, lr):
    p = {k: leaf(v) for k, v in call["params"].items()}
    x, y = leaf(call["x"]), leaf(call["y"])
    n = x.shape[0]
    r = x @ p["w"] + p["b"] - y
    grads = {"w": 2 / n * x.T @ r, "b": 2 / n * r.sum()}
    return np.mean(r**2), {k: p[k] - lr * grads[k] for k in p}


def mlp_step(call, lr):
    p = {k: leaf(v) for k, v in call["params"].items()}
    x = leaf(call["x"])
    labels = np.asarray(call["labels"]["data"], dtype=np.int64)
    n = x.shape[0]
    h = np.tanh(x @ p["w1"] + p["b1"])
    z = h @ p["w2"] + p["b2"]
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    onehot = np.eye(z.shape[1])[labels]
    loss = -np.mean((onehot * logp).sum(axis=1))
    dz = (np.exp(logp) - onehot) / n
    da = (dz @ p["w2"].T) * (1 - h**2)
    grads = {"w2": h.T @ dz, "b2": dz.sum(axis=0), "w1": x.T @ da, "b1": da.sum(axis=0)}
    return loss, {k: p[k] - lr * grads[k] for k in p}


STEP = {"linear": linear_step, "mlp": mlp_step}


def expected_outputs(kind, call):
    loss, new = STEP[kind](call, LR[kind])
    return [loss] + [new[k] for k in sorted(new)]  # the pytree's leaves: dict keys sorted


def close(got, want, what):
    got = np.asarray(got["data"], dtype=np.float64).reshape(got["shape"])
    want = np.asarray(want)
    if got.shape != want.shape:
        sys.exit(f"{what}: shape {got.shape}, numpy's {want.shape}")
    tol = 2e-5 * max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    if not err <= tol:
        sys.exit(f"{what}: off by {err:.3g} (tolerance {tol:.3g})\n got {got}\n numpy {want}")


def check(kind, calls, results):
    if len(calls) != len(results):
        sys.exit(f"{len(results)} results for {len(calls)} calls")
    for i, (call, result) in enumerate(zip(calls, results)):
        outs = result["outputs"]
        want = expected_outputs(kind, call)
        if len(outs) != len(want):
            sys.exit(f"call {i}: {len(outs)} outputs, expected {len(want)}")
        for k, (o, w) in enumerate(zip(outs, want)):
            close(o, w, f"call {i} output {k}")
    print(f"numpy agrees ({len(calls)} calls)")


def random_call(kind):
    rng = np.random.default_rng(15)

    def f32(shape, scale=1.0):
        a = (rng.standard_normal(shape) * scale).astype(np.float32)
        return {"dtype": "f32", "shape": list(shape), "data": a.tolist()}

    if kind == "linear":
        return {"params": {"w": f32((8,), 0.5), "b": f32(())}, "x": f32((64, 8)), "y": f32((64,))}
    return {"params": {"w1": f32((8, 16), 0.3), "b1": f32((16,), 0.1), "w2": f32((16, 5), 0.3),
                       "b2": f32((5,), 0.1)},
            "x": f32((64, 8)),
            "labels": {"dtype": "i32", "shape": [64], "data": rng.integers(0, 5, 64).tolist()}}


def main():
    mode, arg = sys.argv[1], sys.argv[2]
    if mode == "args":
        print(json.dumps(random_call(arg)))
    elif mode == "check-args":
        check(arg, [random_call(arg)], json.load(sys.stdin)["calls"])
    elif mode == "check":
        spec = json.load(open(arg))
        kind = "mlp" if "labels" in spec["calls"][0] else "linear"
        check(kind, spec["calls"], json.load(sys.stdin)["calls"])
    else:
        sys.exit(__doc__)


main()
