/**
 * Request validation of the Runway emulator: the models of `@runwayml/sdk` 4.20.1 that ttv uses (see
 * docs/reference/runway.md, Models), checked like the real API does, with `{"error": "..."}` messages that
 * name the field at fault. Seedance's reference inputs are checked in references.ts.
 */
import { parseReferenceAudio, parseReferences, parseSeedancePromptImage, type UriRef } from './references.js';
import { checkUri, isObject, RunwayValidationError } from './uris.js';

export { AUDIO_MEDIA_TYPES, checkUri, IMAGE_MEDIA_TYPES, isObject, MAX_DATA_URI_BYTES, MAX_URL_LENGTH, RunwayValidationError } from './uris.js';

export type RunwayRoute = 'image_to_video' | 'text_to_video';
/** Every create route a task can come from: the video routes and `text_to_image` (image-models.ts). */
export type TaskRoute = RunwayRoute | 'text_to_image';
export type EmulatedModel = 'gen4_turbo' | 'gen4.5' | 'veo3.1' | 'veo3.1_fast' | 'seedance2' | 'seedance2_fast' | 'seedance2_mini' | 'seedance2_5';
export type EmulatedImageModel = 'gen4_image' | 'gen4_image_turbo';

export const GEN4_RATIOS = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672'] as const;
export const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'] as const;
/** Models the 4.x API no longer serves. */
export const REMOVED_MODELS: ReadonlySet<string> = new Set(['gen3a_turbo', 'veo3']);
/** Models the real API serves but the emulator does not render. */
export const UNEMULATED_MODELS: ReadonlySet<string> = new Set([
  'hailuo3',
  'wan3',
  'wan3_prime',
  'gemini_omni_flash',
  'gemini_omni_flash_1.1',
  'h3_max',
  'happyhorse_1_0',
  'grok_imagine_1_5',
]);

interface ModelSpec {
  routes: readonly RunwayRoute[];
  ratios: Record<RunwayRoute, readonly string[]>;
  /** Allowed durations: a range (integer or not) or a set. */
  duration: { min: number; max: number; integer: boolean } | { set: readonly number[] };
  durationRequired: boolean;
  defaultDuration: number;
  promptTextRequired: Record<RunwayRoute, boolean>;
  lastFrame: boolean;
  /** Accepted body keys besides model/promptImage/promptText/ratio/duration/seed. */
  extras: readonly string[];
  creditsPerSecond: number;
  creditsPerSecondWithAudio?: number;
  /** Longest promptText (default 1000). */
  promptLimit?: number;
  /** Reference images: text-to-video `references`, image-to-video `promptImage` entries without position (at most this many). */
  references?: number;
  /** Accepts `duration: 'auto'` (billed at the longest duration). */
  durationAuto?: boolean;
  /** Credits per second by output tier (pixel count), where the price depends on the resolution. */
  creditsByTier?: Partial<Record<Tier, number>>;
  /** The smallest charge of one generation. */
  minimumCredits?: number;
}

export type Tier = '480p' | '720p' | '1080p' | '4k';

/** Seedance 2.0 ratios at 480p and 720p (`seedance2_fast`, `seedance2_mini`), then `seedance2`'s 1080p and 4K. */
const SEEDANCE_RATIOS = [
  '992:432',
  '864:496',
  '752:560',
  '640:640',
  '560:752',
  '496:864',
  '1470:630',
  '1280:720',
  '1112:834',
  '960:960',
  '834:1112',
  '720:1280',
];
const SEEDANCE_HIGH_RATIOS = [
  '2206:946',
  '1920:1080',
  '1664:1248',
  '1440:1440',
  '1248:1664',
  '1080:1920',
  '3840:1646',
  '3840:2160',
  '3840:2880',
  '3840:3840',
  '2880:3840',
  '2160:3840',
];
const SEEDANCE25_RATIOS = [
  ...['992:432', '854:480', '752:560', '640:640', '560:752', '480:854', '1470:630', '1280:720', '1112:834', '960:960', '834:1112', '720:1280'],
  ...['2206:946', '1920:1080', '1664:1248', '1440:1440', '1248:1664', '1080:1920'],
];

/**
 * Seedance 2.x through Runway: both routes, a first or first + last frame or reference images, audio (one price),
 * reference audio, `duration` a number (4–15 s, 2.5: 4–30 s) or 'auto'. Prices: Runway's video models page
 * (36–150 credits/s for seedance2, 29 fast, 16 mini; 2.5: 20 at 480p, 30 at 720p, minimum 80) and the
 * `estimatedCost` of 5 s tasks read on 2026-08-17 (third-party: seedance2 40/s at 1080p, 2.5 68/s at 1080p).
 */
