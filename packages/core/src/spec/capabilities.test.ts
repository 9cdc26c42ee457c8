import { describe, expect, it } from 'vitest';
import type { DurationSupport } from './backend.js';
import { capabilityProblems, describeDurations, durationAllowed, nearestDuration, nearestResolution } from './capabilities.js';

describe('capabilities', () => {
  it('discrete durations: allowed values, nearest (ties go to the longer one), short and long descriptions', () => {
    const d: DurationSupport = { kind: 'discrete', values: [4, 6, 8] };
    expect(durationAllowed(d, 6)).toBe(true);
    expect(durationAllowed(d, 5)).toBe(false);
    expect(nearestDuration(d, 5)).toBe(6);
    expect(nearestDuration(d, 30)).toBe(8);
    expect(describeDurations(d)).toBe('4, 6, 8');
    const wan: DurationSupport = { kind: 'discrete', values: Array.from({ length: 40 }, (_, n) => (4 * n + 5) / 16) };
    expect(describeDurations(wan)).toBe('0.3125, 0.5625, 0.8125, …, 9.8125, 10.0625 (40 values)');
    expect(nearestDuration(wan, 5)).toBe(5.0625);
  });

  it('range durations: clamped and snapped to the step', () => {
    const r: DurationSupport = { kind: 'range', min: 2, max: 10, step: 1 };
    expect(durationAllowed(r, 2.5)).toBe(false);
    expect(nearestDuration(r, 2.4)).toBe(2);
    expect(nearestDuration(r, 12)).toBe(10);
    expect(nearestDuration({ kind: 'range', min: 0.5, max: 60 }, 7.25)).toBe(7.25);
    expect(describeDurations(r)).toBe('2–10 in steps of 1');
  });

  it('nearest resolution prefers the same aspect, then the closest size', () => {
    const sizes = [
      { width: 1280, height: 720 },
      { width: 720, height: 1280 },
      { width: 1920, height: 1080 },
      { width: 960, height: 960 },
    ];
    expect(nearestResolution(sizes, { width: 1024, height: 576 })).toEqual({ width: 1280, height: 720 });
    expect(nearestResolution(sizes, { width: 1080, height: 1920 })).toEqual({ width: 720, height: 1280 });
    expect(nearestResolution(sizes, { width: 2560, height: 1440 })).toEqual({ width: 1920, height: 1080 });
  });

  it('reports malformed capability tables', () => {
    const problems = capabilityProblems({
      id: 'm',
      inputs: [],
      durations: { kind: 'discrete', values: [] },
      resolutions: [{ width: 641, height: 360 }],
      fps: 0,
      maxPromptLength: 0,
      concurrency: 0,
    });
    expect(problems).toEqual([
      'm: inputs is empty',
      'm: resolution 641x360 must be positive even integers',
      'm: fps must be > 0',
      'm: maxPromptLength must be > 0',
      'm: concurrency must be ≥ 1',
      'm: durations must be positive and non-empty',
    ]);
  });
});
