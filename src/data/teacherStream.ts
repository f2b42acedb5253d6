/**
 * Teacher examples as tensors, for online training: a fixed, endless example stream (every run of a
 * study reads the same examples in the same order, only grouped differently), fresh i.i.d. batches, and
 * a fixed evaluation set with the clean teacher outputs. Browser-safe.
 *
 * The stream gives common random numbers across runs with different batch sizes: block j of the
 * sequence is `task.sample(blockSize, rng.child('block', j))`, so the curves of two runs differ by the
 * optimizer's dynamics rather than by which examples they happened to see.
 */
import type { Rng } from '../core/random.ts';
import { type DType, type Tensor, tensor } from '../core/tensor.ts';
import type { TeacherTask } from './teacher.ts';

/** Inputs (B×d) and noisy targets (B×1) of a regression teacher. */
export interface TeacherBatch {
  x: Tensor;
  y: Tensor;
}

/**
 * n fresh i.i.d. examples as tensors (float32 storage with dtype 'f32', for f32 models). The online
 * learning-rate sweeps (src/protocols/lrSweep.ts) use this one too.
 */
export function teacherBatch(task: TeacherTask, n: number, rng: Rng, dtype: DType = 'f64'): TeacherBatch {
  const s = task.sample(n, rng);
  return { x: tensor(s.x.data, [n, task.d], dtype), y: tensor(s.y, [n, 1], dtype) };
}

/**
 * A fixed, endless sequence of examples: block j is `task.sample(blockSize, rng.child('block', j))`.
 * `next(B)` returns the next B examples of the sequence (crossing block boundaries as needed).
 */
export class ExampleStream {
  private block = -1;
  private x: Float64Array = new Float64Array(0);
  private y: Float64Array = new Float64Array(0);
  private cursor = 0;
  /** examples handed out so far */
  seen = 0;

  constructor(
    private readonly task: TeacherTask,
    private readonly rng: Rng,
    private readonly blockSize = 4096,
  ) {
    if (!(Number.isInteger(blockSize) && blockSize > 0)) throw new Error(`ExampleStream: blockSize = ${blockSize}, expected a positive integer`);
  }

  next(size: number): TeacherBatch {
    if (!(Number.isInteger(size) && size > 0)) throw new Error(`ExampleStream.next: size = ${size}, expected a positive integer`);
    const d = this.task.d;
    const xb = new Float64Array(size * d);
    const yb = new Float64Array(size);
    let filled = 0;
    while (filled < size) {
      if (this.block < 0 || this.cursor >= this.blockSize) {
        this.block++;
        const s = this.task.sample(this.blockSize, this.rng.child('block', this.block));
        this.x = s.x.data as Float64Array;
        this.y = s.y;
        this.cursor = 0;
      }
      const take = Math.min(size - filled, this.blockSize - this.cursor);
      xb.set(this.x.subarray(this.cursor * d, (this.cursor + take) * d), filled * d);
      yb.set(this.y.subarray(this.cursor, this.cursor + take), filled);
      this.cursor += take;
      filled += take;
    }
    this.seen += size;
    return { x: tensor(xb, [size, d]), y: tensor(yb, [size, 1]) };
  }
}

/** A fixed evaluation set with the clean teacher outputs (for the excess population loss). */
export interface TeacherEvalSet {
  x: Tensor;
  /** clean teacher outputs f*(x) */
  yClean: Tensor;
}

export function teacherEvalSet(task: TeacherTask, size: number, rng: Rng): TeacherEvalSet {
  const s = task.sample(size, rng);
  return { x: tensor(s.x.data, [size, task.d]), yClean: tensor(s.yClean, [size, 1]) };
}
