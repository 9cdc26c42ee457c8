/**
 * Google Veo on Vertex AI through @google/genai.
 *
 *   validate      → model table (duration, ratio × resolution, last frame, audio, prompt), input files; no network
 *   estimateCost  → duration × USD/s (with or without audio), offline
 *   generate      → fit images (cover|contain, PNG or JPEG with the matching MIME type; large ones staged to GCS)
 *                   → submit (predictLongRunning) → ctx.onJob(operation name) → own poll loop over
 *                   getVideosOperation (backoff, jitter, overall timeout, AbortSignal on every call)
 *                   → op.error / RAI filtering / no video → mapped errors
 *                   → inline bytes or gs:// download (retried, optionally deleted) → ffprobe → atomic rename
 *   resume        → ctx.resumeJob.id is the operation name: poll it, never submit again
 *
 * Cancelling: Veo operations cannot be cancelled through the SDK path (no cancel method for predictLongRunning
 * operations). An abort stops waiting at once (CANCELLED, no file written); the operation itself runs on at
 * Google and is billed.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type GenerateVideosConfig,
  type GenerateVideosOperation,
  type GenerateVideosSource,
  type GoogleGenAI,
  type Image,
  GenerateVideosOperation as OperationClass,
} from '@google/genai';
import type { Storage } from '@google-cloud/storage';
import {
  type BackendInfo,
  type BackendWarning,
  type CostEstimate,
  clipResult,
  type DoctorCheck,
  fitImage,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type LocalVideoBackend,
  type ModelCapabilities,
  probeImage,
  probeVideo,
  produceAtomic,
  registerSecret,
  resolveFfmpeg,
  TtvError,
  throwIfAborted,
  type VideoProbe,
  withJitter,
} from '@ttv/core';
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
import type { VeoConfig } from './config.js';
import { type ErrorScope, fromOperationError, fromStorage, fromThrown, moderation, scrub } from './errors.js';
import { capabilitiesOf, isModelId, MAX_PROMPT_LENGTH, MODELS, type VeoModel, veoFormatOf } from './models.js';

export const BACKEND_NAME = 'veo3';
export const DISPLAY_NAME = 'Google Veo (Vertex AI)';

export interface VeoDependencies {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Directory of the config file (relative keyFile paths). */
  configDir?: string;
  /** Waits between polls (injectable for tests). Must reject when the signal fires. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Random source for jitter (0..1). */
  random?: () => number;
  now?: () => number;
  /** An auth client for the Vertex modes (e.g. an OAuth2Client holding a token), instead of ADC / key file. */
  authClient?: AuthClient;
}

