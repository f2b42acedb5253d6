/**
 * The training worker: runs one study with `executeStudy`, the same function as the CLI, so a run here
 * with the same study, parameters, seed and code is bit-for-bit the run `lmech run` makes.
 *
 * It posts the prediction as soon as `predict` returns (the theory is drawn before training starts),
 * then progress and the streamed curve points (`ctx.emit`), batched every ~40 ms, then the result.
 * Pausing: see StartMessage.control (Atomics.wait on a SharedArrayBuffer; the page falls back to
 * terminate-and-replay when it is not cross-origin isolated).
 */
import { kernels } from '../../src/core/kernels.ts';
import { wasmThreadPool } from '../../src/core/kernelsWasm.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import { findStudy } from '../../src/studies/registry.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import type { LivePoint, StartMessage, WorkerMessage } from './protocol.ts';

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((ev: MessageEvent<StartMessage>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const FLUSH_MS = 40;
const HELPERS_TIMEOUT_MS = 2000;

/**
 * For the devtools console and test drivers: the WebAssembly GEMM's threads in this worker. They are on by default in
 * a cross-origin isolated page with more than one core (src/core/wasmThreads.ts), and never change a result's bits.
 */
(self as unknown as { lmechWasmThreads: () => { threads: number; ready: boolean; products: number } }).lmechWasmThreads = () => {
  const pool = wasmThreadPool(kernels());
  return { threads: pool?.threads ?? 1, ready: pool?.ready() ?? false, products: pool?.products ?? 0 };
};

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg?.type !== 'start') return;
  void run(msg);
};

async function run(msg: StartMessage): Promise<void> {
  const study = findStudy(msg.studyId);
  if (!study) {
    scope.postMessage({ type: 'fatal', message: `no study with id '${msg.studyId}' in this build` });
    return;
  }
  const control = msg.control ? new Int32Array(msg.control) : undefined;
  let points: LivePoint[] = [];
  let lastFraction = 0;
  let lastMessage: string | undefined;
  let progressDirty = false;
  let lastFlush = 0;

  const flush = () => {
    if (progressDirty) {
      scope.postMessage({ type: 'progress', fraction: lastFraction, ...(lastMessage !== undefined ? { message: lastMessage } : {}) });
      progressDirty = false;
    }
    if (points.length > 0) {
      scope.postMessage({ type: 'points', points });
      points = [];
    }
    lastFlush = performance.now();
  };
  /** Called from inside the (synchronous) training loop: flush now and then, and block while paused. */
  const tick = () => {
    if (control && Atomics.load(control, 0) === 1) {
      flush();
      scope.postMessage({ type: 'paused' });
      while (Atomics.load(control, 0) === 1) Atomics.wait(control, 0, 1, 1000);
      scope.postMessage({ type: 'resumed' });
    }
    if (performance.now() - lastFlush >= FLUSH_MS) flush();
  };

  // the same study with predict() reporting its result as soon as it is known
  const wrapped = Object.create(study) as AnyStudy;
  wrapped.predict = (params) => {
    const prediction = study.predict(params);
    scope.postMessage({ type: 'prediction', prediction });
    return prediction;
  };
  // A browser starts a worker's nested workers only while it yields, and a study's loop never does: wait (a few tens
  // of ms) for the GEMM's helper threads here, or they would sit idle. Past the timeout the run goes single-threaded.
  await wasmThreadPool(kernels())?.whenReady(HELPERS_TIMEOUT_MS);
  const t0 = performance.now();
  try {
    const result = await executeStudy(wrapped, {
      profile: msg.profile,
      params: msg.params,
      seed: msg.seed,
      codeVersion: msg.codeVersion,
      progress(fraction, message) {
        lastFraction = fraction;
        lastMessage = message;
        progressDirty = true;
        tick();
      },
      emit(point) {
        points.push({ name: point.name, group: point.group, x: point.x, y: point.y });
        tick();
      },
      sample(text, step, label) {
        // rare (once per evaluation): posted at once, after the points that precede it
        flush();
        scope.postMessage({ type: 'sample', sample: { text, step, ...(label !== undefined ? { label } : {}) } });
        tick();
      },
    });
    flush();
    scope.postMessage({ type: 'done', result, ms: performance.now() - t0 });
  } catch (e) {
    flush();
    scope.postMessage({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
  }
}
