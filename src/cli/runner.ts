/** Glue between the CLI and the run layer: open the store, run with a progress display, close. */
import { type Task, runAll } from '../run/pool.ts';
import { createProgress } from '../run/progress.ts';
import { StoreLockedError, openStore } from '../run/store.ts';
import type { StudyResult } from '../studies/types.ts';
import { CliError } from './errors.ts';

/** `batch`: batched jobs (RunOptions.batch), e.g. a study's seeds in one job where it batches seeds. */
export async function executeTasks(tasks: Task[], opts: { storeDir: string; workers?: number; quiet?: boolean; force?: boolean; batch?: boolean }): Promise<StudyResult[]> {
  const store = await openStore(opts.storeDir).catch((e: unknown) => {
    if (e instanceof StoreLockedError) throw new CliError(e.message);
    throw e;
  });
  const progress = createProgress({ mode: opts.quiet === true ? 'quiet' : 'auto' });
  // Ctrl-C: stop the workers; every run that finished is already committed to the store.
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await runAll(tasks, { store, workers: opts.workers, force: opts.force, batch: opts.batch, signal: abort.signal, onEvent: (e) => progress.onEvent(e) });
  } catch (e) {
    if (abort.signal.aborted) throw new CliError('interrupted; finished runs are stored and will be reused on the next run', 130);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
    await store.close();
  }
}
