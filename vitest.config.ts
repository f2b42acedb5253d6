import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // two test files at a time on the 2-core machines (vitest's default is cores − 1 = 1): most files are
    // single-threaded, and the browser e2e spends much of its time waiting on Chromium
    maxWorkers: 2,
  },
});
