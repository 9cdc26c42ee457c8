/**
 * The Runway backend: image-to-video (first frame, or first + last frame on Veo and Seedance) and, on Seedance,
 * text-to-video with reference pictures and reference audio, through `@runwayml/sdk`, as a remote job (backend
 * spec v2). It holds only what is unique to Runway's API (see docs/reference/runway.md):
 *
 *   submit: validate → fit the images to the ratio, send them inline (or upload) → `imageToVideo.create` or
 *     `textToVideo.create` (runway-body.ts) with the SDK's retries off (a POST without an idempotency key must never be replayed: that could start a second
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
  checkRequest,
  type DoctorCheck,
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
import { type PreparedImage, prepareImage, uploadEphemeral } from './images.js';
import { checkAudio, prepareAudio, prepareReferences } from './reference-inputs.js';
import { audioOf, createBody, type ImageToVideoBody, type PreparedInputs, routeOf, type TextToVideoBody } from './runway-body.js';
import type { RunwayConfig } from './runway-config.js';
import { connectionDoctor, DEFAULT_BASE_URL, mapCallError, resolveConnection, runwayClient } from './runway-connection.js';
import {
  capabilitiesOf,
  creditsFor,
  creditsPerSecondOf,
  isModelId,
  MAX_PROMPT_LENGTH,
  MODEL_IDS,
  MODELS,
  type RunwayModel,
  ratioFor,
  ratioResolution,
  USD_PER_CREDIT,
} from './runway-models.js';
import { deleteTask, readTask } from './runway-tasks.js';

export type { CreateBody } from './runway-body.js';
export { DEFAULT_BASE_URL, ENV_API_KEY } from './runway-connection.js';
export type { Task } from './runway-tasks.js';

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
  /** Whether sound was asked for (it changes Veo's price); absent in handles of older versions: the config's. */
  audio?: boolean;
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

  /**
   * The capability checks (core's `checkRequest` against the model's row: size, duration, prompt length, frames,
   * references, sound), then what only Runway enforces: a prompt where the API requires one, the negative prompt's
   * length, the seed's range, and readable input files.
   */
  async validate(request: GenerateRequest): Promise<void> {
    const model = this.model(request.model);
    checkRequest('runway', { models: MODEL_IDS.map((id) => capabilitiesOf(MODELS[id])) }, request);
    if ((model.promptTextRequired || routeOf(request) === 'text_to_video') && request.prompt.trim() === '') {
      throw invalidInput(
        `runway ${model.id} needs a prompt${request.firstFrame ? '' : ' to make a clip from text'}`,
        'prompt',
        request.prompt,
        'give the segment a prompt',
      );
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
    const image = (path: string | undefined, field: string) => (path !== undefined ? checkImage(path, field, { backend: 'runway' }) : undefined);
    await Promise.all([
      image(request.firstFrame, 'firstFrame'),
      image(request.lastFrame, 'lastFrame'),
      ...(request.references ?? []).map((r) => image(r.path, 'references')),
      request.referenceAudio !== undefined ? checkAudio(request.referenceAudio) : undefined,
    ]);
  }

  estimateCost(request: GenerateRequest): CostEstimate {
    const model = isModelId(request.model) ? MODELS[request.model] : MODELS[this.config.model];
    const audio = audioOf(request, this.config, model);
    const ratio = ratioFor(model, request.width, request.height);
    const perSecond = creditsPerSecondOf(model, ratio, audio);
    const credits = creditsFor(model, request.durationSec, audio, ratio);
    const minimum = credits > Math.ceil(perSecond * request.durationSec) ? ` (minimum charge ${credits} credits)` : '';
    return {
      usd: Number((credits * USD_PER_CREDIT).toFixed(4)),
      basis: `${model.id}: ${perSecond} credits/s${audio ? ' (with audio)' : ''} × ${request.durationSec} s × $${USD_PER_CREDIT}${minimum}`,
    };
  }

  // ------------------------------------------------------------------ the job protocol

  /** Validates, prepares the inputs and creates one task (exactly one request, never replayed). */
  async submit(request: GenerateRequest, ctx: SubmitContext): Promise<JobHandle> {
    await this.validate(request);
    const client = this.sdk();
    const model = this.model(request.model);
    const ratio = ratioFor(model, request.width, request.height)!;
    const warnings: BackendWarning[] = [];
    let created: ReturnType<typeof createBody>;
    try {
      created = createBody(request, model, ratio, await this.prepareInputs(request, ratio, ctx), this.config, warnings);
    } catch (error) {
      throw mapCallError(error, 'image preparation', ctx.signal);
    }
    let id: string;
    try {
      const opts = this.reqOpts(ctx.signal);
      ({ id } =
        created.route === 'image_to_video'
          ? await client.imageToVideo.create(created.body as ImageToVideoBody, opts)
          : await client.textToVideo.create(created.body as TextToVideoBody, opts));
    } catch (error) {
      throw mapCallError(error, 'create', ctx.signal);
    }
    const audio = audioOf(request, this.config, model);
    const credits = creditsFor(model, request.durationSec, audio, ratio);
    const extras = `${created.route === 'text_to_video' ? ' from text' : ''}${audio ? ' with audio' : ''}`;
    ctx.log(`task ${id} created (${model.id} ${ratio} ${request.durationSec} s${extras}, ~${credits} credits)`);
    const data: RunwayJobData = { model: model.id, ratio, durationSec: request.durationSec, audio, ...(warnings.length > 0 ? { warnings } : {}) };
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

  /** The list price of a task from its handle (the model, size, duration and sound it was created with). */
  private listCredits(data: RunwayJobData | undefined): number {
    const model = data && isModelId(data.model) ? MODELS[data.model] : undefined;
    if (!model || !(data!.durationSec > 0)) return 0;
    return creditsFor(model, data!.durationSec, data!.audio ?? this.config.audio, data!.ratio);
  }

  /** The frames, reference pictures and reference audio, fitted and sent inline or uploaded, all at once. */
  private async prepareInputs(request: GenerateRequest, ratio: string, ctx: SubmitContext): Promise<PreparedInputs> {
    const { width, height } = ratioResolution(ratio);
    const upload = (path: string, filename: string, mimeType: string) => uploadEphemeral(this.sdk(), path, filename, mimeType, this.reqOpts(ctx.signal));
    const common = { width, height, mode: this.config.imageUpload, workDir: ctx.workDir, signal: ctx.signal, upload };
    const prep = (file: string | undefined, name: string) => (file !== undefined ? prepareImage(file, { ...common, fit: this.config.fit, name }) : undefined);
    // Everything at once: this runs inside the submission, which a Ctrl-C waits for.
    const [first, last, references, referenceAudio] = await Promise.all([
      prep(request.firstFrame, 'first'),
      prep(request.lastFrame, 'last'),
      prepareReferences(request.firstFrame === undefined ? (request.references ?? []) : [], common),
      request.referenceAudio !== undefined ? prepareAudio(request.referenceAudio, upload) : undefined,
    ]);
    const named: Array<[string, PreparedImage | undefined]> = [
      ['first frame', first],
      ['last frame', last],
      ...references.map((r, i): [string, PreparedImage] => [`reference ${request.references![i]!.name}`, r]),
    ];
    for (const [what, img] of named) if (img) ctx.log(`${what} ${img.width}x${img.height} ${img.mimeType} ${img.bytes} bytes (${img.via})`);
    if (referenceAudio) ctx.log(`reference audio ${referenceAudio.bytes} bytes (${referenceAudio.via})`);
    return { first, last, references, referenceAudio };
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
