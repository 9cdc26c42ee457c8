/**
 * The Runway video models this backend drives (`@runwayml/sdk` 4.20.1: `imageToVideo` and `textToVideo`), with
 * the rules the API enforces and the list prices, one row per model, each with the date it was checked and its
 * source. `gen3a_turbo` and `veo3` were removed from the API in SDK 4.0.0 and are not offered.
 *
 * A model is offered only when both its request shape and its price are known: a price unknown would make the
 * budget guard lie. Not offered for that reason (SDK 4.20.1 serves them): `wan3`, `wan3_prime`,
 * `gemini_omni_flash_1.1`, `h3_max` (no price published); `hailuo3`, `happyhorse_1_0`, `grok_imagine_1_5`,
 * `gemini_omni_flash` (image-to-video output size follows the input image or a named tier, not a pixel size ttv
 * can ask for, or a first frame only at a price range without tiers). See the README's model table.
 */
import type { BackendCapabilities, DurationSupport, ModelCapabilities, Resolution } from '@ttv/core/backend';
import type { RunwayConfig } from './runway-config.js';

export const MODEL_IDS = ['gen4_turbo', 'gen4.5', 'veo3.1', 'veo3.1_fast', 'seedance2', 'seedance2_fast', 'seedance2_mini', 'seedance2_5'] as const;
export type RunwayModelId = (typeof MODEL_IDS)[number];

export const GEN4_RATIOS = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672'] as const;
export const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'] as const;
/**
 * Seedance 2.0 at 480p and 720p (the SDK's enum without `864:496`/`496:864`, which Runway's docs say deliver
 * 854×480 / 480×854 rather than the ratio's pixel count), then 1080p (`seedance2` only). 4K is not offered: its
 * price is only the top of a range and 4K with long clips is reported to fail.
 */
export const SEEDANCE_RATIOS = ['992:432', '752:560', '640:640', '560:752', '1470:630', '1280:720', '1112:834', '960:960', '834:1112', '720:1280'] as const;
export const SEEDANCE_1080P_RATIOS = ['2206:946', '1920:1080', '1664:1248', '1440:1440', '1248:1664', '1080:1920'] as const;
/** Seedance 2.5 at 480p and 720p (its 1080p ratios are not offered: no published price). */
export const SEEDANCE25_RATIOS = [
  '992:432',
  '854:480',
  '752:560',
  '640:640',
  '560:752',
  '480:854',
  '1470:630',
  '1280:720',
  '1112:834',
  '960:960',
  '834:1112',
  '720:1280',
] as const;
export const ALL_RATIOS = [...new Set<string>([...GEN4_RATIOS, ...VEO_RATIOS, ...SEEDANCE_RATIOS, ...SEEDANCE_1080P_RATIOS, ...SEEDANCE25_RATIOS])];

/** USD per API credit. */
export const USD_PER_CREDIT = 0.01;
/** promptText and negativePrompt limit of the gen4 and Veo models, in UTF-16 code units. */
export const MAX_PROMPT_LENGTH = 1000;
/** Frames per second of every model's output. */
export const OUTPUT_FPS = 24;

/** Output tiers by pixel count, for models priced per resolution. */
export type Tier = '480p' | '720p' | '1080p';

export interface RunwayModel {
  id: RunwayModelId;
  ratios: readonly string[];
  durations: DurationSupport;
  /** Accepts a `last` promptImage (first-last-frame generation). */
  lastFrame: boolean;
  /** Makes a clip from text alone (`POST /v1/text_to_video`); reference pictures travel there. */
  text: boolean;
  /** Accepts `promptText` at all; `promptTextRequired`: the API refuses an image-to-video call without it. */
  promptText: boolean;
  promptTextRequired: boolean;
  /** Longest promptText, in UTF-16 code units. */
  maxPromptLength: number;
  /** Accepts `negativePrompt`. */
  negativePrompt: boolean;
  /** Accepts `audio`. */
  audio: boolean;
  /** Accepts `contentModeration.publicFigureThreshold`. */
  contentModeration: boolean;
  /** Text-to-video `references: [{uri}]`: at most this many pictures (0: none); taken only without a first frame. */
  maxReferences: number;
  /** Text-to-video `referenceAudio: [{type: 'audio', uri}]` (sent only beside reference pictures). */
  referenceAudio: boolean;
  /** The first frame goes as `[{uri, position: 'first'}]` (a bare URI or an entry without position is a reference). */
  positionedFirstFrame: boolean;
  /** Credits per second of output (the lowest tier's when priced by tier). */
  creditsPerSecond: number;
  creditsPerSecondWithAudio?: number;
  /** Credits per second by output tier, where the price depends on the resolution. */
  creditsByTier?: Partial<Record<Tier, number>>;
  /** The smallest charge of one generation. */
  minimumCredits?: number;
  /** When this row was last checked (YYYY-MM-DD), and against what. */
  checked: string;
  source: string;
}

