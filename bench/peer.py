"""PyTorch / numpy peer for `npm run bench`: the same cases as bench/run.ts, timed the same way.

Prints one JSON object {"cases": {name: ms, ...}, "memory": {name: bytes}, "torch": version,
"numpy": version, "threads": n, "details": {name: {...}}}; `memory` is the resident-set high-water
(VmHWM) of this process during each case, reset through /proc/self/clear_refs before the case's setup,
as bench/run.ts does for ours (null where /proc does not allow the reset); `details` carries what a case found besides its time (the whole-study case
`study-mup-lr-transfer`, scripted in bench/peer_study.py, reports its optima per width there).
Run with /usr/bin/python3 (Debian python3-torch). Installs nothing.
`--threads=N` (default 1): the threads PyTorch (and the BLAS under it) may use; bench/run.ts passes
the number our own kernels use, so both sides get the same cores. `--cpu-time`: time by the CPU
time of this process (time.process_time) instead of the wall clock, as bench/run.ts does then.
"""
import contextlib
import json
import os
import re
import sys
import time

threads = 1
clock = time.perf_counter
if "--cpu-time" in sys.argv[1:]:
    clock = time.process_time
for a in sys.argv[1:]:
    if a.startswith("--threads="):
        threads = int(a.split("=", 1)[1])
# the BLAS under torch (OpenBLAS, when Debian's alternative points at it) reads these at load time
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(threads)
only = set(a for a in sys.argv[1:] if not a.startswith("--"))


def loaded_blas():
    """The BLAS/LAPACK shared objects this process mapped (Debian's alternatives decide which libblas.so.3 that is:
    the reference BLAS is many times slower than OpenBLAS, and a ratio against it flatters us)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if ".so" in line and re.search(r"blas|lapack", line)}
    except OSError:
        return []
    return sorted(paths)


memory = {}


@contextlib.contextmanager
def peak_rss(name):
    """Record the resident-set high-water (bytes) of this process over the block, reset at its start."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        ok = True
    except OSError:
        ok = False
    yield
    peak = None
    if ok:
        with open("/proc/self/status") as f:
            m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
        peak = int(m.group(1)) * 1024 if m else None
    memory[name] = peak


