/**
 * The Runway backend: image-to-video (first frame, or first + last frame on Veo) through `@runwayml/sdk`, as a
 * remote job (backend spec v2). It holds only what is unique to Runway's API (see docs/reference/runway.md):
 *
 *   submit: validate → fit the images to the ratio, send them inline (or upload) → `imageToVideo.create` with the
 *     SDK's retries off (a POST without an idempotency key must never be replayed: that could start a second
 *     billable task) → the task id, with what its list price needs;
 *   status: `tasks.retrieve` → pending (THROTTLED polled slowly, progress from `progress`), succeeded (the
 *     task's reported cost, `output[0]`), or failed (mapped by `failureCode`);
 *   cancel: `tasks.delete`.
 *
 * Core's `callBackend` owns the rest: recording the task before waiting, polling (backoff, jitter, deadline,
 * transient failures), cancelling on abort or deadline, re-attaching on resume, downloading the output with
 * retries (a fresh `status` between attempts renews an expired signed URL), probing and the atomic rename.
 */
import type RunwayML from '@runwayml/sdk';
import {
  type BackendCreateContext,
  type BackendWarning,
  type CallContext,
  type CostEstimate,
  checkImage,
  type DoctorCheck,
  describeDurations,
  durationAllowed,
  type GenerateRequest,
  invalidInput,
  type JobHandle,
  type JobPolicy,
  type JobStatus,
  jobPolicyOf,
  type RemoteVideoBackend,
  registerSecret,
  type SubmitContext,
} from '@ttv/core/backend';
import { prepareImage, uploadEphemeral } from './images.js';
import type { RunwayConfig } from './runway-config.js';
import { connectionDoctor, DEFAULT_BASE_URL, mapCallError, resolveConnection, runwayClient } from './runway-connection.js';
import { creditsFor, isModelId, MAX_PROMPT_LENGTH, MODEL_IDS, MODELS, type RunwayModel, ratioFor, ratioResolution, USD_PER_CREDIT } from './runway-models.js';
import { deleteTask, readTask } from './runway-tasks.js';

export { DEFAULT_BASE_URL, ENV_API_KEY } from './runway-connection.js';
export type { Task } from './runway-tasks.js';
export type CreateBody = Parameters<RunwayML['imageToVideo']['create']>[0];

export interface RunwayBackendOptions {
  /** The key (config or env), resolved by `create`. Missing → AUTH at submit time. */
  apiKey?: string | undefined;
  /** Where the key came from, for messages (`runway.apiKey`, `RUNWAYML_API_SECRET`). */
  apiKeySource?: string;
  /** Base URL (config, else env RUNWAYML_BASE_URL, else the public API). */
  baseUrl?: string;
  /** fetch used by the SDK (default global fetch). Outputs are downloaded by core. */
  fetch?: typeof fetch;
}

/** What the engine records with a task id (JSON, no secrets): enough to price the task on re-attach. */
export interface RunwayJobData {
  model: string;
  ratio: string;
  durationSec: number;
  /** What `submit` had to leave out (e.g. a negative prompt the model does not take), reported on success. */
  warnings?: BackendWarning[];
}

