import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * vitest's order (longest or unknown first), except: the browser e2e first (the longest file, mostly waiting on
 * Chromium), and the fingerprint files last, so that under `npm test` the quick runs they check have mostly been
 * trained already by the study tests and are read back (test/studies/sharedRun.ts) instead of trained again.
 */
class SuiteOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => (/lab\.e2e\.test\.ts$/.test(f.moduleId) ? 0 : /fingerprints-[a-z]\.test\.ts$/.test(f.moduleId) ? 2 : 1);
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // two test files at a time on the 2-core machines (vitest's default is cores − 1 = 1): most files are
    // single-threaded, and the browser e2e spends much of its time waiting on Chromium
    maxWorkers: 2,
    sequence: { sequencer: SuiteOrder },
  },
});
