/** Messages between the study page and its training worker (lab/src/worker.ts). */
import type { Profile } from '../../src/studies/execute.ts';
import type { Observations, StudyResult } from '../../src/studies/types.ts';

export interface LivePoint {
  name: string;
  group: string;
  x: number;
  y: number;
}

/** Text sampled from a language model during its run (`ctx.sample`): the lab's text panel. */
export interface TextSample {
  text: string;
  step: number;
  /** which model, for studies that train several ('' or absent: the only one) */
  label?: string;
}

export interface StartMessage {
  type: 'start';
  studyId: string;
  profile: Profile;
  params: Record<string, unknown>;
  seed: number;
  codeVersion: string;
  /**
   * Pause flag, when the page is cross-origin isolated: Int32 cell 0 is 1 while paused. The worker checks
   * it in every progress/emit callback and blocks in Atomics.wait until the page clears it.
   */
  control?: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'prediction'; prediction: Observations }
  | { type: 'progress'; fraction: number; message?: string }
  | { type: 'points'; points: LivePoint[] }
  | { type: 'sample'; sample: TextSample }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'done'; result: StudyResult; ms: number }
  | { type: 'fatal'; message: string };
