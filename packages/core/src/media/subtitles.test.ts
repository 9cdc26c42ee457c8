import { describe, expect, it } from 'vitest';
import { buildSrt, segmentCues, srtTime, wrapLines } from './subtitles.js';

describe('subtitles', () => {
  it.each([
    [0, '00:00:00,000'],
    [1.875, '00:00:01,875'],
    [61.0004, '00:01:01,000'],
    [3725.5, '01:02:05,500'],
  ])('srtTime(%s) = %s', (sec, text) => expect(srtTime(sec)).toBe(text));

  it('one cue per segment, from where it starts in the film to where the next starts (seam frames dropped: 8, 7, 7 frames at 8 fps)', () => {
    const cues = segmentCues([8, 7, 7], 8, ['A lighthouse at dusk.', '', 'Night falls over the sea.']);
    expect(cues).toEqual([
      { startSec: 0, endSec: 1, text: 'A lighthouse at dusk.' },
      { startSec: 1.875, endSec: 2.75, text: 'Night falls over the sea.' },
    ]);
    expect(buildSrt(cues)).toBe('1\n00:00:00,000 --> 00:00:01,000\nA lighthouse at dusk.\n\n2\n00:00:01,875 --> 00:00:02,750\nNight falls over the sea.\n');
  });

  it('wraps long lines at spaces, at most 42 characters', () => {
    const lines = wrapLines('The camera rises slowly over the cliffs while gulls circle the old lighthouse at dusk');
    expect(lines.every((l) => l.length <= 42)).toBe(true);
    expect(lines.join(' ')).toBe('The camera rises slowly over the cliffs while gulls circle the old lighthouse at dusk');
  });
});