def median_ms(fn, steps, repeats):
    for _ in range(max(1, steps // 5)):
        fn()
    times = []
    for _ in range(repeats):
        t = clock()
        for _ in range(steps):
            fn()
        times.append((clock() - t) / steps * 1000)
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
    if want(name):
        with peak_rss(name):
            cases[name] = sgd_step_case([32, w, w, w, 1], 64, torch.float64, "mse", steps, 7)[0]
    if name == "mlp-w128-f64" and want("hvp-over-grad"):
        with peak_rss("hvp-over-grad"):
            _, m, lossf = sgd_step_case([32, w, w, w, 1], 64, torch.float64, "mse", 1, 1)
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
class Block(torch.nn.Module):
    """Pre-LN block as src/nn/transformer.ts: causal attention (1/sqrt(d_head) logits), exact GELU MLP 4d, no linear biases."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (torch.nn.Linear(d, d, bias=False) for _ in range(4))
        self.fc1, self.fc2 = torch.nn.Linear(d, 4 * d, bias=False), torch.nn.Linear(4 * d, d, bias=False)

    def forward(self, h, mask):
        B, T, d = h.shape
        a = self.ln1(h)
        split = lambda x: x.view(B, T, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(a)), split(self.k(a)), split(self.v(a))
        s = (q @ k.transpose(-1, -2)) / (d // self.heads) ** 0.5
        p = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1)
        h = h + self.o((p @ v).transpose(1, 2).reshape(B, T, d))
        return h + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(h))))


class Transformer(torch.nn.Module):
    def __init__(self, vocab, context, d, heads, layers):
        super().__init__()
        self.tok, self.pos = torch.nn.Embedding(vocab, d), torch.nn.Embedding(context, d)
        self.blocks = torch.nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln, self.unembed = torch.nn.LayerNorm(d), torch.nn.Linear(d, vocab, bias=False)
        self.register_buffer("mask", torch.triu(torch.ones(context, context, dtype=torch.bool), 1))

    def forward(self, x):
        T = x.shape[1]
        h = self.tok(x) + self.pos(torch.arange(T))
        for b in self.blocks:
            h = b(h, self.mask[:T, :T])
        return self.unembed(self.ln(h))


def transformer_case():
    """bench/transformerCase.ts: vocab 96, d 128, 4 layers, 4 heads, context 128, batch 32, float32, Adam 1e-3."""
    torch.manual_seed(0)
    m = Transformer(96, 128, 128, 4, 4)
    tokens = torch.randint(0, 96, (32, 129))
    x, y = tokens[:, :-1], tokens[:, 1:]
    lossf = lambda: torch.nn.functional.cross_entropy(m(x).reshape(-1, 96), y.reshape(-1))
    return m, lossf


if want("transformer-step-f32"):
    with peak_rss("transformer-step-f32"):
        m, lossf = transformer_case()
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)

        def tstep():
            opt.zero_grad(set_to_none=True)
            lossf().backward()
            opt.step()

        cases["transformer-step-f32"] = median_ms(tstep, 1, 3)
if want("transformer-hvp-over-grad"):
    with peak_rss("transformer-hvp-over-grad"):
        m, lossf = transformer_case()
        params = list(m.parameters())
        v = [torch.randn_like(p) for p in params]

        def tgrad():
            torch.autograd.grad(lossf(), params)

        def thvp():
            g = torch.autograd.grad(lossf(), params, create_graph=True)
            torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)

        g_ms = median_ms(tgrad, 1, 3)
        h_ms = median_ms(thvp, 1, 3)
        cases["transformer-hvp-over-grad"] = {"grad_ms": g_ms, "hvp_ms": h_ms, "ratio": h_ms / g_ms}
if want("mlp-1024-f32"):
    with peak_rss("mlp-1024-f32"):
        cases["mlp-1024-f32"] = sgd_step_case([784, 1024, 1024, 10], 128, torch.float32, "ce", 10, 5)[0]
if want("eigh-2000-f64"):
    with peak_rss("eigh-2000-f64"):
        rng = np.random.default_rng(0)
        a = rng.standard_normal((2000, 2000))
        a = (a + a.T) / 2
        np.linalg.eigh(a)
        ts = []
        for _ in range(3):
            t = clock()
            np.linalg.eigh(a)
            ts.append((clock() - t) * 1000)
        ts.sort()
        cases["eigh-2000-f64"] = ts[1]

for name, n, dtype in (("gemm-2048-f32", 2048, torch.float32), ("gemm-1024-f64", 1024, torch.float64)):
    if want(name):
        with peak_rss(name):
            torch.manual_seed(0)
            a = torch.randn(n, n, dtype=dtype)
            b = torch.randn(n, n, dtype=dtype)
            c = torch.empty(n, n, dtype=dtype)
            cases[name] = median_ms(lambda: torch.mm(a, b, out=c), 1 if n >= 2048 else 3, 5)
if want("entk-1000"):
    with peak_rss("entk-1000"):
        # empirical NTK of 1,000 inputs (dimension 32) for a width-512 two-layer tanh net, float64:
        # per-example Jacobians by vmap(jacrev) over a functional call, then Θ = J Jᵀ
        try:
            from torch.func import functional_call, jacrev, vmap
        except ImportError:  # torch 1.13: functorch
            from functorch import jacrev, vmap
            from torch.nn.utils.stateless import functional_call
        torch.manual_seed(0)
        n_in, d, width = 1000, 32, 512
        net = mlp([d, width, 1], torch.nn.Tanh, torch.float64)
        params = {k: v.detach() for k, v in net.named_parameters()}
        x = torch.randn(n_in, d, dtype=torch.float64)

        def f_single(p, xi):
            return functional_call(net, p, (xi.unsqueeze(0),)).squeeze(0)

        def entk():
            jac = vmap(jacrev(f_single), (None, 0))(params, x)
            J = torch.cat([j.reshape(n_in, -1) for j in jac.values()], dim=1)
            return J @ J.T

        cases["entk-1000"] = median_ms(entk, 1, 5)

details = {}
if want("study-mup-lr-transfer"):
    # the whole muP learning-rate-transfer sweep (bench/peer_study.py), timed once like ours
    from peer_study import run_study

    with peak_rss("study-mup-lr-transfer"):
        t = clock()
        details["study-mup-lr-transfer"] = run_study(seed=0)
        cases["study-mup-lr-transfer"] = (clock() - t) * 1000

print(json.dumps({"cases": cases, "memory": memory, "details": details, "torch": torch.__version__, "numpy": np.__version__, "threads": threads, "blas": loaded_blas()}))
