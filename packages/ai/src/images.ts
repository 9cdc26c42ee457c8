/**
 * `@ttv/ai/images` (`images: ai`, section `ai-images:`): keyframes and first frames from the image models of the
 * AI SDK (`generateImage`): OpenAI's gpt-image-1 / gpt-image-1-mini / dall-e-3 (images generations; with an init
 * image or references, images edits, multipart) and Google's Gemini image models (generateContent with image
 * output; input pictures as inline parts). The model's nearest size (OpenAI) or aspect ratio (Gemini) is asked
 * for, then the picture is cropped or padded to exactly the requested size with core's `fitImage` and written
 * atomically. Cost: the list price per picture (by quality and size) plus one cent per input picture.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import {
  defineImages,
  type ImageCapabilities,
  type ImageGenerator,
  type ImageRequest,
  type ImageResult,
  registerSecret,
  SPECIFICATION_VERSION,
  TtvError,
  tempPathFor,
  throwIfAborted,
} from '@ttv/core/backend';
import { fitImage, probeImage } from '@ttv/core/media';
import { generateImage, type ImageModel } from 'ai';
import { apiKeyOf, type ImagesConfig, imagesConfigSchema, type ModelRef, parseModelRef } from './config.js';
import { callSignals, toAiError } from './errors.js';
import { IMAGE_PRICES, USD_PER_INPUT_IMAGE } from './pricing.js';
import { imageModelOf } from './providers.js';
import { doctorChecks, onceAsync } from './shared.js';
import { type ImageShape, sameShape, shapeFor } from './sizes.js';

/** What a model takes besides the prompt: dall-e has no multi-image edits; gpt-image and Gemini do. */
export function capabilitiesOf(config: Pick<ImagesConfig, 'model'>): ImageCapabilities {
  const ref = parseModelRef(config.model);
  if (ref.provider === 'google') return { initImage: true, maxReferences: 3 };
  return ref.modelId.startsWith('dall-e') ? { initImage: false, maxReferences: 0 } : { initImage: true, maxReferences: 4 };
}

function checkSize(request: ImageRequest): void {
  for (const key of ['width', 'height'] as const) {
    const v = request[key];
    if (!Number.isInteger(v) || v < 16 || v > 8192) {
      throw new TtvError('INPUT_INVALID', `ai-images: ${key} must be an integer from 16 to 8192, got ${v}`, { field: key, value: v });
    }
  }
}

/** The pictures sent with the prompt (the init image first, then the references the model takes) and the prompt. */
function inputsOf(request: ImageRequest, caps: ImageCapabilities): { paths: string[]; prompt: string; warnings: string[] } {
  const warnings: string[] = [];
  const refs = (request.references ?? []).slice(0, caps.maxReferences);
  if ((request.references?.length ?? 0) > refs.length) warnings.push(`only the first ${caps.maxReferences} reference picture(s) were sent (the model's limit)`);
  const init = request.initImage && caps.initImage ? [request.initImage] : [];
  const lines = [request.prompt];
  if (init.length) lines.push('Picture 1 is the previous keyframe: keep its characters, place, light and palette, and change it to show the scene above.');
  refs.forEach((r, i) => {
    lines.push(`Picture ${init.length + i + 1} shows ${r.name} (${r.role}): keep ${r.role === 'style' ? 'its style' : 'their look'} exactly.`);
  });
  return { paths: [...init, ...refs.map((r) => r.path)], prompt: lines.join('\n'), warnings };
}

/** An input picture's bytes; INPUT_INVALID naming it when it cannot be read. */
async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new TtvError('INPUT_INVALID', `ai-images: cannot read the input picture ${path}: ${(cause as Error).message}`, {
      field: 'initImage',
      value: path,
      cause,
    });
  }
}

class AiImages implements ImageGenerator {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly #model: () => Promise<ImageModel>;
  readonly #ref: ModelRef;
  readonly #caps: ImageCapabilities;
  readonly doctor: () => ReturnType<typeof doctorChecks>;