function seedance(
  ratios: readonly string[],
  maxDuration: number,
  price: Pick<ModelSpec, 'creditsPerSecond' | 'creditsByTier' | 'minimumCredits' | 'references' | 'promptLimit'>,
): ModelSpec {
  return {
    routes: ['image_to_video', 'text_to_video'],
    ratios: { image_to_video: ratios, text_to_video: ratios },
    duration: { min: 4, max: maxDuration, integer: true },
    durationRequired: false,
    defaultDuration: 5,
    durationAuto: true,
    promptTextRequired: { image_to_video: false, text_to_video: true },
    lastFrame: true,
    extras: ['audio', 'referenceAudio'],
    ...price,
  };
}

/** Veo 3.1 through Runway: both routes, 4/6/8 s, a last frame, audio; the two models differ only in price. */
const VEO31 = {
  routes: ['image_to_video', 'text_to_video'],
  ratios: { image_to_video: VEO_RATIOS, text_to_video: VEO_RATIOS },
  duration: { set: [4, 6, 8] },
  durationRequired: false,
  defaultDuration: 8,
  promptTextRequired: { image_to_video: false, text_to_video: true },
  lastFrame: true,
  extras: ['audio', 'negativePrompt'],
} satisfies Omit<ModelSpec, 'creditsPerSecond'>;

export const MODELS: Record<EmulatedModel, ModelSpec> = {
  gen4_turbo: {
    routes: ['image_to_video'],
    ratios: { image_to_video: GEN4_RATIOS, text_to_video: [] },
    duration: { min: 2, max: 10, integer: false },
    durationRequired: false,
    defaultDuration: 10,
    promptTextRequired: { image_to_video: false, text_to_video: true },
    lastFrame: false,
    extras: ['contentModeration'],
    creditsPerSecond: 5,
  },
  'gen4.5': {
    routes: ['image_to_video', 'text_to_video'],
    ratios: { image_to_video: GEN4_RATIOS, text_to_video: ['1280:720', '720:1280'] },
    duration: { min: 2, max: 10, integer: true },
    durationRequired: true,
    defaultDuration: 5,
    promptTextRequired: { image_to_video: true, text_to_video: true },
    lastFrame: false,
    extras: ['contentModeration', 'outputFormat', 'proresProfile'],
    creditsPerSecond: 12,
  },
  'veo3.1': { ...VEO31, creditsPerSecond: 20, creditsPerSecondWithAudio: 40 },
  'veo3.1_fast': { ...VEO31, creditsPerSecond: 10, creditsPerSecondWithAudio: 15 },
  seedance2: seedance([...SEEDANCE_RATIOS, ...SEEDANCE_HIGH_RATIOS], 15, {
    creditsPerSecond: 36,
    creditsByTier: { '480p': 36, '720p': 36, '1080p': 40, '4k': 150 },
    references: 9,
    promptLimit: 3500,
  }),
  seedance2_fast: seedance(SEEDANCE_RATIOS, 15, { creditsPerSecond: 29, references: 9, promptLimit: 3500 }),
  seedance2_mini: seedance(SEEDANCE_RATIOS, 15, { creditsPerSecond: 16, references: 9, promptLimit: 3500 }),
  seedance2_5: seedance(SEEDANCE25_RATIOS, 30, {
    creditsPerSecond: 20,
    creditsByTier: { '480p': 20, '720p': 30, '1080p': 68 },
    minimumCredits: 80,
    references: 30,
    promptLimit: 15_000,
  }),
};

export const MAX_PROMPT_TEXT = 1000;

export interface PromptImageRef {
  uri: string;
  position: 'first' | 'last';
}

type PromptImages = { first?: PromptImageRef; last?: PromptImageRef };

/** A text-to-image `referenceImages[]` entry, or a Seedance reference image (with the field it came from). */
export interface ReferenceImageRef {
  uri: string;
  tag?: string;
  field?: string;
}

/** A validated generation request. */
export interface GenerationRequest {
  route: TaskRoute;
  model: EmulatedModel | EmulatedImageModel;
  ratio: string;
  width: number;
  height: number;
  /** Seconds of video (0 for a still). */
  duration: number;
  promptText?: string;
  seed?: number;
  audio: boolean;
  first?: PromptImageRef;
  last?: PromptImageRef;
  /** The reference images, in order (text-to-image `referenceImages`; Seedance `references` or position-less `promptImage`). */
  references?: ReferenceImageRef[];
  /** Seedance: the `referenceAudio` clips, in order. */
  referenceAudio?: UriRef[];
  /** Credits the task costs if it succeeds. */
  credits: number;
  body: Record<string, unknown>;
}

/** The price tier of a ratio by pixel count: 480p ≈ 0.43 MP, 720p ≈ 0.92 MP, 1080p ≈ 2.1 MP, 4K above. */
export function tierOf(ratio: string): Tier {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  const pixels = w * h;
  return pixels <= 500_000 ? '480p' : pixels <= 1_000_000 ? '720p' : pixels <= 2_200_000 ? '1080p' : '4k';
}

