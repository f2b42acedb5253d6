import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esc, type ReportOutput, safeName, scriptJson, writeReport } from '../../src/report/html.ts';
import type { StudyResult } from '../../src/studies/types.ts';
import { allFixtures, MALICIOUS } from './fixtures.ts';

const NOW = new Date('2026-05-04T12:00:00Z');
const STUDY_INFO = [
  { id: 'edge-of-stability', catalog: 15, formula: '\\lambda_{\\max} \\approx 2/\\eta', papers: ['Cohen et al. 2021'] },
  { id: 'dln-saxe-modes', catalog: 1, formula: 'u(\\tau) = \\frac{s}{1 + (s/u_0 - 1)e^{-2s\\tau}}', papers: ['Saxe, McClelland & Ganguli 2014'] },
  { id: 'scaling-law-hostile', formula: `L \\propto N^{-\\alpha} ${MALICIOUS}`, papers: [`paper ${MALICIOUS}`] },
];

let dir: string;
let results: StudyResult[];
let out: ReportOutput;
let html: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lmech-report-'));
  results = allFixtures();
  out = await writeReport(results, dir, { now: NOW, studies: STUDY_INFO });
  html = await readFile(out.html, 'utf8');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Opening tags of the document, with the contents of <script> elements removed (the inlined libraries are code, not markup). */
