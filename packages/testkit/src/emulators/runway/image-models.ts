/**
 * Request validation of the emulator's `POST /v1/text_to_image` (`@runwayml/sdk` 4.20.1,
 * `resources/text-to-image.d.ts`): the gen4 image models, checked like the real API, with `{"error": "..."}`
 * messages that name the field at fault. Prices: docs.dev.runwayml.com (gen4_image 5 credits at 720p, 8 at
 * 1080p; gen4_image_turbo 2 credits at any size).
 */
import {
  checkSeedAndExtras,
  checkUri,
  type EmulatedImageModel,
  type GenerationRequest,
  isObject,
  MAX_PROMPT_TEXT,
  type ReferenceImageRef,
  RunwayValidationError,
  ratioSize,
} from './models.js';

export const GEN4_IMAGE_RATIOS = [
  '1024:1024',
  '1080:1080',
  '1168:880',
  '1360:768',
  '1440:1080',
  '1080:1440',
  '1808:768',
  '1920:1080',
  '1080:1920',
  '2112:912',
  '1280:720',
  '720:1280',
  '720:720',
  '960:720',
  '720:960',
  '1680:720',
] as const;

/** The 720p ratios of gen4_image (the cheaper tier); the rest are 1080p. */
export const GEN4_IMAGE_720P: ReadonlySet<string> = new Set(['1280:720', '720:1280', '720:720', '960:720', '720:960', '1680:720']);

/** Text-to-image models the real API serves but the emulator does not make. */
export const UNEMULATED_IMAGE_MODELS: ReadonlySet<string> = new Set([
  'gpt_image_2',
  'gemini_image3.1_flash',
  'muse_image',
  'seedream5_pro',
  'seedream5_lite',
  'grok_imagine_image_2',
  'gemini_image3_pro',
  'gpt_image_2_5_flare',
  'gpt_image_2_5_sunburst',
  'gemini_2.5_flash',
]);

interface ImageModelSpec {
  minReferences: number;
  maxReferences: number;
  credits(ratio: string): number;
}

export const IMAGE_MODELS: Record<EmulatedImageModel, ImageModelSpec> = {
  gen4_image: { minReferences: 0, maxReferences: 3, credits: (ratio) => (GEN4_IMAGE_720P.has(ratio) ? 5 : 8) },
  gen4_image_turbo: { minReferences: 1, maxReferences: 3, credits: () => 2 },
};

/** A reference tag: 3–16 characters, starting with a letter, then letters, digits and underscores. */
export const TAG_PATTERN = /^[A-Za-z][A-Za-z0-9_]{2,15}$/;

const KEYS = new Set(['model', 'promptText', 'ratio', 'referenceImages', 'seed', 'contentModeration']);

function imageModelOf(body: Record<string, unknown>): EmulatedImageModel {
  const model = body['model'];
  if (typeof model !== 'string' || model.length === 0) throw new RunwayValidationError('model', 'required');
  if (UNEMULATED_IMAGE_MODELS.has(model)) throw new RunwayValidationError('model', `model '${model}' is not supported by the emulator`);
  if (!(model in IMAGE_MODELS)) throw new RunwayValidationError('model', `unknown model '${model}' for text_to_image`);
  return model as EmulatedImageModel;
}

function parseReferences(value: unknown, model: EmulatedImageModel): ReferenceImageRef[] {
  const spec = IMAGE_MODELS[model];
  if (value === undefined) {
    if (spec.minReferences > 0)
      throw new RunwayValidationError('referenceImages', `required: model '${model}' needs 1 to ${spec.maxReferences} reference images`);
    return [];
  }
  if (!Array.isArray(value)) throw new RunwayValidationError('referenceImages', 'expected an array of {uri, tag}');
  if (value.length < spec.minReferences || value.length > spec.maxReferences) {
    throw new RunwayValidationError(
      'referenceImages',
      `expected ${spec.minReferences} to ${spec.maxReferences} images for model '${model}' (got ${value.length})`,
    );
  }
  const tags = new Set<string>();
  return value.map((item, i) => {
    const field = `referenceImages[${i}]`;
    if (!isObject(item)) throw new RunwayValidationError(field, 'expected {uri, tag}');
    for (const key of Object.keys(item)) {
      if (key !== 'uri' && key !== 'tag') throw new RunwayValidationError(`${field}.${key}`, 'unrecognized key');
    }
    const uri = checkUri(item['uri'], `${field}.uri`);
    const tag = item['tag'];
    if (tag === undefined) return { uri };
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) {
      throw new RunwayValidationError(`${field}.tag`, 'must be 3-16 characters, start with a letter, and use only letters, digits, and underscores');
    }
    if (tags.has(tag)) throw new RunwayValidationError(`${field}.tag`, `duplicate tag '${tag}'`);
    tags.add(tag);
    return { uri, tag };
  });
}

/** Validates a `POST /v1/text_to_image` body; throws RunwayValidationError (→ 400). */
export function validateImageGeneration(body: unknown, outputScale = 1): GenerationRequest {
  if (!isObject(body)) throw new RunwayValidationError('body', 'expected a JSON object');
  const model = imageModelOf(body);
  for (const key of Object.keys(body)) {
    if (!KEYS.has(key)) throw new RunwayValidationError(key, `not accepted by model '${model}' on text_to_image`);
  }
  const promptText = body['promptText'];
  if (typeof promptText !== 'string' || promptText.trim() === '') throw new RunwayValidationError('promptText', 'required: a non-empty string');
  if (promptText.length > MAX_PROMPT_TEXT) {
    throw new RunwayValidationError('promptText', `must be at most ${MAX_PROMPT_TEXT} characters (got ${promptText.length})`);
  }
  const ratio = body['ratio'];
  if (typeof ratio !== 'string' || !(GEN4_IMAGE_RATIOS as readonly string[]).includes(ratio)) {
    throw new RunwayValidationError('ratio', `expected one of ${GEN4_IMAGE_RATIOS.join(', ')} for model '${model}'`);
  }
  const references = parseReferences(body['referenceImages'], model);
  checkSeedAndExtras(body);
  const seed = body['seed'];
  return {
    route: 'text_to_image',
    model,
    ratio,
    ...ratioSize(ratio, outputScale),
    duration: 0,
    promptText,
    ...(typeof seed === 'number' ? { seed } : {}),
    audio: false,
    references,
    credits: IMAGE_MODELS[model].credits(ratio),
    body,
  };
}
