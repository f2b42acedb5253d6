/**
 * The HTML report (Node only): one self-contained `index.html` plus a PNG per figure.
 *
 * - `index.html` inlines the vega, vega-lite and vega-embed UMD builds read from node_modules at report
 *   time, so opening it from disk makes no network request. A Content-Security-Policy meta tag allows
 *   only those inline scripts (by sha256 hash), so even if some text escaped the HTML escaping it could
 *   not run; `connect-src`/`img-src` etc. fall back to `default-src 'none'`. Vega compiles its
 *   expressions with `new Function`, hence `'unsafe-eval'`.
 * - Every piece of text from a result (titles, notes, params, metric names, errors) goes through `esc`;
 *   chart specs travel as JSON inside `<script type="application/json">` with `<`, `>`, `&` escaped.
 * - PNGs: the same Vega-Lite spec (./vegaSpec.ts) → vega View with renderer 'none' → SVG → resvg at 2×
 *   with DejaVu Sans (stack.md §4; needs a system font, `fonts-dejavu-core` on Debian).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Figure, Study, StudyResult, Verdict } from '../studies/types.ts';
import { fmt } from '../studies/verdict.ts';
import type { NamedMap } from './exampleMaps.ts';
import { judgedLine, mapDescription, mapVegaSpecs, metricName } from './mapSpec.ts';
import { formatDuration, VERDICTS, verdictCounts } from './table.ts';
import { texToText } from './tex.ts';
import { figureSpec, type VegaLiteSpec } from './vegaSpec.ts';

/** What the report shows about a study that is not in its result (formula, papers, catalog number). */
export type StudyInfo = Pick<Study, 'id'> & Partial<Pick<Study, 'formula' | 'papers' | 'catalog'>>;

export interface ReportOptions {
  /** Page title. Default 'Learning Mechanics Lab report'. */
  title?: string;
  /** The report's date (default: now). */
  now?: Date;
  /** Write a PNG per figure (default true). */
  pngs?: boolean;
  /** PNG zoom factor (default 2). */
  pngScale?: number;
  /** Formula, papers and catalog number per study id; default: read from the study registry. */
  studies?: StudyInfo[];
  /** Validity maps to show in their studies' sections ("where it holds"; e.g. `loadExampleMaps()`); default none. */
  maps?: NamedMap[];
}

export interface ReportOutput {
  /** Path of the written index.html. */
  html: string;
  /** Paths of the written PNGs. */
  pngs: string[];
}

/** HTML-escape text for element content and quoted attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON safe to put inside a `<script type="application/json">` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A file-name-safe fragment: letters, digits, `.`, `_`, `-` (anything else becomes `_`). */
export function safeName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return t.length > 0 ? t.slice(0, 80) : 'x';
}

/** A stable HTML id per study section (`study-<id>`, with `-2`, `-3`, ... if a study appears twice). */
function sectionIds(results: StudyResult[]): string[] {
  const used = new Set<string>();
  return results.map((r) => {
    const base = `study-${safeName(r.id)}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}-${k}`;
    used.add(id);
    return id;
  });
}

const requireFromHere = createRequire(import.meta.url);

export interface Library {
  name: string;
  version: string;
  code: string;
}

/** The UMD build next to a package's main entry (their `exports` hide the build paths themselves). */
async function readUmd(pkg: string, file: string): Promise<Library> {
  const buildDir = dirname(requireFromHere.resolve(pkg));
  const code = await readFile(join(buildDir, file), 'utf8');
  let version = '';
  try {
    const meta = JSON.parse(await readFile(join(buildDir, '..', 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof meta.version === 'string') version = meta.version;
  } catch {
    // the version is only shown in the footer
  }
  // `</script` inside inline code would end the element early; `<\/script` means the same in JS strings and regexes.
  return { name: pkg, version, code: code.replace(/<\/script/gi, '<\\/script') };
}

let libsCache: Promise<Library[]> | undefined;
/** The vega, vega-lite and vega-embed UMD builds to inline (read once per process). */
export function vegaLibraries(): Promise<Library[]> {
  libsCache ??= Promise.all([readUmd('vega', 'vega.min.js'), readUmd('vega-lite', 'vega-lite.min.js'), readUmd('vega-embed', 'vega-embed.min.js')]);
  return libsCache;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** Render one Vega-Lite spec to PNG bytes (vega View → SVG → resvg). */
export async function renderPng(spec: VegaLiteSpec, scale = 2): Promise<Uint8Array> {
  const [vega, vl, { Resvg }] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    });
    return resvg.render().asPng();
  } finally {
    view.finalize();
  }
}

