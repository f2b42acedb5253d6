/**
 * Every shell command of README.md's tour and sections runs and exits 0, in README order, so a new user can paste
 * them one after another. Extracted: lines that start with `npx lmech` or `npm run` inside ```sh blocks.
 *
 * Each command runs as `node bin/lmech.js ...` in one temporary working directory (so `./lmech-data`, `runs.csv`,
 * `series.parquet`, ... land there, and earlier commands create the files later ones read) that links the
 * repository's `examples/` folder, which holds the fixtures the README points to. Commands are rewritten to small
 * sizes (REWRITES below). Two lanes run concurrently (2 cores): commands that open the store (they have a
 * `--store` option; DuckDB allows one writer) or read a file an earlier command writes go in README order in one
 * lane, the independent ones in the other.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'lmech.js');

/** Commands not run, each with the reason. */
const SKIPPED: { prefix: string; reason: string }[] = [
  { prefix: 'npx lmech lab', reason: 'starts a web server that runs until stopped (covered by test/lab)' },
  { prefix: 'npm run bench', reason: 'benchmarks against PyTorch: minutes of timing runs, and needs python3 with torch' },
];

/** Rewrites to small sizes: what each does and why. */
const REWRITES: { why: string; apply: (args: string[]) => string[] }[] = [
  { why: '`run` without --quick uses the default (full-size) profile', apply: (a) => (a[0] === 'run' && !a.includes('--quick') ? [...a, '--quick'] : a) },
  {
    why: '`map` grids in the README take minutes a map: 2 values per axis (the first two of a list, n=2 of a range), 1 seed, the quick profile exercise the same code',
    apply: (a) => {
      if (a[0] !== 'map') return a;
      const out = a.map((v, i) => {
        if (a[i - 1] === '--seeds') return '1';
        if (a[i - 1] !== '--over') return v;
        const eq = v.indexOf('=');
        const [key, values] = [v.slice(0, eq), v.slice(eq + 1)];
        const range = values.split(':');
        if (range.length >= 3) return `${key}=${[range[0], range[1], '2', ...range.slice(3)].join(':')}`;
        return `${key}=${values.split(',').slice(0, 2).join(',')}`;
      });
      return out.includes('--quick') ? out : [...out, '--quick'];
    },
  },
  { why: '--bootstrap 200 costs minutes for chinchilla on a loaded 2-core machine; 20 resamples exercise the same code', apply: (a) => a.map((v, i) => (a[i - 1] === '--bootstrap' ? '20' : v)) },
  {
    why: '`run --all --quick` is the whole quick catalog, 7–8 minutes of this file inside npm test; the fingerprint tests run every study of it (same profile, seed 0) and check its numbers bit for bit, and `--all` differs from `--core` only in the registry filter, so the core suite stands in (LMECH_SLOW=1 runs the line as written)',
    apply: (a) => (!process.env.LMECH_SLOW && a[0] === 'run' && a.includes('--all') ? a.map((v) => (v === '--all' ? '--core' : v)) : a),
  },
];

/** Flags whose value is a file the command writes, not one it reads. */
const OUTPUT_FLAGS = new Set(['--out', '--summary']);
/**
 * Per command. `run --all --quick` (38 studies) is several minutes on 2 idle cores, and inside `npm test` it shares
 * them with the other lane and another test file: it reached 36 of 38 studies in 600 s there. The limit only stops a
 * hung command.
 */
const TIMEOUT_MS = 900_000;

interface ReadmeCommand {
  /** Position in the README (a line can appear twice, e.g. the export in the tour and in Sweeps). */
  index: number;
  line: string;
  args: string[];
}

/** Split a shell command line into words (single and double quotes, no expansion: the README uses none). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  let quote: "'" | '"' | null = null;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur ??= '';
    } else if (/\s/.test(ch)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else cur = (cur ?? '') + ch;
  }
  if (quote) throw new Error(`README command: unterminated ${quote} in: ${line}`);
  if (cur !== null) words.push(cur);
  return words;
}

/** The command lines of the ```sh blocks, with trailing `# comments` removed. */
function readmeCommands(markdown: string): string[] {
  const lines: string[] = [];
  let inSh = false;
  for (const raw of markdown.split('\n')) {
    const t = raw.trim();
    if (t.startsWith('```')) inSh = !inSh && t === '```sh';
    else if (inSh && (t.startsWith('npx lmech') || t.startsWith('npm run'))) lines.push(t.replace(/\s+#\s.*$/, ''));
  }
  return lines;
}

interface Outcome {
  code: number | null;
  output: string;
  ms: number;
}

function runCli(args: string[], cwd: string): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - t0 });
    });
  });
}

const all = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const skipped = all.filter((l) => SKIPPED.some((s) => l.startsWith(s.prefix)));
const commands: ReadmeCommand[] = all
  .filter((l) => !skipped.includes(l))
  .map((line, index) => ({ index, line, args: REWRITES.reduce((a, r) => r.apply(a), shellWords(line).slice(2)) }));

/** Subcommands (top level) that take --store, read from the CLI definition itself. */
function storeCommands(): Set<string> {
  return new Set(buildProgram().commands.filter((c) => c.options.some((o) => o.long === '--store')).map((c) => c.name()));
}

describe('README commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmech-readme-'));
  const outcomes = new Map<number, Outcome>();

  beforeAll(async () => {
    symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'), 'dir');
    const usesStore = storeCommands();
    const readsLaterFile = (args: string[]) =>
      args.some((a, i) => i > 0 && /\.(csv|tsv|jsonl|ya?ml|json|safetensors|parquet)$/.test(a) && !OUTPUT_FLAGS.has(args[i - 1]) && !existsSync(join(dir, a)));
    const ordered = commands.filter((c) => usesStore.has(c.args[0]) || readsLaterFile(c.args));
    const independent = commands.filter((c) => !ordered.includes(c));
    const lane = async (list: ReadmeCommand[]) => {
      for (const c of list) {
        const o = await runCli(c.args, dir);
        outcomes.set(c.index, o);
        // progress with timings: this file is the slowest in the suite, and the log shows where the time goes
        console.error(`[readme] ${(o.ms / 1000).toFixed(1)} s  exit ${o.code}  lmech ${c.args.join(' ')}`);
      }
    };
    await Promise.all([lane(ordered), lane(independent)]);
  }, 3 * TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the tour and every section, and skips only the listed commands', () => {
    // The tour alone has more than ten commands; a parsing slip that drops blocks would show here.
    expect(commands.length).toBeGreaterThan(15);
    expect(commands.some((c) => c.args[0] === 'sweep')).toBe(true);
    expect(skipped.every((l) => SKIPPED.some((s) => l.startsWith(s.prefix)))).toBe(true);
    expect(new Set(skipped.map((l) => SKIPPED.find((s) => l.startsWith(s.prefix))?.prefix))).toEqual(new Set(SKIPPED.map((s) => s.prefix)));
  });

  it.each(commands.map((c) => [c.line, c] as const))('%s', (_line, c) => {
    const o = outcomes.get(c.index);
    expect(o, 'not run').toBeDefined();
    expect(o?.code, `lmech ${c.args.join(' ')} (${o?.ms} ms) exited ${o?.code}:\n${o?.output.slice(-3000)}`).toBe(0);
  });
});
