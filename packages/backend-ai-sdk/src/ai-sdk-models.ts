/**
 * The AI SDK video models this backend knows, per provider package, with what each takes on the wire and what it
 * costs. The provider packages map only some of the SDK's call options onto each model's fields (checked against
 * `@ai-sdk/fal` 3.0.41 and `@ai-sdk/replicate` 3.0.46):
 *
 * - the first of `frameImages` becomes the package's image field (fal `image_url`, Replicate `image`); neither maps
 *   a `last_frame`, so the last frame goes in `providerOptions` under the model's own field;
 * - fal sends `duration` as `"5s"` (only Veo takes that form: Kling wants `"5"`), Replicate as a number;
 * - neither maps `resolution` or `generateAudio` onto these models (fal drops them without a warning): both go in
 *   `providerOptions`, as do `seed` (the packages drop a seed of 0) and the negative prompt.
 *
 * Prices are list prices in USD per second of output, with the date they were written down (`PRICES_CHECKED`);
 * `ai-sdk.prices` overrides them per model.
 */
import type { BackendCapabilities, InputMode, ModelCapabilities } from '@ttv/core/backend';

export const PROVIDER_IDS = ['fal', 'replicate'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** How the model takes its duration: through the SDK's own `duration` option, or a provider option in a given form. */
export type DurationWire = { via: 'sdk' } | { via: 'option'; field: string; format: 'string' | 'number' };

export interface ModelSize {
  width: number;
  height: number;
  /** Sent as the SDK's `aspectRatio` when the model takes one. */
  aspectRatio?: `${number}:${number}`;
  /** Sent as the `resolution` provider option when the model takes one (e.g. `720p`). */
  resolution?: string;
}

export interface VideoModelInfo {
  provider: ProviderId;
  id: string;
  inputs: InputMode[];
  durations: number[];
  duration: DurationWire;
  sizes: ModelSize[];
  fps: number;
  maxPromptLength: number;
  /** Provider-option fields for what the package does not map itself. */
  fields: { lastFrame?: string; audio?: string; seed?: string; negativePrompt?: string };
  /** Whether the model can make sound (`ai-sdk.audio` turns it on). */
  audio: boolean;
}

export interface Price {
  usdPerSecond: number;
  /** With `audio: true`, for models that charge more for sound. */
  usdPerSecondWithAudio?: number;
}

/** When the default prices below were written down (the providers' published list prices; not re-read live: verify them). */
export const PRICES_CHECKED = '2026-12-02';

const veoSizes = (resolutions: Array<'720p' | '1080p'>): ModelSize[] =>
  resolutions.flatMap((resolution) => {
    const [w, h] = resolution === '720p' ? [1280, 720] : [1920, 1080];
    return [
      { width: w, height: h, aspectRatio: '16:9' as const, resolution },
      { width: h, height: w, aspectRatio: '9:16' as const, resolution },
    ];
  });

export const MODELS: readonly VideoModelInfo[] = [
  {
    provider: 'fal',
    id: 'fal-ai/kling-video/v2.1/pro/image-to-video',
    inputs: ['first-frame', 'first-last-frame'],
    durations: [5, 10],
    duration: { via: 'option', field: 'duration', format: 'string' },
    // Kling takes no ratio: the clip has the first frame's aspect, which the backend fits to the requested size.
    sizes: [
      { width: 1920, height: 1080 },
      { width: 1080, height: 1920 },
      { width: 1080, height: 1080 },
    ],
    fps: 24,
    maxPromptLength: 2500,
    fields: { lastFrame: 'tail_image_url', negativePrompt: 'negative_prompt' },
    audio: false,
  },
  {
    provider: 'fal',
    id: 'fal-ai/veo3.1/fast',
    inputs: ['text'],
    durations: [4, 6, 8],
    duration: { via: 'sdk' },
    sizes: veoSizes(['720p', '1080p']),
    fps: 24,
    maxPromptLength: 2000,
    fields: { audio: 'generate_audio', seed: 'seed', negativePrompt: 'negative_prompt' },
    audio: true,
  },
  {
    provider: 'replicate',
    id: 'google/veo-3.1-fast',
    inputs: ['text', 'first-frame', 'first-last-frame'],
    durations: [4, 6, 8],
    duration: { via: 'sdk' },
    sizes: veoSizes(['720p', '1080p']),
    fps: 24,
    maxPromptLength: 2000,
    fields: { lastFrame: 'last_frame', audio: 'generate_audio', seed: 'seed', negativePrompt: 'negative_prompt' },
    audio: true,
  },
];

/** Default list prices, USD per second of output (`PRICES_CHECKED`), keyed `provider:model`. */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  'fal:fal-ai/kling-video/v2.1/pro/image-to-video': { usdPerSecond: 0.098 },
  'fal:fal-ai/veo3.1/fast': { usdPerSecond: 0.1, usdPerSecondWithAudio: 0.15 },
  'replicate:google/veo-3.1-fast': { usdPerSecond: 0.1, usdPerSecondWithAudio: 0.15 },
};

export const DEFAULT_MODEL: Record<ProviderId, string> = {
  fal: 'fal-ai/kling-video/v2.1/pro/image-to-video',
  replicate: 'google/veo-3.1-fast',
};

export function modelsOf(provider: ProviderId): VideoModelInfo[] {
  return MODELS.filter((m) => m.provider === provider);
}

export function findModel(provider: ProviderId, id: string): VideoModelInfo | undefined {
  return MODELS.find((m) => m.provider === provider && m.id === id);
}

/** The price of a model: the config's override, else the default table. */
export function priceOf(provider: ProviderId, model: string, overrides: Record<string, Price>): Price | undefined {
  return overrides[model] ?? DEFAULT_PRICES[`${provider}:${model}`];
}

/** USD per second for this model with or without sound. */
export function usdPerSecond(price: Price, audio: boolean): number {
  return audio && price.usdPerSecondWithAudio !== undefined ? price.usdPerSecondWithAudio : price.usdPerSecond;
}

/** What `describe(config)` needs of the config. */
export interface DescribeConfig {
  provider: ProviderId;
  model?: string | undefined;
  audio: boolean;
  concurrency: number;
  prices: Record<string, Price>;
}

function capabilities(m: VideoModelInfo, config: DescribeConfig): ModelCapabilities {
  const price = priceOf(m.provider, m.id, config.prices);
  return {
    id: m.id,
    inputs: [...m.inputs],
    durations: { kind: 'discrete', values: [...m.durations] },
    resolutions: m.sizes.map(({ width, height }) => ({ width, height })),
    fps: m.fps,
    maxPromptLength: m.maxPromptLength,
    concurrency: config.concurrency,
    audio: m.audio,
    ...(price ? { usdPerSecond: usdPerSecond(price, config.audio && m.audio) } : {}),
  };
}

/** The provider's models (static, no I/O); the configured model is the default. */
export function describeAiSdk(config: DescribeConfig): BackendCapabilities {
  return {
    models: modelsOf(config.provider).map((m) => capabilities(m, config)),
    defaultModel: config.model ?? DEFAULT_MODEL[config.provider],
  };
}
