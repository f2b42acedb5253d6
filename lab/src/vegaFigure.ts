/**
 * Final figures with Vega-Lite through vega-embed, loaded lazily (vega is ~1 MB; the home page and the
 * live run do not need it). The spec comes from `figureSpec` (src/report/vegaSpec.ts), the same builder
 * as the HTML report, so a figure in the lab looks like the report's.
 */
import type { VegaLiteSpec } from '../../src/report/vegaSpec.ts';

export interface VegaHandle {
  finalize(): void;
}

let embedModule: Promise<typeof import('vega-embed')> | undefined;

export function loadVegaEmbed(): Promise<typeof import('vega-embed')> {
  embedModule ??= import('vega-embed');
  return embedModule;
}

/** Draw `spec` into `el` (SVG renderer, export actions only: no link to an online editor). */
export async function renderVega(el: HTMLElement, spec: VegaLiteSpec | Record<string, unknown>): Promise<VegaHandle> {
  const { default: embed } = await loadVegaEmbed();
  const result = await embed(el, spec as VegaLiteSpec, {
    renderer: 'svg',
    actions: { export: true, source: false, compiled: false, editor: false },
    tooltip: true,
  });
  return { finalize: () => result.finalize() };
}
