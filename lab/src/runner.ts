/**
 * The page's side of a training run in a Web Worker: start, pause, resume, stop.
 *
 * Pausing a synchronous training loop needs the worker to block inside its own callbacks. Two modes:
 * - 'atomics' (the page is cross-origin isolated, as under `lmech lab`, `npm run lab` and `vite preview`,
 *   which send COOP/COEP headers): the page sets a flag in a SharedArrayBuffer and the worker, at its next
 *   progress or emit callback, blocks in Atomics.wait until the flag is cleared. Nothing is recomputed.
 * - 'replay' (no SharedArrayBuffer, e.g. a static host without those headers): Pause terminates the
 *   worker; Resume starts a new one with the same study, parameters and seed. The run is deterministic,
 *   so it recomputes exactly the points already shown; those are skipped and the curves continue where
 *   they stopped. This costs the time already spent, and is said so in the page.
 */
import type { Profile } from '../../src/studies/execute.ts';
import type { Observations, StudyResult } from '../../src/studies/types.ts';
import type { LivePoint, StartMessage, TextSample, WorkerMessage } from './protocol.ts';

export interface RunHandlers {
  prediction(p: Observations): void;
  progress(fraction: number, message?: string): void;
  points(points: LivePoint[]): void;
  /** Text sampled from the model (language-model studies only). */
  sample?(sample: TextSample): void;
  /** The worker has stopped computing (atomics: it is blocked; replay: it was terminated). */
  paused(): void;
  /** Computing again; `replaying` > 0 while already-shown points are being recomputed (replay mode). */
  resumed(replaying: number): void;
  done(result: StudyResult, ms: number): void;
  fatal(message: string): void;
}

export type RunState = 'running' | 'pausing' | 'paused' | 'done' | 'stopped' | 'failed';

export interface RunRequest {
  studyId: string;
  profile: Profile;
  params: Record<string, unknown>;
  seed: number;
  codeVersion: string;
}

export function pauseMode(): 'atomics' | 'replay' {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true ? 'atomics' : 'replay';
}

export class StudyRunner {
  readonly mode = pauseMode();
  state: RunState = 'running';
  private worker: Worker | undefined;
  private control: Int32Array | undefined;
  /** Points delivered to the page so far (replay mode skips this many after a restart). */
  private delivered = 0;
  private toSkip = 0;
  private havePrediction = false;

  constructor(
    private readonly req: RunRequest,
    private readonly on: RunHandlers,
  ) {
    this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: `lmech-${this.req.studyId}` });
    this.worker = worker;
    const msg: StartMessage = { type: 'start', ...this.req };
    if (this.mode === 'atomics') {
      const sab = new SharedArrayBuffer(4);
      this.control = new Int32Array(sab);
      msg.control = sab;
    }
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      if (this.worker !== worker) return; // a terminated worker's late message
      this.handle(ev.data);
    };
    worker.onerror = (ev: ErrorEvent) => {
      if (this.worker !== worker) return;
      ev.preventDefault();
      this.fail(`the training worker failed: ${ev.message || 'unknown error (see the browser console)'}`);
    };
    worker.onmessageerror = () => {
      if (this.worker === worker) this.fail('the training worker sent a message that could not be read');
    };
    worker.postMessage(msg);
  }

  private handle(m: WorkerMessage): void {
    switch (m.type) {
      case 'prediction':
        if (!this.havePrediction) {
          this.havePrediction = true;
          this.on.prediction(m.prediction);
        }
        return;
      case 'progress':
        if (this.toSkip === 0) this.on.progress(m.fraction, m.message);
        return;
      case 'points': {
        let pts = m.points;
        if (this.toSkip > 0) {
          const skip = Math.min(this.toSkip, pts.length);
          this.toSkip -= skip;
          pts = pts.slice(skip);
          if (this.toSkip === 0) this.on.resumed(0);
        }
        if (pts.length > 0) {
          this.delivered += pts.length;
          this.on.points(pts);
        }
        return;
      }
      case 'sample':
        // a replayed sample is the same text as the one shown (same seed), so it is simply shown again
        this.on.sample?.(m.sample);
        return;
      case 'paused':
        if (this.state === 'pausing') {
          this.state = 'paused';
          this.on.paused();
        }
        return;
      case 'resumed':
        return;
      case 'done':
        this.state = 'done';
        this.dispose();
        this.on.done(m.result, m.ms);
        return;
      case 'fatal':
        this.fail(m.message);
        return;
    }
  }

  private fail(message: string): void {
    this.state = 'failed';
    this.dispose();
    this.on.fatal(message);
  }

  pause(): void {
    if (this.state !== 'running') return;
    if (this.mode === 'atomics' && this.control) {
      this.state = 'pausing';
      Atomics.store(this.control, 0, 1);
      return;
    }
    this.dispose();
    this.state = 'paused';
    this.on.paused();
  }

  resume(): void {
    if (this.state === 'pausing' || (this.state === 'paused' && this.mode === 'atomics')) {
      if (this.control) {
        Atomics.store(this.control, 0, 0);
        Atomics.notify(this.control, 0);
      }
      this.state = 'running';
      this.on.resumed(0);
      return;
    }
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.toSkip = this.delivered;
    this.on.resumed(this.toSkip);
    this.spawn();
  }

  stop(): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'stopped';
    this.dispose();
  }

  private dispose(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}
