/** The Veo models the emulator knows, with the limits from the Vertex model reference (veo.md §3). */

export type VeoAspectRatio = '16:9' | '9:16';
export type VeoResolution = '720p' | '1080p';

export interface VeoModelSpec {
  id: string;
  durations: readonly number[];
  aspectRatios: readonly VeoAspectRatio[];
  resolutions: readonly VeoResolution[];
  audio: boolean;
  /** `lastFrame` (first+last-frame interpolation) is supported. */
  lastFrame: boolean;
}

const BOTH_ASPECTS: readonly VeoAspectRatio[] = ['16:9', '9:16'];
const HD: readonly VeoResolution[] = ['720p'];
const HD_AND_FULL_HD: readonly VeoResolution[] = ['720p', '1080p'];

/** What differs between the models (every one makes both aspect ratios). */
type ModelRow = readonly [durations: readonly number[], resolutions: readonly VeoResolution[], audio: boolean, lastFrame: boolean];

/** One row a model: durations (s), resolutions, audio, lastFrame. */
const MODEL_ROWS: Readonly<Record<string, ModelRow>> = {
  'veo-3.1-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, true],
  'veo-3.1-fast-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, true],
  'veo-3.1-lite-generate-001': [[4, 6, 8], HD, true, true],
  'veo-3.0-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, false],
  'veo-3.0-fast-generate-001': [[8], HD_AND_FULL_HD, true, false],
  'veo-2.0-generate-001': [[5, 6, 7, 8], HD, false, false],
};

export const VEO_MODELS: Readonly<Record<string, VeoModelSpec>> = Object.freeze(
  Object.fromEntries(
    Object.entries(MODEL_ROWS).map(([id, [durations, resolutions, audio, lastFrame]]) => [
      id,
      { id, durations, aspectRatios: BOTH_ASPECTS, resolutions, audio, lastFrame },
    ]),
  ),
);

export const FRAME_INTERPOLATION_NOT_ALLOWLISTED = 'Frame interpolation is not allowlisted for project';

/** Output size before `outputScale`: 720p 16:9 → 1280×720, 1080p 9:16 → 1080×1920. */
export function outputSize(aspectRatio: VeoAspectRatio, resolution: VeoResolution, scale = 1): { width: number; height: number } {
  const [long, short] = resolution === '1080p' ? [1920, 1080] : [1280, 720];
  const [w, h] = aspectRatio === '9:16' ? [short, long] : [long, short];
  const even = (n: number): number => Math.max(2, Math.round(n / scale / 2) * 2);
  return { width: even(w), height: even(h) };
}