function openingTags(doc: string): string[] {
  const markup = doc.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1');
  return markup.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

function attributes(tag: string, name: string): string[] {
  const re = new RegExp(`\\s${name}\\s*=\\s*("[^"]*"|'[^']*'|[^\\s>]+)`, 'gi');
  return [...tag.matchAll(re)].map((m) => m[1].replace(/^["']|["']$/g, ''));
}

describe('writeReport: index.html', () => {
  it('writes one self-contained index.html: no external src/href, no <link>, libraries inline', () => {
    expect(basename(out.html)).toBe('index.html');
    const tags = openingTags(html);
    const refs = tags.flatMap((t) => [...attributes(t, 'src'), ...attributes(t, 'href')]);
    expect(refs.length).toBeGreaterThan(0); // the verdict table links and PNG links are there
    for (const ref of refs) expect(ref, ref).not.toMatch(/^\s*(https?:)?\/\//i);
    expect(tags.filter((t) => /^<link\b/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /^<script\b/i.test(t) && attributes(t, 'src').length > 0)).toEqual([]);
    expect(tags.filter((t) => /^<(img|iframe|object|embed)\b/i.test(t))).toEqual([]);
    for (const lib of ['vega', 'vega-lite', 'vega-embed']) expect(html).toContain(`<script data-lib="${lib}">`);
  });

  it('lists every executable inline script in the Content-Security-Policy by its sha256 (so they run, and nothing else does)', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1].replace(/&#39;/g, "'") ?? '';
    expect(csp).toContain("default-src 'none'");
    const scripts = [...html.matchAll(/<script(?:\s+data-lib="[^"]*")?>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(4); // vega, vega-lite, vega-embed, boot
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
    expect(csp).not.toContain("'unsafe-inline' 'sha"); // scripts are allowed by hash only
    expect(/script-src[^;]*'unsafe-inline'/.test(csp)).toBe(false);
  });

  it('escapes hostile text: a <script> note stays text everywhere', () => {
    expect(html).not.toContain(MALICIOUS);
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Power law &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // the only <script> opening tags are the 4 executable ones and one JSON block per figure
    const figureCount = results.reduce((a, r) => a + r.figures.length, 0);
    const scriptTags = openingTags(html).filter((t) => /^<script\b/i.test(t));
    expect(scriptTags).toHaveLength(4 + figureCount);
    expect(scriptTags.filter((t) => t.includes('type="application/json"'))).toHaveLength(figureCount);
  });

  it('contains every study (section, link, verdict) and every metric with its criterion', () => {
    for (const r of results) {
      expect(html).toContain(`<section class="study v-${r.verdict}" id="study-${r.id}">`);
      expect(html).toContain(`href="#study-${r.id}"`);
      expect(html).toContain(esc(r.title));
      expect(html).toContain(esc(r.claim));
      expect(html).toContain(`<code>${esc(r.provenance.configHash)}</code>`);
      for (const m of r.metrics) {
        expect(html).toContain(esc(m.name));
        expect(html).toContain(esc(m.criterionText));
        expect(html).toContain(esc(m.reason));
      }
      for (const g of r.regime) expect(html).toContain(esc(g.detail));
    }
    expect(html).toContain('5 studies:');
    expect(html).toMatch(/2 holds<\/span>/);
    expect(html).toMatch(/1 falsified<\/span>/);
    expect(html).toMatch(/1 out of regime<\/span>/);
    expect(html).toMatch(/1 error<\/span>/);
    expect(html).toContain('2026-05-04T12:00:00.000Z');
    expect(html).toContain(esc('RangeError: width: expected ≥ 1, got 0'));
    expect(html).toContain('The depth-3 run converges later');
    expect(html).toContain('catalog #15');
    expect(html).toContain('λ'); // TeX rendered to text (\lambda → λ)
    expect(html).toContain('<code>\\lambda_{\\max} \\approx 2/\\eta</code>');
  });

  it('embeds each figure spec as JSON that parses back', () => {
    const blocks = [...html.matchAll(/<script type="application\/json" data-figure="([^"]+)">([\s\S]*?)<\/script>/g)];
    expect(blocks.length).toBe(results.reduce((a, r) => a + r.figures.length, 0));
    for (const [, id, json] of blocks) {
      const spec = JSON.parse(json) as { $schema: string; title: { text: string } };
      expect(spec.$schema).toContain('vega-lite');
      expect(html).toContain(`id="${id}"`);
    }
  });
});

describe('writeReport: PNGs', () => {
  it('writes fig-<studyId>-<figureId>.png per figure with a PNG signature and plausible size', async () => {
    const expected = results.flatMap((r) => r.figures.map((f) => `fig-${r.id}-${f.id}.png`));
    expect(out.pngs.map((p) => basename(p))).toEqual(expected);
    for (const p of out.pngs) {
      const bytes = await readFile(p);
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // IHDR: width and height are big-endian u32 at bytes 16 and 20
      const width = bytes.readUInt32BE(16);
      const height = bytes.readUInt32BE(20);
      // a 560×320 plot at 2× plus axes, title and legend: 1120–2400 px wide; the empty chart is 140 px tall
      expect(width, p).toBeGreaterThanOrEqual(1120);
      expect(width, p).toBeLessThanOrEqual(2400);
      expect(height, p).toBeGreaterThanOrEqual(2 * 140);
      expect(height, p).toBeLessThanOrEqual(2 * 600);
      expect((await stat(p)).size).toBeGreaterThan(5000); // real drawing, not a blank image
    }
  });

  it('skips PNGs when pngs:false and validates its arguments', async () => {
    const d = await mkdtemp(join(tmpdir(), 'lmech-report-nopng-'));
    try {
      const o = await writeReport(results.slice(0, 1), d, { pngs: false, studies: [], now: NOW });
      expect(o.pngs).toEqual([]);
      expect(await readFile(o.html, 'utf8')).toContain('1 study:');
      // the same study twice (e.g. two seeds) gets two distinct section ids
      const twice = await writeReport([results[1], results[1]], d, { pngs: false, studies: [], now: NOW });
      const text = await readFile(twice.html, 'utf8');
      expect(text).toContain('id="study-dln-saxe-modes"');
      expect(text).toContain('id="study-dln-saxe-modes-2"');
      expect(text).toContain('href="#study-dln-saxe-modes-2"');
    } finally {
      await rm(d, { recursive: true, force: true });
    }
    await expect(writeReport(results, '')).rejects.toThrow(/outDir/);
    await expect(writeReport(results, dir, { pngScale: 0 })).rejects.toThrow(/pngScale/);
  });
});

describe('escaping helpers', () => {
  it('esc escapes the five HTML-special characters', () => {
    expect(esc(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
  it('scriptJson round-trips and never contains <, > or &', () => {
    const value = { a: MALICIOUS, b: ['</script><!--', '&amp;', '\u2028'], n: 1.5 };
    const s = scriptJson(value);
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual(value);
  });
  it('safeName keeps file names inside the output directory', () => {
    expect(safeName('../../etc/passwd')).not.toContain('/');
    expect(safeName('../x')).not.toMatch(/^\./);
    expect(safeName('aligned-L2')).toBe('aligned-L2');
    expect(safeName('')).toBe('x');
  });
});
