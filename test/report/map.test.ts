import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MapReportOutput, mapTable, writeMapReport } from '../../src/report/map.ts';
import { VERDICT_LETTER } from '../../src/report/mapSpec.ts';
import type { ValidityMap } from '../../src/studies/validityMap/types.ts';
import { fmt } from '../../src/studies/verdict.ts';
import { MALICIOUS } from './fixtures.ts';
import { ETAS, lineMap, ntkMap, stripMap, WIDTHS } from './mapFixtures.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape codes is the point
const ANSI_RE = /\x1b\[[0-9;]*m/g;

/** The rows of the first grid: the lines after the header row that starts with the corner label. */
function gridRows(text: string, corner: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(corner));
  const rows: string[][] = [];
  for (let i = start + 1; i < lines.length && lines[i].trim() !== ''; i++) rows.push(lines[i].split(/ {2,}/).map((c) => c.trim()));
  return rows;
}

describe('mapTable', () => {
  it('has one row per first-axis value, headed by the values, with each cell labelled from its seeds', () => {
    const map = ntkMap({ pendingLast: 3 });
    const text = mapTable(map, { color: false });
    expect(text).not.toMatch(ANSI_RE);
    const header = text.split('\n').find((l) => l.startsWith('width \\ eta')) ?? '';
    expect(header.split(/ {2,}/).slice(1)).toEqual(ETAS.map(String));
    const rows = gridRows(text, 'width \\ eta');
    expect(rows.map((r) => r[0])).toEqual(WIDTHS.map(String));
    const byCoord = new Map(map.points.map((p) => [`${p.coords.width}|${p.coords.eta}`, p]));
    rows.forEach((row, i) =>
      ETAS.forEach((eta, j) => {
        const p = byCoord.get(`${WIDTHS[i]}|${eta}`);
        const label = row[j + 1] ?? '';
        if (!p) return expect(label).toBe('·');
        const letter = VERDICT_LETTER[p.verdict];
        expect(label.startsWith(letter)).toBe(true);
        if (p.verdict !== 'error' && p.verdict !== 'out-of-regime') expect(label).toBe(`${letter} ${p.seedVerdicts.filter((v) => v === 'holds').length}/3`);
      }),
    );
    expect(rows.flat().filter((c) => c === '·')).toHaveLength(3);
    expect(text).toContain('partial map: 3 of 25 points not run yet');
  });

  it('lists the measured crossings and the judged predicted boundaries with pass/fail', () => {
    const map = ntkMap();
    const text = mapTable(map, { color: false });
    for (const b of map.boundaries) {
      const [[k, v]] = Object.entries(b.fixed);
      if (b.crossing === null) expect(text).toContain(`along ${b.axis} at ${k}=${v}: no crossing in the range`);
      else expect(text).toContain(`along ${b.axis} at ${k}=${v}: ${b.axis} ≈ ${fmt(b.crossing)} (holds ${b.holdsBelow ? 'below' : 'above'})`);
    }
    for (const j of map.predictedBoundaries) expect(text).toContain(`predicted ${fmt(j.predicted)}, measured ${fmt(j.measured as number)} ${j.pass ? '✓' : '✗'}`);
    const failing: ValidityMap = { ...map, predictedBoundaries: [{ ...map.predictedBoundaries[0], pass: false }] };
    expect(mapTable(failing, { color: false })).toContain('✗ not within ×2');
  });

  it('colours verdicts only when asked, and the text without colour is the same', () => {
    const map = ntkMap();
    const plain = mapTable(map, { color: false });
    const coloured = mapTable(map, { color: true });
    expect(coloured).toMatch(ANSI_RE);
    expect(coloured.replace(ANSI_RE, '')).toBe(plain);
  });

  it('renders a 1-D map as one row per value and shows a missing metric as –', () => {
    const strip = stripMap();
    const text = mapTable(strip, { color: false });
    const rows = gridRows(text, 'parameterization  verdict');
    expect(rows.map((r) => r[0])).toEqual(strip.spec.axes[0].values.map(String));
    expect(rows.map((r) => r[1])).toEqual(strip.points.map((p) => VERDICT_LETTER[p.verdict]));
    const ratios = gridRows(text, 'parameterization  ratio');
    expect(ratios.map((r) => r[1])).toEqual(strip.points.map((p) => (p.metric ? String(p.metric.errorRatio) : '–')));
    expect(mapTable(lineMap(), { color: false })).toContain('along width: width ≈ 300 (holds above)');
  });
});