  constructor(
    private readonly config: ImagesConfig,
    apiKey: string | undefined,
  ) {
    this.#ref = parseModelRef(config.model);
    this.#caps = capabilitiesOf(config);
    this.#model = onceAsync(() => imageModelOf({ model: config.model, apiKey, baseURL: config.baseURL }));
    this.doctor = () => doctorChecks('ai-images', config, apiKey);
  }

  estimateCost(request: ImageRequest): { usd: number } {
    const shape = shapeFor(this.#ref, Math.max(1, request.width), Math.max(1, request.height));
    const row = IMAGE_PRICES[this.config.model]?.[this.config.quality];
    const perImage = this.config.pricing?.usdPerImage ?? (row ? row[shape.width === shape.height ? 0 : 1] : 0);
    const inputs = inputsOf(request, this.#caps).paths.length;
    return { usd: Math.round((perImage + inputs * USD_PER_INPUT_IMAGE) * 1e6) / 1e6 };
  }

  async #call(shape: ImageShape, prompt: string, images: Uint8Array[], request: ImageRequest, signal: AbortSignal): Promise<Uint8Array> {
    const model = await this.#model();
    const { timeout, abortSignal } = callSignals(signal, this.config.timeoutMs);
    try {
      const { image } = await generateImage({
        model,
        prompt: images.length > 0 ? { text: prompt, images } : prompt,
        ...('size' in shape ? { size: shape.size } : { aspectRatio: shape.aspectRatio }),
        ...(this.#ref.provider === 'google' && request.seed !== undefined ? { seed: request.seed } : {}),
        ...(this.#ref.provider === 'openai' && !this.#ref.modelId.startsWith('dall-e')
          ? { providerOptions: { openai: { quality: this.config.quality } } }
          : {}),
        maxRetries: this.config.maxRetries,
        abortSignal,
      });
      return image.uint8Array;
    } catch (error) {
      throw toAiError(error, { section: 'ai-images', model: this.config.model, signal, timeout, timeoutMs: this.config.timeoutMs });
    }
  }

  async generate(request: ImageRequest, context: Parameters<ImageGenerator['generate']>[1]): Promise<ImageResult> {
    checkSize(request);
    throwIfAborted(context.signal);
    const { paths, prompt, warnings } = inputsOf(request, this.#caps);
    const images = await Promise.all(paths.map(readInput));
    const shape = shapeFor(this.#ref, request.width, request.height);
    const bytes = await this.#call(shape, prompt, images, request, context.signal);
    const raw = tempPathFor(`${request.outputPath}.raw`);
    try {
      await writeFile(raw, bytes);
      const made = await probeImage(raw, { signal: context.signal });
      const exact = sameShape(made.width, made.height, request.width, request.height);
      await fitImage(raw, request.outputPath, {
        width: request.width,
        height: request.height,
        fit: this.config.fit === 'pad' ? 'contain' : 'cover',
        format: 'png',
        signal: context.signal,
      });
      const fit = exact ? 'exact' : this.config.fit;
      if (!exact) warnings.push(`the model made ${made.width}x${made.height}: ${fit === 'crop' ? 'cropped' : 'padded'} to ${request.width}x${request.height}`);
      return { file: request.outputPath, width: request.width, height: request.height, fit, costUsd: this.estimateCost(request).usd, warnings };
    } finally {
      await rm(raw, { force: true });
    }
  }
}

export const aiImages = defineImages({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'ai-images',
  displayName: 'AI SDK images (OpenAI gpt-image-1, dall-e-3; Google Gemini image)',
  kind: 'remote',
  configSchema: imagesConfigSchema,
  secretFields: ['apiKey'],
  describe: (config) => capabilitiesOf(config),
  create(config, context) {
    const apiKey = apiKeyOf(config, context.env);
    registerSecret(apiKey);
    return new AiImages(config, apiKey);
  },
});

export default aiImages;
