/**
 * The AI SDK video models this backend knows, per provider package, with what each takes on the wire and what it
 * costs. The provider packages map only some of the SDK's call options onto each model's fields (checked against
 * `@ai-sdk/fal` 3.0.41 and `@ai-sdk/replicate` 3.0.46):
 *
 * - the first of `frameImages` becomes the package's image field (fal `image_url`, Replicate `image`); neither maps
 *   a `last_frame`, so the last frame goes in `providerOptions` under the model's own field;
 * - fal sends `duration` as `"5s"` (only Veo takes that form: Kling wants `"5"`), Replicate as a number;
 * - neither maps `resolution` or `generateAudio` onto these models (fal drops them without a warning): both go in
 *   `providerOptions`, as do `seed` (the packages drop a seed of 0) and the negative prompt;
 * - neither maps `inputReferences` (and the SDK drops them beside `frameImages`): each reference picture goes in the
 *   model's own field (`references.fields`), as a list of image URIs or of Kling elements `{ frontal_image_url }`.
 *
 * Prices are list prices in USD per second of output, with the date they were written down (`PRICES_CHECKED`);
 * `ai-sdk.prices` overrides them per model.
 */
import type { BackendCapabilities, InputMode, ModelCapabilities, ReferenceRole } from '@ttv/core/backend';

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

/** Where a reference picture of one role goes: a list of image URIs, or a list of Kling elements `{ frontal_image_url }`. */
export interface ReferenceField {
  field: string;
  as: 'url' | 'element';
}

/** The reference pictures a model takes, and where each role goes in its input. */
export interface ReferenceWire {
  max: number;
  /** The roles taken, each with its field. */
  fields: Partial<Record<ReferenceRole, ReferenceField>>;
  /** With which inputs (all when absent). */
  inputs?: InputMode[];
  /** The API takes them only at these durations and aspect ratios (else they are left out, with a warning). */
  durations?: number[];
  aspectRatios?: string[];
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
  /** Whether the model can make sound (asked per request, else by `ai-sdk.audio`). */
  audio: boolean;
  references?: ReferenceWire;
  /** A model declared in the config (`ai-sdk.models`) carries its own price. */
  price?: Price;
}

export interface Price {
  usdPerSecond: number;
  /** With sound, for models that charge more for it. */
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

/** What Replicate's Veo 3.1 models share (the fast one and the one that takes references). */
const REPLICATE_VEO = {
  provider: 'replicate',
  inputs: ['text', 'first-frame', 'first-last-frame'],
  durations: [4, 6, 8],
  duration: { via: 'sdk' },
  sizes: veoSizes(['720p', '1080p']),
  fps: 24,
  maxPromptLength: 2000,
  fields: { lastFrame: 'last_frame', audio: 'generate_audio', seed: 'seed', negativePrompt: 'negative_prompt' },
  audio: true,
} as const satisfies Omit<VideoModelInfo, 'id'>;

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
    // Kling O1 reference-to-video [Pro]: characters as elements (@Element1…), places and styles as images (@Image1…),
    // at most 7 in all; from text (no first frame).
    provider: 'fal',
    id: 'fal-ai/kling-video/o1/reference-to-video',
    inputs: ['text'],
    durations: [3, 4, 5, 6, 7, 8, 9, 10],
    duration: { via: 'option', field: 'duration', format: 'string' },
    sizes: [
      { width: 1920, height: 1080, aspectRatio: '16:9' },
      { width: 1080, height: 1920, aspectRatio: '9:16' },
      { width: 1080, height: 1080, aspectRatio: '1:1' },
    ],
    fps: 24,
    maxPromptLength: 2500,
    fields: {},
    audio: false,
    references: {
      max: 7,
      fields: { character: { field: 'elements', as: 'element' }, place: { field: 'image_urls', as: 'url' }, style: { field: 'image_urls', as: 'url' } },
    },
  },
  { ...REPLICATE_VEO, id: 'google/veo-3.1-fast' },
  {
    // Veo 3.1 takes 1–3 subject references (`reference_images`) for a clip made from the prompt, 8 s 16:9 only.
    ...REPLICATE_VEO,
    id: 'google/veo-3.1',
    references: {
      max: 3,
      fields: { character: { field: 'reference_images', as: 'url' }, place: { field: 'reference_images', as: 'url' } },
      inputs: ['text'],
      durations: [8],
      aspectRatios: ['16:9'],
    },
  },
];

