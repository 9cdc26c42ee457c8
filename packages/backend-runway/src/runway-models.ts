/**
 * The Runway models this backend drives (image-to-video in `@runwayml/sdk` 4.20.1), with the rules the API
 * enforces and the prices the reference lists (docs/reference/runway.md: Models, Prices). `gen3a_turbo` and
 * `veo3` were removed from the API in SDK 4.0.0 and are not offered.
 */
import type { BackendCapabilities, DurationSupport, ModelCapabilities, Resolution } from '@ttv/core/backend';
import type { RunwayConfig } from './runway-config.js';

export const MODEL_IDS = ['gen4_turbo', 'gen4.5', 'veo3.1', 'veo3.1_fast'] as const;
export type RunwayModelId = (typeof MODEL_IDS)[number];

export const GEN4_RATIOS = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672'] as const;
export const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'] as const;
export const ALL_RATIOS = [...new Set<string>([...GEN4_RATIOS, ...VEO_RATIOS])];
export type RunwayRatio = (typeof GEN4_RATIOS)[number] | (typeof VEO_RATIOS)[number];

/** USD per API credit. */
export const USD_PER_CREDIT = 0.01;
/** promptText and negativePrompt limit, in UTF-16 code units. */
export const MAX_PROMPT_LENGTH = 1000;
/** Frames per second of every model's output. */
export const OUTPUT_FPS = 24;

export interface RunwayModel {
  id: RunwayModelId;
  ratios: readonly RunwayRatio[];
  durations: DurationSupport;
  /** Accepts a `last` promptImage (first-last-frame generation). */
  lastFrame: boolean;
  /** Accepts `promptText` at all; `promptTextRequired`: the API refuses the call without it. */
  promptText: boolean;
  promptTextRequired: boolean;
  /** Accepts `negativePrompt`. */
  negativePrompt: boolean;
  /** Accepts `audio` (and charges more for it). */
  audio: boolean;
  /** Accepts `contentModeration.publicFigureThreshold`. */
  contentModeration: boolean;
  creditsPerSecond: number;
  creditsPerSecondWithAudio?: number;
}

/** Veo 3.1 through Runway: the standard and the fast model take the same requests and differ only in price. */
function veoModel(id: 'veo3.1' | 'veo3.1_fast', creditsPerSecond: number, creditsPerSecondWithAudio: number): RunwayModel {
  return {
    id,
    ratios: VEO_RATIOS,
    durations: { kind: 'discrete', values: [4, 6, 8] },
    lastFrame: true,
    promptText: true,
    promptTextRequired: false,
    negativePrompt: true,
    audio: true,
    contentModeration: false,
    creditsPerSecond,
    creditsPerSecondWithAudio,
  };
}

export const MODELS: Record<RunwayModelId, RunwayModel> = {
  gen4_turbo: {
    id: 'gen4_turbo',
    ratios: GEN4_RATIOS,
    // The SDK types a number; the API is documented for 2–10 s. Whole seconds keep it safe.
    durations: { kind: 'range', min: 2, max: 10, step: 1 },
    lastFrame: false,
    promptText: true,
    promptTextRequired: false,
    negativePrompt: false,
    audio: false,
    contentModeration: true,
    creditsPerSecond: 5,
  },
  'gen4.5': {
    id: 'gen4.5',
    ratios: GEN4_RATIOS,
    durations: { kind: 'range', min: 2, max: 10, step: 1 },
    lastFrame: false,
    promptText: true,
    promptTextRequired: true,
    negativePrompt: false,
    audio: false,
    contentModeration: true,
    creditsPerSecond: 12,
  },
  'veo3.1': veoModel('veo3.1', 20, 40),
  'veo3.1_fast': veoModel('veo3.1_fast', 10, 15),
};

export function isModelId(id: string): id is RunwayModelId {
  return (MODEL_IDS as readonly string[]).includes(id);
}

/** `1280:720` → 1280x720. */
export function ratioResolution(ratio: string): Resolution {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  return { width: w, height: h };
}

/** The ratio string of an exact pixel size the model supports (`1280x720` → `1280:720`), if any. */
export function ratioFor(model: RunwayModel, width: number, height: number): RunwayRatio | undefined {
  return model.ratios.find((r) => {
    const res = ratioResolution(r);
    return res.width === width && res.height === height;
  });
}

/** Credits one call costs at list price. */
export function creditsFor(model: RunwayModel, durationSec: number, audio: boolean): number {
  const perSecond = audio && model.audio && model.creditsPerSecondWithAudio !== undefined ? model.creditsPerSecondWithAudio : model.creditsPerSecond;
  return Math.ceil(perSecond * durationSec);
}

export interface CapabilityOptions {
  /** Restrict the model to this ratio (when it supports it). */
  ratio?: string | undefined;
  /** Restrict the model to this clip length (when it supports it). */
  duration?: number | undefined;
  audio?: boolean | undefined;
  concurrency?: number | undefined;
}

function durationFits(d: DurationSupport, seconds: number): boolean {
  if (d.kind === 'discrete') return d.values.includes(seconds);
  if (seconds < d.min || seconds > d.max) return false;
  return !d.step || Number.isInteger((seconds - d.min) / d.step);
}

/** The ttv capability record of a model, narrowed by the config's fixed ratio/duration where they apply. */
export function capabilitiesOf(model: RunwayModel, opts: CapabilityOptions = {}): ModelCapabilities {
  const ratios = opts.ratio && (model.ratios as readonly string[]).includes(opts.ratio) ? [opts.ratio] : model.ratios;
  const durations: DurationSupport =
    opts.duration !== undefined && durationFits(model.durations, opts.duration) ? { kind: 'discrete', values: [opts.duration] } : model.durations;
  const audio = opts.audio === true && model.audio;
  const perSecond = audio && model.creditsPerSecondWithAudio !== undefined ? model.creditsPerSecondWithAudio : model.creditsPerSecond;
  return {
    id: model.id,
    inputs: model.lastFrame ? ['first-frame', 'first-last-frame'] : ['first-frame'],
    durations,
    resolutions: ratios.map(ratioResolution),
    fps: OUTPUT_FPS,
    maxPromptLength: MAX_PROMPT_LENGTH,
    concurrency: opts.concurrency ?? 1,
    audio,
    usdPerSecond: perSecond * USD_PER_CREDIT,
  };
}

export { durationFits };

/** Preference order when the engine picks a model for a mode the configured model lacks: cheapest first. */
const MODEL_ORDER = ['gen4_turbo', 'gen4.5', 'veo3.1_fast', 'veo3.1'] as const;

/** What the plugin's `describe(config)` returns: the one place runway states its capabilities. */
export function describeRunway(config: RunwayConfig): BackendCapabilities {
  const models = MODEL_ORDER.map((id) =>
    capabilitiesOf(MODELS[id], { ratio: config.ratio, duration: config.duration, audio: config.audio, concurrency: config.concurrency }),
  );
  return { models, defaultModel: config.model };
}
