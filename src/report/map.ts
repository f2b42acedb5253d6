/**
 * Validity map output (issue 16): the terminal grid (`mapTable`) and the self-contained map report
 * (`writeMapReport`: `map.html`, `phase.png`, `error.png`). The figures are the Vega-Lite specs of
 * ./mapSpec.ts (browser-safe, shared with the lab); the page inlines the same vega builds, CSS and boot script
 * as the study report (./html.ts), so it opens from disk with no network request, under the same CSP.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verdict } from '../studies/types.ts';
import type { AxisValue, JudgedBoundary, MapPoint, ValidityMap } from '../studies/validityMap/types.ts';
import { fmt } from '../studies/verdict.ts';
import { BOOT, CSS, esc, figureBlock, renderPng, sha256, vegaLibraries } from './html.ts';
import { cellLabel, fixedText, judgedLine, mapDescription, mapLayout, mapVegaSpecs, measuredLine, metricName, shortRatio, VERDICT_LETTER } from './mapSpec.ts';
import { ANSI, pad, VERDICT_COLOR } from './table.ts';
import type { VegaLiteSpec } from './vegaSpec.ts';

export { type MapSpecOptions, type MapSpecs, mapVegaSpecs } from './mapSpec.ts';

export interface MapTableOptions {
  /** Colour verdicts and ✓/✗ with ANSI escape codes (only for a TTY). */
  color: boolean;
}

function coord(v: AxisValue): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v);
}

/** Code-point length (labels hold Greek letters and ✓). */
function len(s: string): number {
  return [...s].length;
}

/** One grid of text: a header row of the second axis's values (or `column`), then one row per first-axis value. */
function grid(corner: string, columns: string[], rows: { head: string; cells: { text: string; verdict?: Verdict }[] }[], color: boolean): string[] {
  const headW = Math.max(len(corner), ...rows.map((r) => len(r.head)));
  const colW = columns.map((c, j) => Math.max(len(c), ...rows.map((r) => len(r.cells[j]?.text ?? ''))));
  const header = [pad(corner, headW), ...columns.map((c, j) => pad(c, colW[j]))].join('  ').trimEnd();
  const lines = [color ? `${ANSI.bold}${header}${ANSI.reset}` : header];
  for (const r of rows) {
    const cells = r.cells.map((c, j) => {
      // colour the label only, pad after it: the last column's padding then trims like the plain text's
      const fill = ' '.repeat(Math.max(0, colW[j] - len(c.text)));
      return color && c.verdict ? `${VERDICT_COLOR[c.verdict]}${c.text}${ANSI.reset}${fill}` : c.text + fill;
    });
    lines.push([pad(r.head, headW), ...cells].join('  ').trimEnd());
  }
  return lines;
}

function judgedText(j: JudgedBoundary, color: boolean, mappedMetric?: string): string {
  const line = `  ${judgedLine(j, mappedMetric)} (${j.reason})`;
  if (!color || j.pass === null) return line;
  return line.replace(/[✓✗]/, (m) => `${j.pass ? ANSI.green : ANSI.red}${m}${ANSI.reset}`);
}

/**
 * The map as text: a header (study, axes, seeds, metric, code version), the grid of verdict labels (one row
 * per value of the first axis, one column per value of the second; `H 3/3` = holds, 3 of 3 seeds hold; `·`
 * = not run yet), the grid of error / tolerance, then the measured and predicted boundaries.
 */
export function mapTable(map: ValidityMap, opts: MapTableOptions): string {
  const layout = mapLayout(map);
  const { x, y } = layout;
  const color = opts.color === true;
  const ny = y ? y.values.length : 1;
  const cellAt = (ix: number, iy: number): MapPoint | undefined => layout.cells[ix * ny + iy].point;
  const corner = y ? `${x.key} \\ ${y.key}` : x.key;
  const columns = y ? y.values.map(coord) : ['verdict'];
  const verdictRows = x.values.map((v, ix) => ({
    head: coord(v),
    cells: Array.from({ length: ny }, (_, iy) => ({ text: cellLabel(cellAt(ix, iy)), verdict: cellAt(ix, iy)?.shown })),
  }));
  const metric = metricName(map);
  const empty = layout.cells.filter((c) => !c.point).length;
  const out = [color ? `${ANSI.bold}${map.studyTitle}${ANSI.reset} (${map.spec.studyId}): validity map` : `${map.studyTitle} (${map.spec.studyId}): validity map`];
  out.push(`${mapDescription(map)} · code ${map.codeVersion}`);
  out.push(`verdicts: ${Object.entries(VERDICT_LETTER).map(([v, l]) => `${l} ${v}`).join(', ')}, · not run yet; n/N = seeds that hold`);
  out.push(...grid(corner, columns, verdictRows, color));
  if (metric) {
    const ratioRows = x.values.map((v, ix) => ({ head: coord(v), cells: Array.from({ length: ny }, (_, iy) => ({ text: cellAt(ix, iy) ? shortRatio(cellAt(ix, iy)?.metric?.errorRatio) : '·' })) }));
    out.push('', `${metric}: error / tolerance (≤ 1 passes; – no value)`);
    out.push(...grid(corner, y ? columns : ['ratio'], ratioRows, false));
  }
  if (empty > 0 || map.pending > 0) out.push('', `partial map: ${Math.max(empty, map.pending)} of ${layout.cells.length} points not run yet`);
  if (layout.offGrid > 0) out.push(`${layout.offGrid} point${layout.offGrid === 1 ? '' : 's'} off the grid (not shown)`);
  out.push('', 'measured boundary (error / tolerance crosses 1):');
  out.push(...(map.boundaries.length > 0 ? map.boundaries.map((b) => `  ${measuredLine(b)}`) : ['  none computed']));
  if (map.predictedBoundaries.length > 0) {
    out.push('predicted boundary, judged against the measured one:');
    out.push(...map.predictedBoundaries.map((j) => judgedText(j, color, map.spec.metric)));
  }
  return out.join('\n');
}

