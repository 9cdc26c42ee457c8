/**
 * The Veo models the emulator knows, with the limits from the Vertex model reference (veo.md §3), the "Extend
 * videos" page (3.1 `-001` models and 3.1 lite: a 1–30 s MP4 at 24 fps in, 7 s added, 720p out) and the
 * "reference images" page (up to 3 asset images on veo-3.1-generate-001 / -fast; style images only on
 * veo-2.0-generate-exp, which is not served here). Checked 2026-12-02.
 */

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
  /** `instances[0].video` (video extension) is supported. */
  extend: boolean;
  /** How many `referenceImages` of each type the model takes (0: none). */
  references: { asset: number; style: number };
}

/** Seconds a video extension adds (the output is the input followed by them). */
export const EXTENSION_SECONDS = 7;
/** Input video limits of an extension: duration (s) and frame rate. */
export const EXTENSION_INPUT = { minSeconds: 1, maxSeconds: 30, fps: 24 } as const;
/** Reference-image-to-video makes 8 s, 16:9 clips only (Veo 3.1 model page). */
export const REFERENCE_DURATION_SECONDS = 8;

const BOTH_ASPECTS: readonly VeoAspectRatio[] = ['16:9', '9:16'];
const HD: readonly VeoResolution[] = ['720p'];
const HD_AND_FULL_HD: readonly VeoResolution[] = ['720p', '1080p'];

/** What differs between the models (every one makes both aspect ratios). */
type ModelRow = readonly [
  durations: readonly number[],
  resolutions: readonly VeoResolution[],
  audio: boolean,
  lastFrame: boolean,
  extend: boolean,
  assetReferences: number,
];

/** One row a model: durations (s), resolutions, audio, lastFrame, extend, asset references. */
const MODEL_ROWS: Readonly<Record<string, ModelRow>> = {
  'veo-3.1-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, true, true, 3],
  'veo-3.1-fast-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, true, true, 3],
  'veo-3.1-lite-generate-001': [[4, 6, 8], HD, true, true, true, 0],
  'veo-3.0-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, false, false, 0],
  'veo-3.0-fast-generate-001': [[8], HD_AND_FULL_HD, true, false, false, 0],
  'veo-2.0-generate-001': [[5, 6, 7, 8], HD, false, false, false, 0],
};

export const VEO_MODELS: Readonly<Record<string, VeoModelSpec>> = Object.freeze(
  Object.fromEntries(
    Object.entries(MODEL_ROWS).map(([id, [durations, resolutions, audio, lastFrame, extend, asset]]) => [
      id,
      { id, durations, aspectRatios: BOTH_ASPECTS, resolutions, audio, lastFrame, extend, references: { asset, style: 0 } },
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
