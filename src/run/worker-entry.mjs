// Entry of a piscina worker thread. From the built package (dist/, copied there by scripts/build-dist.mjs) it
// loads the compiled worker. From src: on Node 20, module loader hooks registered in the main thread
// (`node --import tsx`, or vitest's own transform) do not reach worker threads, so register tsx here,
// then load the TypeScript worker.
import { existsSync } from 'node:fs';

const built = new URL('./worker.js', import.meta.url);
let worker;
if (existsSync(built)) worker = await import(built.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  worker = await import('./worker.ts');
}
export default worker.default;
