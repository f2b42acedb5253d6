/**
 * The piscina worker-thread task of a sweep: run one SweepTask and return its result (structured clone). Loaded
 * through ./worker-entry.mjs, which registers tsx first (loader hooks do not reach worker threads on Node 20).
 */
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { SweepTask } from './spec.ts';
import { type SweepRunResult, runSweepTask, setWorkerLabel } from './train.ts';

setWorkerLabel(`${hostname()}:${process.pid}/${threadId}`);

export default function sweepThreadTask(task: SweepTask): SweepRunResult {
  return runSweepTask(task);
}
