import { describe, expect, it } from 'vitest';
import { formatDuration, summaryLine, truncate, verdictCounts, verdictTable } from '../../src/report/table.ts';
import { allFixtures, edgeOfStabilityResult, hostileResult, outOfRegimeResult, saxeResult } from './fixtures.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
const ANSI = /\x1b\[[0-9;]*m/g;
const cps = (s: string) => [...s].length;

describe('verdictTable', () => {
  const results = allFixtures();

  it('has a header, one row per study with its verdict, and the summary line; no ANSI codes without color', () => {
    const text = verdictTable(results, { color: false, width: 120 });
    expect(text).not.toMatch(ANSI);
    const lines = text.split('\n');
    expect(lines).toHaveLength(1 + results.length + 1);
    expect(lines[0]).toMatch(/^study\s+verdict\s+key metrics\s+time\s+cached$/);
    results.forEach((r, i) => {
      expect(lines[i + 1].startsWith(r.id)).toBe(true);
      expect(lines[i + 1]).toContain(r.verdict);
    });
    expect(lines[lines.length - 1]).toBe('5 studies: 2 holds, 1 falsified, 1 out-of-regime, 1 error');
  });

  it('formats metrics as name=value (criterion) ✓/✗, failures first, and marks cached runs', () => {
    const text = verdictTable([saxeResult(), outOfRegimeResult(), hostileResult(), edgeOfStabilityResult()], { color: false, width: 200 });
    const [, saxe, oor, hostile, eos] = text.split('\n');
    expect(saxe).toContain('max |u − u_pred|/s (aligned, L=2)=0.012 (≤ 0.02) ✓');
    expect(oor).toContain('regime ✗ wide enough: width 64 < 256; slope ratio=1.2 (1 ± 0.3) ✓');
    expect(hostile).toContain('=0.31 (0.5 ± 10%) ✗');
    expect(eos).toMatch(/12\.3s\s+cached$/);
    expect(saxe).not.toContain('cached');
  });

  it('fits every row into the terminal width, cutting the metrics with …', () => {
    for (const width of [62, 80, 100, 140]) {
      const text = verdictTable(results, { color: false, width });
      for (const line of text.split('\n').slice(0, -1)) expect(cps(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
      expect(text).toContain('…');
    }
  });

  it('with color, adds ANSI codes and nothing else (stripping them gives the plain table)', () => {
    const plain = verdictTable(results, { color: false, width: 100 });
    const coloured = verdictTable(results, { color: true, width: 100 });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\x1b[32mholds');
    expect(coloured).toContain('\x1b[31mfalsified');
    expect(coloured.replace(ANSI, '')).toBe(plain);
  });

  it('puts an error message on one line', () => {
    const text = verdictTable(results, { color: false, width: 200 });
    const row = text.split('\n').find((l) => l.startsWith('grokking-modular'))!;
    expect(row).toContain('error: RangeError: width: expected ≥ 1, got 0 at mlp');
  });

  it('handles no results', () => {
    const lines = verdictTable([], { color: false }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^study\s+verdict/);
    expect(lines[1]).toBe('0 studies: 0 holds, 0 falsified, 0 out-of-regime, 0 error');
  });
});

describe('summary helpers', () => {
  it('counts verdicts and says "study" for one', () => {
    expect(verdictCounts(allFixtures())).toEqual({ holds: 2, falsified: 1, 'out-of-regime': 1, inconclusive: 0, error: 1 });
    expect(summaryLine([saxeResult()])).toBe('1 study: 1 holds, 0 falsified, 0 out-of-regime, 0 error');
    expect(summaryLine([saxeResult(), saxeResult(), saxeResult()])).toBe('3 studies: 3 holds, 0 falsified, 0 out-of-regime, 0 error');
  });
  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(2100)).toBe('2.10s');
    expect(formatDuration(12_345)).toBe('12.3s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
  it('truncates by code points with an ellipsis', () => {
    expect(truncate('η=0.05 sharpening', 6)).toBe('η=0.0…');
    expect(truncate('short', 10)).toBe('short');
  });
});