/** Credits a task costs: per second (by tier where priced so; more with audio where that costs more), at least the minimum. */
export function creditsFor(model: EmulatedModel, duration: number, audio: boolean, ratio?: string): number {
  const spec = MODELS[model];
  const byTier = spec.creditsByTier && ratio ? spec.creditsByTier[tierOf(ratio)] : undefined;
  const perSecond = audio && spec.creditsPerSecondWithAudio !== undefined ? spec.creditsPerSecondWithAudio : (byTier ?? spec.creditsPerSecond);
  return Math.max(spec.minimumCredits ?? 0, Math.ceil(perSecond * duration));
}

function parsePromptImage(value: unknown, spec: ModelSpec, model: string): PromptImages {
  if (typeof value === 'string') return { first: { uri: checkUri(value, 'promptImage'), position: 'first' } };
  if (!Array.isArray(value) || value.length === 0) {
    throw new RunwayValidationError('promptImage', 'expected a URI string or a non-empty array of {uri, position}');
  }
  const out: PromptImages = {};
  value.forEach((item, i) => {
    const field = `promptImage[${i}]`;
    if (!isObject(item)) throw new RunwayValidationError(field, 'expected {uri, position}');
    for (const key of Object.keys(item)) {
      if (key !== 'uri' && key !== 'position') throw new RunwayValidationError(`${field}.${key}`, 'unrecognized key');
    }
    const position = item['position'];
    if (position !== 'first' && position !== 'last') {
      throw new RunwayValidationError(`${field}.position`, spec.lastFrame ? "expected 'first' or 'last'" : `model ${model} only accepts 'first'`);
    }
    if (position === 'last' && !spec.lastFrame) {
      throw new RunwayValidationError(`${field}.position`, `model ${model} does not accept a last frame; only 'first' is allowed`);
    }
    if (out[position]) throw new RunwayValidationError(`${field}.position`, `duplicate position '${position}'`);
    out[position] = { uri: checkUri(item['uri'], `${field}.uri`), position };
  });
  if (out.last && !out.first) throw new RunwayValidationError('promptImage', "a 'last' frame needs a 'first' frame");
  return out;
}

/** Pixel size of a ratio like `1280:720`, divided by `outputScale` and rounded to even numbers. */
export function ratioSize(ratio: string, outputScale = 1): { width: number; height: number } {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  const even = (n: number): number => Math.max(2, 2 * Math.round(n / outputScale / 2));
  return { width: even(w), height: even(h) };
}

/** The model a create body names, if the emulator makes it on this route. */
function modelOf(route: RunwayRoute, body: Record<string, unknown>): EmulatedModel {
  const model = body['model'];
  if (typeof model !== 'string' || model.length === 0) throw new RunwayValidationError('model', 'required');
  if (REMOVED_MODELS.has(model)) throw new RunwayValidationError('model', `model '${model}' is no longer available`);
  if (UNEMULATED_MODELS.has(model)) throw new RunwayValidationError('model', `model '${model}' is not supported by the emulator`);
  if (!(model in MODELS)) throw new RunwayValidationError('model', `unknown model '${model}'`);
  if (!MODELS[model as EmulatedModel].routes.includes(route)) throw new RunwayValidationError('model', `model '${model}' is not available for ${route}`);
  return model as EmulatedModel;
}

/** Every key of the body must be one the model accepts on the route. */
function checkKeys(route: RunwayRoute, body: Record<string, unknown>, model: EmulatedModel): void {
  const allowed = new Set(['model', 'promptText', 'ratio', 'duration', 'seed', ...MODELS[model].extras]);
  if (route === 'image_to_video') allowed.add('promptImage');
  if (route === 'text_to_video' && MODELS[model].references) allowed.add('references');
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw new RunwayValidationError(key, `not accepted by model '${model}' on ${route}`);
  }
}

function checkPromptText(route: RunwayRoute, promptText: unknown, spec: ModelSpec): void {
  if (promptText === undefined || promptText === '') {
    if (spec.promptTextRequired[route]) throw new RunwayValidationError('promptText', 'required');
  } else {
    if (typeof promptText !== 'string') throw new RunwayValidationError('promptText', 'expected a string');
    const limit = spec.promptLimit ?? MAX_PROMPT_TEXT;
    if (promptText.length > limit) throw new RunwayValidationError('promptText', `must be at most ${limit} characters (got ${promptText.length})`);
  }
}

