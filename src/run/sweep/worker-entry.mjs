// Entry of a sweep worker thread (piscina). On Node 20, module loader hooks registered in the main thread
// (`node --import tsx`, or vitest's transform) do not reach worker threads, so register tsx here, then load the
// TypeScript task.
import { register } from 'tsx/esm/api';

register();
const task = await import('./threadTask.ts');
export default task.default;
