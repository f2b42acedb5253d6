/** Half of the recorded studies (even positions) against their recorded fingerprints (see ./fingerprint.ts). */
import { describe, it } from 'vitest';
import { STUDIES } from '../../src/studies/registry.ts';
import { expectFingerprint, fingerprintIds } from './fingerprint.ts';

const ids = fingerprintIds();
// alternate ids, so the slow studies recorded last (the transformers) split between the two files
const half = ids.filter((_, i) => i % 2 === 0);
describe('fingerprints (first half)', () => {
  it.each(half)('%s gives the recorded numbers bit for bit', async (id) => {
    const study = STUDIES.find((s) => s.id === id);
    if (!study) throw new Error(`study '${id}' is in the fingerprints but not in the registry`);
    await expectFingerprint(study);
  });
});
