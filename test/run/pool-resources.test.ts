/** Peak memory per run: `runResources(result)` and the `resources` of result events (src/run/worker.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resultJson } from '../../src/cli/commands/run.ts';
import { type RunEvent, type Task, runAll, runResources } from '../../src/run/pool.ts';
import { openStore } from '../../src/run/store.ts';
import { FIXTURE_CODE_VERSION } from '../fixtures/studies.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/studies.ts', import.meta.url));
const MEMORY = fileURLToPath(new URL('./fixtures/memoryStudies.ts', import.meta.url));
const base = { studyModules: [FIXTURES, MEMORY], codeVersion: FIXTURE_CODE_VERSION, registry: false };
const MiB = 2 ** 20;

const TASKS: Task[] = [
  { studyId: 'fixture-allocates', profile: 'quick', params: { megabytes: 96 }, seed: 0 },
  { studyId: 'fixture-holds', profile: 'quick', seed: 1 },
  { studyId: 'fixture-throws', profile: 'quick', seed: 2 },
];

describe.each([1, 2])('peak heap per run, %i worker(s)', (workers) => {
  it('is at least the typed-array memory a study holds at a progress report, and comes with each result event', async () => {
    const events: Extract<RunEvent, { type: 'result' }>[] = [];
    const results = await runAll(TASKS, { ...base, workers, onEvent: (e) => e.type === 'result' && events.push(e) });
    const [big, small, failed] = results.map((r) => runResources(r));
    expect(big?.peakHeapBytes).toBeGreaterThanOrEqual(96 * MiB);
    // start, two progress reports, end
    expect(big?.samples).toBeGreaterThanOrEqual(4);
    expect(small?.peakHeapBytes).toBeGreaterThan(0);
    // a study that throws still ran in a worker and was measured
    expect(failed?.peakHeapBytes).toBeGreaterThan(0);
    for (const e of events) expect(e.resources).toBe(runResources(e.result));
  });
});

describe('peak heap in the CLI JSON', () => {
  it('reports the peak for runs executed now and null for cache hits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-res-'));
    const store = await openStore(dir);
    try {
      const first = await runAll(TASKS.slice(0, 1), { ...base, store, workers: 1 });
      const second = await runAll(TASKS.slice(0, 1), { ...base, store, workers: 1 });
      const j1 = resultJson(first) as { studies: { peakHeapBytes: number | null }[]; memory: { processMaxRssBytes: number } };
      const j2 = resultJson(second) as { studies: { peakHeapBytes: number | null }[] };
      expect(j1.studies[0].peakHeapBytes).toBeGreaterThanOrEqual(96 * MiB);
      expect(j1.memory.processMaxRssBytes).toBeGreaterThanOrEqual(96 * MiB);
      expect(second[0].cached).toBe(true);
      expect(j2.studies[0].peakHeapBytes).toBeNull();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
