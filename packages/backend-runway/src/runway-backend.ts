/**
 * The Runway backend: image-to-video (first frame, or first + last frame on Veo) through `@runwayml/sdk`.
 *
 * Lifecycle of one clip (see /work/shared/reference/runway.md):
 *   validate → fit the images to the ratio, send them inline (or upload) → `imageToVideo.create` with the SDK's
 *   retries off (a POST without an idempotency key must never be replayed: that could start a second billable
 *   task) → `ctx.onJob(task id)` before waiting → our own poll loop over `tasks.retrieve` (backoff + jitter,
 *   THROTTLED polled slowly, progress from `progress`) → on SUCCEEDED stream `output[0]` to a temp file, check
 *   it with ffprobe, rename; an expired URL is refreshed by re-reading the task.
 * An abort (or giving up on a live task) cancels the task through the API exactly once. A resume re-attaches to
 * the task id and never creates a task.
 */
import { setTimeout as delay } from 'node:timers/promises';
import RunwayML from '@runwayml/sdk';
import {
  type BackendInfo,
  type BackendWarning,
  type CostEstimate,
  clipResult,
  type DoctorCheck,
  describeDurations,
  durationAllowed,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type LocalVideoBackend,
  type ModelCapabilities,
  probeImage,
  probeVideo,
  produceAtomic,
  redact,
  registerSecret,
  TtvError,
  throwIfAborted,
  type VideoProbe,
  withJitter,
} from '@ttv/core';
import type { RunwayConfig } from './config.js';
import { DownloadError, downloadTo, safeUrl } from './download.js';
import { mapSdkError, mapTaskFailure } from './errors.js';
import { prepareImage } from './images.js';
import {
  capabilitiesOf,
  creditsFor,
  isModelId,
  MAX_PROMPT_LENGTH,
  MODEL_IDS,
  MODELS,
  type RunwayModel,
  ratioFor,
  ratioResolution,
  USD_PER_CREDIT,
} from './models.js';

export type Task = Awaited<ReturnType<RunwayML['tasks']['retrieve']>>;
export type CreateBody = Parameters<RunwayML['imageToVideo']['create']>[0];

export const DEFAULT_BASE_URL = 'https://api.dev.runwayml.com';
export const ENV_API_KEY = 'RUNWAYML_API_SECRET';
const ENV_BASE_URL = 'RUNWAYML_BASE_URL';
/** Download attempts per clip (expired URLs are refreshed between attempts). */
const DOWNLOAD_ATTEMPTS = 4;
const IMAGE_FORMATS = ['png', 'jpeg', 'webp'];
/** Preference order when the engine picks a model for a mode the configured model lacks: cheapest first. */
const MODEL_ORDER = ['gen4_turbo', 'gen4.5', 'veo3.1_fast', 'veo3.1'] as const;

export interface RunwayBackendOptions {
  /** The key (config or env), resolved by `create`. Missing → AUTH at generate time. */
  apiKey?: string | undefined;
  /** Where the key came from, for messages (`runway.apiKey`, `RUNWAYML_API_SECRET`). */
  apiKeySource?: string;
  /** Base URL (config, else env RUNWAYML_BASE_URL, else the public API). */
  baseUrl?: string;
  log?: (line: string) => void;
  /** Injectable for tests: waits `ms` (rejects when `signal` fires). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Injectable for tests: 0..1. */
  random?: () => number;
  now?: () => number;
  /** fetch used for the SDK and downloads (default global fetch). */
  fetch?: typeof fetch;
}

export function backendInfo(config: RunwayConfig): BackendInfo {
  const models: ModelCapabilities[] = MODEL_ORDER.map((id) =>
    capabilitiesOf(MODELS[id], { ratio: config.ratio, duration: config.duration, audio: config.audio, concurrency: config.concurrency }),
  );
  return { name: 'runway', displayName: 'Runway', kind: 'remote', models, defaultModel: config.model };
}

function invalid(message: string, field: string, value: unknown, fix: string, cause?: unknown): TtvError {
  return new TtvError('INPUT_INVALID', message, { field, value, fix, ...(cause === undefined ? {} : { cause }) });
}

const defaultSleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  await delay(ms, undefined, { signal });
};

function isTerminal(status: Task['status']): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}

