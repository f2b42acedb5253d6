/**
 * Progress display for `runStudies` events.
 *
 * - `tty`:   one cli-progress bar, `[████░░] 2/3 studies · ETA 12s · edge-of-stability 40%`, with a line
 *            per finished study printed above it.
 * - `plain`: readable lines for logs (CI): `[lmech] 1/3 done: dln-saxe-modes holds (4.2 s)`, plus a
 *            line every 30 s per long-running study so a quiet log does not look hung.
 * - `quiet`: nothing (for `--json`, where stdout must hold only the JSON).
 * `auto` picks `tty` when the stream is a terminal, else `plain`. Output goes to stderr by default.
 */
import cliProgress from 'cli-progress';
import type { StudyResult } from '../studies/types.ts';
import type { RunEvent } from './pool.ts';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet';

export interface ProgressOptions {
  mode?: ProgressMode;
  /** Default: process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain mode: seconds between "still running" lines for one study (default 30). */
  heartbeatSeconds?: number;
}

export interface ProgressReporter {
  readonly mode: Exclude<ProgressMode, 'auto'>;
  onEvent(e: RunEvent): void;
  /** Finish the display (leaves the final bar on screen). Safe to call twice. */
  stop(): void;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One finished study as a line: `1/3 done: id holds (4.2 s)`, or `cached` for a store hit. */
export function resultLine(r: StudyResult, done: number, total: number, cached: boolean): string {
  const how = cached ? 'cached' : 'done';
  const time = cached ? 'from store' : seconds(r.provenance.durationMs);
  const err = r.verdict === 'error' && r.error ? `: ${r.error.split('\n')[0]}` : '';
  return `${done}/${total} ${how}: ${r.id} ${r.verdict} (${time})${err}`;
}

function planLine(e: Extract<RunEvent, { type: 'plan' }>): string {
  const parts = [`${e.total} ${e.total === 1 ? 'study' : 'studies'}`];
  if (e.cached > 0) parts.push(`${e.cached} cached`);
  if (e.toRun > 0) parts.push(`${e.toRun} to run ${e.inProcess ? 'in-process' : e.workers === 0 ? 'on Redis workers' : `on ${e.workers} workers`}`);
  return parts.join(', ');
}

/** The running studies as `a 40%, b 10% +2 more`, cut to about `width` characters. */
function runningLabel(running: Map<string, { studyId: string; fraction: number }>, width = 60): string {
  const items = [...running.values()].map((r) => `${r.studyId} ${Math.floor(r.fraction * 100)}%`);
  let label = '';
  for (let i = 0; i < items.length; i++) {
    const next = label ? `${label}, ${items[i]}` : items[i];
    if (next.length > width && label) return `${label} +${items.length - i} more`;
    label = next;
  }
  return label;
}

class QuietReporter implements ProgressReporter {
  readonly mode = 'quiet' as const;
  onEvent(): void {}
  stop(): void {}
}

class PlainReporter implements ProgressReporter {
  readonly mode = 'plain' as const;
  private lastBeat = new Map<string, number>();
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly heartbeatMs: number,
  ) {}
  private line(s: string): void {
    this.stream.write(`[lmech] ${s}\n`);
  }
  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'plan':
        this.line(planLine(e));
        break;
      case 'start':
        this.lastBeat.set(e.runId, Date.now());
        break;
      case 'progress': {
        const now = Date.now();
        const last = this.lastBeat.get(e.runId) ?? now;
        if (now - last >= this.heartbeatMs) {
          this.lastBeat.set(e.runId, now);
          this.line(`running: ${e.studyId} ${Math.floor(e.fraction * 100)}%${e.message ? ` (${e.message})` : ''}`);
        }
        break;
      }
      case 'result':
        this.lastBeat.delete(e.runId);
        this.line(resultLine(e.result, e.done, e.total, e.cached));
        break;
    }
  }
  stop(): void {}
}

class TtyReporter implements ProgressReporter {
  readonly mode = 'tty' as const;
  private readonly multi: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | undefined;
  private total = 0;
  private done = 0;
  private running = new Map<string, { studyId: string; fraction: number }>();
  private lastDraw = 0;
  private stopped = false;

  constructor(stream: NodeJS.WritableStream) {
    this.multi = new cliProgress.MultiBar({
      stream,
      format: '[{bar}] {done}/{total} studies · ETA {eta_formatted} · {running}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 24,
      // No hidden cursor and no SIGINT hook: cli-progress's hook swallows Ctrl-C; the CLI owns signals
      // (abort the run, then call stop()).
      hideCursor: false,
      clearOnComplete: false,
      gracefulExit: false,
      etaBuffer: 50,
    });
  }

  private refresh(force = false): void {
    if (!this.bar) return;
    // value = finished studies + fractions of the running ones, so the bar and ETA move within a study
    let partial = 0;
    for (const r of this.running.values()) partial += r.fraction;
    this.bar.update(this.done + partial, { done: this.done, total: this.total, running: runningLabel(this.running) });
    // Studies run in-process block the event loop, so cli-progress's timer may not fire: draw here too.
    const now = Date.now();
    if (force || now - this.lastDraw > 100) {
      this.lastDraw = now;
      this.multi.update();
    }
  }

  onEvent(e: RunEvent): void {
    if (this.stopped) return;
    switch (e.type) {
      case 'plan':
        this.total = e.total;
        this.multi.log(`${planLine(e)}\n`);
        this.bar = this.multi.create(e.total, 0, { done: 0, total: e.total, running: '' });
        this.refresh(true);
        break;
      case 'start':
        this.running.set(e.runId, { studyId: e.studyId, fraction: 0 });
        this.refresh(true);
        break;
      case 'progress': {
        const r = this.running.get(e.runId);
        if (r) r.fraction = Math.min(1, Math.max(0, e.fraction));
        else this.running.set(e.runId, { studyId: e.studyId, fraction: e.fraction });
        this.refresh();
        break;
      }
      case 'result':
        this.running.delete(e.runId);
        this.done = e.done;
        this.multi.log(`${resultLine(e.result, e.done, e.total, e.cached)}\n`);
        this.refresh(true);
        break;
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.refresh(true);
    this.multi.stop();
  }
}

export function createProgress(opts: ProgressOptions = {}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode ?? 'auto';
  const resolved = mode === 'auto' ? ((stream as { isTTY?: boolean }).isTTY ? 'tty' : 'plain') : mode;
  if (resolved === 'quiet') return new QuietReporter();
  if (resolved === 'tty') return new TtyReporter(stream);
  return new PlainReporter(stream, (opts.heartbeatSeconds ?? 30) * 1000);
}
