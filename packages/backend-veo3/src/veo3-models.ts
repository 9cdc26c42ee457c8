/**
 * The Veo models this backend drives on Vertex AI, with the rules the service enforces and list prices
 * (docs/reference/veo.md: Models, Prices; the Vertex "Extend videos" and "reference images" pages). Prices are
 * third-party figures and change: `veo3.price` in the config overrides them. Each row says when it was checked.
 */
import type { BackendCapabilities, DurationSupport, InputMode, ModelCapabilities, ReferenceRole, Resolution } from '@ttv/core/backend';
import type { VeoConfig } from './veo3-config.js';

export const MODEL_IDS = [
  'veo-3.1-generate-001',
  'veo-3.1-fast-generate-001',
  'veo-3.1-lite-generate-001',
  'veo-3.0-generate-001',
  'veo-3.0-fast-generate-001',
  'veo-2.0-generate-001',
] as const;
export type VeoModelId = (typeof MODEL_IDS)[number];

export const ASPECT_RATIOS = ['16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export const RESOLUTIONS = ['720p', '1080p'] as const;
export type VeoResolution = (typeof RESOLUTIONS)[number];

/** Frames per second of every Veo output. */
export const OUTPUT_FPS = 24;
/**
 * Longest prompt accepted, in characters. Google documents the limit in tokens (about 1,024 text tokens for
 * Veo); ttv checks characters, so this is a conservative estimate at roughly 4 characters per token.
 */
export const MAX_PROMPT_LENGTH = 4000;

export interface VeoModel {
  id: VeoModelId;
  durations: readonly number[];
  aspectRatios: readonly AspectRatio[];
  resolutions: readonly VeoResolution[];
  /** Can generate an audio track (`generateAudio`). */
  audio: boolean;
  /** Accepts `lastFrame` (first+last-frame interpolation): only the 3.1 `-001` models. */
  lastFrame: boolean;
  /** Extends a clip (`video` input): the 3.1 models; 7 s are added at 720p (EXTENSION_SECONDS). */
  extend: boolean;
  /** Asset reference images it takes (characters, places; 0: none). No model here takes style images. */
  assetReferences: number;
  /** When the row was last checked against Google's pages (YYYY-MM-DD). */
  checked: string;
  /** USD per second of output without and with audio (third-party list prices, 720p = 1080p). */
  usdPerSecond: number;
  usdPerSecondWithAudio: number;
  /** Requests per minute per project (informational). */
  requestsPerMinute?: number;
}

/** A model's row: what differs between the models (every one makes both aspect ratios). */
type ModelRow = readonly [
  durations: readonly number[],
  resolutions: readonly VeoResolution[],
  audio: boolean,
  lastFrame: boolean,
  usdPerSecond: number,
  usdPerSecondWithAudio: number,
  extend: boolean,
  assetReferences: number,
  checked: string,
  requestsPerMinute?: number,
];

const HD: readonly VeoResolution[] = ['720p'];
const HD_AND_FULL_HD: readonly VeoResolution[] = ['720p', '1080p'];

/**
 * One row a model: durations (s), resolutions, audio, lastFrame, USD/s without and with audio, extend, asset
 * references, the date checked, requests/min. Extension and references per the 3.1 model page (Extend videos:
 * supported; reference images: asset images) and the Extend videos page (3.1 `-001` and 3.1 lite, preview);
 * lite takes no references (third-party: text and one image only); 3.0 and 2.0 `-001` take neither (extension
 * and style references were on veo-2.0-generate-exp/preview only).
 */
const MODEL_ROWS = {
  'veo-3.1-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, true, 0.2, 0.4, true, 3, '2026-12-02', 50],
  'veo-3.1-fast-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, true, 0.1, 0.15, true, 3, '2026-12-02', 50],
  'veo-3.1-lite-generate-001': [[4, 6, 8], HD, true, true, 0.05, 0.05, true, 0, '2026-12-02'],
  'veo-3.0-generate-001': [[4, 6, 8], HD_AND_FULL_HD, true, false, 0.2, 0.4, false, 0, '2026-12-02', 10],
  'veo-3.0-fast-generate-001': [[8], HD_AND_FULL_HD, true, false, 0.1, 0.15, false, 0, '2026-12-02'],
  // Sources conflict on the price ($0.35–0.50): estimate with the upper figure.
  'veo-2.0-generate-001': [[5, 6, 7, 8], HD, false, false, 0.5, 0.5, false, 0, '2026-12-02'],
} satisfies Record<VeoModelId, ModelRow>;

/** Seconds one extension adds (and bills): the output is the input followed by them, at 720p. */
export const EXTENSION_SECONDS = 7;
/** What an extension's input video must be (Extend videos page): 1–30 s at 24 fps. */
export const EXTENSION_INPUT = { minSeconds: 1, maxSeconds: 30, fps: 24 } as const;
/** Reference-image-to-video makes 8 s 16:9 clips only, from a prompt without image, video or last frame. */
export const REFERENCE_DURATION_SECONDS = 8;
/** ttv's roles that are Veo asset images (a character, a place); style images are not taken by these models. */
export const ASSET_ROLES: readonly ReferenceRole[] = ['character', 'place'];

function modelOf(id: VeoModelId, row: ModelRow): VeoModel {
  const [durations, resolutions, audio, lastFrame, usdPerSecond, usdPerSecondWithAudio, extend, assetReferences, checked, requestsPerMinute] = row;
  return {
    id,
    durations,
    aspectRatios: ASPECT_RATIOS,
    resolutions,
    audio,
    lastFrame,
    extend,
    assetReferences,
    checked,
    usdPerSecond,
    usdPerSecondWithAudio,
    ...(requestsPerMinute !== undefined ? { requestsPerMinute } : {}),
  };
}

export const MODELS = Object.fromEntries(MODEL_IDS.map((id) => [id, modelOf(id, MODEL_ROWS[id])])) as Record<VeoModelId, VeoModel>;

export function isModelId(id: string): id is VeoModelId {
  return (MODEL_IDS as readonly string[]).includes(id);
}

/** Pixel size of an aspect ratio at a resolution: 16:9 720p → 1280×720, 9:16 1080p → 1080×1920. */
export function pixelSize(aspectRatio: AspectRatio, resolution: VeoResolution): Resolution {
  const [long, short] = resolution === '1080p' ? [1920, 1080] : [1280, 720];
  return aspectRatio === '9:16' ? { width: short, height: long } : { width: long, height: short };
}

/** The aspect ratio and resolution of an exact pixel size, if it is one Veo makes. */
export function veoFormatOf(width: number, height: number): { aspectRatio: AspectRatio; resolution: VeoResolution } | undefined {
  for (const aspectRatio of ASPECT_RATIOS) {
    for (const resolution of RESOLUTIONS) {
      const size = pixelSize(aspectRatio, resolution);
      if (size.width === width && size.height === height) return { aspectRatio, resolution };
    }
  }
  return undefined;
}

export interface CapabilityOptions {
  aspectRatio?: AspectRatio | undefined;
  resolution?: VeoResolution | undefined;
  durationSeconds?: number | undefined;
  generateAudio?: boolean | undefined;
  concurrency?: number | undefined;
  /** USD per second actually charged (after the config's price override). */
  usdPerSecond?: number | undefined;
}

/** The ratios × resolutions a model makes, narrowed by the config's fixed aspect ratio / resolution. */
export function formatsOf(model: VeoModel, opts: Pick<CapabilityOptions, 'aspectRatio' | 'resolution'> = {}): Resolution[] {
  const out: Resolution[] = [];
  for (const ratio of model.aspectRatios) {
    if (opts.aspectRatio && ratio !== opts.aspectRatio) continue;
    for (const res of model.resolutions) {
      if (opts.resolution && res !== opts.resolution) continue;
      out.push(pixelSize(ratio, res));
    }
  }
  return out;
}

export function durationsOf(model: VeoModel, durationSeconds?: number): DurationSupport {
  const values = durationSeconds !== undefined && model.durations.includes(durationSeconds) ? [durationSeconds] : [...model.durations];
  return { kind: 'discrete', values };
}

export function inputsOf(model: VeoModel): InputMode[] {
  return ['text', 'first-frame', ...(model.lastFrame ? (['first-last-frame'] as const) : []), ...(model.extend ? (['extend'] as const) : [])];
}

/** The ttv capability record of a model, narrowed by the config. `audio`: the model can make sound (asked per request). */
export function capabilitiesOf(model: VeoModel, opts: CapabilityOptions = {}): ModelCapabilities {
  const audio = opts.generateAudio === true && model.audio;
  return {
    id: model.id,
    inputs: inputsOf(model),
    durations: durationsOf(model, opts.durationSeconds),
    resolutions: formatsOf(model, opts),
    fps: OUTPUT_FPS,
    maxPromptLength: MAX_PROMPT_LENGTH,
    concurrency: opts.concurrency ?? 2,
    audio: model.audio,
    // Veo takes references only for a clip made from the prompt alone.
    ...(model.assetReferences > 0 ? { references: { max: model.assetReferences, roles: [...ASSET_ROLES], inputs: ['text' as const] } } : {}),
    // An extension adds EXTENSION_SECONDS at 720p; the backend keeps the continuation the segment asks for.
    ...(model.extend
      ? {
          byInput: {
            extend: {
              durations: { kind: 'range' as const, min: 1, max: EXTENSION_SECONDS, step: 1 },
              resolutions: formatsOf(model, opts).filter((r) => Math.min(r.width, r.height) === 720),
            },
          },
        }
      : {}),
    usdPerSecond: opts.usdPerSecond ?? (audio ? model.usdPerSecondWithAudio : model.usdPerSecond),
  };
}

/** What the plugin's `describe(config)` returns: the one place veo3 states its capabilities. */
export function describeVeo(config: VeoConfig): BackendCapabilities {
  const model = MODELS[config.model];
  const override = config.price;
  const audio = config.generateAudio && model.audio;
  const usdPerSecond = audio ? (override?.usdPerSecondWithAudio ?? model.usdPerSecondWithAudio) : (override?.usdPerSecond ?? model.usdPerSecond);
  // Only the configured model: keyframe mode on a model without last frames then fails planning with a clear
  // reason, instead of silently switching to a different (differently priced) model.
  return { models: [capabilitiesOf(model, { ...config, usdPerSecond })], defaultModel: model.id };
}