/** What ttv persists with the operation name (JSON, no secrets). */
export interface VeoJobData {
  model: string;
  /** gs:// objects staged for this job, deleted when it ends. */
  staged: string[];
  submittedAt: number;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/** A fetch that also aborts with `signal` (genai's poll call drops its config.abortSignal on Vertex) and notes Retry-After. */
function signalFetch(signal: AbortSignal, onResponse: (response: Response) => void): typeof fetch {
  return async (input, init) => {
    const signals = [signal, init?.signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
    const response = await fetch(input, { ...init, signal: signals.length > 1 ? AbortSignal.any(signals) : (signals[0] ?? null) });
    onResponse(response);
    return response;
  };
}

function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function invalid(message: string, field: string, value: unknown, fix: string, cause?: unknown): TtvError {
  return new TtvError('INPUT_INVALID', message, { field, value, fix, ...(cause === undefined ? {} : { cause }) });
}

/** The model named in an operation name `…/models/MODEL/operations/ID`. */
export function modelOfOperation(name: string): string | undefined {
  return /\/models\/([^/]+)\/operations\/[^/]+$/.exec(name)?.[1];
}

export class VeoBackend implements LocalVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly name = BACKEND_NAME;
  readonly displayName = DISPLAY_NAME;
  readonly kind = 'remote' as const;
  readonly models: ModelCapabilities[];
  readonly defaultModel: string;
  readonly auth: ResolvedAuth;
  private readonly secrets: string[];
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private genaiClient?: GoogleGenAI;
  private storageClient?: Storage;

  constructor(
    readonly config: VeoConfig,
    private readonly deps: VeoDependencies = {},
  ) {
    const info = backendInfo(config);
    this.models = info.models;
    this.defaultModel = info.defaultModel;
    this.auth = resolveAuth(config, deps.env ?? process.env, deps.configDir ?? process.cwd());
    this.secrets = authSecrets(this.auth);
    for (const s of this.secrets) registerSecret(s);
    this.sleep = deps.sleep ?? defaultSleep;
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
  }

  private log(line: string): void {
    this.deps.log?.(scrub(line, this.secrets));
  }

  /** USD per second for a model (the config's price override applies to the configured model). */
  rate(model: VeoModel): number {
    const audio = this.config.generateAudio && model.audio;
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
      throw invalid(`veo3 has no model "${request.model}"`, 'model', request.model, `set veo3.model to one of ${Object.keys(MODELS).join(', ')}`);
    }
    const model = MODELS[request.model];
    const c = this.config;
    if (!model.durations.includes(request.durationSec) || (c.durationSeconds !== undefined && c.durationSeconds !== request.durationSec)) {
      const allowed = c.durationSeconds !== undefined && model.durations.includes(c.durationSeconds) ? [c.durationSeconds] : model.durations;
      throw invalid(
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
      throw invalid(
        `${model.id} cannot make ${request.width}x${request.height}: ${why}`,
        'resolution',
        `${request.width}x${request.height}`,
        `use one of ${sizes.join(', ')}`,
      );
    }
    if (c.generateAudio && !model.audio) {
      throw invalid(`${model.id} has no audio track`, 'generateAudio', true, 'set veo3.generateAudio: false, or use a Veo 3 / 3.1 model');
    }
    if (request.prompt.length > MAX_PROMPT_LENGTH) {
      throw invalid(
        `prompt is ${request.prompt.length} characters, over ${MAX_PROMPT_LENGTH}`,
        'prompt',
        `${request.prompt.slice(0, 40)}…`,
        'shorten the prompt',
      );
    }
    if (!request.prompt.trim() && !request.firstFrame) {
      throw invalid('Veo needs a prompt or a first frame, and the request has neither', 'prompt', request.prompt, 'give the segment a prompt');
    }
    if (request.seed !== undefined && (!Number.isInteger(request.seed) || request.seed < 0 || request.seed > 4_294_967_295)) {
      throw invalid(`seed ${request.seed} is outside 0–4294967295`, 'seed', request.seed, 'use an integer seed from 0 to 4294967295');
    }
    if (request.lastFrame !== undefined) {
      if (!model.lastFrame) {
        throw invalid(
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
        throw invalid(
          'a last frame needs a first frame',
          'firstFrame',
          undefined,
          'give the segment a first frame (storyboard.image or the previous keyframe)',
        );
    }
    if (request.firstFrame !== undefined) await checkImage(request.firstFrame, 'firstFrame');
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame');
  }

  estimateCost(request: GenerateRequest): CostEstimate {
    const model = isModelId(request.model) ? MODELS[request.model] : MODELS[this.config.model];
    const rate = this.rate(model);
    const audio = this.config.generateAudio && model.audio;
    return {
      usd: Number((request.durationSec * rate).toFixed(6)),
      basis: `${request.durationSec} s × $${rate}/s (${model.id}, ${audio ? 'with' : 'no'} audio) × 1 video`,
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

  // ---- generate ------------------------------------------------------------------------------------------

  async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
    throwIfAborted(ctx.signal);
    await this.validate(request);
    const model = MODELS[request.model as keyof typeof MODELS];
    const ai = this.genai();
    const warnings: BackendWarning[] = [];
    let staged: string[] = [];
    let operationName: string;
    ctx.onProgress({ fraction: 0, message: ctx.resumeJob ? 'RESUMING' : 'PREPARING' });

    try {
      if (ctx.resumeJob) {
        operationName = ctx.resumeJob.id;
        const data = (ctx.resumeJob.data ?? {}) as Partial<VeoJobData>;
        staged = Array.isArray(data.staged) ? data.staged.filter((s): s is string => typeof s === 'string') : [];
        const opModel = modelOfOperation(operationName);
        if (opModel && opModel !== model.id) {
          throw new TtvError('INPUT_INVALID', `the operation to resume (${operationName}) belongs to ${opModel}, not ${model.id}`, {
            field: 'resumeJob',
            value: operationName,
            fix: 'delete the run folder (or this segment) to start afresh',
          });
        }
        this.log(`re-attaching to operation ${operationName}`);
      } else {
        const prepared = await this.prepareInputs(request, model, ctx);
        staged = prepared.staged;
        operationName = await this.submitOperation(ai, request, model, prepared, ctx);
        const job: VeoJobData = { model: model.id, staged, submittedAt: this.now() };
        await ctx.onJob?.({ id: operationName, data: { ...job } });
      }

      const op = await this.waitFor(ai, operationName, model, ctx);
      const videos = this.outcome(op, model, operationName, warnings);
      ctx.onProgress({ fraction: 0.97, message: 'DOWNLOADING' });
      const video = videos[0]!;
      const costUsd = Number((request.durationSec * this.rate(model) * videos.length).toFixed(6));
      const probe = await produceAtomic(request.outputPath, (tmp) => this.download(video, tmp, model, operationName, ctx)).catch((raw: unknown) => {
        // The operation succeeded and is billed: when the download failed for a passing reason (or was cancelled),
        // the engine keeps the operation name and the next attempt or run re-attaches and downloads again.
        const e = fromThrown(raw, this.scope('downloading', model.id, operationName), ctx.signal);
        if (!e.retryable && e.code !== 'CANCELLED') throw e;
        throw new TtvError(e.code, e.message, {
          retryable: e.retryable,
          chargedUsd: costUsd,
          jobReusable: true,
          ...(e.fix ? { fix: e.fix } : {}),
          ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
          details: { ...(e.details ?? {}), operation: operationName },
          cause: e,
        });
      });
      this.verify(probe, request, warnings);
      if (video.uri && this.config.deleteOutputAfterDownload) await this.deleteObject(video.uri, 'output');
      ctx.onProgress({ fraction: 1, message: 'DONE' });
      return clipResult(request.outputPath, probe, { costUsd, warnings, jobId: operationName });
    } catch (error) {
      throw fromThrown(error, this.scope('generate', model.id), ctx.signal);
    } finally {
      // Staged inputs are only needed while the operation runs.
      for (const uri of staged) await this.deleteObject(uri, 'staged input');
    }
  }

  /** Fits the images to the output size and encodes them (PNG or JPEG), staging large ones to GCS. */
  private async prepareInputs(
    request: GenerateRequest,
    model: VeoModel,
    ctx: GenerateContext,
  ): Promise<{ image?: Image; lastFrame?: Image; staged: string[] }> {
    const staged: string[] = [];
    const prepare = async (path: string, role: 'first' | 'last'): Promise<Image> => {
      const opts = { width: request.width, height: request.height, fit: this.config.fit, signal: ctx.signal };
      let file = join(ctx.workDir, `veo-${role}.${this.config.imageFormat === 'jpeg' ? 'jpg' : 'png'}`);
      let fitted = await fitImage(path, file, { ...opts, format: this.config.imageFormat });
      if (fitted.bytes > this.config.inlineImageMaxBytes) {
        if (this.config.stagingGcsUri) {
          const uri = await this.stage(file, fitted.mimeType, role, ctx);
          staged.push(uri);
          return { gcsUri: uri, mimeType: fitted.mimeType };
        }
        file = join(ctx.workDir, `veo-${role}.jpg`);
        fitted = await fitImage(path, file, { ...opts, format: 'jpeg', maxBytes: this.config.inlineImageMaxBytes });
        this.log(`${role} frame re-encoded as a ${fitted.bytes}-byte JPEG to stay under inlineImageMaxBytes`);
      }
      // The MIME type is the one of the bytes written (fitImage reports it), never assumed.
      return { imageBytes: (await readFile(file)).toString('base64'), mimeType: fitted.mimeType };
    };
    try {
      const out: { image?: Image; lastFrame?: Image; staged: string[] } = { staged };
      if (request.firstFrame) out.image = await prepare(request.firstFrame, 'first');
      if (request.lastFrame && model.lastFrame) out.lastFrame = await prepare(request.lastFrame, 'last');
      return out;
    } catch (error) {
      for (const uri of staged) await this.deleteObject(uri, 'staged input');
      throw error;
    }
  }

  private async stage(file: string, mimeType: string, role: string, ctx: GenerateContext): Promise<string> {
    const prefix = this.config.stagingGcsUri!.endsWith('/') ? this.config.stagingGcsUri! : `${this.config.stagingGcsUri!}/`;
    const uri = `${prefix}ttv-${randomUUID()}-${role}${mimeType === 'image/jpeg' ? '.jpg' : '.png'}`;
    const { bucket, name } = parseGsUri(uri)!;
    try {
      throwIfAborted(ctx.signal);
      await this.storage()
        .bucket(bucket)
        .file(name)
        .save(await readFile(file), { resumable: false, contentType: mimeType, timeout: this.config.timeouts.requestMs });
    } catch (error) {
      throw fromStorage(error, { ...this.scope('staging an input image to', this.config.model), uri }, ctx.signal);
    }
    this.log(`staged ${role} frame (${(await stat(file)).size} bytes) to ${uri}`);
    return uri;
  }

  private async submitOperation(
    ai: GoogleGenAI,
    request: GenerateRequest,
    model: VeoModel,
    inputs: { image?: Image; lastFrame?: Image },
    ctx: GenerateContext,
  ): Promise<string> {
    const format = veoFormatOf(request.width, request.height)!;
    const c = this.config;
    let retryAfter: number | undefined;
    const fetchFn = signalFetch(ctx.signal, (r) => {
      if (!r.ok) retryAfter = retryAfterMs(r);
    });
    const seed = request.seed ?? c.seed;
    const negativePrompt = request.negativePrompt ?? c.negativePrompt;
    const config: GenerateVideosConfig = {
      numberOfVideos: 1,
      durationSeconds: request.durationSec,
      aspectRatio: format.aspectRatio,
      resolution: format.resolution,
      abortSignal: ctx.signal,
      httpOptions: { fetch: fetchFn },
      ...(model.audio ? { generateAudio: c.generateAudio } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(negativePrompt ? { negativePrompt } : {}),
      ...(c.personGeneration ? { personGeneration: c.personGeneration } : {}),
      ...(c.enhancePrompt !== undefined ? { enhancePrompt: c.enhancePrompt } : {}),
      ...(c.outputGcsUri ? { outputGcsUri: c.outputGcsUri } : {}),
      ...(c.labels ? { labels: c.labels } : {}),
      ...(inputs.lastFrame ? { lastFrame: inputs.lastFrame } : {}),
    };
    const source: GenerateVideosSource = { ...(request.prompt.trim() ? { prompt: request.prompt } : {}), ...(inputs.image ? { image: inputs.image } : {}) };
    ctx.onProgress({ fraction: 0.01, message: 'SUBMITTING' });
    let op: GenerateVideosOperation;
    try {
      op = await ai.models.generateVideos({ model: model.id, source, config });
    } catch (error) {
      throw fromThrown(error, { ...this.scope('submitting', model.id), retryAfterMs: retryAfter }, ctx.signal);
    }
    if (!op.name) throw new TtvError('GENERATION_FAILED', `Veo accepted the request for ${model.id} but returned no operation name`, { retryable: true });
    this.log(
      `submitted ${model.id} ${request.durationSec} s ${format.aspectRatio} ${format.resolution}${inputs.image ? ` image ${inputs.image.mimeType}${inputs.image.gcsUri ? ' (gcs)' : ''}` : ' text-only'}${inputs.lastFrame ? ` + lastFrame ${inputs.lastFrame.mimeType}` : ''}: operation ${op.name}`,
    );
    return op.name;
  }

  /** Polls until done: backoff with jitter, transient errors tolerated up to maxErrors, overall timeout. */
  private async waitFor(ai: GoogleGenAI, name: string, model: VeoModel, ctx: GenerateContext): Promise<GenerateVideosOperation> {
    const { polling, timeouts } = this.config;
    const started = this.now();
    let interval = polling.intervalMs;
    let errors = 0;
    let polls = 0;
    const handle = new OperationClass();
    handle.name = name;
    let op: GenerateVideosOperation = handle;
    while (!op.done) {
      const elapsed = this.now() - started;
      if (elapsed >= timeouts.operationMs) {
        throw new TtvError('TIMEOUT', `Veo operation ${name} did not finish within ${Math.round(timeouts.operationMs / 1000)} s (${polls} polls)`, {
          fix: 'raise veo3.timeouts.operationMs; the operation may still finish at Google (and be billed)',
          details: { operation: name, polls },
        });
      }
      const wait = Math.max(0, Math.min(withJitter(interval, polling.jitter, this.random), timeouts.operationMs - elapsed));
      try {
        await this.sleep(wait, ctx.signal);
      } catch (error) {
        throw fromThrown(error, this.scope(`waiting for operation ${name}`, model.id, name), ctx.signal);
      }
      throwIfAborted(ctx.signal);
      let retryAfter: number | undefined;
      const fetchFn = signalFetch(ctx.signal, (r) => {
        if (!r.ok) retryAfter = retryAfterMs(r);
      });
      try {
        polls++;
        op = await ai.operations.getVideosOperation({ operation: handle, config: { httpOptions: { fetch: fetchFn } } });
        errors = 0;
      } catch (raw) {
        const error = fromThrown(raw, { ...this.scope(`polling operation ${name}`, model.id, name), retryAfterMs: retryAfter }, ctx.signal);
        const transient = ['UNAVAILABLE', 'RATE_LIMITED', 'TIMEOUT'].includes(error.code);
        if (!transient || ++errors >= polling.maxErrors) throw error;
        this.log(`poll ${polls} of ${name} failed (${error.code}, ${errors}/${polling.maxErrors}); retrying`);
        interval = Math.max(interval, error.retryAfterMs ?? 0);
      }
      interval = Math.min(polling.maxIntervalMs, Math.max(interval * polling.backoff, 1));
      if (!op.done) {
        const seconds = (this.now() - started) / 1000;
        ctx.onProgress({ fraction: Math.min(0.95, 0.05 + 0.9 * (1 - Math.exp(-seconds / 90))), message: `RUNNING ${Math.round(seconds)} s` });
      }
    }
    this.log(`operation ${name} done after ${polls} poll(s)`);
    return op;
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

  private async download(video: { uri?: string; videoBytes?: string }, tmp: string, model: VeoModel, name: string, ctx: GenerateContext): Promise<VideoProbe> {
    if (video.videoBytes) {
      await writeFile(tmp, Buffer.from(video.videoBytes, 'base64'));
      return this.probe(tmp, name, ctx, false);
    }
    const uri = video.uri!;
    const gs = parseGsUri(uri);
    if (!gs) throw new TtvError('GENERATION_FAILED', `Veo returned a video URI ttv cannot fetch on Vertex AI: ${uri}`, { details: { operation: name } });
    const attempts = this.config.downloadAttempts;
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(this.config.timeouts.downloadMs)]);
      try {
        await pipeline(this.storage().bucket(gs.bucket).file(gs.name).createReadStream(), createWriteStream(tmp), { signal });
        return await this.probe(tmp, name, ctx, true);
      } catch (raw) {
        const error = fromStorage(raw, { ...this.scope('downloading', model.id, name), uri }, ctx.signal);
        await rm(tmp, { force: true });
        if (!error.retryable || attempt >= attempts) throw error;
        this.log(`download ${attempt}/${attempts} of ${uri} failed (${error.message}); retrying`);
        await this.sleep(Math.min(5000, 250 * 2 ** attempt), ctx.signal);
      }
    }
  }

  private async probe(file: string, name: string, ctx: GenerateContext, retryable: boolean): Promise<VideoProbe> {
    try {
      return await probeVideo(file, { signal: ctx.signal, countFrames: true });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const size = await stat(file).then(
        (s) => s.size,
        () => 0,
      );
      throw new TtvError('UNAVAILABLE', `the video of Veo operation ${name} is not a readable MP4 (${size} bytes): ${(error as Error).message}`, {
        retryable,
        details: { operation: name },
        ...(retryable ? {} : { fix: 'the service returned a broken file; retry the segment' }),
      });
    }
  }

  private verify(probe: VideoProbe, request: GenerateRequest, warnings: BackendWarning[]): void {
    if (Math.abs(probe.durationSec - request.durationSec) > 0.5) {
      warnings.push({ type: 'other', message: `Veo returned ${probe.durationSec.toFixed(2)} s for a ${request.durationSec} s request` });
    }
    if (probe.width !== request.width || probe.height !== request.height) {
      warnings.push({
        type: 'other',
        message: `Veo returned ${probe.width}x${probe.height} for a ${request.width}x${request.height} request (the join scales it)`,
      });
    }
  }

  private async deleteObject(uri: string, what: string): Promise<void> {
    const gs = parseGsUri(uri);
    if (!gs) return;
    try {
      await this.storage().bucket(gs.bucket).file(gs.name).delete({ ignoreNotFound: true });
      this.log(`deleted ${what} ${uri}`);
    } catch (error) {
      this.log(`could not delete ${what} ${uri}: ${(error as Error).message}`);
    }
  }

  // ---- doctor --------------------------------------------------------------------------------------------

  async doctor(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    const a = this.auth;
    const endpoint = vertexBaseUrl(this.config, a);
    if (a.mode === 'express') {
      checks.push({
        name: 'veo3: auth',
        ok: Boolean(a.apiKey),
        detail: a.apiKey ? `Vertex AI express mode, API key set (${a.apiKey.length} characters), endpoint ${endpoint}` : 'express mode without an API key',
        ...(a.apiKey ? {} : { fix: 'set GOOGLE_API_KEY (a Vertex AI API key), or veo3.project with ADC' }),
      });
    } else {
      let project: string | undefined;
      try {
        project = requireProject(a);
      } catch (error) {
        checks.push({ name: 'veo3: project', ok: false, detail: (error as TtvError).message, fix: (error as TtvError).fix ?? 'set veo3.project' });
      }
      if (project)
        checks.push({ name: 'veo3: project', ok: true, detail: `${project} in ${a.location} (${a.mode}; ${a.sources.join(', ')}), endpoint ${endpoint}` });
      if (a.mode === 'service-account' && a.keyFile) {
        const k = inspectKeyFile(a.keyFile);
        checks.push(
          k.ok
            ? { name: 'veo3: key file', ok: true, detail: `${a.keyFile}: ${k.clientEmail}` }
            : { name: 'veo3: key file', ok: false, detail: k.problem, fix: 'download a JSON key for a service account with roles/aiplatform.user, or use ADC' },
        );
      }
      if (project && !this.deps.authClient && a.mode !== 'access-token') {
        try {
          // The same credentials genai uses (ADC or the key file), asked for a token directly.
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
          checks.push({
            name: 'veo3: credentials',
            ok: true,
            detail: `obtained an access token (${a.mode === 'service-account' ? 'key file' : 'Application Default Credentials'})`,
          });
        } catch (error) {
          checks.push({
            name: 'veo3: credentials',
            ok: false,
            detail: scrub((error as Error).message, this.secrets),
            fix: a.mode === 'service-account' ? 'check veo3.keyFile' : 'run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS',
          });
        }
      }
    }
    for (const [field, uri] of [
      ['outputGcsUri', this.config.outputGcsUri],
      ['stagingGcsUri', this.config.stagingGcsUri],
    ] as const) {
      if (!uri) continue;
      const gs = parseGsUri(uri.endsWith('/') ? `${uri}x` : `${uri}/x`)!;
      try {
        const [exists] = await this.storage().bucket(gs.bucket).exists();
        checks.push({
          name: `veo3: ${field}`,
          ok: exists,
          detail: exists ? `bucket ${gs.bucket} is reachable` : `bucket ${gs.bucket} does not exist`,
          ...(exists ? {} : { fix: `create it in ${a.location}: gcloud storage buckets create gs://${gs.bucket} --location ${a.location}` }),
        });
      } catch (error) {
        checks.push({
          name: `veo3: ${field}`,
          ok: false,
          detail: scrub((error as Error).message, this.secrets),
          fix: 'grant storage access on the bucket to the identity ttv runs as',
        });
      }
    }
    try {
      const bins = resolveFfmpeg();
      checks.push({ name: 'veo3: ffprobe', ok: true, detail: `${bins.ffprobe} (verifies every downloaded clip)` });
    } catch (error) {
      checks.push({ name: 'veo3: ffprobe', ok: false, detail: (error as Error).message, fix: 'reinstall dependencies (pnpm install) or set FFPROBE_PATH' });
    }
    return checks;
  }
}

/** Checks one input image: present, readable, and a format ffmpeg decodes here (local only). */
async function checkImage(path: string, field: 'firstFrame' | 'lastFrame'): Promise<void> {
  try {
    await probeImage(path);
  } catch (error) {
    const reason = TtvError.is(error) ? error.message.replace(`${path}: `, '') : String(error);
    throw invalid(`${field} ${path}: ${reason}`, field, path, 'point it at an existing PNG or JPEG file', error);
  }
}

export function backendInfo(config: VeoConfig): BackendInfo {
  const model = MODELS[config.model];
  const override = config.price;
  const audio = config.generateAudio && model.audio;
  const usdPerSecond = audio ? (override?.usdPerSecondWithAudio ?? model.usdPerSecondWithAudio) : (override?.usdPerSecond ?? model.usdPerSecond);
  return {
    name: BACKEND_NAME,
    displayName: DISPLAY_NAME,
    kind: 'remote',
    // Only the configured model: keyframe mode on a model without last frames then fails planning with a clear
    // reason, instead of silently switching to a different (differently priced) model.
    models: [capabilitiesOf(model, { ...config, usdPerSecond })],
    defaultModel: model.id,
  };
}
