/**
 * The decoder-only transformer (src/nn/transformer.ts) against its oracles: a plain-loop forward pass of
 * the formula in its header; central finite differences of the next-token loss (gradient) and of its
 * exact gradient (HVP) in float64; causality; float32 against float64; the μP and depth-μP table entries
 * read off the model; and per-example gradients / the empirical NTK against single-sequence gradients.
 */
import { describe, expect, it } from 'vitest';
import { empiricalNtkMatrix, flatten, hessianVectorProduct, perExampleGradients, unflatten, valueAndGrad } from '../../src/core/autodiff.ts';
import { fusedLayerNorm } from '../../src/core/fused.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { normalCdf } from '../../src/core/special.ts';
import { noGrad, type Tensor, tensor } from '../../src/core/tensor.ts';
import { getParameterization, layerScaling } from '../../src/nn/parameterization.ts';
import { type Transformer, type TransformerSpec, transformer } from '../../src/nn/transformer.ts';
import { FD_REL, fdGrad, fdHvp, relErr } from '../core/finiteDifferences.ts';

const TINY: TransformerSpec = { vocab: 7, context: 5, dModel: 8, heads: 2, layers: 2 };

function randomTokens(rng: Rng, batch: number, length: number, vocab: number): Tensor {
  return tensor(Array.from({ length: batch * length }, () => rng.int(vocab)), [batch, length]);
}

// ---- a plain-loop reference of the header's formula ---------------------------------------------

type Mat = number[][];
const rows = (data: ArrayLike<number>, n: number, m: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => data[i * m + j]));
const matmulRef = (a: Mat, w: Mat, c = 1): Mat => a.map((r) => w[0].map((_, j) => c * r.reduce((s, x, k) => s + x * w[k][j], 0)));
function layerNormRef(a: Mat, g: ArrayLike<number>, b: ArrayLike<number>): Mat {
  return a.map((r) => {
    const mu = r.reduce((s, x) => s + x, 0) / r.length;
    const v = r.reduce((s, x) => s + (x - mu) ** 2, 0) / r.length;
    return r.map((x, j) => ((x - mu) / Math.sqrt(v + 1e-5)) * g[j] + b[j]);
  });
}

/** Causal attention of one sequence's q, k, v [T, d], H heads, logits scaled by `scale`. */
function attentionRef(q: Mat, k: Mat, v: Mat, H: number, scale: number): Mat {
  const T = q.length;
  const dh = q[0].length / H;
  const out: Mat = q.map((r) => r.map(() => 0));
  for (let h = 0; h < H; h++)
    for (let i = 0; i < T; i++) {
      const s = Array.from({ length: i + 1 }, (_, j) => scale * Array.from({ length: dh }, (_, c) => q[i][h * dh + c] * k[j][h * dh + c]).reduce((a, b) => a + b, 0));
      const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < dh; c++) out[i][h * dh + c] = e.reduce((acc, w, j) => acc + (w / z) * v[j][h * dh + c], 0);
    }
  return out;
}

/** Logits of one sequence by the formula; `branch` is the residual-branch multiplier m_o = m_2. */
function forwardRef(net: Transformer, ids: number[], scale: number, branch: number): Mat {
  const s = net.spec;
  const P = new Map(net.namedParams().map((p) => [p.name, p.tensor]));
  const W = (name: string) => {
    const t = P.get(name) as Tensor;
    return rows(t.data, t.shape[0], t.shape[1] ?? 1);
  };
  const vec = (name: string) => (P.get(name) as Tensor).data;
  const E = W('embed.token');
  const Pos = W('embed.position');
  let h: Mat = ids.map((id, t) => E[id].map((x, j) => x + Pos[t][j]));
  const add = (a: Mat, b: Mat, c: number) => a.map((r, i) => r.map((x, j) => x + c * b[i][j]));
  for (let l = 0; l < s.layers; l++) {
    const b = `blocks.${l}`;
    const a = layerNormRef(h, vec(`${b}.ln1.gain`), vec(`${b}.ln1.bias`));
    const att = attentionRef(matmulRef(a, W(`${b}.attn.q`)), matmulRef(a, W(`${b}.attn.k`)), matmulRef(a, W(`${b}.attn.v`)), s.heads, scale);
    h = add(h, matmulRef(att, W(`${b}.attn.o`)), branch);
    const m = layerNormRef(h, vec(`${b}.ln2.gain`), vec(`${b}.ln2.bias`));
    const u = matmulRef(m, W(`${b}.mlp.in`)).map((r) => r.map((x) => x * normalCdf(x)));
    h = add(h, matmulRef(u, W(`${b}.mlp.out`)), branch);
  }
  return matmulRef(layerNormRef(h, vec('final.ln.gain'), vec('final.ln.bias')), W('unembed'));
}