const SDK = '@runwayml/sdk 4.20.1 types';
const DOCS = 'docs.dev.runwayml.com models/video (Runway docs mirror)';

const BASE = {
  text: false,
  promptText: true,
  promptTextRequired: false,
  maxPromptLength: MAX_PROMPT_LENGTH,
  negativePrompt: false,
  audio: false,
  contentModeration: false,
  maxReferences: 0,
  referenceAudio: false,
  positionedFirstFrame: false,
} as const;

/** Veo 3.1 through Runway: the standard and the fast model take the same requests and differ only in price. */
function veoModel(id: 'veo3.1' | 'veo3.1_fast', creditsPerSecond: number, creditsPerSecondWithAudio: number): RunwayModel {
  const durations: DurationSupport = { kind: 'discrete', values: [4, 6, 8] };
  return {
    ...BASE,
    id,
    ratios: VEO_RATIOS,
    durations,
    lastFrame: true,
    negativePrompt: true,
    audio: true,
    creditsPerSecond,
    creditsPerSecondWithAudio,
    checked: '2026-12-02',
    source: `${SDK}; ${DOCS} (20/40 and 10/15 credits/s without/with audio)`,
  };
}

/**
 * Seedance 2.x through Runway: text, first frame, or first + last frame (keyframe mode); up to `maxReferences`
 * pictures and reference audio from text only (the API refuses to mix keyframes with references); audio on or
 * off at the same price (Runway documents one rate; only Veo's `audio` is documented to change the price).
 */
function seedanceModel(
  id: 'seedance2' | 'seedance2_fast' | 'seedance2_mini' | 'seedance2_5',
  o: Pick<RunwayModel, 'ratios' | 'durations' | 'maxPromptLength' | 'maxReferences' | 'creditsPerSecond' | 'source'> & Partial<RunwayModel>,
): RunwayModel {
  return { ...BASE, id, lastFrame: true, text: true, audio: true, referenceAudio: true, positionedFirstFrame: true, checked: '2026-12-02', ...o };
}

/** Seedance 2.0 durations: 5–15 whole seconds (Runway's Seedance 2.0 help page; wrappers of the same API allow 4–15). */
const SEEDANCE_DURATIONS: DurationSupport = { kind: 'range', min: 5, max: 15, step: 1 };
const SEEDANCE_PRICE_SOURCE = `${DOCS}; estimatedCost of 5 s tasks read 2026-08-17 (third-party)`;

