/**
 * Google Veo on Vertex AI through @google/genai, as a remote backend on the job protocol of @ttv/core. Core's
 * `callBackend` owns the lifecycle (recording the operation, polling with backoff and jitter, the deadline,
 * re-attaching after a crash or Ctrl-C, fetching the clip with retries, probing, the atomic rename); this file
 * holds only what is unique to Veo:
 *
 *   validate      → model table (duration, ratio × resolution, last frame, audio, prompt), input files; no network
 *   estimateCost  → duration × USD/s (with or without audio), offline
 *   submit        → validate → fit images (cover|contain, PNG or JPEG with the matching MIME type; large ones
 *                   staged to GCS) → predictLongRunning → { id: operation name, data: VeoJobData }
 *   status        → fetchPredictOperation → not done: pending (progress estimate); done: op.error / RAI filtering /
 *                   no video → failed; else succeeded, cost = duration × rate × videos, output = the inline bytes
 *                   or a writer streaming the gs:// object with the storage client
 *   release       → delete the staged inputs, and the gs:// output when deleteOutputAfterDownload
 *
 * No `cancel`: Veo operations cannot be cancelled (predictLongRunning operations have no cancel method on this
 * path). So an interrupted operation runs on at Google and is billed: core keeps it, books it at its estimate
 * and re-attaches to it (same operation name) on the next run, instead of paying for a second one.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  type GenerateVideosConfig,
  type GenerateVideosOperation,
  type GenerateVideosSource,
  type GoogleGenAI,
  type Image,
  GenerateVideosOperation as OperationClass,
  type Video,
  type VideoGenerationReferenceImage,
  VideoGenerationReferenceType,
} from '@google/genai';
import type { Storage } from '@google-cloud/storage';
import {
  type BackendCreateContext,
  type BackendWarning,
  type CallContext,
  type CostEstimate,
  checkRequest,
  type DoctorCheck,
  type GenerateRequest,
  invalidInput,
  type JobHandle,
  type JobOutput,
  type JobPolicy,
  type JobStatus,
  jobPolicyOf,
  type RemoteVideoBackend,
  registerSecret,
  retryAfterMs,
  type SubmitContext,
  TtvError,
} from '@ttv/core/backend';
import { fitImage, probeImage, resolveFfmpeg } from '@ttv/core/media';
import { type AuthClient, GoogleAuth } from 'google-auth-library';
import {
  authSecrets,
  CLOUD_PLATFORM_SCOPE,
  createGenAI,
  createStorage,
  inspectKeyFile,
  parseGsUri,
  type ResolvedAuth,
  requireProject,
  resolveAuth,
  vertexBaseUrl,
} from './auth.js';
import type { VeoConfig } from './veo3-config.js';
import { type ErrorScope, fromOperationError, fromStorage, fromThrown, moderation, scrub } from './veo3-errors.js';
import { checkExtension, type ExtensionPlan, referencesLeftOut, writeContinuation } from './veo3-inputs.js';
import { capabilitiesOf, EXTENSION_SECONDS, isModelId, MAX_PROMPT_LENGTH, MODELS, type VeoModel, veoFormatOf } from './veo3-models.js';

/** The inputs of one submission, fitted and encoded (inline, or staged to GCS). */
interface PreparedInputs {
  image?: Image;
  lastFrame?: Image;
  video?: Video;
  referenceImages?: VideoGenerationReferenceImage[];
  staged: string[];
}

/** What `create` gets (`env`, and `configDir` for relative keyFile paths), plus what tests inject. */
export interface VeoDependencies extends Partial<BackendCreateContext> {
  /** An auth client for the Vertex modes (e.g. an OAuth2Client holding a token), instead of ADC / key file. */
  authClient?: AuthClient;
}

/** What ttv persists with the operation name (JSON, no secrets). */
export interface VeoJobData {
  model: string;
  /** gs:// objects staged for this job, deleted when it ends. */
  staged: string[];
  submittedAt: number;
  /** Seconds billed (requested, or the 7 s an extension adds) and USD per second at submission: the cost of what was submitted, even after a re-attach. */
  durationSec: number;
  usdPerSecond: number;
  /** An extension: how its output becomes the continuation. */
  extension?: ExtensionPlan;
  /** Why the request's reference pictures were left out (a warning with the clip). */
  referencesLeftOut?: string;
}

