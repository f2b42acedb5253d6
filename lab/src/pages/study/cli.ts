import type { Profile } from '../../../../src/studies/execute.ts';
import type { AnyStudy } from '../../../../src/studies/types.ts';

/** `lmech run <id> [--quick] [--seed n] [--param k=v ...]`: the same run from the command line. */
export function cliCommand(study: AnyStudy, profile: Profile, seed: number, overrides: Record<string, unknown>): string {
  const quote = (s: string) => (/^[\w.,:=+\-[\]]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['lmech run', study.id];
  if (profile === 'quick') parts.push('--quick');
  if (seed !== 0) parts.push(`--seed ${seed}`);
  for (const [k, v] of Object.entries(overrides)) parts.push(`--param ${quote(`${k}=${JSON.stringify(v)}`)}`);
  return parts.join(' ');
}
