/**
 * The transformer bench case shared by bench/run.ts and bench/profile-transformer.ts (and mirrored in
 * bench/peer.py): a decoder-only pre-LN transformer, d_model 128, 4 layers, 4 heads, context 128, batch
 * 32, vocabulary 96 (printable ASCII, what a character-level model of English text uses), float32, SP,
 * one Adam step (lr 1e-3) on random token sequences. `loss` builds the graph; `step` is gradient + update.
 */
import { valueAndGrad } from '../src/core/autodiff.ts';
import { Rng } from '../src/core/random.ts';
import { type DType, type Tensor, tensor } from '../src/core/tensor.ts';
import { adam, OptimizerState } from '../src/nn/optim.ts';
import { releaseGradients } from '../src/nn/train.ts';
import { transformer } from '../src/nn/transformer.ts';

export const TRANSFORMER_BENCH = { vocab: 96, dModel: 128, layers: 4, heads: 4, context: 128, batch: 32 } as const;

export interface TransformerCase {
  loss: () => Tensor;
  params: Tensor[];
  /** the Adam update of the parameters in place by these gradients */
  update: (grads: (Float32Array | Float64Array)[]) => void;
  step: () => void;
}

export function transformerCase(dtype: DType = 'f32', size: Partial<typeof TRANSFORMER_BENCH> = {}): TransformerCase {
  const s = { ...TRANSFORMER_BENCH, ...size };
  const rng = Rng.fromSeed(0, 'bench', 'transformer');
  const net = transformer({ vocab: s.vocab, context: s.context, dModel: s.dModel, heads: s.heads, layers: s.layers, dtype }, rng);
  const ids = new Float64Array(s.batch * (s.context + 1));
  const r = rng.child('tokens');
  for (let i = 0; i < ids.length; i++) ids[i] = r.int(s.vocab);
  const tokens = tensor(ids, [s.batch, s.context + 1], 'f64');
  const params = net.params();
  const opt = new OptimizerState(adam(1e-3));
  const loss = () => net.loss(tokens);
  const update = (grads: (Float32Array | Float64Array)[]) => {
    opt.step(
      params.map((p) => p.data),
      grads,
    );
    releaseGradients(params, grads); // as the trainer (`fit`) does after its update
  };
  const step = () => update(valueAndGrad(loss, params).grads);
  return { loss, params, update, step };
}
