"""PyTorch / numpy peer for `npm run bench`: the same cases as bench/run.ts, timed the same way.

Prints one JSON object {"cases": {name: ms, ...}, "torch": version, "numpy": version}.
Run with /usr/bin/python3 (Debian python3-torch). Installs nothing.
"""
import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
only = set(sys.argv[1:])


def median_ms(fn, steps, repeats):
    for _ in range(max(1, steps // 5)):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(steps):
            fn()
        times.append((time.perf_counter() - t) / steps * 1000)
    times.sort()
    return times[len(times) // 2]


def mlp(sizes, act, dtype):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    return torch.nn.Sequential(*layers).to(dtype)


def sgd_step_case(sizes, batch, dtype, loss_kind, steps, repeats):
    torch.manual_seed(0)
    m = mlp(sizes, torch.nn.Tanh if loss_kind == "mse" else torch.nn.ReLU, dtype)
    opt = torch.optim.SGD(m.parameters(), lr=1e-3)
    x = torch.randn(batch, sizes[0], dtype=dtype)
    if loss_kind == "mse":
        y = torch.randn(batch, sizes[-1], dtype=dtype)
        lossf = lambda: torch.nn.functional.mse_loss(m(x), y)
    else:
        y = torch.randint(0, sizes[-1], (batch,))
        lossf = lambda: torch.nn.functional.cross_entropy(m(x), y)

    def step():
        opt.zero_grad(set_to_none=True)
        lossf().backward()
        opt.step()

    return median_ms(step, steps, repeats), m, lossf


cases = {}
want = lambda n: not only or n in only
for name, w, steps in (("mlp-w32-f64", 32, 400), ("mlp-w128-f64", 128, 100), ("mlp-w512-f64", 512, 12)):
    if want(name) or (name == "mlp-w128-f64" and want("hvp-over-grad")):
        ms, m, lossf = sgd_step_case([32, w, w, w, 1], 64, torch.float64, "mse", steps, 7)
        cases[name] = ms
        if name == "mlp-w128-f64" and want("hvp-over-grad"):
            params = list(m.parameters())
            v = [torch.randn_like(p) for p in params]

            def grad_only():
                torch.autograd.grad(lossf(), params)

            def hvp():
                g = torch.autograd.grad(lossf(), params, create_graph=True)
                dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
                torch.autograd.grad(dot, params)

            g_ms = median_ms(grad_only, 100, 7)
            h_ms = median_ms(hvp, 100, 7)
            cases["hvp-over-grad"] = {"grad_ms": g_ms, "hvp_ms": h_ms, "ratio": h_ms / g_ms}
if want("mlp-1024-f32"):
    cases["mlp-1024-f32"] = sgd_step_case([784, 1024, 1024, 10], 128, torch.float32, "ce", 10, 5)[0]
if want("eigh-2000-f64"):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2000, 2000))
    a = (a + a.T) / 2
    np.linalg.eigh(a)
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        np.linalg.eigh(a)
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    cases["eigh-2000-f64"] = ts[1]

print(json.dumps({"cases": cases, "torch": torch.__version__, "numpy": np.__version__}))
