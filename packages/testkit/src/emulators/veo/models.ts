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

export const VEO_MODELS: Readonly<Record<string, VeoModelSpec>> = Object.freeze({
  'veo-3.1-generate-001': {
    id: 'veo-3.1-generate-001',
    durations: [4, 6, 8],
    aspectRatios: BOTH_ASPECTS,
    resolutions: ['720p', '1080p'],
    audio: true,
    lastFrame: true,
  },
  'veo-3.1-fast-generate-001': {
    id: 'veo-3.1-fast-generate-001',
    durations: [4, 6, 8],
    aspectRatios: BOTH_ASPECTS,
    resolutions: ['720p', '1080p'],
    audio: true,
    lastFrame: true,
  },
  'veo-3.1-lite-generate-001': {
    id: 'veo-3.1-lite-generate-001',
    durations: [4, 6, 8],
    aspectRatios: BOTH_ASPECTS,
    resolutions: ['720p'],
    audio: true,
    lastFrame: true,
  },
  'veo-3.0-generate-001': {
    id: 'veo-3.0-generate-001',
    durations: [4, 6, 8],
    aspectRatios: BOTH_ASPECTS,
    resolutions: ['720p', '1080p'],
    audio: true,
    lastFrame: false,
  },
  'veo-3.0-fast-generate-001': {
    id: 'veo-3.0-fast-generate-001',
    durations: [8],
    aspectRatios: BOTH_ASPECTS,
    resolutions: ['720p', '1080p'],
    audio: true,
    lastFrame: false,
  },
  'veo-2.0-generate-001': {
    id: 'veo-2.0-generate-001',
    durations: [5, 6, 7, 8],
    aspectRatios: BOTH_ASPECTS,
    resolutions: ['720p'],
    audio: false,
    lastFrame: false,
  },
});

export const FRAME_INTERPOLATION_NOT_ALLOWLISTED = 'Frame interpolation is not allowlisted for project';

/** Output size before `outputScale`: 720p 16:9 → 1280×720, 1080p 9:16 → 1080×1920. */
export function outputSize(aspectRatio: VeoAspectRatio, resolution: VeoResolution, scale = 1): { width: number; height: number } {
  const [long, short] = resolution === '1080p' ? [1920, 1080] : [1280, 720];
  const [w, h] = aspectRatio === '9:16' ? [short, long] : [long, short];
  const even = (n: number): number => Math.max(2, Math.round(n / scale / 2) * 2);
  return { width: even(w), height: even(h) };
}
