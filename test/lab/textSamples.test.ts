/**
 * The lab's text panel logic (lab/src/pages/study/textSamples.ts), in Node: one line per model label, the
 * latest sample of each, most recent first, at most `maxLines`; text shown with visible line breaks and
 * truncated with an ellipsis.
 */
import { describe, expect, it } from 'vitest';
import { cleanSample, TextSampleLog } from '../../lab/src/pages/study/textSamples.ts';

describe('TextSampleLog', () => {
  it('keeps the latest sample per label, the most recently updated first', () => {
    const log = new TextSampleLog(4, 50);
    log.add({ text: 'the', step: 10, label: 'd=8' });
    log.add({ text: 'whale', step: 10, label: 'd=16' });
    log.add({ text: 'the sea', step: 20, label: 'd=8' });
    expect(log.lines()).toEqual([
      { label: 'd=8', step: 20, text: 'the sea' },
      { label: 'd=16', step: 10, text: 'whale' },
    ]);
    expect(log.received).toBe(3);
  });

  it('drops the least recently updated label beyond maxLines; an absent label is the empty one', () => {
    const log = new TextSampleLog(2, 50);
    for (const [i, label] of ['a', 'b', 'c'].entries()) log.add({ text: label, step: i, label });
    expect(log.lines().map((l) => l.label)).toEqual(['c', 'b']);
    log.add({ text: 'x', step: 9 });
    expect(log.lines().map((l) => l.label)).toEqual(['', 'c']);
    log.clear();
    expect([log.lines(), log.received]).toEqual([[], 0]);
  });

  it('rejects bad sizes, naming the field and the value', () => {
    expect(() => new TextSampleLog(0)).toThrow(/maxLines = 0/);
    expect(() => new TextSampleLog(3, 1)).toThrow(/maxChars = 1/);
  });
});

describe('cleanSample', () => {
  it('shows line breaks as ⏎, tabs as spaces and other controls as ·', () => {
    expect(cleanSample('a\nb\r\nc\td\u0007', 20)).toBe('a⏎b⏎c d·');
  });
  it('truncates to maxChars code points, the last one an ellipsis', () => {
    const s = cleanSample('abcdefghij', 5);
    expect(s).toBe('abcd…');
    expect(Array.from(s)).toHaveLength(5);
    expect(cleanSample('abcde', 5)).toBe('abcde');
  });
});