/** Default list prices, USD per second of output (`PRICES_CHECKED`), keyed `provider:model`. */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  'fal:fal-ai/kling-video/v2.1/pro/image-to-video': { usdPerSecond: 0.098 },
  'fal:fal-ai/veo3.1/fast': { usdPerSecond: 0.1, usdPerSecondWithAudio: 0.15 },
  'fal:fal-ai/kling-video/o1/reference-to-video': { usdPerSecond: 0.112 },
  'replicate:google/veo-3.1-fast': { usdPerSecond: 0.1, usdPerSecondWithAudio: 0.15 },
  'replicate:google/veo-3.1': { usdPerSecond: 0.2, usdPerSecondWithAudio: 0.4 },
};

export const DEFAULT_MODEL: Record<ProviderId, string> = {
  fal: 'fal-ai/kling-video/v2.1/pro/image-to-video',
  replicate: 'google/veo-3.1-fast',
};

/** A model the config declares (`ai-sdk.models`): a row of the table, of the config's provider, with its price. */
export type CustomModel = Omit<VideoModelInfo, 'provider'>;

/** What picks the models of a config: its provider and the models it declares. */
export interface Catalog {
  provider: ProviderId;
  models?: readonly CustomModel[] | undefined;
}

/** The table's models of the provider, then the config's own. */
export function modelsOf(catalog: Catalog): VideoModelInfo[] {
  const own = (catalog.models ?? []).map((m) => ({ ...m, provider: catalog.provider }));
  return [...MODELS.filter((m) => m.provider === catalog.provider), ...own];
}

export function findModel(catalog: Catalog, id: string): VideoModelInfo | undefined {
  return modelsOf(catalog).find((m) => m.id === id);
}

/** The price of a model: the config's override, else the model's own (declared in the config), else the default table. */
export function priceOf(catalog: Catalog, model: string, overrides: Record<string, Price>): Price | undefined {
  return overrides[model] ?? catalog.models?.find((m) => m.id === model)?.price ?? DEFAULT_PRICES[`${catalog.provider}:${model}`];
}

/** Whether a clip of this model has sound: the request's `generateAudio`, else the config's `audio`; never for a silent model. */
export function withSound(model: Pick<VideoModelInfo, 'audio'>, generateAudio: boolean | undefined, configAudio: boolean): boolean {
  return model.audio && (generateAudio ?? configAudio);
}

/** USD per second for this model with or without sound. */
export function usdPerSecond(price: Price, audio: boolean): number {
  return audio && price.usdPerSecondWithAudio !== undefined ? price.usdPerSecondWithAudio : price.usdPerSecond;
}

/** What `describe(config)` needs of the config. */
export interface DescribeConfig extends Catalog {
  model?: string | undefined;
  audio: boolean;
  concurrency: number;
  prices: Record<string, Price>;
}

/** The references a model declares to the engine: how many, of which roles, with which inputs. */
function referenceCapabilities(wire: ReferenceWire): NonNullable<ModelCapabilities['references']> {
  const roles = Object.keys(wire.fields) as ReferenceRole[];
  return { max: wire.max, roles, ...(wire.inputs ? { inputs: [...wire.inputs] } : {}) };
}

function capabilities(m: VideoModelInfo, config: DescribeConfig): ModelCapabilities {
  const price = priceOf(config, m.id, config.prices);
  return {
    id: m.id,
    inputs: [...m.inputs],
    durations: { kind: 'discrete', values: [...m.durations] },
    resolutions: m.sizes.map(({ width, height }) => ({ width, height })),
    fps: m.fps,
    maxPromptLength: m.maxPromptLength,
    concurrency: config.concurrency,
    audio: m.audio,
    ...(m.references ? { references: referenceCapabilities(m.references) } : {}),
    ...(price ? { usdPerSecond: usdPerSecond(price, config.audio && m.audio) } : {}),
  };
}

/** The provider's models (static, no I/O); the configured model is the default. */
export function describeAiSdk(config: DescribeConfig): BackendCapabilities {
  return {
    models: modelsOf(config).map((m) => capabilities(m, config)),
    defaultModel: config.model ?? DEFAULT_MODEL[config.provider],
  };
}