export interface MapReportOutput {
  /** Path of the written map.html. */
  html: string;
  /** Paths of the written PNGs (phase.png, error.png; one that failed to render is named in the HTML instead). */
  pngs: string[];
}

export interface MapReportOptions {
  /** PNG zoom factor (default 2). */
  pngScale?: number;
  /** Write the PNGs (default true). */
  pngs?: boolean;
}

interface MapFigure {
  id: 'phase' | 'error';
  spec: VegaLiteSpec;
  caption: string;
  png?: string;
  pngError?: string;
}

function figureHtml(f: MapFigure): string {
  return figureBlock({ ...f, domId: `map-${f.id}`, label: f.caption, noscript: `${f.caption}: the interactive chart needs JavaScript; see the PNG.` });
}

function passMark(pass: boolean | null): string {
  if (pass === null) return '<span class="muted" title="not judged">–</span>';
  return pass ? '<span class="ok" title="pass">✓</span>' : '<span class="bad" title="fail">✗</span>';
}

/** Measured crossings and judged predicted boundaries, listed under the figures. */
function boundaryTables(map: ValidityMap): string {
  const measured = map.boundaries.length
    ? `<div class="table-wrap"><table class="metrics"><thead><tr><th>along</th><th>with fixed</th><th>crossing (error / tolerance = 1)</th><th>holds</th></tr></thead><tbody>${map.boundaries
        .map((b) => `<tr><td>${esc(b.axis)}</td><td>${esc(fixedText(b.fixed))}</td><td class="num">${b.crossing === null ? 'none in the range' : esc(fmt(b.crossing))}</td><td>${b.holdsBelow === null ? '–' : b.holdsBelow ? 'below' : 'above'}</td></tr>`)
        .join('')}</tbody></table></div>`
    : '<p class="muted">No measured boundary (the map has no crossing data).</p>';
  const judged = map.predictedBoundaries.length
    ? `<div class="table-wrap"><table class="metrics"><thead><tr><th>along</th><th>with fixed</th><th>predicted</th><th>measured</th><th>crossing of</th><th>tolerance</th><th>pass</th><th>why this tolerance</th></tr></thead><tbody>${map.predictedBoundaries
        .map(
          (j) =>
            `<tr class="${j.pass === false ? 'fail' : 'pass'}"><td>${esc(j.axis)}</td><td>${esc(fixedText(j.fixed))}</td><td class="num">${esc(fmt(j.predicted))}</td><td class="num">${j.measured === null ? 'no crossing' : esc(fmt(j.measured))}</td><td>${esc(j.metric ?? map.spec.metric ?? '')}</td><td class="num">×${esc(fmt(j.factor))}</td><td class="mark">${passMark(j.pass)}</td><td class="reason">${esc(j.reason)}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p class="muted">The study declares no predicted boundary.</p>';
  return `<h3>Measured boundary</h3>${measured}<h3>Predicted boundary, judged</h3>${judged}`;
}

/** Every point (coordinates, verdict, seeds, metric, run ids), folded away; large maps list the first 2,000. */
function pointsTable(map: ValidityMap): string {
  const shown = map.points.slice(0, 2000);
  const keys = map.spec.axes.map((a) => a.key);
  const rows = shown
    .map((p) => `<tr class="v-${esc(p.verdict)}">${keys.map((k) => `<td class="num">${esc(p.coords[k] === undefined ? '–' : coord(p.coords[k]))}</td>`).join('')}<td><span class="badge v-${esc(p.verdict)}">${esc(p.verdict)}</span></td><td>${esc(p.seedVerdicts.join(', '))}</td><td class="num">${p.metric ? esc(fmt(p.metric.errorRatio)) : '–'}</td><td>${p.runIds.map((r) => `<code>${esc(r)}</code>`).join(' ')}${p.error ? `<div class="desc">${esc(p.error)}</div>` : ''}</td></tr>`)
    .join('\n');
  const more = map.points.length > shown.length ? `<p class="muted">First ${shown.length} of ${map.points.length} points; the JSON has them all.</p>` : '';
  return `<details class="params"><summary>every point (${esc(map.points.length)})</summary><div class="table-wrap"><table class="metrics"><thead><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>verdict</th><th>per seed</th><th>error / tolerance</th><th>run ids (<code>lmech inspect</code>)</th></tr></thead><tbody>${rows}</tbody></table></div>${more}</details>`;
}

