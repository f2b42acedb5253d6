"""PyTorch peer of the whole-study bench case `study-mup-lr-transfer` (bench/run.ts, bench/peer.py).

Scripts in plain PyTorch the same sweep that `executeStudy(mupLrTransfer, {profile: 'default'})` runs
(src/studies/mup-lr-transfer.ts, src/observe/lrSweep.ts, src/nn/mlp.ts, src/nn/parameterization.ts):

- task: online regression on the teacher y = sum_{j<8} a_j tanh(2 u_j^T x), x ~ N(0, I_8), U an 8x8
  orthogonal matrix, a_j ~ N(0, 1/8); a fresh batch of 32 at every step (drawn in float64, stored as f32);
- model: MLP 8 -> n -> n -> 1, ReLU, biases, float32, widths n in {32, 64, 128, 256};
- learning rates eta = 2^k, k = -12..-3 (10 points); 3 inits per (width, eta); 300 Adam steps
  (beta 0.9 / 0.999, eps 1e-8);
- SP: W ~ N(0, 1/fan_in) everywhere, zero biases, one learning rate;
- muP (Tensor Programs V, Table 3, Adam, base width 32): input W ~ N(0, 1/fan_in), hidden W ~ N(0, 1/n),
  readout W ~ N(0, 1/n^2), zero biases; per-layer learning rates eta * (n/32)^e with e = 0 for the input
  weights and every bias, e = -1 for the hidden and readout weights (Adam param groups, as the `mup`
  package's MuAdam does);
- loss: 1/2 MSE of the fresh batch, read every step (each batch is scored before the step that uses it,
  so it is an unbiased estimate of the population loss); a run's loss is the mean over the last
  ceil(0.25 * steps) steps; a run stops as diverged when a batch loss is not finite or exceeds 1e3 x the
  first one (the same early stop as ours, so the two sides do the same number of steps when they
  diverge at the same points);
- optimum: mean log loss over the inits per eta, then the vertex of the least-squares parabola in
  (log2 eta, log loss) over +-2 grid points around the best grid point (src/observe/lrSweep.ts
  curveOptimum), drift = max - min of the optima over the widths.

The teacher, the batch stream of init s and the raw init draws of (n, s) are shared by SP and muP and
across learning rates (common random numbers), as in ours. Random streams differ from ours (torch's
generator, not our Rng), so the numbers agree in distribution, not bit for bit.
Standalone: `/usr/bin/python3 bench/peer_study.py [--threads=N]` prints the summary as JSON.
"""
import math
import sys
import time

import numpy as np
import torch

WIDTHS = [32, 64, 128, 256]
HIDDEN_LAYERS = 2
INPUT_DIM = 8
TEACHER_DIRECTIONS = 8
LOG2_LRS = list(range(-12, -3 + 1))
STEPS = 300
BATCH = 32
SEEDS = 3
TAIL_FRACTION = 0.25
DIVERGE_FACTOR = 1e3
DTYPE = torch.float32


def make_teacher(seed):
    rng = np.random.default_rng(seed)
    k, d = TEACHER_DIRECTIONS, INPUT_DIM
    a = rng.standard_normal(k) / math.sqrt(k)
    q, r = np.linalg.qr(rng.standard_normal((d, k)))
    u = q * np.sign(np.diag(r))  # Haar-distributed orthonormal columns
    return torch.from_numpy(u), torch.from_numpy(a)


def teacher_batch(u, a, gen):
    x = torch.randn(BATCH, INPUT_DIM, dtype=torch.float64, generator=gen)
    y = torch.tanh(2 * (x @ u)) @ a
    return x.to(DTYPE), y.unsqueeze(1).to(DTYPE)


def init_params(scheme, width, raw):
    """Scaled copies of the shared raw N(0, 1) draws, and the per-parameter Adam lr multipliers."""
    sizes = [INPUT_DIM] + [width] * HIDDEN_LAYERS + [1]
    ratio = width / WIDTHS[0]
    params, scales = [], []
    for layer in range(len(sizes) - 1):
        fan_in = sizes[layer]
        last = layer == len(sizes) - 2
        std = 1 / math.sqrt(fan_in)
        lr_scale = 1.0
        if scheme == "mup" and layer > 0:  # hidden and readout weights: lr x (n/n0)^-1
            lr_scale = 1 / ratio
            if last:
                std = 1 / fan_in  # readout init variance 1/fan_in^2
        w = (raw[layer] * std).to(DTYPE).requires_grad_()
        b = torch.zeros(sizes[layer + 1], dtype=DTYPE, requires_grad=True)
        params += [w, b]
        scales += [lr_scale, 1.0]  # biases: exponent 0 under muP (Adam) and SP
    return params, scales


