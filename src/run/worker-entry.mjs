// Entry of a piscina worker thread. On Node 20, module loader hooks registered in the main thread
// (`node --import tsx`, or vitest's own transform) do not reach worker threads, so register tsx here,
// then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./worker.ts');
export default worker.default;
