import { copyFile, rm } from 'node:fs/promises';
import {
  type BackendInfo,
  type CallContext,
  defineBackend,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type InputMode,
  type JobHandle,
  type JobStatus,
  type ModelCapabilities,
  type SubmitContext,
  TtvError,
  type TtvErrorCode,
  throwIfAborted,
  type VideoBackend,
} from '@ttv/core';
import { clipResult, produceAtomic, sleep } from '@ttv/core/backend';
import { encodeStill, probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { z } from 'zod';

/** One scripted outcome of a generate call: succeed (after latency) or fail with a code. */
export type ScriptStep =
  | { ok: true; latencyMs?: number; costUsd?: number }
  | {
      ok?: false;
      code: TtvErrorCode;
      message?: string;
      retryAfterMs?: number;
      chargedUsd?: number;
      latencyMs?: number;
      /** The job succeeded but its output was lost (e.g. a failed download): it may be re-attached. */
      jobReusable?: boolean;
    };

export const scriptedConfigSchema = z
  .object({
    name: z.string().default('scripted'),
    kind: z.enum(['embedded', 'local', 'remote']).default('remote'),
    inputs: z.array(z.enum(['text', 'first-frame', 'first-last-frame', 'extend'])).default(['text', 'first-frame', 'first-last-frame']),
    durations: z.array(z.number().positive()).optional(),
    resolutions: z.array(z.object({ width: z.number().int(), height: z.number().int() })).default([{ width: 320, height: 180 }]),
    fps: z.number().positive().default(8),
    maxPromptLength: z.number().int().positive().default(1000),
    concurrency: z.number().int().positive().default(8),
    usdPerSecond: z.number().nonnegative().default(0.1),
    /** Whether the model makes sound, takes a reference audio clip, and how many timed keyframes it takes. */
    audio: z.boolean().optional(),
    referenceAudio: z.boolean().optional(),
    timedKeyframes: z.object({ max: z.number().int().nonnegative() }).optional(),
    /** Reference pictures the model takes (none when absent). */
    references: z.object({ max: z.number().int().nonnegative(), roles: z.array(z.enum(['character', 'place', 'style'])).optional() }).optional(),
    latencyMs: z.number().int().nonnegative().default(0),
    /** When set, every successful call copies this pre-made MP4 instead of rendering one (no ffmpeg). */
    clip: z.string().optional(),
    /** GPUs the backend may be leased (makes it ask the engine for `gpusPerJob` GPUs per call). */
    gpus: z.array(z.number().int().nonnegative()).optional(),
    gpusPerJob: z.number().int().positive().default(1),
    /** Remote (the job protocol: submit/status/cancel, the default) or local (generate; always with `gpus`). */
    submitsJobs: z.boolean().default(true),
  })
  .strict();
export type ScriptedConfig = z.input<typeof scriptedConfigSchema>;

export interface ScriptedCall {
  request: GenerateRequest;
  resumedJob?: string;
  /** The job id this call submitted (absent for re-attached calls). */
  jobId?: string;
  idempotencyKey?: string;
  lease?: { gpus: number[] };
  startedAt: number;
  finishedAt?: number;
  outcome?: 'ok' | TtvErrorCode;
}

/** What the scripted backend records, on top of the backend itself. */
export interface ScriptedRecord {
  /** Every call (a submission, a re-attach to a job, or a local generate), in order. */
  readonly calls: ScriptedCall[];
  /** Number of validate calls. */
  validations: number;
  /** Calls running right now, and the most seen at once. */
  active: number;
  maxActive: number;
  /** Outcomes to play, one per call; when empty, calls succeed. */
  readonly script: ScriptStep[];
  /**
   * What `scriptedPlugin.describe` declares for this config. Not part of the backend (capabilities come from
   * `describe`): for harnesses that wrap the instance in a plugin.
   */
  readonly info: BackendInfo;
}

/** Remote (the job protocol, `submitsJobs`, the default) or local (`generate`), with its record. */
export type ScriptedBackend = VideoBackend & ScriptedRecord;

function describeScripted(cfg: ScriptedOptions): BackendInfo {
  const model: ModelCapabilities = {
    id: `${cfg.name}-model`,
    inputs: cfg.inputs as InputMode[],
    durations: cfg.durations ? { kind: 'discrete', values: cfg.durations } : { kind: 'range', min: 0.1, max: 60 },
    resolutions: cfg.resolutions,
    fps: cfg.fps,
    maxPromptLength: cfg.maxPromptLength,
    concurrency: cfg.concurrency,
    usdPerSecond: cfg.usdPerSecond,
    ...(cfg.references ? { references: cfg.references } : {}),
    ...(cfg.audio !== undefined ? { audio: cfg.audio } : {}),
    ...(cfg.referenceAudio !== undefined ? { referenceAudio: cfg.referenceAudio } : {}),
    ...(cfg.timedKeyframes ? { timedKeyframes: cfg.timedKeyframes } : {}),
  };
  return { name: cfg.name, displayName: `Scripted (${cfg.name})`, kind: cfg.kind, models: [model], defaultModel: model.id };
}

/** A job of the scripted service: it runs the step it was given for the step's latency. */
interface ScriptedJob {
  call: ScriptedCall;
  step: ScriptStep;
  request: GenerateRequest;
  startedAt: number;
  latencyMs: number;
  /** Reported to the engine as ended (no longer counted as active). */
  ended: boolean;
  cancelled: boolean;
}

/**
 * A backend whose behaviour is a script: latency, a sequence of failures with codes and Retry-After, cost per
 * second. It renders small real clips (a still of its first frame, or a test pattern for text requests) so the
 * media path downstream is real. It records every call for assertions. By default it is a remote backend (the
 * job protocol: each submission is one job, a failed step fails the job, a `jobReusable` step keeps it for a
 * re-attach); with `submitsJobs: false` it is a local one (`generate`).
 */
export function createScriptedBackend(config: ScriptedConfig = {}, script: ScriptStep[] = []): ScriptedBackend {
  const cfg = scriptedConfigSchema.parse(config);
  const player = new ScriptPlayer(cfg);
  const common = {
    specificationVersion: 2 as const,
    info: describeScripted(cfg),
    calls: [] as ScriptedCall[],
    validations: 0,
    active: 0,
    maxActive: 0,
    ...(cfg.gpus ? { resourcePool: { gpus: cfg.gpus }, resources: () => ({ gpus: cfg.gpusPerJob }) } : {}),
    script: [...script],
    async validate(request: GenerateRequest) {
      player.backend.validations++;
      if (request.prompt.length > cfg.maxPromptLength) {
        throw new TtvError('INPUT_INVALID', `prompt is ${request.prompt.length} characters, limit ${cfg.maxPromptLength}`, {
          field: 'prompt',
          fix: 'shorten the prompt',
        });
      }
    },
    estimateCost: (request: GenerateRequest) => ({ usd: Number((request.durationSec * cfg.usdPerSecond).toFixed(6)), basis: `${cfg.usdPerSecond} USD/s` }),
  };
  const backend = (cfg.submitsJobs && !cfg.gpus ? { ...common, ...remoteMethods(player) } : { ...common, ...localMethods(player) }) as ScriptedBackend;
  player.backend = backend;
  return backend;
}

type ScriptedOptions = z.output<typeof scriptedConfigSchema>;

/** Plays the script: records each call on the backend, turns steps into errors and costs, renders the clips. */
class ScriptPlayer {
  /** The backend the calls are recorded on (set once it is built). */
  backend!: ScriptedBackend;
  readonly jobs = new Map<string, ScriptedJob>();
  jobCounter = 0;
  clipProbe: Awaited<ReturnType<typeof probeVideo>> | undefined;

  constructor(readonly cfg: ScriptedOptions) {}

  /** Records a call and takes its step (success when the script is used up). */
  begin(call: ScriptedCall): ScriptStep {
    const backend = this.backend;
    backend.calls.push(call);
    backend.active++;
    backend.maxActive = Math.max(backend.maxActive, backend.active);
    return backend.script.shift() ?? { ok: true };
  }

  end(call: ScriptedCall, outcome: ScriptedCall['outcome']): void {
    call.finishedAt = Date.now();
    call.outcome = outcome;
    this.backend.active--;
  }

  /** A job for `call` that plays `step` for the step's latency. */
  startJob(call: ScriptedCall, step: ScriptStep, request: GenerateRequest): ScriptedJob {
    return { call, step, request, startedAt: Date.now(), latencyMs: step.latencyMs ?? this.cfg.latencyMs, ended: false, cancelled: false };
  }

  costOf(step: ScriptStep, request: GenerateRequest): number {
    return 'costUsd' in step && step.costUsd !== undefined ? step.costUsd : this.backend.estimateCost(request).usd;
  }

  /** Renders the clip of a successful call into `target`. */
  async render(request: GenerateRequest, target: string, workDir: string, signal: AbortSignal): Promise<void> {
    const cfg = this.cfg;
    if (cfg.clip) return copyFile(cfg.clip, target);
    const frames = Math.max(1, Math.round(request.durationSec * cfg.fps));
    // Text-only requests render a test pattern, made in the call's scratch directory.
    const image = request.firstFrame ?? `${workDir}/scripted-pattern-${Date.now()}-${Math.random().toString(36).slice(2)}.png`;
    if (!request.firstFrame) await makeTestImage(image, { width: request.width, height: request.height });
    try {
      await encodeStill(image, target, { frames, fps: cfg.fps, width: request.width, height: request.height, signal });
    } finally {
      if (!request.firstFrame) await rm(image, { force: true });
    }
  }
}

/** The error a failing step throws (undefined for a success). */
function failure(step: ScriptStep): TtvError | undefined {
  if (step.ok === true || !('code' in step)) return undefined;
  return new TtvError(step.code, step.message ?? `scripted ${step.code}`, {
    ...(step.retryAfterMs !== undefined ? { retryAfterMs: step.retryAfterMs } : {}),
    ...(step.chargedUsd !== undefined ? { chargedUsd: step.chargedUsd } : {}),
    ...(step.jobReusable ? { jobReusable: true } : {}),
  });
}

/** The job protocol: each submission is one job; a re-attach to an unknown or ended job plays the next step. */
function remoteMethods(player: ScriptPlayer) {
  const { cfg, jobs } = player;
  return {
    jobPolicy: { intervalMs: 2, maxIntervalMs: 10, backoff: 1.5, jitter: 0 },
    async submit(request: GenerateRequest, ctx: SubmitContext) {
      const id = `${cfg.name}-job-${++player.jobCounter}`;
      const call: ScriptedCall = { request: { ...request }, startedAt: Date.now(), jobId: id, idempotencyKey: ctx.idempotencyKey };
      jobs.set(id, player.startJob(call, player.begin(call), { ...request }));
      // What a re-attach by another instance (after a crash) needs to know about the job: plain JSON.
      return { id, data: { request: { ...request } } };
    },
    async status(handle: JobHandle, ctx: CallContext): Promise<JobStatus> {
      let job = jobs.get(handle.id);
      if (!job || job.ended) {
        // A re-attach (a crashed run's job, or one kept after its output was lost): the next step plays on it.
        const request = job?.request ?? (handle.data?.['request'] as GenerateRequest | undefined);
        const call: ScriptedCall = { request: { ...(request ?? ({} as GenerateRequest)) }, startedAt: Date.now(), resumedJob: handle.id };
        job = player.startJob(call, player.begin(call), request ?? call.request);
        jobs.set(handle.id, job);
      }
      if (job.cancelled) return { state: 'failed', error: new TtvError('CANCELLED', `job ${handle.id} was cancelled`) };
      if (Date.now() - job.startedAt < job.latencyMs) return { state: 'pending', progress: { fraction: 0.5 } };
      const error = failure(job.step);
      job.ended = true;
      if (error) {
        player.end(job.call, error.code);
        return { state: 'failed', error };
      }
      player.end(job.call, 'ok');
      const request = job.request;
      return {
        state: 'succeeded',
        costUsd: player.costOf(job.step, request),
        output: { write: (target: string) => player.render({ ...request, outputPath: target }, target, ctx.workDir, ctx.signal) },
      };
    },
    async cancel(handle: JobHandle) {
      const job = jobs.get(handle.id);
      if (job && !job.ended) {
        job.cancelled = true;
        job.ended = true;
        player.end(job.call, 'CANCELLED');
      }
    },
  };
}

/** A local backend: `generate` plays one step per call, holding its GPU lease. */
function localMethods(player: ScriptPlayer) {
  const { cfg } = player;
  return {
    async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
      // An already-aborted call must not spend: nothing is recorded.
      throwIfAborted(ctx.signal);
      const call: ScriptedCall = { request: { ...request }, startedAt: Date.now(), ...(ctx.lease ? { lease: { gpus: [...ctx.lease.gpus] } } : {}) };
      const step = player.begin(call);
      try {
        await sleep(step.latencyMs ?? cfg.latencyMs, ctx.signal);
        ctx.onProgress({ fraction: 0.5 });
        const error = failure(step);
        if (error) throw error;
        await produceAtomic(request.outputPath, (tmp) => player.render(request, tmp, ctx.workDir, ctx.signal));
        // With a pre-made clip, probe it once (the engine probes every result anyway).
        if (cfg.clip && !player.clipProbe) player.clipProbe = await probeVideo(cfg.clip);
        const p = player.clipProbe ?? (await probeVideo(request.outputPath));
        player.end(call, 'ok');
        return clipResult(request.outputPath, p, { costUsd: player.costOf(step, request) });
      } catch (e) {
        player.end(call, (e as TtvError).code ?? 'GENERATION_FAILED');
        throw e;
      }
    },
  };
}

/** Plugin form of the scripted backend (its script comes from `globalThis.__ttvScripts[name]` when present). */
export const scriptedPlugin = defineBackend({
  specificationVersion: 2,
  name: 'scripted',
  displayName: 'Scripted (testkit)',
  kind: 'remote',
  configSchema: scriptedConfigSchema,
  describe: describeScripted,
  create: (config) => createScriptedBackend(config),
});