function headerHtml(map: ValidityMap): string {
  const metric = metricName(map);
  const layout = mapLayout(map);
  const empty = layout.cells.filter((c) => !c.point).length;
  const axes = map.spec.axes.map((a) => `<strong>${esc(a.key)}</strong> ∈ {${esc(a.values.map(coord).join(', '))}}${a.log ? ' (log)' : ''}`).join(' × ');
  const seeds = map.spec.seeds?.length ?? 1;
  return `<header class="page-head" id="top">
<h1>${esc(map.studyTitle)}: where it holds</h1>
<p>The study <code>${esc(map.spec.studyId)}</code> (profile ${esc(map.spec.profile)}) run at every point of ${axes}, with ${esc(seeds)} seed${seeds === 1 ? '' : 's'} (${esc((map.spec.seeds ?? []).join(', '))}) per point. The phase diagram colours each point by its verdict over seeds, labelled with the seeds that hold; the heatmap shows ${metric ? `<strong>${esc(metric)}</strong>` : 'the mapped metric'}'s error relative to its tolerance, so the metric passes below 1 and the boundary is where the colour turns from blue to red. Solid black: the measured boundary (interpolated crossings of 1); dashed: the theory's predicted boundary.${empty > 0 || map.pending > 0 ? ` <strong>Partial map:</strong> ${esc(Math.max(empty, map.pending))} of ${esc(layout.cells.length)} points not run yet (empty dashed cells).` : ''}</p>
<dl class="run-meta"><dt>code version</dt><dd><code>${esc(map.codeVersion)}</code></dd><dt>map written</dt><dd>${esc(map.createdAt)}</dd><dt>grid</dt><dd>${esc(mapDescription(map))}</dd></dl>
</header>`;
}

async function mapHtml(map: ValidityMap, figures: MapFigure[]): Promise<string> {
  const libs = await vegaLibraries();
  const scripts = [...libs.map((l) => l.code), BOOT];
  // the same policy as the study report (html.ts): inline scripts by hash only, no network
  const csp = ["default-src 'none'", `script-src 'unsafe-eval' ${scripts.map((s) => `'sha256-${sha256(s)}'`).join(' ')}`, "style-src 'unsafe-inline'", 'img-src data: blob:', "base-uri 'none'", "form-action 'none'"].join('; ');
  const title = `${map.studyTitle}: validity map`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${headerHtml(map)}
<div class="figs">${figures.map(figureHtml).join('\n')}</div>
${boundaryTables(map)}
${pointsTable(map)}
<footer>Written by lmech map (Learning Mechanics Lab). Self-contained: charts drawn by the inlined ${libs.map((l) => esc(`${l.name} ${l.version}`.trim())).join(', ')} builds; no network access.</footer>
</main>
${libs.map((l) => `<script data-lib="${esc(l.name)}">${l.code}</script>`).join('\n')}
<script>${BOOT}</script>
</body>
</html>
`;
}

/**
 * Write `<outDir>/map.html` (self-contained), `<outDir>/phase.png` and `<outDir>/error.png`. A partial map
 * (pending > 0) renders with its missing cells empty; a PNG that fails to render is named in the HTML.
 */
export async function writeMapReport(map: ValidityMap, outDir: string, opts: MapReportOptions = {}): Promise<MapReportOutput> {
  if (typeof outDir !== 'string' || outDir.length === 0) throw new Error(`outDir: expected a directory path, got ${JSON.stringify(outDir)}`);
  const scale = opts.pngScale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new Error(`pngScale: expected a zoom factor in (0, 8], got ${scale}`);
  const specs = mapVegaSpecs(map); // validates the map's axes before anything is written
  const captioned = opts.pngs === false ? undefined : mapVegaSpecs(map, { caption: true });
  await mkdir(outDir, { recursive: true });
  const metric = metricName(map) ?? 'the mapped metric';
  const figures: MapFigure[] = [
    { id: 'phase', spec: specs.phase, caption: 'Phase diagram: the verdict over seeds at each point (n/N: seeds that hold), with the measured and predicted boundaries.' },
    { id: 'error', spec: specs.error, caption: `Heatmap of ${metric}: error / tolerance on a log colour scale centred at 1 (blue passes, red fails; grey hatched: no value).` },
  ];
  const pngs: string[] = [];
  for (const f of figures) {
    if (!captioned) continue;
    try {
      const path = join(outDir, `${f.id}.png`);
      await writeFile(path, await renderPng(captioned[f.id], scale));
      pngs.push(path);
      f.png = `${f.id}.png`;
    } catch (e) {
      f.pngError = (e as Error).message;
    }
  }
  const html = join(outDir, 'map.html');
  await writeFile(html, await mapHtml(map, figures), 'utf8');
  return { html, pngs };
}