async function loadStudyInfo(): Promise<StudyInfo[]> {
  try {
    const { STUDIES } = await import('../studies/registry.ts');
    return STUDIES.map((s) => ({ id: s.id, formula: s.formula, papers: s.papers, catalog: s.catalog }));
  } catch {
    return [];
  }
}

const VERDICT_LABEL: Record<Verdict, string> = { holds: 'holds', falsified: 'falsified', 'out-of-regime': 'out of regime', inconclusive: 'inconclusive', error: 'error' };

function badge(v: Verdict): string {
  return `<span class="badge v-${v}">${esc(VERDICT_LABEL[v])}</span>`;
}

function mark(ok: boolean): string {
  return ok ? '<span class="ok" title="pass">✓</span>' : '<span class="bad" title="fail">✗</span>';
}

function num(x: number): string {
  return esc(fmt(x));
}

interface FigureOut {
  fig: Figure;
  domId: string;
  spec: VegaLiteSpec;
  png?: string;
  pngError?: string;
}

/** One interactive figure: the Vega-Lite spec the boot script draws, its label, caption and PNG link (also the map report's). */
export function figureBlock(f: { domId: string; label: string; caption: string; spec: VegaLiteSpec; png?: string; pngError?: string; noscript: string }): string {
  const png = f.png ? ` <a class="png" href="${esc(f.png)}">PNG</a>` : f.pngError ? ` <span class="bad">PNG failed: ${esc(f.pngError)}</span>` : '';
  return `<figure class="fig">
<div class="vega" id="${esc(f.domId)}" role="img" aria-label="${esc(f.label)}"><noscript>${esc(f.noscript)}</noscript></div>
<script type="application/json" data-figure="${esc(f.domId)}">${scriptJson(f.spec)}</script>
<figcaption>${esc(f.caption)}${png}</figcaption>
</figure>`;
}

function figureHtml(f: FigureOut): string {
  const label = f.fig.title;
  return figureBlock({ ...f, label, caption: f.fig.caption ?? '', noscript: `${label}: the interactive chart needs JavaScript.` });
}

