// Runs the vitest suite and prints the plain closing line `N passed, N failed` that CI reads.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = '.vitest-results.json';
rmSync(out, { force: true });
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
// quick study runs trained once and shared by the test files that check them (test/studies/sharedRun.ts)
const runs = mkdtempSync(join(tmpdir(), 'lmech-test-runs-'));
const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, LMECH_TEST_RUNS: runs } });
rmSync(runs, { recursive: true, force: true });
let passed = 0;
let failed = 0;
if (existsSync(out)) {
  const res = JSON.parse(readFileSync(out, 'utf8'));
  passed = res.numPassedTests;
  failed = res.numFailedTests + (res.numRuntimeErrorTestSuites ?? 0);
  if (res.numFailedTestSuites && failed === 0) failed = res.numFailedTestSuites;
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
