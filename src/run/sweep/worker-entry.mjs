// Entry of a sweep worker thread (piscina). From the built package (dist/, copied there by
// scripts/build-dist.mjs) it loads the compiled task. From src: on Node 20, module loader hooks registered in the
// main thread (`node --import tsx`, or vitest's transform) do not reach worker threads, so register tsx here,
// then load the TypeScript task.
import { existsSync } from 'node:fs';

const built = new URL('./threadTask.js', import.meta.url);
let task;
if (existsSync(built)) task = await import(built.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  task = await import('./threadTask.ts');
}
export default task.default;
