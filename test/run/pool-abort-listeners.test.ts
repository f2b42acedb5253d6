/**
 * Regression: a run of many studies on a pool with an abort signal must not pile listeners onto that
 * signal. piscina adds one 'abort' listener per queued task; with 33 studies queued on 2 workers Node
 * printed `MaxListenersExceededWarning: Possible EventTarget memory leak detected. 11 abort listeners`.
 */
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Task, runAll } from '../../src/run/pool.ts';
import { FIXTURE_CODE_VERSION } from '../fixtures/studies.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/studies.ts', import.meta.url));
const base = { studyModules: [FIXTURES], codeVersion: FIXTURE_CODE_VERSION, registry: false };

describe('runStudies with an abort signal', () => {
  it('keeps at most one abort listener on the caller signal while 24 studies run on 2 workers, and emits no warning', async () => {
    const tasks: Task[] = Array.from({ length: 24 }, (_, seed) => ({ studyId: 'fixture-holds', profile: 'quick', seed }));
    const ac = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let maxListeners = 0;
    try {
      const results = await runAll(tasks, {
        ...base,
        workers: 2,
        signal: ac.signal,
        onEvent: () => {
          maxListeners = Math.max(maxListeners, getEventListeners(ac.signal, 'abort').length);
        },
      });
      expect(results.map((r) => r.verdict)).toEqual(tasks.map(() => 'holds'));
      // warnings are emitted on the next tick
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('warning', onWarning);
    }
    expect(maxListeners).toBeGreaterThanOrEqual(1);
    expect(maxListeners).toBeLessThanOrEqual(1);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  });
});