/** The requested duration (the model's default when the body has none). */
function durationOf(d: unknown, spec: ModelSpec, model: EmulatedModel): number {
  if (d === undefined) {
    if (spec.durationRequired) throw new RunwayValidationError('duration', 'required');
    return spec.defaultDuration;
  }
  if (d === 'auto' && spec.durationAuto && !('set' in spec.duration)) return spec.duration.max;
  if (typeof d !== 'number' || !Number.isFinite(d)) throw new RunwayValidationError('duration', 'expected a number');
  const rule = spec.duration;
  if ('set' in rule) {
    if (!rule.set.includes(d)) throw new RunwayValidationError('duration', `expected one of ${rule.set.join(', ')} for model '${model}'`);
  } else if (d < rule.min || d > rule.max || (rule.integer && !Number.isInteger(d))) {
    throw new RunwayValidationError('duration', `expected ${rule.integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max} for model '${model}'`);
  }
  return d;
}

/** seed, and the model-specific extras (audio, negativePrompt, contentModeration, outputFormat, proresProfile). */
export function checkSeedAndExtras(body: Record<string, unknown>): void {
  const seed = body['seed'];
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 4294967295)) {
    throw new RunwayValidationError('seed', 'expected an integer from 0 to 4294967295');
  }
  const audio = body['audio'];
  if (audio !== undefined && typeof audio !== 'boolean') throw new RunwayValidationError('audio', 'expected a boolean');
  const negativePrompt = body['negativePrompt'];
  if (negativePrompt !== undefined && (typeof negativePrompt !== 'string' || negativePrompt.length > MAX_PROMPT_TEXT)) {
    throw new RunwayValidationError('negativePrompt', `expected a string of at most ${MAX_PROMPT_TEXT} characters`);
  }
  const cm = body['contentModeration'];
  if (cm !== undefined) {
    if (!isObject(cm)) throw new RunwayValidationError('contentModeration', 'expected an object');
    const t = cm['publicFigureThreshold'];
    if (t !== undefined && t !== 'auto' && t !== 'low') {
      throw new RunwayValidationError('contentModeration.publicFigureThreshold', "expected 'auto' or 'low'");
    }
  }
  const outputFormat = body['outputFormat'];
  if (outputFormat !== undefined && outputFormat !== 'mp4') {
    throw new RunwayValidationError('outputFormat', "the emulator only renders 'mp4'");
  }
  if (body['proresProfile'] !== undefined) throw new RunwayValidationError('proresProfile', 'only valid with a ProRes outputFormat');
}

/** The images of a create body: frames (`promptImage`) and Seedance's reference images and reference audio. */
function imagesOf(
  route: RunwayRoute,
  body: Record<string, unknown>,
  spec: ModelSpec,
  model: EmulatedModel,
): PromptImages & { references: UriRef[]; referenceAudio: UriRef[] } {
  let images: PromptImages & { references: UriRef[] } = { references: [] };
  if (route === 'image_to_video') {
    if (body['promptImage'] === undefined) throw new RunwayValidationError('promptImage', 'required');
    images = spec.references
      ? parseSeedancePromptImage(body['promptImage'], spec.references, model)
      : { ...parsePromptImage(body['promptImage'], spec, model), references: [] };
  } else if (spec.references) images.references = parseReferences(body['references'], spec.references, model);
  return { ...images, referenceAudio: parseReferenceAudio(body['referenceAudio'], images.references.length) };
}

/** Validates a create body; throws RunwayValidationError (→ 400). */
export function validateGeneration(route: RunwayRoute, body: unknown, outputScale = 1): GenerationRequest {
  if (!isObject(body)) throw new RunwayValidationError('body', 'expected a JSON object');
  const model = modelOf(route, body);
  const spec = MODELS[model];
  checkKeys(route, body, model);
  const images = imagesOf(route, body, spec, model);
  const promptText = body['promptText'];
  checkPromptText(route, promptText, spec);
  const ratio = body['ratio'];
  const ratios = spec.ratios[route];
  if (typeof ratio !== 'string' || !ratios.includes(ratio)) {
    throw new RunwayValidationError('ratio', `expected one of ${ratios.join(', ')} for model '${model}'`);
  }
  const duration = durationOf(body['duration'], spec, model);
  checkSeedAndExtras(body);

  const { width, height } = ratioSize(ratio, outputScale);
  const seed = body['seed'];
  const withAudio = body['audio'] === true;
  return {
    route,
    model,
    ratio,
    width,
    height,
    duration,
    ...(typeof promptText === 'string' && promptText !== '' ? { promptText } : {}),
    ...(typeof seed === 'number' ? { seed } : {}),
    audio: withAudio,
    ...(images.first ? { first: images.first } : {}),
    ...(images.last ? { last: images.last } : {}),
    ...(images.references.length > 0 ? { references: images.references } : {}),
    ...(images.referenceAudio.length > 0 ? { referenceAudio: images.referenceAudio } : {}),
    credits: creditsFor(model, duration, withAudio, ratio),
    body,
  };
}
