// Where Node and the browser lab round JavaScript's Math functions differently: evaluates each function on the same
// 20 000 seeded arguments in this Node process and in Debian's chromium (the lab's browser), and prints how many
// results differ and by how much. The kernels are shared; these calls are not, so the lab is not bit for bit Node:
//   node --import tsx scripts/lab-math-drift.ts
import { launchChromium } from './lab-run-all.ts';

/** Plain JavaScript (evaluated as a string in the page, so no build step can rewrite it). */
const PROBE = `(() => {
  let s = 12345;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const fns = [['exp', Math.exp, 20], ['log', (x) => Math.log(Math.abs(x) + 1e-3), 50], ['pow', (x) => Math.pow(Math.abs(x), 1.37), 10],
    ['sin', Math.sin, 10], ['tanh', Math.tanh, 6], ['log1p', (x) => Math.log1p(Math.abs(x)), 10], ['expm1', Math.expm1, 5],
    ['sqrt', (x) => Math.sqrt(Math.abs(x)), 100], ['hypot', (x) => Math.hypot(x, 0.3), 10]];
  const out = {};
  for (const [name, f, scale] of fns) {
    const a = [];
    for (let i = 0; i < 20000; i++) a.push(f((rnd() * 2 - 1) * scale));
    out[name] = a;
  }
  return out;
})()`;

// the same source in this process: a function whose body returns the probe expression
const node = new Function(`return ${PROBE};`)() as Record<string, number[]>;
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.goto('about:blank');
  const web = (await page.evaluate(PROBE)) as Record<string, number[]>;
  console.log(`node ${process.versions.node} (V8 ${process.versions.v8}) against ${await page.evaluate('navigator.userAgent')}`);
  for (const name of Object.keys(node)) {
    let differ = 0;
    let maxRel = 0;
    node[name].forEach((v, i) => {
      if (Object.is(v, web[name][i])) return;
      differ++;
      maxRel = Math.max(maxRel, Math.abs(v - web[name][i]) / Math.abs(v));
    });
    console.log(`${name.padEnd(6)} ${String(differ).padStart(5)} of ${node[name].length} differ${differ ? `, largest relative difference ${maxRel.toExponential(2)}` : ''}`);
  }
} finally {
  await browser.close();
}