/** A fetch that also aborts with `signal` (genai's poll call drops its config.abortSignal on Vertex) and notes Retry-After. */
function signalFetch(signal: AbortSignal, onResponse: (response: Response) => void): typeof fetch {
  return async (input, init) => {
    const signals = [signal, init?.signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
    const response = await fetch(input, { ...init, signal: signals.length > 1 ? AbortSignal.any(signals) : (signals[0] ?? null) });
    onResponse(response);
    return response;
  };
}

/**
 * The call's signal when the run was cancelled; undefined when it fired for a per-request timeout (the job
 * policy's), so that the failure maps to TIMEOUT (retried) rather than CANCELLED.
 */
function cancelledBy(signal: AbortSignal): AbortSignal | undefined {
  return signal.aborted && (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError' ? undefined : signal;
}

/** The model named in an operation name `…/models/MODEL/operations/ID`. */
export function modelOfOperation(name: string): string | undefined {
  return /\/models\/([^/]+)\/operations\/[^/]+$/.exec(name)?.[1];
}

function jobData(job: JobHandle): Partial<VeoJobData> {
  return (job.data ?? {}) as Partial<VeoJobData>;
}

export class VeoBackend implements RemoteVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly auth: ResolvedAuth;
  readonly jobPolicy: Partial<JobPolicy>;
  private readonly secrets: string[];
  private genaiClient?: GoogleGenAI;
  private storageClient?: Storage;
  /** gs:// outputs of succeeded operations, by operation name, for `release` (deleteOutputAfterDownload). */
  private readonly outputs = new Map<string, string[]>();

  constructor(
    readonly config: VeoConfig,
    private readonly deps: VeoDependencies = {},
  ) {
    this.auth = resolveAuth(config, deps.env ?? process.env, deps.configDir ?? process.cwd());
    this.secrets = authSecrets(this.auth);
    for (const s of this.secrets) registerSecret(s);
    const { polling, timeouts } = config;
    this.jobPolicy = jobPolicyOf(
      polling,
      { requestMs: timeouts.requestMs, jobMs: timeouts.operationMs, downloadMs: timeouts.downloadMs },
      config.downloadAttempts,
    );
  }

  private log(ctx: CallContext, line: string): void {
    ctx.log(scrub(line, this.secrets));
  }

  /** Whether a request's clip has sound: the request says (audio.generate), else the config. */
  audio(model: VeoModel, request?: GenerateRequest): boolean {
    return (request?.generateAudio ?? this.config.generateAudio) && model.audio;
  }

  /** USD per second for a model and request (the config's price override applies to the configured model). */
  rate(model: VeoModel, request?: GenerateRequest): number {
    const audio = this.audio(model, request);
    const override = model.id === this.config.model ? this.config.price : undefined;
    if (audio) return override?.usdPerSecondWithAudio ?? model.usdPerSecondWithAudio;
    return override?.usdPerSecond ?? model.usdPerSecond;
  }

  private scope(action: string, model: string, operation?: string): ErrorScope {
    return {
      action,
      model,
      project: this.auth.project,
      location: this.auth.location,
      express: this.auth.mode === 'express',
      secrets: this.secrets,
      ...(operation ? { operation } : {}),
    };
  }

  // ---- validate ------------------------------------------------------------------------------------------

  async validate(request: GenerateRequest): Promise<void> {
    if (!isModelId(request.model)) {
      throw invalidInput(`veo3 has no model "${request.model}"`, 'model', request.model, `set veo3.model to one of ${Object.keys(MODELS).join(', ')}`);
    }
    const model = MODELS[request.model];
    const c = this.config;
    this.checkShape(request, model);
    if (c.generateAudio && !model.audio) {
      throw invalidInput(`${model.id} has no audio track`, 'generateAudio', true, 'set veo3.generateAudio: false, or use a Veo 3 / 3.1 model');
    }
    if (request.prompt.length > MAX_PROMPT_LENGTH) {
      throw invalidInput(
        `prompt is ${request.prompt.length} characters, over ${MAX_PROMPT_LENGTH}`,
        'prompt',
        `${request.prompt.slice(0, 40)}…`,
        'shorten the prompt',
      );
    }
    if (!request.prompt.trim() && !request.firstFrame && !request.inputVideo) {
      throw invalidInput('Veo needs a prompt or a first frame, and the request has neither', 'prompt', request.prompt, 'give the segment a prompt');
    }
    if (request.seed !== undefined && (!Number.isInteger(request.seed) || request.seed < 0 || request.seed > 4_294_967_295)) {
      throw invalidInput(`seed ${request.seed} is outside 0–4294967295`, 'seed', request.seed, 'use an integer seed from 0 to 4294967295');
    }
    this.checkLastFrame(request, model);
    // What core words once: a clip to extend only for models that extend, references within the model's max and roles.
    checkRequest('veo3', { models: [capabilitiesOf(model, c)] }, request);
    if (request.inputVideo !== undefined) await checkExtension(request, c);
    if (request.firstFrame !== undefined) await checkImage(request.firstFrame, 'firstFrame');
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame');
    for (const reference of request.references ?? []) await checkImage(reference.path, 'references');
  }

  /** Duration and size: ones the model (and the config's fixed duration, ratio, resolution) allow. */
  private checkShape(request: GenerateRequest, model: VeoModel): void {
    const c = this.config;
    if (!model.durations.includes(request.durationSec) || (c.durationSeconds !== undefined && c.durationSeconds !== request.durationSec)) {
      const allowed = c.durationSeconds !== undefined && model.durations.includes(c.durationSeconds) ? [c.durationSeconds] : model.durations;
      throw invalidInput(
        `${model.id} makes ${allowed.join(', ')} s clips, not ${request.durationSec} s`,
        'durationSec',
        request.durationSec,
        `use a segment duration of ${allowed.join(', ')} seconds (segmentDuration or the segment's duration)`,
      );
    }
    const format = veoFormatOf(request.width, request.height);
    const sizes = capabilitiesOf(model, c).resolutions.map((r) => `${r.width}x${r.height}`);
    if (!format || !sizes.includes(`${request.width}x${request.height}`)) {
      const why = !format
        ? 'Veo makes 16:9 or 9:16 at 720p or 1080p only'
        : !model.aspectRatios.includes(format.aspectRatio) || (c.aspectRatio && c.aspectRatio !== format.aspectRatio)
          ? `aspect ratio ${format.aspectRatio} is not available${c.aspectRatio ? ` (veo3.aspectRatio is ${c.aspectRatio})` : ''}`
          : `resolution ${format.resolution} is not available for ${model.id}${c.resolution ? ` (veo3.resolution is ${c.resolution})` : ''}`;
      throw invalidInput(
        `${model.id} cannot make ${request.width}x${request.height}: ${why}`,
        'resolution',
        `${request.width}x${request.height}`,
        `use one of ${sizes.join(', ')}`,
      );
    }
  }

  /** A last frame: only on the models that interpolate, and only with a first frame. */
  private checkLastFrame(request: GenerateRequest, model: VeoModel): void {
    if (request.lastFrame !== undefined) {
      if (!model.lastFrame) {
        throw invalidInput(
          `${model.id} cannot end on a given last frame (first+last-frame generation is only on ${Object.values(MODELS)
            .filter((m) => m.lastFrame)
            .map((m) => m.id)
            .join(', ')})`,
          'lastFrame',
          request.lastFrame,
          'set veo3.model to veo-3.1-generate-001 or veo-3.1-fast-generate-001 for keyframe mode',
        );
      }
      if (!request.firstFrame)
        throw invalidInput(
          'a last frame needs a first frame',
          'firstFrame',
          undefined,
          'give the segment a first frame (storyboard.image or the previous keyframe)',
        );
    }
  }

  /** An extension bills the 7 s Veo adds, whatever part of them ttv keeps; references cost nothing extra. */
  estimateCost(request: GenerateRequest): CostEstimate {
    const model = isModelId(request.model) ? MODELS[request.model] : MODELS[this.config.model];
    const rate = this.rate(model, request);
    const seconds = billedSeconds(request);
    const what = request.inputVideo ? `, an extension of ${EXTENSION_SECONDS} s` : '';
    return {
      usd: Number((seconds * rate).toFixed(6)),
      basis: `${seconds} s × $${rate}/s (${model.id}, ${this.audio(model, request) ? 'with' : 'no'} audio${what}) × 1 video`,
    };
  }

  // ---- clients -------------------------------------------------------------------------------------------

  private genai(): GoogleGenAI {
    this.genaiClient ??= createGenAI(this.config, this.auth, this.deps.authClient);
    return this.genaiClient;
  }

  private storage(): Storage {
    this.storageClient ??= createStorage(this.config, this.auth, this.deps.authClient);
    return this.storageClient;
  }

  // ---- the job protocol ----------------------------------------------------------------------------------

  /**
   * `ctx.signal` fires only on the submission's own timeout (core lets a started submission finish after Ctrl-C).
   * predictLongRunning takes no idempotency key, so `ctx.idempotencyKey` is not sent: core records the operation
   * name as soon as this returns.
   */
  async submit(request: GenerateRequest, ctx: SubmitContext): Promise<JobHandle> {
    await this.validate(request);
    const model = MODELS[request.model as keyof typeof MODELS];
    const extension = request.inputVideo ? await checkExtension(request, this.config) : undefined;
    const leftOut = referencesLeftOut(request);
    if (leftOut) this.log(ctx, leftOut);
    const ai = this.genai();
    const prepared = await this.prepareInputs(request, model, !leftOut, ctx);
    let name: string;
    try {
      name = await this.submitOperation(ai, request, model, prepared, ctx);
    } catch (error) {
      // No operation: nobody will call release for these.
      for (const uri of prepared.staged) await this.deleteObject(uri, 'staged input', ctx);
      throw error;
    }
    const data: VeoJobData = {
      model: model.id,
      staged: prepared.staged,
      submittedAt: Date.now(),
      durationSec: billedSeconds(request),
      usdPerSecond: this.rate(model, request),
      ...(extension ? { extension } : {}),
      ...(leftOut ? { referencesLeftOut: leftOut } : {}),
    };
    return { id: name, data: { ...data } };
  }

  async status(job: JobHandle, ctx: CallContext): Promise<JobStatus> {
    const name = job.id;
    const data = jobData(job);
    const modelId = modelOfOperation(name) ?? data.model ?? this.config.model;
    const model = isModelId(modelId) ? MODELS[modelId] : MODELS[this.config.model];
    const handle = new OperationClass();
    handle.name = name;
    let retryAfter: number | undefined;
    const fetchFn = signalFetch(ctx.signal, (r) => {
      if (!r.ok) retryAfter = retryAfterMs(r.headers);
    });
    let op: GenerateVideosOperation;
    try {
      op = await this.genai().operations.getVideosOperation({ operation: handle, config: { httpOptions: { fetch: fetchFn } } });
    } catch (raw) {
      const error = fromThrown(raw, { ...this.scope(`polling operation ${name}`, model.id, name), retryAfterMs: retryAfter }, cancelledBy(ctx.signal));
      // The operation is gone (404): the job ended without a clip; a retry submits a new one.
      if (error.code === 'GENERATION_FAILED' && error.retryable) return { state: 'failed', error };
      throw error;
    }
    if (!op.done) {
      const seconds = data.submittedAt ? Math.max(0, (Date.now() - data.submittedAt) / 1000) : 0;
      return {
        state: 'pending',
        progress: { fraction: Math.min(0.95, 0.05 + 0.9 * (1 - Math.exp(-seconds / 90))), message: `RUNNING ${Math.round(seconds)} s` },
      };
    }
    const warnings: BackendWarning[] = data.referencesLeftOut ? [{ type: 'unsupported', field: 'references', message: data.referencesLeftOut }] : [];
    let videos: Array<{ uri?: string; videoBytes?: string }>;
    try {
      videos = this.outcome(op, model, name, warnings);
    } catch (error) {
      return { state: 'failed', error: error as TtvError };
    }
    const durationSec = data.durationSec ?? this.config.durationSeconds ?? Math.max(...model.durations);
    const costUsd = Number((durationSec * (data.usdPerSecond ?? this.rate(model)) * videos.length).toFixed(6));
    const video = videos[0]!;
    this.log(ctx, `operation ${name} done: ${videos.length} video(s), $${costUsd}`);
    if (video.videoBytes)
      return { state: 'succeeded', costUsd, warnings, output: continuation({ data: Buffer.from(video.videoBytes, 'base64') }, data.extension) };
    const uri = video.uri!;
    const gs = parseGsUri(uri);
    if (!gs) {
      const error = new TtvError('GENERATION_FAILED', `Veo returned a video URI ttv cannot fetch on Vertex AI: ${uri}`, {
        chargedUsd: costUsd,
        details: { operation: name },
      });
      return { state: 'failed', error };
    }
    this.outputs.set(
      name,
      videos.flatMap((v) => (v.uri ? [v.uri] : [])),
    );
    // A done operation whose object is missing (bucket rules, permissions) never downloads: it failed (and is billed).
    if (await this.missingObject(gs, uri, ctx)) {
      const message = `Veo operation ${name} finished, but its output ${uri} does not exist`;
      const fix = 'the Vertex AI service agent must be able to write to the outputGcsUri bucket, and no lifecycle rule may delete new objects';
      return { state: 'failed', error: new TtvError('GENERATION_FAILED', message, { fix, chargedUsd: costUsd, details: { operation: name } }) };
    }
    const output: JobOutput = { write: (target, wctx) => this.download(gs, uri, target, model, name, wctx) };
    return { state: 'succeeded', costUsd, warnings, output: continuation(output, data.extension) };
  }

  /** Called by core once the job has ended (clip on disk, or failed). Never throws. */
  async release(job: JobHandle, ctx: CallContext): Promise<void> {
    const staged = jobData(job).staged;
    for (const uri of Array.isArray(staged) ? staged : []) if (typeof uri === 'string') await this.deleteObject(uri, 'staged input', ctx);
    const outputs = this.outputs.get(job.id) ?? [];
    this.outputs.delete(job.id);
    if (this.config.deleteOutputAfterDownload) for (const uri of outputs) await this.deleteObject(uri, 'output', ctx);
  }

  /**
   * Fits the images to the output size and encodes them (PNG or JPEG), staging large ones to GCS; reference pictures
   * are fitted whole ("contain"); the clip to extend goes inline, or staged when it is large.
   */
  private async prepareInputs(request: GenerateRequest, model: VeoModel, withReferences: boolean, ctx: CallContext): Promise<PreparedInputs> {
    const out: PreparedInputs = { staged: [] };
    try {
      if (request.firstFrame) out.image = await this.prepareImage(request.firstFrame, 'first frame', request, out.staged, ctx);
      if (request.lastFrame && model.lastFrame) out.lastFrame = await this.prepareImage(request.lastFrame, 'last frame', request, out.staged, ctx);
      if (request.inputVideo) out.video = await this.prepareVideo(request.inputVideo, out.staged, ctx);
      const references = withReferences ? (request.references ?? []) : [];
      if (references.length > 0) out.referenceImages = [];
      for (const [i, r] of references.entries()) {
        const image = await this.prepareImage(r.path, `reference ${i}`, request, out.staged, ctx, 'contain');
        // ttv's characters and places are Veo asset images; a style picture would be a style image.
        out.referenceImages!.push({ image, referenceType: r.role === 'style' ? VideoGenerationReferenceType.STYLE : VideoGenerationReferenceType.ASSET });
      }
      return out;
    } catch (error) {
      for (const uri of out.staged) await this.deleteObject(uri, 'staged input', ctx);
      throw error;
    }
  }

  private async prepareImage(
    path: string,
    role: string,
    request: GenerateRequest,
    staged: string[],
    ctx: CallContext,
    fit: VeoConfig['fit'] = this.config.fit,
  ): Promise<Image> {
    const opts = { width: request.width, height: request.height, fit, signal: ctx.signal };
    const base = join(ctx.workDir, `veo-${role.replace(/\W+/g, '-')}`);
    let file = `${base}.${this.config.imageFormat === 'jpeg' ? 'jpg' : 'png'}`;
    let fitted = await fitImage(path, file, { ...opts, format: this.config.imageFormat });
    if (fitted.bytes > this.config.inlineImageMaxBytes) {
      if (this.config.stagingGcsUri) {
        const uri = await this.stage(file, fitted.mimeType, role, ctx);
        staged.push(uri);
        return { gcsUri: uri, mimeType: fitted.mimeType };
      }
      file = `${base}.jpg`;
      fitted = await fitImage(path, file, { ...opts, format: 'jpeg', maxBytes: this.config.inlineImageMaxBytes });
      this.log(ctx, `${role} re-encoded as a ${fitted.bytes}-byte JPEG to stay under inlineImageMaxBytes`);
    }
    // The MIME type is the one of the bytes written (fitImage reports it), never assumed.
    return { imageBytes: (await readFile(file)).toString('base64'), mimeType: fitted.mimeType };
  }

  /** The clip to extend: inline up to inlineVideoMaxBytes, else staged (validate made sure there is a staging bucket). */
  private async prepareVideo(path: string, staged: string[], ctx: CallContext): Promise<Video> {
    const bytes = await readFile(path);
    if (bytes.length <= this.config.inlineVideoMaxBytes) return { videoBytes: bytes.toString('base64'), mimeType: 'video/mp4' };
    const uri = await this.stage(path, 'video/mp4', 'clip to extend', ctx);
    staged.push(uri);
    return { uri, mimeType: 'video/mp4' };
  }

  private async stage(file: string, mimeType: string, role: string, ctx: CallContext): Promise<string> {
    const prefix = this.config.stagingGcsUri!.endsWith('/') ? this.config.stagingGcsUri! : `${this.config.stagingGcsUri!}/`;
    const extension = { 'image/jpeg': '.jpg', 'video/mp4': '.mp4' }[mimeType] ?? '.png';
    const uri = `${prefix}ttv-${randomUUID()}-${role.replace(/\W+/g, '-')}${extension}`;
    const { bucket, name } = parseGsUri(uri)!;
    try {
      await this.storage()
        .bucket(bucket)
        .file(name)
        .save(await readFile(file), { resumable: false, contentType: mimeType, timeout: this.config.timeouts.requestMs });
    } catch (error) {
      throw fromStorage(error, { ...this.scope(`staging the ${role} to`, this.config.model), uri }, cancelledBy(ctx.signal));
    }
    this.log(ctx, `staged ${role} (${(await stat(file)).size} bytes) to ${uri}`);
    return uri;
  }

  private async submitOperation(ai: GoogleGenAI, request: GenerateRequest, model: VeoModel, inputs: PreparedInputs, ctx: CallContext): Promise<string> {
    const format = veoFormatOf(request.width, request.height)!;
    const c = this.config;
    let retryAfter: number | undefined;
    const fetchFn = signalFetch(ctx.signal, (r) => {
      if (!r.ok) retryAfter = retryAfterMs(r.headers);
    });
    const seed = request.seed ?? c.seed;
    const negativePrompt = request.negativePrompt ?? c.negativePrompt;
    const config: GenerateVideosConfig = {
      numberOfVideos: 1,
      // An extension's length is Veo's (7 s; sources disagree on the value to send): sent without durationSeconds.
      ...(inputs.video ? {} : { durationSeconds: request.durationSec }),
      aspectRatio: format.aspectRatio,
      resolution: format.resolution,
      abortSignal: ctx.signal,
      httpOptions: { fetch: fetchFn },
      ...(model.audio ? { generateAudio: this.audio(model, request) } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(negativePrompt ? { negativePrompt } : {}),
      ...(c.personGeneration ? { personGeneration: c.personGeneration } : {}),
      ...(c.enhancePrompt !== undefined ? { enhancePrompt: c.enhancePrompt } : {}),
      ...(c.outputGcsUri ? { outputGcsUri: c.outputGcsUri } : {}),
      ...(c.labels ? { labels: c.labels } : {}),
      ...(inputs.lastFrame ? { lastFrame: inputs.lastFrame } : {}),
      ...(inputs.referenceImages ? { referenceImages: inputs.referenceImages } : {}),
    };
    const source: GenerateVideosSource = {
      ...(request.prompt.trim() ? { prompt: request.prompt } : {}),
      ...(inputs.image ? { image: inputs.image } : {}),
      ...(inputs.video ? { video: inputs.video } : {}),
    };
    let op: GenerateVideosOperation;
    try {
      op = await ai.models.generateVideos({ model: model.id, source, config });
    } catch (error) {
      throw fromThrown(error, { ...this.scope('submitting', model.id), retryAfterMs: retryAfter }, cancelledBy(ctx.signal));
    }
    if (!op.name) throw new TtvError('GENERATION_FAILED', `Veo accepted the request for ${model.id} but returned no operation name`, { retryable: true });
    this.log(ctx, `submitted ${model.id} ${format.aspectRatio} ${format.resolution} ${describeInputs(request, inputs)}: operation ${op.name}`);
    return op.name;
  }

  /** Checks a finished operation in the documented order: op.error, RAI filtering, then that a video exists. */
  private outcome(op: GenerateVideosOperation, model: VeoModel, name: string, warnings: BackendWarning[]): Array<{ uri?: string; videoBytes?: string }> {
    const scope = this.scope(`operation ${name}`, model.id, name);
    if (op.error) throw fromOperationError(op.error, scope);
    const response = op.response;
    const filtered = response?.raiMediaFilteredCount ?? 0;
    const reasons = response?.raiMediaFilteredReasons ?? [];
    const videos = (response?.generatedVideos ?? []).map((g) => g.video).filter((v): v is NonNullable<typeof v> => Boolean(v?.videoBytes || v?.uri));
    if (videos.length === 0) {
      if (filtered > 0) {
        throw moderation(`${filtered} video(s) removed by the safety filter${reasons.length ? `: ${reasons.join('; ')}` : ''}`, reasons, scope);
      }
      throw new TtvError('GENERATION_FAILED', `Veo operation ${name} finished without a video (and without an error)`, {
        retryable: true,
        details: { operation: name },
      });
    }
    if (filtered > 0) warnings.push({ type: 'other', message: `Veo filtered ${filtered} sample(s) for safety: ${reasons.join('; ')}` });
    return videos.map((v) => ({ ...(v.uri ? { uri: v.uri } : {}), ...(v.videoBytes ? { videoBytes: v.videoBytes } : {}) }));
  }

  /**
   * Whether a done operation's gs:// output is missing (false when the check itself failed: the download finds
   * out). A listing, so the object's own routes see only the download.
   */
  private async missingObject(gs: { bucket: string; name: string }, uri: string, ctx: CallContext): Promise<boolean> {
    try {
      const [files] = await this.storage().bucket(gs.bucket).getFiles({ prefix: gs.name, maxResults: 1, autoPaginate: false });
      return files[0]?.name !== gs.name;
    } catch (error) {
      this.log(ctx, `could not check ${uri}: ${(error as Error).message}`);
      return false;
    }
  }

  /** Streams the gs:// output to `target` (core renames it into place after a probe, and retries transient failures). */
  private async download(gs: { bucket: string; name: string }, uri: string, target: string, model: VeoModel, name: string, ctx: CallContext): Promise<void> {
    try {
      await pipeline(this.storage().bucket(gs.bucket).file(gs.name).createReadStream(), createWriteStream(target), { signal: ctx.signal });
    } catch (raw) {
      throw fromStorage(raw, { ...this.scope('downloading', model.id, name), uri }, cancelledBy(ctx.signal));
    }
    this.log(ctx, `downloaded ${uri}`);
  }

  private async deleteObject(uri: string, what: string, ctx: CallContext): Promise<void> {
    const gs = parseGsUri(uri);
    if (!gs) return;
    try {
      await this.storage().bucket(gs.bucket).file(gs.name).delete({ ignoreNotFound: true });
      this.log(ctx, `deleted ${what} ${uri}`);
    } catch (error) {
      this.log(ctx, `could not delete ${what} ${uri}: ${(error as Error).message}`);
    }
  }

  // ---- doctor --------------------------------------------------------------------------------------------

  async doctor(): Promise<DoctorCheck[]> {
    return [...(await this.authChecks()), ...(await this.bucketChecks()), ffprobeCheck()];
  }

  /** Express mode: the API key. Vertex modes: the project, the key file, and a token from the credentials. */
  private async authChecks(): Promise<DoctorCheck[]> {
    const a = this.auth;
    const endpoint = vertexBaseUrl(this.config, a);
    if (a.mode === 'express') {
      return [
        {
          name: 'auth',
          ok: Boolean(a.apiKey),
          detail: a.apiKey ? `Vertex AI express mode, API key set (${a.apiKey.length} characters), endpoint ${endpoint}` : 'express mode without an API key',
          ...(a.apiKey ? {} : { fix: 'set GOOGLE_API_KEY (a Vertex AI API key), or veo3.project with ADC' }),
        },
      ];
    }
    const checks: DoctorCheck[] = [];
    let project: string | undefined;
    try {
      project = requireProject(a);
    } catch (error) {
      checks.push({ name: 'project', ok: false, detail: (error as TtvError).message, fix: (error as TtvError).fix ?? 'set veo3.project' });
    }
    if (project) checks.push({ name: 'project', ok: true, detail: `${project} in ${a.location} (${a.mode}; ${a.sources.join(', ')}), endpoint ${endpoint}` });
    if (a.mode === 'service-account' && a.keyFile) {
      const k = inspectKeyFile(a.keyFile);
      checks.push(
        k.ok
          ? { name: 'key file', ok: true, detail: `${a.keyFile}: ${k.clientEmail}` }
          : { name: 'key file', ok: false, detail: k.problem, fix: 'download a JSON key for a service account with roles/aiplatform.user, or use ADC' },
      );
    }
    if (project && !this.deps.authClient && a.mode !== 'access-token') checks.push(await this.credentialsCheck());
    return checks;
  }

  /** Asks the credentials genai uses (ADC or the key file) for an access token directly, within 20 s. */
  private async credentialsCheck(): Promise<DoctorCheck> {
    const a = this.auth;
    try {
      const auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], ...(a.mode === 'service-account' && a.keyFile ? { keyFilename: a.keyFile } : {}) });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          auth.getAccessToken(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('no token within 20 s')), 20_000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      return {
        name: 'credentials',
        ok: true,
        detail: `obtained an access token (${a.mode === 'service-account' ? 'key file' : 'Application Default Credentials'})`,
      };
    } catch (error) {
      return {
        name: 'credentials',
        ok: false,
        detail: scrub((error as Error).message, this.secrets),
        fix: a.mode === 'service-account' ? 'check veo3.keyFile' : 'run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS',
      };
    }
  }

  /** The configured output and staging buckets exist and are reachable. */
  private async bucketChecks(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    const { location } = this.auth;
    for (const [field, uri] of [
      ['outputGcsUri', this.config.outputGcsUri],
      ['stagingGcsUri', this.config.stagingGcsUri],
    ] as const) {
      if (!uri) continue;
      const gs = parseGsUri(uri.endsWith('/') ? `${uri}x` : `${uri}/x`)!;
      try {
        const [exists] = await this.storage().bucket(gs.bucket).exists();
        checks.push({
          name: `${field}`,
          ok: exists,
          detail: exists ? `bucket ${gs.bucket} is reachable` : `bucket ${gs.bucket} does not exist`,
          ...(exists ? {} : { fix: `create it in ${location}: gcloud storage buckets create gs://${gs.bucket} --location ${location}` }),
        });
      } catch (error) {
        checks.push({
          name: `${field}`,
          ok: false,
          detail: scrub((error as Error).message, this.secrets),
          fix: 'grant storage access on the bucket to the identity ttv runs as',
        });
      }
    }
    return checks;
  }
}