function costCredits(task: Task): number | undefined {
  const cost = (task as { cost?: { credits?: unknown } }).cost;
  return typeof cost?.credits === 'number' && Number.isFinite(cost.credits) && cost.credits >= 0 ? cost.credits : undefined;
}

/** State of one generate call after a task exists. */
interface Job {
  id: string;
  /** The last task object seen. */
  task?: Task;
  /** The task reached a terminal state (no cancel needed). */
  terminal: boolean;
  /** A cancel was already sent (exactly one per task). */
  cancelSent: boolean;
}

export class RunwayBackend implements LocalVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly name: string;
  readonly displayName: string;
  readonly kind: BackendInfo['kind'];
  readonly models: ModelCapabilities[];
  readonly defaultModel: string;

  private readonly log: (line: string) => void;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private client?: RunwayML;

  constructor(
    readonly config: RunwayConfig,
    private readonly options: RunwayBackendOptions = {},
  ) {
    const info = backendInfo(config);
    this.name = info.name;
    this.displayName = info.displayName;
    this.kind = info.kind;
    this.models = info.models;
    this.defaultModel = info.defaultModel;
    this.log = options.log ?? (() => {});
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    if (options.apiKey) registerSecret(options.apiKey);
  }

  get baseUrl(): string {
    return this.options.baseUrl ?? DEFAULT_BASE_URL;
  }

  /** The SDK client (created on first use). SDK retries are off: ttv's engine and poll loop decide. */
  sdk(): RunwayML {
    if (this.client) return this.client;
    const apiKey = this.options.apiKey;
    if (!apiKey) {
      throw new TtvError('AUTH', `runway: no API key (runway.apiKey is not set and ${ENV_API_KEY} is empty)`, {
        field: 'runway.apiKey',
        fix: `export ${ENV_API_KEY}=<your key from https://dev.runwayml.com>, or set runway.apiKey: \${${ENV_API_KEY}} in the config`,
      });
    }
    this.client = new RunwayML({
      apiKey,
      baseURL: this.baseUrl,
      maxRetries: 0,
      timeout: this.config.timeouts.requestMs,
      logLevel: 'off',
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    return this.client;
  }

  private reqOpts(signal: AbortSignal): { signal: AbortSignal; timeout: number; maxRetries: 0 } {
    return { signal, timeout: this.config.timeouts.requestMs, maxRetries: 0 };
  }

  private model(id: string): RunwayModel {
    if (!isModelId(id)) {
      throw invalid(`runway has no model "${id}"`, 'model', id, `use one of ${MODEL_IDS.join(', ')}`);
    }
    return MODELS[id];
  }

  // ------------------------------------------------------------------ validate / estimate

  async validate(request: GenerateRequest): Promise<void> {
    const model = this.model(request.model);
    const ratio = ratioFor(model, request.width, request.height);
    if (!ratio) {
      throw invalid(
        `runway ${model.id} does not make ${request.width}x${request.height}`,
        'resolution',
        `${request.width}x${request.height}`,
        `use one of ${model.ratios.map((r) => r.replace(':', 'x')).join(', ')}`,
      );
    }
    if (!durationAllowed(model.durations, request.durationSec)) {
      throw invalid(
        `runway ${model.id} makes ${describeDurations(model.durations)} s clips, not ${request.durationSec} s`,
        'durationSec',
        request.durationSec,
        `choose a segment duration of ${describeDurations(model.durations)} s`,
      );
    }
    if (!request.firstFrame) {
      throw invalid(
        'runway image-to-video needs a first frame: set storyboard.image (PNG or JPEG), or use keyframe mode with keyframes',
        'firstFrame',
        request.firstFrame,
        'set storyboard.image to a PNG or JPEG file',
      );
    }
    if (request.lastFrame !== undefined && !model.lastFrame) {
      const withLast = MODEL_IDS.filter((id) => MODELS[id].lastFrame).join(' or ');
      throw invalid(
        `runway ${model.id} does not take a last frame (first-frame only)`,
        'lastFrame',
        request.lastFrame,
        `use ${withLast} for keyframe mode (runway.model), or chaining mode`,
      );
    }
    if (request.prompt.length > MAX_PROMPT_LENGTH) {
      throw invalid(
        `prompt is ${request.prompt.length} characters; runway accepts at most ${MAX_PROMPT_LENGTH}`,
        'prompt',
        `${request.prompt.slice(0, 40)}…`,
        `shorten the segment prompt to ${MAX_PROMPT_LENGTH} characters`,
      );
    }
    if (model.promptTextRequired && request.prompt.trim() === '') {
      throw invalid(`runway ${model.id} needs a prompt`, 'prompt', request.prompt, 'give the segment a prompt');
    }
    if (request.negativePrompt !== undefined && model.negativePrompt && request.negativePrompt.length > MAX_PROMPT_LENGTH) {
      throw invalid(
        `negativePrompt is ${request.negativePrompt.length} characters; runway accepts at most ${MAX_PROMPT_LENGTH}`,
        'negativePrompt',
        `${request.negativePrompt.slice(0, 40)}…`,
        'shorten it',
      );
    }
    const seed = request.seed ?? this.config.seed;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295)) {
      throw invalid(`runway seeds are integers 0–4294967295, not ${seed}`, 'seed', seed, 'use a smaller seed');
    }
    await this.checkImage(request.firstFrame, 'firstFrame');
    if (request.lastFrame !== undefined) await this.checkImage(request.lastFrame, 'lastFrame');
  }

  private async checkImage(path: string, field: 'firstFrame' | 'lastFrame'): Promise<void> {
    let format: string;
    try {
      ({ format } = await probeImage(path));
    } catch (error) {
      if (TtvError.is(error) && error.code === 'INPUT_INVALID') {
        throw invalid(`${field} ${path}: ${error.message.replace(`${path}: `, '')}`, field, path, 'point it at an existing PNG or JPEG file', error);
      }
      throw error;
    }
    if (!IMAGE_FORMATS.includes(format)) {
      throw invalid(`${field} ${path} is a ${format} image; runway takes PNG, JPEG or WebP`, field, path, 'convert it to PNG or JPEG');
    }
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

  // ------------------------------------------------------------------ generate

  async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
    throwIfAborted(ctx.signal);
    await this.validate(request);
    const client = this.sdk();
    const model = this.model(request.model);
    const ratio = ratioFor(model, request.width, request.height)!;
    const warnings: BackendWarning[] = [];

    let job: Job;
    if (ctx.resumeJob) {
      job = { id: ctx.resumeJob.id, terminal: false, cancelSent: false };
      ctx.log(`runway: resuming task ${job.id}`);
    } else {
      const body = await this.buildBody(request, model, ratio, ctx, warnings);
      throwIfAborted(ctx.signal);
      let id: string;
      try {
        ({ id } = await client.imageToVideo.create(body, this.reqOpts(ctx.signal)));
      } catch (error) {
        throw mapSdkError(error, 'create', ctx.signal);
      }
      job = { id, terminal: false, cancelSent: false };
      ctx.log(
        `runway: task ${id} created (${model.id} ${ratio} ${request.durationSec} s, ~${creditsFor(model, request.durationSec, this.config.audio)} credits)`,
      );
      try {
        await ctx.onJob?.({ id, data: { model: model.id, ratio, durationSec: request.durationSec } });
      } catch (error) {
        // The engine could not record the job: do not leave an unrecorded task running (and charging).
        await this.cancelOnce(client, job, ctx);
        throw error;
      }
    }

    try {
      const done = await this.waitForTask(client, job, ctx);
      return await this.finish(client, job, done, request, model, ctx, warnings);
    } catch (raw) {
      const error = mapSdkError(raw, 'task', ctx.signal);
      if (!job.terminal) await this.cancelOnce(client, job, ctx);
      throw error;
    }
  }

  /** The create body. Never sends a field the model does not take (promptText, audio, negativePrompt, contentModeration). */
  private async buildBody(request: GenerateRequest, model: RunwayModel, ratio: string, ctx: GenerateContext, warnings: BackendWarning[]): Promise<CreateBody> {
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
        upload: (path, filename, mimeType) => this.upload(path, filename, mimeType, ctx.signal),
      });
    const first = await prep(request.firstFrame!, 'first');
    const last = request.lastFrame !== undefined ? await prep(request.lastFrame, 'last') : undefined;
    for (const img of [first, last]) {
      if (img) ctx.log(`runway: ${img === first ? 'first' : 'last'} frame ${img.width}x${img.height} ${img.mimeType} ${img.bytes} bytes (${img.via})`);
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

  private async upload(path: string, filename: string, mimeType: string, signal: AbortSignal): Promise<string> {
    const { readFile } = await import('node:fs/promises');
    const data = await readFile(path);
    try {
      const { uri } = await this.sdk().uploads.createEphemeral({ file: new File([data], filename, { type: mimeType }) }, this.reqOpts(signal));
      return uri;
    } catch (error) {
      throw mapSdkError(error, 'upload', signal);
    }
  }

  private jittered(ms: number): number {
    return withJitter(ms, this.config.polling.jitter, this.random);
  }

  /** Polls until the task is terminal. Transient poll errors are tolerated (the task keeps running meanwhile). */
  private async waitForTask(client: RunwayML, job: Job, ctx: GenerateContext): Promise<Task> {
    const p = this.config.polling;
    const deadline = this.now() + this.config.timeouts.taskMs;
    let wait = p.intervalMs;
    let errors = 0;
    let lastStatus = '';
    // A fresh task is never done at once: wait first. A resumed one may be: look at once.
    let first = ctx.resumeJob !== undefined;
    for (;;) {
      if (!first) {
        try {
          await this.sleep(this.jittered(wait), ctx.signal);
        } catch (error) {
          throw new TtvError('CANCELLED', 'runway: cancelled while waiting for the task', { cause: error });
        }
      }
      first = false;
      throwIfAborted(ctx.signal);
      if (this.now() > deadline) {
        throw new TtvError(
          'TIMEOUT',
          `runway task ${job.id} did not finish within ${Math.round(this.config.timeouts.taskMs / 1000)} s (last status ${lastStatus || 'unknown'}); it was cancelled`,
          {
            fix: 'raise runway.timeouts.taskMs (tasks can queue THROTTLED for a long time at tier 1), or lower concurrency',
            details: { taskId: job.id },
          },
        );
      }
      let task: Task;
      try {
        task = await client.tasks.retrieve(job.id, this.reqOpts(ctx.signal));
      } catch (raw) {
        const error = mapSdkError(raw, 'poll', ctx.signal);
        const status = (error.details as { status?: number } | undefined)?.status;
        if (status === 404) {
          job.terminal = true; // nothing left to cancel
          throw new TtvError('GENERATION_FAILED', `runway task ${job.id} no longer exists (deleted or expired)`, {
            retryable: true,
            fix: 'the task is started again on the next attempt',
            details: { taskId: job.id },
            cause: error,
          });
        }
        if (error.retryable && ++errors < p.maxErrors) {
          ctx.log(`runway: poll of ${job.id} failed (${error.code}, ${errors}/${p.maxErrors}); the task keeps running, polling again`);
          wait = Math.min(Math.max(p.maxIntervalMs, p.intervalMs), Math.max(wait * p.backoff, error.retryAfterMs ?? 0));
          continue;
        }
        throw error;
      }
      errors = 0;
      job.task = task;
      if (task.status !== lastStatus) ctx.log(`runway: task ${job.id} ${task.status}`);
      lastStatus = task.status;
      if (isTerminal(task.status)) {
        job.terminal = true;
        return task;
      }
      if (task.status === 'RUNNING') {
        const progress = (task as { progress?: unknown }).progress;
        ctx.onProgress({
          ...(typeof progress === 'number' && Number.isFinite(progress) ? { fraction: Math.min(1, Math.max(0, progress)) } : {}),
          message: 'RUNNING',
        });
        wait = Math.min(p.maxIntervalMs, wait * p.backoff);
      } else if (task.status === 'THROTTLED') {
        // Queued behind the organization's concurrency limit: not an error, but no point polling fast.
        ctx.onProgress({ fraction: 0, message: 'THROTTLED (queued: the organization is at its concurrency limit)' });
        wait = Math.max(p.intervalMs, p.maxIntervalMs);
      } else {
        ctx.onProgress({ fraction: 0, message: task.status });
        wait = Math.min(p.maxIntervalMs, wait * p.backoff);
      }
    }
  }

  /** Cancels a live task through the API, at most once per task; never throws. */
  private async cancelOnce(client: RunwayML, job: Job, ctx: GenerateContext): Promise<void> {
    if (job.cancelSent || job.terminal) return;
    job.cancelSent = true;
    try {
      // Our own signal may be the reason we cancel: the cancel gets its own short timeout instead.
      await client.tasks.delete(job.id, { timeout: Math.min(this.config.timeouts.requestMs, 30_000), maxRetries: 0 });
      ctx.log(`runway: task ${job.id} cancelled`);
    } catch (error) {
      ctx.log(`runway: could not cancel task ${job.id}: ${mapSdkError(error, 'cancel').message}`);
    }
  }

  private async finish(
    client: RunwayML,
    job: Job,
    task: Task,
    request: GenerateRequest,
    model: RunwayModel,
    ctx: GenerateContext,
    warnings: BackendWarning[],
  ): Promise<GenerateResult> {
    const listCredits = creditsFor(model, request.durationSec, this.config.audio);
    const reported = costCredits(task);
    if (task.status === 'FAILED') {
      throw mapTaskFailure(task, (reported ?? 0) * USD_PER_CREDIT);
    }
    if (task.status === 'CANCELLED') {
      throw new TtvError('CANCELLED', `runway task ${task.id} was cancelled (outside this run)`, {
        ...(reported ? { chargedUsd: reported * USD_PER_CREDIT } : {}),
        details: { taskId: task.id },
      });
    }
    if (task.status !== 'SUCCEEDED') throw new TtvError('INTERNAL', `runway task ${task.id}: unexpected status ${task.status}`);
    const credits = reported ?? listCredits;
    const costUsd = Number((credits * USD_PER_CREDIT).toFixed(4));
    try {
      const probe = await this.download(client, job, task, request, ctx);
      const expected = ratioResolution(ratioFor(model, request.width, request.height)!);
      if (probe.width !== expected.width || probe.height !== expected.height) {
        warnings.push({
          type: 'other',
          field: 'resolution',
          message: `runway returned ${probe.width}x${probe.height} for ratio ${expected.width}:${expected.height}`,
        });
      }
      if (Math.abs(probe.durationSec - request.durationSec) > Math.max(0.5, request.durationSec * 0.1)) {
        warnings.push({ type: 'other', field: 'duration', message: `runway returned ${probe.durationSec.toFixed(2)} s for ${request.durationSec} s` });
      }
      ctx.onProgress({ fraction: 1, message: 'downloaded' });
      return clipResult(request.outputPath, probe, { costUsd, warnings, jobId: task.id });
    } catch (error) {
      const e = TtvError.is(error) ? error : mapSdkError(error, 'download', ctx.signal);
      // The task succeeded and was paid for, whatever happened to the download: the engine keeps the task id and
      // the next attempt (or run) re-attaches to it and downloads again, instead of paying for a new task.
      throw new TtvError(e.code, e.message, {
        retryable: e.retryable,
        chargedUsd: costUsd,
        jobReusable: true,
        ...(e.fix ? { fix: e.fix } : {}),
        ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
        details: { ...(e.details ?? {}), taskId: task.id },
        cause: e,
      });
    }
  }

  /**
   * Streams the output to a temp file beside outputPath, checks it with ffprobe (a video of the model's aspect),
   * then renames it. Expired URLs are refreshed by re-reading the task; truncated or corrupt downloads retried.
   */
  private async download(client: RunwayML, job: Job, task: Task, request: GenerateRequest, ctx: GenerateContext): Promise<VideoProbe> {
    const expected = ratioResolution(ratioFor(this.model(request.model), request.width, request.height)!);
    let url = (task as { output?: string[] }).output?.[0];
    return produceAtomic(request.outputPath, async (tmp) => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
        throwIfAborted(ctx.signal);
        if (!url || attempt > 1) {
          if (attempt > 1)
            await this.sleep(this.jittered(Math.min(5000, 250 * 2 ** attempt)), ctx.signal).catch((e: unknown) => {
              throw new TtvError('CANCELLED', 'runway: cancelled during the download', { cause: e });
            });
          if (!url || (lastError instanceof DownloadError && lastError.kind === 'expired')) {
            let fresh: Task;
            try {
              fresh = await client.tasks.retrieve(job.id, this.reqOpts(ctx.signal));
            } catch (error) {
              throw mapSdkError(error, 'refresh output URL', ctx.signal);
            }
            url = (fresh as { output?: string[] }).output?.[0];
            if (!url) throw new TtvError('GENERATION_FAILED', `runway task ${job.id} SUCCEEDED without an output URL`, { retryable: true });
            ctx.log(`runway: fresh output URL for ${job.id}`);
          }
        }
        try {
          const bytes = await downloadTo(url!, tmp, {
            signal: ctx.signal,
            timeoutMs: this.config.timeouts.downloadMs,
            ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
          });
          let probe: VideoProbe;
          try {
            probe = await probeVideo(tmp, { signal: ctx.signal });
          } catch (error) {
            if (ctx.signal.aborted) throw error;
            throw new DownloadError(`the output of ${job.id} is not a readable video (${bytes} bytes)`, 'transient', { cause: error });
          }
          const want = expected.width / expected.height;
          if (Math.abs(probe.width / probe.height - want) / want > 0.02) {
            throw new TtvError(
              'GENERATION_FAILED',
              `runway task ${job.id} returned ${probe.width}x${probe.height}, not the ${expected.width}:${expected.height} ratio asked for`,
              {
                details: { taskId: job.id },
              },
            );
          }
          ctx.log(
            `runway: downloaded ${bytes} bytes from ${safeUrl(url!)} (${probe.width}x${probe.height}, ${probe.frames} frames, ${probe.durationSec.toFixed(2)} s)`,
          );
          return probe;
        } catch (error) {
          if (error instanceof DownloadError && error.kind === 'cancelled') throw new TtvError('CANCELLED', error.message, { cause: error });
          if (!(error instanceof DownloadError)) throw error;
          lastError = error;
          ctx.log(`runway: ${redact(error.message)} (attempt ${attempt}/${DOWNLOAD_ATTEMPTS})`);
        }
      }
      const e = lastError as DownloadError;
      throw new TtvError('UNAVAILABLE', `runway: could not download the output of task ${job.id}: ${e.message}`, {
        fix: 'check your network; the run can be resumed (the task id is kept)',
        cause: e,
      });
    });
  }

  // ------------------------------------------------------------------ doctor

  async doctor(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    const source = this.options.apiKeySource ?? 'runway.apiKey';
    if (!this.options.apiKey) {
      checks.push({
        name: 'API key',
        ok: false,
        detail: `not set (runway.apiKey and ${ENV_API_KEY} are empty)`,
        fix: `export ${ENV_API_KEY}=<your key from https://dev.runwayml.com>`,
      });
      return checks;
    }
    const looksReal = /^key_[0-9a-f]{128}$/.test(this.options.apiKey);
    checks.push({ name: 'API key', ok: true, detail: `set (from ${source}${looksReal ? '' : '; not in the usual key_ + 128 hex form'})` });
    try {
      const org = await this.sdk().organization.retrieve({ timeout: 15_000, maxRetries: 0 });
      checks.push({ name: 'API', ok: true, detail: `${safeUrl(this.baseUrl)} reachable, key accepted, ${org.creditBalance} credits left` });
    } catch (error) {
      const e = mapSdkError(error, 'organization');
      checks.push({ name: 'API', ok: false, detail: `${safeUrl(this.baseUrl)}: [${e.code}] ${e.message}`, ...(e.fix ? { fix: e.fix } : {}) });
    }
    return checks;
  }
}

/** Resolves the key and the base URL from the config and the environment, and builds the backend. */
export function createRunwayBackend(
  config: RunwayConfig,
  env: NodeJS.ProcessEnv,
  options: Omit<RunwayBackendOptions, 'apiKey' | 'apiKeySource' | 'baseUrl'> = {},
): RunwayBackend {
  const fromEnv = env[ENV_API_KEY]?.trim();
  const apiKey = config.apiKey ?? (fromEnv ? fromEnv : undefined);
  if (apiKey) registerSecret(apiKey);
  const envBase = env[ENV_BASE_URL]?.trim();
  const baseUrl = config.baseUrl ?? (envBase ? envBase : DEFAULT_BASE_URL);
  return new RunwayBackend(config, {
    ...options,
    ...(apiKey ? { apiKey, apiKeySource: config.apiKey ? 'runway.apiKey' : ENV_API_KEY } : {}),
    baseUrl: baseUrl.replace(/\/+$/, ''),
  });
}