function metricsTable(r: StudyResult): string {
  if (r.metrics.length === 0) return '<p class="muted">No metrics.</p>';
  const rows = r.metrics
    .map(
      (m) => `<tr class="${m.pass ? 'pass' : 'fail'}">
<td>${esc(m.name)}${m.description ? `<div class="desc">${esc(m.description)}</div>` : ''}</td>
<td class="num">${num(m.value)}</td><td class="num">${esc(m.criterionText)}</td><td class="num">${num(m.tolerance)}</td>
<td class="mark">${mark(m.pass)}</td><td class="reason">${esc(m.reason)}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table class="metrics"><thead><tr><th>metric</th><th>value</th><th>criterion</th><th>tolerance</th><th>pass</th><th>why this tolerance</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

function regimeList(r: StudyResult): string {
  if (r.regime.length === 0) return '<p class="muted">No regime checks.</p>';
  return `<ul class="regime">${r.regime.map((g) => `<li class="${g.ok ? 'pass' : 'fail'}">${mark(g.ok)} <strong>${esc(g.name)}</strong> <span class="detail">${esc(g.detail)}</span></li>`).join('')}</ul>`;
}

/** Negative controls: each rival theory and its verdict on the same measurement (falsified is what a holding study needs). */
function controlsList(r: StudyResult): string {
  const cs = r.controls ?? [];
  if (cs.length === 0) return '<p class="muted">No negative controls declared.</p>';
  return `<ul class="regime">${cs
    .map((c) => `<li class="${c.verdict === 'falsified' ? 'pass' : 'fail'}">${mark(c.verdict === 'falsified')} <strong>${esc(c.name)}</strong> ${badge(c.verdict)} <span class="detail">${esc(c.description)}${c.passing.length ? ` (still passing: ${esc(c.passing.join(', '))})` : ''}${c.error ? ` (${esc(c.error)})` : ''}</span></li>`)
    .join('')}</ul>`;
}

/** Detection power: how far off each prediction could be before this study would notice. */
function powerTable(r: StudyResult): string {
  const ps = r.power ?? [];
  if (ps.length === 0) return '';
  const rows = ps.map((x) => `<tr><td>${esc(x.metric)}</td><td><code>${esc(x.prediction)}</code></td><td class="num">${Number.isFinite(x.detectionThreshold) ? `${num(100 * x.detectionThreshold)}%` : 'never'}</td><td>${esc(x.direction)}</td></tr>`).join('');
  return `<h3>Detection power</h3><p class="muted">The smallest relative change of the predicted scalar that makes the metric fail (the same measurement, judged again).</p><div class="table-wrap"><table class="metrics"><thead><tr><th>metric</th><th>predicted scalar</th><th>detects a change of</th><th>first direction</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** Per-part verdicts and the verdict over seeds. */
function partsAndSeeds(r: StudyResult): string {
  const parts = r.parts && r.parts.length > 1 ? `<p>Parts: ${r.parts.map((x) => `<strong>${esc(x.part || 'main')}</strong> ${badge(x.verdict)}`).join(' · ')}</p>` : '';
  const s = r.seedSummary;
  const seeds =
    s && s.seeds.length > 1
      ? `<p>Over ${esc(s.seeds.length)} seeds: ${esc(s.holds)} hold (${num(100 * s.fraction)}%, Wilson 95% interval [${num(s.lo)}, ${num(s.hi)}]; the study needs the lower bound ≥ ${num(s.threshold)}). Per seed: ${s.verdicts.map((v, i) => `${esc(s.seeds[i])} ${badge(v)}`).join(' ')}</p>`
      : '';
  return parts + seeds;
}

function scalarsTable(title: string, scalars: Record<string, number>): string {
  const entries = Object.entries(scalars);
  if (entries.length === 0) return '';
  return `<table class="kv"><caption>${esc(title)}</caption><tbody>${entries.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="num">${num(v)}</td></tr>`).join('')}</tbody></table>`;
}

/**
 * A study's validity maps (interactive phase diagram and heatmap, with the grid and the judged boundaries in
 * words), folded under "Where it holds". The maps were drawn by `lmech map` at their own code version, named.
 */
function mapsSection(maps: readonly NamedMap[], sectionId: string): string {
  if (maps.length === 0) return '';
  const blocks = maps.map(({ name, map }, k) => {
    const specs = mapVegaSpecs(map);
    const metric = metricName(map) ?? 'the mapped metric';
    const judged = map.predictedBoundaries.map((j) => `<li>${esc(judgedLine(j, map.spec.metric))}</li>`).join('');
    const fig = (id: 'phase' | 'error', caption: string) =>
      figureBlock({ domId: `${sectionId}-map-${k}-${id}`, label: `${map.spec.studyId} ${name}: ${id}`, caption, spec: specs[id], noscript: `${caption}: the interactive chart needs JavaScript; see docs/maps/${name}/${id}.png.` });
    return `<details class="map"><summary><strong>${esc(name)}</strong>: ${esc(mapDescription(map))}</summary>
<p class="muted">Drawn by <code>lmech map</code> at code version <code>${esc(map.codeVersion)}</code> (${esc(map.createdAt)}); <code>bash scripts/example-maps.sh</code> redraws it.</p>
<div class="figs">${fig('phase', 'Verdict over seeds at each grid point, with the measured (solid) and predicted (dashed) boundaries.')}
${fig('error', `Error / tolerance of ${metric} (log colour scale centred at 1: blue passes, red fails).`)}</div>
${judged ? `<ul class="notes">${judged}</ul>` : ''}
</details>`;
  });
  return `<h3>Where it holds (validity maps)</h3>\n${blocks.join('\n')}`;
}

function studySection(r: StudyResult, sectionId: string, info: StudyInfo | undefined, figs: FigureOut[], maps: readonly NamedMap[] = []): string {
  const p = r.provenance;
  const notes = [...(r.prediction.notes ?? []).map((n) => ({ n, from: 'prediction' })), ...(r.measurement.notes ?? []).map((n) => ({ n, from: 'measurement' }))];
  const papers = info?.papers ?? [];
  const formula = info?.formula
    ? `<div class="formula"><span class="formula-text">${esc(texToText(info.formula))}</span><details class="tex"><summary>TeX</summary><code>${esc(info.formula)}</code></details></div>`
    : '';
  const scalars = scalarsTable('predicted scalars', r.prediction.scalars) + scalarsTable('measured scalars', r.measurement.scalars);
  return `<section class="study v-${r.verdict}" id="${esc(sectionId)}">
<header class="study-head">
<h2>${esc(r.title)}</h2>
<div class="meta">${badge(r.verdict)} <code>${esc(r.id)}</code> · pillar <strong>${esc(r.pillar)}</strong>${info?.catalog ? ` · catalog #${esc(info.catalog)}` : ''}${r.cached ? ' · <span class="cached">cached</span>' : ''}</div>
</header>
<p class="claim">${esc(r.claim)}</p>
${formula}
${papers.length ? `<ul class="papers">${papers.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
${r.verdict === 'error' ? `<div class="error"><strong>Error</strong><pre>${esc(r.error ?? 'unknown error')}</pre></div>` : ''}
${figs.length ? `<div class="figs">${figs.map(figureHtml).join('\n')}</div>` : ''}
<h3>Metrics</h3>
${metricsTable(r)}
${partsAndSeeds(r)}
<h3>Regime checks</h3>
${regimeList(r)}
<h3>Negative controls</h3>
${controlsList(r)}
${powerTable(r)}
${mapsSection(maps, sectionId)}
${notes.length ? `<h3>Notes</h3><ul class="notes">${notes.map((x) => `<li><span class="muted">${esc(x.from)}:</span> ${esc(x.n)}</li>`).join('')}</ul>` : ''}
<h3>Provenance</h3>
<dl class="prov">
<dt>seed</dt><dd>${esc(p.seed)}</dd>
<dt>config hash</dt><dd><code>${esc(p.configHash)}</code></dd>
<dt>code version</dt><dd><code>${esc(p.codeVersion)}</code></dd>
<dt>profile</dt><dd>${esc(p.profile)}</dd>
<dt>started</dt><dd>${esc(p.startedAt)}</dd>
<dt>duration</dt><dd>${esc(formatDuration(p.durationMs))}${r.cached ? ' (stored run, cache hit)' : ''}</dd>
<dt>runtime</dt><dd>node ${esc(p.node)} · ${esc(p.platform)}</dd>
</dl>
<details class="params"><summary>parameters</summary><pre>${esc(JSON.stringify(p.params, null, 2))}</pre></details>
${scalars ? `<details class="scalars"><summary>scalars</summary><div class="kvs">${scalars}</div></details>` : ''}
<p class="top"><a href="#top">↑ back to the verdict table</a></p>
</section>`;
}

function summaryHeader(results: StudyResult[], title: string, now: Date): string {
  const counts = verdictCounts(results);
  const versions = [...new Set(results.map((r) => r.provenance.codeVersion))];
  const starts = results.map((r) => r.provenance.startedAt).filter((s) => typeof s === 'string' && s.length > 0).sort();
  const runs = starts.length === 0 ? '' : starts[0] === starts[starts.length - 1] ? starts[0] : `${starts[0]} – ${starts[starts.length - 1]}`;
  const total = results.reduce((a, r) => a + (Number.isFinite(r.provenance.durationMs) ? r.provenance.durationMs : 0), 0);
  const cached = results.filter((r) => r.cached).length;
  return `<header class="page-head" id="top">
<h1>${esc(title)}</h1>
<p class="counts">${esc(results.length)} ${results.length === 1 ? 'study' : 'studies'}: ${VERDICTS.map((v) => `<span class="count ${counts[v] > 0 ? `v-${v}` : 'zero'}">${esc(counts[v])} ${esc(VERDICT_LABEL[v])}</span>`).join(' ')}</p>
<dl class="run-meta">
<dt>code version</dt><dd>${versions.map((v) => `<code>${esc(v)}</code>`).join(', ') || '–'}</dd>
<dt>report written</dt><dd>${esc(now.toISOString())}</dd>
${runs ? `<dt>runs started</dt><dd>${esc(runs)}</dd>` : ''}
<dt>compute</dt><dd>${esc(formatDuration(total))} in total${cached ? `, ${esc(cached)} from the store (cached)` : ''}</dd>
</dl>
<p class="legend-note">In every figure: <span class="solid">solid</span> = measured in a real training run, <span class="dashed">dashed</span> = the theory's prediction, thin grey = reference. A verdict is <em>holds</em> when every metric meets its declared tolerance, <em>falsified</em> when one misses, <em>out of regime</em> when the run violated the theory's assumptions (no claim is tested), <em>inconclusive</em> when a negative control (a rival theory) also held or the seeds disagree, <em>error</em> when the run failed or a number was NaN.</p>
</header>`;
}

function verdictTableHtml(results: StudyResult[], ids: string[], info: Map<string, StudyInfo>): string {
  const rows = results
    .map((r, i) => {
      const passed = r.metrics.filter((m) => m.pass).length;
      const regimeFail = r.regime.filter((g) => !g.ok).length;
      const cat = info.get(r.id)?.catalog;
      return `<tr class="v-${r.verdict}"><td class="num">${cat ? esc(cat) : ''}</td><td><a href="#${esc(ids[i])}">${esc(r.title)}</a><div class="desc"><code>${esc(r.id)}</code></div></td><td>${esc(r.pillar)}</td><td>${badge(r.verdict)}</td><td class="num">${esc(passed)}/${esc(r.metrics.length)}${regimeFail ? ` <span class="warn">(${esc(regimeFail)} regime ✗)</span>` : ''}</td><td class="num">${esc(formatDuration(r.provenance.durationMs))}</td><td>${r.cached ? '<span class="cached">cached</span>' : ''}</td></tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table class="verdicts"><thead><tr><th>#</th><th>study</th><th>pillar</th><th>verdict</th><th>metrics passed</th><th>time</th><th></th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

export const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--holds:#1a7f37;--holds-bg:#dafbe1;--falsified:#cf222e;--falsified-bg:#ffebe9;--oor:#9a6700;--oor-bg:#fff8c5;--error:#8250df;--error-bg:#fbefff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
main{max-width:1040px;margin:0 auto;padding:24px 20px 64px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:20px;margin:0 0 4px;line-height:1.3}
h3{font-size:15px;margin:22px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em;background:var(--soft);padding:1px 4px;border-radius:4px}
pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:13px;background:var(--soft);padding:10px 12px;border-radius:6px;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:6px 0}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
.muted,.desc{color:var(--muted)}
.desc{font-size:12.5px}
.page-head{border-bottom:1px solid var(--line);padding-bottom:12px;margin-bottom:16px}
.counts{font-size:16px;margin:4px 0 10px}
.count{display:inline-block;padding:2px 10px;border-radius:12px;margin-right:4px;font-weight:600}
.count.zero{color:var(--muted);background:var(--soft);font-weight:400}
dl.run-meta,dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0;font-size:14px}
dl dt{color:var(--muted)}dl dd{margin:0;word-break:break-all}
.legend-note{font-size:13.5px;color:var(--muted);margin:10px 0 0}
.legend-note .solid{border-bottom:2px solid var(--fg)}.legend-note .dashed{border-bottom:2px dashed var(--fg)}
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:var(--soft);font-weight:600;font-size:13px;white-space:nowrap}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
td.mark{text-align:center;font-size:16px}
td.reason{color:var(--muted);font-size:13px;min-width:220px}
table.verdicts td:nth-child(2){min-width:260px}
.table-wrap{overflow-x:auto}
.badge{display:inline-block;padding:1px 9px;border-radius:11px;font-size:12.5px;font-weight:700;letter-spacing:.02em;white-space:nowrap;border:1px solid transparent}
.v-holds.badge,.count.v-holds{color:var(--holds);background:var(--holds-bg);border-color:#aceebb}
.v-falsified.badge,.count.v-falsified{color:var(--falsified);background:var(--falsified-bg);border-color:#ffcecb}
.v-out-of-regime.badge,.count.v-out-of-regime{color:var(--oor);background:var(--oor-bg);border-color:#f5e0a0}
.v-inconclusive.badge,.count.v-inconclusive{color:#0a6b8a;background:#ddf4ff;border-color:#b6e3ff}
.v-error.badge,.count.v-error{color:var(--error);background:var(--error-bg);border-color:#ecd8ff}
.ok{color:var(--holds);font-weight:700}.bad{color:var(--falsified);font-weight:700}.warn{color:var(--oor)}
tr.fail td{background:#fff8f7}
.cached{font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 7px}
section.study{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:8px;padding:16px 20px;margin:22px 0}
section.study.v-holds{border-left-color:var(--holds)}section.study.v-falsified{border-left-color:var(--falsified)}
section.study.v-out-of-regime{border-left-color:#d4a72c}section.study.v-inconclusive{border-left-color:#54aeff}section.study.v-error{border-left-color:var(--error)}
.meta{font-size:14px;color:var(--muted);margin:2px 0 8px}
.claim{font-size:15.5px;margin:8px 0}
.formula{margin:8px 0;padding:8px 12px;background:var(--soft);border-radius:6px;display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline}
.formula-text{font-family:"Cambria Math","STIX Two Math","Latin Modern Math","DejaVu Serif",Georgia,serif;font-size:16.5px}
.formula details.tex{font-size:12px;color:var(--muted)}.formula details.tex code{background:#fff}
ul.papers{margin:6px 0;padding-left:20px;font-size:13.5px;color:var(--muted)}
.error{border:1px solid #ecd8ff;background:var(--error-bg);border-radius:6px;padding:8px 12px;margin:10px 0}
.error pre{background:#fff}
.figs{display:flex;flex-direction:column;gap:8px;margin:12px 0}
figure.fig{margin:0;padding:8px 0;overflow-x:auto;break-inside:avoid}
figure.fig figcaption{font-size:13px;color:var(--muted);max-width:760px}
figure.fig .png{font-size:12px;margin-left:6px}
.vega{min-height:60px}
.fig-error{color:var(--falsified);font-size:13px}
ul.regime,ul.notes{list-style:none;padding:0;margin:6px 0}
ul.regime li,ul.notes li{padding:3px 0}
ul.regime .detail{color:var(--muted);font-size:13.5px}
ul.notes li{white-space:pre-wrap}
details{margin:8px 0}
details summary{cursor:pointer;color:var(--muted);font-size:14px}
table.kv{width:auto;min-width:260px;display:inline-table;margin-right:16px}
table.kv caption{text-align:left;font-size:13px;color:var(--muted);padding:4px 0}
.kvs{display:flex;flex-wrap:wrap;gap:8px}
p.top{font-size:13px;margin:14px 0 0}
footer{margin-top:40px;font-size:12.5px;color:var(--muted)}
@media (max-width:900px){table.verdicts td:nth-child(2),td.reason{min-width:0}}
@media (max-width:700px){main{padding:12px}section.study{padding:12px}}
@media print{
 body{font-size:11pt}main{max-width:none;padding:0}
 a{color:inherit}p.top,figure.fig .png,details.tex{display:none}
 section.study{break-inside:auto;border-width:1px 1px 1px 4px;margin:12px 0}
 h2,h3{break-after:avoid}figure.fig{overflow:visible}
 tr{break-inside:avoid}
 table.verdicts td:nth-child(2),td.reason{min-width:0}
 .table-wrap{overflow:visible}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

/** Renders each figure's chart in its box; a failure shows in the box instead of breaking the page. */
export const BOOT = `(function () {
  var nodes = document.querySelectorAll('script[type="application/json"][data-figure]');
  function fail(target, message) {
    target.textContent = 'This figure could not be drawn: ' + message;
    target.className += ' fig-error';
  }
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i];
    var target = document.getElementById(node.getAttribute('data-figure'));
    if (!target) continue;
    if (typeof vegaEmbed !== 'function') { fail(target, 'vega-embed did not load'); continue; }
    try {
      var spec = JSON.parse(node.textContent);
      (function (t) {
        vegaEmbed(t, spec, { mode: 'vega-lite', actions: false, renderer: 'svg' }).catch(function (e) { fail(t, String(e && e.message || e)); });
      })(target);
    } catch (e) { fail(target, String(e && e.message || e)); }
  }
})();`;

/** The report's HTML text (`writeReport` writes it with the PNGs). */
async function reportHtml(results: StudyResult[], figures: FigureOut[][], info: StudyInfo[], opts: { title: string; now: Date; maps: readonly NamedMap[] }): Promise<string> {
  const byId = new Map(info.map((s) => [s.id, s]));
  const ids = sectionIds(results);
  const libs = await vegaLibraries();
  const scripts = [...libs.map((l) => l.code), BOOT];
  const csp = [
    "default-src 'none'",
    `script-src 'unsafe-eval' ${scripts.map((s) => `'sha256-${sha256(s)}'`).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const body = [
    summaryHeader(results, opts.title, opts.now),
    results.length === 0 ? '<p class="muted">No results to report.</p>' : verdictTableHtml(results, ids, byId),
    ...results.map((r, i) =>
      studySection(
        r,
        ids[i],
        byId.get(r.id),
        figures[i] ?? [],
        opts.maps.filter((m) => m.map.spec.studyId === r.id),
      ),
    ),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(opts.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer>Written by lmech (Learning Mechanics Lab). Self-contained: charts drawn by the inlined ${libs.map((l) => esc(`${l.name} ${l.version}`.trim())).join(', ')} builds; no network access.</footer>
</main>
${libs.map((l) => `<script data-lib="${esc(l.name)}">${l.code}</script>`).join('\n')}
<script>${BOOT}</script>
</body>
</html>
`;
}

/**
 * Write `<outDir>/index.html` (self-contained) and `<outDir>/fig-<studyId>-<figureId>.png` for every
 * figure of every result. A figure whose PNG fails to render is reported in the HTML, not thrown.
 */
export async function writeReport(results: StudyResult[], outDir: string, opts: ReportOptions = {}): Promise<ReportOutput> {
  if (!Array.isArray(results)) throw new Error(`results: expected an array of StudyResult, got ${typeof results}`);
  if (typeof outDir !== 'string' || outDir.length === 0) throw new Error(`outDir: expected a directory path, got ${JSON.stringify(outDir)}`);
  const scale = opts.pngScale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new Error(`pngScale: expected a zoom factor in (0, 8], got ${scale}`);
  await mkdir(outDir, { recursive: true });
  const info = opts.studies ?? (await loadStudyInfo());
  const pngs: string[] = [];
  const usedNames = new Set<string>();
  const figures: FigureOut[][] = [];
  let domCounter = 0;
  for (const r of results) {
    const outs: FigureOut[] = [];
    for (const fig of r.figures ?? []) {
      const spec = figureSpec(fig, r);
      const out: FigureOut = { fig, domId: `fig-${domCounter++}`, spec };
      if (opts.pngs !== false) {
        let name = `fig-${safeName(r.id)}-${safeName(fig.id)}.png`;
        for (let k = 2; usedNames.has(name); k++) name = `fig-${safeName(r.id)}-${safeName(fig.id)}-${k}.png`;
        usedNames.add(name);
        try {
          const bytes = await renderPng(figureSpec(fig, r, { caption: true }), scale);
          const path = join(outDir, name);
          await writeFile(path, bytes);
          pngs.push(path);
          out.png = name;
        } catch (e) {
          out.pngError = (e as Error).message;
        }
      }
      outs.push(out);
    }
    figures.push(outs);
  }
  const html = await reportHtml(results, figures, info, { title: opts.title ?? 'Learning Mechanics Lab report', now: opts.now ?? new Date(), maps: opts.maps ?? [] });
  const htmlPath = join(outDir, 'index.html');
  await writeFile(htmlPath, html, 'utf8');
  return { html: htmlPath, pngs };
}