// ---- tests --------------------------------------------------------------------------------------

describe('transformer: forward pass', () => {
  it('equals the formula (depth-μP: logits scaled 1/d_head, branches ×L^{-1/2}; queries and readout redrawn nonzero)', () => {
    const rng = Rng.fromSeed(1, 'formula');
    const net = transformer({ ...TINY, parameterization: 'depth-mup', optimizer: 'adam' }, rng);
    // μP zero-initializes queries and the readout; give them values so the logit scale matters
    for (const p of net.namedParams()) if (p.role === 'attnQ' || p.role === 'unembedding') rng.child('redraw', p.name).fillNormal(p.tensor.data, 0.5);
    const x = randomTokens(rng.child('x'), 2, 5, TINY.vocab);
    const logits = noGrad(() => net.forward(x));
    expect(logits.shape).toEqual([10, 7]);
    const dh = TINY.dModel / TINY.heads;
    for (let b = 0; b < 2; b++) {
      const ref = forwardRef(net, Array.from(x.data.slice(b * 5, b * 5 + 5)), 1 / dh, 2 ** -0.5);
      // float error only: the two computations sum in different orders
      for (let t = 0; t < 5; t++) for (let c = 0; c < 7; c++) expect(logits.data[(b * 5 + t) * 7 + c]).toBeCloseTo(ref[t][c], 12);
    }
  });

  it('collect receives the residual stream after each block; the readout reads the last one', () => {
    const net = transformer(TINY, Rng.fromSeed(2));
    const x = randomTokens(Rng.fromSeed(3), 2, 4, TINY.vocab);
    const hs: Tensor[] = [];
    const logits = noGrad(() => net.forward(x, hs));
    expect(hs.map((h) => h.shape)).toEqual([
      [8, 8],
      [8, 8],
    ]);
    const P = new Map(net.namedParams().map((p) => [p.name, p.tensor]));
    const again = noGrad(() => op.matmul(fusedLayerNorm(hs[1], P.get('final.ln.gain') as Tensor, P.get('final.ln.bias') as Tensor), P.get('unembed') as Tensor));
    expect(Array.from(again.data)).toEqual(Array.from(logits.data));
  });

  it('is causal: changing a later token leaves every earlier position’s logits (and the other sequence) unchanged', () => {
    const net = transformer(TINY, Rng.fromSeed(4));
    const x = randomTokens(Rng.fromSeed(5), 2, 5, TINY.vocab);
    const y = tensor(x.data.slice(), x.shape);
    const t0 = 2;
    y.data[t0] = (x.data[t0] + 3) % TINY.vocab; // sequence 0, position 2
    const a = noGrad(() => net.forward(x)).data;
    const b = noGrad(() => net.forward(y)).data;
    const rowDiff = (r: number) => Math.max(...Array.from({ length: 7 }, (_, c) => Math.abs(a[r * 7 + c] - b[r * 7 + c])));
    for (let r = 0; r < 10; r++) {
      if (r >= t0 && r < 5) expect(rowDiff(r)).toBeGreaterThan(1e-6);
      else expect(rowDiff(r)).toBe(0);
    }
  });

  it('float32 agrees with float64 to float32 precision', () => {
    const x = randomTokens(Rng.fromSeed(6), 2, 5, TINY.vocab);
    const f64 = noGrad(() => transformer(TINY, Rng.fromSeed(7)).forward(x));
    const net32 = transformer({ ...TINY, dtype: 'f32' }, Rng.fromSeed(7));
    const f32 = noGrad(() => net32.forward(x));
    expect(f32.dtype).toBe('f32');
    expect(net32.params().every((p) => p.dtype === 'f32')).toBe(true);
    // ε₃₂ = 6e-8 per rounding; a few hundred dependent operations give ~1e-6 relative, bound 1e-5
    expect(relErr(f32.data, f64.data)).toBeLessThan(1e-5);
    const l64 = transformer(TINY, Rng.fromSeed(7)).loss(randomTokens(Rng.fromSeed(8), 2, 6, TINY.vocab)).item();
    const l32 = net32.loss(randomTokens(Rng.fromSeed(8), 2, 6, TINY.vocab)).item();
    expect(Math.abs(l32 - l64) / l64).toBeLessThan(1e-5);
  });
});

