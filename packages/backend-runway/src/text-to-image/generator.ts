/**
 * Runway text-to-image as a ttv image generator: `POST /v1/text_to_image` (gen4_image, gen4_image_turbo) with the
 * cast pictures as tagged reference images (and the previous keyframe as `@previous` when keyframes chain), then
 * the task through the shared task protocol, and the picture fitted to exactly the requested size.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type RunwayML from '@runwayml/sdk';
import {
  type CallContext,
  type CostEstimate,
  checkImage,
  type DoctorCheck,
  type ImageGenerator,
  type ImageRequest,
  type ImageResult,
  invalidInput,
  SPECIFICATION_VERSION,
  sleep,
  TtvError,
} from '@ttv/core/backend';
import { fitImage, probeImage } from '@ttv/core/media';
import { prepareImage, uploadEphemeral } from '../images.js';
import { connectionDoctor, mapCallError, type RunwayConnection, runwayClient } from '../runway-connection.js';
import { MAX_PROMPT_LENGTH, USD_PER_CREDIT } from '../runway-models.js';
import { usd } from '../runway-tasks.js';
import type { RunwayImagesConfig } from './config.js';
import { chooseRatio, IMAGE_MODELS, type ImageModel, type ImageRatio, MAX_REFERENCE_IMAGES } from './models.js';
import { type TaggedImage, tagReferences } from './references.js';
import { downloadOutput, stopTask, type TaskRun, waitForTask } from './task.js';

export const SECTION = 'runway-images';
/** Reference pictures are sent at most this big on their long side (their own aspect ratio is kept). */
const MAX_REFERENCE_SIDE = 2048;

/** What one request becomes: the model (turbo falls back to gen4_image without references), the size, the price. */
interface Plan {
  model: ImageModel;
  ratio: ImageRatio;
  credits: number;
  images: TaggedImage[];
  prompt: string;
  warnings: string[];
}

export class RunwayImageGenerator implements ImageGenerator {
  readonly specificationVersion = SPECIFICATION_VERSION;
  private client?: RunwayML;

  constructor(
    readonly config: RunwayImagesConfig,
    private readonly connection: RunwayConnection,
    private readonly fetchImpl?: typeof fetch,
  ) {}

  sdk(): RunwayML {
    this.client ??= runwayClient(this.connection, SECTION, this.config.timeouts.requestMs, this.fetchImpl);
    return this.client;
  }

  /** The plan of a request: offline and deterministic (no file is read). */
  plan(request: ImageRequest): Plan {
    const warnings: string[] = [];
    const init = this.config.chain ? request.initImage : undefined;
    if (request.initImage !== undefined && !this.config.chain) warnings.push('runway-images.chain is off: the previous keyframe was not sent');
    const { images, prompt } = tagReferences(request, init);
    let model = IMAGE_MODELS[this.config.model];
    if (images.length < model.minReferences) {
      warnings.push(`${model.id} needs a reference image and this still has none: it was made with gen4_image`);
      model = IMAGE_MODELS.gen4_image;
    }
    const ratio = this.config.ratio ?? chooseRatio(model, request.width, request.height);
    return { model, ratio, credits: model.credits(ratio), images, prompt, warnings };
  }

  estimateCost(request: ImageRequest): CostEstimate {
    const plan = this.plan(request);
    return { usd: usd(plan.credits), basis: `${plan.model.id} ${plan.ratio}: ${plan.credits} credits × $${USD_PER_CREDIT}` };
  }

