/**
 * Past one machine: a sweep on BullMQ through a local Redis (Debian's redis-server on 127.0.0.1, a private port, no
 * persistence, stopped by its PID). Two `lmech worker` processes; one is SIGKILLed in the middle of a job and the
 * coordinator is SIGKILLed too, then re-run: every run ends in the store exactly once (the dead worker's job comes
 * back through BullMQ's stalled-job check, the completed jobs are collected from Redis by the second coordinator).
 * A run that keeps failing is retried with backoff and then stored as 'error'.
 *
 * Skipped, with a message, when `redis-server` is not on PATH (CI installs it: apt-get install -y redis-server).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, parseRedisUrl, pingRedis } from '../../src/run/redis/connection.ts';
import { jobIdOf } from '../../src/run/redis/queue.ts';
import { openStore } from '../../src/run/store.ts';
import { runSweep } from '../../src/run/sweep/coordinator.ts';
import { expandSweep, parseSpecObject, parseSpecText } from '../../src/run/sweep/spec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../fixtures/sweepCli.ts', import.meta.url));
const CODE_VERSION = 'test-redis-1';
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!hasRedis) console.warn('sweep-redis.test.ts: skipped: redis-server is not on PATH (install it with: apt-get install -y redis-server)');

const dir = mkdtempSync(join(tmpdir(), 'lmech-sweep-redis-'));
const children: ChildProcess[] = [];
let redis: ChildProcess | undefined;
let url = '';

/** A free TCP port on 127.0.0.1 (the OS picks one; tiny race until redis binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Proc {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `re`, among lines from index `from` on (default 0: already seen or future). */
  waitFor(re: RegExp, opts?: { timeoutMs?: number; from?: number }): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
      nl = buf.indexOf('\n');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    exited,
    waitFor(re, { timeoutMs = 30_000, from = 0 } = {}) {
      const seen = lines.slice(from).find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

const lmech = (args: string[]) => start(process.execPath, ['--import', 'tsx', CLI, ...args], { LMECH_CODE_VERSION: CODE_VERSION });

beforeAll(async () => {
  if (!hasRedis) return;
  const port = await freePort();
  const r = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  redis = r.child;
  await r.waitFor(/Ready to accept connections/, { timeoutMs: 10_000 });
  url = `redis://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const c of children) if (c !== redis && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (redis && redis.exitCode === null) {
    const done = new Promise((r) => redis?.once('close', r));
    process.kill(redis.pid as number, 'SIGTERM');
    await done;
  }
  rmSync(dir, { recursive: true, force: true });
});

const SPEC = `
name: redis-test
model: { widths: [48, 64], depth: 2, activation: tanh }
data: { task: teacher, d: 6, n: 128, testN: 64 }
optimizer: { name: sgd, lr: [0.02, 0.05], batch: 32 }
steps: 600
seeds: [0, 1]
record: { every: 200, observables: [train_loss, test_loss] }
`;

describe.skipIf(!hasRedis)('a sweep on BullMQ workers through Redis', () => {
  it('two workers, one killed mid-job, the coordinator killed and re-run: every run exactly once', async () => {
    const specPath = join(dir, 'spec.yaml');
    writeFileSync(specPath, SPEC);
    const storeDir = join(dir, 'store');
    const sweep = expandSweep(parseSpecText(SPEC), CODE_VERSION);
    const total = sweep.runs.length; // 8

    const coord1 = lmech(['sweep', specPath, '--store', storeDir, '--backend', url]);
    // short locks so the killed worker's job is taken over within ~2.5 s (default 30 s)
    const a = lmech(['worker', '--backend', url, '--lock-ms', '2000', '--stalled-ms', '500']);
    const b = lmech(['worker', '--backend', url, '--lock-ms', '2000', '--stalled-ms', '500']);
    await Promise.all([a.waitFor(/worker .* queue lmech-sweep-test-redis-1/), b.waitFor(/worker .* queue lmech-sweep-test-redis-1/)]);

    // kill worker A in the middle of its second job (each job computes for a few hundred ms)
    await a.waitFor(/job run-[0-9a-f]{16} done/);
    const doneAt = a.lines.findIndex((l) => /job run-[0-9a-f]{16} done/.test(l));
    const second = await a.waitFor(/job run-[0-9a-f]{16} started/, { from: doneAt });
    const killedJob = (/job run-([0-9a-f]{16}) started/.exec(second) as RegExpExecArray)[1];
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    expect(a.lines.some((l) => l.includes(`job run-${killedJob} done`) || l.includes(`job run-${killedJob} diverged`)), a.lines.join('\n')).toBe(false);

    // kill the coordinator after it has stored a few results; B keeps working meanwhile
    await coord1.waitFor(/^\[lmech\] 3\/8 /);
    coord1.child.kill('SIGKILL');
    expect((await coord1.exited).signal).toBe('SIGKILL');

    const coord2 = lmech(['sweep', specPath, '--store', storeDir, '--backend', url, '--json']);
    const end = await coord2.exited;
    expect(end.code, coord2.lines.join('\n')).toBe(0);
    const summary = JSON.parse(coord2.lines.find((l) => l.startsWith('{')) as string) as { sweep: { total: number; counts: Record<string, number> } };
    expect(summary.sweep.total).toBe(total);
    expect(summary.sweep.counts).toEqual({ done: total, diverged: 0, error: 0 });

    // B finished the job A died in (after its lock expired)
    expect(b.lines.some((l) => l.includes(`job run-${killedJob} started`))).toBe(true);

    const store = await openStore(storeDir);
    try {
      const rows = await store.query('SELECT run_id, status, (SELECT count(*) FROM series s WHERE s.run_id = r.run_id) AS points FROM sweep_runs r ORDER BY run_id');
      expect(rows.map((r) => r.run_id)).toEqual(sweep.runs.map((r) => r.runId).sort());
      for (const r of rows) {
        expect(r.status).toBe('done');
        expect(r.points).toBe(8); // 2 observables × steps 0, 200, 400, 600
      }
    } finally {
      await store.close();
    }

    // re-submitting the finished sweep is a no-op: nothing to run, nothing queued
    const coord3 = lmech(['sweep', specPath, '--store', storeDir, '--backend', url]);
    expect((await coord3.exited).code).toBe(0);
    expect(coord3.lines.join('\n')).toMatch(/8 runs, 8 already stored, nothing to run/);

    // a run that throws is retried with backoff, then stored as 'error' (not retried forever, not dropped)
    const good = expandSweep(parseSpecObject({ name: 'failing', model: { widths: 4, depth: 1 }, data: { task: 'teacher', d: 2, n: 16 }, optimizer: { name: 'sgd', lr: 0.1 }, steps: 3 }), CODE_VERSION);
    const broken = { ...good, runs: good.runs.map((r) => ({ ...r, runId: '1234567890123456', config: { ...r.config, parameterization: 'no-such-scheme' } })) };
    const store2 = await openStore(join(dir, 'store-fail'));
    try {
      const s = await runSweep(broken, { store: store2, backend: { kind: 'redis', url, attempts: 2, backoffMs: 100 } });
      expect(s.counts).toEqual({ done: 0, diverged: 0, error: 1 });
      expect(s.runs[0].message).toMatch(/job failed after 2 attempts: .*parameterization: unknown 'no-such-scheme'/);
    } finally {
      await store2.close();
    }
    await b.waitFor(/job run-1234567890123456 failed \(attempt 1, will retry\)/);
    await b.waitFor(/job run-1234567890123456 failed \(attempt 2, giving up\)/);

    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });
});

describe('backend URLs', () => {
  it('are checked with errors naming the flag and the value (exit 2), and an unreachable server fails fast (exit 1)', async () => {
    expect(parseRedisUrl('redis://10.1.2.3:6380/2')).toEqual({ host: '10.1.2.3', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(() => parseRedisUrl('http://h:1')).toThrow("--backend: 'http://h:1' has scheme 'http'; expected redis://HOST:PORT");
    expect(() => parseRedisUrl('redis://h:99999')).toThrow(/--backend: .*not (a URL|valid)/);
    expect(() => parseRedisUrl('redis://h:6379/x')).toThrow("--backend: database 'x' in 'redis://h:6379/x' is not valid; expected an integer 0-15");
    const port = await freePort(); // nothing listens there
    const err = await pingRedis(`redis://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).exitCode).toBe(1);
    expect((err as BackendError).message).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  it('job ids are the run ids, prefixed so BullMQ accepts all-digit hashes', () => {
    expect(jobIdOf('0123abcd0123abcd')).toBe('run-0123abcd0123abcd');
    // BullMQ rejects custom ids that parse as integers
    const all = '1234567890123456';
    expect(`${Number.parseInt(all, 10)}` === all).toBe(true);
    expect(`${Number.parseInt(jobIdOf(all), 10)}` === jobIdOf(all)).toBe(false);
  });
});