describe('transformer: exact derivatives (float64, vocab 7, d 8, 2 heads, 2 layers, T 5, B 2)', () => {
  const net = transformer(TINY, Rng.fromSeed(10, 'fd'));
  const tokens = randomTokens(Rng.fromSeed(11), 2, 6, TINY.vocab);
  const build = (ps: Tensor[]) => net.withParams(ps).loss(tokens);
  const ps = net.params();

  it('the gradient of the next-token loss matches central finite differences', () => {
    const g = flatten(valueAndGrad(() => net.loss(tokens), ps).grads);
    expect(g.length).toBe(ps.reduce((a, p) => a + p.size, 0));
    expect(relErr(g, fdGrad(build, ps))).toBeLessThan(FD_REL);
  });

  it('the Hessian-vector product matches finite differences of the gradient, and uᵀHv = vᵀHu', () => {
    const rng = Rng.fromSeed(12);
    const n = ps.reduce((a, p) => a + p.size, 0);
    const v = rng.fillNormal(new Float64Array(n));
    const u = rng.fillNormal(new Float64Array(n));
    const hv = flatten(hessianVectorProduct(() => net.loss(tokens), ps, unflatten(v, ps)).hvp);
    expect(relErr(hv, fdHvp(build, ps, v))).toBeLessThan(FD_REL);
    const hu = flatten(hessianVectorProduct(() => net.loss(tokens), ps, unflatten(u, ps)).hvp);
    let uhv = 0;
    let vhu = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      uhv += u[i] * hv[i];
      vhu += v[i] * hu[i];
      scale += Math.abs(u[i] * hv[i]);
    }
    // exact in exact arithmetic; float error ~ n·ε relative to Σ|uᵢ(Hv)ᵢ|
    expect(Math.abs(uhv - vhu)).toBeLessThan(1e-9 * scale);
  });

  it('per-example gradients and the empirical NTK equal those of each sequence run alone', () => {
    const x = randomTokens(Rng.fromSeed(13), 2, 4, TINY.vocab);
    const out = 2 * TINY.vocab + 3; // position 2, vocabulary entry 3
    const f = () => op.reshape(net.forward(x), [2, 4 * TINY.vocab]);
    const per = perExampleGradients(f, ps, 2, out);
    const alone = [0, 1].map((b) => {
      const xb = tensor(x.data.slice(b * 4, b * 4 + 4), [1, 4]);
      const pick = tensor(Array.from({ length: 4 * TINY.vocab }, (_, i) => (i === out ? 1 : 0)), [4, TINY.vocab]);
      return flatten(valueAndGrad(() => op.sum(op.mul(net.forward(xb), pick)), ps).grads);
    });
    for (let b = 0; b < 2; b++) expect(relErr(per[b], alone[b])).toBeLessThan(1e-12);
    const ntk = empiricalNtkMatrix(f, ps, 2, out);
    const dot = (a: Float64Array, c: Float64Array) => a.reduce((s, ai, i) => s + ai * c[i], 0);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(ntk[i * 2 + j]).toBeCloseTo(dot(alone[i], alone[j]), 10);
  });
});