export const MODELS: Record<RunwayModelId, RunwayModel> = {
  gen4_turbo: {
    ...BASE,
    id: 'gen4_turbo',
    ratios: GEN4_RATIOS,
    // The SDK types a number; the API is documented for 2–10 s. Whole seconds keep it safe.
    durations: { kind: 'range', min: 2, max: 10, step: 1 },
    lastFrame: false,
    contentModeration: true,
    creditsPerSecond: 5,
    checked: '2026-12-02',
    source: `${SDK}; runwayml/skills rw-api-reference (5 credits/s)`,
  },
  'gen4.5': {
    ...BASE,
    id: 'gen4.5',
    ratios: GEN4_RATIOS,
    durations: { kind: 'range', min: 2, max: 10, step: 1 },
    lastFrame: false,
    promptTextRequired: true,
    contentModeration: true,
    creditsPerSecond: 12,
    checked: '2026-12-02',
    source: `${SDK} (integer 2–10 s); runwayml/skills rw-api-reference (12 credits/s, mp4)`,
  },
  'veo3.1': veoModel('veo3.1', 20, 40),
  'veo3.1_fast': veoModel('veo3.1_fast', 10, 15),
  seedance2: seedanceModel('seedance2', {
    ratios: [...SEEDANCE_RATIOS, ...SEEDANCE_1080P_RATIOS],
    durations: SEEDANCE_DURATIONS,
    maxPromptLength: 3500,
    maxReferences: 9,
    creditsPerSecond: 36,
    creditsByTier: { '480p': 36, '720p': 36, '1080p': 40 },
    source: `${SDK} (references up to 9, prompt 3500); ${SEEDANCE_PRICE_SOURCE}: 36/s to 720p, 40/s at 1080p`,
  }),
  seedance2_fast: seedanceModel('seedance2_fast', {
    ratios: SEEDANCE_RATIOS,
    durations: SEEDANCE_DURATIONS,
    maxPromptLength: 3500,
    maxReferences: 9,
    creditsPerSecond: 29,
    source: `${SDK} (480p/720p, references up to 9); ${SEEDANCE_PRICE_SOURCE}: 29/s`,
  }),
  seedance2_mini: seedanceModel('seedance2_mini', {
    ratios: SEEDANCE_RATIOS,
    durations: SEEDANCE_DURATIONS,
    maxPromptLength: 3500,
    maxReferences: 9,
    creditsPerSecond: 16,
    source: `${SDK} (480p/720p, references up to 9); ${SEEDANCE_PRICE_SOURCE}: 16/s`,
  }),
  seedance2_5: seedanceModel('seedance2_5', {
    ratios: SEEDANCE25_RATIOS,
    durations: { kind: 'range', min: 4, max: 30, step: 1 },
    maxPromptLength: 15_000,
    maxReferences: 30,
    creditsPerSecond: 20,
    creditsByTier: { '480p': 20, '720p': 30 },
    minimumCredits: 80,
    source: `${SDK} (references up to 30, prompt 15000); ${DOCS}: 4–30 s, 20/s at 480p, 30/s at 720p, minimum 80 credits`,
  }),
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
export function ratioFor(model: RunwayModel, width: number, height: number): string | undefined {
  return model.ratios.find((r) => {
    const res = ratioResolution(r);
    return res.width === width && res.height === height;
  });
}

/** The output tier of a ratio, by pixel count (480p ≈ 0.43 MP, 720p ≈ 0.92 MP, 1080p ≈ 2.1 MP). */
export function tierOf(ratio: string): Tier {
  const { width, height } = ratioResolution(ratio);
  const pixels = width * height;
  return pixels <= 500_000 ? '480p' : pixels <= 1_000_000 ? '720p' : '1080p';
}

/** Credits per second of one call at list price: by tier where priced so, with audio where that costs more. */
export function creditsPerSecondOf(model: RunwayModel, ratio: string | undefined, audio: boolean): number {
  if (audio && model.audio && model.creditsPerSecondWithAudio !== undefined) return model.creditsPerSecondWithAudio;
  const byTier = model.creditsByTier && ratio ? model.creditsByTier[tierOf(ratio)] : undefined;
  return byTier ?? model.creditsPerSecond;
}

/** Credits one call costs at list price (never below the model's minimum charge). */
export function creditsFor(model: RunwayModel, durationSec: number, audio: boolean, ratio?: string): number {
  return Math.max(model.minimumCredits ?? 0, Math.ceil(creditsPerSecondOf(model, ratio, audio) * durationSec));
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
  const ratios = opts.ratio && model.ratios.includes(opts.ratio) ? [opts.ratio] : model.ratios;
  const durations: DurationSupport =
    opts.duration !== undefined && durationFits(model.durations, opts.duration) ? { kind: 'discrete', values: [opts.duration] } : model.durations;
  const audio = opts.audio === true && model.audio;
  // For display and model choice: the dearest of the sizes offered (estimateCost prices the actual one).
  const perSecond = Math.max(...ratios.map((r) => creditsPerSecondOf(model, r, audio)));
  const inputs: ModelCapabilities['inputs'] = model.lastFrame ? ['first-frame', 'first-last-frame'] : ['first-frame'];
  return {
    id: model.id,
    inputs: model.text ? ['text', ...inputs] : inputs,
    durations,
    resolutions: ratios.map(ratioResolution),
    fps: OUTPUT_FPS,
    maxPromptLength: model.maxPromptLength,
    concurrency: opts.concurrency ?? 1,
    audio: model.audio,
    // Reference audio goes to text-to-video, beside reference pictures only.
    ...(model.referenceAudio ? { referenceAudio: { inputs: ['text' as const], withReferences: true } } : {}),
    // Runway's references carry no role: every role is taken. Keyframes and references cannot be mixed.
    ...(model.maxReferences > 0 ? { references: { max: model.maxReferences, inputs: ['text'] } } : {}),
    usdPerSecond: Number((perSecond * USD_PER_CREDIT).toFixed(4)),
  };
}

export { durationFits };

/** Preference order when the engine picks a model for a mode the configured model lacks: cheapest first. */
const MODEL_ORDER = ['gen4_turbo', 'gen4.5', 'veo3.1_fast', 'seedance2_mini', 'veo3.1', 'seedance2_5', 'seedance2_fast', 'seedance2'] as const;

/** What the plugin's `describe(config)` returns: the one place runway states its capabilities. */
export function describeRunway(config: RunwayConfig): BackendCapabilities {
  const models = MODEL_ORDER.map((id) =>
    capabilitiesOf(MODELS[id], { ratio: config.ratio, duration: config.duration, audio: config.audio, concurrency: config.concurrency }),
  );
  return { models, defaultModel: config.model };
}