  /** Checks a request before anything is spent; INPUT_INVALID naming the field. */
  async check(request: ImageRequest, signal: AbortSignal): Promise<Plan> {
    for (const key of ['width', 'height'] as const) {
      const v = request[key];
      if (!Number.isInteger(v) || v < 16 || v > 8192)
        throw invalidInput(`${SECTION}: ${key} must be a whole number of pixels from 16 to 8192, not ${v}`, key, v, 'ask for a real picture size');
    }
    if (request.prompt.trim() === '') throw invalidInput(`${SECTION}: the prompt is empty`, 'prompt', request.prompt, 'give the keyframe a prompt');
    const seed = request.seed ?? this.config.seed;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295)) {
      throw invalidInput(`runway seeds are integers 0–4294967295, not ${seed}`, 'seed', seed, 'use a smaller seed');
    }
    const plan = this.plan(request);
    if (plan.images.length > MAX_REFERENCE_IMAGES) {
      throw invalidInput(
        `${SECTION}: ${plan.images.length} reference images (cast and previous keyframe); Runway takes at most ${MAX_REFERENCE_IMAGES}`,
        'references',
        plan.images.map((i) => i.name),
        'name fewer cast members in the prompt, or set runway-images.chain: false',
      );
    }
    if (plan.prompt.length > MAX_PROMPT_LENGTH) {
      throw invalidInput(
        `${SECTION}: the prompt is ${plan.prompt.length} characters with its reference tags; Runway takes at most ${MAX_PROMPT_LENGTH}`,
        'prompt',
        `${plan.prompt.slice(0, 40)}…`,
        `shorten the keyframe prompt to about ${MAX_PROMPT_LENGTH - (plan.prompt.length - request.prompt.length)} characters`,
      );
    }
    await Promise.all(plan.images.map((img) => checkImage(img.path, img.field, { backend: SECTION, signal })));
    return plan;
  }

  async generate(request: ImageRequest, context: CallContext): Promise<ImageResult> {
    const plan = await this.check(request, context.signal);
    if (context.signal.aborted) throw new TtvError('CANCELLED', `${SECTION}: cancelled before the request was sent`);
    const client = this.sdk();
    await mkdir(context.workDir, { recursive: true });
    const scratch = await mkdtemp(join(context.workDir, 'runway-image-'));
    let chargedUsd = 0;
    try {
      const body = await this.body(plan, request, scratch, context.signal);
      const id = await this.create(body, context);
      const run: TaskRun = { client, id, config: this.config, signal: context.signal, log: context.log, credits: plan.credits };
      if (context.signal.aborted) await stopTask(run, 'CANCELLED', 'the image was cancelled while it was being submitted');
      const done = await waitForTask(run);
      chargedUsd = done.costUsd;
      const raw = join(scratch, 'output');
      await downloadOutput(run, done, raw);
      const fit = await this.fitTo(raw, request, context.signal);
      return { file: request.outputPath, width: request.width, height: request.height, fit, costUsd: done.costUsd, warnings: plan.warnings };
    } catch (error) {
      const mapped = mapCallError(error, 'text_to_image', context.signal);
      if (chargedUsd > 0 && mapped.chargedUsd === undefined) {
        throw new TtvError(mapped.code, mapped.message, { cause: mapped, chargedUsd, retryable: mapped.retryable });
      }
      throw mapped;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** The create body: each reference fitted within its own aspect ratio and sent inline (or uploaded). */
  private async body(plan: Plan, request: ImageRequest, scratch: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    const opts = {
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeouts.requestMs)]),
      timeout: this.config.timeouts.requestMs,
      maxRetries: 0 as const,
    };
    const referenceImages = await Promise.all(
      plan.images.map(async (img, i) => {
        const probe = await probeImage(img.path, { signal });
        const scale = Math.min(1, MAX_REFERENCE_SIDE / Math.max(probe.width, probe.height));
        const prepared = await prepareImage(img.path, {
          width: Math.max(1, Math.round(probe.width * scale)),
          height: Math.max(1, Math.round(probe.height * scale)),
          fit: 'contain',
          mode: this.config.imageUpload,
          workDir: scratch,
          name: `ref-${i}`,
          signal,
          upload: (path, filename, mimeType) => uploadEphemeral(this.sdk(), path, filename, mimeType, opts),
        });
        return { uri: prepared.uri, tag: img.tag };
      }),
    );
    const seed = request.seed ?? this.config.seed;
    return {
      model: plan.model.id,
      promptText: plan.prompt,
      ratio: plan.ratio,
      ...(referenceImages.length > 0 ? { referenceImages } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(this.config.contentModeration ? { contentModeration: { ...this.config.contentModeration } } : {}),
    };
  }

  /**
   * Creates the task: exactly one request per attempt, never cut off by the user's abort (a submission cut off
   * half-way can leave a paid task nobody knows). A 429 rate limit (not the daily quota) is sent again after the
   * wait the API asks for, up to `rateLimitRetries` times: a refused create started no task.
   */
  private async create(body: Record<string, unknown>, context: CallContext): Promise<string> {
    const { timeouts, rateLimitRetries } = this.config;
    for (let attempt = 0; ; attempt++) {
      if (context.signal.aborted) throw new TtvError('CANCELLED', `${SECTION}: cancelled before the request was sent`);
      const signal = AbortSignal.timeout(timeouts.requestMs);
      try {
        const { id } = await this.sdk().textToImage.create(body as never, { signal, timeout: timeouts.requestMs, maxRetries: 0 });
        context.log(`task ${id} created (${String(body['model'])} ${String(body['ratio'])})`);
        return id;
      } catch (raw) {
        const error = mapCallError(raw, 'create', signal);
        if (error.code !== 'RATE_LIMITED' || attempt >= rateLimitRetries) throw error;
        const wait = error.retryAfterMs ?? 1000 * 2 ** attempt;
        context.log(`create rate limited (429); waiting ${wait} ms (retry ${attempt + 1}/${rateLimitRetries})`);
        await sleep(wait, context.signal).catch(() => {});
      }
    }
  }

  /** Fits the picture to exactly the requested size (atomically, as PNG) and says how. */
  private async fitTo(raw: string, request: ImageRequest, signal: AbortSignal): Promise<ImageResult['fit']> {
    const made = await probeImage(raw, { signal });
    const fit = made.width * request.height === made.height * request.width ? 'exact' : this.config.fit;
    await fitImage(raw, request.outputPath, { width: request.width, height: request.height, fit: fit === 'pad' ? 'contain' : 'cover', format: 'png', signal });
    return fit;
  }

  doctor(): Promise<DoctorCheck[]> {
    return connectionDoctor(this.connection, SECTION, () => this.sdk());
  }
}