describe('writeMapReport', () => {
  let dir: string;
  let out: MapReportOutput;
  let html: string;
  const hostile = (): ValidityMap => ({ ...ntkMap({ pendingLast: 5 }), studyTitle: `NTK ${MALICIOUS}` });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lmech-map-'));
    out = await writeMapReport(hostile(), dir);
    html = await readFile(out.html, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a self-contained map.html: libraries inline, every inline script allowed by hash, no external reference', () => {
    expect(basename(out.html)).toBe('map.html');
    const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1');
    expect(markup).not.toMatch(/\s(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(markup).not.toMatch(/<link\b/i);
    for (const lib of ['vega', 'vega-lite', 'vega-embed']) expect(html).toContain(`<script data-lib="${lib}">`);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1].replace(/&#39;/g, "'") ?? '';
    const scripts = [...html.matchAll(/<script(?:\s+data-lib="[^"]*")?>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(4);
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
  });

  it('embeds both figure specs, the header, the judged boundaries, and escapes hostile text', () => {
    const blocks = [...html.matchAll(/<script type="application\/json" data-figure="([^"]+)">([\s\S]*?)<\/script>/g)];
    expect(blocks.map((b) => b[1])).toEqual(['map-phase', 'map-error']);
    for (const [, , json] of blocks) expect((JSON.parse(json) as { $schema: string }).$schema).toContain('vega-lite');
    expect(html).not.toContain(MALICIOUS);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const map = hostile();
    expect(html).toContain(`<code>${map.codeVersion}</code>`);
    expect(html).toContain('Partial map:</strong> 5 of 25');
    for (const j of map.predictedBoundaries) expect(html).toContain(`<td class="num">${fmt(j.predicted)}</td>`);
    expect((html.match(/<span class="ok" title="pass">✓<\/span>/g) ?? []).length).toBe(map.predictedBoundaries.filter((j) => j.pass).length);
    expect(html).toContain('href="phase.png"');
    expect(html).toContain('href="error.png"');
  });

  it('writes phase.png and error.png with the PNG signature and a plausible size', async () => {
    expect(out.pngs.map((p) => basename(p))).toEqual(['phase.png', 'error.png']);
    for (const p of out.pngs) {
      const bytes = await readFile(p);
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // IHDR: a 320 × 220 plot (5 × 64, 5 × 44 px) at 2× plus axes, legend and subtitle lines
      const width = bytes.readUInt32BE(16);
      const height = bytes.readUInt32BE(20);
      expect(width, p).toBeGreaterThanOrEqual(2 * 320);
      expect(width, p).toBeLessThanOrEqual(2 * 1400);
      expect(height, p).toBeGreaterThanOrEqual(2 * 220);
      expect(height, p).toBeLessThanOrEqual(2 * 800);
      expect((await stat(p)).size).toBeGreaterThan(10_000); // drawn cells, not a blank image
    }
  });

  it('renders a 1-D map with a missing metric, skips PNGs when asked, and validates its arguments', async () => {
    const d = await mkdtemp(join(tmpdir(), 'lmech-map-strip-'));
    try {
      const o = await writeMapReport(stripMap(), d, { pngs: false });
      expect(o.pngs).toEqual([]);
      expect(await readFile(o.html, 'utf8')).toContain('μP learning-rate transfer');
    } finally {
      await rm(d, { recursive: true, force: true });
    }
    await expect(writeMapReport(ntkMap(), '')).rejects.toThrow(/outDir/);
    await expect(writeMapReport(ntkMap(), dir, { pngScale: 0 })).rejects.toThrow(/pngScale/);
  });
});
