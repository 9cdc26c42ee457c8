import { copyFile, rm } from 'node:fs/promises';
import {
  type BackendInfo,
  clipResult,
  defineBackend,
  encodeStill,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type InputMode,
  type ModelCapabilities,
  makeTestImage,
  probeVideo,
  produceAtomic,
  sleep,
  TtvError,
  type TtvErrorCode,
  throwIfAborted,
  type VideoBackend,
} from '@ttv/core';
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
    inputs: z.array(z.enum(['text', 'first-frame', 'first-last-frame'])).default(['text', 'first-frame', 'first-last-frame']),
    durations: z.array(z.number().positive()).optional(),
    resolutions: z.array(z.object({ width: z.number().int(), height: z.number().int() })).default([{ width: 320, height: 180 }]),
    fps: z.number().positive().default(8),
    maxPromptLength: z.number().int().positive().default(1000),
    concurrency: z.number().int().positive().default(8),
    usdPerSecond: z.number().nonnegative().default(0.1),
    latencyMs: z.number().int().nonnegative().default(0),
    /** When set, every successful call copies this pre-made MP4 instead of rendering one (no ffmpeg). */
    clip: z.string().optional(),
    /** GPUs the backend may be leased (makes it ask the engine for `gpusPerJob` GPUs per call). */
    gpus: z.array(z.number().int().nonnegative()).optional(),
    gpusPerJob: z.number().int().positive().default(1),
    /** Whether calls report a job id through onJob like a remote API (default true). */
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

export interface ScriptedBackend extends VideoBackend {
  /** Every generate call, in order. */
  readonly calls: ScriptedCall[];
  /** Number of validate calls. */
  validations: number;
  /** generate calls running right now, and the most seen at once. */
  active: number;
  maxActive: number;
  /** Outcomes to play, one per generate call; when empty, calls succeed. */
  readonly script: ScriptStep[];
  rewordPrompt?: VideoBackend['rewordPrompt'];
}

function describeScripted(cfg: z.output<typeof scriptedConfigSchema>): BackendInfo {
  const model: ModelCapabilities = {
    id: `${cfg.name}-model`,
    inputs: cfg.inputs as InputMode[],
    durations: cfg.durations ? { kind: 'discrete', values: cfg.durations } : { kind: 'range', min: 0.1, max: 60 },
    resolutions: cfg.resolutions,
    fps: cfg.fps,
    maxPromptLength: cfg.maxPromptLength,
    concurrency: cfg.concurrency,
    usdPerSecond: cfg.usdPerSecond,
  };
  return { name: cfg.name, displayName: `Scripted (${cfg.name})`, kind: cfg.kind, models: [model], defaultModel: model.id };
}

/**
 * A backend whose behaviour is a script: latency, a sequence of failures with codes and Retry-After, cost per
 * second. It renders small real clips (a still of its first frame, or a test pattern for text requests) so the
 * media path downstream is real. It records every call for assertions. It exposes job ids like a remote backend.
 */
export function createScriptedBackend(config: ScriptedConfig = {}, script: ScriptStep[] = []): ScriptedBackend {
  const cfg = scriptedConfigSchema.parse(config);
  let jobCounter = 0;
  let clipProbe: Awaited<ReturnType<typeof probeVideo>> | undefined;
  const backend: ScriptedBackend = {
    specificationVersion: 1,
    ...describeScripted(cfg),
    calls: [],
    validations: 0,
    active: 0,
    maxActive: 0,
    ...(cfg.gpus ? { resourcePool: { gpus: cfg.gpus }, resources: () => ({ gpus: cfg.gpusPerJob }) } : {}),
    script: [...script],
    async validate(request) {
      backend.validations++;
      if (request.prompt.length > cfg.maxPromptLength) {
        throw new TtvError('INPUT_INVALID', `prompt is ${request.prompt.length} characters, limit ${cfg.maxPromptLength}`, {
          field: 'prompt',
          fix: 'shorten the prompt',
        });
      }
    },
    estimateCost: (request) => ({ usd: Number((request.durationSec * cfg.usdPerSecond).toFixed(6)), basis: `${cfg.usdPerSecond} USD/s` }),
    async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
      // An already-aborted call must not spend: nothing is recorded or submitted.
      throwIfAborted(ctx.signal);
      const call: ScriptedCall = {
        request: { ...request },
        startedAt: Date.now(),
        ...(ctx.resumeJob ? { resumedJob: ctx.resumeJob.id } : {}),
        ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
        ...(ctx.lease ? { lease: { gpus: [...ctx.lease.gpus] } } : {}),
      };
      backend.calls.push(call);
      backend.active++;
      backend.maxActive = Math.max(backend.maxActive, backend.active);
      const step = backend.script.shift() ?? { ok: true };
      try {
        if (!ctx.resumeJob && cfg.submitsJobs) {
          call.jobId = `${cfg.name}-job-${++jobCounter}`;
          await ctx.onJob({ id: call.jobId });
        }
        await sleep(step.latencyMs ?? cfg.latencyMs, ctx.signal);
        ctx.onProgress({ fraction: 0.5 });
        if (step.ok === false || 'code' in step) {
          const s = step as Exclude<ScriptStep, { ok: true }>;
          throw new TtvError(s.code, s.message ?? `scripted ${s.code}`, {
            ...(s.retryAfterMs !== undefined ? { retryAfterMs: s.retryAfterMs } : {}),
            ...(s.chargedUsd !== undefined ? { chargedUsd: s.chargedUsd } : {}),
            ...(s.jobReusable ? { jobReusable: true } : {}),
          });
        }
        const fps = cfg.fps;
        const frames = Math.max(1, Math.round(request.durationSec * fps));
        await produceAtomic(request.outputPath, async (tmp) => {
          if (cfg.clip) return copyFile(cfg.clip, tmp);
          // Text-only requests render a test pattern, made in the call's scratch directory.
          const image = request.firstFrame ?? `${ctx.workDir}/scripted-pattern-${call.startedAt}.png`;
          if (!request.firstFrame) await makeTestImage(image, { width: request.width, height: request.height });
          try {
            await encodeStill(image, tmp, { frames, fps, width: request.width, height: request.height, signal: ctx.signal });
          } finally {
            if (!request.firstFrame) await rm(image, { force: true });
          }
        });
        // With a pre-made clip, probe it once (the engine probes every result anyway).
        if (cfg.clip && !clipProbe) clipProbe = await probeVideo(cfg.clip);
        const p = clipProbe ?? (await probeVideo(request.outputPath));
        call.finishedAt = Date.now();
        call.outcome = 'ok';
        const costUsd = 'costUsd' in step && step.costUsd !== undefined ? step.costUsd : backend.estimateCost(request).usd;
        return clipResult(request.outputPath, p, { costUsd });
      } catch (e) {
        call.finishedAt = Date.now();
        call.outcome = (e as TtvError).code ?? 'GENERATION_FAILED';
        throw e;
      } finally {
        backend.active--;
      }
    },
  };
  return backend;
}

/** Plugin form of the scripted backend (its script comes from `globalThis.__ttvScripts[name]` when present). */
export const scriptedPlugin = defineBackend({
  specificationVersion: 1,
  name: 'scripted',
  displayName: 'Scripted (testkit)',
  kind: 'remote',
  configSchema: scriptedConfigSchema,
  describe: describeScripted,
  create: (config) => createScriptedBackend(config),
});
