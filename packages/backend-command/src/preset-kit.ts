/** Small helpers the preset tables share (kept apart from command-models.ts so preset modules can import them). */
import type { Resolution } from '@ttv/core/backend';

/** `[width, height]` pairs as resolutions. */
export const res = (list: Array<[number, number]>): Resolution[] => list.map(([width, height]) => ({ width, height }));

/** `k·n+1` frame counts from `min` to `max` as durations at `fps`. */
export function knPlusOne(k: number, minFrames: number, maxFrames: number, fps: number): number[] {
  const out: number[] = [];
  for (let f = minFrames; f <= maxFrames; f += k) out.push(f / fps);
  return out;
}

/** The nearest multiple of `k` to `seconds · fps` frames, at least `k`. */
export function nearestMultiple(seconds: number, fps: number, k: number): number {
  return Math.max(k, Math.round((seconds * fps) / k) * k);
}