export class RunwayBackend implements RemoteVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly jobPolicy: Partial<JobPolicy>;

  private client?: RunwayML;
  /** The last status logged per task, so the log shows changes rather than every poll. */
  private readonly lastStatus = new Map<string, string>();

  constructor(
    readonly config: RunwayConfig,
    private readonly options: RunwayBackendOptions = {},
  ) {
    const { polling, timeouts } = config;
    this.jobPolicy = jobPolicyOf(polling, { requestMs: timeouts.requestMs, jobMs: timeouts.taskMs, downloadMs: timeouts.downloadMs });
    if (options.apiKey) registerSecret(options.apiKey);
  }

  get baseUrl(): string {
    return this.options.baseUrl ?? DEFAULT_BASE_URL;
  }

  /** The SDK client (created on first use). SDK retries are off: ttv's engine decides what is retried. */
  sdk(): RunwayML {
    this.client ??= runwayClient(this.options, 'runway', this.config.timeouts.requestMs, this.options.fetch);
    return this.client;
  }

  private reqOpts(signal: AbortSignal): { signal: AbortSignal; timeout: number; maxRetries: 0 } {
    return { signal, timeout: this.config.timeouts.requestMs, maxRetries: 0 };
  }

  private model(id: string): RunwayModel {
    if (!isModelId(id)) {
      throw invalidInput(`runway has no model "${id}"`, 'model', id, `use one of ${MODEL_IDS.join(', ')}`);
    }
    return MODELS[id];
  }

  // ------------------------------------------------------------------ validate / estimate

  async validate(request: GenerateRequest): Promise<void> {
    const model = this.model(request.model);
    const ratio = ratioFor(model, request.width, request.height);
    if (!ratio) {
      throw invalidInput(
        `runway ${model.id} does not make ${request.width}x${request.height}`,
        'resolution',
        `${request.width}x${request.height}`,
        `use one of ${model.ratios.map((r) => r.replace(':', 'x')).join(', ')}`,
      );
    }
    if (!durationAllowed(model.durations, request.durationSec)) {
      throw invalidInput(
        `runway ${model.id} makes ${describeDurations(model.durations)} s clips, not ${request.durationSec} s`,
        'durationSec',
        request.durationSec,
        `choose a segment duration of ${describeDurations(model.durations)} s`,
      );
    }
    if (!request.firstFrame) {
      throw invalidInput(
        'runway image-to-video needs a first frame: set storyboard.image (PNG or JPEG), or use keyframe mode with keyframes',
        'firstFrame',
        request.firstFrame,
        'set storyboard.image to a PNG or JPEG file',
      );
    }
    if (request.lastFrame !== undefined && !model.lastFrame) {
      const withLast = MODEL_IDS.filter((id) => MODELS[id].lastFrame).join(' or ');
      throw invalidInput(
        `runway ${model.id} does not take a last frame (first-frame only)`,
        'lastFrame',
        request.lastFrame,
        `use ${withLast} for keyframe mode (runway.model), or chaining mode`,
      );
    }
    if (request.prompt.length > MAX_PROMPT_LENGTH) {
      throw invalidInput(
        `prompt is ${request.prompt.length} characters; runway accepts at most ${MAX_PROMPT_LENGTH}`,
        'prompt',
        `${request.prompt.slice(0, 40)}…`,
        `shorten the segment prompt to ${MAX_PROMPT_LENGTH} characters`,
      );
    }
    if (model.promptTextRequired && request.prompt.trim() === '') {
      throw invalidInput(`runway ${model.id} needs a prompt`, 'prompt', request.prompt, 'give the segment a prompt');
    }
    if (request.negativePrompt !== undefined && model.negativePrompt && request.negativePrompt.length > MAX_PROMPT_LENGTH) {
      throw invalidInput(
        `negativePrompt is ${request.negativePrompt.length} characters; runway accepts at most ${MAX_PROMPT_LENGTH}`,
        'negativePrompt',
        `${request.negativePrompt.slice(0, 40)}…`,
        'shorten it',
      );
    }
    const seed = request.seed ?? this.config.seed;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295)) {
      throw invalidInput(`runway seeds are integers 0–4294967295, not ${seed}`, 'seed', seed, 'use a smaller seed');
    }
    await Promise.all([
      checkImage(request.firstFrame, 'firstFrame', { backend: 'runway' }),
      request.lastFrame !== undefined ? checkImage(request.lastFrame, 'lastFrame', { backend: 'runway' }) : undefined,
    ]);
  }

  estimateCost(request: GenerateRequest): CostEstimate {
    const model = isModelId(request.model) ? MODELS[request.model] : MODELS[this.config.model];
    const audio = this.config.audio && model.audio;
    const perSecond = audio && model.creditsPerSecondWithAudio !== undefined ? model.creditsPerSecondWithAudio : model.creditsPerSecond;
    const credits = creditsFor(model, request.durationSec, audio);
    return {
      usd: Number((credits * USD_PER_CREDIT).toFixed(4)),
      basis: `${model.id}: ${perSecond} credits/s${audio ? ' (with audio)' : ''} × ${request.durationSec} s × $${USD_PER_CREDIT}`,
    };
  }

  // ------------------------------------------------------------------ the job protocol

  /** Validates, prepares the images and creates one task (exactly one request, never replayed). */
  async submit(request: GenerateRequest, ctx: SubmitContext): Promise<JobHandle> {
    await this.validate(request);
    const client = this.sdk();
    const model = this.model(request.model);
    const ratio = ratioFor(model, request.width, request.height)!;
    const warnings: BackendWarning[] = [];
    let body: CreateBody;
    try {
      body = await this.buildBody(request, model, ratio, ctx, warnings);
    } catch (error) {
      throw mapCallError(error, 'image preparation', ctx.signal);
    }
    let id: string;
    try {
      ({ id } = await client.imageToVideo.create(body, this.reqOpts(ctx.signal)));
    } catch (error) {
      throw mapCallError(error, 'create', ctx.signal);
    }
    ctx.log(`task ${id} created (${model.id} ${ratio} ${request.durationSec} s, ~${creditsFor(model, request.durationSec, this.config.audio)} credits)`);
    const data: RunwayJobData = { model: model.id, ratio, durationSec: request.durationSec, ...(warnings.length > 0 ? { warnings } : {}) };
    return { id, data: data as unknown as Record<string, unknown> };
  }

  /** One look at the task. */
  async status(job: JobHandle, ctx: CallContext): Promise<JobStatus> {
    const data = jobData(job);
    const { task, status } = await readTask(this.sdk(), job.id, {
      ...this.reqOpts(ctx.signal),
      listCredits: () => this.listCredits(data),
      throttledPollMs: Math.max(this.config.polling.intervalMs, this.config.polling.maxIntervalMs),
    });
    if (task && this.lastStatus.get(job.id) !== task.status) ctx.log(`task ${job.id} ${task.status}`);
    if (task && status.state === 'pending') this.lastStatus.set(job.id, task.status);
    else this.lastStatus.delete(job.id);
    if (status.state === 'succeeded' && data?.warnings?.length) return { ...status, warnings: data.warnings };
    return status;
  }

  /** Cancels a live task (Runway's `DELETE /v1/tasks/{id}`); a task that no longer exists needs no cancel. */
  async cancel(job: JobHandle, ctx: CallContext): Promise<void> {
    this.lastStatus.delete(job.id);
    await deleteTask(this.sdk(), job.id, ctx.signal, this.config.timeouts.requestMs);
  }

  /** The list price of a task from its handle (the model and duration it was created with). */
  private listCredits(data: RunwayJobData | undefined): number {
    const model = data && isModelId(data.model) ? MODELS[data.model] : undefined;
    if (!model || !(data!.durationSec > 0)) return 0;
    return creditsFor(model, data!.durationSec, this.config.audio);
  }

  /** The create body. Never sends a field the model does not take (promptText, audio, negativePrompt, contentModeration). */
  private async buildBody(request: GenerateRequest, model: RunwayModel, ratio: string, ctx: SubmitContext, warnings: BackendWarning[]): Promise<CreateBody> {
    const { width, height } = ratioResolution(ratio);
    const prep = (file: string, name: string) =>
      prepareImage(file, {
        width,
        height,
        fit: this.config.fit,
        mode: this.config.imageUpload,
        workDir: ctx.workDir,
        name,
        signal: ctx.signal,
        upload: (path, filename, mimeType) => uploadEphemeral(this.sdk(), path, filename, mimeType, this.reqOpts(ctx.signal)),
      });
    // Both frames at once: this runs inside the submission, which a Ctrl-C waits for.
    const [first, last] = await Promise.all([
      prep(request.firstFrame!, 'first'),
      request.lastFrame !== undefined ? prep(request.lastFrame, 'last') : undefined,
    ]);
    for (const img of [first, last]) {
      if (img) ctx.log(`${img === first ? 'first' : 'last'} frame ${img.width}x${img.height} ${img.mimeType} ${img.bytes} bytes (${img.via})`);
    }
    const body: Record<string, unknown> = {
      model: model.id,
      ratio,
      promptImage: last
        ? [
            { uri: first.uri, position: 'first' },
            { uri: last.uri, position: 'last' },
          ]
        : first.uri,
      duration: request.durationSec,
    };
    const prompt = request.prompt.trim();
    if (prompt !== '' && model.promptText) body['promptText'] = prompt;
    const seed = request.seed ?? this.config.seed;
    if (seed !== undefined) body['seed'] = seed;
    if (request.negativePrompt) {
      if (model.negativePrompt) body['negativePrompt'] = request.negativePrompt;
      else warnings.push({ type: 'unsupported', field: 'negativePrompt', message: `runway ${model.id} takes no negative prompt; it was not sent` });
    }
    if (model.audio) body['audio'] = this.config.audio;
    if (model.contentModeration && this.config.contentModeration) body['contentModeration'] = { ...this.config.contentModeration };
    return body as unknown as CreateBody;
  }

  // ------------------------------------------------------------------ doctor

  doctor(): Promise<DoctorCheck[]> {
    return connectionDoctor(this.options, 'runway', () => this.sdk());
  }
}

function jobData(job: JobHandle): RunwayJobData | undefined {
  const data = job.data as Partial<RunwayJobData> | undefined;
  return data && typeof data.model === 'string' && typeof data.durationSec === 'number' ? (data as RunwayJobData) : undefined;
}

/** Resolves the key and the base URL from the config and the environment, and builds the backend. */
export function createRunwayBackend(
  config: RunwayConfig,
  ctx: Pick<BackendCreateContext, 'env'>,
  options: Omit<RunwayBackendOptions, 'apiKey' | 'apiKeySource' | 'baseUrl'> = {},
): RunwayBackend {
  return new RunwayBackend(config, { ...options, ...resolveConnection(config, ctx.env, 'runway') });
}