def forward(params, x):
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        h = torch.addmm(params[2 * i + 1], h, params[2 * i])
        if i < n_layers - 1:
            h = torch.relu(h)
    return h


def train_online(params, scales, lr, u, a, stream_seed):
    """Returns (tail-mean loss or inf when diverged, steps done)."""
    opt = torch.optim.Adam([{"params": [p], "lr": lr * s} for p, s in zip(params, scales)], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    gen = torch.Generator().manual_seed(stream_seed)
    tail = max(1, math.ceil(TAIL_FRACTION * STEPS))
    limit = math.inf
    tail_sum = 0.0
    for t in range(STEPS):
        x, y = teacher_batch(u, a, gen)
        loss = 0.5 * torch.nn.functional.mse_loss(forward(params, x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        value = loss.item()
        if t == 0:
            limit = DIVERGE_FACTOR * max(value, 1e-12)
        if not math.isfinite(value) or value > limit:
            return math.inf, t + 1
        if t >= STEPS - tail:
            tail_sum += value
        opt.step()
    return tail_sum / tail, STEPS


def quadratic_fit(xs, ys):
    m = sum(xs) / len(xs)
    u = np.asarray(xs, dtype=np.float64) - m
    A = np.stack([np.ones_like(u), u, u * u], axis=1)
    try:
        b, *_ = np.linalg.lstsq(A, np.asarray(ys), rcond=None)
    except np.linalg.LinAlgError:
        return None
    return [b[0] - b[1] * m + b[2] * m * m, b[1] - 2 * b[2] * m, b[2]]


def curve_optimum(ks, losses, half_window=2):
    """log2 eta* and the index of the best grid point (src/observe/lrSweep.ts curveOptimum)."""
    finite = [i for i, v in enumerate(losses) if math.isfinite(v)]
    if not finite:
        return math.nan, -1
    best = min(finite, key=lambda i: losses[i])
    if best == 0 or best == len(losses) - 1:
        return float(ks[best]), best
    xs, ys = [], []
    for i in range(max(0, best - half_window), min(len(losses) - 1, best + half_window) + 1):
        if math.isfinite(losses[i]) and losses[i] > 0:
            xs.append(ks[i])
            ys.append(math.log(losses[i]))
    if len(xs) < 3:
        return float(ks[best]), best
    c = quadratic_fit(xs, ys)
    if c is None or not c[2] > 0:
        return float(ks[best]), best
    v = -c[1] / (2 * c[2])
    return float(min(max(v, xs[0]), xs[-1])), best


def run_study(seed=0):
    """The whole sweep; returns the summary (optima, optimal losses, drift, steps done)."""
    u, a = make_teacher(seed)
    summary = {"optimum_log2_lr": {}, "optimal_loss": {}, "drift": {}, "diverged_points": {}, "runs": 0, "steps": 0}
    for scheme in ("sp", "mup"):
        optima = []
        for w in WIDTHS:
            log_loss = []
            for k in LOG2_LRS:
                row = []
                for s in range(SEEDS):
                    # raw init draws shared by SP and muP and across learning rates: one generator per (n, s)
                    g = torch.Generator().manual_seed(1_000_003 * (seed + 1) + 1009 * w + s)
                    sizes = [INPUT_DIM] + [w] * HIDDEN_LAYERS + [1]
                    raw = [torch.randn(sizes[i], sizes[i + 1], dtype=torch.float64, generator=g) for i in range(len(sizes) - 1)]
                    params, scales = init_params(scheme, w, raw)
                    loss, steps = train_online(params, scales, 2.0**k, u, a, stream_seed=7919 * (seed + 1) + s)
                    summary["runs"] += 1
                    summary["steps"] += steps
                    row.append(math.log(loss) if math.isfinite(loss) else math.inf)
                log_loss.append(row)
            curve = [math.exp(sum(r) / len(r)) for r in log_loss]
            opt, i = curve_optimum(LOG2_LRS, curve)
            optima.append(opt)
            key = f"{scheme} n={w}"
            summary["optimum_log2_lr"][key] = opt
            summary["optimal_loss"][key] = curve[max(i, 0)]
            summary["diverged_points"][key] = sum(1 for c in curve if not math.isfinite(c))
        summary["drift"][scheme] = max(optima) - min(optima)
    return summary


if __name__ == "__main__":
    import json

    threads = 1
    for arg in sys.argv[1:]:
        if arg.startswith("--threads="):
            threads = int(arg.split("=", 1)[1])
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    out = run_study()
    out["wall_ms"] = (time.perf_counter() - t0) * 1000
    print(json.dumps(out))