/** What a submission sends, for its log line (no bytes, no URIs). */
function describeInputs(request: GenerateRequest, inputs: PreparedInputs): string {
  const image = (what: string, i: Image | Video) =>
    ` + ${what} ${i.mimeType}${'gcsUri' in i && i.gcsUri ? ' (gcs)' : ''}${'uri' in i && i.uri ? ' (gcs)' : ''}`;
  const parts = [
    inputs.video ? `extension of ${EXTENSION_SECONDS} s (keeping ${request.durationSec} s)` : `${request.durationSec} s`,
    inputs.image ? image('image', inputs.image) : '',
    inputs.lastFrame ? image('lastFrame', inputs.lastFrame) : '',
    inputs.video ? image('video', inputs.video) : '',
    inputs.referenceImages ? ` + ${inputs.referenceImages.length} reference image(s) (${inputs.referenceImages.map((r) => r.referenceType).join(', ')})` : '',
  ];
  return `${parts.join('')}${inputs.image || inputs.video ? '' : ' text-only'}`;
}

/** Seconds a request bills: the 7 s of an extension, else its duration. */
function billedSeconds(request: GenerateRequest): number {
  return request.inputVideo ? EXTENSION_SECONDS : request.durationSec;
}

/** An extension's output, turned into the continuation as it is written (raw in the call's work dir, then cut). */
function continuation(output: JobOutput, plan: ExtensionPlan | undefined): JobOutput {
  if (!plan) return output;
  return {
    write: async (target, ctx) => {
      const raw = join(ctx.workDir, `veo-extension-${randomUUID()}.mp4`);
      if ('data' in output) await writeFile(raw, output.data);
      else if ('write' in output) await output.write(raw, ctx);
      await writeContinuation(raw, target, plan, { signal: ctx.signal, timeoutMs: 5 * 60_000 });
    },
  };
}

/** ffprobe is found (it verifies every downloaded clip). */
function ffprobeCheck(): DoctorCheck {
  try {
    const bins = resolveFfmpeg();
    return { name: 'ffprobe', ok: true, detail: `${bins.ffprobe} (verifies every downloaded clip)` };
  } catch (error) {
    return { name: 'ffprobe', ok: false, detail: (error as Error).message, fix: 'reinstall dependencies (pnpm install) or set FFPROBE_PATH' };
  }
}

/** Checks one input image: present, readable, and a format ffmpeg decodes here (local only). */
async function checkImage(path: string, field: 'firstFrame' | 'lastFrame' | 'references'): Promise<void> {
  try {
    await probeImage(path);
  } catch (error) {
    const reason = TtvError.is(error) ? error.message.replace(`${path}: `, '') : String(error);
    throw invalidInput(`${field} ${path}: ${reason}`, field, path, 'point it at an existing PNG or JPEG file', error);
  }
}