describe('transformer: parameterization entries read off the model', () => {
  const base = { ...TINY, dModel: 16, heads: 2, baseWidth: 8 };
  it('SP: logit scale 1/√d_head, no multipliers, one learning rate', () => {
    const net = transformer({ ...base, parameterization: 'sp' }, Rng.fromSeed(20));
    expect(net.attentionScale).toBeCloseTo(1 / Math.sqrt(8), 15);
    expect(net.entries.every((e) => e.multiplier === 1 && e.lrScale === 1)).toBe(true);
  });

  it('μP (Adam, width 2× base): logit scale 1/d_head, zero queries and readout, hidden-like ×1/2, embedding and norms ×1, loss ln V at init', () => {
    const net = transformer({ ...base, parameterization: 'mup', optimizer: 'adam' }, Rng.fromSeed(21));
    expect(net.attentionScale).toBe(1 / 8);
    const byRole = (role: string) => net.entries.filter((e) => e.role === role);
    for (const e of [...byRole('attnQ'), ...byRole('unembedding')]) expect(e.tensor.data.every((x) => x === 0)).toBe(true);
    for (const e of [...byRole('attnK'), ...byRole('attnV'), ...byRole('attnO'), ...byRole('mlpIn'), ...byRole('mlpOut'), ...byRole('embedding')])
      expect(e.tensor.data.some((x) => x !== 0)).toBe(true);
    const lr = Object.fromEntries(net.entries.map((e) => [e.role, e.lrScale]));
    expect(lr).toEqual({ embedding: 1, normGain: 1, normBias: 1, attnQ: 0.5, attnK: 0.5, attnV: 0.5, attnO: 0.5, mlpIn: 0.5, mlpOut: 0.5, unembedding: 0.5 });
    // a zero readout gives zero logits, so the next-token loss is exactly ln V (float error only)
    expect(net.loss(randomTokens(Rng.fromSeed(22), 2, 6, TINY.vocab)).item()).toBeCloseTo(Math.log(TINY.vocab), 14);
    const sgd = transformer({ ...base, parameterization: 'mup', optimizer: 'sgd' }, Rng.fromSeed(21));
    const lrSgd = Object.fromEntries(sgd.entries.map((e) => [e.role, e.lrScale]));
    expect(lrSgd).toMatchObject({ embedding: 2, normGain: 2, normBias: 2, attnQ: 1, mlpOut: 1, unembedding: 0.5 });
  });

  it('depth-μP (Adam, 4 blocks, base 1): branch outputs ×L^{-1/2}, every block parameter’s rate ×(L/L₀)^{-1/2}', () => {
    const net = transformer({ ...base, layers: 4, baseLayers: 1, baseWidth: 16, parameterization: 'depth-mup', optimizer: 'adam' }, Rng.fromSeed(23));
    for (const e of net.entries) {
      const inBlock = e.name.startsWith('blocks.');
      expect(e.multiplier).toBeCloseTo(e.role === 'attnO' || e.role === 'mlpOut' ? 0.5 : 1, 15);
      expect(e.lrScale).toBeCloseTo(inBlock ? 0.5 : 1, 15);
    }
    // the `inner` flag: depth-scaled learning rate without the branch multiplier
    const dm = getParameterization('depth-mup');
    const inner = layerScaling(dm, 'attnQ', 16, 1, { optimizer: 'adam', branch: { blocks: 4, baseBlocks: 1, inner: true } });
    expect([inner.multiplier, inner.lrScale]).toEqual([1, 0.5]);
  });

  it('names the field and the value on bad input', () => {
    expect(() => transformer({ ...TINY, heads: 3 }, Rng.fromSeed(0))).toThrow('transformer: dModel = 8 is not divisible by heads = 3');
    expect(() => transformer({ ...TINY, layers: 0 }, Rng.fromSeed(0))).toThrow('transformer: layers = 0, expected a positive integer');
    const net = transformer(TINY, Rng.fromSeed(0));
    expect(() => net.forward(tensor([0, 7], [1, 2]))).toThrow('Transformer: token 7 at index 1 is not an integer in [0, 7)');
    expect(() => net.forward(tensor(new Float64Array(6), [1, 6]))).toThrow('Transformer: sequence length 6 exceeds context = 5');
    expect(() => net.loss(tensor([1, 2], [2, 1]))).toThrow('Transformer.loss: tokens shape [2, 1], expected [batch, length + 1] with length ≥ 1');
  });
});
